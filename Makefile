# pyssl — CPython's ssl module for Lua.
#   make demo    the main job: a verified TLS conversation, start to end
#   make test    build, generate the test PKI, run every spec
#   make check   the specs under AddressSanitizer + UBSan, then valgrind
#   make check-testssl  testssl.sh probes a pyssl server on the sanitized core
#   make bench   pyssl side by side with C, Python's ssl and LuaSec
#   make compat  the C core built for Lua 5.1, LuaJIT, 5.2, 5.3, 5.4 + a smoke test each
#   make fuzz    libFuzzer on certificate decoding for FUZZ_SECONDS (default 60)
#   make check-stress  specs on Lua 5.4 built with HARDMEMTESTS (+ a finalizer mix)
#   make check-oom     out-of-memory sweep (Lua's and OpenSSL's allocators)
#   make fuzz-api      stateful API fuzzer for FUZZ_SECONDS from FUZZ_SEED
#   make check-reliability  the three above, short (part of `make check`)
# Packages missing on a Debian machine are installed first (tools/deps.sh).

LUA      ?= lua5.4
LUA_PC   ?= lua5.4
CC       ?= cc
CFLAGS   ?= -O2 -g
WARNINGS  = -Wall -Wextra -Werror
BUILD    ?= build

# Recursive (=), not immediate: pkg-config must run after `deps`.
PKG_CFLAGS = $(shell pkg-config --cflags $(LUA_PC) openssl)
PKG_LIBS   = $(shell pkg-config --libs openssl)

