# libepp for C and C++ hosts: build the libraries, keep include/epp.h fresh,
# install libraries, header and pkg-config file.
#
#   make                      release build of libepp.so and libepp.a
#   make install PREFIX=/opt/epp [DESTDIR=...]
#   make header               regenerate include/epp.h (cbindgen 0.29.4)
#   make check-header         fail if include/epp.h differs from a fresh one
#   make check                every C test (tests/c/run.sh)
#   make example              the C example server, target/c/epp-example

PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR      ?=

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

# A target directory of its own: the soname link flag would otherwise make
# the workspace's `cargo build --release` and this build rebuild each other.
TARGET_DIR := target/c
OUT        := $(TARGET_DIR)/release

.PHONY: all lib pc header check-header install uninstall check example clean

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
	    -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|g' epp.pc.in > $(TARGET_DIR)/epp.pc

install: lib pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 $(OUT)/libepp.a $(DESTDIR)$(LIBDIR)/libepp.a
	install -m 755 $(OUT)/libepp.so $(DESTDIR)$(LIBDIR)/libepp.so.$(VERSION)
	ln -sf libepp.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libepp.so.$(SOVERSION)
	ln -sf libepp.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libepp.so
	install -m 644 include/epp.h $(DESTDIR)$(INCLUDEDIR)/epp.h
	install -m 644 $(TARGET_DIR)/epp.pc $(DESTDIR)$(PKGCONFIGDIR)/epp.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libepp.a $(DESTDIR)$(LIBDIR)/libepp.so \
	      $(DESTDIR)$(LIBDIR)/libepp.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libepp.so.$(VERSION) \
	      $(DESTDIR)$(INCLUDEDIR)/epp.h $(DESTDIR)$(PKGCONFIGDIR)/epp.pc

example: lib
	$(CC) -std=c11 -Wall -Wextra $(CFLAGS) -Iinclude -o $(TARGET_DIR)/epp-example \
		examples/c/epp_example.c $(OUT)/libepp.a $(LIBS_PRIVATE)

check:
	bash tests/c/run.sh

clean:
	rm -rf $(TARGET_DIR)
