#!/usr/bin/env bash
# Tests of the Python package, from a fresh machine: what CI runs.
#
# 1. a build venv (maturin, ziglang, auditwheel) and rustfmt on python/src;
# 2. `maturin build --release --zig --compatibility manylinux2014`: one abi3 wheel, linked with zig
#    against glibc 2.17 symbols so that its tag is manylinux_2_17 (manylinux2014) instead of this
#    machine's glibc; its contents checked, and `auditwheel show` must agree with the tag;
# 3. a second fresh venv that installs that wheel (pip never builds anything: no Rust toolchain is
#    on PATH there, which the script checks) with the test tools (pytest, epptools, trustme, mypy);
# 4. pytest on python/tests against the installed wheel, with PATH holding only that venv and
#    /usr/bin:/bin (API, bad input and the boundary's TypeErrors, the session transcripts of
#    tests/scripts and tests/client_scripts, end to end with epptools and libepp.client_asyncio over
#    TCP and TLS, `python -m libepp` driven by epptools, libepp.etp and tests/etp_scripts, and
#    mypy --strict on every README example);
# 5. mypy: stubtest of the stubs against the installed module, and --strict on the package;
# 6. the same wheel on Python 3.9 when this machine has it.
#
# Exits non-zero on any failure. Needs python3 (with venv), cargo, and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 CARGO_TERM_COLOR=never

PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/libepp-python.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n==> [%3ss] %s\n' "$SECONDS" "$*"; }

step "build venv (maturin, ziglang, auditwheel); rustfmt (python/src)"
"$PYTHON" -m venv "$WORK/build"
BPY="$WORK/build/bin/python"
"$BPY" -m pip install -q maturin==1.16.0 ziglang==0.17.1 auditwheel==6.8.2
cargo fmt --manifest-path python/Cargo.toml --check

step "maturin build --release --zig --compatibility manylinux2014"
# maturin runs zig as `python -m ziglang`, with the python it finds on PATH: the build venv's.
PATH="$WORK/build/bin:$PATH" "$WORK/build/bin/maturin" build --release --quiet --zig \
    --compatibility manylinux2014 -m python/Cargo.toml -o "$WORK/wheels" -i "$BPY"
ls -l "$WORK/wheels"
wheel=$(ls "$WORK"/wheels/libepp-*.whl)
case "$(basename "$wheel")" in
    libepp-*-cp39-abi3-*manylinux_2_17_x86_64*.whl | libepp-*-cp39-abi3-*manylinux_2_17_aarch64*.whl) ;;
    *) echo "FAIL: $wheel is not an abi3 manylinux_2_17 wheel" >&2; exit 1 ;;
esac
"$BPY" - "$wheel" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for need in ("libepp/__init__.py", "libepp/__main__.py", "libepp/asyncio.py", "libepp/mock.py",
             "libepp/client.py", "libepp/client_asyncio.py", "libepp/_libepp.pyi", "libepp/etp.pyi",
             "libepp/py.typed"):
    assert need in names, "%s missing from the wheel: %s" % (need, sorted(names))
assert any(n.startswith("libepp/_libepp") and n.endswith(".so") for n in names), sorted(names)
EOF
"$WORK/build/bin/auditwheel" show "$wheel" | tee "$WORK/auditwheel.txt"
# auditwheel reads the symbol versions the extension needs: they must allow the wheel's own tag.
tr -s ' \n' ' ' < "$WORK/auditwheel.txt" | grep -Eq 'is consistent with the following platform tag: "manylinux_2_17_(x86_64|aarch64)"' \
    || { echo "FAIL: auditwheel does not confirm manylinux_2_17" >&2; exit 1; }

step "a fresh venv with the wheel and the test tools, and no Rust toolchain on PATH"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install -q --only-binary=libepp pytest epptools==1.1.2 trustme mypy "$wheel"
TEST_PATH="$WORK/venv/bin:/usr/bin:/bin"
if env PATH="$TEST_PATH" sh -c 'command -v cargo || command -v rustc' >/dev/null; then
    echo "FAIL: a Rust toolchain is on the test PATH ($TEST_PATH)" >&2; exit 1
fi
# Every test runs here, from a directory that does not hold the source package: the wheel's
# package is what is tested.
in_venv() { (cd "$WORK" && env PATH="$TEST_PATH" "$@"); }
in_venv "$VPY" -c 'import libepp, sys; assert libepp.__file__.startswith(sys.prefix), libepp.__file__'

step "pytest (against the installed wheel)"
in_venv "$VPY" -m pytest -q -p no:cacheprovider "$ROOT/python/tests"

step "stubtest and mypy --strict"
in_venv "$VPY" -m mypy.stubtest libepp --allowlist "$ROOT/python/tests/stubtest-allowlist.txt"
in_venv "$VPY" -m mypy --strict -p libepp

# The wheel is abi3 for CPython >= 3.9: when the oldest supported Python is on this machine, run
# the whole suite on it too, against the same wheel.
find_py39() {
    if python3.9 -c 'import venv' >/dev/null 2>&1; then echo python3.9; return 0; fi
    local root p
    root=$(pyenv root 2>/dev/null) || return 0
    for p in "$root"/versions/3.9*/bin/python3.9; do
        if [ -x "$p" ] && "$p" -c 'import venv' >/dev/null 2>&1; then echo "$p"; return 0; fi
    done
}
PY39=$(find_py39)
if [ -n "$PY39" ]; then
    step "the same wheel on Python 3.9 ($PY39)"
    "$PY39" -m venv "$WORK/venv39"
    "$WORK/venv39/bin/python" -m pip install -q --only-binary=libepp pytest epptools==1.1.2 trustme mypy "$wheel"
    (cd "$WORK" && env PATH="$WORK/venv39/bin:/usr/bin:/bin" "$WORK/venv39/bin/python" -m pytest -q \
        -p no:cacheprovider "$ROOT/python/tests")
fi

step "done"
