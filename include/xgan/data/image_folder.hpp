#pragma once
// Image-folder data sets: every image under a folder, decoded (PNG, JPEG, BMP, GIF, TGA, PNM
// through stb_image), made size x size and scaled to [-1, 1] as torchvision's
//   ImageFolder + Compose([Resize(size), CenterCrop(size), Grayscale() (channels 1),
//                          ToTensor(), Normalize(0.5, 0.5)])
// does with its PIL loader, pixel for pixel:
// - alpha is composited onto `background` (white by default) in 8 bits; torchvision's loader
//   would drop it (convert("RGB")), which turns transparent emoji backgrounds black;
// - Resize is Pillow's BILINEAR resample, which is area-correct at any scale: a triangle
//   filter whose support widens with the downscale factor (so it antialiases every shrink,
//   by 2x or 20x), applied horizontally then vertically with Pillow's 22-bit fixed-point
//   weights and rounding to 8 bits after each pass; upscaling is ordinary half-pixel bilinear;
// - the shorter side becomes `size`, the longer int(size * long / short), and CenterCrop
//   takes the offset round((len - size) / 2) with Python's round-half-to-even;
// - Grayscale is Pillow's convert("L"): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, the
//   rounded form of L = R*299/1000 + G*587/1000 + B*114/1000.
// Also resize_dataset() (torchvision Resize + CenterCrop on float tensors, antialiased) and
// to_channels() for in-memory data sets.
//
// Size limit: a few bytes of header can claim a gigapixel image, so the dimensions are read
// from the header and checked before anything is decoded. An image may have at most
// ImageFolderOptions::max_pixels pixels (width x height; default 2^26 = 67,108,864, e.g.
// 8192 x 8192, 256 MiB decoded; `xgan train --max-image-pixels N` raises it) and no side over
// 2^24 (stb_image's own limit). Larger, truncated or inconsistent files count as failed, with
// the reason, like any other file that does not decode.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/data/dataset.hpp"
#include "xgan/io/read_file.hpp"

#ifndef XGAN_STB_IMAGE_INCLUDED
#define XGAN_STB_IMAGE_INCLUDED
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
// Zeroed allocations: stb_image leaves parts of some malformed files' buffers unwritten and
// reads them (a truncated JPEG's colour conversion; found by the fuzzer as two decodes of one
// file that differed), so a file would decode differently each time a streamed folder draws it.
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(p, size) std::realloc(p, size)
#define STBI_FREE(p) std::free(p)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include <stb_image.h>
#pragma GCC diagnostic pop
#undef STB_IMAGE_IMPLEMENTATION
#endif

