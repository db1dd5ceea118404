#pragma once
// Binary cross-entropy, mean over all elements, with its gradient.
//   bce             on probabilities p, as torch.nn.BCELoss: each log is clamped at -100 and
//                   the gradient is (p - t) / max(p (1 - p), 1e-12) / N, PyTorch's formulas.
//   bce_with_logits on logits x, as torch.nn.BCEWithLogitsLoss, in the stable form
//                   max(x, 0) - x t + log(1 + exp(-|x|)); gradient (sigmoid(x) - t) / N.
// Each returns the loss and writes dL/d(input) into grad (same length as the input).
#include <algorithm>
#include <cmath>
#include <span>

#include "xgan/core/error.hpp"

namespace xgan::loss {

namespace detail {
template <class T>
void check_sizes(std::size_t in, std::size_t target, std::size_t grad, const char* fn) {
    if (in == 0 || in != target || in != grad) throw Error(std::string(fn) + ": input, target and grad sizes differ or are 0");
}
}  // namespace detail

template <class T>
T bce(std::span<const T> p, std::span<const T> target, std::span<T> grad) {
    detail::check_sizes<T>(p.size(), target.size(), grad.size(), "bce");
    const T n = T(p.size());
    T sum = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const T log_p = std::max(std::log(p[i]), T(-100));
        const T log_1mp = std::max(std::log(T(1) - p[i]), T(-100));
        sum -= target[i] * log_p + (T(1) - target[i]) * log_1mp;
        grad[i] = (p[i] - target[i]) / std::max((T(1) - p[i]) * p[i], T(1e-12)) / n;
    }
    return sum / n;
}

template <class T>
T bce_with_logits(std::span<const T> x, std::span<const T> target, std::span<T> grad) {
    detail::check_sizes<T>(x.size(), target.size(), grad.size(), "bce_with_logits");
    const T n = T(x.size());
    T sum = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sum += std::max(x[i], T(0)) - x[i] * target[i] + std::log1p(std::exp(-std::abs(x[i])));
        const T s = x[i] >= T(0) ? T(1) / (T(1) + std::exp(-x[i])) : std::exp(x[i]) / (T(1) + std::exp(x[i]));
        grad[i] = (s - target[i]) / n;
    }
    return sum / n;
}

}  // namespace xgan::loss
