#pragma once
// Reads a whole file into memory. A missing, unreadable or directory path is a FileError
// naming it, so every reader built on this starts from a clear message.
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "xgan/core/error.hpp"

namespace xgan::io {

inline std::vector<std::byte> read_file_bytes(const std::filesystem::path& file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (status.type() == fs::file_type::not_found) throw FileError(file, "not found");
    if (ec) throw FileError(file, "cannot access: " + ec.message());
    if (fs::is_directory(status)) throw FileError(file, "is a directory, expected a file");

    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
    if (!f) throw FileError(file, std::string("cannot open for reading: ") + std::strerror(errno));
    std::vector<std::byte> bytes;
    if (const auto size = fs::file_size(file, ec); !ec) bytes.reserve(size);
    std::byte chunk[1 << 16];
    while (const std::size_t got = std::fread(chunk, 1, sizeof chunk, f.get()))
        bytes.insert(bytes.end(), chunk, chunk + got);
    if (std::ferror(f.get())) throw FileError(file, "read error");
    return bytes;
}

}  // namespace xgan::io
