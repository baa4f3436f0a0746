# libepp for C and C++ hosts: build the libraries, keep include/epp.h fresh,
# install libraries (stripped of debug info), headers (epp.h, epp.hpp), a
# pkg-config file and a CMake package.
#
#   make                      release build of libepp.so and libepp.a
#   make install PREFIX=/opt/epp [DESTDIR=...] [DEBUG_FILES=1]
#                             then: pkg-config epp, or find_package(epp) in
#                             CMake (imported targets epp::epp and
#                             epp::epp_static). Into a directory the
#                             run-time linker searches, as root and without
#                             DESTDIR, it runs ldconfig; otherwise it prints
#                             how to link with an rpath.
#   make header               regenerate include/epp.h (cbindgen 0.29.4)
#   make check-header         fail if include/epp.h differs from a fresh one
#   make check                every C test (tests/c/run.sh)
#   make example              the C example server, target/c/epp-example

PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR     ?= $(LIBDIR)/cmake/epp
DESTDIR      ?=
# DEBUG_FILES=1: also install the debug info taken out of libepp.so as
# libepp.so.VERSION.debug beside it (found through a GNU debuglink). For a
# static build with debug info, link target/c/release/libepp.a itself.
DEBUG_FILES  ?=
STRIP        ?= strip
OBJCOPY      ?= objcopy
LDCONFIG     ?= ldconfig

CARGO        ?= cargo
CBINDGEN     ?= cbindgen
CC           ?= cc
CFLAGS       ?= -O2 -g
CBINDGEN_VERSION := 0.29.4
# What a program linking libepp.a statically also needs (Linux, glibc).
LIBS_PRIVATE ?= -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

