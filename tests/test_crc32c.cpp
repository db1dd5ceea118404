#include <doctest/doctest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "xgan/io/crc32c.hpp"

using namespace xgan::io;

namespace {
// Bit-at-a-time reference, independent of the table.
std::uint32_t crc32c_bitwise(std::string_view s) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (const char ch : s) {
        c ^= static_cast<std::uint8_t>(ch);
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}
}  // namespace

TEST_CASE("crc32c: standard check values") {
    CHECK(crc32c(std::string_view("123456789")) == 0xE3069283u);
    const std::vector<std::uint8_t> zeros(32, 0);
    CHECK(crc32c(zeros) == 0x8A9136AAu);
    const std::vector<std::uint8_t> ones(32, 0xFF);
    CHECK(crc32c(ones) == 0x62A8AB43u);
    CHECK(crc32c(std::string_view("")) == 0u);
    static_assert(crc32c(std::string_view("123456789")) == 0xE3069283u, "usable at compile time");
}

TEST_CASE("crc32c: table matches the bitwise definition - extends over pieces") {
    const std::string_view text = "The quick brown fox jumps over the lazy dog";
    CHECK(crc32c(text) == crc32c_bitwise(text));
    CHECK(crc32c(text.substr(10), crc32c(text.substr(0, 10))) == crc32c(text));
}

TEST_CASE("crc32c: TFRecord masking") {
    CHECK(mask_crc32c(0) == 0xA282EAD8u);
    CHECK(mask_crc32c(0xE3069283u) == (((0xE3069283u >> 15) | (0xE3069283u << 17)) + 0xA282EAD8u));
    // From an event file TensorFlow wrote (in TensorBoard's TFRecord reader tests): the length
    // fields of its two records and the data of the first, the file_version event.
    const std::vector<std::uint8_t> length24{0x18, 0, 0, 0, 0, 0, 0, 0};
    CHECK(masked_crc32c(length24) == 0x224B7FA3u);
    const std::vector<std::uint8_t> length50{0x32, 0, 0, 0, 0, 0, 0, 0};
    CHECK(masked_crc32c(length50) == 0xEC561924u);
    const std::string_view header("\x09\x00\x00\x80\x38\x99\xd6\xd7\x41\x1a\x0d" "brain.Event:2", 24);
    CHECK(mask_crc32c(crc32c(header)) == 0xAB364B12u);
}
