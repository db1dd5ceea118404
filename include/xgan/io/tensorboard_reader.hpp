#pragma once
// Reads TensorBoard event files (as EventWriter writes them, or TensorFlow/PyTorch do) back
// into plain structs, for tests and tools. Checks the TFRecord framing and both CRCs of every
// record; decodes wall_time, step, file_version and each summary value's tag, simple_value and
// image. Other fields (graphs, histograms, tensors) are skipped.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/io/crc32c.hpp"
#include "xgan/io/protobuf_wire.hpp"

namespace xgan::io {

struct DecodedImage {
    int height = 0;
    int width = 0;
    int colorspace = 0;  // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    std::vector<std::uint8_t> png;
};

struct DecodedValue {
    std::string tag;
    std::optional<float> simple_value;
    std::optional<DecodedImage> image;
};

struct DecodedEvent {
    double wall_time = 0;
    std::int64_t step = 0;
    std::string file_version;  // set only in a file's first event
    std::vector<DecodedValue> values;
};

namespace tensorboard_detail {

inline DecodedImage decode_image(std::span<const std::uint8_t> message) {
    DecodedImage image;
    ProtoReader r(message);
    for (ProtoField f; r.next(f);) {
        switch (f.field) {
            case 1: image.height = f.as_int32(); break;
            case 2: image.width = f.as_int32(); break;
            case 3: image.colorspace = f.as_int32(); break;
            case 4: image.png.assign(f.bytes.begin(), f.bytes.end()); break;
            default: break;
        }
    }
    return image;
}

inline DecodedValue decode_value(std::span<const std::uint8_t> message) {
    DecodedValue value;
    ProtoReader r(message);
    for (ProtoField f; r.next(f);) {
        if (f.field == 1 && f.type == WireType::length_delimited) value.tag = f.as_string();
        else if (f.field == 2 && f.type == WireType::fixed32) value.simple_value = f.as_float();
        else if (f.field == 4 && f.type == WireType::length_delimited) value.image = decode_image(f.bytes);
    }
    return value;
}

inline DecodedEvent decode_event(std::span<const std::uint8_t> message) {
    DecodedEvent event;
    ProtoReader r(message);
    for (ProtoField f; r.next(f);) {
        if (f.field == 1 && f.type == WireType::fixed64) event.wall_time = f.as_double();
        else if (f.field == 2 && f.type == WireType::varint) event.step = f.as_int64();
        else if (f.field == 3 && f.type == WireType::length_delimited) event.file_version = f.as_string();
        else if (f.field == 5 && f.type == WireType::length_delimited) {
            ProtoReader summary(f.bytes);
            for (ProtoField v; summary.next(v);)
                if (v.field == 1 && v.type == WireType::length_delimited) event.values.push_back(decode_value(v.bytes));
        }
    }
    return event;
}

inline std::uint64_t read_le(std::span<const std::uint8_t> bytes) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) v |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
    return v;
}

}  // namespace tensorboard_detail

// Throws FileError naming the file and the record index (0-based) on a truncated record,
// a CRC mismatch or an event that is not valid protobuf.
inline std::vector<DecodedEvent> read_events(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FileError(path, "cannot open for reading");
    const std::vector<std::uint8_t> file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw FileError(path, "read failed");

    const std::span<const std::uint8_t> all(file);
    std::vector<DecodedEvent> events;
    std::size_t pos = 0;
    for (std::size_t index = 0; pos < all.size(); ++index) {
        const std::string where = "record " + std::to_string(index) + " at byte " + std::to_string(pos) + ": ";
        if (all.size() - pos < 12) throw FileError(path, where + "truncated record header");
        const auto length_bytes = all.subspan(pos, 8);
        if (tensorboard_detail::read_le(all.subspan(pos + 8, 4)) != masked_crc32c(length_bytes))
            throw FileError(path, where + "length CRC mismatch (corrupt file)");
        const std::uint64_t length = tensorboard_detail::read_le(length_bytes);
        if (length > all.size() - pos - 12 || all.size() - pos - 12 - length < 4)
            throw FileError(path, where + "truncated record (length " + std::to_string(length) + ")");
        const auto data = all.subspan(pos + 12, static_cast<std::size_t>(length));
        if (tensorboard_detail::read_le(all.subspan(pos + 12 + data.size(), 4)) != masked_crc32c(data))
            throw FileError(path, where + "data CRC mismatch (corrupt file)");
        try {
            events.push_back(tensorboard_detail::decode_event(data));
        } catch (const Error& e) {
            throw FileError(path, where + "malformed event: " + e.what());
        }
        pos += 16 + data.size();
    }
    return events;
}

}  // namespace xgan::io
