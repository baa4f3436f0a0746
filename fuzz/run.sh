#!/bin/sh
# Runs every fuzz target (or those named after SECONDS) for SECONDS each,
# one after the other, one libFuzzer job each:
#
#     fuzz/run.sh 600                  # every target, 10 minutes each
#     fuzz/run.sh 60 server_frames     # one target
#
# Needs a nightly Rust toolchain (cargo-fuzz builds with -Zsanitizer);
# installs cargo-fuzz (crates.io) when it is missing. Seeds the corpora
# from the test scripts first (fuzz/seed.sh). The safe-Rust targets run
# without a sanitizer (faster); `capi` crosses `unsafe` code and runs
# under AddressSanitizer. Crashes land in fuzz/artifacts/<target>/; a
# summary line per target (executions, exec/s, coverage, features,
# corpus) goes to fuzz/artifacts/summary.txt.
set -eu
cd "$(dirname "$0")"

if [ $# -lt 1 ]; then
    echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift
targets=${*:-server_bytes server_frames etp capi client_bytes}

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: no nightly toolchain: rustup toolchain install nightly" >&2
    exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

./seed.sh
mkdir -p artifacts
status=0
for t in $targets; do
    # The safe-Rust targets build without a sanitizer in fuzz/target;
    # capi under AddressSanitizer in its own fuzz/target/address (so that
    # switching does not rebuild everything).
    case $t in
        capi) san=address dir=target/address ;;
        *) san=none dir=target ;;
    esac
    log=artifacts/$t.log
    echo "== $t: $seconds s (sanitizer: $san)"
    # libFuzzer runs one process, one job (its default).
    if cargo +nightly fuzz run --sanitizer "$san" --target-dir "$dir" "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=1048576 \
        -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    line="$(date -u +%Y-%m-%dT%H:%MZ) $t $result ${seconds}s execs=$execs exec/s=$rate last: $last"
    echo "$line"
    echo "$line" >>artifacts/summary.txt
    [ $result = ok ] || tail -n 40 "$log"
done
exit $status
