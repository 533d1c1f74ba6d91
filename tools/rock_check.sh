#!/bin/sh
# Installs pyssl with luarocks (`luarocks --lua-version=V make`, what users
# run) for each Lua version given, each into its own temporary tree, then
# checks from that tree alone that require "pyssl", "pyssl.socket" and
# "pyssl.select" work and that a verified context and a PEM round trip do.
# LuaJIT (luarocks' 5.1) loads the 5.1 tree's build too. One line per
# version, then "N passed, N failed".
# usage: tools/rock_check.sh 5.1 5.3 ...
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# What runs from the installed tree (nothing else on the paths).
CHECK='local ssl = require "pyssl"
local socket = require "pyssl.socket"
local select = require "pyssl.select"
assert(type(socket.create_connection) == "function" and type(select.select) == "function")
local ctx = ssl.create_default_context()
assert(ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname == true)
assert(ssl.PEM_cert_to_DER_cert(ssl.DER_cert_to_PEM_cert("der")) == "der")
print(package.searchpath and package.searchpath("pyssl", package.path) or "ok")'

# run LUA TREE V: the check under interpreter LUA with only TREE on the paths
run() {
  LUA_PATH="$2/share/lua/$3/?.lua;$2/share/lua/$3/?/init.lua" LUA_CPATH="$2/lib/lua/$3/?.so" \
    timeout 60 "$1" -e "$CHECK" 2>&1
}

report() {   # name, rc, output
  if [ "$2" -eq 0 ]; then
    printf '%-8s ok: %s\n' "$1" "$(printf '%s' "$3" | tail -n 1)"
    passed=$((passed + 1))
  else
    printf '%-8s FAILED:\n%s\n' "$1" "$3"
    failed=$((failed + 1))
  fi
}

for v in "$@"; do
  tree="$tmp/$v"
  if ! log=$(luarocks --lua-version="$v" --tree="$tree" make 2>&1); then
    report "lua$v" 1 "luarocks --lua-version=$v make failed: $log"
    continue
  fi
  out=$(run "lua$v" "$tree" "$v"); report "lua$v" $? "$out"
  if [ "$v" = 5.1 ] && command -v luajit >/dev/null 2>&1; then
    out=$(run luajit "$tree" "$v"); report "luajit" $? "$out"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
