#!/bin/sh
# Builds the stress interpreter of `make check-stress`: Lua 5.4 from
# Debian's source package, compiled with its own test options
#   HARDMEMTESTS       every GC check (each allocation the API or the VM
#                      makes) runs a full collection, finalizers included
#                      (llimits.h condchangemem -> luaC_fullgc(L, 0));
#   LUAI_ASSERT        Lua's internal assertions (lua_assert) on;
#   LUA_USE_APICHECK   the C API's argument checks (api_check) on;
# and ASan+UBSan, into build-stress/lua (lua.c, the library linked in,
# its symbols exported for the C modules it loads).
# usage: tools/stress_lua.sh OUTDIR "SAN_FLAGS"
set -eu
out=${1:-build-stress}
san=${2:--O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer}
mkdir -p "$out"
src=$(ls -d "$out"/lua5.4-*/src 2>/dev/null | head -n 1 || true)
if [ -z "$src" ]; then
  # apt-get source needs a deb-src entry for Debian's main archive.
  if ! grep -rqs -E '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "stress: no deb-src entry in /etc/apt; as root this script adds /etc/apt/sources.list.d/pyssl-src.sources" >&2
      exit 1
    fi
    suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$suite" > /etc/apt/sources.list.d/pyssl-src.sources
    apt-get update -qq
  fi
  ( cd "$out" && { apt-get source -qq lua5.4 >/dev/null 2>&1 || { apt-get update -qq && apt-get source -qq lua5.4; }; } )
  src=$(ls -d "$out"/lua5.4-*/src | head -n 1)
fi
grep -q 'HARDMEMTESTS' "$src/llimits.h" || { echo "stress: $src/llimits.h has no HARDMEMTESTS" >&2; exit 1; }
ln -sfn "$(cd "$src" && pwd)" "$out/lua-src"
# The interpreter: every library file but luac.c, plus lua.c.
files=$(ls "$src"/*.c | grep -v '/luac\.c$')
# shellcheck disable=SC2086
${CC:-cc} $san -DHARDMEMTESTS -DLUAI_ASSERT -DLUA_USE_APICHECK -DLUA_USE_LINUX -DLUA_COMPAT_5_3 \
  -I"$src" -o "$out/lua.tmp" $files -Wl,-E -lm -ldl
mv "$out/lua.tmp" "$out/lua"
echo "stress: built $out/lua (Lua $(basename "$(dirname "$src")"), HARDMEMTESTS + LUAI_ASSERT + LUA_USE_APICHECK, flags: $san)"
