#pragma once
// Binary cross-entropy, mean over all elements, with its gradient, on backend B's memory.
//   bce             on probabilities p, as torch.nn.BCELoss: each log is clamped at -100 and
//                   the gradient is (p - t) / max(p (1 - p), 1e-12) / N, PyTorch's formulas.
//   bce_with_logits on logits x, as torch.nn.BCEWithLogitsLoss, in the stable form
//                   max(x, 0) - x t + log(1 + exp(-|x|)); gradient (sigmoid(x) - t) / N.
// Each returns the loss (summed in double) and writes dL/d(input) into grad (same length).
#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <type_traits>

#include "xgan/core/error.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan::loss {

namespace detail {
inline void check_sizes(std::size_t in, std::size_t target, std::size_t grad, const char* fn) {
    if (in == 0 || in != target || in != grad) throw Error(std::string(fn) + ": input, target and grad sizes differ or are 0");
}

struct BceTerm {  // -(t log p + (1 - t) log(1 - p)), each log clamped at -100
    template <class T>
    XGAN_HD T operator()(T p, T t) const {
        using std::log, std::max;
        return -(t * max(log(p), T(-100)) + (T(1) - t) * max(log(T(1) - p), T(-100)));
    }
};
struct BceGrad {
    double n;
    template <class T>
    XGAN_HD T operator()(T p, T t) const { return (p - t) / std::max((T(1) - p) * p, T(1e-12)) / T(n); }
};
struct BceLogitsTerm {  // max(x, 0) - x t + log(1 + exp(-|x|))
    template <class T>
    XGAN_HD T operator()(T x, T t) const {
        using std::abs, std::exp, std::log1p, std::max;
        return max(x, T(0)) - x * t + log1p(exp(-abs(x)));
    }
};
struct BceLogitsGrad {  // (sigmoid(x) - t) / n
    double n;
    template <class T>
    XGAN_HD T operator()(T x, T t) const {
        using std::exp;
        const T s = x >= T(0) ? T(1) / (T(1) + exp(-x)) : exp(x) / (T(1) + exp(x));
        return (s - t) / T(n);
    }
};
}  // namespace detail

template <class B, class T = typename B::scalar>
T bce(std::span<const std::type_identity_t<T>> p, std::span<const std::type_identity_t<T>> target,
      std::span<std::type_identity_t<T>> grad) {
    detail::check_sizes(p.size(), target.size(), grad.size(), "bce");
    const std::size_t n = p.size();
    B::map(n, detail::BceGrad{double(n)}, grad.data(), p.data(), target.data());
    return T(B::sum(n, detail::BceTerm{}, p.data(), target.data()) / double(n));
}

template <class B, class T = typename B::scalar>
T bce_with_logits(std::span<const std::type_identity_t<T>> x, std::span<const std::type_identity_t<T>> target,
                  std::span<std::type_identity_t<T>> grad) {
    detail::check_sizes(x.size(), target.size(), grad.size(), "bce_with_logits");
    const std::size_t n = x.size();
    B::map(n, detail::BceLogitsGrad{double(n)}, grad.data(), x.data(), target.data());
    return T(B::sum(n, detail::BceLogitsTerm{}, x.data(), target.data()) / double(n));
}

}  // namespace xgan::loss
