#pragma once
// WeightAverage<Net>: an exponential moving average of a network's weights, kept in a second
// network of the same type (the averaged generator of PGGAN and StyleGAN; Yazıcı et al. 2019).
// Sampling the average instead of the trained network smooths out the step-to-step
// oscillation of GAN training.
//   update(): θ_avg ← decay·θ_avg + (1 − decay)·θ for every trained tensor of the network given
//             at construction (live), after each of its optimizer steps; buffers (BatchNorm's
//             running statistics, spectral norm's u and v) are copied, as pytorch_GAN_zoo and
//             StyleGAN copy them.
// The average starts as a copy of live, and holds pointers into live's state: live must
// outlive it. An update allocates nothing.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/host_device.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail {
template <class T>
struct Average {  // keep avg + take live, in T
    T keep, take;
    template <class X>
    XGAN_HD X operator()(X avg, X live) const { return X(keep) * avg + X(take) * live; }
};
}  // namespace detail

template <class Net>
class WeightAverage {
public:
    using T = typename Net::scalar;
    using B = typename Net::backend;

    WeightAverage(Net& live, double decay)
        : decay_(decay), net_(std::make_unique<Net>()), from_(entries(live)), to_(entries(*net_)) {
        if (!(decay >= 0 && decay < 1)) throw Error("weight average: decay " + shortest_text(decay) + " is not in [0, 1)");
        copy(true);
    }

    void update() { copy(false); }

    Net& net() { return *net_; }
    double decay() const { return decay_; }

private:
    static std::vector<StateEntry<T>> entries(Net& net) {
        std::vector<StateEntry<T>> out;
        net.visit_state([&](const StateEntry<T>& e) { out.push_back(e); }, "");
        return out;
    }

    // Both networks list their state in the same order: they are of one type.
    void copy(bool all) {
        const T keep = T(decay_), take = T(1 - decay_);
        for (std::size_t k = 0; k < from_.size(); ++k) {
            const auto& f = from_[k];
            const auto& t = to_[k];
            const std::size_t n = f.numel();
            if (f.integer) std::copy_n(f.integer, n, t.integer);  // a host counter (num_batches_tracked)
            else if (all || !f.trainable()) B::copy(static_cast<const T*>(f.value), n, t.value);
            else B::map(n, detail::Average<T>{keep, take}, t.value, static_cast<const T*>(t.value), static_cast<const T*>(f.value));
        }
    }

    double decay_;
    std::unique_ptr<Net> net_;  // networks are large and own their buffers: one allocation, never moved
    std::vector<StateEntry<T>> from_, to_;  // the state of live and of the average
};

}  // namespace xgan
