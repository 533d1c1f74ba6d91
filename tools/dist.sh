#!/bin/sh
# make dist: the source rock of HEAD, packed offline. pyssl has no public
# home yet, so the rockspec's source is the tarball made here: a copy of
# the rockspec beside it gets the tarball's absolute file:// URL (luarocks
# resolves a relative one against its temporary directory), then
# `luarocks lint` and `luarocks pack` run on that copy.
# Output: build/dist/pyssl-V.tar.gz, pyssl-V-R.rockspec, pyssl-V-R.src.rock
set -eu
spec=$(ls *.rockspec)
rockver=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$spec")
name=pyssl-${rockver%-*}
out=build/dist
rm -rf "$out"
mkdir -p "$out"
git archive --prefix="$name/" HEAD | gzip -n > "$out/$name.tar.gz"
abs=$(cd "$out" && pwd)
sed "s|url = \"file://$name.tar.gz\"|url = \"file://$abs/$name.tar.gz\"|" "$spec" > "$out/$spec"
grep -q "file://$abs/$name.tar.gz" "$out/$spec" || { echo "dist: no source url to rewrite in $spec" >&2; exit 1; }
luarocks lint "$out/$spec"
(cd "$out" && luarocks pack "$spec" >/dev/null)
ls "$out/$name-${rockver#*-}.src.rock" >/dev/null 2>&1 || ls "$out"/*.src.rock
echo "dist: $out/$(cd "$out" && ls *.src.rock)"
