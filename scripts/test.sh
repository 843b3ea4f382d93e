#!/usr/bin/env bash
# The whole test suite (README Quickstart, command 2): every test, doctest and example, on each
# AEAD backend; the browser test (headless Chromium through chromedriver, installed here when
# missing); the revocation-sync tests against real Redis servers (redis-server, redis-cli and
# libfaketime, installed here when missing; the tests start and stop their own: single servers,
# a replica, TLS, a 3-primary Cluster); the fleet harness, every scenario for a few seconds
# (fleet/tests/fleet.rs, in the workspace run); and the interop suite against Python's
# joserfc, Authlib and PyJWT (a pinned virtualenv, made here when missing). Nothing is skipped:
# a missing tool fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-browser.sh
bash scripts/install-redis.sh
INTEROP_PYTHON="$(bash scripts/interop-venv.sh | tail -n 1)"
export INTEROP_PYTHON

echo "=== tests, every package of the workspace, every feature (the ring backend, JWT, Redis sync,"
echo "    cookies, axum, the CLI, the examples, the browser test, the fleet harness)"
cargo test --workspace --all-features
echo "=== interop with independent JOSE implementations (joserfc, Authlib, PyJWT)"
cargo test -p sealed-session --all-features --test interop
echo "=== tests of the library, the rust-crypto backend (with JWT)"
cargo test -p sealed-session --no-default-features --features rust-crypto,jwt
