// Peak memory and batch time of a large image folder, held in memory (8-bit) or streamed.
//
//   bench_image_folder_memory DIR [--make N] [--stream] [--size S] [--batch B] [--batches K]
//
// --make N writes N synthetic 64x64 RGB PNGs into DIR first (smooth colour waves, in
// subfolders of 10,000, so DIR holds 20 "classes" for 200,000), if DIR does not exist yet.
// Then it loads DIR at S x S RGB (default 64), draws K batches of B (defaults 20 of 128) as
// a training run does, and prints the load time, the mean batch time and the peak RSS
// (getrusage). Run each mode in its own process: the peak is per process.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "xgan/xgan.hpp"

namespace fs = std::filesystem;

namespace {

void make_folder(const fs::path& dir, int count) {
    std::vector<std::uint8_t> px(64 * 64 * 3);
    for (int i = 0; i < count; ++i) {
        const fs::path part = dir / ("part" + std::to_string(i / 10000));
        if (i % 10000 == 0) fs::create_directories(part);
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x)
                for (int c = 0; c < 3; ++c)
                    px[std::size_t((y * 64 + x) * 3 + c)] =
                        std::uint8_t(128 + 100 * std::sin(0.05 * (x * (c + 1) + y * (i % 17)) + i));
        char name[32];
        std::snprintf(name, sizeof name, "%06d.png", i);
        xgan::io::write_png(part / name, px, 64, 64, 3);
    }
}

double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [--make N] [--stream] [--size S] [--batch B] [--batches K]\n", argv[0]);
        return 2;
    }
    const fs::path dir = argv[1];
    int make = 0, batches = 20;
    std::size_t size = 64, batch = 128;
    bool stream = false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&] {
            if (i + 1 >= argc) throw xgan::Error(a + " needs a value");
            return std::atol(argv[++i]);
        };
        if (a == "--make") make = int(value());
        else if (a == "--stream") stream = true;
        else if (a == "--size") size = std::size_t(value());
        else if (a == "--batch") batch = std::size_t(value());
        else if (a == "--batches") batches = int(value());
        else throw xgan::Error("unknown option " + a);
    }
    if (make > 0 && !fs::exists(dir)) make_folder(dir, make);

    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    xgan::data::ImageFolderOptions options{.size = size, .channels = 3};
    if (stream) options.memory_limit = 0;
    xgan::data::ImageFolderReport report;
    const xgan::data::ImageDataset ds = xgan::data::load_image_folder(dir, options, &report);
    const double load_s = std::chrono::duration<double>(clock::now() - t0).count();

    // Batches of 3 x size x size: the shape is a template argument, so the sizes are listed.
    auto draw = [&]<std::size_t S>() {
        xgan::data::BatchLoader loader(ds, batch, 1);
        xgan::Tensor<xgan::Shape<3, S, S>, xgan::Cpu> out;
        const auto t1 = clock::now();
        int drawn = 0;
        while (drawn < batches)
            if (loader.next(out)) ++drawn;
        return std::chrono::duration<double, std::milli>(clock::now() - t1).count() / batches;
    };
    double batch_ms = 0;
    if (size == 32) batch_ms = draw.template operator()<32>();
    else if (size == 64) batch_ms = draw.template operator()<64>();
    else if (size == 128) batch_ms = draw.template operator()<128>();
    else throw xgan::Error("--size must be 32, 64 or 128");

    std::printf("%zu images %zux%zu RGB, %s: load %.1f s, %.1f ms per batch of %zu, peak RSS %.0f MiB\n", ds.count,
                size, size, report.streamed ? "streamed" : "in memory (8-bit)", load_s, batch_ms, batch, peak_rss_mib());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
