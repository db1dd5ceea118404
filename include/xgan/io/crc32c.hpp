#pragma once
// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78), table driven, and the "masked" form
// that TFRecord files (TensorBoard event files) store beside each length and payload.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace xgan::io {

namespace detail {

constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[i] = c;
    }
    return table;
}

inline constexpr std::array<std::uint32_t, 256> crc32c_table = make_crc32c_table();

}  // namespace detail

// CRC-32C of `data`. Pass the CRC of earlier bytes as `crc` to continue it over more bytes:
// crc32c(b, crc32c(a)) == crc32c(a followed by b).
constexpr std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc = 0) {
    std::uint32_t c = ~crc;
    for (const std::uint8_t byte : data) c = detail::crc32c_table[(c ^ byte) & 0xFFu] ^ (c >> 8);
    return ~c;
}

constexpr std::uint32_t crc32c(std::string_view text, std::uint32_t crc = 0) {
    std::uint32_t c = ~crc;
    for (const char ch : text) c = detail::crc32c_table[(c ^ static_cast<std::uint8_t>(ch)) & 0xFFu] ^ (c >> 8);
    return ~c;
}

// TFRecord stores CRCs rotated and offset, so that a CRC of data that itself holds CRCs
// does not degenerate.
constexpr std::uint32_t mask_crc32c(std::uint32_t crc) {
    return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
}

constexpr std::uint32_t masked_crc32c(std::span<const std::uint8_t> data) { return mask_crc32c(crc32c(data)); }

}  // namespace xgan::io
