#!/usr/bin/env bash
# cargo-mutants over src/ and cli/src/, one area at a time (docs/TESTING.md, "Mutation testing").
#
#   bash scripts/mutants.sh            # every area, in this order
#   bash scripts/mutants.sh jwt http   # some areas
#   MUTANTS_SHARD=0/2 bash scripts/mutants.sh core   # half of the core (and 1/2 elsewhere: shards count from 0)
#
# Each area's mutants run against the test binaries that exercise it (the library's unit tests
# always among them): a mutant only another binary would notice shows as missed, never as
# caught by accident. The binaries are in the packages of the workspace: the library's by
# default, others named by the area (`--test-package`: the CLI's, the examples'); the CLI's own
# code is mutated in its package (`--package`). Results: mutants.out/<area>/mutants.out/
# (caught.txt, missed.txt, timeout.txt, unviable.txt). Once tests are written against the missed
# ones, run them again:
#
#   bash scripts/mutants.sh jwt-again http-again   # mutants.out/<area>-again/
#
# One mutant at a time, built in one target directory (CARGO_TARGET_DIR, default target/) that
# is kept between areas, so that the dependencies, optimized once by the `mutants` profile, are
# not built again. (cargo-mutants' own `--jobs` would build the dependencies again for each job,
# and two jobs must never share a target directory: their artifacts have the same names.) To use
# two cores, run two of this script on different areas, each with its own CARGO_TARGET_DIR (a
# copy of a built one will do). PROPTEST_CASES (default 64) trades time for thoroughness.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export PROPTEST_CASES="${PROPTEST_CASES:-64}"
timeout="${MUTANTS_TIMEOUT:-60}"
if command -v mold >/dev/null; then
    export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-fuse-ld=mold"
fi
command -v cargo-mutants >/dev/null || cargo install cargo-mutants --version 27.1.0 --locked
command -v redis-server >/dev/null || { echo "redis-server is needed (examples/tests/redis_sync.rs)" >&2; exit 1; }

# area: the files, then the test targets that run against their mutants; the package mutated
# (default: the library) and the packages whose tests run (default: the one mutated).
declare -A files targets packages test_packages
files[jwt]="src/jwt/*.rs"
targets[jwt]="--lib --test=api --test=adversarial"
files[http]="src/http/*.rs"
targets[http]="--lib --test=api --test=adversarial"
files[sync]="src/redis/*.rs"
targets[sync]="--lib --test=redis_sync --test=cli --test=api"
# redis_sync is the examples' (it drives examples/sync_peer.rs), cli the CLI's.
test_packages[sync]="sealed-session,sealed-session-examples,sealed-session-cli"
files[cli]="cli/src/*.rs"
targets[cli]="--bins --test=cli"
packages[cli]="sealed-session-cli"
# The pure-Rust AEAD backend, compiled only without `ring` (.cargo/mutants-backend.toml builds
# with `rust-crypto` alone): against the tests that seal and open, and the AEAD's vectors.
files[backend]="src/aead/rust_crypto.rs"
targets[backend]="--lib --test=api --test=adversarial"
declare -A configs=([backend]=.cargo/mutants-backend.toml)
# The core: everything else. Its first pass runs against the binaries that test it directly
# (half the links of the whole suite, and without the two slowest tests: .cargo/mutants-core.toml);
# what that pass misses, `core-again` runs against every binary but the browser's.
core_excludes=(-e 'src/jwt/*.rs' -e 'src/http/*.rs' -e 'src/redis/*.rs' -e 'src/aead/rust_crypto.rs')
targets[core]="--lib --test=api --test=adversarial --test=bomb_memory --test=fork_safety
    --test=key_memory --test=revocation_memory"

# Adds an area's own configuration, if it has one, its packages and its test targets to the
# caller's `args`.
add_area_args() {
    [[ -z "${configs[$1]:-}" ]] || args+=(--config "${configs[$1]}")
    [[ -z "${packages[$1]:-}" ]] || args+=(--package "${packages[$1]}")
    [[ -z "${test_packages[$1]:-}" ]] || args+=(--test-package "${test_packages[$1]}")
    for target in ${targets[$1]}; do args+=("--cargo-arg=$target"); done
}

