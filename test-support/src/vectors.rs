//! The test vectors of `tests/vectors/` (their provenance is in its README), for integration
//! tests of any package of the workspace. The library's unit tests have their own reader,
//! `src/test_vectors.rs`: they cannot depend on this crate.

use std::path::PathBuf;

/// The path of `tests/vectors/{name}` in the workspace, wherever the test runs from: the
/// directory is the library's, one level above this crate.
pub fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors")).join(name)
}

/// The JSON file `tests/vectors/{name}`, parsed; a panic names the file if it is missing or not
/// JSON, so that a renamed vector fails with its name rather than a bare I/O error.
pub fn vector_file(name: &str) -> serde_json::Value {
    let path = vector_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("test vector {} cannot be read: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("test vector {} is not JSON: {error}", path.display()))
}

/// The bytes of a JSON string of hex digits (keys and nonces in the vector files).
pub fn unhex(value: &serde_json::Value) -> Vec<u8> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string of hex digits"));
    assert!(
        text.len().is_multiple_of(2),
        "{text:?} has an odd number of hex digits"
    );
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
        .collect()
}