namespace xgan::data {

// The default pixel limit (8192 x 8192) and stb_image's limit on one side (STBI_MAX_DIMENSIONS).
inline constexpr std::uint64_t default_max_image_pixels = std::uint64_t(1) << 26;
inline constexpr std::uint64_t max_image_side = std::uint64_t(1) << 24;
// The default ImageFolderOptions::memory_limit: 4 GiB of 8-bit samples (CelebA's 202,599
// images fit at 64x64 RGB, 2.5 GB, and stream at 128x128, 10 GB).
inline constexpr std::uint64_t default_image_memory_limit = std::uint64_t(4) << 30;

struct ImageFolderOptions {
    std::size_t size = 64;                   // output height and width
    std::size_t channels = 3;                // 1 grayscale or 3 RGB
    bool recursive = true;                   // descend into subfolders
    std::array<float, 3> background{1, 1, 1};  // RGB in [0, 1] that alpha is composited onto
    std::uint64_t max_pixels = default_max_image_pixels;  // larger images fail (see the top of this file)
    // A folder whose image files' 8-bit samples (size x size x channels bytes each) would take
    // more bytes than this is streamed: every file is decoded once to check it, then again each
    // time a batch draws it (0: always stream).
    std::uint64_t memory_limit = default_image_memory_limit;
};

struct ImageFolderReport {
    std::size_t decoded = 0, failed = 0, skipped_non_images = 0;
    std::vector<std::string> failures;  // the first 10 "file: reason", in path order
    std::vector<std::string> classes;   // class names when labels come from subfolders, else empty
    std::vector<std::string> files;     // each decoded image's path relative to the folder, in dataset order
    bool streamed = false;              // decoded as batches draw them (ImageFolderOptions::memory_limit)
};

namespace detail {

// An 8-bit image, rows of width * channels bytes (channels 1 or 3).
struct Image8 {
    std::size_t width = 0, height = 0, channels = 0;
    std::vector<std::uint8_t> pixels;
};

inline std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}

enum class FileKind { image, unsupported_image, other };

inline FileKind file_kind(const std::filesystem::path& p) {
    const std::string ext = lower(p.extension().string());
    for (const char* e : {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".gif", ".tga", ".ppm", ".pgm", ".pnm"})
        if (ext == e) return FileKind::image;
    for (const char* e : {".tif", ".tiff", ".webp"})  // images in torchvision's list that stb cannot decode
        if (ext == e) return FileKind::unsupported_image;
    return FileKind::other;
}

// Pillow's precompute_coeffs for its BILINEAR filter, for the output pixels begin .. begin + n
// of a dimension resized from in_size to out_size (the ones a center crop keeps: a table for
// the whole resized side could be huge for an extreme aspect ratio). Pixel begin + i reads
// count[i] input pixels from first[i] with weights[i * ksize ...].
struct Taps {
    std::size_t ksize = 0;
    std::vector<std::size_t> first, count;
    std::vector<double> weights;  // normalised to sum 1 per output pixel
};

inline Taps triangle_taps(std::size_t in_size, std::size_t out_size, std::size_t begin, std::size_t n) {
    const double scale = double(in_size) / double(out_size);
    const double filterscale = std::max(scale, 1.0);
    const double support = 1.0 * filterscale;  // the triangle filter has support 1
    Taps t;
    t.ksize = std::size_t(std::ceil(support)) * 2 + 1;
    t.first.resize(n);
    t.count.resize(n);
    t.weights.assign(n * t.ksize, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const double center = (double(begin + i) + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        const long lo = std::max(long(center - support + 0.5), 0L);  // truncation, as Pillow's (int) cast
        const long hi = std::min(long(center + support + 0.5), long(in_size));
        double* w = &t.weights[i * t.ksize];
        double total = 0;
        for (long x = lo; x < hi; ++x) {
            const double d = std::abs((double(x) - center + 0.5) * ss);
            w[x - lo] = d < 1.0 ? 1.0 - d : 0.0;
            total += w[x - lo];
        }
        if (total != 0.0)
            for (long x = lo; x < hi; ++x) w[x - lo] /= total;
        t.first[i] = std::size_t(lo);
        t.count[i] = std::size_t(hi - lo);
    }
    return t;
}

constexpr int precision_bits = 32 - 8 - 2;  // Pillow's PRECISION_BITS for 8-bit images

inline std::vector<std::int32_t> fixed_weights(const Taps& t) {
    std::vector<std::int32_t> k(t.weights.size());
    for (std::size_t i = 0; i < k.size(); ++i) {
        const double v = t.weights[i] * double(1 << precision_bits);
        k[i] = std::int32_t(v < 0 ? v - 0.5 : v + 0.5);
    }
    return k;
}

inline std::uint8_t clip8(std::int32_t acc) {
    return std::uint8_t(std::clamp(acc >> precision_bits, 0, 255));
}

// torchvision's Resize(size) output: the shorter side becomes size, the longer
// int(size * long / short).
inline std::array<std::size_t, 2> resized_hw(std::size_t h, std::size_t w, std::size_t size) {
    const std::size_t shorter = std::min(h, w), longer = std::max(h, w);
    const auto new_long = std::size_t(double(size) * double(longer) / double(shorter));
    return w <= h ? std::array{new_long, size} : std::array{size, new_long};
}

// torchvision's CenterCrop offset: int(round((len - size) / 2.0)), round half to even.
inline std::size_t crop_offset(std::size_t len, std::size_t size) {
    const std::size_t diff = len - size, half = diff / 2;
    if (diff % 2 == 0) return half;
    return half % 2 == 0 ? half : half + 1;
}

// Pillow's resize(BILINEAR) of `in` to (rh, rw) followed by the size x size center crop,
// computing only the pixels the crop keeps (each output pixel depends on its row and
// column alone, so this equals resizing everything and cropping). The horizontal pass runs
// only over the input rows that the kept output rows read, so its buffer stays small
// whatever the aspect ratio.
inline Image8 resize_crop(const Image8& in, std::size_t size) {
    const auto [rh, rw] = resized_hw(in.height, in.width, size);
    const std::size_t top = crop_offset(rh, size), left = crop_offset(rw, size);
    const std::size_t c = in.channels, stride = size * c;
    const bool resize_rows = rh != in.height, resize_cols = rw != in.width;  // Pillow skips a pass that keeps the size

    // The input rows y0 .. y1 that output rows top .. top + size read.
    const Taps tv = resize_rows ? triangle_taps(in.height, rh, top, size) : Taps{};
    std::size_t y0 = top, y1 = top + size;
    if (resize_rows) {
        y0 = in.height, y1 = 0;
        for (std::size_t y = 0; y < size; ++y) {
            y0 = std::min(y0, tv.first[y]);
            y1 = std::max(y1, tv.first[y] + tv.count[y]);
        }
    }

    // Horizontal pass: input rows y0 .. y1, output columns left .. left + size.
    Image8 mid{size, y1 - y0, c, {}};
    mid.pixels.resize(mid.height * stride);
    if (!resize_cols) {
        for (std::size_t y = y0; y < y1; ++y)
            std::memcpy(&mid.pixels[(y - y0) * stride], &in.pixels[(y * in.width + left) * c], stride);
    } else {
        const Taps t = triangle_taps(in.width, rw, left, size);
        const auto k = fixed_weights(t);
        for (std::size_t y = y0; y < y1; ++y) {
            const std::uint8_t* row = &in.pixels[y * in.width * c];
            for (std::size_t x = 0; x < size; ++x) {
                const std::int32_t* kw = &k[x * t.ksize];
                for (std::size_t ch = 0; ch < c; ++ch) {
                    std::int32_t acc = 1 << (precision_bits - 1);
                    for (std::size_t j = 0; j < t.count[x]; ++j) acc += row[(t.first[x] + j) * c + ch] * kw[j];
                    mid.pixels[((y - y0) * size + x) * c + ch] = clip8(acc);
                }
            }
        }
    }
    if (!resize_rows) return mid;

    // Vertical pass: output rows top .. top + size.
    Image8 out{size, size, c, {}};
    const auto k = fixed_weights(tv);
    out.pixels.resize(size * stride);
    for (std::size_t y = 0; y < size; ++y) {
        const std::int32_t* kw = &k[y * tv.ksize];
        for (std::size_t i = 0; i < stride; ++i) {
            std::int32_t acc = 1 << (precision_bits - 1);
            for (std::size_t j = 0; j < tv.count[y]; ++j) acc += mid.pixels[(tv.first[y] - y0 + j) * stride + i] * kw[j];
            out.pixels[y * stride + i] = clip8(acc);
        }
    }
    return out;
}

struct StbFree {
    void operator()(unsigned char* p) const { stbi_image_free(p); }
};

// What a file's header claims, before any pixel is decoded.
struct ImageHeader {
    std::uint64_t width = 0, height = 0;
    std::uint64_t pixel_bytes = 0, bytes_after_header = 0;  // PNM only: what the header promises, what follows it
};

// The header of a binary PNM (P5/P6), read here because stb_image's own reader overflows a
// signed int on a long number (undefined behaviour; a width of 4294967297 comes out as 1).
// Follows stb's grammar: whitespace and # comments before width, height and maxval, one
// byte after maxval, then the pixels. Numbers saturate instead of overflowing.
inline ImageHeader pnm_header(std::span<const std::byte> bytes) {
    std::size_t i = 2;
    const auto at = [&](std::size_t k) { return char(bytes[k]); };
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; };
    auto number = [&] {
        for (;;) {  // whitespace, then a comment up to the end of its line
            while (i < bytes.size() && space(at(i))) ++i;
            if (i >= bytes.size() || at(i) != '#') break;
            while (i < bytes.size() && at(i) != '\n' && at(i) != '\r') ++i;
        }
        std::uint64_t v = 0;
        for (; i < bytes.size() && at(i) >= '0' && at(i) <= '9'; ++i)
            v = std::min<std::uint64_t>(v * 10 + std::uint64_t(at(i) - '0'), std::uint64_t(1) << 60);
        return v;
    };
    ImageHeader h;
    h.width = number();
    h.height = number();
    const std::uint64_t maxval = number();
    if (maxval > 65535) throw Error("cannot decode: PNM maximum value " + std::to_string(maxval) + " is over 65535");
    if (std::max(h.width, h.height) <= max_image_side)  // else refused by checked_header; no overflow below
        h.pixel_bytes = h.width * h.height * (at(1) == '6' ? 3 : 1) * (maxval > 255 ? 2 : 1);
    h.bytes_after_header = bytes.size() > i + 1 ? bytes.size() - (i + 1) : 0;
    return h;
}

// Debian 12's stb_image (a 2022 snapshot) writes past its Huffman table when a JPEG's DHT
// segment defines more than 256 codes (fixed upstream in stb_image 2.28: "bad DHT header").
// Walks every marker segment, the scans of progressive files included, and refuses such a table
// before stb sees it.
// stb takes a file for JPEG when it starts with SOI (FF D8) after any number of FF fill bytes.
inline void check_jpeg_huffman_tables(std::span<const std::byte> bytes) {
    const auto at = [&](std::size_t k) { return std::uint8_t(bytes[k]); };
    std::size_t i = 0;
    while (i < bytes.size() && at(i) == 0xFF) ++i;
    if (i == 0 || i >= bytes.size() || at(i) != 0xD8) return;  // not a JPEG to stb
    ++i;  // past SOI
    while (i + 1 < bytes.size()) {
        if (at(i) != 0xFF) {  // entropy-coded data of a scan: up to the next real marker
            ++i;
            continue;
        }
        const std::uint8_t m = at(i + 1);
        if (m == 0xFF || m == 0x00 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {  // fill, stuffed 0, RSTn, TEM
            i += m == 0xFF ? 1 : 2;
            continue;
        }
        if (m == 0xD9 || i + 3 >= bytes.size()) return;  // EOI, or a truncated segment stb refuses itself
        const std::size_t length = std::size_t(at(i + 2)) << 8 | at(i + 3);
        // DHT: tables of (class and id, 16 code counts, the symbols). stb starts a table while
        // the segment has a byte left and reads its counts on past the segment's end, zeros
        // past the file's end, so a table cut short by either is checked the same way.
        if (m == 0xC4)
            for (std::size_t t = i + 4; t < i + 2 + length && t < bytes.size();) {
                std::size_t codes = 0;
                for (std::size_t k = t + 1; k <= t + 16 && k < bytes.size(); ++k) codes += at(k);
                if (codes > 256)
                    throw Error("cannot decode: a JPEG Huffman table defines " + std::to_string(codes) +
                                " codes, more than 256");
                t += 17 + codes;
            }
        i = i + 2 + length;
    }
}

// Two flaws of Debian 12's stb_image (v2.27) with PNG chunks, found by tests/fuzz, handled before
// it decodes:
//  - it allocates an IDAT chunk's claimed length before reading it, so 100 bytes claiming a
//    2 GB chunk allocate 2 GB: a chunk (before IEND) longer than the bytes left is refused;
//  - it copies a zero-length IDAT into its not yet allocated buffer (memcpy(NULL, p, 0),
//    undefined behaviour): such chunks add nothing to the image and are dropped.
// stb_image keeps a PNG's palette in an uninitialised stack array and looks up any pixel
// value in it, so a pixel past a short PLTE would take an undefined colour. The PLTE is padded
// to 256 black entries (stb reads no chunk CRCs), so such pixels are black every time.
// `bytes` is a PNG whose chunks check_png_chunks has checked.
inline void pad_png_palette(std::vector<std::byte>& bytes) {
    std::size_t k = 8;
    while (k + 12 <= bytes.size()) {
        const std::size_t length = std::size_t(std::uint8_t(bytes[k])) << 24 | std::size_t(std::uint8_t(bytes[k + 1])) << 16 |
                                   std::size_t(std::uint8_t(bytes[k + 2])) << 8 | std::uint8_t(bytes[k + 3]);
        const bool plte = char(bytes[k + 4]) == 'P' && char(bytes[k + 5]) == 'L' && char(bytes[k + 6]) == 'T' &&
                          char(bytes[k + 7]) == 'E';
        if (plte) {
            if (length < 768 && length % 3 == 0) {
                bytes.insert(bytes.begin() + std::ptrdiff_t(k + 8 + length), 768 - length, std::byte{0});
                bytes[k] = bytes[k + 1] = std::byte{0};
                bytes[k + 2] = std::byte{3};  // 768 = 0x300
                bytes[k + 3] = std::byte{0};
            }
            return;
        }
        if (char(bytes[k + 4]) == 'I' && char(bytes[k + 5]) == 'E' && char(bytes[k + 6]) == 'N') return;
        k += 12 + length;
    }
}

// Files that are not PNG are left alone. Throws Error for a truncated chunk.
inline void check_png_chunks(std::vector<std::byte>& bytes) {
    static constexpr std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (bytes.size() < 8 || std::memcmp(bytes.data(), signature, 8) != 0) return;
    const auto at = [&](std::size_t k) { return std::uint8_t(bytes[k]); };
    const auto type_is = [&](std::size_t k, const char* t) {
        return at(k) == std::uint8_t(t[0]) && at(k + 1) == std::uint8_t(t[1]) && at(k + 2) == std::uint8_t(t[2]) &&
               at(k + 3) == std::uint8_t(t[3]);
    };
    // One pass that copies every kept chunk down over the dropped ones (no quadratic erase).
    std::size_t read = 8, write = 8;
    while (read + 8 <= bytes.size()) {  // length, type, data, CRC
        const std::uint64_t length =
            std::uint64_t(at(read)) << 24 | std::uint64_t(at(read + 1)) << 16 | std::uint64_t(at(read + 2)) << 8 | at(read + 3);
        if (type_is(read + 4, "IEND")) break;  // stb reads nothing after IEND's type, not even its CRC
        const std::uint64_t left = bytes.size() - read - 8;  // after length and type
        if (length + 4 > left)
            throw Error("truncated PNG: a chunk claims " + std::to_string(length) + " bytes, but only " +
                        std::to_string(left < 4 ? 0 : left - 4) + " follow it");
        const std::size_t chunk = 12 + std::size_t(length);
        if (!(length == 0 && type_is(read + 4, "IDAT"))) {
            if (write != read) std::memmove(bytes.data() + write, bytes.data() + read, chunk);
            write += chunk;
        }
        read += chunk;
    }
    if (write != read) {
        std::memmove(bytes.data() + write, bytes.data() + read, bytes.size() - read);  // the rest, as it was
        bytes.resize(bytes.size() - (read - write));
    }
    pad_png_palette(bytes);
}

// A paletted BMP (1, 4 or 8 bits per pixel) must hold all 2^bits colours: stb_image keeps the
// palette in an uninitialised stack array and looks up any pixel value in it, so a pixel past
// a shorter palette would take an undefined colour (found by the fuzzer: two decodes of one
// file differed). The palette size is computed as stb does, from the pixel data's offset.
inline void check_bmp_palette(std::span<const std::byte> bytes) {
    if (bytes.size() < 34 || char(bytes[0]) != 'B' || char(bytes[1]) != 'M') return;
    const auto le = [&](std::size_t k, int n) {
        std::uint64_t v = 0;
        for (int b = n - 1; b >= 0; --b) v = v << 8 | std::uint8_t(bytes[k + std::size_t(b)]);
        return v;
    };
    const std::uint64_t offset = le(10, 4), header_size = le(14, 4);
    const std::uint64_t bits = header_size == 12 ? le(24, 2) : le(28, 2);
    if (bits != 1 && bits != 4 && bits != 8) return;
    const std::uint64_t extra = 14 + (header_size == 40 && le(30, 4) == 3 ? 12 : 0);  // stb's extra_read
    const std::uint64_t entry = header_size == 12 ? 3 : 4, start = extra + (header_size == 12 ? 24 - 14 : header_size);
    const std::uint64_t colours = offset > start ? (offset - start) / entry : 0;
    if (colours < (std::uint64_t(1) << bits))
        throw Error("cannot decode: a BMP palette of " + std::to_string(colours) + " colours for " + std::to_string(bits) +
                    "-bit pixels (xgan needs all " + std::to_string(std::uint64_t(1) << bits) +
                    ": stb_image would give pixels past the palette undefined colours)");
}

// The dimensions in a file's header (PNM: pnm_header; the rest: stb_image's header readers),
// checked against stb's limit per side and `max_pixels`, and a PNM for pixel data missing at
// its end (stb would use uninitialised memory for it). Throws Error with the reason.
inline ImageHeader checked_header(std::span<const std::byte> bytes, std::uint64_t max_pixels) {
    const bool pnm = bytes.size() >= 2 && char(bytes[0]) == 'P' && (char(bytes[1]) == '5' || char(bytes[1]) == '6');
    ImageHeader h;
    if (pnm) {
        h = pnm_header(bytes);
    } else {
        check_jpeg_huffman_tables(bytes);
        check_bmp_palette(bytes);
        int w = 0, hh = 0, comp = 0;
        if (!stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()), &w, &hh, &comp)) {
            const char* why = stbi_failure_reason();
            throw Error(std::string("cannot decode: ") + (why ? why : "unknown stb_image error"));
        }
        h.width = std::uint64_t(std::max(w, 0));
        h.height = std::uint64_t(std::max(hh, 0));
    }
    const std::string dims = std::to_string(h.width) + "x" + std::to_string(h.height);
    if (h.width == 0 || h.height == 0) throw Error("cannot decode: the header gives the image size " + dims);
    if (h.width > max_image_side || h.height > max_image_side)
        throw Error("the header gives the image size " + dims + "; a side may be at most " + std::to_string(max_image_side) +
                    " pixels");
    // Both sides are at most 2^24 here, so the product cannot overflow.
    if (h.width * h.height > max_pixels)
        throw Error("the header gives the image size " + dims + " = " + std::to_string(h.width * h.height) +
                    " pixels, over the limit of " + std::to_string(max_pixels) +
                    " (ImageFolderOptions::max_pixels)");
    if (pnm && h.bytes_after_header < h.pixel_bytes)
        throw Error("truncated: the PNM header says " + dims + ", " + std::to_string(h.pixel_bytes) +
                    " bytes of pixels, but only " + std::to_string(h.bytes_after_header) + " follow it");
    return h;
}

