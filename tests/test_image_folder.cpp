#include <doctest/doctest.h>

#include <cstring>

#include "test_data.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <zlib.h>

#include "xgan/backend/cpu.hpp"
#include "xgan/data/image_folder.hpp"
#include "xgan/data/loader.hpp"
#include "xgan/io/png.hpp"

namespace fs = std::filesystem;
using xgan::data::ImageDataset;
using xgan::data::ImageFolderOptions;
using xgan::data::ImageFolderReport;
using xgan::data::load_image_folder;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() /
               ("xgan_test_image_folder_" + std::to_string(std::random_device{}()) + "_" + std::to_string(counter++));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// ToTensor + Normalize(0.5, 0.5) of a byte, in float32 as torchvision computes it.
float unit(int v) { return (static_cast<float>(v) / 255.0f - 0.5f) / 0.5f; }

void png(const fs::path& p, int w, int h, int c, const std::vector<std::uint8_t>& px) {
    fs::create_directories(p.parent_path());
    xgan::io::write_png(p, px, w, h, c);
}

void text(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << s;
}

// The RGB test pattern the PIL goldens below were made from.
std::vector<std::uint8_t> pattern(int w, int h) {
    std::vector<std::uint8_t> px;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            px.push_back(std::uint8_t((x * 37 + y * 11) % 256));
            px.push_back(std::uint8_t((x * 5 + y * 71 + 13) % 256));
            px.push_back(std::uint8_t((x * x * 9 + y * 29) % 256));
        }
    return px;
}

void check_bytes(const ImageDataset& ds, std::size_t i, const std::vector<int>& expected) {
    REQUIRE(expected.size() == ds.sample_size());
    for (std::size_t k = 0; k < expected.size(); ++k) {
        INFO("value " << k);
        CHECK(ds.sample(i)[k] == unit(expected[k]));
    }
}

}  // namespace

TEST_CASE("image_folder: RGB, RGBA over white, gray, corrupt files fail, other files are skipped") {
    TempDir d;
    std::vector<std::uint8_t> rgb;
    for (int i = 0; i < 16; ++i)
        for (int c = 0; c < 3; ++c) rgb.push_back(std::uint8_t(i * 16 + c * 5));
    png(d.path / "a_rgb.png", 4, 4, 3, rgb);

    std::vector<std::uint8_t> rgba(16 * 4, 0);  // all transparent black ...
    for (int c = 0; c < 3; ++c) rgba[4 * 5 + std::size_t(c)] = std::uint8_t(10 * (c + 1));
    rgba[4 * 5 + 3] = 255;  // ... but pixel 5, opaque (10, 20, 30)
    rgba[4 * 6 + 3] = 128;  // and pixel 6, half-transparent black: 255 * 127 / 255 = 127
    png(d.path / "b_rgba.png", 4, 4, 4, rgba);

    std::vector<std::uint8_t> gray(16);
    for (int i = 0; i < 16; ++i) gray[std::size_t(i)] = std::uint8_t(255 - i * 7);
    png(d.path / "c_gray.PNG", 4, 4, 1, gray);

    std::vector<char> junk(300);
    std::mt19937 rng(3);
    for (auto& b : junk) b = char(rng());
    std::ofstream(d.path / "d_corrupt.png", std::ios::binary).write(junk.data(), std::streamsize(junk.size()));
    text(d.path / "notes.txt", "not an image");

    ImageFolderReport rep;
    const ImageDataset ds = load_image_folder(d.path, {.size = 4}, &rep);
    CHECK(rep.decoded == 3);
    CHECK(rep.failed == 1);
    CHECK(rep.skipped_non_images == 1);
    REQUIRE(rep.failures.size() == 1);
    CHECK(rep.failures[0].find("d_corrupt.png") != std::string::npos);
    CHECK(rep.classes.empty());
    REQUIRE(ds.count == 3);
    CHECK(ds.channels == 3);
    CHECK(ds.height == 4);
    CHECK(ds.width == 4);
    CHECK(ds.labels.empty());
    CHECK(ds.holds_bytes());  // 8-bit files stay 8-bit in memory
    CHECK(ds.bytes.size() == 3 * 3 * 16);
    const std::vector<float> all = ds.float_samples(0, 3);
    CHECK(std::all_of(all.begin(), all.end(), [](float v) { return v >= -1.0f && v <= 1.0f; }));

    for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 16; ++i) CHECK(ds.sample(0)[c * 16 + i] == unit(i * 16 + c * 5));
    for (int c = 0; c < 3; ++c) {
        for (int i = 0; i < 16; ++i) {
            const float v = ds.sample(1)[c * 16 + i];
            if (i == 5)
                CHECK(v == unit(10 * (c + 1)));
            else if (i == 6)
                CHECK(v == unit(127));
            else
                CHECK(v == 1.0f);  // transparent -> white
        }
    }
    for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 16; ++i) CHECK(ds.sample(2)[c * 16 + i] == unit(255 - i * 7));

    SUBCASE("channels = 1: Pillow's rounded luminance, gray kept as is") {
        const ImageDataset g = load_image_folder(d.path, {.size = 4, .channels = 1});
        REQUIRE(g.count == 3);
        CHECK(g.channels == 1);
        for (int i = 0; i < 16; ++i) {
            const int r = i * 16, gg = i * 16 + 5, b = i * 16 + 10;
            CHECK(g.sample(0)[i] == unit((r * 19595 + gg * 38470 + b * 7471 + 0x8000) >> 16));
            CHECK(g.sample(2)[i] == unit(255 - i * 7));
        }
        CHECK(g.sample(1)[0] == 1.0f);
        CHECK(g.sample(1)[5] == unit((10 * 19595 + 20 * 38470 + 30 * 7471 + 0x8000) >> 16));
    }
    SUBCASE("another background") {
        const ImageDataset k = load_image_folder(d.path, {.size = 4, .background = {0, 0, 0}});
        CHECK(k.sample(1)[0] == -1.0f);
        CHECK(k.sample(1)[6] == -1.0f);
    }
}