# Escapes a mutant's name for cargo-mutants' --re and --exclude-re.
name_re() { printf '%s' "$1" | sed 's/[][\\.+*?(){}|^$#&~-]/\\&/g'; }

run_area() {
    local area="$1" args=() out="$1"
    if [[ "$area" == core ]]; then
        args=("${core_excludes[@]}" --config .cargo/mutants-core.toml)
        for target in ${targets[core]}; do args+=("--cargo-arg=$target"); done
        # MUTANTS_SHARD=0/2 and 1/2: the core in two halves, for two machines or two cores.
        if [[ -n "${MUTANTS_SHARD:-}" ]]; then
            args+=(--shard "$MUTANTS_SHARD")
            out="core-${MUTANTS_SHARD/\//-of-}"
        fi
        # A core run stopped part way resumes: what another core run's output already holds is
        # left out (rename a stopped shard's folder to core-<anything>-of-<n> first).
        local done_name
        while IFS= read -r done_name; do
            [[ -n "$done_name" ]] && args+=(--exclude-re "^$(name_re "$done_name")\$")
        done < <(for dir in mutants.out/core*/; do
            [[ "$dir" == "mutants.out/$out/" || "$dir" == *-again* ]] && continue
            cat "$dir"mutants.out/{caught,missed,timeout,unviable}.txt 2>/dev/null
        done)
    else
        args=(-f "${files[$area]}")
        add_area_args "$area"
    fi
    mkdir -p "mutants.out/$out"
    cargo mutants --gitignore=true --timeout "$timeout" --build-timeout 300 \
        --output "mutants.out/$out" "${args[@]}" || true
    summary "$out"
}

summary() {
    local dir="mutants.out/$1/mutants.out"
    printf '%-8s' "$1"
    for outcome in caught missed timeout unviable; do
        printf ' %s %s' "$outcome" "$(cat "$dir/$outcome.txt" 2>/dev/null | wc -l)"
    done
    echo
}

# The mutants an area's tests missed, once more (area "<area>-again"): after tests were written
# against them, with the same test binaries, or with every one for the core.
again() {
    local area="$1" args=() name
    while IFS= read -r name; do
        [[ -n "$name" ]] || continue
        # By file and change, not by line: the tests written since may have moved the code.
        args+=(--re "^$(name_re "$name" | sed -E 's/^([^:]*):[0-9]+:[0-9]+:/\1:[0-9]+:[0-9]+:/')\$")
    done < <(if [[ "$area" == core ]]; then
        # Every shard's, when the core was run in shards, and any listed by hand in
        # mutants.out/core-rerun.txt (a run disturbed by another build in its target directory).
        # The timeouts too: the whole suite may turn a hang into a failure.
        cat mutants.out/core{,-*-of-*}/mutants.out/{missed,timeout}.txt mutants.out/core-rerun.txt
    else
        cat "mutants.out/$area/mutants.out/missed.txt"
    fi 2>/dev/null)
    [[ ${#args[@]} -gt 0 ]] || { echo "$area-again: nothing missed"; return; }
    if [[ "$area" == core ]]; then
        # Every package's tests: the CLI's and the examples' too.
        args+=("${core_excludes[@]}" --test-workspace=true)
    else
        add_area_args "$area"
    fi
    local out="$area-again"
    # MUTANTS_SHARD=0/2 and 1/2 split an again run too (mutants.out/<area>-again-shard-k-n/).
    if [[ -n "${MUTANTS_SHARD:-}" ]]; then
        args+=(--shard "$MUTANTS_SHARD")
        out="$area-again-shard-${MUTANTS_SHARD/\//-}"
    fi
    mkdir -p "mutants.out/$out"
    cargo mutants --gitignore=true --timeout "$timeout" --build-timeout 300 \
        --output "mutants.out/$out" "${args[@]}" || true
    summary "$out"
}

areas=("$@")
[[ ${#areas[@]} -gt 0 ]] || areas=(jwt http sync cli backend core)
for area in "${areas[@]}"; do
    if [[ "$area" == *-again ]]; then again "${area%-again}"; else run_area "$area"; fi
done
