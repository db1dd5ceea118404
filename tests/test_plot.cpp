#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <vector>

#include "xgan/io/plot.hpp"

// stb_image is compiled into this test only, to decode what the plot wrote.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb_image.h>
#pragma GCC diagnostic pop

using namespace xgan::io;

namespace {

struct Decoded {
    int width = 0, height = 0, channels = 0;
    std::vector<std::uint8_t> rgb;
    std::array<std::uint8_t, 3> at(int x, int y) const {
        const std::size_t i = (std::size_t(y) * width + x) * 3;
        return {rgb[i], rgb[i + 1], rgb[i + 2]};
    }
    int count(std::array<std::uint8_t, 3> c) const {
        int n = 0;
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) n += at(x, y) == c;
        return n;
    }
};

Decoded decode(const std::vector<std::uint8_t>& png) {
    Decoded d;
    stbi_uc* p = stbi_load_from_memory(png.data(), int(png.size()), &d.width, &d.height, &d.channels, 3);
    REQUIRE(p != nullptr);
    d.rgb.assign(p, p + std::size_t(d.width) * d.height * 3);
    stbi_image_free(p);
    return d;
}

Series noisy(std::string label, std::array<std::uint8_t, 3> color, double level) {
    Series s{std::move(label), {}, {}, color};
    for (int i = 0; i < 200; ++i) {
        s.x.push_back(i * 5);
        s.y.push_back(level + 0.3 * std::sin(i * 1.7) + 0.001 * i);
    }
    return s;
}

}  // namespace

TEST_CASE("plot: a PNG of the requested size, white background, the series colours drawn") {
    const std::array<std::uint8_t, 3> blue{31, 119, 180}, orange{255, 127, 14};
    PlotOptions o;
    o.title = "losses";
    const auto img = decode(render_loss_plot_png({noisy("D", blue, 1.0), noisy("G", orange, 2.0)}, o));
    CHECK(img.width == 900);
    CHECK(img.height == 500);
    CHECK(img.channels == 3);
    CHECK(img.at(0, 0) == std::array<std::uint8_t, 3>{255, 255, 255});
    CHECK(img.at(899, 499) == std::array<std::uint8_t, 3>{255, 255, 255});
    CHECK(img.count({255, 255, 255}) > 900 * 500 / 2);
    CHECK(img.count(blue) > 200);
    CHECK(img.count(orange) > 200);
    // Ink for text and axes.
    CHECK(img.count({40, 40, 40}) > 500);

    o.width = 320;
    o.height = 200;
    const auto small = decode(render_loss_plot_png({noisy("D", blue, 1.0)}, o));
    CHECK(small.width == 320);
    CHECK(small.height == 200);
    CHECK(small.count(blue) > 50);
}

TEST_CASE("plot: empty, single-point, constant and NaN series still render") {
    const std::array<std::uint8_t, 3> red{200, 30, 30};
    CHECK(decode(render_loss_plot_png({})).width == 900);
    CHECK(decode(render_loss_plot_png({Series{"none", {}, {}, red}})).height == 500);
    CHECK(decode(render_loss_plot_png({Series{"one", {3}, {0.5}, red}})).count(red) > 4);

    Series flat{"flat", {}, {}, red};
    for (int i = 0; i < 50; ++i) flat.x.push_back(i), flat.y.push_back(0.6931);
    CHECK(decode(render_loss_plot_png({flat})).count(red) > 100);

    Series holes{"holes", {0, 1, 2, 3, 4}, {1.0, NAN, INFINITY, 2.0, 1.5}, red};
    CHECK(decode(render_loss_plot_png({holes})).count(red) > 10);
    Series all_nan{"nan", {0, 1}, {NAN, NAN}, red};
    CHECK(decode(render_loss_plot_png({all_nan})).count(red) > 0);  // the legend swatch only

    CHECK_THROWS_AS(render_loss_plot_png({Series{"bad", {1, 2}, {1}, red}}), xgan::Error);
    PlotOptions tiny;
    tiny.width = 10;
    CHECK_THROWS_AS(render_loss_plot_png({flat}, tiny), xgan::Error);
}

TEST_CASE("plot: TensorBoard-style debiased EMA") {
    const std::vector<double> y{1, 2, 3, NAN, 4};
    const auto s = smooth_ema(y, 0.9);
    CHECK(s[0] == doctest::Approx(1.0));                            // debiased: first value kept
    CHECK(s[1] == doctest::Approx((0.09 * 1 + 0.1 * 2) / 0.19));  // (w(1-w)y0 + (1-w)y1) / (1 - w^2)
    CHECK(std::isnan(s[3]));
    CHECK(s[4] > s[2]);
    const std::vector<double> flat(20, 0.25);
    for (const double v : smooth_ema(flat, 0.9)) CHECK(v == doctest::Approx(0.25));
    const auto none = smooth_ema(y, 0.0);
    CHECK(none[2] == 3.0);
}

TEST_CASE("plot: write_loss_plot writes the file") {
    const auto path = std::filesystem::temp_directory_path() / ("xgan_test_plot_" + std::to_string(::getpid()) + ".png");
    write_loss_plot(path, {noisy("D", {31, 119, 180}, 1.0)});
    CHECK(std::filesystem::file_size(path) > 1000);
    std::filesystem::remove(path);
}