TEST_CASE("image_folder: a non-square image is resized on its shorter side and center-cropped") {
    TempDir d;
    // 16x8, left half red, right half blue. Resize(4) -> 8x4: Pillow's triangle filter of
    // support 2 gives output columns 3 and 4 the weights 1/8, 3/8, 3/8, 1/8 over input
    // columns 5..8 and 7..10, so they are (223, 0, 32) and (32, 0, 223).
    // CenterCrop(4) keeps columns 2..5: red, (223, 0, 32), (32, 0, 223), blue.
    std::vector<std::uint8_t> wide, tall;
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 16; ++x) {
            const bool red = x < 8;
            wide.push_back(red ? 255 : 0);
            wide.push_back(0);
            wide.push_back(red ? 0 : 255);
        }
    png(d.path / "wide.png", 16, 8, 3, wide);
    // The same transposed: 8x16, top red, bottom blue.
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 8; ++x) {
            const bool red = y < 8;
            tall.push_back(red ? 255 : 0);
            tall.push_back(0);
            tall.push_back(red ? 0 : 255);
        }
    png(d.path / "tall.png", 8, 16, 3, tall);

    const ImageDataset ds = load_image_folder(d.path, {.size = 4});
    REQUIRE(ds.count == 2);
    const std::vector<std::array<int, 3>> cols = {{255, 0, 0}, {223, 0, 32}, {32, 0, 223}, {0, 0, 255}};
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 4; ++x) {
                CHECK(ds.sample(0)[(c * 4 + y) * 4 + x] == unit(cols[std::size_t(y)][std::size_t(c)]));  // tall: rows
                CHECK(ds.sample(1)[(c * 4 + y) * 4 + x] == unit(cols[std::size_t(x)][std::size_t(c)]));  // wide: columns
            }
}

