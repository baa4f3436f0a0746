#!/usr/bin/env bash
# The Perl binding installed the way a Perl user installs it, and the
# README's Quickstart as written:
#   1. libepp installed with `make install PREFIX=$tmp/prefix`; nothing
#      sets LIBEPP_LIB from here on;
#   2. without PKG_CONFIG_PATH, `perl Makefile.PL` refuses with a message
#      naming what it tried and how to fix it (unless a libepp is installed
#      system-wide);
#   3. PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig:
#      `cd perl && perl Makefile.PL && make && make test && make install`
#      (INSTALL_BASE in $tmp; the installed module loads libepp from
#      elsewhere through pkg-config), `make distcheck`
#      (MANIFEST complete), `make dist`; then `cpanm --test-only ./perl`
#      where ./perl is that tarball unpacked outside the repository (cpanm
#      builds a directory in place): the tests that need the repository
#      skip there, the others run. LIBEPP_TEST_QUICK=1 skips the
#      memory-under-load tests, which perl/t/run.sh runs;
#   4. the README's Quickstart Perl snippet, as written (the port aside),
#      against `eppd --demo` (TLS with its demo CA), with Debian's Net::EPP.
# Installs what is missing from Debian (cpanminus, libevent-perl, ...).
#
#   bash perl/t/packaging.sh          # from anywhere; EPPD=path/to/eppd to choose the binary
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export DEBIAN_FRONTEND=noninteractive
unset LIBEPP_LIB

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

step "Perl packaging: dependencies"
need=()
perl -e 'use FFI::Platypus 2.00; 1' 2>/dev/null || need+=(libffi-platypus-perl)
perl -MFFI::CheckLib -e 1 2>/dev/null || need+=(libffi-checklib-perl)
perl -MNet::EPP::Client -MNet::EPP::Simple -MXML::LibXML -e 1 2>/dev/null || need+=(libnet-epp-perl)
perl -MEvent -e 1 2>/dev/null || need+=(libevent-perl)
perl -MIO::Socket::SSL -e 1 2>/dev/null || need+=(libio-socket-ssl-perl)
command -v cpanm >/dev/null || need+=(cpanminus)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v make >/dev/null || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || fail "missing Debian packages: ${need[*]} (run as root, or install them)"
    echo "apt-get install ${need[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

tmp=$(mktemp -d)
cleanup() {
    [ -n "${eppd_pid:-}" ] && kill "$eppd_pid" 2>/dev/null && wait "$eppd_pid" 2>/dev/null
    (cd "$root/perl" && [ -f Makefile ] && make realclean >/dev/null 2>&1) || true
    rm -rf "$tmp"
}
trap cleanup EXIT

step "Perl packaging: make install PREFIX=$tmp/prefix (libepp)"
make install PREFIX="$tmp/prefix" >/dev/null
ls "$tmp/prefix/lib"

step "Perl packaging: perl Makefile.PL without a libepp it can find"
if pkg-config --exists epp 2>/dev/null || perl -MFFI::CheckLib=find_lib -e 'exit(find_lib(lib => "epp") ? 0 : 1)'; then
    echo "SKIP: a libepp is installed system-wide, so Makefile.PL finds one"
else
    # A copy of the distribution outside the repository: no target/ beside it.
    mkdir "$tmp/alone" && cp -r perl "$tmp/alone/perl"
    if out=$(cd "$tmp/alone/perl" && perl Makefile.PL 2>&1); then
        fail "perl Makefile.PL succeeded without a libepp: $out"
    fi
    echo "$out"
    grep -q 'cannot find libepp.so (tried: LIBEPP_LIB: not set; pkg-config: no epp.pc' <<<"$out" \
        || fail "Makefile.PL's message does not name what it tried"
    grep -q 'PKG_CONFIG_PATH=PREFIX/lib/pkgconfig' <<<"$out" || fail "Makefile.PL's message does not say how to fix it"
fi

export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"

# The tests that measure memory under load run in perl/t/run.sh; here
# they are skipped (LIBEPP_TEST_QUICK) to keep this script within a minute.
export LIBEPP_TEST_QUICK=1

