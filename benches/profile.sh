#!/usr/bin/env bash
# The profiles docs/performance.md shows: what limits the core and eppd.
#
#   bash benches/profile.sh [OUT_DIR]      (default target/bench-results/profile)
#
# 1. the core, under callgrind (instruction counts: the same on a busy machine): one loop of
#    the bench per pattern (EPP_BENCH_PROFILE=hello|poll|info), top functions inclusive and
#    exclusive -> OUT/callgrind-PATTERN.txt
# 2. eppd under `perf record` while loadgen runs the mix over 100 TLS sessions, then plain
#    -> OUT/perf-eppd-MODE.txt (top symbols, self time)
# Needs valgrind and perf (linux-perf); run benches/run.sh first (it builds what this uses).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${1:-$ROOT/target/bench-results/profile}
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "profile.sh: valgrind is missing" >&2; exit 1; }
command -v perf >/dev/null || { echo "profile.sh: perf is missing" >&2; exit 1; }

BENCH=$(cargo bench --locked --bench session --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*session-[^"]*\)".*/\1/p' | tail -n 1)
[ -x "$BENCH" ] || { echo "profile.sh: cannot find the bench executable" >&2; exit 1; }
for p in hello poll info; do
    EPP_BENCH_PROFILE=$p EPP_BENCH_ITERS=3000 valgrind --tool=callgrind \
        --callgrind-out-file="$OUT/callgrind-$p.out" "$BENCH" --bench >/dev/null 2>&1
    {
        echo "# EPP_BENCH_PROFILE=$p: inclusive"
        callgrind_annotate --inclusive=yes "$OUT/callgrind-$p.out" | sed -n '/^Ir/,$p' | sed -n '1,60p'
        echo "# exclusive"
        callgrind_annotate --inclusive=no "$OUT/callgrind-$p.out" | sed -n '/^Ir/,$p' | sed -n '1,40p'
    } >"$OUT/callgrind-$p.txt"
    echo "written: $OUT/callgrind-$p.txt"
done

cargo build --release --locked -p eppd -p loadgen >&2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/eppd-profile.XXXXXX")
EPPD_PID=
cleanup() {
    [ -n "$EPPD_PID" ] && kill "$EPPD_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for mode in tls plain; do
    plain=()
    tls=(--tls --ca-file "$WORK/data/ca.pem")
    if [ "$mode" = plain ]; then plain=(--plain); tls=(); fi
    target/release/eppd --demo "${plain[@]}" --data-dir "$WORK/data" --listen 127.0.0.1:0 \
        --log-level warn >"$WORK/eppd.out" 2>"$WORK/eppd.err" &
    EPPD_PID=$!
    ADDR=
    for _ in $(seq 1 300); do
        ADDR=$(sed -n 's/.*listening on \(.*\)$/\1/p' "$WORK/eppd.out" | head -n 1)
        [ -n "$ADDR" ] && break
        sleep 0.1
    done
    [ -n "$ADDR" ] || { cat "$WORK/eppd.err" >&2; exit 1; }
    target/release/loadgen run --connect "$ADDR" "${tls[@]}" --sessions 100 --duration 15 \
        --pattern mix --label "profile-$mode" >"$WORK/loadgen.out" &
    LOADGEN=$!
    sleep 5   # the logins
    perf record -F 999 -g -o "$WORK/perf.data" -p "$EPPD_PID" -- sleep 8 2>/dev/null
    wait "$LOADGEN"
    {
        cat "$WORK/loadgen.out"
        perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
            grep -v '^$' | grep -E '^ +[0-9]' | sed -n '1,45p'
        echo "# by library"
        perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2>/dev/null |
            grep -E '^ +[0-9]' | sed -n '1,10p'
    } >"$OUT/perf-eppd-$mode.txt"
    echo "written: $OUT/perf-eppd-$mode.txt"
    kill "$EPPD_PID"; wait "$EPPD_PID" 2>/dev/null || true
    EPPD_PID=
done
