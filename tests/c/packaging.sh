#!/usr/bin/env bash
# libepp as C and C++ users get it (issue 14), from a fresh machine:
#   - `make install PREFIX=$tmp/prefix` (into a directory the run-time
#     linker does not search): it prints the rpath guidance; the libraries
#     carry no debug info; epp.h, epp.hpp, epp.pc and the CMake package are
#     installed;
#   - with pkg-config: tests/c/packaging/app.c (C11) and app.cpp (C++17,
#     epp.hpp, -Wall -Wextra -Werror, and again under ASan + UBSan), linked
#     shared with `pkg-config --variable=rpath_flags epp`, and statically
#     with `pkg-config --variable=static_libs epp`;
#   - with CMake: tests/c/packaging/CMakeLists.txt, find_package(epp 0.6
#     CONFIG REQUIRED), epp::epp and epp::epp_static;
#   - every program runs without LD_LIBRARY_PATH (it is unset), and a
#     program linked without the rpath is shown to fail, so the rpath is
#     what makes the others run.
# Installs cmake, pkg-config and a C/C++ compiler from Debian if missing.
# Prints one line per step and "N passed, M failed"; exits non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export DEBIAN_FRONTEND=noninteractive CARGO_TERM_COLOR=never
unset LD_LIBRARY_PATH

OUT=$ROOT/target/c-packaging
rm -rf "$OUT"
mkdir -p "$OUT"
PREFIX=$OUT/prefix
SRC=$ROOT/tests/c/packaging
VERSION=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
MINOR=$(echo "$VERSION" | cut -d. -f2)

passed=0
failed=0
failures=()
t_start=$(date +%s)

