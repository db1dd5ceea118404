#pragma once
// The classifier behind `xgan eval`: a small CNN trained with xgan itself on MNIST or
// Fashion-MNIST (`xgan classifier train --data mnist`), cached as
// ${XGAN_DATA:-data}/classifiers/<data>.safetensors with its test accuracy, epochs and seed in
// the metadata. Its 128-d ReLU features (layer 8) give the Frechet distance, its logits the
// class statistics of generated samples.
//   Conv2d(1,32,3,p1) ReLU MaxPool2d(2) Conv2d(32,64,3,p1) ReLU MaxPool2d(2) Flatten
//   Linear(3136,128) ReLU [features] Linear(128,10) [logits]
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "xgan/metrics/features.hpp"
#include "xgan/xgan.hpp"

#include "xgan/cli/datasets.hpp"
#include "xgan/cli/program.hpp"

namespace xgan::cli {


using ClassifierSpec = Sequential<Conv2d<1, 32, 3, 1, 1>, ReLU, MaxPool2d<2>, Conv2d<32, 64, 3, 1, 1>, ReLU, MaxPool2d<2>,
                                  Flatten, Linear<3136, 128>, ReLU, Linear<128, 10>>;
using ClassifierNet = Network<ClassifierSpec, Shape<1, 28, 28>>;
inline constexpr std::size_t classifier_feature_layer = 8;  // the ReLU after Linear<3136, 128>
using ClassifierFeatures = metrics::FeatureExtractor<classifier_feature_layer, ClassifierNet>;
static_assert(ClassifierFeatures::feature_dim == 128 && ClassifierFeatures::classes == 10);

struct ClassifierOptions {
    std::string data = "mnist";
    int epochs = -1;  // -1: the data set's default (mnist 3, fashion-mnist 5)
    int batch_size = 64;
    double lr = 1e-3;
    std::uint64_t seed = 1;
    std::filesystem::path out;   // empty: the cache, classifier_path(data)
    double min_accuracy = 0;     // fail (exit status 4) below this test accuracy
    bool quiet = false;
};

inline bool has_classifier_data(const std::string& data) { return data == "mnist" || data == "fashion-mnist"; }

inline std::filesystem::path classifier_path(const std::string& data) {
    return data_root() / "classifiers" / (data + ".safetensors");
}

inline std::string classifier_command(const std::string& data) {
    return command("classifier train --data " + data);
}

// Share of the data set's images that the classifier labels correctly.
inline double classifier_accuracy(ClassifierNet& net, const data::ImageDataset& ds) {
    if (ds.labels.size() != ds.count) throw Error("classifier_accuracy: the data set has no labels");
    ClassifierFeatures extract(net);
    const auto f = extract(ds.float_samples(0, ds.count).data(), ds.count);
    std::size_t correct = 0;
    for (std::size_t i = 0; i < ds.count; ++i) {
        const float* row = f.logits.data() + i * f.classes;
        std::size_t arg = 0;
        for (std::size_t j = 1; j < f.classes; ++j)
            if (row[j] > row[arg]) arg = j;
        correct += std::int32_t(arg) == ds.labels[i];
    }
    return double(correct) / double(ds.count);
}

// A classifier loaded from the cache, with its metadata.
struct Classifier {
    std::unique_ptr<ClassifierNet> net = std::make_unique<ClassifierNet>();
    std::string data;
    std::filesystem::path file;
    double test_accuracy = 0;
};

// Loads the cached classifier of `data`; a missing cache is an error naming the command that
// makes it.
inline Classifier load_classifier(const std::string& data) {
    if (!has_classifier_data(data))
        throw Error("no classifier for this data ('" + data +
                    "'): sample-quality metrics need MNIST or Fashion-MNIST (--data mnist|fashion-mnist)");
    Classifier c;
    c.data = data;
    c.file = classifier_path(data);
    if (!std::filesystem::exists(c.file))
        throw FileError(c.file, "no classifier for " + data + " yet; create it (a few minutes, nothing is downloaded) with:\n  " +
                                    classifier_command(data));
    io::load_weights(*c.net, c.file);
    const auto meta = io::read_safetensors(c.file).metadata;
    if (auto it = meta.find("test_accuracy"); it != meta.end()) c.test_accuracy = std::stod(it->second);
    return c;
}

// `xgan classifier train`: trains the CNN with cross-entropy and Adam, reports the test
// accuracy after every epoch and writes the weights (atomically) to the cache.
inline int train_classifier(ClassifierOptions o) {
    if (!has_classifier_data(o.data)) throw Error("classifier train: --data must be mnist or fashion-mnist, not '" + o.data + "'");
    if (o.epochs < 0) o.epochs = o.data == "mnist" ? 3 : 5;
    if (o.epochs == 0 || o.batch_size <= 0 || o.lr <= 0) throw Error("--epochs, --batch-size and --lr must be positive");
    if (o.out.empty()) o.out = classifier_path(o.data);
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

    const data::ImageDataset train = load_dataset(o.data, true);
    const data::ImageDataset test = load_dataset(o.data, false);
    if (train.sample_size() != ClassifierNet::input_shape::size || test.sample_size() != ClassifierNet::input_shape::size)
        throw Error("classifier train: " + o.data + " images are not 1x28x28");
    // The output folder must be writable before minutes of training.
    std::error_code ec;
    if (o.out.has_parent_path()) std::filesystem::create_directories(o.out.parent_path(), ec);
    if (ec) throw FileError(o.out.parent_path(), "cannot create the folder: " + ec.message());

    auto net = std::make_unique<ClassifierNet>();
    Rng rng(o.seed);
    net->reset_parameters(rng, Init::pytorch);
    optim::Adam<float, Cpu> adam(*net, optim::AdamOptions{o.lr});
    data::BatchLoader loader(train, std::size_t(o.batch_size), o.seed + 1);
    Tensor<ClassifierNet::input_shape, Cpu> x;
    Tensor<ClassifierNet::output_shape, Cpu> grad;
    std::vector<std::int32_t> labels;
    if (!o.quiet)
        std::printf("training the %s classifier: %zu images, %d epochs, batch %d, Adam lr %g, seed %llu\n", o.data.c_str(),
                    train.count, o.epochs, o.batch_size, o.lr, (unsigned long long)o.seed);
    double accuracy = 0;
    for (int epoch = 1; epoch <= o.epochs; ++epoch) {
        // Halve the learning rate every epoch after the first: a few epochs then converge.
        adam.set_lr(o.lr * std::pow(0.5, epoch - 1));
        double loss_sum = 0;
        std::size_t batches = 0;
        while (loader.next(x, &labels)) {
            const auto& logits = net->forward(x, Mode::train);
            grad.resize(x.batch());
            const float loss = loss::cross_entropy<Cpu>(logits.values(), 10, labels, grad.values());
            if (!std::isfinite(loss)) throw NumericError("classifier train: the loss is " + std::to_string(loss));
            net->backward(grad, nullptr);
            adam.step();
            loss_sum += loss;
            ++batches;
        }
        accuracy = classifier_accuracy(*net, test);
        if (!o.quiet)
            std::printf("epoch %d/%d  loss %.4f  test accuracy %.2f%%  %.1fs\n", epoch, o.epochs, loss_sum / double(batches),
                        100 * accuracy, seconds());
    }
    if (accuracy < o.min_accuracy) {
        std::fprintf(stderr, "xgan: test accuracy %.4f is below --min-accuracy %.4f; nothing written\n", accuracy,
                     o.min_accuracy);
        return 4;
    }
    char acc[32];
    std::snprintf(acc, sizeof acc, "%.4f", accuracy);
    io::save_weights(*net, o.out,
                     {{"test_accuracy", acc},
                      {"epochs", std::to_string(o.epochs)},
                      {"seed", std::to_string(o.seed)},
                      {"data", o.data},
                      {"feature_layer", std::to_string(classifier_feature_layer)}});
    if (!o.quiet)
        std::printf("test accuracy %.2f%% after %d epochs in %.1fs; written to %s\n", 100 * accuracy, o.epochs, seconds(),
                    o.out.c_str());
    return 0;
}

}  // namespace xgan::cli
