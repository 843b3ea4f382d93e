#!/usr/bin/env bash
# Line and region coverage of the crate's own code (src/) reached by each fuzz target's corpus
# (docs/FUZZING.md). Needs the nightly llvm-tools component (installed here when missing).
#
#   bash scripts/fuzz-coverage.sh [target ...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
rustup component add llvm-tools-preview --toolchain nightly >/dev/null 2>&1 || true
sysroot="$(rustc +nightly --print sysroot)"
llvm_cov="$(find "$sysroot" -name llvm-cov -type f | head -n 1)"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
# The files each target is for.
declare -A files=(
  [open]="token/compact.rs compress/deflate.rs session/envelope.rs"
  [open_authentic]="token/compact.rs compress/deflate.rs session/envelope.rs"
  [roundtrip]="token/compact.rs token/jwe.rs seal/sealing.rs compress/deflate.rs"
  [cookie]="http/session_cookie/read.rs http/session_cookie/write.rs"
  [restore]="revocation/snapshot.rs revocation/mod.rs"
  [jwe_open]="jwt/jwe.rs compress.rs"
  [jws_verify]="jwt/jws.rs jwt/claims.rs jwt/jwk.rs"
  [redis_read]="sync/read.rs"
  [jwk_set]="jwt/jwk.rs jwt/remote/cache_control.rs"
)
for target in "${targets[@]}"; do
  cargo +nightly fuzz coverage "$target" "corpus/$target" "seeds/$target" >/dev/null 2>&1
  binary="target/x86_64-unknown-linux-gnu/coverage/x86_64-unknown-linux-gnu/release/$target"
  profile="coverage/$target/coverage.profdata"
  # Line coverage (lines, missed, covered %) of the files the target is for.
  report="$("$llvm_cov" report "$binary" -instr-profile="$profile" \
    --ignore-filename-regex='(\.cargo|rustc|fuzz_targets|/fuzz/)')"
  for file in ${files[$target]:-}; do
    echo "$report" | awk -v t="$target" -v f="$file" \
      '$1 == f { printf "%-15s %-24s lines %5s, missed %4s, covered %s\n", t, f, $8, $9, $10 }'
  done
done
