#pragma once
// Adam and AdamW with PyTorch's semantics (torch.optim.Adam / AdamW, not amsgrad):
//   t += 1;  g += wd * p (Adam) | p *= 1 - lr * wd (AdamW)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Fused: one pass over each tensor (the backend's adam_update) updates m, v and p and clears
// the gradient (so no separate zero_grad pass is needed). The scalars are computed in double
// and applied in float, as PyTorch does. State (m, v) is held in one buffer of B each,
// allocated at construction.
// The constructor refuses what torch.optim.Adam refuses (negative lr, eps or weight decay, a
// beta outside [0, 1)), throwing xgan::Error.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/backend/backend.hpp"
#include "xgan/core/error.hpp"
#include "xgan/nn/parameters.hpp"
#include "xgan/optim/state.hpp"

namespace xgan::optim {

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0;
    bool decoupled_weight_decay = false;  // true: AdamW
};

template <class T, backend::Backend B>
class Adam {
public:
    Adam(std::vector<ParamRef<T>> params, AdamOptions options) : params_(std::move(params)), options_(options) {
        check(options_);
        std::size_t total = 0;
        for (const auto& p : params_) total += p.size;
        zero_state<B>(exp_avg_, total);
        zero_state<B>(exp_avg_sq_, total);
    }
    template <class Net>
    Adam(Net& net, AdamOptions options) : Adam(trainable_parameters(net), options) {}

    // Applies the gradients, then clears them.
    void step() {
        ++steps_;
        const double bc1 = 1.0 - std::pow(options_.beta1, double(steps_));
        const double bc2_sqrt = std::sqrt(1.0 - std::pow(options_.beta2, double(steps_)));
        backend::AdamStep<T> k;
        k.beta1 = T(options_.beta1);
        k.beta2 = T(options_.beta2);
        k.one_minus_beta1 = T(1.0 - options_.beta1);
        k.one_minus_beta2 = T(1.0 - options_.beta2);
        k.eps = T(options_.eps);
        k.step_size = T(options_.lr / bc1);
        k.inv_bc2_sqrt = T(1.0 / bc2_sqrt);
        k.weight_decay = T(options_.weight_decay);
        k.decay = T(1.0 - options_.lr * options_.weight_decay);
        k.decoupled = options_.decoupled_weight_decay && options_.weight_decay != 0;
        k.coupled = !options_.decoupled_weight_decay && options_.weight_decay != 0;
        std::size_t offset = 0;
        for (const auto& p : params_) {
            B::adam_update(p.size, p.value, p.grad, exp_avg_.data() + offset, exp_avg_sq_.data() + offset, k);
            offset += p.size;
        }
    }

    std::int64_t steps() const { return steps_; }
    const AdamOptions& options() const { return options_; }
    void set_lr(double lr) { options_.lr = lr; }
    const std::vector<ParamRef<T>>& parameters() const { return params_; }

    // The whole state, for checkpoints: m and v of every parameter (in parameter order) and t.
    State<T, B>& exp_avg() { return exp_avg_; }
    State<T, B>& exp_avg_sq() { return exp_avg_sq_; }
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

    std::vector<ParamRef<T>> params_;
    AdamOptions options_;
    State<T, B> exp_avg_, exp_avg_sq_;
    std::int64_t steps_ = 0;
};

}  // namespace xgan::optim