VERSION   := $(shell sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
MAJOR     := $(word 1,$(subst ., ,$(VERSION)))
MINOR     := $(word 2,$(subst ., ,$(VERSION)))
# ABI version in the soname: 0.MINOR while the major version is 0 (any 0.x
# minor release may break the ABI), MAJOR afterwards.
SOVERSION := $(if $(filter 0,$(MAJOR)),0.$(MINOR),$(MAJOR))
# Whether LIBDIR is a directory the run-time linker searches by itself
# (ld.so.conf and its built-in directories, as `ldconfig -v -N` lists them):
# then programs need no rpath and epp.pc's rpath_flags is empty. Evaluated
# only by the targets that use it.
SYSTEM_LIBDIR = $(shell d=$$(realpath -m '$(LIBDIR)'); \
	for s in $$($(LDCONFIG) -v -N 2>/dev/null | sed -n 's|^\(/[^:]*\):.*|\1|p') /lib /usr/lib /lib64 /usr/lib64; do \
	  [ "$$(realpath -m "$$s")" = "$$d" ] && { echo yes; break; }; done)
SIZEOF_VOID_P := $(shell echo $$(( $$(getconf LONG_BIT) / 8 )))
RPATH_FLAGS = $(if $(SYSTEM_LIBDIR),,-Wl,-rpath,$${libdir})

# A target directory of its own: the soname link flag would otherwise make
# the workspace's `cargo build --release` and this build rebuild each other.
TARGET_DIR := target/c
OUT        := $(TARGET_DIR)/release

.PHONY: all lib pc cmake header check-header install uninstall check example clean

all: lib

lib:
	$(CARGO) rustc --release -p libepp --lib --target-dir $(TARGET_DIR) -- \
		-C link-arg=-Wl,-soname,libepp.so.$(SOVERSION)

header:
	@$(CBINDGEN) --version | grep -qx 'cbindgen $(CBINDGEN_VERSION)' || \
		{ echo "need cbindgen $(CBINDGEN_VERSION): cargo install cbindgen --version $(CBINDGEN_VERSION) --locked" >&2; exit 1; }
	$(CBINDGEN) --quiet --config cbindgen.toml --output include/epp.h src/ffi/mod.rs

check-header:
	@$(CBINDGEN) --version | grep -qx 'cbindgen $(CBINDGEN_VERSION)' || \
		{ echo "need cbindgen $(CBINDGEN_VERSION): cargo install cbindgen --version $(CBINDGEN_VERSION) --locked" >&2; exit 1; }
	@tmp=$$(mktemp -d) && \
	$(CBINDGEN) --quiet --config cbindgen.toml --output $$tmp/epp.h src/ffi/mod.rs && \
	if diff -u include/epp.h $$tmp/epp.h; then echo "include/epp.h is up to date"; rm -rf $$tmp; \
	else echo "include/epp.h is stale: run 'make header' and commit it" >&2; rm -rf $$tmp; exit 1; fi

pc:
	mkdir -p $(TARGET_DIR)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@RPATH_FLAGS@|$(RPATH_FLAGS)|g' \
	    -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|g' epp.pc.in > $(TARGET_DIR)/epp.pc

# The CMake package: absolute paths, like epp.pc (DESTDIR is not part of
# them). The static target's link interface is LIBS_PRIVATE.
cmake:
	mkdir -p $(TARGET_DIR)/cmake
	for f in eppConfig.cmake eppConfigVersion.cmake; do \
	  sed -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	      -e 's|@VERSION@|$(VERSION)|g' -e 's|@SOVERSION@|$(SOVERSION)|g' \
	      -e 's|@SIZEOF_VOID_P@|$(SIZEOF_VOID_P)|g' \
	      -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|g' \
	      cmake/$$f.in > $(TARGET_DIR)/cmake/$$f || exit 1; \
	done

install: lib pc cmake
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR)
	rm -rf $(TARGET_DIR)/stage && mkdir -p $(TARGET_DIR)/stage
	cp $(OUT)/libepp.a $(OUT)/libepp.so $(TARGET_DIR)/stage/
	@# Release libraries carry no debug info (the workspace's release
	@# profile keeps it for benches); DEBUG_FILES=1 keeps it on the side.
	if [ -n "$(DEBUG_FILES)" ]; then \
	  $(OBJCOPY) --only-keep-debug $(TARGET_DIR)/stage/libepp.so $(TARGET_DIR)/stage/libepp.so.$(VERSION).debug || exit 1; \
	fi
	$(STRIP) --strip-debug $(TARGET_DIR)/stage/libepp.so $(TARGET_DIR)/stage/libepp.a
	if [ -n "$(DEBUG_FILES)" ]; then \
	  (cd $(TARGET_DIR)/stage && $(OBJCOPY) --add-gnu-debuglink=libepp.so.$(VERSION).debug libepp.so) || exit 1; \
	fi
	install -m 644 $(TARGET_DIR)/stage/libepp.a $(DESTDIR)$(LIBDIR)/libepp.a
	install -m 755 $(TARGET_DIR)/stage/libepp.so $(DESTDIR)$(LIBDIR)/libepp.so.$(VERSION)
	ln -sf libepp.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libepp.so.$(SOVERSION)
	ln -sf libepp.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libepp.so
	if [ -n "$(DEBUG_FILES)" ]; then \
	  install -m 644 $(TARGET_DIR)/stage/libepp.so.$(VERSION).debug $(DESTDIR)$(LIBDIR)/ || exit 1; \
	fi
	install -m 644 include/epp.h include/epp.hpp $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(TARGET_DIR)/epp.pc $(DESTDIR)$(PKGCONFIGDIR)/epp.pc
	install -m 644 $(TARGET_DIR)/cmake/eppConfig.cmake $(TARGET_DIR)/cmake/eppConfigVersion.cmake \
		$(DESTDIR)$(CMAKEDIR)/
	@# The run-time linker: refresh its cache for a system directory, or
	@# say how programs find the library.
	@if [ -n "$(SYSTEM_LIBDIR)" ] && [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  echo "$(LDCONFIG)"; $(LDCONFIG); \
	elif [ -n "$(SYSTEM_LIBDIR)" ]; then \
	  echo; echo "libepp is installed in $(LIBDIR), which the run-time linker searches."; \
	  echo "Run ldconfig as root once the files are in place (packagers: in the package's postinst)."; \
	else \
	  echo; \
	  echo "libepp is installed in $(LIBDIR), which the run-time linker does not search:"; \
	  echo "a program linked with libepp.so must carry an rpath (or run with LD_LIBRARY_PATH)."; \
	  echo "  pkg-config (export PKG_CONFIG_PATH=$(PKGCONFIGDIR)):"; \
	  echo '    cc app.c $$(pkg-config --cflags --libs epp) $$(pkg-config --variable=rpath_flags epp)'; \
	  echo "    (rpath_flags is -Wl,-rpath,$(LIBDIR))"; \
	  echo '    static, needing no rpath: cc app.c $$(pkg-config --cflags epp) $$(pkg-config --variable=static_libs epp)'; \
	  echo "  CMake (-DCMAKE_PREFIX_PATH=$(PREFIX)): find_package(epp CONFIG REQUIRED), link epp::epp"; \
	  echo "    (or epp::epp_static); the build tree's rpath is set, and installed programs"; \
	  echo "    keep it with CMAKE_INSTALL_RPATH_USE_LINK_PATH=ON."; \
	  echo "  Or add $(LIBDIR) to /etc/ld.so.conf.d/ and run ldconfig."; \
	fi

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libepp.a $(DESTDIR)$(LIBDIR)/libepp.so \
	      $(DESTDIR)$(LIBDIR)/libepp.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libepp.so.$(VERSION) \
	      $(DESTDIR)$(LIBDIR)/libepp.so.$(VERSION).debug \
	      $(DESTDIR)$(INCLUDEDIR)/epp.h $(DESTDIR)$(INCLUDEDIR)/epp.hpp $(DESTDIR)$(PKGCONFIGDIR)/epp.pc \
	      $(DESTDIR)$(CMAKEDIR)/eppConfig.cmake $(DESTDIR)$(CMAKEDIR)/eppConfigVersion.cmake
	-rmdir $(DESTDIR)$(CMAKEDIR) 2>/dev/null

example: lib
	$(CC) -std=c11 -Wall -Wextra $(CFLAGS) -Iinclude -o $(TARGET_DIR)/epp-example \
		examples/c/epp_example.c $(OUT)/libepp.a $(LIBS_PRIVATE)

check:
	bash tests/c/run.sh

clean:
	rm -rf $(TARGET_DIR)