// Decodes one file into an 8-bit image of 1 channel (gray sources, and gray+alpha ones
// over a gray background) or 3 (everything else), alpha composited onto `background`.
// Throws Error with the reason when the file cannot be decoded or is over `max_pixels`.
inline Image8 decode_composited(const std::filesystem::path& file, const std::array<float, 3>& background,
                                std::uint64_t max_pixels = default_max_image_pixels) {
    std::vector<std::byte> bytes = io::read_file_bytes(file);
    check_png_chunks(bytes);
    if (bytes.size() > std::size_t(std::numeric_limits<int>::max())) throw Error("file too large to decode");
    const ImageHeader header = checked_header(bytes, max_pixels);
    int w = 0, h = 0, comp = 0;
    std::unique_ptr<unsigned char, StbFree> px(stbi_load_from_memory(
        reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()), &w, &h, &comp, 0));
    if (!px) {
        const char* why = stbi_failure_reason();
        throw Error(std::string("cannot decode: ") + (why ? why : "unknown stb_image error"));
    }
    if (w <= 0 || h <= 0 || comp < 1 || comp > 4) throw Error("cannot decode: unexpected image header");
    if (std::uint64_t(w) != header.width || std::uint64_t(h) != header.height)
        throw Error("cannot decode: the header says " + std::to_string(header.width) + "x" + std::to_string(header.height) +
                    " but " + std::to_string(w) + "x" + std::to_string(h) + " pixels were decoded");

    std::array<int, 3> bg{};
    for (std::size_t i = 0; i < 3; ++i) bg[i] = int(std::lround(background[i] * 255.0f));
    const bool gray_bg = bg[0] == bg[1] && bg[1] == bg[2];
    const bool gray = comp == 1 || (comp == 2 && gray_bg);

    Image8 img{std::size_t(w), std::size_t(h), gray ? 1u : 3u, {}};
    const std::size_t n = img.width * img.height;
    img.pixels.resize(n * img.channels);
    // out = round((v * a + bg * (255 - a)) / 255), exact in integers.
    auto over = [](int v, int a, int b) { return std::uint8_t((v * a + b * (255 - a) + 127) / 255); };
    const unsigned char* s = px.get();
    std::uint8_t* d = img.pixels.data();
    for (std::size_t i = 0; i < n; ++i) {
        switch (comp) {
            case 1: d[i] = s[i]; break;
            case 2:
                if (gray) {
                    d[i] = over(s[2 * i], s[2 * i + 1], bg[0]);
                } else {
                    for (std::size_t ch = 0; ch < 3; ++ch) d[3 * i + ch] = over(s[2 * i], s[2 * i + 1], bg[ch]);
                }
                break;
            case 3:
                for (std::size_t ch = 0; ch < 3; ++ch) d[3 * i + ch] = s[3 * i + ch];
                break;
            default:
                for (std::size_t ch = 0; ch < 3; ++ch) d[3 * i + ch] = over(s[4 * i + ch], s[4 * i + 3], bg[ch]);
        }
    }
    return img;
}

