#pragma once
// Adam and AdamW with PyTorch's semantics (torch.optim.Adam / AdamW, not amsgrad):
//   t += 1;  g += wd * p (Adam) | p *= 1 - lr * wd (AdamW)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Fused: one pass over each tensor updates m, v and p and clears the gradient (so no separate
// zero_grad pass is needed). The scalars are computed in double and applied in float, as
// PyTorch does. State (m, v, t) is held in one buffer each, allocated at construction.
// The pass is explicit SIMD code: memory-bound, so one thread is as fast as two here.
// The constructor refuses what torch.optim.Adam refuses (negative lr, eps or weight decay, a
// beta outside [0, 1)), throwing xgan::Error.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/backend/cpu.hpp"
#include "xgan/backend/simd.hpp"
#include "xgan/core/error.hpp"
#include "xgan/nn/parameters.hpp"

namespace xgan::optim {

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0;
    bool decoupled_weight_decay = false;  // true: AdamW
};

template <class T = float, class B = Cpu>
class Adam {
public:
    Adam(std::vector<ParamRef<T>> params, AdamOptions options) : params_(std::move(params)), options_(options) {
        check(options_);
        std::size_t total = 0;
        for (const auto& p : params_) total += p.size;
        exp_avg_.assign(total, T(0));
        exp_avg_sq_.assign(total, T(0));
    }
    template <class Net>
    Adam(Net& net, AdamOptions options) : Adam(trainable_parameters(net), options) {}

    // Applies the gradients, then clears them.
    void step() {
        ++steps_;
        const double bc1 = 1.0 - std::pow(options_.beta1, double(steps_));
        const double bc2_sqrt = std::sqrt(1.0 - std::pow(options_.beta2, double(steps_)));
        const T b1 = T(options_.beta1), b2 = T(options_.beta2), eps = T(options_.eps);
        const T one_minus_b1 = T(1.0 - options_.beta1), one_minus_b2 = T(1.0 - options_.beta2);
        const T step_size = T(options_.lr / bc1), inv_bc2_sqrt = T(1.0 / bc2_sqrt);
        const T wd = T(options_.weight_decay), decay = T(1.0 - options_.lr * options_.weight_decay);
        const bool decoupled = options_.decoupled_weight_decay && options_.weight_decay != 0;
        const bool coupled = !options_.decoupled_weight_decay && options_.weight_decay != 0;
        std::size_t offset = 0;
        for (const auto& p : params_) {
            update(p.value, p.grad, exp_avg_.data() + offset, exp_avg_sq_.data() + offset, p.size,
                   {b1, b2, one_minus_b1, one_minus_b2, eps, step_size, inv_bc2_sqrt, wd, decay, coupled, decoupled});
            offset += p.size;
        }
    }

    std::int64_t steps() const { return steps_; }
    const AdamOptions& options() const { return options_; }
    void set_lr(double lr) { options_.lr = lr; }
    const std::vector<ParamRef<T>>& parameters() const { return params_; }

    // The whole state, for checkpoints: m and v of every parameter (in parameter order) and t.
    std::vector<T>& exp_avg() { return exp_avg_; }
    std::vector<T>& exp_avg_sq() { return exp_avg_sq_; }
    void set_steps(std::int64_t t) { steps_ = t; }

private:
    // Written as !(x >= 0) so that NaN is refused too.
    static void check(const AdamOptions& o) {
        const char* name = o.decoupled_weight_decay ? "AdamW" : "Adam";
        auto fail = [&](const char* what, double x) { throw Error(std::string(name) + ": " + what + ", got " + shortest_text(x)); };
        if (!(o.lr >= 0)) fail("learning rate must be >= 0", o.lr);
        if (!(o.beta1 >= 0 && o.beta1 < 1)) fail("beta1 must be in [0, 1)", o.beta1);
        if (!(o.beta2 >= 0 && o.beta2 < 1)) fail("beta2 must be in [0, 1)", o.beta2);
        if (!(o.eps >= 0)) fail("eps must be >= 0", o.eps);
        if (!(o.weight_decay >= 0)) fail("weight_decay must be >= 0", o.weight_decay);
    }

    struct Coefficients {
        T b1, b2, one_minus_b1, one_minus_b2, eps, step_size, inv_bc2_sqrt, wd, decay;
        bool coupled, decoupled;
    };

    // One fused pass over a tensor, in SIMD batches (sqrt keeps the loop scalar otherwise).
    static void update(T* __restrict value, T* __restrict grad, T* __restrict m, T* __restrict v, std::size_t n,
                       const Coefficients c) {
        using batch = xsimd::batch<T>;
        constexpr std::size_t w = batch::size;
        std::size_t i = 0;
        for (; i + w <= n; i += w) {
            batch g = batch::load_unaligned(grad + i);
            batch p = batch::load_unaligned(value + i);
            if (c.coupled) g += batch(c.wd) * p;
            if (c.decoupled) p *= batch(c.decay);
            const batch mi = batch(c.b1) * batch::load_unaligned(m + i) + batch(c.one_minus_b1) * g;
            const batch vi = batch(c.b2) * batch::load_unaligned(v + i) + batch(c.one_minus_b2) * g * g;
            p -= batch(c.step_size) * mi / (xsimd::sqrt(vi) * batch(c.inv_bc2_sqrt) + batch(c.eps));
            mi.store_unaligned(m + i);
            vi.store_unaligned(v + i);
            p.store_unaligned(value + i);
            batch(T(0)).store_unaligned(grad + i);
        }
        for (; i < n; ++i) {
            T g = grad[i];
            if (c.coupled) g += c.wd * value[i];
            if (c.decoupled) value[i] *= c.decay;
            m[i] = c.b1 * m[i] + c.one_minus_b1 * g;
            v[i] = c.b2 * v[i] + c.one_minus_b2 * g * g;
            value[i] -= c.step_size * m[i] / (std::sqrt(v[i]) * c.inv_bc2_sqrt + c.eps);
            grad[i] = T(0);
        }
    }

    std::vector<ParamRef<T>> params_;
    AdamOptions options_;
    std::vector<T> exp_avg_, exp_avg_sq_;
    std::int64_t steps_ = 0;
};

}  // namespace xgan::optim