SRC  := $(wildcard src/*.c)
OBJ   = $(SRC:src/%.c=$(BUILD)/obj/%.o)
SO    = $(BUILD)/pyssl/core.so
PKI  := $(CURDIR)/build/pki

export LUA_PATH  := $(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;
export LUA_CPATH  = $(CURDIR)/$(BUILD)/?.so;;
export PYSSL_PKI := $(PKI)

SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all deps build pki test demo check check-asan check-valgrind check-testssl bench compat fuzz fuzz-build rock clean
.PHONY: check-reliability check-stress check-stress-valgrind stress-build check-oom fuzz-api fuzz-api-stress

all: build

deps:
	@tools/deps.sh

build: $(SO)

$(BUILD)/obj/%.o: src/%.c src/pyssl.h src/compat.h src/err_names.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -fPIC $(PKG_CFLAGS) -c $< -o $@

$(SO): $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -o $@ $(OBJ) $(PKG_LIBS)

# Regenerate the OpenSSL error mnemonics (needs only the headers).
src/err_names.h: tools/gen_err_names.lua
	$(LUA) tools/gen_err_names.lua $$(pkg-config --variable=includedir openssl)/openssl > $@

pki:
	@sh spec/support/mkpki.sh $(PKI)

test: deps
	@$(MAKE) --no-print-directory build >/dev/null
	@$(MAKE) --no-print-directory pki
	@LUA=$(LUA) tools/run_specs.sh $(SPECS)

demo: deps
	@$(MAKE) --no-print-directory build >/dev/null
	@$(LUA) examples/demo.lua

check: check-asan check-valgrind check-reliability

# The sanitized core runs in a sanitized interpreter (tools/luahost.c), so
# that the programs the specs start stay uninstrumented.
build-asan/luahost: tools/luahost.c
	@mkdir -p build-asan
	$(CC) $(SAN_FLAGS) $(WARNINGS) $(PKG_CFLAGS) -o $@ $< $$(pkg-config --libs $(LUA_PC)) -lm -ldl

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build build-asan/luahost >/dev/null
	@$(MAKE) --no-print-directory pki
	@echo "== specs under AddressSanitizer + UBSan"
	@LUA_CPATH="$(CURDIR)/build-asan/?.so;;" \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp PYSSL_SLOW=1 \
	  LUA=$(CURDIR)/build-asan/luahost tools/run_specs.sh $(SPECS)

check-valgrind: deps
	@tools/deps.sh valgrind
	@$(MAKE) --no-print-directory build >/dev/null
	@$(MAKE) --no-print-directory pki
	@echo "== specs under valgrind"
	@RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --suppressions=$(CURDIR)/tools/valgrind.supp" \
	  PYSSL_SLOW=1 SPEC_TIMEOUT=900 LUA=$(LUA) tools/run_specs.sh $(SPECS)

# testssl.sh's ~160 probing connections against the echo server on the
# sanitized core (a few minutes; not part of `make check`).
check-testssl: deps
	@tools/deps.sh testssl.sh
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build build-asan/luahost >/dev/null
	@$(MAKE) --no-print-directory pki
	@tools/testssl_check.sh

bench: deps
	@$(MAKE) --no-print-directory build >/dev/null
	@$(MAKE) --no-print-directory -C bench run

# The C core against every Lua version (the facade needs 5.4): each built
# into build/compat/<lua>/ by the rules above, then tools/compat_smoke.lua.
COMPAT_LUAS = lua5.1 luajit lua5.2 lua5.3 lua5.4
COMPAT_PKGS = lua5.1 liblua5.1-0-dev luajit libluajit-5.1-dev lua5.2 liblua5.2-dev lua5.3 liblua5.3-dev

compat: deps
	@tools/deps.sh $(COMPAT_PKGS)
	@MAKE="$(MAKE)" tools/compat.sh $(COMPAT_LUAS)

# libFuzzer on certificate decoding (fuzz/x509_fuzz.c, the core's objects
# linked in statically), started from fuzz/corpus plus seeds made from the
# test PKI by fuzz/mkseeds.sh. New inputs go to build-fuzz/corpus; a crash
# is written to build-fuzz/crash-*. Not part of `make test` or `make check`.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

fuzz: fuzz-build
	@$(MAKE) --no-print-directory pki
	@sh fuzz/mkseeds.sh $(PKI) build-fuzz/seeds
	@mkdir -p build-fuzz/corpus
	@echo "== libFuzzer on certificate decoding for $(FUZZ_SECONDS) s"
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  build-fuzz/x509_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -max_len=16384 -use_value_profile=1 -dict=fuzz/x509.dict -print_final_stats=1 -artifact_prefix=build-fuzz/ \
	  build-fuzz/corpus build-fuzz/seeds fuzz/corpus 2>build-fuzz/fuzz.log; \
	  rc=$$?; grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|peak_rss_mb|new_units_added)|ERROR|SUMMARY|Test unit written' build-fuzz/fuzz.log; \
	  if [ $$rc -eq 0 ]; then echo "fuzz: no crash (log: build-fuzz/fuzz.log)"; else echo "fuzz: FAILED, see build-fuzz/fuzz.log"; exit 1; fi

fuzz-build: deps
	@tools/deps.sh clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" build-fuzz/x509_fuzz >/dev/null

build-fuzz/x509_fuzz: fuzz/x509_fuzz.c $(OBJ)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(WARNINGS) $(PKG_CFLAGS) -o $@ fuzz/x509_fuzz.c $(OBJ) \
	  $$(pkg-config --libs $(LUA_PC) openssl) -lm -ldl

# Install with luarocks into a local tree (what users do), then run the specs against it.
rock: deps
	luarocks --lua-version=5.4 --tree=$(BUILD)/rocktree make
	LUA_PATH="$(CURDIR)/$(BUILD)/rocktree/share/lua/5.4/?.lua;$(CURDIR)/$(BUILD)/rocktree/share/lua/5.4/?/init.lua;;" \
	LUA_CPATH="$(CURDIR)/$(BUILD)/rocktree/lib/lua/5.4/?.so;;" $(MAKE) --no-print-directory pki
	LUA_PATH="$(CURDIR)/$(BUILD)/rocktree/share/lua/5.4/?.lua;$(CURDIR)/$(BUILD)/rocktree/share/lua/5.4/?/init.lua;;" \
	LUA_CPATH="$(CURDIR)/$(BUILD)/rocktree/lib/lua/5.4/?.so;;" LUA=$(LUA) tools/run_specs.sh $(SPECS)

# Reliability (issue 11): C that holds a borrowed pointer across something
# that can run Lua. See HACKING.md, Tests.
check-reliability: check-oom check-stress
	@$(MAKE) --no-print-directory fuzz-api FUZZ_SECONDS=$(FUZZ_SECONDS_CHECK)

# The stress interpreter: Debian's Lua 5.4 source with HARDMEMTESTS (a full
# collection, finalizers included, at every GC check), Lua's assertions
# and API checks, ASan+UBSan (tools/stress_lua.sh); the core built against
# its headers into build-stress/.
STRESS_FLAGS = $(SAN_FLAGS)
STRESS_LDFLAGS = -fsanitize=address,undefined
STRESS_OUT = build-stress
$(STRESS_OUT)/lua: tools/stress_lua.sh
	@tools/stress_lua.sh $(STRESS_OUT) "$(STRESS_FLAGS)"

stress-build: deps
	@tools/deps.sh dpkg-dev
	@$(MAKE) --no-print-directory $(STRESS_OUT)/lua
	@$(MAKE) --no-print-directory BUILD=$(STRESS_OUT) CFLAGS="$(STRESS_FLAGS)" LDFLAGS="$(STRESS_LDFLAGS)" \
	  PKG_CFLAGS="-I$(CURDIR)/$(STRESS_OUT)/lua-src $$(pkg-config --cflags openssl)" build >/dev/null

# The specs that pass through the most C paths per CPU second (measured,
# HACKING.md); STRESS_SPECS="spec/*_spec.lua" runs all (hours).
STRESS_SPECS ?= spec/sslobject_spec.lua spec/session_spec.lua spec/sockmsg_spec.lua spec/socket_spec.lua spec/context_spec.lua
MIX_SEED ?= 1
STRESS_ENV = LUA_CPATH="$(CURDIR)/$(STRESS_OUT)/?.so;;" \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:max_free_fill_size=1048576 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp LUA=$(CURDIR)/$(STRESS_OUT)/lua SPEC_TIMEOUT=1800

check-stress: stress-build
	@$(MAKE) --no-print-directory pki
	@echo "== specs on Lua 5.4 HARDMEMTESTS + ASan/UBSan: $(or $(SPECS),$(STRESS_SPECS))"
	@$(STRESS_ENV) tools/run_specs.sh $(or $(SPECS),$(STRESS_SPECS))
	@echo "== the same with the finalizer mix (seed $(MIX_SEED)): no crash, no sanitizer report"
	@$(STRESS_ENV) PYSSL_MIX_SEED=$(MIX_SEED) tools/stress_mix.sh $(or $(SPECS),$(STRESS_SPECS))

# The same under valgrind: the stress interpreter without sanitizers (reads
# of freed memory inside libcrypto, which ASan does not see). Very slow.
STRESS_VALGRIND_SPECS ?= spec/session_spec.lua
check-stress-valgrind: deps
	@tools/deps.sh dpkg-dev valgrind
	@$(MAKE) --no-print-directory STRESS_OUT=build-stress-vg STRESS_FLAGS="-O1 -g" STRESS_LDFLAGS= stress-build
	@$(MAKE) --no-print-directory pki
	@echo "== specs on Lua 5.4 HARDMEMTESTS under valgrind, finalizer mix: $(or $(SPECS),$(STRESS_VALGRIND_SPECS))"
	@LUA_CPATH="$(CURDIR)/build-stress-vg/?.so;;" PYSSL_MIX_SEED=$(MIX_SEED) SPEC_TIMEOUT=3600 \
	  RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --suppressions=$(CURDIR)/tools/valgrind.supp" \
	  LUA=$(CURDIR)/build-stress-vg/lua \
	  tools/stress_mix.sh $(or $(SPECS),$(STRESS_VALGRIND_SPECS))

# Out-of-memory sweep: tools/oomhost.c runs tools/oom_workload.lua with the
# allocator failing from the N-th allocation on, for every N (Lua's
# allocator) and for OOM_RUNS_OPENSSL values of N (OpenSSL's).
build-asan/oomhost: tools/oomhost.c
	@mkdir -p build-asan
	$(CC) $(SAN_FLAGS) $(WARNINGS) $(PKG_CFLAGS) -o $@ $< $$(pkg-config --libs $(LUA_PC) openssl) -lm -ldl

check-oom: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build build-asan/oomhost >/dev/null
	@$(MAKE) --no-print-directory pki
	@echo "== out-of-memory sweep (ASan + LeakSanitizer)"
	@LUA_CPATH="$(CURDIR)/build-asan/?.so;;" LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp \
	  OOMHOST=build-asan/oomhost tools/oom_sweep.sh

# Stateful API fuzzer (fuzz/api_fuzz.lua) under the ASan host: seeds
# FUZZ_SEED, FUZZ_SEED+1, ... for FUZZ_SECONDS, after fuzz/api_seeds.txt.
FUZZ_SEED ?= 1
FUZZ_SECONDS_CHECK ?= 60
fuzz-api: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build build-asan/luahost >/dev/null
	@$(MAKE) --no-print-directory pki
	@echo "== stateful API fuzzer for $(FUZZ_SECONDS) s from seed $(FUZZ_SEED)"
	@LUA_CPATH="$(CURDIR)/build-asan/?.so;;" LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp \
	  LUA=build-asan/luahost FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) tools/fuzz_api.sh

# The fuzzer on the stress interpreter (a collection at every allocation:
# its planted finalizers fire inside the calls). Slow: ~10 s per seed.
fuzz-api-stress: stress-build
	@$(MAKE) --no-print-directory pki
	@echo "== stateful API fuzzer on Lua 5.4 HARDMEMTESTS for $(FUZZ_SECONDS) s from seed $(FUZZ_SEED)"
	@$(STRESS_ENV) OUT=build-fuzz-api-stress FUZZ_STEPS=100 FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) \
	  tools/fuzz_api.sh

clean:
	rm -rf build build-asan build-fuzz build-stress build-stress-vg build-oom build-fuzz-api build-fuzz-api-stress
