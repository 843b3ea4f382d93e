//! Reading the published and project test vectors in `tests/vectors/` (unit tests only).

/// The JSON file `tests/vectors/{name}`.
pub(crate) fn vector_file(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("vector file present");
    serde_json::from_str(&text).expect("vector file is JSON")
}

/// The bytes of a JSON string of hex digits.
pub(crate) fn unhex(value: &serde_json::Value) -> Vec<u8> {
    let text = value.as_str().expect("hex string");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The string field `field` of a vector.
pub(crate) fn text<'v>(value: &'v serde_json::Value, field: &str) -> &'v str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is a string"))
}
