#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "xgan/io/image_grid.hpp"

namespace fs = std::filesystem;

TEST_CASE("image_grid: 64 MNIST-sized images make a 242x242 grid with zero padding") {
    std::vector<float> images(64 * 28 * 28);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (auto& v : images) v = u(rng);
    images[5] = -3.0f;  // batch min
    images[7] = 5.0f;   // batch max

    const auto g = xgan::io::make_grid(images.data(), 64, 1, 28, 28);
    CHECK(g.width == 242);
    CHECK(g.height == 242);
    CHECK(g.channels == 1);
    REQUIRE(g.pixels.size() == 242u * 242u);
    auto at = [&](int x, int y) { return g.pixels[std::size_t(y) * 242 + std::size_t(x)]; };

    // Padding: the first two rows/columns, and two lines between tiles (28 + 2 = 30 apart).
    bool padding_zero = true;
    for (int i = 0; i < 242; ++i)
        for (int line : {0, 1, 30, 31, 240, 241}) padding_zero = padding_zero && at(i, line) == 0 && at(line, i) == 0;
    CHECK(padding_zero);
    CHECK(at(2 + 5, 2) == 0);    // min -> 0
    CHECK(at(2 + 7, 2) == 255);  // max -> 255
    // Tile 9 (row 1, column 1) starts at (32, 32) and holds image 9's first pixel.
    const float v = (images[9 * 784] + 3.0f) / 8.0f;
    CHECK(std::abs(at(32, 32) - v * 255.0f) <= 1.0f);
}

TEST_CASE("image_grid: hand-computed two-image grid") {
    // Two 1x2x2 images, padding 1: grid 7 wide (1+2+1+2+1) and 4 high (1+2+1).
    const std::vector<float> images = {-1.0f, 0.0f, 0.5f, 1.0f, 0.25f, -0.5f, 1.0f, -1.0f};
    const auto g = xgan::io::make_grid(images.data(), 2, 1, 2, 2, 8, 1);
    CHECK(g.width == 7);
    CHECK(g.height == 4);
    // (x + 1) / 2 * 255 + 0.5, truncated: -1 -> 0, 0 -> 128, 0.5 -> 191, 1 -> 255, 0.25 -> 159, -0.5 -> 64.
    const std::vector<std::uint8_t> expected = {
        0, 0,   0,   0, 0,   0,  0,  //
        0, 0,   128, 0, 159, 64, 0,  //
        0, 191, 255, 0, 255, 0,  0,  //
        0, 0,   0,   0, 0,   0,  0,
    };
    CHECK(g.pixels == expected);
}

TEST_CASE("image_grid: rows wrap after nrow images, RGB is interleaved") {
    // Three 3x1x1 images, two per row: grid 2 tiles wide, 2 high, no padding.
    const std::vector<float> images = {0.0f, 0.5f, 1.0f, 1.0f, 0.0f, 0.5f, 0.5f, 0.5f, 0.5f};
    const auto g = xgan::io::make_grid(images.data(), 3, 3, 1, 1, 2, 0);
    CHECK(g.width == 2);
    CHECK(g.height == 2);
    CHECK(g.channels == 3);
    const std::vector<std::uint8_t> expected = {0, 128, 255, 255, 0, 128, 128, 128, 128, 0, 0, 0};
    CHECK(g.pixels == expected);
}

TEST_CASE("image_grid: constant batch, no normalize, single image, bad input") {
    const std::vector<float> flat(8, 0.3f);
    const auto c = xgan::io::make_grid(flat.data(), 2, 1, 2, 2, 8, 0);
    CHECK(c.pixels == std::vector<std::uint8_t>(8, 0));  // (x - min) / 1e-5 = 0

    const std::vector<float> raw = {0.0f, 0.5f, 1.0f, 2.0f, -1.0f, 0.2f};
    const auto r = xgan::io::make_grid(raw.data(), 6, 1, 1, 1, 8, 0, false);
    CHECK(r.pixels == std::vector<std::uint8_t>{0, 128, 255, 255, 0, 51});

    // torchvision returns a lone image without padding.
    const auto one = xgan::io::make_grid(raw.data(), 1, 1, 2, 3);
    CHECK(one.width == 3);
    CHECK(one.height == 2);

    std::vector<float> nan = raw;
    nan[2] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(xgan::io::make_grid(nan.data(), 6, 1, 1, 1), xgan::Error);
    CHECK_THROWS_AS(xgan::io::make_grid(raw.data(), 0, 1, 1, 1), xgan::Error);
    CHECK_THROWS_AS(xgan::io::make_grid(raw.data(), 6, 1, 1, 1, 0), xgan::Error);
}

TEST_CASE("image_grid: PNG bytes and file") {
    std::vector<float> images(4 * 3 * 5 * 5);
    for (std::size_t i = 0; i < images.size(); ++i) images[i] = std::sin(float(i));
    const auto png = xgan::io::grid_png(images.data(), 4, 3, 5, 5, 2);
    REQUIRE(png.size() > 8);
    CHECK(png[0] == 0x89);
    CHECK(png[1] == 'P');
    // IHDR: width and height big-endian at bytes 16..23; 2*(5+2)+2 = 16.
    CHECK(png[19] == 16);
    CHECK(png[23] == 16);
    CHECK(png[25] == 2);  // colour type 2 = RGB

    static std::atomic<int> counter{0};
    const fs::path p = fs::temp_directory_path() / ("xgan_test_grid_" + std::to_string(std::random_device{}()) +
                                                    "_" + std::to_string(counter++) + ".png");
    xgan::io::write_grid_png(p, images.data(), 4, 3, 5, 5, 2);
    std::ifstream in(p, std::ios::binary);
    const std::vector<std::uint8_t> written((std::istreambuf_iterator<char>(in)), {});
    CHECK(written == png);
    fs::remove(p);
}
