#!/usr/bin/env bash
# Every check of libepp's C API, from a fresh machine (CI runs it):
#   - installs what is missing: cbindgen 0.29.4 (cargo install), and from
#     Debian valgrind, pkg-config, a C/C++ compiler, Net::EPP;
#   - regenerates include/epp.h and fails on any difference;
#   - clippy on src/ffi with the test-only feature;
#   - builds libepp with the cargo feature ffi-test-panic and the C tests
#     (-std=c11 -Wall -Wextra -Werror), runs them under valgrind and under
#     AddressSanitizer (+UBSan): tests/c/test_epp.c (EPP) and
#     tests/c/test_etp.c (ETP, the epp_etp_* functions);
#   - runs every tests/scripts/*.script through the C API
#     (tests/c/run_scripts.c, under AddressSanitizer + UBSan): each
#     transcript must equal its .transcript, fed as written and one byte
#     per call;
#   - runs every tests/etp_scripts/*.script through the ETP C API
#     (tests/c/run_etp_scripts.c, under AddressSanitizer + UBSan and under
#     valgrind): each transcript must equal its .transcript, the same bytes
#     as the Rust runner (tests/etp_transcripts.rs);
#   - runs every tests/client_scripts/*.script through the client C API
#     (tests/c/run_client_scripts.c, under AddressSanitizer + UBSan and
#     under valgrind), the same way;
#   - compiles the header as C99/C11/C2x (pedantic), C++11 and C++17, and
#     epp.hpp as C++17 and C++20, and runs a C++ host; checks that an ignored
#     epp_result is a warning (EPP_NODISCARD) in C and C++;
#   - checks the library exports exactly the header's functions;
#   - `make install PREFIX=$(mktemp -d)` and builds programs against it with
#     pkg-config (shared with epp.pc's rpath_flags, run without
#     LD_LIBRARY_PATH, and static with static_libs): tests/c/minimal.c and
#     tests/c/minimal_etp.c, the examples of docs/c-api.md (checked equal);
#   - drives the C example server (examples/c, under valgrind) with
#     Net::EPP::Client through login, hello, poll req, poll ack and logout,
#     three sessions at once.
# Prints one line per step and a closing "N passed, M failed"; exits
# non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export DEBIAN_FRONTEND=noninteractive CARGO_TERM_COLOR=never RUST_BACKTRACE=0

CBINDGEN_VERSION=0.29.4
OUT=$ROOT/target/c-tests            # C test binaries and logs
TEST_TARGET=$ROOT/target/c-tests/cargo   # libepp built with ffi-test-panic
VERSION=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
CSTD=(-std=c11 -Wall -Wextra -Werror -pedantic -g)
LIBS=(-lpthread -ldl -lm)
mkdir -p "$OUT"

passed=0
failed=0
failures=()
t_start=$(date +%s)

