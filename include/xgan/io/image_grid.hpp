#pragma once
// Image grids of a batch, pixel for pixel what torchvision's
// save_image(make_grid(x, nrow, padding, normalize=True)) writes: images laid out
// `nrow` per row with `padding` pixels of 0 around them, scaled by the batch's min and max
// to [0, 1], then to bytes as clamp(v * 255 + 0.5, 0, 255) truncated.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/io/atomic_file.hpp"
#include "xgan/io/png.hpp"

namespace xgan::io {

struct Grid {
    int width = 0, height = 0, channels = 0;
    std::vector<std::uint8_t> pixels;  // [height, width, channels], row-major, as PNG wants them
};

// images: n NCHW float images. As in torchvision, a single image gets no padding; without
// normalize, values are taken to lie in [0, 1]. NaN or infinite values are an Error.
inline Grid make_grid(const float* images, std::size_t n, std::size_t channels, std::size_t height,
                      std::size_t width, std::size_t nrow = 8, std::size_t padding = 2, bool normalize = true) {
    if (!images || n == 0 || channels == 0 || height == 0 || width == 0 || nrow == 0)
        throw Error("make_grid: empty batch or zero size (n=" + std::to_string(n) + ", c=" + std::to_string(channels) +
                    ", h=" + std::to_string(height) + ", w=" + std::to_string(width) + ", nrow=" + std::to_string(nrow) +
                    ")");
    const std::size_t plane = height * width, numel = n * channels * plane;
    if (!std::all_of(images, images + numel, [](float v) { return std::isfinite(v); }))
        throw Error("make_grid: images contain NaN or infinite values");

    // Each step rounds to float once, as PyTorch's float32 ops do (one double op rounded to
    // float is exact, and no compiler contracts it into a fused multiply-add).
    auto f32 = [](double v) { return static_cast<float>(v); };
    float low = 0, range = 1;
    if (normalize) {
        const auto [lo, hi] = std::minmax_element(images, images + numel);
        low = *lo;
        range = f32(std::max(double(*hi) - double(*lo), 1e-5));
    }
    auto to_byte = [&](float v) {
        if (normalize) v = f32(double(f32(double(v) - low)) / range);
        const float scaled = f32(double(f32(double(v) * 255.0)) + 0.5);
        return static_cast<std::uint8_t>(std::clamp(scaled, 0.0f, 255.0f));
    };

    const std::size_t pad = n == 1 ? 0 : padding;
    const std::size_t cols = std::min(nrow, n), rows = (n + cols - 1) / cols;
    const std::size_t grid_h = rows * (height + pad) + pad, grid_w = cols * (width + pad) + pad;
    if (grid_h > std::size_t(std::numeric_limits<int>::max()) / grid_w / channels)
        throw Error("make_grid: grid of " + std::to_string(grid_w) + "x" + std::to_string(grid_h) + " is too large");

    Grid g{int(grid_w), int(grid_h), int(channels), std::vector<std::uint8_t>(grid_h * grid_w * channels, 0)};
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t y0 = (k / cols) * (height + pad) + pad, x0 = (k % cols) * (width + pad) + pad;
        for (std::size_t c = 0; c < channels; ++c) {
            const float* src = images + (k * channels + c) * plane;
            for (std::size_t y = 0; y < height; ++y)
                for (std::size_t x = 0; x < width; ++x)
                    g.pixels[((y0 + y) * grid_w + x0 + x) * channels + c] = to_byte(src[y * width + x]);
        }
    }
    return g;
}

// PNG bytes of make_grid(...): 1 channel gray, 3 RGB, 4 RGBA.
inline std::vector<std::uint8_t> grid_png(const float* images, std::size_t n, std::size_t channels,
                                          std::size_t height, std::size_t width, std::size_t nrow = 8,
                                          std::size_t padding = 2, bool normalize = true) {
    const Grid g = make_grid(images, n, channels, height, width, nrow, padding, normalize);
    return encode_png(g.pixels, g.width, g.height, g.channels);
}

inline void write_grid_png(const std::filesystem::path& path, const float* images, std::size_t n,
                           std::size_t channels, std::size_t height, std::size_t width, std::size_t nrow = 8,
                           std::size_t padding = 2, bool normalize = true) {
    const auto png = grid_png(images, n, channels, height, width, nrow, padding, normalize);
    write_file_atomically(path, std::as_bytes(std::span(png)));
}

}  // namespace xgan::io
