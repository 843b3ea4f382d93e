#!/usr/bin/env bash
# The whole test suite (README Quickstart, command 2): every test, doctest and example, on each
# AEAD backend. Needs only cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "=== tests, default features and every feature (the ring backend)"
cargo test --all-features
echo "=== tests, the rust-crypto backend alone"
cargo test --no-default-features --features rust-crypto
