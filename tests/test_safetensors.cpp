#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "temp_dir.hpp"
#include "xgan/io/safetensors.hpp"

namespace fs = std::filesystem;
using xgan::io::DType;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

// A file with the given header text (length prefix computed) and `data_len` zero data bytes.
void write_raw(const fs::path& p, const std::string& header, std::size_t data_len) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = char(std::uint64_t(header.size()) >> (8 * i));
    write_text(p, s + header + std::string(data_len, '\0'));
}

std::string error_of(const fs::path& p) {
    try {
        xgan::io::read_safetensors(p);
    } catch (const xgan::FileError& e) {
        CHECK(e.path == p);
        return e.what();
    }
    FAIL("read_safetensors accepted " << slurp(p));
    return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("safetensors: round trip of F32, I64 and metadata") {
    TempDir dir("xgan_test_safetensors_");
    const auto p = dir.path / "model.safetensors";
    const std::vector<float> w = {1.5f, -2.0f, 3.25f, 0.0f, 1e-20f, -7.0f};
    const std::vector<float> b = {0.5f, 0.25f};
    const std::int64_t steps = 123456789012345;
    xgan::io::write_safetensors(p,
                                {{"0.weight", DType::F32, {2, 3}, w.data()},
                                 {"0.bias", DType::F32, {2}, b.data()},
                                 {"1.num_batches_tracked", DType::I64, {}, &steps},
                                 {"empty", DType::F32, {0, 4}, nullptr}},
                                {{"format", "pt"}, {"epoch", "3"}});

    const std::string raw = slurp(p);
    std::uint64_t header_len = 0;
    std::memcpy(&header_len, raw.data(), 8);
    CHECK(header_len % 8 == 0);
    CHECK(raw.size() == 8 + header_len + 6 * 4 + 2 * 4 + 8);
    // tensors are written in the given order
    CHECK(raw.find("0.weight") < raw.find("0.bias"));

    const auto f = xgan::io::read_safetensors(p);
    CHECK(f.metadata == std::map<std::string, std::string>{{"format", "pt"}, {"epoch", "3"}});
    REQUIRE(f.tensors.size() == 4);
    CHECK(f.tensors[0].first == "0.weight");
    CHECK(f.tensors[1].first == "0.bias");
    CHECK(f.tensors[2].first == "1.num_batches_tracked");

    const auto* weight = f.find("0.weight");
    REQUIRE(weight);
    CHECK(weight->dtype == DType::F32);
    CHECK(weight->shape == std::vector<std::int64_t>{2, 3});
    CHECK(weight->numel() == 6);
    REQUIRE(weight->bytes.size() == 24);
    std::vector<float> w2(6);
    std::memcpy(w2.data(), weight->bytes.data(), 24);
    CHECK(w2 == w);

    const auto* count = f.find("1.num_batches_tracked");
    REQUIRE(count);
    CHECK(count->dtype == DType::I64);
    CHECK(count->shape.empty());
    CHECK(count->numel() == 1);
    std::int64_t steps2 = 0;
    REQUIRE(count->bytes.size() == 8);
    std::memcpy(&steps2, count->bytes.data(), 8);
    CHECK(steps2 == steps);

    const auto* empty = f.find("empty");
    REQUIRE(empty);
    CHECK(empty->numel() == 0);
    CHECK(empty->bytes.empty());
    CHECK(f.find("missing") == nullptr);

    CHECK(xgan::io::dtype_name(DType::I64) == "I64");
    CHECK(xgan::io::dtype_size(DType::F32) == 4);
}

TEST_CASE("safetensors: writer rejects duplicate names and negative dims") {
    TempDir dir("xgan_test_safetensors_");
    const float x = 1;
    CHECK_THROWS_WITH_AS(xgan::io::write_safetensors(dir.path / "a",
                                                     {{"w", DType::F32, {1}, &x}, {"w", DType::F32, {1}, &x}}),
                         doctest::Contains("duplicate tensor name 'w'"), xgan::Error);
    CHECK_THROWS_AS(xgan::io::write_safetensors(dir.path / "a", {{"w", DType::F32, {-1}, &x}}), xgan::Error);
    CHECK_THROWS_AS(xgan::io::write_safetensors(dir.path / "a", {{"__metadata__", DType::F32, {1}, &x}}),
                    xgan::Error);
    CHECK_FALSE(fs::exists(dir.path / "a"));
}

TEST_CASE("safetensors: a failed write leaves the previous file intact") {
    TempDir dir("xgan_test_safetensors_");
    const auto p = dir.path / "ckpt.safetensors";
    const float one = 1, two = 2;
    xgan::io::write_safetensors(p, {{"w", DType::F32, {1}, &one}});
    const std::string before = slurp(p);

    // Block the temporary file the atomic writer uses by putting a directory in its place.
    const fs::path blocker = p.string() + ".tmp." + std::to_string(::getpid());
    fs::create_directory(blocker);
    CHECK_THROWS_AS(xgan::io::write_safetensors(p, {{"w", DType::F32, {1}, &two}}), xgan::FileError);
    CHECK(slurp(p) == before);
    fs::remove(blocker);

    // A validation error happens before anything is written.
    CHECK_THROWS_AS(xgan::io::write_safetensors(p, {{"w", DType::F32, {1}, &two}, {"w", DType::F32, {1}, &two}}),
                    xgan::Error);
    CHECK(slurp(p) == before);

    // The target is a directory: nothing to destroy, still an error.
    CHECK_THROWS_AS(xgan::io::write_safetensors(dir.path, {{"w", DType::F32, {1}, &two}}), xgan::FileError);
    CHECK(fs::is_directory(dir.path));

    // Into a directory that does not exist.
    CHECK_THROWS_AS(xgan::io::write_safetensors(dir.path / "no" / "x", {{"w", DType::F32, {1}, &two}}),
                    xgan::FileError);

    const auto f = xgan::io::read_safetensors(p);
    float v = 0;
    std::memcpy(&v, f.find("w")->bytes.data(), 4);
    CHECK(v == 1.0f);
}

TEST_CASE("safetensors: reader rejects malformed files") {
    TempDir dir("xgan_test_safetensors_");
    const auto p = dir.path / "bad.safetensors";
    const std::string w = R"("w":{"dtype":"F32","shape":[2],"data_offsets":)";

    write_text(p, "abc");
    CHECK(contains(error_of(p), "fewer than the 8-byte header length"));

    write_text(p, std::string("\xff\x00\x00\x00\x00\x00\x00\x00", 8) + "{}");
    CHECK(contains(error_of(p), "header length 255 is larger than the 2 bytes after it"));

    write_raw(p, "{\"w\": [1,", 0);
    CHECK(contains(error_of(p), "not valid JSON"));

    write_raw(p, "[1, 2]", 0);
    CHECK(contains(error_of(p), "not a JSON object"));

    write_raw(p, R"({"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", 4);
    const auto dtype = error_of(p);
    CHECK(contains(dtype, "unsupported dtype BF16"));
    CHECK(contains(dtype, "tensor 'w'"));

    write_raw(p, R"({"w":{"shape":[2],"data_offsets":[0,8]}})", 8);
    CHECK(contains(error_of(p), "missing string field 'dtype'"));
    write_raw(p, R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", 8);
    CHECK(contains(error_of(p), "missing array field 'shape'"));
    write_raw(p, R"({"w":{"dtype":"F32","shape":[2]}})", 8);
    CHECK(contains(error_of(p), "data_offsets"));

    write_raw(p, R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8);
    CHECK(contains(error_of(p), "negative dimension -2"));

    write_raw(p, "{" + w + "[0,16]}}", 8);
    CHECK(contains(error_of(p), "outside the data buffer of 8 bytes"));

    write_raw(p, "{" + w + "[8,0]}}", 8);
    CHECK(contains(error_of(p), "begin after end"));

    write_raw(p, "{" + w + "[0,4]}}", 4);
    CHECK(contains(error_of(p), "hold 4 bytes but shape [2] of F32 needs 8"));

    write_raw(p, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
              12);
    CHECK(contains(error_of(p), "'a' and 'b' overlap"));

    write_raw(p, "{" + w + "[4,12]}}", 12);
    CHECK(contains(error_of(p), "gap of 4 bytes"));

    write_raw(p, "{" + w + "[0,8]}}", 12);
    CHECK(contains(error_of(p), "data buffer has 12 bytes but the tensors cover 8"));

    write_raw(p, "{" + w + "[0,8]}," + w + "[0,8]}}", 8);
    CHECK(contains(error_of(p), "names 'w' twice"));

    write_raw(p, R"({"__metadata__":{"epoch":3}})", 0);
    CHECK(contains(error_of(p), "not a string"));

    CHECK(contains(error_of(dir.path / "missing.safetensors"), "not found"));

    // Padding spaces after the JSON are fine.
    write_raw(p, "{" + w + "[0,8]}}     ", 8);
    CHECK(xgan::io::read_safetensors(p).tensors.size() == 1);
}
