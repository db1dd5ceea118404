#pragma once
// PNG encoding of 8-bit pixel buffers through stb_image_write (compiled static, so the
// header-only library can include it from any number of translation units).
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/io/atomic_file.hpp"

#ifndef XGAN_STB_IMAGE_WRITE_INCLUDED
#define XGAN_STB_IMAGE_WRITE_INCLUDED
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_image_write.h>
#pragma GCC diagnostic pop
#undef STB_IMAGE_WRITE_IMPLEMENTATION
#endif

namespace xgan::io {

// pixels: height rows of width*channels bytes (channels 1 = gray, 3 = RGB, 4 = RGBA).
inline std::vector<std::uint8_t> encode_png(std::span<const std::uint8_t> pixels, int width, int height,
                                            int channels) {
    if (width <= 0 || height <= 0 || channels < 1 || channels > 4 ||
        pixels.size() != static_cast<std::size_t>(width) * height * channels)
        throw Error("encode_png: pixel buffer does not match " + std::to_string(width) + "x" +
                    std::to_string(height) + "x" + std::to_string(channels));
    std::vector<std::uint8_t> out;
    auto append = [](void* ctx, void* data, int size) {
        auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
        auto* p = static_cast<const std::uint8_t*>(data);
        v->insert(v->end(), p, p + size);
    };
    if (!stbi_write_png_to_func(append, &out, width, height, channels, pixels.data(), width * channels))
        throw Error("encode_png: stb_image_write failed");
    return out;
}

inline void write_png(const std::filesystem::path& path, std::span<const std::uint8_t> pixels, int width, int height,
                      int channels) {
    const auto png = encode_png(pixels, width, height, channels);
    write_file_atomically(path, std::as_bytes(std::span(png)));
}

}  // namespace xgan::io
