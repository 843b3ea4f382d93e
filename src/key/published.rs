//! Keys anybody can read: every 32-byte value printed in this repository's README, docs,
//! examples, doc comments and own test vectors. A key read from the environment that is one of
//! them, or that is not random at all, is refused, so that no key copied from an example ever
//! protects a real deployment.

/// The 32-byte values of our docs and vectors, in hex: derived keys and digests of the worked
/// examples too, since any of them could be pasted as a key. (Values of one repeated byte, also
/// printed, are caught by [`looks_random`].) The test below keeps this list complete.
const PUBLISHED: [&str; 9] = [
    // Key::from_base64's example, docs/FORMAT.md's example key, tests/vectors/cases.json.
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    // docs/FORMAT.md, tests/vectors/format_example.json: the derived subkey and a digest.
    "126bb59f8d517d8879af109bafbfe0daf8b533335f0ccafa2fa3f561e98c94b2",
    "6710a02daf23e1adc6f72b63735e994df4db56fd897c10f33ec11a8d4f3289f1",
    // docs/FORMAT.md, tests/vectors/jwe_example.json: the derived JWE key.
    "2fd991829a067825ffae124f0f544fa5d1dc1d44dbc61796f677a46cc4acfc90",
    // RFC 8037's Ed25519 test key (seed and public key), in src/jwt's docs.
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    // src/jwt's JWK examples and vectors.
    "b229e095efe47b2ff08ad868badfe489dfe2b3f7e8ba777fc22b61a2eb7fa277",
    "c327217a9ae8a1ffe199a73fb216b6e7afed86ba2e821fe8babfe9ae8be275ea",
    // docs/TESTING.md.
    "b617bfa656a7fdca2e9edb3fc216adfed85efdbae8c2c7abfec7a776cfdb69c9",
];

/// Whether `bytes` is one of the values printed in this repository.
pub(super) fn is_published(bytes: &[u8]) -> bool {
    PUBLISHED
        .iter()
        .filter_map(|hex| crate::text::lower_hex::<32>(hex.as_bytes()))
        .any(|published| published[..] == *bytes)
}

/// Whether `bytes` could have come from a random generator: 32 random bytes take fewer than 8
/// distinct values with a chance below 2^-100, while a key of one repeated byte, two
/// alternating ones, or a short pattern (the test fixtures' keys among them) always does.
pub(super) fn looks_random(bytes: &[u8]) -> bool {
    let mut seen = [false; 256];
    for &byte in bytes {
        seen[usize::from(byte)] = true;
    }
    seen.iter().filter(|&&seen| seen).count() >= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 32-byte value, as hex or as base64 of 32 bytes, in the files that users read and
    /// copy from (the README, docs/, examples/, src/, our own vectors): each is refused, by
    /// the list or by [`looks_random`]. A new example key fails this test until it is listed.
    #[test]
    fn every_value_printed_in_our_docs_and_examples_is_refused() {
        use base64::Engine as _;
        let root = env!("CARGO_MANIFEST_DIR");
        let mut files = vec![format!("{root}/README.md")];
        for folder in ["docs", "examples", "src", "tests/vectors/generated"] {
            collect(
                std::path::Path::new(&format!("{root}/{folder}")),
                &mut files,
            );
        }
        for name in ["format_example", "jwe_example", "cases", "stable_tokens"] {
            files.push(format!("{root}/tests/vectors/{name}.json"));
        }
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let (mut checked, mut published) = (0, 0);
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_+/".contains(c)));
            for word in words {
                let bytes = match word.len() {
                    64 => crate::text::lower_hex::<32>(word.to_ascii_lowercase().as_bytes()),
                    43 => {
                        let standard = word.replace('+', "-").replace('/', "_");
                        lenient
                            .decode(standard)
                            .ok()
                            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                    }
                    _ => None,
                };
                let Some(bytes) = bytes else { continue };
                checked += 1;
                assert!(
                    is_published(&bytes) || !looks_random(&bytes),
                    "{file} prints {word}: add it to PUBLISHED"
                );
                published += usize::from(is_published(&bytes));
            }
        }
        assert!(
            checked >= 15 && published >= 9,
            "{checked} values, {published} listed"
        );
    }

    fn collect(folder: &std::path::Path, files: &mut Vec<String>) {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, files);
            } else {
                files.push(path.display().to_string());
            }
        }
    }

    #[test]
    fn patterns_are_not_random_and_generated_keys_are() {
        assert!(!looks_random(&[7; 32]));
        let mut pattern = [0u8; 32];
        for (index, byte) in pattern.iter_mut().enumerate() {
            *byte = (index % 7) as u8;
        }
        assert!(!looks_random(&pattern), "7 distinct values");
        for (index, byte) in pattern.iter_mut().enumerate() {
            *byte = (index % 8) as u8;
        }
        assert!(looks_random(&pattern), "8 distinct values");
        for _ in 0..1000 {
            let key = crate::Key::generate();
            assert!(looks_random(key.bytes()) && !is_published(key.bytes()));
        }
    }
}
