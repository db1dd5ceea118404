#!/bin/sh
# The build dependencies for a machine without Debian's packages (the lent GPU machine: nvcc,
# CMake and ninja, but no xtensor, TBB, OpenBLAS, doctest, ...): downloads Debian's packages
# here and unpacks them into DIR/root (default .device-deps), with the links the package
# scripts would have made. .ci/device-cuda.sh builds against that folder; carry it along.
#   sh cmake/device-deps.sh [DIR]
set -eu
cd "$(dirname "$0")/.."
dir=${1:-.device-deps}
pkgs="libxtensor-dev xtl-dev libxsimd-dev libxtensor-blas-dev libopenblas-dev libopenblas-pthread-dev libopenblas0
libopenblas0-pthread libgfortran5 libtbb-dev libtbb12 libtbbmalloc2 libtbbbind-2-5 libhwloc15 doctest-dev libstb-dev libstb0 zlib1g-dev
nlohmann-json3-dev libbenchmark-dev libbenchmark1debian"
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root"
(cd "$dir/debs" && apt-get download $pkgs >/dev/null)
for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir/root"; done
# Debian points libblas/libopenblas at one of its builds through update-alternatives, which
# dpkg -x does not run: link the pthread build where CMake's FindBLAS and the loader look.
lib="$dir/root/usr/lib/x86_64-linux-gnu"
for so in libopenblas.so libopenblas.so.0 libblas.so libblas.so.3 libcblas.so libcblas.so.3; do
  target=openblas-pthread/$(echo "$so" | sed 's/^libc\?blas/libblas/; s/^libopenblas/libopenblas/')
  [ -e "$lib/$target" ] && ln -sf "$target" "$lib/$so"
done
# What the build does not use, so that the folder stays under the 64 MiB a carry allows:
# OpenBLAS's static libraries, docs, and the reference LAPACK (libopenblas exports LAPACK itself).
rm -rf "$dir/debs" "$dir/root/usr/share/doc" "$dir/root/usr/share/man" "$lib/openblas-pthread/liblapack.so"*
rm -f "$lib"/openblas-pthread/*.a
echo "device-deps: $(du -sh "$dir" | cut -f1) in $dir"
