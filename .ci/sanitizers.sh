#!/bin/sh
# The doctest suite and the end-to-end tests of the tool and of examples/my_gan built with
# AddressSanitizer and UndefinedBehaviorSanitizer: any report fails the run
# (-fno-sanitize-recover). The sample-quality cases (classifier training, minutes even without
# sanitizers), the compile-fail and install-consumer checks (they test the build, not the code)
# are left to the plain suite, and so are the data-parallel (MPI) tests: Open MPI's own
# allocations that live until exit would read as leaks. So is cli_tutorial_args: a whole
# tutorial program to build for a few lines of argument parsing.
set -eu
cd "$(dirname "$0")/.."
build=${XGAN_BUILD_DIR:-build-asan}
launcher=""
if command -v ccache >/dev/null 2>&1; then
  launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  export CCACHE_BASEDIR="$PWD"
fi
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGAN_BUILD_TESTS=ON -DXGAN_BUILD_EXAMPLES=ON \
  "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" $launcher
cmake --build "$build" -j "$(nproc)" --target xgan_tests xgan_cli example_my_gan
# detect_leaks: a leak is a finding too; halt_on_error: the first report ends the test.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -E '^(sample_quality|install_consumer|compile_fail|data_parallel|cli_data_parallel|cli_tutorial_args)'
