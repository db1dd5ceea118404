#pragma once
// Optimizer<T, B>: one network's optimizer, picked at run time from Adam, AdamW, SGD (with
// momentum) and RMSprop, as the tutorials pick one per network. It forwards to the optimizer
// class of that kind (each checked against PyTorch's) and names its state as PyTorch's
// state_dict does (exp_avg, exp_avg_sq, momentum_buffer, square_avg, grad_avg), for checkpoints.
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "xgan/backend/backend.hpp"
#include "xgan/core/error.hpp"
#include "xgan/optim/adam.hpp"
#include "xgan/optim/rmsprop.hpp"
#include "xgan/optim/sgd.hpp"

namespace xgan::optim {

enum class Kind { adam, adamw, sgd, rmsprop };

inline const char* kind_name(Kind k) {
    switch (k) {
        case Kind::adam: return "adam";
        case Kind::adamw: return "adamw";
        case Kind::sgd: return "sgd";
        case Kind::rmsprop: return "rmsprop";
    }
    return "?";
}

// "adam", "adamw", "sgd" or "rmsprop"; anything else is an Error that lists them.
inline Kind parse_kind(std::string_view name) {
    for (Kind k : {Kind::adam, Kind::adamw, Kind::sgd, Kind::rmsprop})
        if (name == kind_name(k)) return k;
    throw Error("unknown optimizer '" + std::string(name) + "' (adam, adamw, sgd, rmsprop)");
}

// The settings of every kind; each kind reads its own (PyTorch's names and meanings).
struct OptimizerOptions {
    Kind kind = Kind::adam;
    double lr = 2e-4;
    double beta1 = 0.5, beta2 = 0.999;  // adam, adamw
    double eps = 1e-8;                  // adam, adamw, rmsprop
    double weight_decay = 0;            // all; adamw decouples it (PyTorch's AdamW default is 0.01)
    double momentum = 0;                // sgd, rmsprop
    double dampening = 0;               // sgd
    bool nesterov = false;              // sgd
    double alpha = 0.99;                // rmsprop: the square average's smoothing
    bool centered = false;              // rmsprop

    static OptimizerOptions adam(double lr, double beta1, double beta2) {
        OptimizerOptions o;
        o.lr = lr;
        o.beta1 = beta1;
        o.beta2 = beta2;
        return o;
    }
};

template <class T, backend::Backend B>
class Optimizer {
public:
    // Throws Error when an option is out of its range for the kind.
    Optimizer(std::vector<ParamRef<T>> params, const OptimizerOptions& o) : options_(o), impl_(make(std::move(params), o)) {}
    template <class Net>
    Optimizer(Net& net, const OptimizerOptions& o) : Optimizer(trainable_parameters(net), o) {}

    // Applies the gradients, then clears them.
    void step() {
        std::visit([](auto& opt) { opt.step(); }, impl_);
    }
    std::int64_t steps() const {
        return std::visit([](const auto& opt) { return opt.steps(); }, impl_);
    }
    void set_steps(std::int64_t t) {
        std::visit([t](auto& opt) { opt.set_steps(t); }, impl_);
    }
    void set_lr(double lr) {
        std::visit([lr](auto& opt) { opt.set_lr(lr); }, impl_);
        options_.lr = lr;
    }
    const OptimizerOptions& options() const { return options_; }

    // f(name, State<T, B>&) for every state buffer the kind keeps, in a fixed order (buffers
    // a setting leaves unused, such as SGD's without momentum, are not visited).
    template <class F>
    void visit_state(F&& f) {
        std::visit(
            [&](auto& opt) {
                using O = std::decay_t<decltype(opt)>;
                if constexpr (std::is_same_v<O, Adam<T, B>>) {
                    f("exp_avg", opt.exp_avg());
                    f("exp_avg_sq", opt.exp_avg_sq());
                } else if constexpr (std::is_same_v<O, Sgd<T, B>>) {
                    if (!opt.momentum_buffer().empty()) f("momentum_buffer", opt.momentum_buffer());
                } else {
                    f("square_avg", opt.square_avg());
                    if (!opt.grad_avg().empty()) f("grad_avg", opt.grad_avg());
                    if (!opt.momentum_buffer().empty()) f("momentum_buffer", opt.momentum_buffer());
                }
            },
            impl_);
    }

    // The state buffer called `name`; Error when this optimizer keeps none of that name.
    State<T, B>& state(std::string_view name) {
        State<T, B>* found = nullptr;
        visit_state([&](std::string_view n, State<T, B>& v) {
            if (n == name) found = &v;
        });
        if (!found) throw Error(std::string(kind_name(options_.kind)) + " keeps no state '" + std::string(name) + "'");
        return *found;
    }

private:
    using Impl = std::variant<Adam<T, B>, Sgd<T, B>, Rmsprop<T, B>>;

    static Impl make(std::vector<ParamRef<T>> params, const OptimizerOptions& o) {
        switch (o.kind) {
            case Kind::adam:
            case Kind::adamw:
                return Adam<T, B>(std::move(params),
                                  AdamOptions{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, o.kind == Kind::adamw});
            case Kind::sgd:
                return Sgd<T, B>(std::move(params), SgdOptions{o.lr, o.momentum, o.dampening, o.weight_decay, o.nesterov});
            case Kind::rmsprop:
                return Rmsprop<T, B>(std::move(params),
                                  RmspropOptions{o.lr, o.alpha, o.eps, o.weight_decay, o.momentum, o.centered});
        }
        throw Error("unknown optimizer kind");
    }

    OptimizerOptions options_;
    Impl impl_;
};

}  // namespace xgan::optim
