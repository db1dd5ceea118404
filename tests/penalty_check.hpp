#pragma once
// The gradient penalty's parameter gradient, checked: dP/dθ from gradient_penalty
// (gan/penalty.hpp) against central differences of P(θ), in double, for every element of every
// trainable parameter of a critic. Every evaluation of P runs on a fresh copy of the critic, so
// that state a forward advances (Dropout's stream, and so its mask) is the same each time.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "xgan/backend/cpu.hpp"
#include "xgan/gan/penalty.hpp"

namespace xgan_test {

// The state entries of a network, in visit_state order.
template <class Net>
std::vector<xgan::StateEntry<typename Net::scalar>> entries(Net& net) {
    std::vector<xgan::StateEntry<typename Net::scalar>> out;
    net.visit_state([&](const xgan::StateEntry<typename Net::scalar>& e) { out.push_back(e); });
    return out;
}

struct PenaltyCheck {
    double penalty = 0;        // P at the critic's parameters
    std::size_t checked = 0;   // parameter elements compared
    double worst = 0;          // the largest |analytic - numeric| / (|numeric| + 1e-3 scale + 1e-12)
    std::map<std::string, double> scales;  // each trainable tensor's gradient scale (max |dP/dθ|), by name
};

// Checks, for the critic `critic` (on CpuF64) at the batch x, with the penalty's forwards in `mode`:
//   - P from the analytic pass equals P from a ParamGrads::skip pass (relative 1e-14);
//   - each element of dP/dθ against (P(θ + h) - P(θ - h)) / 2h, h = 1e-6, within
//     1e-6 |numeric| + 1e-7 scale + 1e-9 (scale: the tensor's largest |dP/dθ|, for elements
//     whose gradient is ~0);
//   - every parameter element was compared (Net::parameter_count of them).
template <class Objective, class Net>
PenaltyCheck penalty_gradient_check(const Net& critic, const xgan::Tensor<typename Net::input_shape, xgan::CpuF64>& x,
                                    xgan::Mode mode = xgan::Mode::train) {
    static_assert(std::is_same_v<typename Net::scalar, double>, "the penalty check runs in double");
    constexpr double h = 1e-6;
    Net base = critic;  // perturbed one element at a time, and put back
    auto value = [&](const Net& net) {
        Net copy = net;
        xgan::PenaltyBuffers<Net> buf;
        return xgan::gradient_penalty<Objective>(copy, x, buf, mode, xgan::ParamGrads::skip);
    };
    Net analytic = base;
    for (auto& e : entries(analytic))
        if (e.trainable()) std::fill(e.grad, e.grad + e.numel(), 0.0);
    xgan::PenaltyBuffers<Net> buf;
    PenaltyCheck r;
    r.penalty = xgan::gradient_penalty<Objective>(analytic, x, buf, mode);
    CHECK(r.penalty == doctest::Approx(value(base)).epsilon(1e-14));
    const auto grads = entries(analytic);
    auto params = entries(base);
    for (std::size_t k = 0; k < params.size(); ++k) {
        const auto& e = params[k];
        if (!e.trainable()) continue;
        double scale = 0;  // the tensor's gradient scale, for elements whose gradient is ~0
        for (std::size_t i = 0; i < e.numel(); ++i) scale = std::max(scale, std::abs(grads[k].grad[i]));
        r.scales[e.name] = scale;
        for (std::size_t i = 0; i < e.numel(); ++i) {
            const double saved = e.value[i];
            e.value[i] = saved + h;
            const double pp = value(base);
            e.value[i] = saved - h;
            const double pm = value(base);
            e.value[i] = saved;
            const double numeric = (pp - pm) / (2 * h);
            const double err = std::abs(grads[k].grad[i] - numeric);
            r.worst = std::max(r.worst, err / (std::abs(numeric) + 1e-3 * scale + 1e-12));
            CHECK_MESSAGE(err <= 1e-6 * std::abs(numeric) + 1e-7 * scale + 1e-9,
                          std::string(Objective::name) << " " << e.name << "[" << i << "]: analytic " << grads[k].grad[i]
                                                       << ", numeric " << numeric);
            ++r.checked;
        }
    }
    CHECK(r.checked == Net::parameter_count);
    return r;
}

}  // namespace xgan_test
