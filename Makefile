# vigil: a plain GNU Makefile. `make` builds build/vigil; `make test` runs every test under
# ASan+UBSan and then under TSan, plus a short run of every fuzz target; `make run` installs
# what is missing, builds and starts the daemon. SAN=asan|tsan selects a sanitizer build
# in build/asan or build/tsan.

VERSION := 0.1.0
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CC      ?= cc
SAN     ?=
PKGS    := libwebsockets inih jansson libcurl sqlite3
ifeq ($(SAN),)
  B := build
  SANFLAGS :=
  OPT := -O2
else ifeq ($(SAN),asan)
  B := build/asan
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  OPT := -O1
else ifeq ($(SAN),tsan)
  B := build/tsan
  SANFLAGS := -fsanitize=thread
  OPT := -O1
else
  $(error SAN must be empty, asan or tsan)
endif

# BUILDDIR puts a build elsewhere, e.g. `make CC=clang BUILDDIR=build/clang`.
ifneq ($(BUILDDIR),)
  B := $(BUILDDIR)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wno-missing-field-initializers -Isrc -I$(B)/gen $(PKG_CFLAGS) $(SANFLAGS) \
           -DVIGIL_VERSION='"$(VERSION)"' -DVIGIL_COMMIT='"$(COMMIT)"' -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread -ldl -lm