step() {
    local name=$1
    shift
    local log="$OUT/${name//[^A-Za-z0-9]/_}.log" t0 t1
    t0=$(date +%s)
    if "$@" >"$log" 2>&1; then
        t1=$(date +%s)
        printf 'ok   %-62s %4ss\n' "$name" "$((t1 - t0))"
        passed=$((passed + 1))
    else
        t1=$(date +%s)
        printf 'FAIL %-62s %4ss\n' "$name" "$((t1 - t0))"
        sed 's/^/    | /' "$log" | tail -n 60
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

install_deps() {
    local need=()
    command -v cc >/dev/null || need+=(gcc libc6-dev)
    command -v c++ >/dev/null || need+=(g++)
    command -v make >/dev/null || need+=(make)
    command -v pkg-config >/dev/null || need+=(pkg-config)
    command -v cmake >/dev/null || need+=(cmake)
    command -v readelf >/dev/null || need+=(binutils)
    if [ ${#need[@]} -gt 0 ]; then
        echo "apt-get install ${need[*]}"
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" || return 1
    fi
    cmake --version | head -n 1
    pkg-config --version
    cc --version | head -n 1
}

# Runs a program with a clean environment as far as the run-time linker is
# concerned.
run() { env -u LD_LIBRARY_PATH -u LD_PRELOAD "$@"; }

has_debug_info() { readelf -S "$1" | grep -q '\.debug_info'; }

make_install() {
    make install PREFIX="$PREFIX" | tee "$OUT/install.out" || return 1
    local lib=$PREFIX/lib f
    for f in "$lib/libepp.so.$VERSION" "$lib/libepp.so.0.$MINOR" "$lib/libepp.so" "$lib/libepp.a" \
        "$PREFIX/include/epp.h" "$PREFIX/include/epp.hpp" "$lib/pkgconfig/epp.pc" \
        "$lib/cmake/epp/eppConfig.cmake" "$lib/cmake/epp/eppConfigVersion.cmake"; do
        [ -e "$f" ] || { echo "missing: $f"; return 1; }
    done
    readelf -d "$lib/libepp.so" | grep -F "[libepp.so.0.$MINOR]" || { echo "wrong soname"; return 1; }
    # The guidance for a prefix the run-time linker does not search.
    grep -F -- "pkg-config --variable=rpath_flags epp" "$OUT/install.out" &&
        grep -F "find_package(epp CONFIG REQUIRED)" "$OUT/install.out" || { echo "no rpath guidance"; return 1; }
    ! grep -qx ldconfig "$OUT/install.out" || { echo "ldconfig ran for a private prefix"; return 1; }
    # Stripped: no DWARF left in either library.
    ! has_debug_info "$lib/libepp.so.$VERSION" || { echo "libepp.so has debug info"; return 1; }
    ! has_debug_info "$lib/libepp.a" || { echo "libepp.a has debug info"; return 1; }
    ls -l "$lib"
    echo "installed sizes: $(stat -c %s "$lib/libepp.so.$VERSION") bytes (.so), $(stat -c %s "$lib/libepp.a") bytes (.a)"
    echo "built (unstripped): $(stat -c %s target/c/release/libepp.so) bytes (.so), $(stat -c %s target/c/release/libepp.a) bytes (.a)"
    cat "$lib/pkgconfig/epp.pc"
}

pc() { PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config "$@"; }

pkg_config_shared() {
    [ "$(pc --modversion epp)" = "$VERSION" ] || { echo "pkg-config: $(pc --modversion epp)"; return 1; }
    [ "$(pc --variable=rpath_flags epp)" = "-Wl,-rpath,$PREFIX/lib" ] || { echo "rpath_flags: $(pc --variable=rpath_flags epp)"; return 1; }
    local flags
    flags="$(pc --cflags --libs epp) $(pc --variable=rpath_flags epp)"
    echo "cc app.c $flags"
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Wextra -Werror -pedantic "$SRC/app.c" $flags -o "$OUT/app_c" &&
        readelf -d "$OUT/app_c" | grep -E "NEEDED.*libepp.so.0.$MINOR" &&
        run "$OUT/app_c" || return 1
    echo "c++ -std=c++17 app.cpp $flags"
    # shellcheck disable=SC2086
    c++ -std=c++17 -Wall -Wextra -Werror -pedantic "$SRC/app.cpp" $flags -o "$OUT/app_cpp" &&
        run "$OUT/app_cpp"
}

# Without the rpath the program builds but cannot start: the failure the
# issue reports, and what the rpath (or ldconfig) is for.
without_rpath_fails() {
    # shellcheck disable=SC2046
    cc -std=c11 "$SRC/app.c" $(pc --cflags --libs epp) -o "$OUT/app_c_norpath" || return 1
    if run "$OUT/app_c_norpath" >"$OUT/norpath.out" 2>&1; then
        echo "it ran without an rpath: the test would prove nothing"; return 1
    fi
    cat "$OUT/norpath.out"
    grep -F "libepp.so.0.$MINOR: cannot open shared object file" "$OUT/norpath.out"
}

pkg_config_static() {
    local cflags libs
    cflags=$(pc --cflags epp)
    libs=$(pc --variable=static_libs epp)
    echo "cc app.c $cflags $libs"
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Wextra -Werror -pedantic $cflags "$SRC/app.c" $libs -o "$OUT/app_c_static" &&
        ! readelf -d "$OUT/app_c_static" | grep -F libepp &&
        run "$OUT/app_c_static" || return 1
    # shellcheck disable=SC2086
    c++ -std=c++17 -Wall -Wextra -Werror -pedantic $cflags "$SRC/app.cpp" $libs -o "$OUT/app_cpp_static" &&
        ! readelf -d "$OUT/app_cpp_static" | grep -F libepp &&
        run "$OUT/app_cpp_static"
}

cxx_sanitizers() {
    local flags
    flags="$(pc --cflags --libs epp) $(pc --variable=rpath_flags epp)"
    # shellcheck disable=SC2086
    c++ -std=c++17 -Wall -Wextra -Werror -pedantic -g -fsanitize=address,undefined -fno-omit-frame-pointer \
        -fno-sanitize-recover=undefined "$SRC/app.cpp" $flags -o "$OUT/app_cpp_asan" &&
        ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run "$OUT/app_cpp_asan"
}

cmake_build() {
    local b=$OUT/cmake-build
    cmake -S "$SRC" -B "$b" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release &&
        cmake --build "$b" -j 2 || return 1
    readelf -d "$b/app_c" | grep -E "NEEDED.*libepp.so.0.$MINOR" &&
        readelf -d "$b/app_c" | grep -E "(RUNPATH|RPATH).*$PREFIX/lib" || return 1
    ! readelf -d "$b/app_c_static" | grep -F libepp || return 1
    local p
    for p in app_c app_c_static app_cpp app_cpp_static; do
        echo "--- $p"
        run "$b/$p" || return 1
    done
}

# find_package with a version the package does not satisfy fails.
cmake_version_check() {
    local d=$OUT/cmake-version
    mkdir -p "$d/src"
    printf 'cmake_minimum_required(VERSION 3.13)\nproject(v LANGUAGES C)\nfind_package(epp %s CONFIG REQUIRED)\n' \
        "0.$((MINOR + 1))" >"$d/src/CMakeLists.txt"
    if cmake -S "$d/src" -B "$d/build" -DCMAKE_PREFIX_PATH="$PREFIX" >"$d/out" 2>&1; then
        cat "$d/out"; echo "find_package(epp 0.$((MINOR + 1))) accepted $VERSION"; return 1
    fi
    grep -F "$VERSION" "$d/out"
}

echo "libepp packaging checks (version $VERSION)"
step "install dependencies (cmake, pkg-config, cc, c++)" install_deps
step "make install PREFIX=\$tmp/prefix (stripped, rpath guidance)" make_install
step "pkg-config, shared + rpath_flags: C and C++ run" pkg_config_shared
step "without the rpath the program cannot start" without_rpath_fails
step "pkg-config, static_libs: C and C++ run, no libepp.so" pkg_config_static
step "epp.hpp under ASan + UBSan (-Wall -Wextra -Werror)" cxx_sanitizers
step "CMake find_package(epp): epp::epp and epp::epp_static" cmake_build
step "CMake refuses an incompatible version" cmake_version_check

t_end=$(date +%s)
echo
echo "$passed passed, $failed failed ($((t_end - t_start))s)"
if [ "$failed" -gt 0 ]; then
    printf 'failed: %s\n' "${failures[@]}"
    exit 1
fi
