#pragma once
// Gradient checker for layers, users' own included: binds a layer spec to the double-precision
// CPU backend and compares backward's input and parameter gradients with central finite
// differences of L = sum(y * r) for a fixed random r.
//
//   auto r = xgan::testing::gradcheck<MyLayer<...>, xgan::Shape<3, 8, 8>>();
//   CHECK(r.ok);   // r.report() says which tensor and element disagree
//
// Every evaluation runs on a fresh copy of the layer as it was before the check, so layers
// with state (BatchNorm's running statistics, Dropout's random stream) see the same inputs
// each time. Layers must therefore be copyable and written against B::scalar.
#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "xgan/backend/cpu.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan::testing {

struct GradcheckOptions {
    Mode mode = Mode::train;
    std::size_t batch = 3;
    std::uint64_t seed = 1;
    double step = 1e-6;                  // finite-difference step h
    double rtol = 1e-5, atol = 1e-7;     // |analytic - numeric| <= atol + rtol * |numeric|
    std::size_t max_checks_per_tensor = 64;  // elements checked per tensor (random subset)
    bool perturb_parameters = true;      // add N(0, 0.1) to parameters so none sit at symmetric values
};

struct GradcheckResult {
    bool ok = true;
    std::size_t checked = 0;
    double max_abs_error = 0;
    std::string worst;  // "input[17]: analytic 0.1, numeric 0.2"
    std::vector<std::string> failures;
    std::string report() const {
        std::ostringstream s;
        s << (ok ? "gradcheck passed" : "gradcheck FAILED") << " (" << checked << " elements, max abs error "
          << max_abs_error << ")";
        for (std::size_t i = 0; i < std::min<std::size_t>(failures.size(), 10); ++i) s << "\n  " << failures[i];
        return s.str();
    }
};

namespace detail {

inline void compare(GradcheckResult& r, const std::string& what, double analytic, double numeric,
                    const GradcheckOptions& o) {
    const double err = std::abs(analytic - numeric);
    ++r.checked;
    std::ostringstream s;
    s << what << ": analytic " << analytic << ", numeric " << numeric;
    if (err > r.max_abs_error) {
        r.max_abs_error = err;
        r.worst = s.str();
    }
    if (!(err <= o.atol + o.rtol * std::abs(numeric))) {
        r.ok = false;
        r.failures.push_back(s.str());
    }
}

inline std::vector<std::size_t> pick(std::size_t n, std::size_t k, Rng& rng) {
    std::vector<std::size_t> idx(n);
    for (std::size_t i = 0; i < n; ++i) idx[i] = i;
    if (n <= k) return idx;
    for (std::size_t i = 0; i < k; ++i) std::swap(idx[i], idx[i + rng.below(n - i)]);
    idx.resize(k);
    return idx;
}

}  // namespace detail

// Checks a bound layer type L (input_shape, output_shape, backend CpuF64).
template <class L>
GradcheckResult gradcheck_bound(const GradcheckOptions& o = {}) {
    using In = typename L::input_shape;
    using Out = typename L::output_shape;
    using B = typename L::backend;
    Rng rng(o.seed);
    L base;
    base.reset_parameters(rng, Init::pytorch);
    if (o.perturb_parameters)
        base.visit_state(
            [&](const StateEntry<double>& e) {
                if (!e.trainable()) return;
                for (std::size_t i = 0; i < e.numel(); ++i) e.value[i] += 0.1 * rng.normal();
            },
            "");
    Tensor<In, B> x(o.batch);
    rng.fill_normal(x.data(), x.size());
    Tensor<Out, B> r(o.batch);
    rng.fill_normal(r.data(), r.size());

    auto loss_of = [&](const L& layer, const Tensor<In, B>& input) {
        L copy = layer;
        Tensor<Out, B> y;
        copy.forward(input, y, o.mode);
        double s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * r[i];
        return s;
    };

    // Analytic gradients.
    L analytic = base;
    Tensor<Out, B> y;
    analytic.forward(x, y, o.mode);
    std::vector<std::vector<double>> param_grads;
    analytic.visit_state(
        [&](const StateEntry<double>& e) {
            if (e.trainable()) std::fill(e.grad, e.grad + e.numel(), 0.0);
        },
        "");
    Tensor<In, B> dx;
    analytic.backward(x, y, r, &dx, ParamGrads::accumulate);

    GradcheckResult result;
    const double h = o.step;
    for (std::size_t i : detail::pick(x.size(), o.max_checks_per_tensor, rng)) {
        Tensor<In, B> xp = x, xm = x;
        xp[i] += h;
        xm[i] -= h;
        const double numeric = (loss_of(base, xp) - loss_of(base, xm)) / (2 * h);
        detail::compare(result, "input[" + std::to_string(i) + "]", dx[i], numeric, o);
    }

    // Parameters: the analytic gradient from `analytic`, perturbations on copies of `base`.
    std::vector<StateEntry<double>> analytic_entries;
    analytic.visit_state([&](const StateEntry<double>& e) { analytic_entries.push_back(e); }, "");
    std::size_t k = 0;
    base.visit_state(
        [&](const StateEntry<double>& e) {
            const StateEntry<double>& a = analytic_entries[k++];
            if (!e.trainable()) return;
            for (std::size_t i : detail::pick(e.numel(), o.max_checks_per_tensor, rng)) {
                const double saved = e.value[i];
                e.value[i] = saved + h;
                const double lp = loss_of(base, x);
                e.value[i] = saved - h;
                const double lm = loss_of(base, x);
                e.value[i] = saved;
                detail::compare(result, e.name + "[" + std::to_string(i) + "]", a.grad[i], (lp - lm) / (2 * h), o);
            }
        },
        "");
    return result;
}

// Checks a layer spec bound to input shape In.
template <class Spec, ShapeType In>
GradcheckResult gradcheck(const GradcheckOptions& o = {}) {
    return gradcheck_bound<bind_t<Spec, In, CpuF64>>(o);
}

// Checks a scalar function of a vector: f(x, grad) returns f(x) and writes df/dx into grad.
inline GradcheckResult gradcheck_function(const std::function<double(const std::vector<double>&, std::vector<double>&)>& f,
                                          std::vector<double> x, const GradcheckOptions& o = {}) {
    std::vector<double> grad(x.size()), scratch(x.size());
    f(x, grad);
    GradcheckResult result;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double saved = x[i];
        x[i] = saved + o.step;
        const double fp = f(x, scratch);
        x[i] = saved - o.step;
        const double fm = f(x, scratch);
        x[i] = saved;
        detail::compare(result, "x[" + std::to_string(i) + "]", grad[i], (fp - fm) / (2 * o.step), o);
    }
    return result;
}

}  // namespace xgan::testing
