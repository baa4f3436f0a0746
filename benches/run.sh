#!/usr/bin/env bash
# The whole benchmark, in one run (docs/performance.md quotes it):
#
#   bash benches/run.sh [--quick] [--no-python] [--no-eppd] [--sessions N]
#
# 1. the core (`cargo bench --bench session`): five pipelined streams through the Rust API and
#    the C API, against a bare quick-xml scan and memcpy of the same bytes; allocations per
#    operation; bytes per idle logged-in session -> target/bench-results/core.json
# 2. the Python binding with batched input, as a ratio to the Rust figures of step 1 (the
#    package is built and installed in a virtualenv, target/bench-venv, with pip)
#    -> target/bench-results/python.json
# 3. eppd over loopback against the transport floor, plain and TLS (benches/eppd.sh)
#    -> target/bench-results/eppd*.json
# 4. the charts (benches/charts.py, matplotlib in the same virtualenv) -> docs/perf-*.svg
#
# --quick: shorter rounds, 1,000 connections instead of 10,000, 3 s per eppd run (about 3
# minutes with the builds done). The full run takes about 15 minutes on 2 cores, most of it
# logging 10,000 sessions in twice (Argon2id). The soak (benches/soak.sh) is separate.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

QUICK=()
PYTHON_STEP=1
EPPD_STEP=1
EPPD_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=(--quick); EPPD_ARGS+=(--quick) ;;
        --no-python) PYTHON_STEP=0 ;;
        --no-eppd) EPPD_STEP=0 ;;
        --sessions) EPPD_ARGS+=(--sessions "$2"); shift ;;
        *) echo "usage: $0 [--quick] [--no-python] [--no-eppd] [--sessions N]" >&2; exit 2 ;;
    esac
    shift
done
step() { printf '\n==> [%4ss] %s\n' "$SECONDS" "$*" >&2; }
OUT=$ROOT/target/bench-results
mkdir -p "$OUT"

step "core: cargo bench --bench session"
if [ ${#QUICK[@]} -gt 0 ]; then
    EPP_BENCH_QUICK=1 cargo bench --locked --bench session
else
    cargo bench --locked --bench session
fi

VENV=$ROOT/target/bench-venv
if [ "$PYTHON_STEP" = 1 ]; then
    step "Python: virtualenv with the package and matplotlib"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    # Built once (maturin, a few minutes); EPP_BENCH_REINSTALL=1 (or removing target/bench-venv)
    # builds the package again from ./python.
    if [ -n "${EPP_BENCH_REINSTALL:-}" ] || ! "$VENV/bin/python" -c "import libepp, matplotlib" 2>/dev/null; then
        "$VENV/bin/python" -m pip install -q --force-reinstall ./python matplotlib
    fi
    step "Python: benches/python_bench.py"
    "$VENV/bin/python" benches/python_bench.py "${QUICK[@]}"
fi

if [ "$EPPD_STEP" = 1 ]; then
    step "eppd against the transport floor: benches/eppd.sh"
    bash benches/eppd.sh "${EPPD_ARGS[@]}"
fi

if [ "$PYTHON_STEP" = 1 ]; then
    step "charts: benches/charts.py"
    "$VENV/bin/python" benches/charts.py
fi
step "done; figures in $OUT"
