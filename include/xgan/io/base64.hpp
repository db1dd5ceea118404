#pragma once
// Base64 (RFC 4648, standard alphabet, '=' padding), used to inline PNGs into HTML reports
// as data: URLs. The decoder exists for tests and tools; it rejects anything malformed.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xgan/core/error.hpp"

namespace xgan::io {

inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline std::string base64_encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        for (int shift = 18; shift >= 0; shift -= 6) out += base64_alphabet[(v >> shift) & 63];
    }
    const std::size_t rest = bytes.size() - i;  // 0, 1 or 2 bytes left
    if (rest > 0) {
        const std::uint32_t v = (bytes[i] << 16) | (rest == 2 ? bytes[i + 1] << 8 : 0);
        out += base64_alphabet[(v >> 18) & 63];
        out += base64_alphabet[(v >> 12) & 63];
        out += rest == 2 ? base64_alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

inline std::string base64_encode(std::string_view text) {
    return base64_encode({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

inline std::vector<std::uint8_t> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) throw Error("base64: length " + std::to_string(text.size()) + " is not a multiple of 4");
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t group = 0; group < text.size(); group += 4) {
        const bool last = group + 4 == text.size();
        const int padding = last ? (text[group + 3] == '=') + (text[group + 2] == '=') : 0;
        std::uint32_t v = 0;
        for (std::size_t i = group; i < group + 4; ++i) {
            const std::size_t digit = i >= group + 4 - padding ? 0 : base64_alphabet.find(text[i]);
            if (digit == std::string_view::npos) throw Error("base64: invalid character at " + std::to_string(i));
            v = (v << 6) | static_cast<std::uint32_t>(digit);
        }
        for (int k = 0; k < 3 - padding; ++k) out.push_back(static_cast<std::uint8_t>(v >> (16 - 8 * k)));
    }
    return out;
}

}  // namespace xgan::io