TEST_CASE("image_folder: Resize + CenterCrop + Grayscale match torchvision/PIL byte for byte") {
    // Goldens from torchvision 0.14 / Pillow 9.4: Compose([Resize(s), CenterCrop(s)]) on
    // pattern(w, h), then Grayscale(). 7x5 -> 4x3, cropped at round(0.5) = 0 (half to even);
    // 40x30 -> 5x4 shrinks 7.5x (antialiased).
    TempDir d;
    png(d.path / "p7x5.png", 7, 5, 3, pattern(7, 5));
    const ImageDataset rgb = load_image_folder(d.path, {.size = 3});
    check_bytes(rgb, 0, {24, 82, 150, 41, 99, 167, 58, 116, 184, 46, 53, 63, 158, 165,
                         175, 123, 130, 140, 18, 55, 155, 64, 101, 161, 110, 147, 119});
    const ImageDataset gray = load_image_folder(d.path, {.size = 3, .channels = 1});
    check_bytes(gray, 0, {36, 62, 100, 112, 138, 171, 102, 128, 151});

    TempDir d2;
    png(d2.path / "p40x30.png", 40, 30, 3, pattern(40, 30));
    const ImageDataset big = load_image_folder(d2.path, {.size = 4});
    check_bytes(big, 0, {125, 129, 126, 127, 133, 127, 127, 128, 125, 127, 129, 130, 122, 131, 129, 127,
                         121, 125, 131, 131, 128, 127, 129, 129, 128, 127, 128, 129, 125, 124, 126, 127,
                         128, 124, 124, 128, 126, 129, 129, 127, 127, 130, 132, 125, 128, 126, 132, 131});
    const ImageDataset big_gray = load_image_folder(d2.path, {.size = 4, .channels = 1});
    check_bytes(big_gray, 0, {123, 126, 129, 129, 129, 127, 128, 128, 127, 127, 129, 129, 124, 126, 128, 127});
}

TEST_CASE("image_folder: files come in path order, whatever the thread count") {
    TempDir d;
    for (int i = 0; i < 40; ++i) {
        const std::vector<std::uint8_t> px(4, std::uint8_t(i * 6));
        char name[32];
        std::snprintf(name, sizeof name, "img_%03d.png", 39 - i);  // written in reverse order
        png(d.path / name, 2, 2, 1, px);
    }
    const ImageDataset ds = load_image_folder(d.path, {.size = 2, .channels = 1});
    REQUIRE(ds.count == 40);
    for (int k = 0; k < 40; ++k) CHECK(ds.sample(std::size_t(k))[0] == unit((39 - k) * 6));
    CHECK(load_image_folder(d.path, {.size = 2, .channels = 1}).bytes == ds.bytes);
}

TEST_CASE("image_folder: subfolders are classes, as in torchvision's ImageFolder") {
    TempDir d;
    const std::vector<std::uint8_t> px(4 * 3, 200);
    png(d.path / "dogs" / "b.png", 2, 2, 3, px);
    png(d.path / "cats" / "z.png", 2, 2, 3, px);
    png(d.path / "dogs" / "a.png", 2, 2, 3, px);
    png(d.path / "dogs" / "puppies" / "p.png", 2, 2, 3, px);  // nested: still class "dogs"
    text(d.path / "README", "labels");

    ImageFolderReport rep;
    const ImageDataset ds = load_image_folder(d.path, {.size = 2}, &rep);
    REQUIRE(ds.count == 4);
    CHECK(rep.skipped_non_images == 1);
    CHECK(rep.classes == std::vector<std::string>{"cats", "dogs"});
    CHECK(ds.labels == std::vector<std::int32_t>{0, 1, 1, 1});

    // An image directly in the folder: no class layout, no labels.
    png(d.path / "loose.png", 2, 2, 3, px);
    ImageFolderReport rep2;
    const ImageDataset flat = load_image_folder(d.path, {.size = 2}, &rep2);
    CHECK(flat.count == 5);
    CHECK(flat.labels.empty());
    CHECK(rep2.classes.empty());

    // Not recursive: only loose.png.
    CHECK(load_image_folder(d.path, {.size = 2, .recursive = false}).count == 1);
}

TEST_CASE("image_folder: errors name the folder") {
    TempDir d;
    text(d.path / "a.txt", "x");
    text(d.path / "broken.jpg", "not a jpeg");
    text(d.path / "photo.webp", "RIFF");
    ImageFolderReport rep;
    try {
        (void)load_image_folder(d.path, {}, &rep);
        FAIL("expected a FileError");
    } catch (const xgan::FileError& e) {
        const std::string msg = e.what();
        CHECK(e.path == d.path);
        CHECK(msg.find(d.path.string()) == 0);
        CHECK(msg.find("no decodable images") != std::string::npos);
        CHECK(msg.find("2 failed") != std::string::npos);
        CHECK(msg.find("1 non-image") != std::string::npos);
    }
    CHECK(rep.failed == 2);
    CHECK(rep.skipped_non_images == 1);
    REQUIRE(rep.failures.size() == 2);
    CHECK(rep.failures[0].find("broken.jpg") != std::string::npos);
    CHECK(rep.failures[1].find("not supported") != std::string::npos);

    CHECK_THROWS_AS((void)load_image_folder(d.path / "missing"), xgan::FileError);
    CHECK_THROWS_AS((void)load_image_folder(d.path / "a.txt"), xgan::FileError);
    TempDir empty;
    CHECK_THROWS_AS((void)load_image_folder(empty.path), xgan::FileError);
    CHECK_THROWS_AS((void)load_image_folder(d.path, {.channels = 2}), xgan::Error);
    CHECK_THROWS_AS((void)load_image_folder(d.path, {.size = 0}), xgan::Error);
}

