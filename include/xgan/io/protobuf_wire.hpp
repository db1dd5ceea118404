#pragma once
// The protobuf wire format, just enough to write TensorBoard events without libprotobuf:
// ProtoWriter appends fields (varint, 64-bit double, 32-bit float, length-delimited bytes or
// nested message); ProtoReader walks the fields of a message (field number, wire type, value)
// so tests and tools can decode what was written.
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xgan/core/error.hpp"

namespace xgan::io {

enum class WireType : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

class ProtoWriter {
public:
    // uint64/bool/enum as a plain varint.
    void add_varint(int field, std::uint64_t value) {
        tag(field, WireType::varint);
        varint(value);
    }
    // int32 and int64 are both two's complement in 64 bits (a negative value takes 10 bytes).
    void add_int64(int field, std::int64_t value) { add_varint(field, static_cast<std::uint64_t>(value)); }
    void add_int32(int field, std::int32_t value) { add_int64(field, value); }

    void add_double(int field, double value) {
        tag(field, WireType::fixed64);
        little_endian(std::bit_cast<std::uint64_t>(value), 8);
    }
    void add_float(int field, float value) {
        tag(field, WireType::fixed32);
        little_endian(std::bit_cast<std::uint32_t>(value), 4);
    }

    void add_bytes(int field, std::span<const std::uint8_t> bytes) {
        tag(field, WireType::length_delimited);
        varint(bytes.size());
        bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    }
    void add_string(int field, std::string_view text) {
        add_bytes(field, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    }
    void add_message(int field, const ProtoWriter& nested) { add_bytes(field, nested.bytes()); }

    const std::vector<std::uint8_t>& bytes() const { return bytes_; }

private:
    void tag(int field, WireType type) {
        varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(type));
    }
    void varint(std::uint64_t v) {
        for (; v >= 0x80; v >>= 7) bytes_.push_back(static_cast<std::uint8_t>(v | 0x80));
        bytes_.push_back(static_cast<std::uint8_t>(v));
    }
    void little_endian(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }

    std::vector<std::uint8_t> bytes_;
};

// One decoded field. `number` holds the raw integer of varint, fixed64 and fixed32 fields;
// `bytes` the payload of a length-delimited one (a view into the reader's input).
struct ProtoField {
    std::uint32_t field = 0;
    WireType type = WireType::varint;
    std::uint64_t number = 0;
    std::span<const std::uint8_t> bytes;

    std::int64_t as_int64() const { return static_cast<std::int64_t>(number); }
    std::int32_t as_int32() const { return static_cast<std::int32_t>(number); }
    double as_double() const { return std::bit_cast<double>(number); }
    float as_float() const { return std::bit_cast<float>(static_cast<std::uint32_t>(number)); }
    std::string as_string() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
};

// Reads fields one after another: `while (reader.next(f)) switch (f.field) ...`.
// Throws xgan::Error on truncated or malformed input (the caller adds which file it was).
class ProtoReader {
public:
    explicit ProtoReader(std::span<const std::uint8_t> message) : data_(message) {}

    bool next(ProtoField& out) {
        if (pos_ == data_.size()) return false;
        const std::uint64_t key = varint();
        out.field = static_cast<std::uint32_t>(key >> 3);
        out.number = 0;
        out.bytes = {};
        if (out.field == 0) fail("field number 0");
        switch (key & 7) {
            case 0: out.type = WireType::varint; out.number = varint(); break;
            case 1: out.type = WireType::fixed64; out.number = little_endian(8); break;
            case 5: out.type = WireType::fixed32; out.number = little_endian(4); break;
            case 2: {
                out.type = WireType::length_delimited;
                const std::uint64_t n = varint();
                if (n > data_.size() - pos_) fail("length-delimited field runs past the end");
                out.bytes = data_.subspan(pos_, static_cast<std::size_t>(n));
                pos_ += static_cast<std::size_t>(n);
                break;
            }
            default: fail("unsupported wire type " + std::to_string(key & 7));
        }
        return true;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw Error("protobuf: " + what + " at byte " + std::to_string(pos_));
    }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ == data_.size()) fail("truncated varint");
            const std::uint8_t b = data_[pos_++];
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        fail("varint longer than 10 bytes");
    }
    std::uint64_t little_endian(int n) {
        if (data_.size() - pos_ < static_cast<std::size_t>(n)) fail("truncated fixed-size field");
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(data_[pos_++]) << (8 * i);
        return v;
    }

    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
};

}  // namespace xgan::io
