# pyssl — CPython's ssl module for Lua.
#   make demo    the main job: a verified TLS conversation, start to end
#   make test    build, generate the test PKI, run every spec
#   make test-py313  the same with Python 3.13 as the oracle (pyenv)
#   make check   the specs under AddressSanitizer + UBSan, then valgrind, then the debug build
#   make check-testssl  testssl.sh probes a pyssl server on the sanitized core
#   make bench   pyssl side by side with C, Python's ssl and LuaSec
#   make compat  the C core built for Lua 5.1, LuaJIT, 5.2, 5.3, 5.4 + a smoke test each
#   make test LUA=luajit   the specs on another Lua (lua5.1, lua5.2, lua5.3, luajit)
#   make test-all-luas     the full suite on all five, with per-version counts and times
#   make check-rocks       luarocks installs pyssl for Lua 5.1-5.4 (and LuaJIT loads it)
#   make fuzz    libFuzzer on certificate decoding for FUZZ_SECONDS (default 60)
#   make check-nginx  pyssl in a real nginx (lua-nginx-module): TLS upstreams over cosockets
#   make dist    the source rock of HEAD (build/dist/pyssl-V-R.src.rock), packed offline
#   make check-stress  specs on Lua 5.4 built with HARDMEMTESTS (+ a finalizer mix)
#   make check-oom     out-of-memory sweep (Lua's and OpenSSL's allocators)
#   make fuzz-api      stateful API fuzzer for FUZZ_SECONDS from FUZZ_SEED
#   make check-reliability  the three above, short (part of `make check`)
# Packages missing on a Debian machine are installed first (tools/deps.sh).

# LUA: lua5.4 (default), lua5.3, lua5.2, lua5.1 or luajit; its headers are
# the pkg-config module of the same name. Every Lua but 5.4 builds into
# build/<lua>/ so that versions do not overwrite each other's core.
LUA      ?= lua5.4
LUA_PC   ?= $(notdir $(LUA))
CC       ?= cc
CFLAGS   ?= -O2 -g
WARNINGS  = -Wall -Wextra -Werror
BUILD    ?= $(if $(filter lua5.4,$(notdir $(LUA))),build,build/$(notdir $(LUA)))
# The Debian packages of each Lua (interpreter, headers); OpenResty's
# LuaJIT (luajit2), whose packages do not conflict with nginx's lua module.
LUA_PKGS_lua5.1 = lua5.1 liblua5.1-0-dev
LUA_PKGS_lua5.2 = lua5.2 liblua5.2-dev
LUA_PKGS_lua5.3 = lua5.3 liblua5.3-dev
LUA_PKGS_luajit = luajit2 libluajit2-5.1-dev
LUA_PKGS = $(LUA_PKGS_$(notdir $(LUA)))

# Recursive (=), not immediate: pkg-config must run after `deps`.
PKG_CFLAGS = $(shell pkg-config --cflags $(LUA_PC) openssl)
PKG_LIBS   = $(shell pkg-config --libs openssl)

# Relative relocations packed (DT_RELR) where the linker and C library can:
# the loader then reads a few hundred bytes instead of ~70 KB of .rela.dyn,
# 44 KiB less RSS per process (bench/NOTES.md, 2026-12-07, bare process).
RELR_LDFLAGS := $(shell t=$$(mktemp) && $(CC) -shared -fPIC -Wl,-z,pack-relative-relocs -Wl,--fatal-warnings \
	-x c /dev/null -o $$t >/dev/null 2>&1 && echo -Wl,-z,pack-relative-relocs; rm -f $$t)

