#pragma once
// RMSprop with PyTorch's semantics (torch.optim.RMSprop):
//   g += wd * p;  s = alpha * s + (1 - alpha) * g^2
//   centered: a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a^2) + eps,  else d = sqrt(s) + eps
//   momentum > 0: b = momentum * b + g / d;  p -= lr * b,  else p -= lr * g / d
// (eps is added after the square root.) Like Adam and Sgd, step() clears the gradients it consumed.
// State: square_avg always, grad_avg when centered, momentum_buffer when momentum > 0.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/backend/backend.hpp"
#include "xgan/core/error.hpp"
#include "xgan/nn/parameters.hpp"
#include "xgan/optim/state.hpp"

namespace xgan::optim {

struct RmspropOptions {
    double lr = 1e-2;
    double alpha = 0.99;
    double eps = 1e-8;
    double weight_decay = 0;
    double momentum = 0;
    bool centered = false;
};

template <class T, backend::Backend B>
class Rmsprop {
public:
    Rmsprop(std::vector<ParamRef<T>> params, RmspropOptions options) : params_(std::move(params)), options_(options) {
        check(options_);
        std::size_t total = 0;
        for (const auto& p : params_) total += p.size;
        zero_state<B>(square_avg_, total);
        if (options_.centered) zero_state<B>(grad_avg_, total);
        if (options_.momentum > 0) zero_state<B>(momentum_buffer_, total);
    }
    template <class Net>
    Rmsprop(Net& net, RmspropOptions options) : Rmsprop(trainable_parameters(net), options) {}

    // Applies the gradients, then clears them.
    void step() {
        backend::RmspropStep<T> k;
        k.lr = T(options_.lr);
        k.alpha = T(options_.alpha);
        k.one_minus_alpha = T(1.0 - options_.alpha);
        k.eps = T(options_.eps);
        k.weight_decay = T(options_.weight_decay);
        k.momentum = T(options_.momentum);
        k.centered = options_.centered;
        k.use_momentum = options_.momentum > 0;
        k.use_weight_decay = options_.weight_decay != 0;
        std::size_t offset = 0;
        for (const auto& p : params_) {
            B::rmsprop_update(p.size, p.value, p.grad, square_avg_.data() + offset,
                              k.centered ? grad_avg_.data() + offset : nullptr,
                              k.use_momentum ? momentum_buffer_.data() + offset : nullptr, k);
            offset += p.size;
        }
        ++steps_;
    }

    std::int64_t steps() const { return steps_; }
    const RmspropOptions& options() const { return options_; }
    void set_lr(double lr) {
        if (!(lr >= 0)) throw Error("RMSprop: learning rate must be >= 0, got " + shortest_text(lr));
        options_.lr = lr;
    }
    const std::vector<ParamRef<T>>& parameters() const { return params_; }

    // The whole state, for checkpoints, in parameter order: square_avg (always), grad_avg
    // (empty unless centered), momentum_buffer (empty unless momentum > 0), and the step count.
    State<T, B>& square_avg() { return square_avg_; }
    State<T, B>& grad_avg() { return grad_avg_; }
    State<T, B>& momentum_buffer() { return momentum_buffer_; }
    void set_steps(std::int64_t t) { steps_ = t; }

private:
    // torch.optim.RMSprop's checks, plus alpha <= 1 (a larger alpha makes square_avg diverge).
    // Written as !(x >= 0) so that NaN is refused too.
    static void check(const RmspropOptions& o) {
        if (!(o.lr >= 0)) throw Error("RMSprop: learning rate must be >= 0, got " + shortest_text(o.lr));
        if (!(o.alpha >= 0 && o.alpha <= 1))
            throw Error("RMSprop: alpha must be in [0, 1], got " + shortest_text(o.alpha));
        if (!(o.eps >= 0)) throw Error("RMSprop: eps must be >= 0, got " + shortest_text(o.eps));
        if (!(o.momentum >= 0)) throw Error("RMSprop: momentum must be >= 0, got " + shortest_text(o.momentum));
        if (!(o.weight_decay >= 0))
            throw Error("RMSprop: weight_decay must be >= 0, got " + shortest_text(o.weight_decay));
    }

    std::vector<ParamRef<T>> params_;
    RmspropOptions options_;
    State<T, B> square_avg_, grad_avg_, momentum_buffer_;
    std::int64_t steps_ = 0;
};

}  // namespace xgan::optim