# step NAME COMMAND...: runs a step, its output in $OUT/NAME.log (shown on
# failure), and records the outcome.
step() {
    local name=$1
    shift
    local log="$OUT/${name//[^A-Za-z0-9]/_}.log" t0 t1
    t0=$(date +%s)
    if "$@" >"$log" 2>&1; then
        t1=$(date +%s)
        printf 'ok   %-58s %4ss\n' "$name" "$((t1 - t0))"
        passed=$((passed + 1))
    else
        t1=$(date +%s)
        printf 'FAIL %-58s %4ss\n' "$name" "$((t1 - t0))"
        sed 's/^/    | /' "$log" | tail -n 60
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

# ---------------------------------------------------------------------------
install_deps() {
    local need=()
    command -v cc >/dev/null || need+=(gcc libc6-dev)
    command -v c++ >/dev/null || need+=(g++)
    command -v make >/dev/null || need+=(make)
    command -v valgrind >/dev/null || need+=(valgrind)
    command -v pkg-config >/dev/null || need+=(pkg-config)
    command -v nm >/dev/null || need+=(binutils)
    perl -MNet::EPP::Client -MXML::LibXML -e 1 2>/dev/null || need+=(libnet-epp-perl)
    if [ ${#need[@]} -gt 0 ]; then
        echo "apt-get install ${need[*]}"
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" || return 1
    fi
    # The sanitizer runtimes ship with gcc; check they link.
    echo 'int main(void){return 0;}' >"$OUT/san.c"
    if ! cc -fsanitize=address,undefined -o "$OUT/san" "$OUT/san.c" 2>/dev/null; then
        echo "apt-get install libasan/libubsan"
        apt-get update -qq && apt-get install -y -qq --no-install-recommends \
            "libasan$(cc -dumpversion | cut -d. -f1)" "libubsan1" || return 1
    fi
    if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
        echo "cargo install cbindgen --version $CBINDGEN_VERSION --locked"
        cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --quiet || return 1
    fi
    cbindgen --version
    valgrind --version
    cc --version | head -n 1
}

build_test_lib() {
    cargo build -p libepp --lib --features ffi-test-panic --target-dir "$TEST_TARGET"
}

clippy_ffi() {
    cargo clippy -p libepp --lib --features ffi-test-panic --target-dir "$TEST_TARGET" -- -D warnings
}

build_c_tests() {
    local lib="$TEST_TARGET/debug/libepp.a" defs=(-Iinclude -DEPP_TEST_PANIC "-DEXPECTED_VERSION=\"$VERSION\"") t
    for t in test_epp test_etp; do
        cc "${CSTD[@]}" "${defs[@]}" -o "$OUT/$t" "tests/c/$t.c" "$lib" "${LIBS[@]}" &&
            cc "${CSTD[@]}" "${defs[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined -o "$OUT/${t}_asan" "tests/c/$t.c" "$lib" "${LIBS[@]}" ||
            return 1
    done
    cc "${CSTD[@]}" -Iinclude -o "$OUT/epp-example" examples/c/epp_example.c "$lib" "${LIBS[@]}"
}

# run_valgrind TEST / run_asan TEST: one of the C test programs.
run_valgrind() {
    valgrind --error-exitcode=1 --leak-check=full --track-origins=yes "$OUT/$1"
}

run_asan() {
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 "$OUT/${1}_asan"
}

# The session transcripts through the C API. Under ASan + UBSan only:
# under valgrind the byte-per-call runs take about ten seconds.
run_scripts() {
    cc "${CSTD[@]}" -Iinclude -fsanitize=address,undefined -fno-omit-frame-pointer \
        -fno-sanitize-recover=undefined -o "$OUT/run_scripts_asan" tests/c/run_scripts.c \
        "$TEST_TARGET/debug/libepp.a" "${LIBS[@]}" &&
        ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
            "$OUT/run_scripts_asan" tests/scripts
}

# The ETP session transcripts through the C API, under ASan + UBSan and
# under valgrind (each run takes about a second).
run_etp_scripts() {
    cc "${CSTD[@]}" -Iinclude -fsanitize=address,undefined -fno-omit-frame-pointer \
        -fno-sanitize-recover=undefined -o "$OUT/run_etp_scripts_asan" tests/c/run_etp_scripts.c \
        "$TEST_TARGET/debug/libepp.a" "${LIBS[@]}" &&
        cc "${CSTD[@]}" -Iinclude -o "$OUT/run_etp_scripts" tests/c/run_etp_scripts.c \
            "$TEST_TARGET/debug/libepp.a" "${LIBS[@]}" &&
        echo "--- under AddressSanitizer + UBSan" &&
        ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
            "$OUT/run_etp_scripts_asan" tests/etp_scripts &&
        echo "--- under valgrind" &&
        valgrind -q --error-exitcode=1 --leak-check=full "$OUT/run_etp_scripts" tests/etp_scripts
}

# The client session transcripts through the C API, under ASan + UBSan and
# under valgrind (they are few and short).
run_client_scripts() {
    cc "${CSTD[@]}" -Iinclude -fsanitize=address,undefined -fno-omit-frame-pointer \
        -fno-sanitize-recover=undefined -o "$OUT/run_client_scripts_asan" tests/c/run_client_scripts.c \
        "$TEST_TARGET/debug/libepp.a" "${LIBS[@]}" &&
        cc "${CSTD[@]}" -Iinclude -o "$OUT/run_client_scripts" tests/c/run_client_scripts.c \
            "$TEST_TARGET/debug/libepp.a" "${LIBS[@]}" &&
        ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
            "$OUT/run_client_scripts_asan" tests/client_scripts &&
        valgrind -q --error-exitcode=1 --leak-check=full "$OUT/run_client_scripts" tests/client_scripts
}

header_languages() {
    cc -std=c99 -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -fsyntax-only -x c include/epp.h &&
        cc -std=c11 -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -fsyntax-only -x c include/epp.h &&
        cc -std=c2x -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -fsyntax-only -x c include/epp.h &&
        c++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -o "$OUT/header_cxx" \
            tests/c/header_cxx.cpp "$TEST_TARGET/debug/libepp.a" "${LIBS[@]}" &&
        "$OUT/header_cxx" &&
        c++ -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c++ include/epp.h &&
        c++ -std=c++17 -Wall -Wextra -Werror -pedantic -Wshadow -Wconversion -Iinclude -fsyntax-only -x c++ include/epp.hpp &&
        c++ -std=c++20 -Wall -Wextra -Werror -pedantic -Iinclude -fsyntax-only -x c++ include/epp.hpp &&
        # EPP_NODISCARD: an ignored epp_result is a warning (an error here).
        printf '#include <epp.h>\nint main(void) { epp_session_consume_output(NULL, 0); return 0; }\n' >"$OUT/nodiscard.c" &&
        if cc -std=c11 -Werror -Iinclude -c -o /dev/null "$OUT/nodiscard.c"; then
            echo "an ignored epp_result compiled without a warning"; false
        fi &&
        printf '#include <epp.h>\nint main() { epp_session_consume_output(nullptr, 0); return 0; }\n' >"$OUT/nodiscard.cpp" &&
        if c++ -std=c++17 -Werror -Iinclude -c -o /dev/null "$OUT/nodiscard.cpp"; then
            echo "an ignored epp_result compiled without a warning (C++)"; false
        fi
}

# The functions include/epp.h declares, without the test-only ones unless $1.
declared_functions() {
    grep -vE '^\s*(\*|/\*)' include/epp.h | grep -oE '\bepp_[a-z0-9_]+\(' | tr -d '(' | sort -u |
        { if [ "${1:-}" = with-test ]; then cat; else grep -v '^epp_test_'; fi; }
}

exports_match_header() {
    local so=$1 mode=${2:-}
    nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sort -u >"$OUT/exported.txt"
    declared_functions "$mode" >"$OUT/declared.txt"
    echo "$(wc -l <"$OUT/exported.txt") exported, $(wc -l <"$OUT/declared.txt") declared"
    diff -u "$OUT/declared.txt" "$OUT/exported.txt"
}

INSTALL_PREFIX=""
make_install() {
    INSTALL_PREFIX=$(mktemp -d)
    make install PREFIX="$INSTALL_PREFIX" &&
        ls -l "$INSTALL_PREFIX/lib" "$INSTALL_PREFIX/include" "$INSTALL_PREFIX/lib/pkgconfig" &&
        readelf -d "$INSTALL_PREFIX/lib/libepp.so" | grep SONAME &&
        cat "$INSTALL_PREFIX/lib/pkgconfig/epp.pc"
}

pkg_config_build() {
    local pc="$INSTALL_PREFIX/lib/pkgconfig" flags static
    export PKG_CONFIG_PATH=$pc
    [ "$(pkg-config --modversion epp)" = "$VERSION" ] || { echo "pkg-config reports $(pkg-config --modversion epp)"; return 1; }
    # The install prefix is not searched by the run-time linker: link with
    # the rpath epp.pc offers, and run without LD_LIBRARY_PATH.
    flags="$(pkg-config --cflags --libs epp) $(pkg-config --variable=rpath_flags epp)"
    echo "cc app.c $flags"
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Wextra -Werror tests/c/minimal.c $flags -o "$OUT/minimal_shared" &&
        env -u LD_LIBRARY_PATH "$OUT/minimal_shared" &&
        env -u LD_LIBRARY_PATH ldd "$OUT/minimal_shared" | grep "libepp.so.0" || return 1
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Wextra -Werror tests/c/minimal_etp.c $flags -o "$OUT/minimal_etp_shared" &&
        env -u LD_LIBRARY_PATH "$OUT/minimal_etp_shared" || return 1
    # Static: the archive and the system libraries it needs.
    static="$(pkg-config --cflags epp) $(pkg-config --variable=static_libs epp)"
    echo "cc app.c $static"
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Wextra -Werror tests/c/minimal.c $static -o "$OUT/minimal_static" &&
        "$OUT/minimal_static" &&
        # shellcheck disable=SC2086
        cc -std=c11 -Wall -Wextra -Werror tests/c/minimal_etp.c $static -o "$OUT/minimal_etp_static" &&
        "$OUT/minimal_etp_static" &&
        # The example server builds against the installed library too.
        cc -std=c11 -Wall -Wextra -Werror examples/c/epp_example.c $flags -o "$OUT/epp-example-installed"
}

e2e_example() {
    local dir pid port i ok=0 rcs=()
    dir=$(mktemp -d)
    valgrind --error-exitcode=1 --leak-check=full -q "$OUT/epp-example" --listen 127.0.0.1:0 \
        --registrar registrar1:secret-pw1 --registrar registrar2:secret-pw2 --registrar registrar3:secret-pw3 \
        --message "registrar1:Transfer of example.com requested" --message "registrar1:second message" \
        --message "registrar2:only message" \
        --message "registrar3:first for 3" --message "registrar3:second for 3" \
        >"$dir/stdout" 2>"$dir/stderr" &
    pid=$!
    for _ in $(seq 1 300); do
        port=$(sed -n '1s/^epp-example listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$dir/stdout")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "the example server did not start"; cat "$dir/stdout" "$dir/stderr"
        kill "$pid" 2>/dev/null; wait "$pid"; return 1
    fi
    echo "epp-example (under valgrind) on port $port"
    # Three sessions at once, one per registrar.
    E2E_TOTAL_TIMEOUT=60 timeout 90 perl tests/e2e/net_epp_client.pl 127.0.0.1 "$port" registrar1 secret-pw1 \
        "Transfer of example.com requested" "second message" >"$dir/c1" 2>&1 &
    local p1=$!
    E2E_TOTAL_TIMEOUT=60 timeout 90 perl tests/e2e/net_epp_client.pl 127.0.0.1 "$port" registrar2 secret-pw2 \
        "only message" >"$dir/c2" 2>&1 &
    local p2=$!
    E2E_TOTAL_TIMEOUT=60 timeout 90 perl tests/e2e/net_epp_client.pl 127.0.0.1 "$port" registrar3 secret-pw3 \
        "first for 3" "second for 3" >"$dir/c3" 2>&1 &
    local p3=$!
    for p in $p1 $p2 $p3; do
        if wait "$p"; then rcs+=(0); else rcs+=(1); fi
    done
    for i in 1 2 3; do
        echo "--- client $i"; cat "$dir/c$i"
        [ "${rcs[$((i - 1))]}" = 0 ] && grep -q '^PASS net_epp_client' "$dir/c$i" && ok=$((ok + 1))
    done
    # Stop the server: it frees everything and exits 0 (valgrind: no leak).
    kill -TERM "$pid"
    local srv=0
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "server did not stop"; kill -KILL "$pid"; srv=1; fi
    wait "$pid" || srv=$?
    echo "--- server stderr"; cat "$dir/stderr"
    rm -rf "$dir"
    echo "clients passed: $ok/3, server exit status: $srv"
    [ "$ok" = 3 ] && [ "$srv" = 0 ]
}

# The first C code block after the heading $1 of docs/c-api.md is file $2.
doc_example_is() {
    awk -v h="$1" '$0 == h { on = 1 } on && /^```c$/ { body = 1; next } body && /^```$/ { exit } body' \
        docs/c-api.md | diff -u "$2" -
}

docs_example_in_sync() {
    doc_example_is "## A minimal example" tests/c/minimal.c &&
        doc_example_is "### A minimal ETP example" tests/c/minimal_etp.c
}

# ---------------------------------------------------------------------------
echo "libepp C API checks (version $VERSION)"
step "install dependencies" install_deps
step "header is fresh (cbindgen $CBINDGEN_VERSION, make check-header)" make check-header
step "build libepp with ffi-test-panic" build_test_lib
step "clippy -D warnings on the C API (with ffi-test-panic)" clippy_ffi
step "build C tests and example (-std=c11 -Wall -Wextra -Werror)" build_c_tests
step "C tests under valgrind" run_valgrind test_epp
step "C tests under AddressSanitizer + UBSan" run_asan test_epp
step "ETP C tests under valgrind" run_valgrind test_etp
step "ETP C tests under AddressSanitizer + UBSan" run_asan test_etp
step "script transcripts through the C API (ASan + UBSan)" run_scripts
step "ETP script transcripts via the C API (ASan, valgrind)" run_etp_scripts
step "client script transcripts through the C API (ASan + UBSan, valgrind)" run_client_scripts
step "header as C99/C11/C2x/C++11/C++17, epp.hpp; C++ host runs" header_languages
step "test build exports exactly the header's functions" exports_match_header "$TEST_TARGET/debug/libepp.so" with-test
step "make install PREFIX=\$(mktemp -d)" make_install
step "release library exports exactly the header's functions" exports_match_header "$INSTALL_PREFIX/lib/libepp.so"
step "build and run with pkg-config (shared and static)" pkg_config_build
step "docs/c-api.md's minimal examples are tests/c/minimal*.c" docs_example_in_sync
step "Net::EPP::Client drives the C example server (3 sessions)" e2e_example
[ -n "$INSTALL_PREFIX" ] && rm -rf "$INSTALL_PREFIX"

echo "C tests: $(grep -cE '^ok ' "$OUT/C_tests_under_valgrind.log" 2>/dev/null || echo 0) EPP and $(grep -cE '^ok ' "$OUT/ETP_C_tests_under_valgrind.log" 2>/dev/null || echo 0) ETP test cases under valgrind; ETP scripts: $(grep -E '^[0-9]+ passed' "$OUT/ETP_script_transcripts_via_the_C_API__ASan__valgrind_.log" 2>/dev/null | tail -n 1); total time $(($(date +%s) - t_start))s"
if [ "$failed" -gt 0 ]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
