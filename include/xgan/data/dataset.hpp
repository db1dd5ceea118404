#pragma once
// An in-memory image data set (NCHW floats in [-1, 1], optional integer labels) and its
// loaders for MNIST-style idx files. Pixels are scaled exactly as torchvision's
// ToTensor() + Normalize(0.5, 0.5) does: (x / 255 - 0.5) / 0.5 in float32.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/data/idx.hpp"

namespace xgan::data {

struct ImageDataset {
    std::size_t count = 0, channels = 1, height = 0, width = 0;
    std::vector<float> images;         // [count, channels, height, width], values in [-1, 1]
    std::vector<std::int32_t> labels;  // [count]; empty when unlabelled

    std::size_t sample_size() const { return channels * height * width; }
    // Sample i, sample_size() floats; i must be < count.
    const float* image(std::size_t i) const { return images.data() + i * sample_size(); }
};

// Images: idx rank 3 [count, height, width]; labels: idx rank 1 [count].
inline ImageDataset load_idx_dataset(const std::filesystem::path& images_file,
                                     const std::filesystem::path& labels_file) {
    const IdxArray images = read_idx(images_file);
    if (images.dims.size() != 3)
        throw FileError(images_file, "expected images of rank 3 [count, height, width], found dims " +
                                         detail::dims_string(images.dims));
    const IdxArray labels = read_idx(labels_file);
    if (labels.dims.size() != 1)
        throw FileError(labels_file, "expected labels of rank 1 [count], found dims " + detail::dims_string(labels.dims));
    if (labels.dims[0] != images.dims[0])
        throw FileError(labels_file, "has " + std::to_string(labels.dims[0]) + " labels but " + images_file.string() +
                                         " has " + std::to_string(images.dims[0]) + " images");

    // float32 steps as torchvision: ToTensor divides by 255, Normalize subtracts 0.5, divides by 0.5.
    std::array<float, 256> scale{};
    for (int v = 0; v < 256; ++v) scale[v] = (static_cast<float>(v) / 255.0f - 0.5f) / 0.5f;

    ImageDataset ds;
    ds.count = images.dims[0];
    ds.height = images.dims[1];
    ds.width = images.dims[2];
    ds.images.resize(images.data.size());
    for (std::size_t i = 0; i < images.data.size(); ++i) ds.images[i] = scale[images.data[i]];
    ds.labels.assign(labels.data.begin(), labels.data.end());
    return ds;
}

// MNIST / Fashion-MNIST as distributed: {train,t10k}-{images-idx3,labels-idx1}-ubyte, each
// plain or with a .gz suffix. A missing file is a FileError naming the plain path.
inline ImageDataset load_mnist_dir(const std::filesystem::path& dir, bool train) {
    const std::string prefix = train ? "train" : "t10k";
    auto locate = [&](const std::string& name) {
        const auto plain = dir / name;
        const auto gz = dir / (name + ".gz");
        if (std::filesystem::exists(plain)) return plain;
        if (std::filesystem::exists(gz)) return gz;
        throw FileError(plain, "not found (nor " + gz.filename().string() + ")");
    };
    const auto images_file = locate(prefix + "-images-idx3-ubyte");
    const auto labels_file = locate(prefix + "-labels-idx1-ubyte");
    return load_idx_dataset(images_file, labels_file);
}

// The first n samples (n <= count), e.g. to keep tests and smoke runs small.
inline ImageDataset subset(const ImageDataset& ds, std::size_t n) {
    if (n > ds.count)
        throw Error("subset: asked for " + std::to_string(n) + " samples of a data set holding " +
                    std::to_string(ds.count));
    ImageDataset out{n, ds.channels, ds.height, ds.width, {}, {}};
    out.images.assign(ds.images.begin(), ds.images.begin() + static_cast<std::ptrdiff_t>(n * ds.sample_size()));
    if (!ds.labels.empty()) out.labels.assign(ds.labels.begin(), ds.labels.begin() + static_cast<std::ptrdiff_t>(n));
    return out;
}

}  // namespace xgan::data