TEST_CASE("resize_dataset: bilinear enlargement, shrinking, labels kept") {
    ImageDataset ds{2, 1, 2, 2, {-1.0f, 1.0f, 0.5f, 0.0f, 0.2f, 0.2f, 0.2f, 0.2f}, {7, 3}, {}, {}};
    const ImageDataset up = xgan::data::resize_dataset(ds, 4);
    CHECK(up.count == 2);
    CHECK(up.height == 4);
    CHECK(up.width == 4);
    CHECK(up.labels == ds.labels);
    // Half-pixel bilinear (align_corners=False): source weights per output row/column are
    // (1, 0), (3/4, 1/4), (1/4, 3/4), (0, 1).
    const float w[4][2] = {{1, 0}, {0.75f, 0.25f}, {0.25f, 0.75f}, {0, 1}};
    const float a = -1, b = 1, c = 0.5f, e = 0;
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
            const float top = w[x][0] * a + w[x][1] * b, bottom = w[x][0] * c + w[x][1] * e;
            CHECK(up.sample(0)[y * 4 + x] == doctest::Approx(w[y][0] * top + w[y][1] * bottom).epsilon(1e-6));
            CHECK(up.sample(1)[y * 4 + x] == doctest::Approx(0.2f).epsilon(1e-6));
        }

    // MNIST-sized: 28 -> 32 -> and a strong shrink keeps a constant image constant.
    ImageDataset m{3, 1, 28, 28, std::vector<float>(3 * 28 * 28, -0.5f), {1, 2, 3}, {}, {}};
    const ImageDataset m32 = xgan::data::resize_dataset(m, 32);
    CHECK(m32.images.size() == 3u * 32 * 32);
    CHECK(std::all_of(m32.images.begin(), m32.images.end(), [](float v) { return std::abs(v + 0.5f) < 1e-6f; }));
    const ImageDataset m5 = xgan::data::resize_dataset(m, 5);
    CHECK(std::all_of(m5.images.begin(), m5.images.end(), [](float v) { return std::abs(v + 0.5f) < 1e-6f; }));

    // Non-square: 2 high x 6 wide, columns 0..5 -> Resize(2) keeps it, CenterCrop(2) takes 2..3.
    ImageDataset r{1, 1, 2, 6, {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}, {}, {}, {}};
    const ImageDataset r2 = xgan::data::resize_dataset(r, 2);
    CHECK(r2.images == std::vector<float>{2, 3, 2, 3});
}

TEST_CASE("to_channels: gray to RGB replicates, RGB to gray weighs luminance") {
    ImageDataset g{1, 1, 1, 2, {-1.0f, 0.5f}, {4}, {}, {}};
    const ImageDataset rgb = xgan::data::to_channels(g, 3);
    CHECK(rgb.channels == 3);
    CHECK(rgb.images == std::vector<float>{-1.0f, 0.5f, -1.0f, 0.5f, -1.0f, 0.5f});
    CHECK(rgb.labels == g.labels);
    const ImageDataset back = xgan::data::to_channels(rgb, 1);
    CHECK(back.images[0] == doctest::Approx(-1.0f));
    CHECK(back.images[1] == doctest::Approx(0.5f));
    ImageDataset c{1, 3, 1, 1, {1.0f, 0.0f, -1.0f}, {}, {}, {}};
    CHECK(xgan::data::to_channels(c, 1).images[0] == doctest::Approx(0.299f - 0.114f));
    CHECK(xgan::data::to_channels(c, 3).images == c.images);
    CHECK_THROWS_AS((void)xgan::data::to_channels(c, 2), xgan::Error);
}

