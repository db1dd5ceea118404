#pragma once
// Error types thrown by xgan. Every reader names the file and what is wrong with it: bad
// input is an error, never a crash or a silent wrong result (README, "Reliability").
#include <charconv>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace xgan {

// Base of every error xgan throws.
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A file could not be read, written, or has content that does not match its format.
// The message always starts with the file's path.
struct FileError : Error {
    FileError(const std::filesystem::path& file, const std::string& what)
        : Error(file.string() + ": " + what), path(file) {}
    std::filesystem::path path;
};

// Weights or state that do not fit the model they are loaded into.
struct MismatchError : Error {
    using Error::Error;
};

// A loss or gradient turned NaN/Inf during training.
struct NumericError : Error {
    using Error::Error;
};

// A number as error messages show it: the shortest form that reads back as the same double
// (1e-08, 0.5), not printf's 0.000000.
inline std::string shortest_text(double x) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
}

}  // namespace xgan