// Decodes, composites, resizes, crops and converts one file into `out` (channels * size * size
// 8-bit values, CHW).
inline void load_one(const std::filesystem::path& file, const ImageFolderOptions& o, std::uint8_t* out) {
    if (file_kind(file) == FileKind::unsupported_image)
        throw Error(file.extension().string() + " images are not supported (stb_image reads PNG, JPEG, BMP, GIF, TGA, PNM)");
    const Image8 img = resize_crop(decode_composited(file, o.background, o.max_pixels), o.size);
    const std::size_t plane = o.size * o.size;
    const std::uint8_t* p = img.pixels.data();
    if (o.channels == 3) {
        for (std::size_t ch = 0; ch < 3; ++ch)
            for (std::size_t i = 0; i < plane; ++i) out[ch * plane + i] = p[i * img.channels + (img.channels == 3 ? ch : 0)];
    } else if (img.channels == 1) {
        std::copy(p, p + plane, out);
    } else {
        for (std::size_t i = 0; i < plane; ++i)
            out[i] = std::uint8_t((p[3 * i] * 19595u + p[3 * i + 1] * 38470u + p[3 * i + 2] * 7471u + 0x8000u) >> 16);
    }
}

// Separable antialiased bilinear resize of one float plane (PyTorch's interpolate(mode=
// "bilinear", antialias=True), equal to plain half-pixel bilinear when enlarging), then the
// size x size center crop at (top, left); th and tv are the crop's taps. `mid` is scratch.
inline void resize_plane(const float* in, std::size_t h, std::size_t w, std::size_t size, const Taps& th,
                         const Taps& tv, std::size_t top, std::size_t left, bool resize_rows, bool resize_cols,
                         std::vector<float>& mid, float* out) {
    mid.resize(h * size);
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < size; ++x) {
            float acc = 0;
            if (!resize_cols) {
                acc = in[y * w + left + x];
            } else {
                for (std::size_t j = 0; j < th.count[x]; ++j)
                    acc += in[y * w + th.first[x] + j] * float(th.weights[x * th.ksize + j]);
            }
            mid[y * size + x] = acc;
        }
    for (std::size_t y = 0; y < size; ++y) {
        for (std::size_t x = 0; x < size; ++x) {
            float acc = 0;
            if (!resize_rows) {
                acc = mid[(top + y) * size + x];
            } else {
                for (std::size_t j = 0; j < tv.count[y]; ++j)
                    acc += mid[(tv.first[y] + j) * size + x] * float(tv.weights[y * tv.ksize + j]);
            }
            out[y * size + x] = acc;
        }
    }
}

