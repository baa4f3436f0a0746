#!/usr/bin/env bash
# Runs the Perl binding's tests (perl/t) on a fresh machine:
#   1. installs what they need from Debian if it is missing: FFI::Platypus 2
#      (libffi-platypus-perl), FFI::CheckLib (libffi-checklib-perl),
#      Net::EPP and XML::LibXML (libnet-epp-perl), Event (libevent-perl) and
#      IO::Socket::SSL (libio-socket-ssl-perl) for t/46-srs-accept.t, make;
#   2. builds libepp.so with `make` at the repository root (incremental:
#      cargo rebuilds only what changed);
#   3. runs `prove -r perl/t` with LIBEPP_LIB pointing at the built library.
# Exits non-zero on any failure.
#
#   bash perl/t/run.sh            # from anywhere
#   PROVE_ARGS=-v bash perl/t/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> %s\n' "$*"; }

step "Perl binding: dependencies"
need=()
perl -e 'use FFI::Platypus 2.00; use FFI::Platypus::Buffer; use FFI::Platypus::Memory; 1' 2>/dev/null \
    || need+=(libffi-platypus-perl)
perl -MFFI::CheckLib -e 1 2>/dev/null || need+=(libffi-checklib-perl)
perl -MNet::EPP::Client -MNet::EPP::Simple -MNet::EPP::Frame -MXML::LibXML -e 1 2>/dev/null \
    || need+=(libnet-epp-perl)
perl -MEvent -e 1 2>/dev/null || need+=(libevent-perl)
perl -MIO::Socket::SSL -e 1 2>/dev/null || need+=(libio-socket-ssl-perl)
command -v prove >/dev/null || need+=(perl)
command -v make >/dev/null || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${need[*]} (run as root, or install them)" >&2
        exit 1
    fi
    echo "apt-get install ${need[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
perl -MFFI::Platypus -e 'print "FFI::Platypus $FFI::Platypus::VERSION\n"'
perl -MNet::EPP -e 'print "Net::EPP $Net::EPP::VERSION\n"'

step "Perl binding: build libepp (make)"
make
lib="$PWD/target/c/release/libepp.so"
if [ ! -f "$lib" ]; then
    echo "make did not produce $lib" >&2
    exit 1
fi

step "Perl binding: prove -r perl/t"
LIBEPP_LIB="$lib" prove -r --timer ${PROVE_ARGS:-} perl/t
