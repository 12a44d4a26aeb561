# SPDX-License-Identifier: MIT
# lurewatch: one Makefile, pkg-config for every library, quiet unless V=1.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
DATADIR  = $(PREFIX)/share/lurewatch
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CC      ?= cc
B        = build
PKGS     = libhs libxml-2.0 libcurl libpq libutf8proc inih jansson libcrypto libpcre2-8 igraph \
           libmicrohttpd libargon2 libgvc zlib
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Wpedantic -Wstrict-prototypes -Werror \
           -Wno-overlength-strings
CPPFLAGS_ALL = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
           -DLW_VERSION='"$(VERSION)"' -DLW_DATADIR='"$(DATADIR)"' \
           -include util/banned.h
# Opened with dlopen when first needed (util/dynlib.h), not linked: igraph and
# Graphviz bring 18 of the binary's 66 shared libraries, and loading them was
# a third of every start-up. Their headers are still compiled against, and
# the sonames dlopen asks for are those of the libraries the headers came with.
DLPKGS   = igraph libgvc $(LAZYPKGS)
# Opened on their first call (util/lazy.h), not linked: libcurl, libpq and
# libxml2 brought some forty shared libraries (GnuTLS, Kerberos, LDAP, ICU)
# that `match`, `rules check` and `--version` never use, and faulting them in
# was most of those commands' start-up. scripts/lazy_libs.sh names their
# sonames and packages; it asks dpkg, which is slow, so once per build folder.
LAZYPKGS = libxml-2.0 libcurl libpq libmicrohttpd libargon2 zlib
LAZY_DEFS := $(shell mkdir -p $(B) && { test -s $(B)/lazy.flags || \
               sh scripts/lazy_libs.sh >$(B)/lazy.flags; } && cat $(B)/lazy.flags)
soname   = $(shell objdump -p "$$(pkg-config --variable=libdir $(1))/lib$(2).so" 2>/dev/null | \
             awk '$$1 == "SONAME" { print $$2 }')
IGRAPH_SONAME := $(or $(call soname,igraph,igraph),libigraph.so.3)
GVC_SONAME    := $(or $(call soname,libgvc,gvc),libgvc.so.6)
DEPCFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
             -DLW_IGRAPH_SONAME='"$(IGRAPH_SONAME)"' -DLW_GVC_SONAME='"$(GVC_SONAME)"' \
             $(LAZY_DEFS)
DEPLIBS   := $(shell pkg-config --libs $(filter-out $(DLPKGS),$(PKGS)) 2>/dev/null) -lpthread -lm
ALL_CFLAGS = $(WARN) $(CFLAGS) $(CPPFLAGS_ALL) $(DEPCFLAGS) -MMD -MP

ifeq ($(V),1)
Q =
else
Q = @
endif