// A streamed folder's samples: the files that decoded when the folder was checked, decoded
// again whenever a batch draws them (the same bytes: decoding is deterministic).
class FolderSource final : public SampleSource {
public:
    FolderSource(std::vector<std::filesystem::path> files, const ImageFolderOptions& options)
        : files_(std::move(files)), options_(options) {}

    void decode(std::size_t i, float* out) const override {
        const std::size_t n = options_.channels * options_.size * options_.size;
        std::vector<std::uint8_t> pixels(n);
        try {
            load_one(files_.at(i), options_, pixels.data());
        } catch (const std::exception& e) {
            throw FileError(files_.at(i), std::string("decoded when the folder was loaded, fails now: ") + e.what());
        }
        const auto& unit = byte_to_unit();
        for (std::size_t k = 0; k < n; ++k) out[k] = unit[pixels[k]];
    }

private:
    std::vector<std::filesystem::path> files_;
    ImageFolderOptions options_;
};

}  // namespace detail

// Loads every image file under `dir` (sorted by path; subfolders too when recursive) as a
// data set of options.channels x size x size images in [-1, 1] (see the top of this file),
// held as 8-bit samples (ImageDataset::bytes), or streamed from disk when they would take
// more than options.memory_limit bytes (ImageDataset::source; report->streamed).
// Files that fail to decode are counted and listed in `report`, not fatal; files without an
// image extension are skipped and counted. When every image lies in a subfolder of `dir`
// (torchvision's ImageFolder layout, `recursive` on), labels are the index of that top-level
// subfolder among the sorted class folders (names in report->classes); otherwise labels
// stay empty. Decoding runs in parallel (oneTBB); the result does not depend on thread count.
// Throws FileError naming `dir` when it is missing, not a folder, or yields no image.
inline ImageDataset load_image_folder(const std::filesystem::path& dir, const ImageFolderOptions& options = {},
                                      ImageFolderReport* report = nullptr) {
    namespace fs = std::filesystem;
    if (options.size == 0) throw Error("load_image_folder: size must be positive");
    if (options.channels != 1 && options.channels != 3)
        throw Error("load_image_folder: channels must be 1 or 3, not " + std::to_string(options.channels));
    for (float b : options.background)
        if (!(b >= 0.0f && b <= 1.0f)) throw Error("load_image_folder: background components must lie in [0, 1]");
    if (options.max_pixels == 0) throw Error("load_image_folder: max_pixels must be positive");

    std::error_code ec;
    const auto st = fs::status(dir, ec);
    if (st.type() == fs::file_type::not_found) throw FileError(dir, "image folder not found");
    if (ec) throw FileError(dir, "cannot access: " + ec.message());
    if (!fs::is_directory(st)) throw FileError(dir, "is not a folder");

    struct Found {
        fs::path path;
        std::string top;  // the top-level subfolder holding it; empty for a file directly in dir
        bool operator<(const Found& o) const { return path < o.path; }
    };
    std::vector<Found> files;
    try {
        if (options.recursive) {
            for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
                if (!it->is_regular_file()) continue;
                fs::path top = it->path().parent_path();
                for (int d = 1; d < it.depth(); ++d) top = top.parent_path();
                files.push_back({it->path(), it.depth() > 0 ? top.filename().string() : std::string()});
            }
        } else {
            for (const auto& entry : fs::directory_iterator(dir))
                if (entry.is_regular_file()) files.push_back({entry.path(), {}});
        }
    } catch (const fs::filesystem_error& e) {
        throw FileError(dir, std::string("cannot list the folder: ") + e.what());
    }
    std::sort(files.begin(), files.end());  // element-wise path order: a folder's files stay together

    ImageFolderReport rep;
    std::vector<fs::path> images;
    std::vector<std::string> tops;
    for (const auto& f : files) {
        switch (detail::file_kind(f.path)) {
            case detail::FileKind::image:
            case detail::FileKind::unsupported_image:  // fails below, with its reason
                images.push_back(f.path);
                tops.push_back(f.top);
                break;
            case detail::FileKind::other: ++rep.skipped_non_images; break;
        }
    }

    // Labels from top-level subfolders when no image sits directly in `dir`.
    std::vector<std::int32_t> class_of(images.size(), -1);
    const bool by_class = options.recursive && !images.empty() &&
                          std::none_of(tops.begin(), tops.end(), [](const std::string& t) { return t.empty(); });
    if (by_class) {
        std::map<std::string, std::int32_t> index;
        for (const auto& t : tops) index.emplace(t, 0);
        std::int32_t k = 0;
        for (auto& [name, id] : index) {
            id = k++;
            rep.classes.push_back(name);
        }
        for (std::size_t i = 0; i < images.size(); ++i) class_of[i] = index[tops[i]];
    }

    // Decode in parallel, each file into its own slot, then compact the successes in order.
    // A streamed folder decodes each file into a scratch buffer, only to check it.
    const std::size_t sample = options.channels * options.size * options.size;
    ImageDataset ds;
    ds.channels = options.channels;
    ds.height = ds.width = options.size;
    rep.streamed = std::uint64_t(images.size()) * sample > options.memory_limit;
    if (!rep.streamed) ds.bytes.resize(images.size() * sample);
    std::vector<std::string> errors(images.size());
    std::vector<char> ok(images.size(), 0);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, images.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          std::vector<std::uint8_t> scratch(rep.streamed ? sample : 0);
                          for (std::size_t i = r.begin(); i != r.end(); ++i) {
                              try {
                                  detail::load_one(images[i], options, rep.streamed ? scratch.data() : ds.bytes.data() + i * sample);
                                  ok[i] = 1;
                              } catch (const std::exception& e) {
                                  errors[i] = e.what();
                              }
                          }
                      });

    std::size_t n = 0;
    std::vector<fs::path> decodable;
    for (std::size_t i = 0; i < images.size(); ++i) {
        if (!ok[i]) {
            ++rep.failed;
            if (rep.failures.size() < 10) rep.failures.push_back(images[i].string() + ": " + errors[i]);
            continue;
        }
        if (rep.streamed)
            decodable.push_back(images[i]);
        else if (n != i)
            std::copy(ds.bytes.begin() + std::ptrdiff_t(i * sample), ds.bytes.begin() + std::ptrdiff_t((i + 1) * sample),
                      ds.bytes.begin() + std::ptrdiff_t(n * sample));
        if (by_class) ds.labels.push_back(class_of[i]);
        rep.files.push_back(images[i].lexically_relative(dir).generic_string());
        ++n;
    }
    ds.count = rep.decoded = n;
    if (!rep.streamed) {
        ds.bytes.resize(n * sample);
        ds.bytes.shrink_to_fit();
    }
    if (rep.streamed && n > 0) ds.source = std::make_shared<detail::FolderSource>(std::move(decodable), options);

    if (n == 0) {
        std::string msg = "no decodable images (" + std::to_string(rep.decoded) + " decoded, " +
                          std::to_string(rep.failed) + " failed, " + std::to_string(rep.skipped_non_images) +
                          " non-image files skipped)";
        if (!rep.failures.empty()) msg += "; first failure: " + rep.failures.front();
        if (report) *report = std::move(rep);
        throw FileError(dir, msg);
    }
    if (!by_class) rep.classes.clear();
    if (report) *report = std::move(rep);
    return ds;
}