LIB_SRC  := $(sort $(filter-out src/main.c,$(shell find src -name '*.c')))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o) $(B)/obj/gen/web_assets.o
MAIN_OBJ := $(B)/obj/src/main.o

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
UNIT_HELPERS := $(sort $(wildcard tests/unit/support/*.c))
UNIT_HELPER_OBJ := $(UNIT_HELPERS:%.c=$(B)/obj/%.o)
FAKE_SRC := $(sort $(wildcard tests/fakes/*.c))
FAKE_LIB := $(FAKE_SRC:tests/fakes/%.c=$(B)/fakes/%.so)

RACE_SRC := $(sort $(wildcard tests/race/race_*.c))
RACE_BIN := $(RACE_SRC:tests/race/%.c=$(B)/race/%)

FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
FUZZ_RUNS ?= 20000

BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

# Test helpers' objects are made by a pattern rule; keep them between runs.
.SECONDARY: $(UNIT_HELPER_OBJ)

.PHONY: all run deps test check unit race e2e fuzz fuzz-smoke bench bench-peers lint format format-check clean
.DEFAULT_GOAL := all

all: $(B)/vigil

$(B)/vigil: $(MAIN_OBJ) $(B)/libvigil.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/libvigil.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The dashboard: web/ and uPlot (from the lockfile) become a C source compiled into the
# binary (scripts/embed-web.sh); nothing is read from disk at run time.
WEB_SRC := $(sort $(wildcard web/*.html web/*.css web/*.js web/*.svg))
UPLOT   := node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css

%/gen/web_assets.c: scripts/embed-web.sh $(WEB_SRC) $(UPLOT)
	sh scripts/embed-web.sh $@ $(WEB_SRC) $(UPLOT)

$(B)/obj/gen/web_assets.o: $(B)/gen/web_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# One npm ci for both files, even with -j.
node_modules/uplot/dist/uPlot.min.css: | node_modules/uplot/dist/uPlot.iife.min.js
node_modules/uplot/dist/uPlot.iife.min.js:
	@command -v npm >/dev/null 2>&1 || { echo "uPlot is missing and npm is not installed: run 'make deps'"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error

$(B)/tests/%: tests/unit/%.c $(UNIT_HELPER_OBJ) $(B)/libvigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(UNIT_HELPER_OBJ) $(B)/libvigil.a \
		$(LDLIBS) -lcriterion

$(B)/race/%: tests/race/%.c $(B)/libvigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/race $(LDFLAGS) -o $@ $< $(B)/libvigil.a $(LDLIBS)

# Fakes stand in for what a machine may lack (a GPU driver): built from our own source,
# loaded by the product through its ordinary paths. Never sanitized: they are loaded into
# processes that may or may not be.
$(B)/fakes/%.so: tests/fakes/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $<
	@case "$*" in libnvidia-ml) ln -sf libnvidia-ml.so $(B)/fakes/libnvidia-ml.so.1;; esac

$(B)/bench/%: bench/%.c $(B)/libvigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libvigil.a $(LDLIBS)

# --- running -------------------------------------------------------------------------

deps:
	@sh scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	./build/vigil serve

# --- tests ---------------------------------------------------------------------------

unit: $(UNIT_BIN) $(FAKE_LIB)
	@set -e; for t in $(UNIT_BIN); do \
		echo "== $$t"; VIGIL_FAKES=$(abspath $(B)/fakes) VIGIL_FIXTURES=$(abspath tests/fixtures) \
		$$t --jobs 2 --timeout 60; done

# Threaded code on real threads; under TSan these stand in for the unit tests, whose
# runner (Criterion) cannot start under TSan.
race: $(RACE_BIN) $(FAKE_LIB)
	@set -e; for t in $(RACE_BIN); do echo "== $$t"; VIGIL_FAKES=$(abspath $(B)/fakes) $$t; done

e2e: $(B)/vigil $(FAKE_LIB)
	VIGIL_BIN=$(abspath $(B)/vigil) VIGIL_FAKES=$(abspath $(B)/fakes) \
	VIGIL_FIXTURES=$(abspath tests/fixtures) VIGIL_SAN=$(SAN) \
	node --test --test-concurrency=2 tests/e2e/

ifeq ($(SAN),tsan)
check: race e2e
else
check: unit race e2e
endif

test: deps
	@$(MAKE) --no-print-directory SAN=asan check
	@$(MAKE) --no-print-directory SAN=tsan check
	@$(MAKE) --no-print-directory fuzz-smoke
	@echo "make test: all tiers passed"

# --- fuzzing -------------------------------------------------------------------------

# The library is built once with coverage instrumentation (fuzzer-no-link); each target
# links it with libFuzzer's main.
FUZZ_CC := clang
FUZZ_SAN := address,undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(PKG_CFLAGS) -fno-omit-frame-pointer \
	-DVIGIL_VERSION='"$(VERSION)"' -DVIGIL_COMMIT='"fuzz"' -MMD -MP
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/gen/web_assets.o

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<

build/fuzz/obj/gen/web_assets.o: build/fuzz/gen/web_assets.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/libvigil.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/%: fuzz/%.c build/fuzz/libvigil.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< build/fuzz/libvigil.a $(LDLIBS)

fuzz-smoke: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); \
		mkdir -p build/fuzz/corpus/$$n; \
		seeds=""; [ -d fuzz/corpus/$$n ] && seeds=fuzz/corpus/$$n; \
		echo "== $$n ($(FUZZ_RUNS) runs)"; \
		$$f -runs=$(FUZZ_RUNS) -seed=1 -max_len=65536 build/fuzz/corpus/$$n $$seeds \
			2>build/fuzz/$$n.log || { tail -40 build/fuzz/$$n.log; exit 1; }; done

fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); \
		mkdir -p build/fuzz/corpus/$$n; seeds=""; [ -d fuzz/corpus/$$n ] && seeds=fuzz/corpus/$$n; \
		echo "== $$n (60 s)"; $$f -max_total_time=60 build/fuzz/corpus/$$n $$seeds; done

# --- benchmarks ----------------------------------------------------------------------

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN) $(FAKE_LIB)
	@sh bench/run.sh

# vigil beside netdata, Glances and node_exporter (installed from Debian's packages), all on
# loopback: CPU, memory, HTTP speed and series in one run of about 7 minutes.
bench-peers: deps
	@sh bench/peers

# --- installing ----------------------------------------------------------------------

# The binary, the systemd unit (its paths rewritten for this PREFIX) and the commented
# example configuration, which never replaces one already there (a copy goes to the doc
# directory either way). DESTDIR stages everything under another root (a package, an image).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DOCDIR     ?= $(PREFIX)/share/doc/vigil

.PHONY: install uninstall
install: $(B)/vigil
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/vigil
	install -m 0755 $(B)/vigil $(DESTDIR)$(BINDIR)/vigil
	sed -e 's|/usr/local/bin/vigil|$(BINDIR)/vigil|' -e 's|/etc/vigil/|$(SYSCONFDIR)/vigil/|g' \
		deploy/vigil.service > $(DESTDIR)$(UNITDIR)/vigil.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vigil.service
	install -m 0644 deploy/vigil.ini $(DESTDIR)$(DOCDIR)/vigil.ini.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.ini ] || \
		install -m 0644 deploy/vigil.ini $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.ini

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vigil $(DESTDIR)$(UNITDIR)/vigil.service \
		$(DESTDIR)$(DOCDIR)/vigil.ini.example
	@echo "uninstall: $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.ini kept"

# --- code quality --------------------------------------------------------------------

lint:
	clang-tidy --quiet $(LIB_SRC) src/main.c -- $(CFLAGS)

format:
	clang-format -i $$(find src tests fuzz bench -name '*.[ch]')

format-check:
	clang-format --dry-run --Werror $$(find src tests fuzz bench -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
