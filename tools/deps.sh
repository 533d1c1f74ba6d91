#!/bin/sh
# Installs the Debian packages pyssl needs to build, test and demo, when
# they are missing: with apt-get as root, otherwise prints the command.
# usage: tools/deps.sh [extra packages...]
set -eu
need="lua5.4 liblua5.4-dev libssl-dev openssl lua-busted lua-dkjson lua-socket luarocks pkg-config gcc make $*"
# The libraries of the ecosystem specs (pyssl.luasocket, .cqueues, .luv,
# copas, LuaSec side by side); Debian builds them for every Lua it has
# (copas for 5.1 and 5.2 only).
need="$need lua-sec lua-copas lua-cqueues lua-luv"
# python3 (the oracle of the differential tests) may come from elsewhere.
command -v python3 >/dev/null 2>&1 || need="$need python3"
missing=""
for pkg in $need; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "pyssl: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq $missing >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $missing; }
else
  echo "pyssl: missing packages:$missing"
  echo "run:   sudo apt-get install -y$missing"
  exit 1
fi
