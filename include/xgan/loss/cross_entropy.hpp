#pragma once
// Softmax cross-entropy on logits with integer class targets, mean over the batch, as
// torch.nn.CrossEntropyLoss() with its defaults (no class weights, no label smoothing):
//   L = 1/N sum_i (logsumexp(x_i) - x_i[t_i]),   dL/dx_i = (softmax(x_i) - onehot(t_i)) / N
// logsumexp is taken stably as m + log(sum_j exp(x_ij - m)), m = max_j x_ij, as PyTorch's log_softmax.
// logits is row-major [N, classes] in backend B's memory, targets [N] on the host, grad
// [N, classes] in B's memory. Returns the loss (summed in double) and writes dL/d(logits) into
// grad. PyTorch's ignore_index (-100) is not supported: every target must lie in [0, classes),
// otherwise xgan::Error names the index and value. Allocates its per-row scratch on each call.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include "xgan/backend/backend.hpp"
#include "xgan/core/error.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan::loss {

namespace detail::ce {
using backend::Index;
struct Value {
    template <class X>
    XGAN_HD double operator()(Index, X x) const { return double(x); }
};
struct ExpShifted {  // exp(x - m[row])
    const double* m;
    template <class X>
    XGAN_HD double operator()(Index k, X x) const { return std::exp(double(x) - m[k.o]); }
};
// -log_softmax(x)[t] = (m - x[t]) + log(z), at the target's column of each row: keeps m out of
// the sum, so large logits (1000 in float has an ulp of 6e-5) lose no precision.
struct TargetTerm {
    const double *m, *z;
    const std::int32_t* t;
    template <class X>
    XGAN_HD double operator()(Index k, X x) const {
        return std::int32_t(k.c) == t[k.o] ? (m[k.o] - double(x)) + std::log(z[k.o]) : 0.0;
    }
};
struct Identity {
    template <class X>
    XGAN_HD double operator()(X x) const { return double(x); }
};
struct Gradient {  // (softmax - onehot(t)) / n
    const double *m, *z;
    const std::int32_t* t;
    double inv_n;
    template <class X>
    XGAN_HD X operator()(Index k, X x) const {
        const double p = std::exp(double(x) - m[k.o]) / z[k.o];
        return X(p * inv_n - (std::int32_t(k.c) == t[k.o] ? inv_n : 0.0));
    }
};
}  // namespace detail::ce

template <class B, class T = typename B::scalar>
T cross_entropy(std::span<const std::type_identity_t<T>> logits, std::size_t classes, std::span<const std::int32_t> targets,
                std::span<std::type_identity_t<T>> grad) {
    if (classes == 0) throw Error("cross_entropy: number of classes is 0");
    if (targets.empty()) throw Error("cross_entropy: no targets");
    if (logits.size() != targets.size() * classes || grad.size() != logits.size())
        throw Error("cross_entropy: logits (" + std::to_string(logits.size()) + ") and grad (" +
                    std::to_string(grad.size()) + ") must hold targets (" + std::to_string(targets.size()) +
                    ") x classes (" + std::to_string(classes) + ") values");
    const auto bad = std::find_if(targets.begin(), targets.end(),
                                  [&](std::int32_t t) { return t < 0 || static_cast<std::size_t>(t) >= classes; });
    if (bad != targets.end())
        throw Error("cross_entropy: targets[" + std::to_string(bad - targets.begin()) + "] = " + std::to_string(*bad) +
                    " is outside [0, " + std::to_string(classes) + ")");
    const std::size_t n = targets.size();
    const backend::ChannelLayout rows{n, classes, 1};
    typename B::template buffer<double> m(n), z(n), row_loss(n);
    typename B::template buffer<std::int32_t> t(n);
    B::copy_from_host(targets.data(), n, t.data());
    B::position_max(rows, detail::ce::Value{}, m.data(), logits.data());
    B::position_sum(rows, detail::ce::ExpShifted{m.data()}, z.data(), logits.data());
    B::position_sum(rows, detail::ce::TargetTerm{m.data(), z.data(), t.data()}, row_loss.data(), logits.data());
    B::indexed_map(rows, detail::ce::Gradient{m.data(), z.data(), t.data(), 1.0 / double(n)}, grad.data(), logits.data());
    return static_cast<T>(B::sum(n, detail::ce::Identity{}, static_cast<const double*>(row_loss.data())) / double(n));
}

}  // namespace xgan::loss
