#pragma once
// An in-memory image data set (NCHW samples in [-1, 1], optional integer labels) and its
// loaders for MNIST-style idx files. Pixels are scaled exactly as torchvision's
// ToTensor() + Normalize(0.5, 0.5) does: (x / 255 - 0.5) / 0.5 in float32.
//
// Samples read from 8-bit files (idx files, image folders) stay 8-bit in memory, a quarter of
// their float size (CelebA at 64x64: 2.5 GB instead of 9.8 GB), and become floats a sample at
// a time, through the exact float scaling above, as a loader copies them into a batch. Data
// sets computed in floats (resized, converted, generated) hold floats. A data set too large
// for memory holds neither: its SampleSource makes each sample on demand (an image folder
// decoded from disk as batches are drawn, data/image_folder.hpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/data/idx.hpp"

namespace xgan::data {

// The float value of an 8-bit pixel: ToTensor() + Normalize(0.5, 0.5) in float32.
inline const std::array<float, 256>& byte_to_unit() {
    static const std::array<float, 256> table = [] {
        std::array<float, 256> t{};
        for (int v = 0; v < 256; ++v) t[std::size_t(v)] = (static_cast<float>(v) / 255.0f - 0.5f) / 0.5f;
        return t;
    }();
    return table;
}

// Samples made on demand. decode(i, out) writes sample i as floats in [-1, 1]; it is called
// from several threads at once.
class SampleSource {
public:
    virtual ~SampleSource() = default;
    virtual void decode(std::size_t i, float* out) const = 0;
};

struct ImageDataset {
    std::size_t count = 0, channels = 1, height = 0, width = 0;
    std::vector<float> images;         // [count, channels, height, width] in [-1, 1]; empty when `bytes` holds them
    std::vector<std::int32_t> labels;  // [count]; empty when unlabelled
    std::vector<std::uint8_t> bytes;   // the samples as 8-bit pixels (byte_to_unit); empty when `images` holds them
    std::shared_ptr<const SampleSource> source;  // makes the samples when neither vector holds them

    std::size_t sample_size() const { return channels * height * width; }
    bool holds_bytes() const { return images.empty() && !bytes.empty(); }
    bool streamed() const { return source != nullptr; }
    // Whether exactly one storage holds exactly count samples of sample_size() values.
    bool consistent() const {
        if (streamed()) return images.empty() && bytes.empty();
        return (holds_bytes() ? bytes.size() : images.size()) == count * sample_size() && (images.empty() || bytes.empty());
    }

    // Writes sample i (i < count) as sample_size() floats into `out`; safe from several threads.
    void copy_sample(std::size_t i, float* out) const {
        const std::size_t n = sample_size();
        if (source) {
            source->decode(i, out);
        } else if (holds_bytes()) {
            const auto& unit = byte_to_unit();
            const std::uint8_t* src = bytes.data() + i * n;
            for (std::size_t k = 0; k < n; ++k) out[k] = unit[src[k]];
        } else {
            const float* src = images.data() + i * n;
            std::copy(src, src + n, out);
        }
    }
    // Sample i as floats (a copy; for tests and inspection).
    std::vector<float> sample(std::size_t i) const {
        std::vector<float> out(sample_size());
        copy_sample(i, out.data());
        return out;
    }
    // Samples first .. first + n - 1 as floats, [n, channels, height, width].
    std::vector<float> float_samples(std::size_t first, std::size_t n) const {
        if (first + n > count)
            throw Error("ImageDataset: samples " + std::to_string(first) + " .. " + std::to_string(first + n) +
                        " asked of a data set holding " + std::to_string(count));
        std::vector<float> out(n * sample_size());
        for (std::size_t i = 0; i < n; ++i) copy_sample(first + i, out.data() + i * sample_size());
        return out;
    }
};

// `ds` with its samples held as floats (for float-domain transforms such as resizing).
inline ImageDataset with_float_samples(const ImageDataset& ds) {
    if (!ds.holds_bytes() && !ds.streamed()) return ds;
    return ImageDataset{ds.count, ds.channels, ds.height, ds.width, ds.float_samples(0, ds.count), ds.labels, {}, {}};
}

// Images: idx rank 3 [count, height, width]; labels: idx rank 1 [count].
inline ImageDataset load_idx_dataset(const std::filesystem::path& images_file,
                                     const std::filesystem::path& labels_file) {
    IdxArray images = read_idx(images_file);
    if (images.dims.size() != 3)
        throw FileError(images_file, "expected images of rank 3 [count, height, width], found dims " +
                                         detail::dims_string(images.dims));
    const IdxArray labels = read_idx(labels_file);
    if (labels.dims.size() != 1)
        throw FileError(labels_file, "expected labels of rank 1 [count], found dims " + detail::dims_string(labels.dims));
    if (labels.dims[0] != images.dims[0])
        throw FileError(labels_file, "has " + std::to_string(labels.dims[0]) + " labels but " + images_file.string() +
                                         " has " + std::to_string(images.dims[0]) + " images");

    ImageDataset ds;
    ds.count = images.dims[0];
    ds.height = images.dims[1];
    ds.width = images.dims[2];
    ds.bytes = std::move(images.data);
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
    ImageDataset out{n, ds.channels, ds.height, ds.width, {}, {}, {}, ds.source};  // a source's first n samples
    const auto keep = static_cast<std::ptrdiff_t>(n * ds.sample_size());
    if (ds.holds_bytes())
        out.bytes.assign(ds.bytes.begin(), ds.bytes.begin() + keep);
    else if (!ds.streamed())
        out.images.assign(ds.images.begin(), ds.images.begin() + keep);
    if (!ds.labels.empty()) out.labels.assign(ds.labels.begin(), ds.labels.begin() + static_cast<std::ptrdiff_t>(n));
    return out;
}

}  // namespace xgan::data
