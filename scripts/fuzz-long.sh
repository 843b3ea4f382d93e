#!/usr/bin/env bash
# The long fuzz run (docs/FUZZING.md): every target until RUNS executions (default 10 million)
# or MAX_SECONDS (default one hour), whichever comes first, from its checked-in seeds and the
# corpus it has grown, with its dictionary. Built with overflow checks and without a sanitizer
# (the crate forbids unsafe code; ASan slows the targets 3-10x here, and .ci/run's bounded runs
# keep it). Prints each target's figures; a crash or a failed property stops the run.
#
#   bash scripts/fuzz-long.sh [target ...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
RUNS="${RUNS:-10000000}"
MAX_SECONDS="${MAX_SECONDS:-3600}"
TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target/long}"
LOGS="$TARGET_DIR/logs"
mkdir -p "$LOGS"

cargo +nightly fuzz build -O -a -s none --target-dir "$TARGET_DIR"
bin="$TARGET_DIR/x86_64-unknown-linux-gnu/release"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  log="$LOGS/$target.log"
  start=$(date +%s)
  "$bin/$target" "corpus/$target" "seeds/$target" -dict="dictionaries/$target.dict" \
    -runs="$RUNS" -max_total_time="$MAX_SECONDS" -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="artifacts/$target-" >"$log" 2>&1 || {
    tail -n 40 "$log"
    echo "fuzz target $target failed: see $log"
    exit 1
  }
  seconds=$(( $(date +%s) - start ))
  runs=$(grep -oP 'stat::number_of_executed_units: *\K[0-9]+' "$log")
  rate=$(grep -oP 'stat::average_exec_per_sec: *\K[0-9]+' "$log")
  rss=$(grep -oP 'stat::peak_rss_mb: *\K[0-9]+' "$log")
  cov=$(grep -oP '#[0-9]+\s+DONE\s+cov: \K[0-9]+' "$log" || grep -oP 'cov: \K[0-9]+' "$log" | tail -n 1)
  units=$(find "corpus/$target" -type f | wc -l)
  printf '%-15s %12s runs %7ss %8s/s  peak RSS %5s MB  edges %6s  corpus %6s\n' \
    "$target" "$runs" "$seconds" "$rate" "$rss" "$cov" "$units" | tee -a "$LOGS/summary.txt"
done