step "Perl packaging: perl Makefile.PL && make && make test (PKG_CONFIG_PATH, no LIBEPP_LIB)"
(
    cd perl
    [ ! -f Makefile ] || make realclean >/dev/null
    # INSTALL_BASE: `make install` goes to $tmp, never into the system's perl.
    perl Makefile.PL INSTALL_BASE="$tmp/perl5"
    make >/dev/null
    make test
    perl -Mblib -MLibEPP -e 'print "loaded ", LibEPP::library_path(), "\n"' | tee "$tmp/loaded"
    grep -q "^loaded $tmp/prefix/lib/libepp" "$tmp/loaded" || fail "LibEPP did not load the installed libepp"
    step "Perl packaging: make install (INSTALL_BASE=$tmp/perl5), then use LibEPP from elsewhere"
    make install >/dev/null
    [ -f "$tmp/perl5/lib/perl5/LibEPP/SRS.pm" ] || fail "make install did not install into INSTALL_BASE"
    # The installed module alone: PERL5LIB cleared, run from outside the repository.
    (cd "$tmp" && PERL5LIB= perl -I"$tmp/perl5/lib/perl5" -MLibEPP -MLibEPP::SRS \
        -e 'print "installed ", $INC{"LibEPP.pm"}, " loads ", LibEPP::library_path(), " (libepp ", LibEPP::version(), ")\n"') \
        | tee "$tmp/installed"
    grep -q "^installed $tmp/perl5/lib/perl5/LibEPP.pm loads $tmp/prefix/lib/libepp" "$tmp/installed" \
        || fail "the installed LibEPP did not load the installed libepp through pkg-config"
    step "Perl packaging: make distcheck (MANIFEST lists every file), make dist"
    out=$(make distcheck 2>&1)
    echo "$out" | tail -3
    if grep -E '^(Missing|Not in MANIFEST|No such file)' <<<"$out"; then fail "make distcheck"; fi
    make dist >/dev/null
    mv LibEPP-*.tar.gz "$tmp/"
    make realclean >/dev/null
)

step "Perl packaging: cpanm --test-only ./perl, outside the repository (the make dist tarball, unpacked)"
# cpanm builds a local directory in place: ./perl here is the distribution
# unpacked in $tmp, so what MANIFEST leaves out is missing, and the tests
# that need the repository skip.
export PERL_CPANM_HOME="$tmp/cpanm"
mkdir "$tmp/outside"
tar -xzf "$tmp"/LibEPP-*.tar.gz -C "$tmp/outside"
mv "$tmp"/outside/LibEPP-* "$tmp/outside/perl"
if ! (cd "$tmp/outside" && cpanm --test-only --verbose ./perl) >"$tmp/cpanm.log" 2>&1; then
    cat "$tmp/cpanm.log"
    fail "cpanm --test-only ./perl"
fi
grep -E '^(t/.*(ok|skipped)|All tests|Files=|Result)' "$tmp/cpanm.log" || true
grep -q 'skipped: no .*(not a checkout of the libepp repository)' "$tmp/cpanm.log" \
    || fail "the repository's tests did not skip outside the repository"

step "README Quickstart: the Net::EPP snippet against eppd --demo"
eppd=${EPPD:-$root/target/debug/eppd}
[ -x "$eppd" ] || eppd=$root/target/release/eppd
if [ ! -x "$eppd" ] || ! "$eppd" --help 2>/dev/null | grep -q -- '--tls-cert'; then
    [ "${CI:-}" = true ] && fail "no eppd with TLS at target/debug/eppd (cargo build -p eppd), or set EPPD"
    echo "SKIP: no eppd with TLS (cargo build -p eppd, or set EPPD)"
    exit 0
fi
snippet=$(awk '/^## Quickstart/{q=1} q && /^```perl/{p=1; next} p && /^```/{exit} p' README.md)
[ -n "$snippet" ] || fail "no Perl snippet in the README's Quickstart"
grep -q 'port => 7700' <<<"$snippet" || fail "the Quickstart snippet no longer uses port 7700"
mkdir "$tmp/qs"
cd "$tmp/qs"
"$eppd" --demo --listen 127.0.0.1:0 >eppd.out 2>eppd.err &
eppd_pid=$!
for _ in $(seq 100); do grep -q '^eppd listening on' eppd.out 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^eppd listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' eppd.out)
[ -n "$port" ] || { cat eppd.err; fail "eppd --demo did not start"; }
# As written, but for the port (eppd listens on a free one here).
printf '%s\n' "${snippet//port => 7700/port => $port}" >quickstart.pl
cat quickstart.pl
timeout 20 perl quickstart.pl >quickstart.out || { cat quickstart.out eppd.err; fail "the Quickstart snippet failed"; }
cat quickstart.out; echo
grep -q '<greeting><svID>eppd</svID>' quickstart.out || fail "the Quickstart snippet printed no greeting"
grep -q '<result code="1000">' quickstart.out || fail "the Quickstart snippet did not log in"
grep -q '<result code="1500">' quickstart.out || fail "the Quickstart snippet did not log out"
echo "README Quickstart: OK"
