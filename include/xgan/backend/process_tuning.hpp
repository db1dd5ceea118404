#pragma once
// Process-wide settings that make xgan's CPU backend fast, for programs to call first thing
// in main(). They cannot be set from inside a running process, because OpenBLAS and glibc
// read them from the environment when the program starts:
//  - OPENBLAS_CORETYPE=SkylakeX on CPUs with AVX-512F, when the variable is unset or says
//    Haswell: Debian's OpenBLAS 0.3.21 takes AVX-512 CPUs of some vendors for Haswell and runs
//    its AVX2 kernels (about half the SGEMM speed), and some environments export Haswell.
//  - glibc's malloc settings in malloc_settings below (returning large buffers to the OS every
//    step costs page faults), each only when the user has not set it (as MALLOC_..._ or in
//    GLIBC_TUNABLES).
// tuned_environment() says which variables to set (a pure function, for tests);
// tune_process() sets them and re-executes the program once (XGAN_TUNED marks the second
// start; nothing to set: no re-exec). XGAN_NO_TUNING (set to anything, e.g. 1) turns it all
// off. Library users who prefer not to re-exec can set the variables themselves; see the README.
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>
#include <malloc.h>
#include <unistd.h>

namespace xgan::backend {

// One glibc malloc parameter: the same value goes into the environment variable (read at
// start-up) and, only where the re-exec fails, into mallopt().
struct MallocSetting {
    const char* variable;  // MALLOC_..._
    const char* tunable;   // its GLIBC_TUNABLES name
    int mallopt_param;
    int value;             // bytes (mallopt takes an int)
};
inline constexpr MallocSetting malloc_settings[] = {
    // Buffers up to 32 MiB (glibc's largest mmap threshold on 64-bit) come from the heap...
    {"MALLOC_MMAP_THRESHOLD_", "glibc.malloc.mmap_threshold", M_MMAP_THRESHOLD, 32 << 20},
    // ... which keeps up to 1 GiB of free memory at its top instead of returning it ...
    {"MALLOC_TRIM_THRESHOLD_", "glibc.malloc.trim_threshold", M_TRIM_THRESHOLD, 1 << 30},
    // ... and grows 256 MiB at a time.
    {"MALLOC_TOP_PAD_", "glibc.malloc.top_pad", M_TOP_PAD, 256 << 20},
};

inline constexpr const char* tuned_coretype = "SkylakeX";

struct TunedVariable {
    std::string name, value;
    const MallocSetting* malloc = nullptr;  // the malloc parameter it sets, if any
};

// The variables tune_process() sets, given `lookup` (a getenv: any callable taking a variable's
// name as a const char* and returning its value or nullptr) and whether the CPU has AVX-512F.
// A variable the user set is never in the list, whatever its value, except
// OPENBLAS_CORETYPE=Haswell (see above); XGAN_NO_TUNING or XGAN_TUNED set: an empty list.
template <class Lookup>
std::vector<TunedVariable> tuned_environment(Lookup&& lookup, bool avx512f) {
    std::vector<TunedVariable> set;
    if (lookup("XGAN_TUNED") || lookup("XGAN_NO_TUNING")) return set;
    const char* core = lookup("OPENBLAS_CORETYPE");
    if (avx512f && (!core || std::string_view(core) == "Haswell" || std::string_view(core) == "HASWELL"))
        set.push_back({"OPENBLAS_CORETYPE", tuned_coretype});
    const char* tunables_env = lookup("GLIBC_TUNABLES");
    const std::string_view tunables = tunables_env ? tunables_env : "";
    for (const MallocSetting& s : malloc_settings) {
        if (lookup(s.variable)) continue;
        // GLIBC_TUNABLES=glibc.malloc.trim_threshold=N:... sets the same parameter.
        const std::string key = std::string(s.tunable) + "=";
        bool tuned = false;
        for (std::size_t at = tunables.find(key); at != std::string_view::npos; at = tunables.find(key, at + 1))
            if (at == 0 || tunables[at - 1] == ':') tuned = true;
        if (!tuned) set.push_back({s.variable, std::to_string(s.value), &s});
    }
    return set;
}

inline bool cpu_has_avx512f() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return false;
#endif
}

inline void tune_process(char** argv) {
    if (std::getenv("XGAN_TUNED") || std::getenv("XGAN_NO_TUNING")) return;
    const auto set = tuned_environment([](const char* name) { return std::getenv(name); }, cpu_has_avx512f());
    ::setenv("XGAN_TUNED", "1", 1);
    if (set.empty()) return;
    for (const auto& v : set) ::setenv(v.name.c_str(), v.value.c_str(), 1);
    ::execv("/proc/self/exe", argv);  // returns only on failure: then run on, untuned by the environment
    for (const auto& v : set)
        if (v.malloc) ::mallopt(v.malloc->mallopt_param, v.malloc->value);
}

}  // namespace xgan::backend
