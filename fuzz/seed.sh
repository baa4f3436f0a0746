#!/bin/sh
# Builds the seed corpora (fuzz/corpus/<target>/) from the test scripts:
# tests/scripts (EPP server sessions), tests/client_scripts (the client
# engine), tests/etp_scripts (ETP). Existing corpus files are kept.
set -eu
exec python3 "$(dirname "$0")/seed.py"