MODULES = $(foreach m,util matcher config store engine crawler web archive,$(if $(wildcard $(m)/*.c),$(m)))
LIBS = $(foreach m,$(MODULES),$(B)/lib$(m).a)
# Link order: dependents first.
LINKLIBS = $(foreach m,web archive crawler engine store config matcher util,$(if $(filter $(m),$(MODULES)),$(B)/lib$(m).a))

define module_rules
$(1)_SRC := $$(wildcard $(1)/*.c)
$(1)_OBJ := $$(patsubst %.c,$(B)/%.o,$$($(1)_SRC))
$(B)/lib$(1).a: $$($(1)_OBJ)
	@echo "  AR      $$@"
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_rules,$(m))))

# The schema travels inside the binary: migrations become a generated C table.
MIGRATIONS = $(sort $(wildcard store/migrations/*.sql))
$(B)/gen/migrations.c: $(MIGRATIONS) scripts/embed_sql.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)sh scripts/embed_sql.sh $@ $(MIGRATIONS)
$(B)/gen/migrations.o: $(B)/gen/migrations.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(B)/libstore.a: $(B)/gen/migrations.o

# So do the web interface's templates, style sheet and script.
ASSETS = $(sort $(wildcard web/assets/*))
$(B)/gen/assets.c: $(ASSETS) scripts/embed_assets.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)sh scripts/embed_assets.sh $@ $(ASSETS)
$(B)/gen/assets.o: $(B)/gen/assets.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(B)/libweb.a: $(B)/gen/assets.o

# The installed rules folder is compiled in: rebuild when PREFIX changes.
$(B)/prefix.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
$(B)/cli/common.o: $(B)/prefix.stamp
.PHONY: FORCE
FORCE:

CLI_SRC  = $(wildcard cli/*.c)
CLI_OBJ  = $(patsubst %.c,$(B)/%.o,$(CLI_SRC))
TEST_SRC = $(wildcard tests/unit/test_*.c)
TEST_BIN = $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRC))
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))

.PHONY: all deps test unit-tests sanitize bench eval demo install uninstall clean \
	fuzz fuzz-build fuzz-targets
.DEFAULT_GOAL := all

# The sanitizer build keeps its binary apart so it never replaces ./lurewatch.
BIN ?= lurewatch

all: deps
	$(Q)$(MAKE) --no-print-directory $(BIN)

deps:
	$(Q)sh scripts/deps.sh

$(BIN): $(CLI_OBJ) $(LIBS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LINKLIBS) $(DEPLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(LIBS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< \
		$(LINKLIBS) $(DEPLIBS) $(shell pkg-config --libs cmocka)

$(B)/bench/%: bench/%.c $(LIBS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LINKLIBS) $(DEPLIBS)

unit-tests: $(TEST_BIN)

# ---- fuzzing: libFuzzer targets under ASan and UBSan, built with clang into
# their own folder. `make fuzz FUZZ_SECONDS=N` runs each for N seconds;
# `make test` runs each for LW_FUZZ_SECONDS (tests/cli/t1300-fuzz.sh).
FUZZ_B       = build-fuzz
FUZZ_SRC     = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     = $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_CLI_OBJ = $(B)/cli/ingest_jsonl.o $(B)/cli/ingest_telegram.o $(B)/cli/archive_pages.o
FUZZ_CFLAGS  = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
FUZZ_JOBS ?= 1
FUZZ_TIMEOUT ?= 10

$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_CLI_OBJ) $(LIBS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $<"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CLI_OBJ) $(LINKLIBS) $(DEPLIBS)

fuzz-targets: $(FUZZ_BIN)

# The allocation-failure sweep (tests/alloc/) preloads failmalloc.so in front
# of the ASan runtime, so this build's lurewatch links that runtime as a
# shared library; the interposer itself is built without sanitizers.
$(B)/failmalloc.so: tests/alloc/failmalloc.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) -O1 -g -fno-omit-frame-pointer -Wall -Wextra -shared -fPIC -o $@ $< -ldl

ASAN_RT_DIR = $(shell dirname "$$(clang -print-file-name=libclang_rt.asan-x86_64.so)")
fuzz-build: deps
	$(Q)$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
		LDFLAGS="-shared-libasan -Wl,-rpath,$(ASAN_RT_DIR)" BIN=$(FUZZ_B)/lurewatch \
		fuzz-targets $(FUZZ_B)/lurewatch $(FUZZ_B)/failmalloc.so

# FUZZ_RUNS=N stops each target after N inputs (FUZZ_SECONDS still caps it);
# FUZZ_JOBS=N fuzzes N targets at a time; FUZZ_TIMEOUT=S is how long one
# input may run, wall clock, before it counts as a hang. The overnight run of the README's
# Reliability table: make fuzz FUZZ_RUNS=10000000 FUZZ_SECONDS=14400 FUZZ_JOBS=2
fuzz: fuzz-build
	$(Q)LW_FUZZ_BUILD=$(FUZZ_B) LW_FUZZ_RUNS=$(FUZZ_RUNS) LW_FUZZ_JOBS=$(FUZZ_JOBS) \
		LW_FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) \
		sh tests/fuzz/run.sh $(FUZZ_SECONDS)

test: deps
	$(Q)sh scripts/deps.sh test
	$(Q)$(MAKE) --no-print-directory $(BIN) unit-tests
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)sh tests/run.sh

sanitize: deps
	$(Q)$(MAKE) --no-print-directory B=build-san \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" BIN=build-san/lurewatch build-san/lurewatch unit-tests
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)LW_BUILD=build-san LW_BIN=$(CURDIR)/build-san/lurewatch ASAN_OPTIONS=detect_leaks=1 sh tests/run.sh

bench: deps
	$(Q)sh scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory lurewatch $(BENCH_BIN)
	$(Q)sh bench/run.sh

eval: deps
	$(Q)$(MAKE) --no-print-directory lurewatch
	$(Q)sh tests/eval.sh $(CORPUS)

demo: deps
	$(Q)$(MAKE) --no-print-directory lurewatch
	$(Q)sh scripts/demo.sh

install: lurewatch
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules
	install -m 755 lurewatch $(DESTDIR)$(BINDIR)/lurewatch
	install -m 644 rules/*.rules $(DESTDIR)$(DATADIR)/rules/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lurewatch
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san build-fuzz lurewatch

-include $(shell find $(B) -name '*.d' 2>/dev/null)
