#pragma once
// Reader for IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed
// (recognised by the 1f 8b magic, whatever the file name). Layout: two zero bytes, a type
// byte (0x08 = unsigned byte, the only type these data sets use), a rank byte, `rank`
// big-endian u32 dimensions, then the elements in row-major order and nothing after them.
#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>
#include <zlib.h>

#include "xgan/core/error.hpp"
#include "xgan/io/read_file.hpp"

namespace xgan::data {

struct IdxArray {
    std::vector<std::uint32_t> dims;  // outermost first, e.g. [60000, 28, 28]
    std::vector<std::uint8_t> data;   // product(dims) elements, row-major
};

namespace detail {

inline bool is_gzip(std::span<const std::byte> bytes) {
    return bytes.size() >= 2 && bytes[0] == std::byte{0x1f} && bytes[1] == std::byte{0x8b};
}

// Decompresses a whole gzip file (several concatenated members are allowed, as gzip makes them).
inline std::vector<std::uint8_t> gunzip(const std::filesystem::path& file, std::span<const std::byte> in) {
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw FileError(file, "cannot initialise zlib");
    struct End {
        z_stream* zs;
        ~End() { inflateEnd(zs); }
    } end{&zs};

    std::vector<std::uint8_t> out;
    out.reserve(in.size() * 4);
    std::uint8_t chunk[1 << 16];
    std::size_t fed = 0;  // bytes of `in` handed to zlib so far (avail_in is only 32 bits)
    for (;;) {
        if (zs.avail_in == 0 && fed < in.size()) {
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data() + fed));
            zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size() - fed, UINT_MAX));
            fed += zs.avail_in;
        }
        zs.next_out = chunk;
        zs.avail_out = sizeof chunk;
        const int rc = inflate(&zs, Z_NO_FLUSH);
        out.insert(out.end(), chunk, chunk + (sizeof chunk - zs.avail_out));
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0 && fed == in.size()) return out;
            inflateReset(&zs);  // another gzip member follows
        } else if (rc == Z_BUF_ERROR && fed == in.size()) {
            throw FileError(file, "gzip data is truncated (" + std::to_string(out.size()) +
                                      " bytes decompressed before the end of the file)");
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            throw FileError(file, std::string("gzip data is corrupt: ") + (zs.msg ? zs.msg : "zlib error"));
        }
    }
}

inline std::string idx_type_name(unsigned type) {
    switch (type) {
        case 0x08: return "unsigned byte";
        case 0x09: return "signed byte";
        case 0x0B: return "int16";
        case 0x0C: return "int32";
        case 0x0D: return "float32";
        case 0x0E: return "float64";
        default: return "unknown type";
    }
}

inline std::string hex_byte(unsigned b) {
    const char* digits = "0123456789abcdef";
    return {digits[(b >> 4) & 15], digits[b & 15]};
}

inline std::string dims_string(const std::vector<std::uint32_t>& dims) {
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
}

}  // namespace detail

// Reads an IDX file of unsigned bytes. Throws FileError naming the file when it is missing,
// has a wrong magic, type or rank, a zero dimension, or a payload of the wrong length.
inline IdxArray read_idx(const std::filesystem::path& file) {
    const std::vector<std::byte> raw = io::read_file_bytes(file);
    const bool gzip = detail::is_gzip(raw);
    std::vector<std::uint8_t> unzipped;
    if (gzip) unzipped = detail::gunzip(file, raw);
    const std::span<const std::uint8_t> bytes =
        gzip ? std::span<const std::uint8_t>(unzipped)
             : std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
    const std::string unpacked = gzip ? " (after gzip decompression)" : "";

    if (bytes.size() < 4)
        throw FileError(file, "too short for an IDX header: " + std::to_string(bytes.size()) + " bytes" + unpacked);
    if (bytes[0] != 0 || bytes[1] != 0)
        throw FileError(file, "not an IDX file: magic starts with " + detail::hex_byte(bytes[0]) + " " +
                                  detail::hex_byte(bytes[1]) + ", expected 00 00");
    if (bytes[2] != 0x08)
        throw FileError(file, "IDX element type 0x" + detail::hex_byte(bytes[2]) + " (" +
                                  detail::idx_type_name(bytes[2]) +
                                  ") is not supported; only 0x08 (unsigned byte) is");
    const std::size_t rank = bytes[3];
    if (rank < 1 || rank > 4) throw FileError(file, "IDX rank " + std::to_string(rank) + " is not in 1..4");
    const std::size_t header = 4 + 4 * rank;
    if (bytes.size() < header)
        throw FileError(file, "truncated IDX header: rank " + std::to_string(rank) + " needs " +
                                  std::to_string(header) + " bytes, file has " + std::to_string(bytes.size()) + unpacked);

    IdxArray out;
    std::size_t expected = 1;
    for (std::size_t i = 0; i < rank; ++i) {
        const std::uint8_t* p = &bytes[4 + 4 * i];
        const std::uint32_t d = std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
        if (d == 0) throw FileError(file, "IDX dimension " + std::to_string(i) + " is 0");
        out.dims.push_back(d);
        expected = expected > std::numeric_limits<std::size_t>::max() / d ? std::numeric_limits<std::size_t>::max()
                                                                          : expected * d;
    }
    const std::size_t actual = bytes.size() - header;
    const std::string sizes = "dims " + detail::dims_string(out.dims) + " need " + std::to_string(expected) +
                              " data bytes, found " + std::to_string(actual) + unpacked;
    if (actual < expected) throw FileError(file, "truncated: " + sizes);
    if (actual > expected) throw FileError(file, std::to_string(actual - expected) + " trailing bytes: " + sizes);

    out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
    return out;
}

}  // namespace xgan::data
