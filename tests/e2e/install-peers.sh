#!/usr/bin/env bash
# Installs the third-party clients used by eppd/tests/e2e_peers.rs and eppd/tests/etp_e2e.rs:
#   - Net::EPP (Net::EPP::Client, Net::EPP::Simple) from Debian: libnet-epp-perl
#     (pulls in libxml-libxml-perl and libio-socket-ssl-perl)
#   - epptools from PyPI (pure Python, no dependencies), pinned
#   - fastavro and websockets from PyPI, pinned: tests/e2e/etp_client.py, the ETP 1.1 client
# Idempotent and non-interactive: meant for CI (root, no stdin). Skips whatever is already there.
# Override the interpreter with PYTHON=... (default: python3 on PATH, the one the test runs).
set -euo pipefail

EPPTOOLS_VERSION="${EPPTOOLS_VERSION:-1.1.2}"
FASTAVRO_VERSION="${FASTAVRO_VERSION:-1.13.1}"
WEBSOCKETS_VERSION="${WEBSOCKETS_VERSION:-17.4}"
PYTHON="${PYTHON:-python3}"
export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "install-peers: not root and no sudo; cannot apt-get install" >&2; exit 1
    fi
fi

if perl -MNet::EPP::Client -MNet::EPP::Simple -MXML::LibXML -e 1 >/dev/null 2>&1; then
    echo "install-peers: Net::EPP already installed"
else
    echo "install-peers: apt-get install libnet-epp-perl"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends libnet-epp-perl >/dev/null
    perl -MNet::EPP::Client -MNet::EPP::Simple -MXML::LibXML -e 1
fi

# pip install, non-interactive; --break-system-packages is only needed (and only understood) by
# a Debian-managed python.
pip_install() {
    if ! PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
            "$PYTHON" -m pip install -q --no-input "$@" 2>/tmp/install-peers-pip.err; then
        if grep -q externally-managed /tmp/install-peers-pip.err; then
            PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
                "$PYTHON" -m pip install -q --no-input --break-system-packages "$@"
        else
            cat /tmp/install-peers-pip.err >&2
            exit 1
        fi
    fi
}

have_epptools() {
    "$PYTHON" -c 'import sys, epptools; sys.exit(0 if epptools.__version__ == sys.argv[1] else 1)' \
        "$EPPTOOLS_VERSION" >/dev/null 2>&1
}
if have_epptools; then
    echo "install-peers: epptools $EPPTOOLS_VERSION already installed"
else
    echo "install-peers: pip install epptools==$EPPTOOLS_VERSION"
    pip_install "epptools==$EPPTOOLS_VERSION"
    have_epptools
fi

have_etp_client() {
    "$PYTHON" -c '
import sys, fastavro, websockets, websockets.sync.client
sys.exit(0 if (fastavro.__version__, websockets.__version__) == tuple(sys.argv[1:]) else 1)' \
        "$FASTAVRO_VERSION" "$WEBSOCKETS_VERSION" >/dev/null 2>&1
}
if have_etp_client; then
    echo "install-peers: fastavro $FASTAVRO_VERSION and websockets $WEBSOCKETS_VERSION already installed"
else
    echo "install-peers: pip install fastavro==$FASTAVRO_VERSION websockets==$WEBSOCKETS_VERSION"
    pip_install "fastavro==$FASTAVRO_VERSION" "websockets==$WEBSOCKETS_VERSION"
    have_etp_client
fi
echo "install-peers: ok (perl Net::EPP $(perl -MNet::EPP -e 'print $Net::EPP::VERSION // "?"'), epptools $("$PYTHON" -c 'import epptools; print(epptools.__version__)'), fastavro $("$PYTHON" -c 'import fastavro; print(fastavro.__version__)'), websockets $("$PYTHON" -c 'import websockets; print(websockets.__version__)'))"
