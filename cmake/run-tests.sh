#!/bin/sh
# The README's second command: installs the dependencies, builds everything with the tests
# and runs the whole suite through ctest (compile-fail and install-consumer tests included).
set -eu
cd "$(dirname "$0")/.."
sh cmake/install-deps.sh
sh cmake/fetch-mnist.sh data/mnist  # the tool's end-to-end tests train on a slice of it
launcher=""
command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
cmake -S . -B build-tests -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGAN_BUILD_TESTS=ON -DXGAN_BUILD_EXAMPLES=ON $launcher
cmake --build build-tests -j "$(nproc)"
ctest --test-dir build-tests --output-on-failure -j "$(nproc)"
