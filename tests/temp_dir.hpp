#pragma once
// TempDir: a fresh directory under the system temp dir for one test, removed with everything in
// it when the test ends. The prefix names the test file, so leftovers say where they came from.
#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& prefix = "xgan_test_") {
        static std::atomic<int> counter{0};
        path = std::filesystem::temp_directory_path() /
               (prefix + std::to_string(std::random_device{}()) + "_" + std::to_string(counter++));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};
