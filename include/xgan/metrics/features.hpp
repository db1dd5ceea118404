#pragma once
// Features and logits of a classifier for sample-quality metrics: a FeatureExtractor runs a
// bound Sequential in eval mode over a set of images, batch by batch, and keeps the output of
// one of its layers (the features, e.g. the 128-d ReLU before the last Linear) and of its last
// layer (the logits). Features feed gaussian_stats/frechet_distance, logits class_stats.
//
//   using Net = Network<Sequential<Conv2d<1,32,3,1,1>, ..., Linear<3136,128>, ReLU, Linear<128,10>>, Shape<1,28,28>>;
//   Net net;  io::load_weights(net, "mnist.safetensors");
//   xgan::metrics::FeatureExtractor<8, Net> extract(net);     // layer 8: the ReLU after Linear<3136,128>
//   auto f = extract(images, n);                               // f.features [n, 128], f.logits [n, 10]
//   auto stats = xgan::metrics::gaussian_stats(f);             // mean, covariance of the features
//
// check_sample_values() validates images before they reach a network: every value finite and
// inside the expected range ([-1, 1] for xgan's tanh generators and data sets), so a corrupted
// or wrongly scaled sample set is an error naming the sample rather than a meaningless score.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "xgan/backend/tensor.hpp"
#include "xgan/core/error.hpp"
#include "xgan/core/mode.hpp"
#include "xgan/metrics/frechet.hpp"

namespace xgan::metrics {

// Features and logits of `count` samples, row-major.
struct Features {
    std::size_t count = 0;
    std::size_t feature_dim = 0;
    std::size_t classes = 0;
    std::vector<float> features;  // [count, feature_dim]
    std::vector<float> logits;    // [count, classes]
};

// Mean and covariance of the features (see gaussian_stats in frechet.hpp).
inline GaussianStats gaussian_stats(const Features& f) {
    return gaussian_stats(f.features.data(), f.count, f.feature_dim);
}

// Throws xgan::Error unless each of the n * sample_size values is finite and lies in
// [lo - 1e-4, hi + 1e-4]; the message names `what`, the sample, the position and the value.
inline void check_sample_values(const float* x, std::size_t n, std::size_t sample_size, const std::string& what,
                                float lo = -1.0f, float hi = 1.0f) {
    if (n == 0) throw Error(what + ": no samples");
    if (x == nullptr) throw Error(what + ": no data");
    const float tol = 1e-4f;
    for (std::size_t i = 0; i < n * sample_size; ++i) {
        const float v = x[i];
        if (std::isfinite(v) && v >= lo - tol && v <= hi + tol) continue;
        throw Error(what + ": sample " + std::to_string(i / sample_size) + " value " + std::to_string(i % sample_size) +
                    " is " + std::to_string(v) + (std::isfinite(v) ? ", outside [" + std::to_string(lo) + ", " +
                                                                       std::to_string(hi) + "]"
                                                                 : "") +
                    " (corrupted or wrongly scaled samples?)");
    }
}

// Runs Net (a bound Sequential, Network<Sequential<...>, In>) in eval mode and keeps the output
// of layer FeatureLayer and of the last layer. The network is borrowed, not owned; batches of
// at most `batch` samples bound its memory (its buffers grow to that batch once).
template <std::size_t FeatureLayer, class Net>
class FeatureExtractor {
    static_assert(FeatureLayer < Net::depth, "xgan: FeatureExtractor's layer index must be below the network's depth");

public:
    using input_shape = typename Net::input_shape;
    using feature_shape = typename Net::template layer_t<FeatureLayer>::output_shape;
    using logits_shape = typename Net::output_shape;
    using B = typename Net::backend;
    static_assert(std::is_same_v<typename Net::scalar, float>, "xgan: FeatureExtractor works on float networks");
    static constexpr std::size_t layer = FeatureLayer;
    static constexpr std::size_t feature_dim = feature_shape::size;
    static constexpr std::size_t classes = logits_shape::size;
    static constexpr std::size_t sample_size = input_shape::size;

    explicit FeatureExtractor(Net& net, std::size_t batch = 500) : net_(&net), batch_(batch) {
        if (batch == 0) throw Error("FeatureExtractor: batch size must be positive");
    }

    // Features and logits of n samples, images[n, input_shape] (row-major, NCHW).
    Features operator()(const float* images, std::size_t n) {
        if (n > 0 && images == nullptr) throw Error("FeatureExtractor: images is null");
        Features out;
        out.count = n;
        out.feature_dim = feature_dim;
        out.classes = classes;
        out.features.resize(n * feature_dim);
        out.logits.resize(n * classes);
        for (std::size_t start = 0; start < n; start += batch_) {
            const std::size_t b = std::min(batch_, n - start);
            x_.resize(b);
            std::copy(images + start * sample_size, images + (start + b) * sample_size, x_.data());
            const auto& logits = net_->forward(x_, Mode::eval);
            const auto& features = net_->template layer_output<FeatureLayer>();
            std::copy(features.data(), features.data() + b * feature_dim, out.features.data() + start * feature_dim);
            std::copy(logits.data(), logits.data() + b * classes, out.logits.data() + start * classes);
        }
        return out;
    }

private:
    Net* net_;
    std::size_t batch_;
    Tensor<input_shape, B> x_;
};

}  // namespace xgan::metrics
