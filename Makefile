# tapix: one non-recursive Makefile.  Outputs go to build/ (build/sanitize/
# with SANITIZE=1, so instrumented and plain objects never mix).
#
#   make            build everything
#   make test       install missing Debian packages, build, run every suite
#   make test SANITIZE=1   the same under AddressSanitizer + UBSan
#   make test VALGRIND=1   the same under valgrind memcheck
#   make run        start tapisrv with the default lines
#   make soak       the soak test (SOAK_SECONDS=600)
#   make bench      build and run the benchmarks
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CXX     ?= c++

ifeq ($(SANITIZE),1)
B       := build/sanitize
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
B       := build
SANFLAGS :=
endif

SOVERSION := 1
LIBVER    := 1.0.0
PKGS      := inih
# libpq for acdproxy's PostgreSQL store (and the tests that make databases).
PG_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I$$(pg_config --includedir))
PG_LIBS   := $(shell pkg-config --libs libpq 2>/dev/null || echo -lpq)
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wno-missing-field-initializers
CFLAGS    ?= -O2 -g
ALLCFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP \
             -Iinclude -Isrc/common $(PG_CFLAGS) -fvisibility=hidden -fPIC
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)
LIBS      := -lpthread

# --- sources -----------------------------------------------------------------
COMMON_SRC := $(wildcard src/common/*.c)
LIB_SRC    := $(wildcard src/lib/*.c)
SRV_SRC    := $(filter-out src/server/main.c,$(wildcard src/server/*.c))
ACD_SRC    := $(filter-out src/acd/main.c,$(wildcard src/acd/*.c))
UNIT_SRC   := $(filter-out tests/unit/test_layout.c,$(wildcard tests/unit/test_*.c))
INTEG_SRC  := $(wildcard tests/integration/test_*.c)
INTEG_HELP := $(filter-out $(INTEG_SRC),$(wildcard tests/integration/*.c))
BENCH_SRC  := $(wildcard tests/bench/bench_*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

COMMON_OBJ := $(call obj,$(COMMON_SRC))
LIB_OBJ    := $(call obj,$(LIB_SRC))
SRV_OBJ    := $(call obj,$(SRV_SRC))
ACD_OBJ    := $(call obj,$(ACD_SRC))

LIBTAPI    := $(B)/libtapi32.so
LIBTAPI_V  := $(B)/libtapi32.so.$(LIBVER)
COMMON_A   := $(B)/libcommon.a
SRV_A      := $(B)/libtapisrv.a
ACD_A      := $(if $(ACD_SRC),$(B)/libacd.a)
ACD_LIBS   := -lsqlite3 -lsodium $(PG_LIBS)
TAPISRV    := $(if $(wildcard src/server/main.c),$(B)/tapisrv)
ACDPROXY   := $(if $(wildcard src/acd/main.c),$(B)/acdproxy)
TAPICTL_SRC := $(wildcard src/tools/tapictl/*.c)
TAPICTL    := $(if $(TAPICTL_SRC),$(B)/tapictl)
TAPIBENCH_SRC := $(wildcard src/tools/tapibench/*.c)
TAPIBENCH  := $(if $(TAPIBENCH_SRC),$(B)/tapibench)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC)) \
              $(B)/tests/test_layout $(B)/tests/test_layout_v31
INTEG_BIN  := $(patsubst tests/integration/%.c,$(B)/tests/%,$(INTEG_SRC))
HELP_BIN   := $(patsubst tests/integration/%.c,$(B)/tests/%,$(filter tests/integration/helper_%.c,$(INTEG_HELP)))
HARNESS_OBJ := $(call obj,$(filter-out tests/integration/helper_%.c,$(INTEG_HELP)))
BENCH_BIN  := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRC))
SOAK_BIN   := $(if $(wildcard tests/soak/soak.c),$(B)/tests/soak)
COMPILE_CHECKS := $(B)/tests/compile-c-gcc $(B)/tests/compile-c-clang \
                  $(B)/tests/compile-cxx-gcc $(B)/tests/compile-cxx-clang

.PHONY: all test soak run bench install clean deps check-compile
all: $(LIBTAPI) $(TAPISRV) $(ACDPROXY) $(TAPICTL) $(TAPIBENCH) $(UNIT_BIN) $(INTEG_BIN) $(HELP_BIN) $(SOAK_BIN) $(BENCH_BIN) $(COMPILE_CHECKS)

deps:
	@scripts/deps.sh

# --- objects -----------------------------------------------------------------
$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(COMMON_A): $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SRV_A): $(SRV_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libacd.a: $(ACD_OBJ)
	@rm -f $@
	ar rcs $@ $^

# --- libtapi32: only the API is exported (version script + hidden default) ----
$(LIBTAPI_V): $(LIB_OBJ) $(COMMON_OBJ) src/lib/libtapi32.map
	$(CC) -shared -Wl,-soname,libtapi32.so.$(SOVERSION) -Wl,--version-script=src/lib/libtapi32.map \
	    -Wl,--no-undefined $(LDFLAGS_ALL) -o $@ $(LIB_OBJ) $(COMMON_OBJ) $(LIBS)

$(LIBTAPI): $(LIBTAPI_V)
	ln -sf libtapi32.so.$(LIBVER) $(B)/libtapi32.so.$(SOVERSION)
	ln -sf libtapi32.so.$(LIBVER) $@

# --- programs ------------------------------------------------------------------
$(B)/tapisrv: $(call obj,src/server/main.c) $(SRV_A) $(COMMON_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $$(pkg-config --libs $(PKGS)) $(LIBS)

# acdproxy is a TAPI client: it links libtapi32 like any application.
$(B)/acdproxy: $(call obj,src/acd/main.c) $(ACD_A) $(COMMON_A) $(LIBTAPI)
	$(CC) $(LDFLAGS_ALL) -o $@ $(call obj,src/acd/main.c) $(ACD_A) $(COMMON_A) \
	    -Wl,-rpath,'$$ORIGIN' -Wl,-rpath,'$$ORIGIN/../lib' -L$(B) -ltapi32 $(ACD_LIBS) \
	    $$(pkg-config --libs $(PKGS)) $(LIBS)

# tapictl uses only tapi.h and libtapi32, like any application: no src/common.
$(call obj,$(TAPICTL_SRC)): ALLCFLAGS := $(filter-out -Isrc/common,$(ALLCFLAGS)) \
    -DTAPIX_VERSION='"$(LIBVER)"'
$(B)/tapictl: $(call obj,$(TAPICTL_SRC)) $(LIBTAPI)
	$(CC) $(LDFLAGS_ALL) -o $@ $(call obj,$(TAPICTL_SRC)) \
	    -Wl,-rpath,'$$ORIGIN' -Wl,-rpath,'$$ORIGIN/../lib' -L$(B) -ltapi32 -lm

# tapibench, like tapictl, uses only tapi.h and libtapi32.
$(call obj,$(TAPIBENCH_SRC)): ALLCFLAGS := $(filter-out -Isrc/common,$(ALLCFLAGS))
$(B)/tapibench: $(call obj,$(TAPIBENCH_SRC)) $(LIBTAPI)
	$(CC) $(LDFLAGS_ALL) -o $@ $(call obj,$(TAPIBENCH_SRC)) -Wl,-rpath,'$$ORIGIN' -L$(B) -ltapi32 -lm

# --- tests ---------------------------------------------------------------------
TEST_LINK := -Wl,-rpath,'$$ORIGIN/..' -L$(B) -ltapi32 -lcmocka $(PG_LIBS) $(LIBS)

$(B)/tests/test_layout: tests/unit/test_layout.c tests/unit/layout_expected.h include/tapi.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) -Iinclude -Itests/unit $< -o $@ -lcmocka

$(B)/tests/test_layout_v31: tests/unit/test_layout.c tests/unit/layout_expected.h include/tapi.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) -DTAPI_CURRENT_VERSION=0x00030001 \
	    -Iinclude -Itests/unit $< -o $@ -lcmocka

# A unit test may name extra objects (UNIT_EXTRA_<name> for tests/unit/test_<name>.c).
UNIT_EXTRA_acd_store := $(call obj,tests/integration/pgtest.c)
$(B)/tests/test_acd_store: $(UNIT_EXTRA_acd_store)
$(B)/tests/test_%: $(B)/obj/tests/unit/test_%.o $(SRV_A) $(ACD_A) $(COMMON_A) $(LIBTAPI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(UNIT_EXTRA_$*) $(SRV_A) $(ACD_A) $(COMMON_A) -lcmocka \
	    -Wl,-rpath,'$$ORIGIN/..' -L$(B) -ltapi32 $(ACD_LIBS) $$(pkg-config --libs $(PKGS)) $(LIBS)

$(INTEG_BIN) $(HELP_BIN): $(B)/tests/%: $(B)/obj/tests/integration/%.o $(HARNESS_OBJ) $(COMMON_A) $(LIBTAPI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(HARNESS_OBJ) $(COMMON_A) $(TEST_LINK)

# The soak test (not a test_* suite: make soak runs it).
$(SOAK_BIN): $(B)/obj/tests/soak/soak.o $(HARNESS_OBJ) $(COMMON_A) $(LIBTAPI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(HARNESS_OBJ) $(COMMON_A) $(TEST_LINK)

# The usage program, compiled as C11 and as C++ by gcc and by clang with every
# warning an error, and linked against libtapi32: the header is
# source-compatible and warning-free, and every function it declares exists.
CHECK_FLAGS := -Wall -Wextra -Werror $(SANFLAGS) -Iinclude
CHECK_LINK  := -Wl,-rpath,'$$ORIGIN/..' -L$(B) -ltapi32
$(B)/tests/compile-c-gcc: tests/compile/api_usage.c include/tapi.h $(LIBTAPI)
	@mkdir -p $(dir $@)
	gcc -std=c11 -pedantic $(CHECK_FLAGS) $< -o $@ $(CHECK_LINK)
$(B)/tests/compile-c-clang: tests/compile/api_usage.c include/tapi.h $(LIBTAPI)
	@mkdir -p $(dir $@)
	clang -std=c11 -pedantic $(CHECK_FLAGS) $< -o $@ $(CHECK_LINK)
$(B)/tests/compile-cxx-gcc: tests/compile/api_usage.c include/tapi.h $(LIBTAPI)
	@mkdir -p $(dir $@)
	g++ -x c++ -std=c++11 $(CHECK_FLAGS) $< -x none -o $@ $(CHECK_LINK)
$(B)/tests/compile-cxx-clang: tests/compile/api_usage.c include/tapi.h $(LIBTAPI)
	@mkdir -p $(dir $@)
	clang++ -x c++ -std=c++11 $(CHECK_FLAGS) $< -x none -o $@ $(CHECK_LINK)

# --- benchmarks ------------------------------------------------------------------
$(B)/bench/%: $(B)/obj/tests/bench/%.o $(SRV_A) $(COMMON_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lm $(LIBS)

# --- entry points ------------------------------------------------------------------
# VALGRIND=1: every process of the suites under valgrind memcheck, the
# harness's start/stop deadlines and watchdog stretched TAPIX_TIME_SCALE (10) times.
ifeq ($(VALGRIND),1)
TEST_ENV := TAPIX_VALGRIND=1 TAPIX_TIME_SCALE=$${TAPIX_TIME_SCALE:-10} \
            TAPIX_VALGRIND_SUPP=$(CURDIR)/tests/valgrind.supp
endif
test: deps
	@$(MAKE) --no-print-directory all
	@$(TEST_ENV) scripts/run-tests.sh $(B)

# make soak SOAK_SECONDS=N: tapisrv and acdproxy under 50 apps' mixed load with
# injected disconnects for N seconds (tests/soak/soak.c says what must hold).
SOAK_SECONDS ?= 600
soak: deps
	@$(MAKE) --no-print-directory all
	$(B)/tests/soak --seconds $(SOAK_SECONDS)

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh $(B)

BENCH_ARGS ?=
bench: deps
	@$(MAKE) --no-print-directory all
	@for b in $(BENCH_BIN); do $$b || exit 1; done
	$(B)/tapibench $(BENCH_ARGS)

install: $(LIBTAPI) $(TAPISRV) $(ACDPROXY) $(TAPICTL)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 0644 include/tapi.h include/tapix.h $(DESTDIR)$(PREFIX)/include/
	install -m 0755 $(LIBTAPI_V) $(DESTDIR)$(PREFIX)/lib/libtapi32.so.$(LIBVER)
	ln -sf libtapi32.so.$(LIBVER) $(DESTDIR)$(PREFIX)/lib/libtapi32.so.$(SOVERSION)
	ln -sf libtapi32.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libtapi32.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(LIBVER)|g' tapi32.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tapi32.pc
	$(if $(TAPISRV),install -m 0755 $(TAPISRV) $(DESTDIR)$(PREFIX)/bin/tapisrv)
	$(if $(ACDPROXY),install -m 0755 $(ACDPROXY) $(DESTDIR)$(PREFIX)/bin/acdproxy)
	$(if $(TAPICTL),install -m 0755 $(TAPICTL) $(DESTDIR)$(PREFIX)/bin/tapictl)
	$(if $(wildcard etc/bash_completion.d/tapictl),install -D -m 0644 etc/bash_completion.d/tapictl \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tapictl)
	@if [ -d docs/man ]; then for m in docs/man/*.[0-9]; do \
	    s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
	    install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done; fi

# --- fuzzing (libFuzzer) -------------------------------------------------------
# make fuzz FUZZ_SECONDS=N: every target in tests/fuzz/fuzz_*.c for N seconds,
# starting from its seed corpus in tests/fuzz/corpus/<name>/ (copied, so runs
# do not rewrite the repository's seeds).  A crash stops the run with the
# reproducer in build/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_COMMON  := $(filter-out src/common/sockpath.c,$(COMMON_SRC))
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -Iinclude -Isrc/common $(PG_CFLAGS)

# Targets that reach beyond src/common name their extra sources and libraries
# (FUZZ_EXTRA_<name>, FUZZ_LIBS_<name>); the rest link src/common alone.
FUZZ_EXTRA_server := $(SRV_SRC)
FUZZ_LIBS_server  := -linih
FUZZ_EXTRA_config := $(SRV_SRC)
FUZZ_LIBS_config  := -linih
FUZZ_EXTRA_client := $(LIB_SRC) src/common/sockpath.c
FUZZ_LIBS_client  := -lpthread
FUZZ_EXTRA_admin  := $(ACD_SRC) $(LIB_SRC) src/common/sockpath.c
FUZZ_LIBS_admin   := $(ACD_LIBS) -linih -lpthread
build/fuzz/fuzz_server: $(FUZZ_EXTRA_server) $(wildcard src/server/*.h)
build/fuzz/fuzz_config: $(FUZZ_EXTRA_config) $(wildcard src/server/*.h)
build/fuzz/fuzz_client: $(FUZZ_EXTRA_client) $(wildcard src/lib/*.h include/*.h)
build/fuzz/fuzz_admin:  $(FUZZ_EXTRA_admin) $(wildcard src/acd/*.h src/lib/*.h)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON) $(wildcard src/common/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) $< $(FUZZ_COMMON) $(FUZZ_EXTRA_$*) $(FUZZ_LIBS_$*) -o $@

build/fuzz/gen_seeds: tests/fuzz/gen_seeds.c $(COMMON_SRC)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Iinclude -Isrc/common $< $(COMMON_SRC) -o $@

.PHONY: fuzz fuzz-seeds
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$${f##*/fuzz_}; rm -rf build/fuzz/work_$$n; \
	    mkdir -p build/fuzz/work_$$n; cp tests/fuzz/corpus/$$n/* build/fuzz/work_$$n/ 2>/dev/null; \
	    echo "fuzz $$n: $(FUZZ_SECONDS) s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/$$n- \
	        build/fuzz/work_$$n 2>build/fuzz/$$n.log || { tail -40 build/fuzz/$$n.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|stat::peak_rss' build/fuzz/$$n.log; done

fuzz-seeds: build/fuzz/gen_seeds
	build/fuzz/gen_seeds tests/fuzz/corpus

clean:
	rm -rf build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
