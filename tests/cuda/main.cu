// The CUDA tests' main: without a device they cannot run, and say so (exit 77: ctest's
// SKIP_RETURN_CODE, so the suite reports "cuda_backend ... Skipped", never a pass).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "xgan/backend/cuda.hpp"

int main(int argc, char** argv) {
    if (xgan::backend::cuda::device_count() == 0) {
        std::printf("no CUDA device: the CUDA backend's tests are skipped\n");
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
