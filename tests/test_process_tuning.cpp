#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "xgan/backend/process_tuning.hpp"

using namespace xgan::backend;

namespace {
// tuned_environment() over a fake environment: name -> value of each variable it would set.
std::map<std::string, std::string> tuned(const std::map<std::string, std::string>& env, bool avx512f = true) {
    const auto lookup = [&](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    std::map<std::string, std::string> set;
    for (const auto& v : tuned_environment(lookup, avx512f)) {
        CHECK(set.count(v.name) == 0);  // each variable once
        set[v.name] = v.value;
        if (v.malloc) {  // the environment's value and mallopt's are the same number
            CHECK(v.name == v.malloc->variable);
            CHECK(v.value == std::to_string(v.malloc->value));
        }
    }
    return set;
}
}  // namespace

TEST_CASE("process_tuning: an empty environment gets every setting, with one value each") {
    const auto set = tuned({});
    CHECK(set == std::map<std::string, std::string>{{"OPENBLAS_CORETYPE", "SkylakeX"},
                                                    {"MALLOC_MMAP_THRESHOLD_", "33554432"},
                                                    {"MALLOC_TRIM_THRESHOLD_", "1073741824"},
                                                    {"MALLOC_TOP_PAD_", "268435456"}});
    CHECK(tuned({}, false).count("OPENBLAS_CORETYPE") == 0);  // no AVX-512F: OpenBLAS's own choice
    for (const auto& s : malloc_settings) CHECK(s.value > 0);
}

TEST_CASE("process_tuning: a variable the user set is kept, each on its own") {
    for (const auto& s : malloc_settings) {
        CAPTURE(s.variable);
        const auto set = tuned({{s.variable, "12345"}});
        CHECK(set.count(s.variable) == 0);
        CHECK(set.size() == 3);  // the other two malloc settings and OPENBLAS_CORETYPE
    }
    // An empty value is the user's too.
    CHECK(tuned({{"MALLOC_TRIM_THRESHOLD_", ""}}).count("MALLOC_TRIM_THRESHOLD_") == 0);
    // All three set: only OpenBLAS's core type is left to set, and without AVX-512F nothing.
    const std::map<std::string, std::string> user{
        {"MALLOC_MMAP_THRESHOLD_", "1"}, {"MALLOC_TRIM_THRESHOLD_", "2"}, {"MALLOC_TOP_PAD_", "3"}};
    CHECK(tuned(user) == std::map<std::string, std::string>{{"OPENBLAS_CORETYPE", "SkylakeX"}});
    CHECK(tuned(user, false).empty());
}

TEST_CASE("process_tuning: malloc parameters set in GLIBC_TUNABLES are kept") {
    auto set = tuned({{"GLIBC_TUNABLES", "glibc.malloc.trim_threshold=5:glibc.malloc.top_pad=7"}});
    CHECK(set.count("MALLOC_TRIM_THRESHOLD_") == 0);
    CHECK(set.count("MALLOC_TOP_PAD_") == 0);
    CHECK(set.count("MALLOC_MMAP_THRESHOLD_") == 1);
    // Only whole tunable names count.
    set = tuned({{"GLIBC_TUNABLES", "xglibc.malloc.trim_threshold=5"}});
    CHECK(set.count("MALLOC_TRIM_THRESHOLD_") == 1);
}

TEST_CASE("process_tuning: OPENBLAS_CORETYPE is kept unless it says Haswell") {
    CHECK(tuned({{"OPENBLAS_CORETYPE", "Zen"}}).count("OPENBLAS_CORETYPE") == 0);
    CHECK(tuned({{"OPENBLAS_CORETYPE", "SkylakeX"}}).count("OPENBLAS_CORETYPE") == 0);
    CHECK(tuned({{"OPENBLAS_CORETYPE", "Haswell"}}).at("OPENBLAS_CORETYPE") == "SkylakeX");
    CHECK(tuned({{"OPENBLAS_CORETYPE", "HASWELL"}}).at("OPENBLAS_CORETYPE") == "SkylakeX");
    CHECK(tuned({{"OPENBLAS_CORETYPE", "Haswell"}}, false).count("OPENBLAS_CORETYPE") == 0);
}

TEST_CASE("process_tuning: XGAN_NO_TUNING and the second start (XGAN_TUNED) set nothing") {
    CHECK(tuned({{"XGAN_NO_TUNING", "1"}}).empty());
    CHECK(tuned({{"XGAN_TUNED", "1"}}).empty());
}
