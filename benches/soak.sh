#!/usr/bin/env bash
# The soak: 10,000 concurrent TLS sessions running the command mix against `eppd --demo` for 10
# minutes, eppd's resident set sampled every 10 s. Not part of CI (about 13 minutes with the
# logins). Writes target/bench-results/soak.json (benches/charts.py plots it).
#
#   bash benches/soak.sh [--sessions N] [--duration S]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SESSIONS=10000
DURATION=600
while [ $# -gt 0 ]; do
    case "$1" in
        --sessions) SESSIONS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        *) echo "usage: $0 [--sessions N] [--duration S]" >&2; exit 2 ;;
    esac
    shift
done
OUT=$ROOT/target/bench-results
mkdir -p "$OUT"
if [ -z "${EPP_BENCH_NO_BUILD:-}" ]; then
    cargo build --release --locked -p eppd -p loadgen >&2
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/eppd-soak.XXXXXX")
EPPD_PID=
cleanup() {
    [ -n "$EPPD_PID" ] && kill "$EPPD_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
"$ROOT/target/release/eppd" --demo --data-dir "$WORK/data" --listen 127.0.0.1:0 \
    --max-connections $((SESSIONS + 1000)) --log-level warn >"$WORK/eppd.out" 2>"$WORK/eppd.err" &
EPPD_PID=$!
ADDR=
for _ in $(seq 1 300); do
    ADDR=$(sed -n 's/.*listening on \(.*\)$/\1/p' "$WORK/eppd.out" | head -n 1)
    [ -n "$ADDR" ] && break
    sleep 0.1
done
[ -n "$ADDR" ] || { cat "$WORK/eppd.err" >&2; exit 1; }
"$ROOT/target/release/loadgen" run --connect "$ADDR" --tls --ca-file "$WORK/data/ca.pem" \
    --sessions "$SESSIONS" --duration "$DURATION" --pattern mix --pipeline 1 \
    --pid "$EPPD_PID" --rss-every 10 --label "soak-tls-mix-$SESSIONS" --json "$OUT/soak.json"
