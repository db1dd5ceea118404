#pragma once
// Writes TensorBoard event files directly (no TensorFlow, no libprotobuf): scalars and PNG
// images, as Event protos (tensorflow/core/util/event.proto, framework/summary.proto) framed
// as TFRecords. Every event is flushed as soon as it is written, so a crash loses nothing
// already added. Read them back with read_events() from tensorboard_reader.hpp.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/io/crc32c.hpp"
#include "xgan/io/protobuf_wire.hpp"

namespace xgan::io {

// One TFRecord: uint64 length, uint32 masked CRC of those 8 bytes, the data, uint32 masked
// CRC of the data; all little endian.
inline std::vector<std::uint8_t> frame_tfrecord(std::span<const std::uint8_t> data) {
    std::vector<std::uint8_t> out;
    out.reserve(data.size() + 16);
    auto put = [&out](std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    put(data.size(), 8);
    put(masked_crc32c(std::span(out).first(8)), 4);
    out.insert(out.end(), data.begin(), data.end());
    put(masked_crc32c(data), 4);
    return out;
}

class EventWriter {
public:
    // Creates `dir` if needed and opens DIR/events.out.tfevents.<unix seconds>.<hostname> for
    // appending. `fixed_wall_time` (seconds since the epoch) replaces the clock in the file
    // name and in every event, for reproducible files in tests.
    explicit EventWriter(const std::filesystem::path& dir, std::optional<double> fixed_wall_time = std::nullopt)
        : fixed_wall_time_(fixed_wall_time) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec || !std::filesystem::is_directory(dir))
            throw FileError(dir, "cannot create the TensorBoard log directory" + (ec ? ": " + ec.message() : ""));
        path_ = dir / ("events.out.tfevents." + std::to_string(static_cast<std::int64_t>(now())) + "." + hostname());
        std::error_code size_ec;
        const bool fresh = !std::filesystem::exists(path_) || std::filesystem::file_size(path_, size_ec) == 0;
        file_.reset(std::fopen(path_.c_str(), "ab"));
        if (!file_) throw FileError(path_, "cannot open the event file for appending");
        if (fresh) {  // appending to a file written earlier in the same second: it has its header
            ProtoWriter event;  // step 0 left out, as proto3 and TensorFlow do: 24 bytes
            event.add_double(1, now());
            event.add_string(3, "brain.Event:2");
            write_event(event);
        }
    }

    void add_scalar(std::string_view tag, float value, std::int64_t step) {
        ProtoWriter summary;
        summary.add_message(1, scalar_value(tag, value));
        write_summary(summary, step);
    }

    // Several scalars in one event (one step), e.g. {{"loss/d", 0.7f}, {"loss/g", 1.2f}}.
    void add_scalars(const std::vector<std::pair<std::string, float>>& values, std::int64_t step) {
        ProtoWriter summary;
        for (const auto& [tag, value] : values) summary.add_message(1, scalar_value(tag, value));
        write_summary(summary, step);
    }

    // `png` is an encoded PNG of height x width pixels with `channels` = 1 (gray), 3 (RGB)
    // or 4 (RGBA); TensorBoard's colorspace numbers are the channel counts.
    void add_image(std::string_view tag, std::span<const std::uint8_t> png, int height, int width, int channels,
                   std::int64_t step) {
        if (channels != 1 && channels != 3 && channels != 4)
            throw Error("EventWriter::add_image: channels must be 1, 3 or 4, got " + std::to_string(channels));
        ProtoWriter image;
        image.add_int32(1, height);
        image.add_int32(2, width);
        image.add_int32(3, channels);
        image.add_bytes(4, png);
        ProtoWriter value;
        value.add_string(1, tag);
        value.add_message(4, image);
        ProtoWriter summary;
        summary.add_message(1, value);
        write_summary(summary, step);
    }

    // Every event is already flushed to the OS; this exists for callers that want to say so.
    void flush() {
        if (std::fflush(file_.get()) != 0) throw FileError(path_, "flush failed (disk full?)");
    }

    const std::filesystem::path& path() const { return path_; }

private:
    struct FileCloser {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };

    double now() const {
        if (fixed_wall_time_) return *fixed_wall_time_;
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    static std::string hostname() {
        char name[256] = {};
        if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
        return name;
    }

    static ProtoWriter scalar_value(std::string_view tag, float value) {
        ProtoWriter v;
        v.add_string(1, tag);
        v.add_float(2, value);
        return v;
    }

    void write_summary(const ProtoWriter& summary, std::int64_t step) {
        ProtoWriter event;
        event.add_double(1, now());
        event.add_int64(2, step);
        event.add_message(5, summary);
        write_event(event);
    }

    void write_event(const ProtoWriter& event) {
        const auto record = frame_tfrecord(event.bytes());
        if (std::fwrite(record.data(), 1, record.size(), file_.get()) != record.size())
            throw FileError(path_, "write failed (disk full?)");
        flush();
    }

    std::optional<double> fixed_wall_time_;
    std::filesystem::path path_;
    std::unique_ptr<std::FILE, FileCloser> file_;
};

}  // namespace xgan::io
