#!/usr/bin/env bash
# Tests of the Python package, from a fresh machine: what CI runs.
#
# 1. a fresh virtualenv with the test tools (maturin, pytest, epptools, trustme, mypy);
# 2. `pip install ./python` into it (pip fetches maturin from PyPI and builds the extension);
# 3. pytest on python/tests (API, bad input, the session transcripts of tests/scripts and
#    tests/client_scripts, end to end with epptools and with libepp.client_asyncio over TCP and TLS;
#    libepp.etp, and the ETP transcripts of tests/etp_scripts);
# 4. mypy: stubtest of the stubs against the built module, and --strict on the package;
# 5. `maturin build --release`, then the wheel installed and imported in a second fresh venv.
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

step "fresh venv with the test tools"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install -q maturin==1.16.0 pytest epptools==1.1.2 trustme mypy

step "pip install ./python"
"$VPY" -m pip install -q ./python

step "rustfmt (python/src)"
cargo fmt --manifest-path python/Cargo.toml --check

step "pytest"
# Run from a directory that does not hold the source package, so the installed one is tested.
(cd "$WORK" && "$VPY" -m pytest -q -p no:cacheprovider "$ROOT/python/tests")

step "stubtest and mypy --strict"
(cd "$WORK" && "$VPY" -m mypy.stubtest libepp --allowlist "$ROOT/python/tests/stubtest-allowlist.txt")
(cd "$WORK" && "$VPY" -m mypy --strict -p libepp)

step "maturin build --release, then install and import in a second fresh venv"
"$WORK/venv/bin/maturin" build --release --quiet -m python/Cargo.toml -o "$WORK/wheels" -i "$VPY"
ls -l "$WORK/wheels"
wheel=$(ls "$WORK"/wheels/libepp-*.whl)
case "$wheel" in
    *abi3*) ;;
    *) echo "FAIL: $wheel is not an abi3 wheel" >&2; exit 1 ;;
esac
"$VPY" - "$wheel" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for need in ("libepp/__init__.py", "libepp/asyncio.py", "libepp/client.py", "libepp/client_asyncio.py",
             "libepp/_libepp.pyi", "libepp/etp.pyi", "libepp/py.typed"):
    assert need in names, "%s missing from the wheel: %s" % (need, sorted(names))
assert any(n.startswith("libepp/_libepp") and n.endswith(".so") for n in names), sorted(names)
EOF
"$PYTHON" -m venv "$WORK/venv2"
"$WORK/venv2/bin/python" -m pip install -q "$wheel"
(cd "$WORK" && "$WORK/venv2/bin/python" - <<'EOF'
import uuid
import libepp, libepp.asyncio, libepp.client, libepp.client_asyncio
from libepp import etp
cfg = libepp.Config("Wheel check server", object_uris=["urn:ietf:params:xml:ns:domain-1.0"])
s = libepp.Session(libepp.Server(cfg), now=1_800_000_000)
greeting = s.take_output()
assert b"<greeting>" in greeting
c = libepp.client.ClientSession(libepp.client.ClientConfig(
    "ClientX", "foo-BAR2", object_uris=["urn:ietf:params:xml:ns:domain-1.0"]), now=1_800_000_000)
c.feed_input(greeting, now=1_800_000_000)
assert isinstance(c.poll_queue(), libepp.client.Greeting)
c.login(now=1_800_000_000)
assert b"<login>" in c.take_output()
e = etp.Session(etp.Config(), uuid.uuid4())
e.feed_message(bytes.fromhex("00020002000a70726f626502300206020200000a73746f7265000000"))
assert isinstance(etp.decode_message(e.poll_output())[1], etp.OpenSession)
print("wheel OK: libepp", libepp.__version__, "from", libepp.__file__)
EOF
)

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
    "$WORK/venv39/bin/python" -m pip install -q pytest epptools==1.1.2 trustme "$wheel"
    (cd "$WORK" && "$WORK/venv39/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/python/tests")
fi

step "done"