namespace {

std::string pgm(std::uint64_t w, std::uint64_t h, std::size_t pixel_bytes, char fill = 77) {
    return "P5\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n" + std::string(pixel_bytes, fill);
}

// A BMP header (14 + 40 bytes) claiming w x h 24-bit pixels, followed by `data` bytes.
std::string bmp(std::uint32_t w, std::uint32_t h, std::size_t data) {
    std::string b = "BM";
    auto u32 = [&](std::uint32_t v) { for (int i = 0; i < 4; ++i) b += char((v >> (8 * i)) & 0xff); };
    auto u16 = [&](std::uint16_t v) { b += char(v & 0xff), b += char(v >> 8); };
    u32(std::uint32_t(54 + data)), u32(0), u32(54);                 // file size, reserved, pixel offset
    u32(40), u32(w), u32(h), u16(1), u16(24), u32(0), u32(0);       // info header: size, w, h, planes, bpp, BI_RGB
    u32(2835), u32(2835), u32(0), u32(0);
    return b + std::string(data, '\x10');
}

std::string failure_of(const ImageFolderReport& rep, const std::string& file) {
    for (const auto& f : rep.failures)
        if (f.find(file) != std::string::npos) return f;
    return "(" + file + " did not fail)";
}

}  // namespace

TEST_CASE("image_folder: a header claiming a huge image fails before decoding, with the reason") {
    TempDir d;
    text(d.path / "tall.pgm", pgm(1, 4444444, 52 - 17));           // 52 bytes claiming 1 x 4,444,444
    text(d.path / "wide.bmp", bmp(65538, 10000, 48));                // 102 bytes claiming 65538 x 10000
    text(d.path / "overflow.pgm", pgm(4294967297ULL, 1, 8));         // stb's int would wrap to 1
    text(d.path / "ok.pgm", "P5\n# a comment\n3 2\n255\n" + std::string(6, char(200)));
    ImageFolderReport rep;
    const ImageDataset ds = load_image_folder(d.path, {.size = 2, .channels = 1}, &rep);
    CHECK(ds.count == 1);
    CHECK(ds.sample(0)[0] == unit(200));
    CHECK(rep.failed == 3);
    CHECK(failure_of(rep, "tall.pgm").find("truncated") != std::string::npos);
    CHECK(failure_of(rep, "tall.pgm").find("1x4444444") != std::string::npos);
    const std::string wide = failure_of(rep, "wide.bmp");
    CHECK(wide.find("65538x10000 = 655380000 pixels, over the limit of 67108864") != std::string::npos);
    CHECK(wide.find("ImageFolderOptions::max_pixels") != std::string::npos);  // names the setting, not a tool's flag
    CHECK(failure_of(rep, "overflow.pgm").find("4294967297x1; a side may be at most 16777216") != std::string::npos);
}

TEST_CASE("image_folder: max_pixels sets the limit") {
    TempDir d;
    png(d.path / "a.png", 10, 10, 1, std::vector<std::uint8_t>(100, 9));
    ImageFolderReport rep;
    CHECK_THROWS_AS((void)load_image_folder(d.path, {.size = 2, .channels = 1, .max_pixels = 99}, &rep), xgan::FileError);
    REQUIRE(rep.failures.size() == 1);
    CHECK(rep.failures[0].find("10x10 = 100 pixels, over the limit of 99") != std::string::npos);
    CHECK(load_image_folder(d.path, {.size = 2, .channels = 1, .max_pixels = 100}).count == 1);
    CHECK_THROWS_AS((void)load_image_folder(d.path, {.max_pixels = 0}), xgan::Error);
}

