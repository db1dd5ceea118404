#!/bin/sh
# The README's second command: installs the dependencies, builds everything with the tests
# and runs the whole suite through ctest (compile-fail and install-consumer tests included).
# Extra arguments go to CMake's configure step; XGAN_BUILD_DIR names the build folder
# (default build-tests), e.g. another compiler or instruction set:
#   CXX=clang++ XGAN_BUILD_DIR=build-clang sh cmake/run-tests.sh
#   XGAN_BUILD_DIR=build-avx2 sh cmake/run-tests.sh -DXGAN_NATIVE=OFF -DCMAKE_CXX_FLAGS=-march=x86-64-v3
set -eu
cd "$(dirname "$0")/.."
sh cmake/install-deps.sh
sh cmake/fetch-mnist.sh data/mnist  # the tool's end-to-end tests train on a slice of it
build=${XGAN_BUILD_DIR:-build-tests}
launcher=""
if command -v ccache >/dev/null 2>&1; then
  launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  export CCACHE_BASEDIR="$PWD"  # clones in other folders share the cache
fi
# The CUDA backend's tests (tests/cuda/) are compiled and linked wherever nvcc is (on PATH or
# in /usr/local/cuda); without a GPU they report "no CUDA device" and ctest counts them skipped.
# -DXGAN_CUDA=OFF among the arguments turns that off.
cuda=""
nvcc=$(command -v nvcc || true)
[ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc
if [ -n "$nvcc" ]; then
  cuda="-DXGAN_CUDA=ON -DCMAKE_CUDA_COMPILER=$nvcc"
  [ -n "$launcher" ] && cuda="$cuda -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache"
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGAN_BUILD_TESTS=ON -DXGAN_BUILD_EXAMPLES=ON $launcher $cuda "$@"
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
