#pragma once
// Class statistics of generated samples from a classifier's logits: which classes a generator
// produces (histogram, coverage, KL divergence to uniform), how clearly (share of confident
// predictions) and, for conditional models, how often it produces the class it was asked for.
//
//   auto s = xgan::metrics::class_stats(logits, n, 10, requested_labels);  // logits [n, 10]
//   s.classes_covered, s.kl_to_uniform, s.confident_share, *s.requested_accuracy
//
// The predicted class of a sample is the argmax of its logits (the first one on ties, as
// torch.argmax); its confidence is the maximum of the softmax, computed stably as
// 1 / sum_j exp(x_j - max x).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"

namespace xgan::metrics {

struct ClassStats {
    std::size_t count = 0;                  // N samples
    std::size_t classes = 0;                // K classes
    std::vector<std::size_t> histogram;     // [K] samples predicted as each class
    std::size_t classes_covered = 0;        // classes holding >= 1% of the samples
    double kl_to_uniform = 0;               // KL(histogram / N || uniform), natural log, 0 log 0 = 0
    double confident_share = 0;             // share of samples whose max softmax > `confident`
    double mean_confidence = 0;             // mean over samples of the max softmax
    std::optional<double> requested_accuracy;  // share predicted as the requested label (when given)
};

// Statistics of n samples from logits[n, k] (row-major). requested_labels, when not null, holds
// n labels in [0, k) that a conditional generator was asked for. Throws xgan::Error when n or k
// is 0, a logit is NaN/Inf, or a requested label is out of range (naming the index and value).
inline ClassStats class_stats(const float* logits, std::size_t n, std::size_t k,
                              const std::int32_t* requested_labels = nullptr, double confident = 0.9) {
    if (n == 0) throw Error("class_stats: no samples");
    if (k == 0) throw Error("class_stats: number of classes is 0");
    if (logits == nullptr) throw Error("class_stats: logits is null");
    ClassStats s;
    s.count = n;
    s.classes = k;
    s.histogram.assign(k, 0);
    std::size_t confident_count = 0, hits = 0;
    double confidence_sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const float* row = logits + i * k;
        std::size_t arg = 0;
        for (std::size_t j = 0; j < k; ++j) {
            if (!std::isfinite(row[j]))
                throw Error("class_stats: logit [" + std::to_string(i) + ", " + std::to_string(j) + "] is " +
                            std::to_string(row[j]));
            if (row[j] > row[arg]) arg = j;
        }
        const double top = row[arg];
        double denom = 0;
        for (std::size_t j = 0; j < k; ++j) denom += std::exp(static_cast<double>(row[j]) - top);
        const double p_max = 1.0 / denom;
        confidence_sum += p_max;
        if (p_max > confident) ++confident_count;
        ++s.histogram[arg];
        if (requested_labels != nullptr) {
            const std::int32_t label = requested_labels[i];
            if (label < 0 || static_cast<std::size_t>(label) >= k)
                throw Error("class_stats: requested_labels[" + std::to_string(i) + "] = " + std::to_string(label) +
                            " is outside [0, " + std::to_string(k) + ")");
            if (static_cast<std::size_t>(label) == arg) ++hits;
        }
    }
    const double nd = static_cast<double>(n);
    for (std::size_t c = 0; c < k; ++c) {
        const std::size_t h = s.histogram[c];
        if (h * 100 >= n) ++s.classes_covered;  // h / n >= 1%, in integers
        if (h > 0) {
            const double p = static_cast<double>(h) / nd;
            s.kl_to_uniform += p * std::log(p * static_cast<double>(k));
        }
    }
    if (s.kl_to_uniform < 0) s.kl_to_uniform = 0;  // rounding when the histogram is uniform
    s.confident_share = static_cast<double>(confident_count) / nd;
    s.mean_confidence = confidence_sum / nd;
    if (requested_labels != nullptr) s.requested_accuracy = static_cast<double>(hits) / nd;
    return s;
}

}  // namespace xgan::metrics