TEST_CASE("image_folder: an extreme aspect ratio computes only the cropped pixels") {
    // 1 x 300000: Resize(64) makes it 64 x 19,200,000; taps for that whole side took ~1 GB.
    // Only the 64 kept rows and columns get taps, and only the input rows they read are resized.
    const auto t = xgan::data::detail::triangle_taps(300000, 19200000, 9599968, 64);
    CHECK(t.first.size() == 64);
    CHECK(t.weights.size() == 64 * t.ksize);
    TempDir d;
    std::string px = pgm(1, 300000, 300000, char(10));
    for (std::size_t y = 149000; y < 151000; ++y) px[px.size() - 300000 + y] = char(y < 150000 ? 100 : 180);
    text(d.path / "thin.pgm", px);
    const ImageDataset ds = load_image_folder(d.path, {.size = 64, .channels = 1});
    REQUIRE(ds.count == 1);
    // The crop's 64 rows lie between input rows 149999 (100) and 150000 (180): half-pixel
    // bilinear at 64x gives row y the weight (y + 0.5) / 64 of the second; every column is the same.
    for (std::size_t y = 0; y < 64; ++y)
        for (std::size_t x = 0; x < 64; ++x) {
            INFO("row " << y << ", column " << x);
            CHECK(ds.sample(0)[y * 64 + x] == unit(int(std::lround(100 + 80 * (double(y) + 0.5) / 64))));
        }
}

TEST_CASE("image_folder: a JPEG Huffman table of more than 256 codes is refused before stb decodes it") {
    // Debian's stb_image writes past its table for such a file (found by tests/fuzz; the inputs
    // are kept as regressions there). The second file's table starts in the segment's last byte,
    // so stb reads its counts from the bytes after the segment.
    for (const char* name : {"jpeg_dht_over_256_codes.jpg", "jpeg_dht_table_past_segment_end.jpg"}) {
        INFO(name);
        const fs::path jpeg = fs::path(xgan_test::data_dir()) / ".." / "fuzz" / "regressions" / "image" / name;
        REQUIRE(fs::exists(jpeg));
        TempDir d;
        fs::copy_file(jpeg, d.path / "bad.jpg");
        text(d.path / "ok.pgm", "P5\n3 2\n255\n" + std::string(6, char(100)));
        ImageFolderReport rep;
        const ImageDataset ds = load_image_folder(d.path, {.size = 2, .channels = 1}, &rep);
        CHECK(ds.count == 1);
        CHECK(rep.failed == 1);
        CHECK(failure_of(rep, "bad.jpg").find("more than 256") != std::string::npos);
    }
}

TEST_CASE("image_folder: empty PNG data chunks are dropped and truncated ones refused before stb decodes") {
    // Debian's stb_image copies a zero-length IDAT into its unallocated buffer (memcpy of 0 bytes
    // to NULL, undefined behaviour; tests/fuzz/regressions/image/png_empty_first_idat.png).
    std::vector<std::uint8_t> px(5 * 3);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = std::uint8_t(17 * i);
    const std::vector<std::uint8_t> plain = xgan::io::encode_png(px, 5, 3, 1);
    // The same file with an empty IDAT before the real one and another after it (CRCs zero: stb
    // does not check them). Chunks after the 8-byte signature: IHDR (13 data bytes) first.
    const std::size_t after_ihdr = 8 + 12 + 13;
    const std::vector<std::uint8_t> empty_idat = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0, 0, 0, 0};
    std::vector<std::uint8_t> padded(plain.begin(), plain.begin() + std::ptrdiff_t(after_ihdr));
    padded.insert(padded.end(), empty_idat.begin(), empty_idat.end());
    padded.insert(padded.end(), plain.begin() + std::ptrdiff_t(after_ihdr), plain.end() - 12);  // up to IEND
    padded.insert(padded.end(), empty_idat.begin(), empty_idat.end());
    padded.insert(padded.end(), plain.end() - 12, plain.end());

    std::vector<std::byte> bytes(padded.size());
    std::memcpy(bytes.data(), padded.data(), padded.size());
    xgan::data::detail::check_png_chunks(bytes);
    REQUIRE(bytes.size() == plain.size());
    CHECK(std::memcmp(bytes.data(), plain.data(), plain.size()) == 0);

    // A chunk claiming more bytes than the file has is refused before stb allocates its length.
    std::vector<std::byte> claims(bytes.begin(), bytes.begin() + std::ptrdiff_t(after_ihdr));
    for (int b : {0x7F, 0xFF, 0xFF, 0xF0, int('I'), int('D'), int('A'), int('T'), 1, 2}) claims.push_back(std::byte(b));
    CHECK_THROWS_WITH_AS(xgan::data::detail::check_png_chunks(claims),
                         doctest::Contains("truncated PNG: a chunk claims 2147483632 bytes, but only 0 follow it"), xgan::Error);

    TempDir d;
    std::ofstream(d.path / "padded.png", std::ios::binary)
        .write(reinterpret_cast<const char*>(padded.data()), std::streamsize(padded.size()));
    ImageFolderReport rep;
    const ImageDataset ds = load_image_folder(d.path, {.size = 3, .channels = 1}, &rep);
    REQUIRE(ds.count == 1);
    // 5x3 -> shorter side 3 (no resize), centre crop of columns 1..3.
    for (std::size_t y = 0; y < 3; ++y)
        for (std::size_t x = 0; x < 3; ++x) CHECK(ds.sample(0)[y * 3 + x] == unit(px[y * 5 + x + 1]));
}

