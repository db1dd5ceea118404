#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>
#include <zlib.h>

#include "temp_dir.hpp"
#include "xgan/data/idx.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> idx_bytes(std::uint8_t type, const std::vector<std::uint32_t>& dims, std::size_t payload) {
    std::vector<std::uint8_t> b = {0, 0, type, std::uint8_t(dims.size())};
    for (auto d : dims)
        for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(d >> s));
    for (std::size_t i = 0; i < payload; ++i) b.push_back(std::uint8_t(i * 7));
    return b;
}

void write_bytes(const fs::path& p, const std::vector<std::uint8_t>& b) {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

void write_gz(const fs::path& p, const std::vector<std::uint8_t>& b) {
    gzFile gz = gzopen(p.c_str(), "wb");
    REQUIRE(gz);
    REQUIRE(gzwrite(gz, b.data(), unsigned(b.size())) == int(b.size()));
    REQUIRE(gzclose(gz) == Z_OK);
}

std::string error_of(const fs::path& p) {
    try {
        xgan::data::read_idx(p);
    } catch (const xgan::FileError& e) {
        CHECK(e.path == p);
        CHECK(std::string(e.what()).find(p.filename().string()) != std::string::npos);
        return e.what();
    }
    FAIL("read_idx accepted " << p);
    return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("idx: reads a plain file") {
    TempDir dir("xgan_test_idx_");
    const auto p = dir.path / "images-idx3-ubyte";
    write_bytes(p, idx_bytes(0x08, {3, 4, 5}, 60));
    const auto a = xgan::data::read_idx(p);
    CHECK(a.dims == std::vector<std::uint32_t>{3, 4, 5});
    REQUIRE(a.data.size() == 60);
    CHECK(a.data[0] == 0);
    CHECK(a.data[1] == 7);
    CHECK(a.data[59] == std::uint8_t(59 * 7));
}

TEST_CASE("idx: reads a gzip file, with or without a .gz name") {
    TempDir dir("xgan_test_idx_");
    const auto bytes = idx_bytes(0x08, {1000, 2}, 2000);
    for (const char* name : {"labels-idx2-ubyte.gz", "labels-idx2-ubyte"}) {
        const auto p = dir.path / name;
        write_gz(p, bytes);
        const auto a = xgan::data::read_idx(p);
        CHECK(a.dims == std::vector<std::uint32_t>{1000, 2});
        REQUIRE(a.data.size() == 2000);
        CHECK(a.data[1999] == std::uint8_t(1999 * 7));
    }
}

TEST_CASE("idx: rejects truncated and trailing payloads with byte counts") {
    TempDir dir("xgan_test_idx_");
    const auto truncated = dir.path / "truncated-idx3-ubyte";
    write_bytes(truncated, idx_bytes(0x08, {3, 4, 5}, 50));
    const auto t = error_of(truncated);
    CHECK(contains(t, "truncated"));
    CHECK(contains(t, "need 60 data bytes, found 50"));

    const auto trailing = dir.path / "trailing-idx1-ubyte";
    write_bytes(trailing, idx_bytes(0x08, {10}, 13));
    const auto r = error_of(trailing);
    CHECK(contains(r, "3 trailing bytes"));
    CHECK(contains(r, "need 10 data bytes, found 13"));

    const auto truncated_gz = dir.path / "truncated-idx3-ubyte.gz";
    write_gz(truncated_gz, idx_bytes(0x08, {3, 4, 5}, 59));
    CHECK(contains(error_of(truncated_gz), "need 60 data bytes, found 59"));
}

TEST_CASE("idx: rejects a cut gzip stream") {
    TempDir dir("xgan_test_idx_");
    const auto full = dir.path / "full.gz";
    write_gz(full, idx_bytes(0x08, {100, 100}, 10000));
    std::ifstream in(full, std::ios::binary);
    std::vector<std::uint8_t> gz((std::istreambuf_iterator<char>(in)), {});
    gz.resize(gz.size() / 2);
    const auto cut = dir.path / "cut.gz";
    write_bytes(cut, gz);
    CHECK(contains(error_of(cut), "gzip data is truncated"));
}

TEST_CASE("idx: rejects wrong magic, type, rank and zero dimensions") {
    TempDir dir("xgan_test_idx_");
    const auto magic = dir.path / "magic";
    auto b = idx_bytes(0x08, {4}, 4);
    b[0] = 0x12;
    write_bytes(magic, b);
    CHECK(contains(error_of(magic), "not an IDX file"));

    const auto type = dir.path / "float-idx1";
    write_bytes(type, idx_bytes(0x0D, {4}, 16));
    const auto t = error_of(type);
    CHECK(contains(t, "0x0d"));
    CHECK(contains(t, "float32"));
    CHECK(contains(t, "not supported"));

    const auto rank = dir.path / "rank5";
    write_bytes(rank, idx_bytes(0x08, {1, 1, 1, 1, 1}, 1));
    CHECK(contains(error_of(rank), "rank 5"));

    const auto zero = dir.path / "zero";
    write_bytes(zero, idx_bytes(0x08, {3, 0}, 0));
    CHECK(contains(error_of(zero), "dimension 1 is 0"));

    const auto header = dir.path / "short-header";
    write_bytes(header, {0, 0, 8, 3, 0, 0});
    CHECK(contains(error_of(header), "truncated IDX header"));

    const auto tiny = dir.path / "tiny";
    write_bytes(tiny, {0, 0});
    CHECK(contains(error_of(tiny), "too short"));
}

TEST_CASE("idx: a missing file is a FileError saying not found") {
    TempDir dir("xgan_test_idx_");
    const auto p = dir.path / "nope-idx3-ubyte";
    CHECK(contains(error_of(p), "not found"));
    CHECK(contains(error_of(dir.path), "directory"));
}
