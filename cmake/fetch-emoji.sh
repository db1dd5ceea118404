#!/bin/sh
# Fetches the 64x64 Twitter emoji PNGs (npm package emoji-datasource-twitter; npm pack
# downloads the tarball, nothing is installed) into DIR (default ${XGAN_DATA:-data}/emoji),
# for `xgan train --model dcgan64 --data folder:DIR`.
set -eu
dir=${1:-${XGAN_DATA:-data}/emoji}
if [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then echo "emoji already in $dir"; exit 0; fi
command -v npm >/dev/null || { echo "fetch-emoji: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent emoji-datasource-twitter >/dev/null)
tar -xzf "$tmp"/emoji-datasource-twitter-*.tgz -C "$tmp" package/img/twitter/64
mkdir -p "$dir"
cp "$tmp"/package/img/twitter/64/*.png "$dir"/
echo "$(ls "$dir" | wc -l) emoji PNGs in $dir"
