// libFuzzer harness: the image-folder loader's path for one file (include/xgan/data/
// image_folder.hpp, detail::load_one): stb_image decode, alpha compositing, Pillow-exact
// resize and centre crop, to 8-bit samples. The output size and channels come from the
// input's length, so the 28/32/64 and gray/RGB paths are all exercised.
#include <array>
#include <cmath>
#include <cstdlib>
#include <vector>

#include <xgan/data/image_folder.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::array<std::size_t, 3> sizes{28, 32, 64};
    xgan::data::ImageFolderOptions options;
    options.size = sizes[size % 3];
    options.channels = size / 3 % 2 ? 1 : 3;
    options.background = size / 6 % 2 ? std::array<float, 3>{1, 1, 1} : std::array<float, 3>{0.2f, 0.5f, 0.8f};
    // An 8-Mpixel limit instead of the default 64: a 40-byte TGA may claim 36 Mpixels of RLE,
    // whose decode and resize take half a minute under the sanitizers, and the fuzzer would
    // spend its time there (the default limit is tested in tests/test_image_folder.cpp).
    options.max_pixels = std::uint64_t(1) << 23;  // keeps regressions/image/png_1x6000000_palette.png
    const auto file = xgan_fuzz::write_input("input.png", data, size);
    // Every byte written: two outputs filled with different values first must come out equal.
    const std::size_t n = options.channels * options.size * options.size;
    std::vector<std::uint8_t> zeros(n, 0), ones(n, 255);
    xgan_fuzz::run_one([&] {
        xgan::data::detail::load_one(file, options, zeros.data());
        xgan::data::detail::load_one(file, options, ones.data());
        if (zeros != ones) std::abort();
    });
    return 0;
}
