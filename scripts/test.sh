#!/usr/bin/env bash
# The whole test suite (README Quickstart, command 2): every test, doctest and example, on each
# AEAD backend, and the browser test (headless Chromium through chromedriver, installed here
# when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-browser.sh

echo "=== tests, every feature (the ring backend, cookies, axum, the browser test)"
cargo test --all-features
echo "=== tests, the rust-crypto backend alone"
cargo test --no-default-features --features rust-crypto
