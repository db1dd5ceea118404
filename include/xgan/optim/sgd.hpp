#pragma once
// SGD with momentum, PyTorch's semantics (torch.optim.SGD):
//   g += wd * p;  b = g on the first step, else b = momentum * b + (1 - dampening) * g
//   p -= lr * (nesterov ? g + momentum * b : b)
// Like Adam, step() clears the gradients it consumed. The constructor refuses what
// torch.optim.SGD refuses (negative lr, momentum or weight decay; Nesterov without momentum or
// with dampening), throwing xgan::Error.
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/backend/backend.hpp"
#include "xgan/core/error.hpp"
#include "xgan/nn/parameters.hpp"
#include "xgan/optim/state.hpp"

namespace xgan::optim {

struct SgdOptions {
    double lr = 1e-2;
    double momentum = 0;
    double dampening = 0;
    double weight_decay = 0;
    bool nesterov = false;
};

template <class T, backend::Backend B>
class Sgd {
public:
    Sgd(std::vector<ParamRef<T>> params, SgdOptions options) : params_(std::move(params)), options_(options) {
        check(options_);
        std::size_t total = 0;
        for (const auto& p : params_) total += p.size;
        if (options_.momentum != 0) zero_state<B>(momentum_buffer_, total);
    }
    template <class Net>
    Sgd(Net& net, SgdOptions options) : Sgd(trainable_parameters(net), options) {}

    void step() {
        backend::SgdStep<T> k;
        k.lr = T(options_.lr);
        k.momentum = T(options_.momentum);
        k.dampening_complement = T(1.0 - options_.dampening);
        k.weight_decay = T(options_.weight_decay);
        k.use_momentum = options_.momentum != 0;
        k.first_step = steps_ == 0;
        k.nesterov = options_.nesterov;
        std::size_t offset = 0;
        for (const auto& p : params_) {
            B::sgd_update(p.size, p.value, p.grad, k.use_momentum ? momentum_buffer_.data() + offset : nullptr, k);
            offset += p.size;
        }
        ++steps_;
    }

    std::int64_t steps() const { return steps_; }
    const SgdOptions& options() const { return options_; }
    void set_lr(double lr) {
        if (!(lr >= 0)) throw Error("SGD: learning rate must be >= 0, got " + shortest_text(lr));
        options_.lr = lr;
    }
    State<T, B>& momentum_buffer() { return momentum_buffer_; }
    void set_steps(std::int64_t t) { steps_ = t; }

private:
    // Written as !(x >= 0) so that NaN is refused too.
    static void check(const SgdOptions& o) {
        if (!(o.lr >= 0)) throw Error("SGD: learning rate must be >= 0, got " + shortest_text(o.lr));
        if (!(o.momentum >= 0)) throw Error("SGD: momentum must be >= 0, got " + shortest_text(o.momentum));
        if (!(o.weight_decay >= 0)) throw Error("SGD: weight_decay must be >= 0, got " + shortest_text(o.weight_decay));
        if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
            throw Error("SGD: nesterov requires momentum > 0 and dampening 0, got momentum " + shortest_text(o.momentum) +
                        ", dampening " + shortest_text(o.dampening));
    }

    std::vector<ParamRef<T>> params_;
    SgdOptions options_;
    State<T, B> momentum_buffer_;
    std::int64_t steps_ = 0;
};

}  // namespace xgan::optim
