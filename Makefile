# faultline: plain Makefile, dependencies found with pkg-config.
#   make                 build ./faultline
#   make test            the whole suite: `make check`, then again under ASan+UBSan
#   make check           one build's tests: unit, parser cases, scripts (tests/run.sh)
#   make deps            apt-get install the Debian packages (root)
#   make run             the embedded default on the bundled samples
#   make bench           generated 2M-line Ignition log through `faultline parse`
#   make fuzz            libFuzzer targets (clang), FUZZ_SECONDS each (default 60)
#   make install PREFIX=/usr/local DESTDIR=
CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
PKGS    := libpcre2-8 rdkafka libzstd hiredis yaml-0.1 libxxhash jansson sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CSTD    := -std=c11 -D_GNU_SOURCE
OPT     ?= -O2 -g
# The allocator of ./faultline, as in Redis: jemalloc by default (librdkafka allocates and frees
# several blocks per message across its threads; jemalloc cut ingest CPU by ~25% and keeps
# memory flat), MALLOC=libc for glibc's. Sanitizer builds always use libc (ASan's allocator).
MALLOC  ?= jemalloc
ifdef SANITIZE
MALLOC  := libc
BUILD   ?= build
# override: a BUILD given on the command line (or inherited by a sub-make) still gets its own
# sanitizer directory; mixing instrumented and plain objects would not link or would lie.
override BUILD := $(BUILD)-asan
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
LDSAN   := -fsanitize=$(SANITIZE)
else
BUILD   ?= build
endif
ifeq ($(MALLOC),jemalloc)
MALLOC_LIBS := $(shell pkg-config --libs jemalloc)
else ifneq ($(MALLOC),libc)
$(error MALLOC must be jemalloc or libc)
endif
CFLAGS  += $(CSTD) $(OPT) $(WARN) -I. -I$(BUILD) $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm -lpthread $(LDSAN)

LIB_SRC := $(filter-out $(LIB_SKIP),$(wildcard core/*.c schemas/*.c parsers/*.c ingest/*.c correlate/*.c cli/*.c))
GEN_SRC := $(BUILD)/gen/opcua_table.c
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/gen/opcua_table.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRC))
BIN     := $(BUILD)/faultline

.PHONY: all test check deps bench fuzz install clean lint fmt run
all: $(BIN)
ifeq ($(BUILD),build)
all: faultline
faultline: $(BIN)
	@cp $(BIN) faultline
endif

# --whole-archive: the parser registry refers to the parsers weakly (parsers/registry.c), and a
# weak reference alone does not pull an object out of a static archive.
WHOLE = -Wl,--whole-archive $(BUILD)/libfaultline.a -Wl,--no-whole-archive

$(BIN): $(BUILD)/faultline.o $(BUILD)/libfaultline.a
	$(CC) $(OPT) -o $@ $(BUILD)/faultline.o $(WHOLE) $(LDLIBS) $(MALLOC_LIBS)

$(BUILD)/libfaultline.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/gen/opcua_table.c: data/opcua-status-codes.csv tools/gen_opcua.awk
	@mkdir -p $(dir $@)
	{ echo '/* generated from data/opcua-status-codes.csv by tools/gen_opcua.awk: do not edit */'; \
	  echo '#include "parsers/opcua_table.h"'; \
	  echo 'const struct fl_opcua_row fl_opcua_rows[] = {'; \
	  awk -f tools/gen_opcua.awk $<; \
	  echo '};'; \
	  echo 'const unsigned fl_opcua_n_rows = sizeof fl_opcua_rows / sizeof fl_opcua_rows[0];'; } > $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libfaultline.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(WHOLE) $(LDLIBS)

$(BUILD)/tests/%: tests/tools/%.c $(BUILD)/libfaultline.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(WHOLE) $(LDLIBS)

# The whole suite: the plain build, then the same tests under ASan+UBSan.
test: check
	$(MAKE) --no-print-directory SANITIZE=address,undefined check

# One build's tests (tests/run.sh).
check: $(BIN) $(UNIT_BIN) $(TOOL_BIN)
	BUILD=$(BUILD) SHARED=$(abspath ../shared) tests/run.sh

DEB_PKGS := build-essential pkg-config tzdata libpcre2-dev librdkafka-dev libzstd-dev \
	libhiredis-dev libjemalloc-dev libyaml-dev libxxhash-dev libjansson-dev libsqlite3-dev sqlite3 zstd \
	redis-server python3 python3-jsonschema clang-14 libclang-rt-14-dev
# Installs the Debian packages faultline builds and tests with (root).
deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PKGS)

bench: $(BIN) $(TOOL_BIN)
	BUILD=$(BUILD) bench/run.sh

FUZZ_SECONDS ?= 60
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" LDSAN="-fsanitize=address,undefined" build-fuzz/libfaultline.a
	@mkdir -p build-fuzz/bin
	@set -e; for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -I. -Ibuild-fuzz $(PKG_CFLAGS) -o build-fuzz/bin/$$n $$f -Wl,--whole-archive build-fuzz/libfaultline.a -Wl,--no-whole-archive $(PKG_LIBS) -lm -lpthread; \
	done
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh build-fuzz/bin

lint:
	@! grep -nE '\b(strcpy|sprintf|strtok|atoi|gmtime|localtime)\s*\(' $(LIB_SRC) faultline.c || (echo "lint: banned function"; exit 1)
	@! grep -nE '#include "(ingest|correlate)/|rdkafka\.h|hiredis\.h' parsers/*.c parsers/*.h schemas/*.c || (echo "lint: parsers must not reach into ingest/correlate/kafka/redis"; exit 1)
	@echo "lint ok"

fmt:
	clang-format -i $(LIB_SRC) faultline.c $(wildcard */*.h)

# The embedded default: no Kafka, no Redis. Follows the bundled sample logs of every vendor,
# prints their events and archives them under build/run-state; Ctrl-C drains and stops.
run: $(BIN)
	@mkdir -p build
	sed 's|@DIR@|$(CURDIR)|g' samples/faultline.yaml.in > build/run.yaml
	$(BIN) run -c build/run.yaml

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/faultline/schemas
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/faultline
	install -m 0644 schemas/event.schema.json $(DESTDIR)$(PREFIX)/share/faultline/schemas/

clean:
	rm -rf build build-asan build-fuzz faultline

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
