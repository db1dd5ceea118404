#pragma once
// Process-wide settings that make xgan's CPU backend fast, for programs to call first thing
// in main(). Two things cannot be set from inside a running process, because OpenBLAS and
// glibc read them when the program starts:
//  - OPENBLAS_CORETYPE: Debian's OpenBLAS 0.3.21 takes AVX-512 CPUs of some vendors for
//    Haswell and runs its AVX2 kernels (about half the SGEMM speed). On a CPU with AVX-512F we
//    ask for the SkylakeX kernels, when the variable is unset or says Haswell.
//  - glibc's malloc thresholds (returning large buffers to the OS every step costs page faults).
// tune_process() sets them and re-executes the program once (only when they are unset, and
// never twice: XGAN_TUNED marks the second start). Library users who prefer not to re-exec
// can set the variables themselves; see the README.
#include <cstdlib>
#include <string_view>
#include <malloc.h>
#include <unistd.h>

namespace xgan::backend {

inline void tune_process(char** argv) {
    if (std::getenv("XGAN_TUNED") || std::getenv("XGAN_NO_TUNING")) return;
    bool changed = false;
#if defined(__x86_64__)
    __builtin_cpu_init();
    // A preset Haswell (some environments export it) also loses the AVX-512 kernels.
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    if (__builtin_cpu_supports("avx512f") && (!core || std::string_view(core) == "Haswell" || std::string_view(core) == "HASWELL")) {
        ::setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
        changed = true;
    }
#endif
    if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) {
        ::setenv("MALLOC_MMAP_THRESHOLD_", "33554432", 1);
        ::setenv("MALLOC_TRIM_THRESHOLD_", "4294967296", 1);
        ::setenv("MALLOC_TOP_PAD_", "268435456", 1);
        changed = true;
    }
    ::setenv("XGAN_TUNED", "1", 1);
    if (changed) ::execv("/proc/self/exe", argv);  // returns only on failure: then run untuned
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace xgan::backend
