#pragma once
// Softmax cross-entropy on logits with integer class targets, mean over the batch, as
// torch.nn.CrossEntropyLoss() with its defaults (no class weights, no label smoothing):
//   L = 1/N sum_i (logsumexp(x_i) - x_i[t_i]),   dL/dx_i = (softmax(x_i) - onehot(t_i)) / N
// logsumexp is taken stably as m + log(sum_j exp(x_ij - m)), m = max_j x_ij, as PyTorch's log_softmax.
// logits is row-major [N, classes], targets [N], grad [N, classes]. Returns the loss and writes
// dL/d(logits) into grad. PyTorch's ignore_index (-100) is not supported: every target must lie
// in [0, classes), otherwise xgan::Error names the index and value.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include "xgan/core/error.hpp"

namespace xgan::loss {

template <class T>
T cross_entropy(std::span<const T> logits, std::size_t classes, std::span<const std::int32_t> targets,
                std::span<T> grad) {
    if (classes == 0) throw Error("cross_entropy: number of classes is 0");
    if (targets.empty()) throw Error("cross_entropy: no targets");
    if (logits.size() != targets.size() * classes || grad.size() != logits.size())
        throw Error("cross_entropy: logits (" + std::to_string(logits.size()) + ") and grad (" +
                    std::to_string(grad.size()) + ") must hold targets (" + std::to_string(targets.size()) +
                    ") x classes (" + std::to_string(classes) + ") values");
    const std::size_t n = targets.size();
    const T inv_n = T(1) / T(n);
    double sum = 0;  // per-sample losses summed in double so large batches lose no precision
    for (std::size_t i = 0; i < n; ++i) {
        const std::int32_t t = targets[i];
        if (t < 0 || static_cast<std::size_t>(t) >= classes)
            throw Error("cross_entropy: targets[" + std::to_string(i) + "] = " + std::to_string(t) +
                        " is outside [0, " + std::to_string(classes) + ")");
        const T* x = logits.data() + i * classes;
        T* g = grad.data() + i * classes;
        const T m = *std::max_element(x, x + classes);
        T z = 0;
        for (std::size_t j = 0; j < classes; ++j) {
            g[j] = std::exp(x[j] - m);
            z += g[j];
        }
        // -log_softmax(x)[t] = (m - x[t]) + log(z): keeps m out of the sum, so large logits
        // (1000 in float has an ulp of 6e-5) lose no precision.
        sum += static_cast<double>((m - x[t]) + std::log(z));
        const T scale = inv_n / z;
        for (std::size_t j = 0; j < classes; ++j) g[j] *= scale;
        g[t] -= inv_n;
    }
    return static_cast<T>(sum / static_cast<double>(n));
}

}  // namespace xgan::loss
