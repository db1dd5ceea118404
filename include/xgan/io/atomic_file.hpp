#pragma once
// Writes a file so that a crash or a full disk never leaves it broken: the bytes go to a
// temporary file beside the target, are flushed to disk, and only then renamed over it.
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <unistd.h>

#include "xgan/core/error.hpp"

namespace xgan::io {

inline void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    namespace fs = std::filesystem;
    const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw FileError(path, "cannot open for writing (temporary " + tmp.filename().string() + ")");
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0 &&
                         ::fsync(::fileno(f)) == 0;
    const bool closed = std::fclose(f) == 0;
    std::error_code ec;
    if (!written || !closed) {
        fs::remove(tmp, ec);
        throw FileError(path, "write failed (disk full?); the previous file is left as it was");
    }
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw FileError(path, "cannot rename temporary file into place: " + ec.message());
    }
}

inline void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
    write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace xgan::io