TEST_CASE("resize_dataset and to_channels take 8-bit data sets as their float copies") {
    ImageDataset bytes{2, 3, 3, 5, {}, {1, 2}, {}, {}};
    for (std::size_t i = 0; i < 2 * 3 * 3 * 5; ++i) bytes.bytes.push_back(std::uint8_t(i * 53 % 256));
    const ImageDataset floats = xgan::data::with_float_samples(bytes);
    CHECK(xgan::data::resize_dataset(bytes, 4).images == xgan::data::resize_dataset(floats, 4).images);
    CHECK(xgan::data::to_channels(bytes, 1).images == xgan::data::to_channels(floats, 1).images);
    CHECK(xgan::data::to_channels(bytes, 3).bytes == bytes.bytes);  // same channels: unchanged
}

TEST_CASE("image_folder: a folder over the memory limit streams the same samples, labels and batches") {
    TempDir d;
    for (int i = 0; i < 12; ++i) {
        std::vector<std::uint8_t> px(5 * 3 * 3);
        for (std::size_t k = 0; k < px.size(); ++k) px[k] = std::uint8_t((i * 31 + int(k) * 7) % 256);
        char name[32];
        std::snprintf(name, sizeof name, "%s/img_%02d.png", i % 3 ? "b" : "a", i);
        png(d.path / name, 5, 3, 3, px);
    }
    text(d.path / "a" / "broken.png", "not a png");

    ImageFolderReport kept_rep, streamed_rep;
    const ImageDataset kept = load_image_folder(d.path, {.size = 3}, &kept_rep);
    // 13 image files (one broken) of 27 bytes each: 351 bytes; a limit of 350 streams them.
    const ImageDataset streamed = load_image_folder(d.path, {.size = 3, .memory_limit = 350}, &streamed_rep);
    CHECK_FALSE(kept_rep.streamed);
    CHECK(kept.holds_bytes());
    CHECK(streamed_rep.streamed);
    CHECK(streamed.streamed());
    CHECK(streamed.bytes.empty());
    CHECK(streamed.images.empty());
    CHECK(streamed.consistent());
    CHECK(streamed_rep.failed == 1);
    CHECK(streamed_rep.files == kept_rep.files);
    REQUIRE(streamed.count == 12);
    CHECK(streamed.labels == kept.labels);
    CHECK(streamed.float_samples(0, 12) == kept.float_samples(0, 12));
    CHECK(load_image_folder(d.path, {.size = 3, .memory_limit = 351}).holds_bytes());  // at the limit: kept

    // The loader decodes a streamed batch in parallel; the batches are the in-memory ones.
    xgan::data::BatchLoader a(kept, 5, 3), b(streamed, 5, 3);
    xgan::Tensor<xgan::Shape<3, 3, 3>, xgan::Cpu> ta, tb;
    std::vector<std::int32_t> la, lb;
    for (int step = 0; step < 8; ++step) {
        const bool got = a.next(ta, &la);
        REQUIRE(got == b.next(tb, &lb));
        if (!got) continue;
        CHECK(la == lb);
        for (std::size_t k = 0; k < ta.size(); ++k) CHECK(ta.data()[k] == tb.data()[k]);
    }
    const ImageDataset first4 = xgan::data::subset(streamed, 4);
    CHECK(first4.streamed());
    CHECK(first4.float_samples(0, 4) == kept.float_samples(0, 4));

    // A file that changes after the check fails when drawn, naming it.
    text(d.path / "a" / "img_00.png", "gone");
    CHECK_THROWS_WITH_AS((void)streamed.sample(0), doctest::Contains("img_00.png"), xgan::FileError);
}

