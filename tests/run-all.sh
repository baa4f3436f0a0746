#!/usr/bin/env bash
# Runs every test of the project, installing what the tests need first.
# This is the README's test command, and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "installing test dependencies"
need_apt=()
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
# PostgreSQL for eppd/tests/postgres.rs, which runs a throwaway cluster on loopback with
# pg_virtualenv (postgresql-common) and installs nothing itself.
if ! command -v pg_virtualenv >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    need_apt+=(postgresql postgresql-common)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
bash tests/e2e/install-peers.sh

step "formatting"
cargo fmt --all --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "rustdoc (every public item documented)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "tests"
cargo test --workspace --locked

step "Python package (python/tests/run.sh)"
bash python/tests/run.sh

step "Perl binding (perl/t/run.sh)"
bash perl/t/run.sh

step "Perl distribution: make install, Makefile.PL, cpanm, README Quickstart (perl/t/packaging.sh)"
bash perl/t/packaging.sh

step "C API (tests/c/run.sh)"
bash tests/c/run.sh

step "C/C++ packaging: make install, pkg-config and CMake, no LD_LIBRARY_PATH (tests/c/packaging.sh)"
bash tests/c/packaging.sh