// Every image of `ds` resized so that its shorter side is `size` and center-cropped to
// size x size (for square images, a plain resize), as torchvision's Resize(size) +
// CenterCrop(size) on float tensors with antialias=True: separable bilinear, a widened
// triangle filter when shrinking, plain half-pixel bilinear when enlarging (e.g. MNIST 28x28
// to 32x32 or 64x64). Labels are kept.
inline ImageDataset resize_dataset(const ImageDataset& stored, std::size_t size) {
    if (size == 0) throw Error("resize_dataset: size must be positive");
    if (stored.height == 0 || stored.width == 0 || !stored.consistent())
        throw Error("resize_dataset: the data set's images do not match its count and shape");
    const ImageDataset ds = with_float_samples(stored);
    const auto hw = detail::resized_hw(ds.height, ds.width, size);
    const std::size_t rh = hw[0], rw = hw[1];  // not a structured binding: clang 14 cannot capture those
    const std::size_t top = detail::crop_offset(rh, size), left = detail::crop_offset(rw, size);
    const detail::Taps th = detail::triangle_taps(ds.width, rw, left, size), tv = detail::triangle_taps(ds.height, rh, top, size);
    ImageDataset out{ds.count, ds.channels, size, size, {}, ds.labels, {}, {}};
    out.images.resize(out.count * out.sample_size());
    const std::size_t planes = ds.count * ds.channels, in_plane = ds.height * ds.width, out_plane = size * size;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, planes, 64), [&](const tbb::blocked_range<std::size_t>& r) {
        std::vector<float> mid;
        for (std::size_t p = r.begin(); p != r.end(); ++p)
            detail::resize_plane(ds.images.data() + p * in_plane, ds.height, ds.width, size, th, tv, top, left,
                                 rh != ds.height, rw != ds.width, mid, out.images.data() + p * out_plane);
    });
    return out;
}