namespace {
// An uncompressed 8-bit BMP of w x 2 pixels (the same row twice) whose palette holds `colours`
// gray entries.
std::string bmp8(int w, int colours, const std::vector<std::uint8_t>& pixels) {
    std::string b;
    auto put = [&](std::uint32_t v, int n) {
        for (int i = 0; i < n; ++i) b.push_back(char(v >> (8 * i) & 0xFF));
    };
    const int row = (w + 3) / 4 * 4, offset = 14 + 40 + 4 * colours;
    b += "BM";
    put(std::uint32_t(offset + 2 * row), 4), put(0, 4), put(std::uint32_t(offset), 4);
    put(40, 4), put(std::uint32_t(w), 4), put(2, 4), put(1, 2), put(8, 2), put(0, 4), put(std::uint32_t(2 * row), 4);
    put(2835, 4), put(2835, 4), put(std::uint32_t(colours), 4), put(0, 4);
    for (int c = 0; c < colours; ++c) put(std::uint32_t(c * 0x010101), 4);
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < row; ++x) b.push_back(char(x < w ? pixels[std::size_t(x)] : 0));
    return b;
}
}  // namespace

TEST_CASE("image_folder: a paletted BMP needs every colour its pixels can name") {
    TempDir d;
    text(d.path / "full.bmp", bmp8(2, 256, {10, 200}));
    ImageFolderReport rep;
    const ImageDataset ds = load_image_folder(d.path, {.size = 2, .channels = 1}, &rep);
    REQUIRE(ds.count == 1);
    CHECK(ds.bytes == std::vector<std::uint8_t>{10, 200, 10, 200});  // the palette's grays
    text(d.path / "short.bmp", bmp8(2, 16, {10, 200}));  // 200 is past a 16-colour palette
    ImageFolderReport rep2;
    CHECK(load_image_folder(d.path, {.size = 2, .channels = 1}, &rep2).count == 1);
    REQUIRE(rep2.failures.size() == 1);
    CHECK(rep2.failures[0].find("a BMP palette of 16 colours for 8-bit pixels") != std::string::npos);
}

namespace {
// A 2x2 8-bit paletted PNG whose PLTE holds `colours` entries (gray c * 100), pixel values `px`.
std::string paletted_png(int colours, const std::array<std::uint8_t, 4>& px) {
    std::string out("\x89PNG\r\n\x1a\n", 8);
    auto chunk = [&](const char* type, const std::string& data) {
        for (int i = 3; i >= 0; --i) out.push_back(char(data.size() >> (8 * i) & 0xFF));
        std::string body = std::string(type, 4) + data;
        out += body;
        const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()));
        for (int i = 3; i >= 0; --i) out.push_back(char(crc >> (8 * i) & 0xFF));
    };
    chunk("IHDR", std::string("\0\0\0\2\0\0\0\2\x08\x03\0\0\0", 13));
    std::string plte;
    for (int c = 0; c < colours; ++c) plte += std::string(3, char(c * 100));
    chunk("PLTE", plte);
    const std::uint8_t raw[6] = {0, px[0], px[1], 0, px[2], px[3]};  // filter 0 per row
    uLongf size = compressBound(6);
    std::string z(size, '\0');
    compress(reinterpret_cast<Bytef*>(z.data()), &size, raw, 6);
    z.resize(size);
    chunk("IDAT", z);
    chunk("IEND", "");
    return out;
}
}  // namespace

TEST_CASE("image_folder: a PNG pixel past a short palette is black, the same on every decode") {
    TempDir d;
    text(d.path / "a.png", paletted_png(2, {0, 1, 1, 0}));
    const ImageDataset ok = load_image_folder(d.path, {.size = 2, .channels = 1});
    CHECK(ok.bytes == std::vector<std::uint8_t>{0, 100, 100, 0});
    text(d.path / "a.png", paletted_png(2, {1, 200, 0, 1}));  // 200 names no colour
    const ImageDataset first = load_image_folder(d.path, {.size = 2, .channels = 1});
    CHECK(first.bytes == std::vector<std::uint8_t>{100, 0, 0, 100});
    CHECK(load_image_folder(d.path, {.size = 2, .channels = 1}).bytes == first.bytes);
}
