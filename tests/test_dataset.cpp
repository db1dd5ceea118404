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
#include "xgan/data/dataset.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> idx(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& payload) {
    std::vector<std::uint8_t> b = {0, 0, 0x08, std::uint8_t(dims.size())};
    for (auto d : dims)
        for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(d >> s));
    b.insert(b.end(), payload.begin(), payload.end());
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

// Three 2x2 images and their labels.
const std::vector<std::uint8_t> pixels = {0, 255, 128, 1, 10, 20, 30, 40, 255, 255, 0, 0};
const std::vector<std::uint8_t> labels = {7, 0, 200};

}  // namespace

TEST_CASE("dataset: idx images are scaled to [-1, 1] like ToTensor + Normalize(0.5, 0.5)") {
    TempDir dir("xgan_test_dataset_");
    write_bytes(dir.path / "img", idx({3, 2, 2}, pixels));
    write_bytes(dir.path / "lbl", idx({3}, labels));
    const auto ds = xgan::data::load_idx_dataset(dir.path / "img", dir.path / "lbl");
    CHECK(ds.count == 3);
    CHECK(ds.channels == 1);
    CHECK(ds.height == 2);
    CHECK(ds.width == 2);
    CHECK(ds.sample_size() == 4);
    REQUIRE(ds.holds_bytes());
    REQUIRE(ds.bytes.size() == 12);
    CHECK(ds.images.empty());
    const std::vector<float> first = ds.sample(0);
    CHECK(first[0] == -1.0f);
    CHECK(first[1] == 1.0f);
    CHECK(first[2] == (128.0f / 255.0f - 0.5f) / 0.5f);
    CHECK(first[2] == doctest::Approx(128.0 / 255.0 * 2 - 1).epsilon(1e-6));
    CHECK(ds.sample(2)[0] == 1.0f);
    CHECK(ds.sample(2)[3] == -1.0f);
    CHECK(ds.labels == std::vector<std::int32_t>{7, 0, 200});
}

TEST_CASE("dataset: label count mismatch names both files") {
    TempDir dir("xgan_test_dataset_");
    write_bytes(dir.path / "images-idx3-ubyte", idx({3, 2, 2}, pixels));
    write_bytes(dir.path / "labels-idx1-ubyte", idx({2}, {1, 2}));
    try {
        xgan::data::load_idx_dataset(dir.path / "images-idx3-ubyte", dir.path / "labels-idx1-ubyte");
        FAIL("count mismatch accepted");
    } catch (const xgan::FileError& e) {
        const std::string msg = e.what();
        CHECK(msg.find("labels-idx1-ubyte") != std::string::npos);
        CHECK(msg.find("images-idx3-ubyte") != std::string::npos);
        CHECK(msg.find("2 labels") != std::string::npos);
        CHECK(msg.find("3 images") != std::string::npos);
    }
}

TEST_CASE("dataset: wrong ranks are errors") {
    TempDir dir("xgan_test_dataset_");
    write_bytes(dir.path / "img", idx({3, 4}, std::vector<std::uint8_t>(12)));
    write_bytes(dir.path / "lbl", idx({3}, labels));
    CHECK_THROWS_WITH_AS(xgan::data::load_idx_dataset(dir.path / "img", dir.path / "lbl"),
                         doctest::Contains("rank 3"), xgan::FileError);
    write_bytes(dir.path / "img", idx({3, 2, 2}, pixels));
    write_bytes(dir.path / "lbl", idx({3, 1}, labels));
    CHECK_THROWS_WITH_AS(xgan::data::load_idx_dataset(dir.path / "img", dir.path / "lbl"),
                         doctest::Contains("rank 1"), xgan::FileError);
}

TEST_CASE("dataset: load_mnist_dir finds plain and .gz files, names the missing one") {
    TempDir dir("xgan_test_dataset_");
    write_gz(dir.path / "train-images-idx3-ubyte.gz", idx({3, 2, 2}, pixels));
    write_bytes(dir.path / "train-labels-idx1-ubyte", idx({3}, labels));
    const auto train = xgan::data::load_mnist_dir(dir.path, true);
    CHECK(train.count == 3);
    CHECK(train.labels[2] == 200);

    try {
        xgan::data::load_mnist_dir(dir.path, false);
        FAIL("missing test set accepted");
    } catch (const xgan::FileError& e) {
        CHECK(e.path == dir.path / "t10k-images-idx3-ubyte");
        CHECK(std::string(e.what()).find("not found") != std::string::npos);
    }
}

TEST_CASE("dataset: subset keeps the first n samples") {
    TempDir dir("xgan_test_dataset_");
    write_bytes(dir.path / "img", idx({3, 2, 2}, pixels));
    write_bytes(dir.path / "lbl", idx({3}, labels));
    const auto ds = xgan::data::load_idx_dataset(dir.path / "img", dir.path / "lbl");
    const auto two = xgan::data::subset(ds, 2);
    CHECK(two.count == 2);
    CHECK(two.height == 2);
    CHECK(two.bytes == std::vector<std::uint8_t>(ds.bytes.begin(), ds.bytes.begin() + 8));
    CHECK(two.float_samples(0, 2) == ds.float_samples(0, 2));
    CHECK(two.labels == std::vector<std::int32_t>{7, 0});
    CHECK_THROWS_AS(xgan::data::subset(ds, 4), xgan::Error);
}

TEST_CASE("dataset: 8-bit samples read as their floats, and with_float_samples holds the same values") {
    TempDir dir("xgan_test_dataset_");
    write_bytes(dir.path / "img", idx({3, 2, 2}, pixels));
    write_bytes(dir.path / "lbl", idx({3}, labels));
    const auto ds = xgan::data::load_idx_dataset(dir.path / "img", dir.path / "lbl");
    CHECK(ds.consistent());
    const auto f = xgan::data::with_float_samples(ds);
    CHECK_FALSE(f.holds_bytes());
    CHECK(f.consistent());
    CHECK(f.bytes.empty());
    REQUIRE(f.images.size() == 12);
    for (std::size_t k = 0; k < 12; ++k) CHECK(f.images[k] == (float(pixels[k]) / 255.0f - 0.5f) / 0.5f);
    CHECK(f.labels == ds.labels);
    CHECK(ds.float_samples(1, 2) == std::vector<float>(f.images.begin() + 4, f.images.end()));
    CHECK_THROWS_AS((void)ds.float_samples(2, 2), xgan::Error);

    auto broken = ds;
    broken.bytes.pop_back();
    CHECK_FALSE(broken.consistent());
}
