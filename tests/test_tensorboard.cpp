#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "xgan/io/png.hpp"
#include "xgan/io/protobuf_wire.hpp"
#include "xgan/io/tensorboard.hpp"
#include "xgan/io/tensorboard_reader.hpp"

namespace fs = std::filesystem;
using namespace xgan::io;

namespace {

struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name)
        : path(fs::temp_directory_path() / ("xgan_test_" + name + "_" + std::to_string(::getpid()))) {
        fs::remove_all(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::vector<std::uint8_t> slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::uint64_t le(const std::vector<std::uint8_t>& b, std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t(b[at + i]) << (8 * i);
    return v;
}

}  // namespace

TEST_CASE("protobuf wire: round trip of every field kind") {
    ProtoWriter inner;
    inner.add_int32(1, -7);
    ProtoWriter w;
    w.add_varint(1, 300);
    w.add_int64(2, -1);
    w.add_double(3, 0.25);
    w.add_float(4, -1.5f);
    w.add_string(5, "hi");
    w.add_message(6, inner);
    // Known encodings: field 1 varint 300 = 08 AC 02; int64 -1 takes ten bytes.
    REQUIRE(w.bytes().size() >= 3);
    CHECK(w.bytes()[0] == 0x08);
    CHECK(w.bytes()[1] == 0xAC);
    CHECK(w.bytes()[2] == 0x02);

    ProtoReader r(w.bytes());
    ProtoField f;
    REQUIRE(r.next(f));
    CHECK((f.field == 1 && f.type == WireType::varint && f.number == 300));
    REQUIRE(r.next(f));
    CHECK((f.field == 2 && f.as_int64() == -1));
    REQUIRE(r.next(f));
    CHECK((f.field == 3 && f.type == WireType::fixed64 && f.as_double() == 0.25));
    REQUIRE(r.next(f));
    CHECK((f.field == 4 && f.type == WireType::fixed32 && f.as_float() == -1.5f));
    REQUIRE(r.next(f));
    CHECK((f.field == 5 && f.type == WireType::length_delimited && f.as_string() == "hi"));
    REQUIRE(r.next(f));
    CHECK(f.field == 6);
    ProtoReader nested(f.bytes);
    ProtoField g;
    REQUIRE(nested.next(g));
    CHECK(g.as_int32() == -7);
    CHECK_FALSE(nested.next(g));
    CHECK_FALSE(r.next(f));

    const std::vector<std::uint8_t> truncated(w.bytes().begin(), w.bytes().begin() + 2);
    ProtoReader bad(truncated);
    CHECK_THROWS_AS(bad.next(f), xgan::Error);
}

TEST_CASE("tensorboard: the file header is byte-identical to TensorFlow's") {
    TempDir dir("tb_header");
    // The wall time in TensorBoard's own reader tests: bytes 00 00 80 38 99 d6 d7 41.
    const double wall = std::bit_cast<double>(std::uint64_t{0x41D7D69938800000});
    EventWriter writer(dir.path, wall);
    const std::string name = writer.path().filename().string();
    CHECK(name.rfind("events.out.tfevents." + std::to_string(static_cast<std::int64_t>(wall)) + ".", 0) == 0);
    CHECK(writer.path().parent_path() == dir.path);

    const auto bytes = slurp(writer.path());
    const std::vector<std::uint8_t> expected_head{0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22,
                                                  0x09, 0x00, 0x00, 0x80, 0x38, 0x99, 0xd6, 0xd7, 0x41,
                                                  0x1a, 0x0d, 'b', 'r', 'a', 'i', 'n', '.', 'E', 'v', 'e', 'n', 't', ':', '2'};
    REQUIRE(bytes.size() == expected_head.size() + 4);
    CHECK(std::equal(expected_head.begin(), expected_head.end(), bytes.begin()));
    CHECK(le(bytes, 36, 4) == masked_crc32c(std::span(bytes).subspan(12, 24)));
}

TEST_CASE("tensorboard: the reader decodes an event file TensorFlow wrote") {
    // tf.summary.scalar("accuracy", 0.99, step=77), as dumped in TensorBoard's TFRecord reader
    // tests: a file_version record, then a TF2 scalar (a tensor plus plugin metadata, which
    // the reader skips: no simple_value).
    const std::string file_bytes = std::string("\x18\0\0\0\0\0\0\0\xa3\x7f\x4b\x22", 12) +
        std::string("\x09\x00\x00\x80\x38\x99\xd6\xd7\x41\x1a\x0d" "brain.Event:2", 24) + "\x12\x4b\x36\xab" +
        std::string("\x32\0\0\0\0\0\0\0\x24\x19\x56\xec", 12) +
        std::string("\x09\xc4\x05\xb7\x3d\x99\xd6\xd7\x41\x10\x4d\x2a\x25\x0a\x23\x0a\x08" "accuracy"
                    "\x42\x0a\x08\x01\x12\x00\x22\x04\xa4\x70\x7d\x3f\x4a\x0b\x0a\x09\x0a\x07" "scalars", 50) +
        "\xa5\x5b\x64\x33";
    TempDir dir("tb_tf");
    fs::create_directories(dir.path);
    const fs::path file = dir.path / "events.out.tfevents.tf";
    spit(file, std::vector<std::uint8_t>(file_bytes.begin(), file_bytes.end()));
    const auto events = read_events(file);
    REQUIRE(events.size() == 2);
    CHECK(events[0].file_version == "brain.Event:2");
    CHECK(events[0].wall_time == std::bit_cast<double>(std::uint64_t{0x41D7D69938800000}));
    CHECK(events[1].step == 77);
    CHECK(events[1].wall_time > events[0].wall_time);
    REQUIRE(events[1].values.size() == 1);
    CHECK(events[1].values[0].tag == "accuracy");
    CHECK_FALSE(events[1].values[0].simple_value.has_value());
}

TEST_CASE("tensorboard: scalars and an image decode back field by field") {
    TempDir dir("tb_roundtrip");
    const std::vector<std::uint8_t> pixels{0, 64, 128, 255, 10, 20, 30, 40, 50, 60, 70, 80};  // 2x2 RGB
    const auto png = encode_png(pixels, 2, 2, 3);
    fs::path file;
    {
        EventWriter writer(dir.path / "run1", 1700000000.5);
        file = writer.path();
        writer.add_scalar("loss/d", 0.6931f, 0);
        writer.add_scalars({{"loss/g", 1.25f}, {"d_of_x", -0.5f}}, 100);
        writer.add_image("samples", png, 2, 2, 3, 1234567890123LL);
        writer.add_scalar("neg_step", 3.0f, -5);
        writer.flush();
        // Flushed after every event: complete on disk while the writer is still open.
        CHECK(read_events(file).size() == 5);
    }

    // Framing: walk the records by hand and check both CRCs of each.
    const auto bytes = slurp(file);
    std::size_t pos = 0, records = 0;
    while (pos < bytes.size()) {
        REQUIRE(bytes.size() - pos >= 16);
        const std::uint64_t len = le(bytes, pos, 8);
        CHECK(le(bytes, pos + 8, 4) == masked_crc32c(std::span(bytes).subspan(pos, 8)));
        REQUIRE(pos + 16 + len <= bytes.size());
        CHECK(le(bytes, pos + 12 + len, 4) == masked_crc32c(std::span(bytes).subspan(pos + 12, len)));
        pos += 16 + len;
        ++records;
    }
    CHECK(pos == bytes.size());
    CHECK(records == 5);

    const auto events = read_events(file);
    REQUIRE(events.size() == 5);
    for (const auto& e : events) CHECK(e.wall_time == 1700000000.5);
    CHECK(events[0].file_version == "brain.Event:2");
    CHECK(events[0].step == 0);
    CHECK(events[0].values.empty());

    CHECK(events[1].step == 0);
    CHECK(events[1].file_version.empty());
    REQUIRE(events[1].values.size() == 1);
    CHECK(events[1].values[0].tag == "loss/d");
    REQUIRE(events[1].values[0].simple_value.has_value());
    CHECK(*events[1].values[0].simple_value == 0.6931f);
    CHECK_FALSE(events[1].values[0].image.has_value());

    CHECK(events[2].step == 100);
    REQUIRE(events[2].values.size() == 2);
    CHECK(events[2].values[0].tag == "loss/g");
    CHECK(events[2].values[0].simple_value == 1.25f);
    CHECK(events[2].values[1].tag == "d_of_x");
    CHECK(events[2].values[1].simple_value == -0.5f);

    CHECK(events[3].step == 1234567890123LL);
    REQUIRE(events[3].values.size() == 1);
    CHECK(events[3].values[0].tag == "samples");
    CHECK_FALSE(events[3].values[0].simple_value.has_value());
    REQUIRE(events[3].values[0].image.has_value());
    const auto& image = *events[3].values[0].image;
    CHECK(image.height == 2);
    CHECK(image.width == 2);
    CHECK(image.colorspace == 3);
    CHECK(image.png == png);

    CHECK(events[4].step == -5);
    CHECK(events[4].values[0].simple_value == 3.0f);
}

TEST_CASE("tensorboard: a second writer in the same second appends without a second header") {
    TempDir dir("tb_append");
    fs::path first;
    {
        EventWriter w(dir.path, 42.0);
        w.add_scalar("a", 1.0f, 1);
        first = w.path();
    }
    {
        EventWriter w(dir.path, 42.0);
        CHECK(w.path() == first);
        w.add_scalar("a", 2.0f, 2);
    }
    const auto events = read_events(first);
    REQUIRE(events.size() == 3);
    CHECK(events[0].file_version == "brain.Event:2");
    CHECK(events[2].values[0].simple_value == 2.0f);
}

TEST_CASE("tensorboard: corruption and truncation are errors naming the file and the record") {
    TempDir dir("tb_corrupt");
    fs::path file;
    {
        EventWriter w(dir.path, 1.0);
        w.add_scalar("x", 1.0f, 1);
        w.add_scalar("x", 2.0f, 2);
        file = w.path();
    }
    const auto good = slurp(file);
    const std::size_t header_record = 16 + le(good, 0, 8);
    const std::size_t second_record = header_record + 16 + le(good, header_record, 8);

    auto expect_error = [&](const std::vector<std::uint8_t>& bytes, const std::string& needle) {
        spit(file, bytes);
        try {
            read_events(file);
            FAIL("no error for: " << needle);
        } catch (const xgan::FileError& e) {
            const std::string msg = e.what();
            CHECK(e.path == file);
            CHECK_MESSAGE(msg.find(file.string()) != std::string::npos, msg);
            CHECK_MESSAGE(msg.find(needle) != std::string::npos, msg);
        }
    };

    auto flip = good;
    flip[second_record + 14] ^= 0x01;  // a byte inside the third record's data
    expect_error(flip, "record 2");
    expect_error(flip, "data CRC");

    flip = good;
    flip[header_record + 2] ^= 0x40;  // the second record's length
    expect_error(flip, "record 1");
    expect_error(flip, "length CRC");

    flip = good;
    flip[header_record + 9] ^= 0x40;  // the second record's length checksum
    expect_error(flip, "record 1");

    expect_error(std::vector<std::uint8_t>(good.begin(), good.end() - 1), "record 2");
    expect_error(std::vector<std::uint8_t>(good.begin(), good.begin() + header_record + 5), "truncated");

    spit(file, good);
    CHECK(read_events(file).size() == 3);
    CHECK_THROWS_AS(read_events(dir.path / "missing"), xgan::FileError);
}

TEST_CASE("tensorboard: a directory that cannot be created is named in the error") {
    TempDir dir("tb_baddir");
    fs::create_directories(dir.path);
    const fs::path blocker = dir.path / "a_file";
    std::ofstream(blocker) << "x";
    try {
        EventWriter w(blocker / "logs");
        FAIL("expected an error");
    } catch (const xgan::FileError& e) {
        CHECK(std::string(e.what()).find((blocker / "logs").string()) != std::string::npos);
    }
    EventWriter ok(dir.path / "fine");
    CHECK_THROWS_AS(ok.add_image("bad", {}, 1, 1, 2, 0), xgan::Error);
}