// `ds` with `channels` channels: the same data set for equal counts, gray replicated into
// R, G and B for 1 -> 3, and luminance 0.299 R + 0.587 G + 0.114 B for 3 -> 1 (the weights
// sum to 1, so applying them to [-1, 1] values equals applying them before Normalize).
inline ImageDataset to_channels(const ImageDataset& stored, std::size_t channels) {
    if (!stored.consistent()) throw Error("to_channels: the data set's images do not match its count and shape");
    if (channels == stored.channels) return stored;
    const ImageDataset ds = with_float_samples(stored);
    const std::size_t plane = ds.height * ds.width;
    ImageDataset out{ds.count, channels, ds.height, ds.width, {}, ds.labels, {}, {}};
    out.images.resize(ds.count * channels * plane);
    if (ds.channels == 1 && channels == 3) {
        for (std::size_t i = 0; i < ds.count; ++i)
            for (std::size_t c = 0; c < 3; ++c)
                std::copy(ds.images.data() + i * plane, ds.images.data() + (i + 1) * plane,
                          out.images.data() + (i * 3 + c) * plane);
    } else if (ds.channels == 3 && channels == 1) {
        for (std::size_t i = 0; i < ds.count; ++i) {
            const float* s = ds.images.data() + i * 3 * plane;
            float* d = out.images.data() + i * plane;
            for (std::size_t k = 0; k < plane; ++k)
                d[k] = 0.299f * s[k] + 0.587f * s[plane + k] + 0.114f * s[2 * plane + k];
        }
    } else {
        throw Error("to_channels: cannot convert " + std::to_string(ds.channels) + " channels to " +
                    std::to_string(channels) + " (supported: 1 <-> 3)");
    }
    return out;
}

}  // namespace xgan::data