SRC  := $(wildcard src/*.c)
OBJ   = $(SRC:src/%.c=$(BUILD)/obj/%.o)
SO    = $(BUILD)/pyssl/core.so
PKI  := $(CURDIR)/build/pki

export LUA_PATH  := $(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;
export LUA_CPATH  = $(CURDIR)/$(BUILD)/?.so;;
export PYSSL_PKI := $(PKI)
# The example host (examples/host) and the C API probe, run by spec/host_spec.lua.
export PYSSL_HOST := $(CURDIR)/$(BUILD)/host
export PYSSL_CAPI_PROBE := $(CURDIR)/$(BUILD)/capi_probe.so

SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The debug build: internal invariants checked (PYSSL_ASSERT, src/pyssl.h), no optimisation, UBSan.
DEBUG_FLAGS = -O0 -g -DPYSSL_DEBUG -fsanitize=undefined -fno-sanitize-recover=all

.PHONY: all deps build pki test test-all-luas demo check check-asan check-valgrind check-debug check-testssl check-nginx bench compat check-rocks fuzz fuzz-build rock clean
.PHONY: check-reliability check-stress check-stress-valgrind stress-build check-oom fuzz-api fuzz-api-stress

all: build

deps:
	@tools/deps.sh $(LUA_PKGS)

build: $(SO)

$(BUILD)/obj/%.o: src/%.c src/pyssl.h src/pyssl_api.h src/compat.h src/err_names.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -fPIC -fvisibility=hidden $(PKG_CFLAGS) -c $< -o $@

$(SO): $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(RELR_LDFLAGS) -shared -o $@ $(OBJ) $(PKG_LIBS)

# The example C host that embeds Lua and pyssl (examples/host/host.c): a
# Lua 5.4 program, built when the specs run on 5.4.
HOST_BUILD = $(if $(filter lua5.4,$(notdir $(LUA_PC))),$(BUILD)/host)
$(BUILD)/host: examples/host/host.c src/pyssl_api.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) $(PKG_CFLAGS) -Isrc -o $@ $< $(LDFLAGS) $$(pkg-config --libs $(LUA_PC) openssl) -lm -ldl

# A Lua module calling the C API as a host does, for spec/host_spec.lua.
$(BUILD)/capi_probe.so: spec/support/capi_probe.c src/pyssl_api.h
	$(CC) $(CFLAGS) $(WARNINGS) -fPIC -shared $(PKG_CFLAGS) -Isrc -o $@ $< $(LDFLAGS) $(PKG_LIBS)

# Regenerate the OpenSSL error mnemonics (needs only the headers). Through a
# temporary file: a generator that fails (no lua5.4 yet) must not leave an
# empty header behind for the next build.
src/err_names.h: tools/gen_err_names.lua
	$(LUA) tools/gen_err_names.lua $$(pkg-config --variable=includedir openssl)/openssl > $@.tmp || { rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

pki:
	@sh spec/support/mkpki.sh $(PKI)

test: deps
	@$(MAKE) --no-print-directory build $(HOST_BUILD) $(BUILD)/capi_probe.so >/dev/null
	@$(MAKE) --no-print-directory pki
	@LUA=$(LUA) tools/run_specs.sh $(SPECS)

# The full suite under each Lua (tools/test_all_luas.sh; logs in build/test-<lua>.log).
test-all-luas: deps
	@tools/deps.sh $(COMPAT_PKGS)
	@MAKE="$(MAKE)" tools/test_all_luas.sh

# Every spec with Python 3.13 (pyenv) as the oracle instead of python3
# (3.11): pyssl mirrors 3.14, so 3.13's answers are the ones to match
# (README, "Where pyssl follows 3.14 (or 3.13) over 3.11").
PY313 ?= env PYENV_VERSION=3.13.0 python3
.PHONY: test-py313
test-py313: deps
	@$(MAKE) --no-print-directory build >/dev/null
	@$(MAKE) --no-print-directory pki
	@$(PY313) -c 'import sys; assert sys.version_info[:2] == (3, 13), sys.version' \
	  || { echo "test-py313: $(PY313) is not Python 3.13"; exit 1; }
	@echo "== specs against $$($(PY313) -c 'import sys; print(sys.version.split()[0])')"
	@PYSSL_PYTHON="$(PY313)" PYSSL_PYTHON_NEWER="$(PY313)" LUA=$(LUA) tools/run_specs.sh $(SPECS)

demo: deps
	@$(MAKE) --no-print-directory build >/dev/null
	@$(LUA) examples/demo.lua

check: check-asan check-valgrind check-debug check-reliability

# The sanitized core runs in a sanitized interpreter (tools/luahost.c), so
# that the programs the specs start stay uninstrumented.
build-asan/luahost: tools/luahost.c src/compat.h
	@mkdir -p build-asan
	$(CC) $(SAN_FLAGS) $(WARNINGS) $(PKG_CFLAGS) -Isrc -o $@ $< $$(pkg-config --libs $(LUA_PC) openssl) -lm -ldl

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build build-asan/luahost build-asan/host build-asan/capi_probe.so >/dev/null
	@$(MAKE) --no-print-directory pki
	@echo "== specs under AddressSanitizer + UBSan"
	@LUA_CPATH="$(CURDIR)/build-asan/?.so;;" PYSSL_HOST=$(CURDIR)/build-asan/host PYSSL_CAPI_PROBE=$(CURDIR)/build-asan/capi_probe.so \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp PYSSL_SLOW=1 \
	  LUA=$(CURDIR)/build-asan/luahost tools/run_specs.sh $(SPECS)

check-valgrind: deps
	@tools/deps.sh valgrind
	@$(MAKE) --no-print-directory build $(BUILD)/host $(BUILD)/capi_probe.so >/dev/null
	@$(MAKE) --no-print-directory pki
	@echo "== specs under valgrind"
	@RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --suppressions=$(CURDIR)/tools/valgrind.supp" \
	  PYSSL_SLOW=1 SPEC_TIMEOUT=900 LUA=$(LUA) tools/run_specs.sh $(SPECS)

# Every spec on the debug build of the core (and of the example host).
check-debug: deps
	@$(MAKE) --no-print-directory BUILD=build-debug CFLAGS="$(DEBUG_FLAGS)" LDFLAGS="-fsanitize=undefined" build build-debug/host build-debug/capi_probe.so >/dev/null
	@$(MAKE) --no-print-directory pki
	@echo "== specs on the debug build (PYSSL_DEBUG assertions, -O0, UBSan)"
	@LUA_CPATH="$(CURDIR)/build-debug/?.so;;" PYSSL_HOST=$(CURDIR)/build-debug/host \
	  PYSSL_CAPI_PROBE=$(CURDIR)/build-debug/capi_probe.so UBSAN_OPTIONS=print_stacktrace=1 \
	  LUA=$(LUA) tools/run_specs.sh $(SPECS)

# testssl.sh's ~160 probing connections against the echo server on the
# sanitized core (a few minutes; not part of `make check`).
check-testssl: deps
	@tools/deps.sh testssl.sh
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build build-asan/luahost >/dev/null
	@$(MAKE) --no-print-directory pki
	@tools/testssl_check.sh

# Debian's nginx with lua-nginx-module (OpenResty's LuaJIT: luajit2, never
# Debian's luajit, which conflicts with it), pyssl's core built for that
# LuaJIT into build/nginx/luajit, then tools/nginx_check.sh.
check-nginx: deps
	@tools/deps.sh nginx libnginx-mod-http-lua luajit2 libluajit2-5.1-dev curl
	@$(MAKE) --no-print-directory BUILD=build/nginx/luajit LUA_PC=luajit build >/dev/null
	@$(MAKE) --no-print-directory pki
	@tools/nginx_check.sh build/nginx/luajit $(PKI)

bench: deps
	@$(MAKE) --no-print-directory build >/dev/null
	@$(MAKE) --no-print-directory deps build LUA=luajit >/dev/null
	@$(MAKE) --no-print-directory -C bench run

# The C core against every Lua version (the core alone): each built
# into build/compat/<lua>/ by the rules above, then tools/compat_smoke.lua.
COMPAT_LUAS = lua5.1 luajit lua5.2 lua5.3 lua5.4
COMPAT_PKGS = $(LUA_PKGS_lua5.1) $(LUA_PKGS_luajit) $(LUA_PKGS_lua5.2) $(LUA_PKGS_lua5.3)

compat: deps
	@tools/deps.sh $(COMPAT_PKGS)
	@MAKE="$(MAKE)" tools/compat.sh $(COMPAT_LUAS)

# `luarocks --lua-version=V make` for each V into a temporary tree, then
# require "pyssl" from that tree alone (tools/rock_check.sh).
ROCK_LUAS ?= 5.1 5.2 5.3 5.4
check-rocks: deps
	@tools/deps.sh $(COMPAT_PKGS)
	@tools/rock_check.sh $(ROCK_LUAS)

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
	$(MAKE) --no-print-directory $(BUILD)/host $(BUILD)/capi_probe.so
	LUA_PATH="$(CURDIR)/$(BUILD)/rocktree/share/lua/5.4/?.lua;$(CURDIR)/$(BUILD)/rocktree/share/lua/5.4/?/init.lua;;" \
	LUA_CPATH="$(CURDIR)/$(BUILD)/rocktree/lib/lua/5.4/?.so;;" $(MAKE) --no-print-directory pki
	LUA_PATH="$(CURDIR)/$(BUILD)/rocktree/share/lua/5.4/?.lua;$(CURDIR)/$(BUILD)/rocktree/share/lua/5.4/?/init.lua;;" \
	LUA_CPATH="$(CURDIR)/$(BUILD)/rocktree/lib/lua/5.4/?.so;;" LUA=$(LUA) tools/run_specs.sh $(SPECS)

# The source rock of HEAD, packed offline (tools/dist.sh): build/dist/*.src.rock.
.PHONY: dist
dist: deps
	@tools/dist.sh

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

# Out-of-memory sweep: tools/luahost.c runs tools/oom_workload.lua with the
# allocator failing from the N-th allocation on, for every N (Lua's
# allocator) and for OOM_RUNS_OPENSSL values of N (OpenSSL's).
check-oom: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build build-asan/luahost >/dev/null
	@$(MAKE) --no-print-directory pki
	@echo "== out-of-memory sweep (ASan + LeakSanitizer)"
	@LUA_CPATH="$(CURDIR)/build-asan/?.so;;" LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp \
	  OOMHOST=build-asan/luahost tools/oom_sweep.sh

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
	rm -rf build build-asan build-fuzz build-debug build-stress build-stress-vg build-oom build-fuzz-api build-fuzz-api-stress
