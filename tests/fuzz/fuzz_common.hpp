#pragma once
// Shared by the libFuzzer harnesses: a scratch folder per process for the readers that take a
// path, and the one rule of what counts as a finding.
//
// Expected rejections (the input is bad, the reader said so): xgan::Error and its subclasses,
// nlohmann::json exceptions where the caller turns them into an error message (the run
// config), and standard exceptions of a clear type (std::invalid_argument, std::out_of_range,
// std::runtime_error, ...). Findings: everything the sanitizers and libFuzzer report (crash,
// UB, leak, a malloc over -malloc_limit_mb, a timeout), and std::bad_alloc / std::length_error
// / std::bad_array_new_length, which mean a size from the input reached an allocation unchecked.
// XGAN_FUZZ_STRICT=1 also makes a non-xgan exception a finding (readers promise errors that
// name the file); XGAN_FUZZ_VERBOSE=1 prints every rejection (to check that seeds are valid).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unistd.h>

#include <xgan/core/error.hpp>

namespace xgan_fuzz {

// A folder under TMPDIR for this process, removed at a normal exit (libFuzzer's exits after a
// finding or -max_total_time skip it: run.sh points TMPDIR into the build folder).
inline const std::filesystem::path& scratch() {
    static const std::filesystem::path dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/xgan_fuzz_XXXXXX";
        if (!::mkdtemp(templ.data())) {
            std::perror("xgan_fuzz: mkdtemp");
            std::abort();
        }
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch(), ec);
        });
        return std::filesystem::path(templ);
    }();
    return dir;
}

// Writes the bytes to scratch()/name (replacing it) and returns the path.
inline std::filesystem::path write_input(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const auto path = scratch() / name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
        std::perror("xgan_fuzz: cannot write the input file");
        std::abort();
    }
    return path;
}

[[noreturn]] inline void finding(const char* kind, const char* what) {
    std::fprintf(stderr, "\nxgan_fuzz: FINDING: %s: %s\n", kind, what);
    std::abort();
}

// Runs f(); an expected rejection returns normally, anything else aborts (a libFuzzer crash).
inline bool env_flag(const char* name) {
    const char* s = std::getenv(name);
    return s && *s && *s != '0';
}

template <class F>
void run_one(F&& f) {
    static const bool strict = env_flag("XGAN_FUZZ_STRICT"), verbose = env_flag("XGAN_FUZZ_VERBOSE");
    try {
        f();
    } catch (const xgan::Error& e) {
        // the reader rejected the input with its own error: expected
        if (verbose) std::fprintf(stderr, "xgan_fuzz: rejected: %s\n", e.what());
    } catch (const std::bad_array_new_length& e) {
        finding("std::bad_array_new_length escaped the reader", e.what());
    } catch (const std::bad_alloc& e) {
        finding("std::bad_alloc escaped the reader", e.what());
    } catch (const std::length_error& e) {
        finding("std::length_error escaped the reader", e.what());
    } catch (const std::exception& e) {
        if (strict) finding("a non-xgan exception escaped the reader (XGAN_FUZZ_STRICT)", e.what());
        if (verbose) std::fprintf(stderr, "xgan_fuzz: rejected (not an xgan::Error): %s\n", e.what());
    }
}

}  // namespace xgan_fuzz
