#pragma once
// Finite-difference check of a layer's tangent passes (layer.hpp, "tangent passes"), in the
// manner of testing::gradcheck: the layer bound to CpuF64, parameters perturbed, every
// evaluation on a fresh copy of the layer.
//   1. tangent_forward(x, y, xt) == (f(x + h xt) - f(x - h xt)) / 2h
//   2. tangent_backward gives the gradients of L = <ybar, f(x)> + <ytbar, J_f(x) xt> with
//      respect to x, xt and the parameters, compared with central differences of L.
// (A candidate for testing/gradcheck.hpp.)
#include <vector>

#include "xgan/testing/gradcheck.hpp"

namespace xgan::testing {

template <class L>
GradcheckResult tangent_check(const GradcheckOptions& o = {}) {
    using In = typename L::input_shape;
    using Out = typename L::output_shape;
    using B = typename L::backend;
    Rng rng(o.seed);
    L base;
    base.reset_parameters(rng, Init::pytorch);
    base.visit_state(
        [&](const StateEntry<double>& e) {
            if (e.trainable())
                for (std::size_t i = 0; i < e.numel(); ++i) e.value[i] += 0.1 * rng.normal();
        },
        "");
    Tensor<In, B> x(o.batch), xt(o.batch);
    rng.fill_normal(x.data(), x.size());
    rng.fill_normal(xt.data(), xt.size());
    Tensor<Out, B> ybar(o.batch), ytbar(o.batch);
    rng.fill_normal(ybar.data(), ybar.size());
    rng.fill_normal(ytbar.data(), ytbar.size());
    const double h = o.step;
    GradcheckResult result;

    auto output = [&](const Tensor<In, B>& input) {
        L copy = base;
        Tensor<Out, B> y;
        copy.forward(input, y, o.mode);
        return y;
    };
    auto loss = [&](const L& layer, const Tensor<In, B>& input, const Tensor<In, B>& tangent) {
        L copy = layer;
        Tensor<Out, B> y, yt;
        copy.forward(input, y, o.mode);
        copy.tangent_forward(input, y, tangent, yt);
        double s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) s += ybar[i] * y[i] + ytbar[i] * yt[i];
        return s;
    };

    // 1. the tangent output
    L analytic = base;
    Tensor<Out, B> y, yt;
    analytic.forward(x, y, o.mode);
    analytic.tangent_forward(x, y, xt, yt);
    {
        Tensor<In, B> xp = x, xm = x;
        for (std::size_t i = 0; i < x.size(); ++i) xp[i] += h * xt[i], xm[i] -= h * xt[i];
        const Tensor<Out, B> yp = output(xp), ym = output(xm);
        for (std::size_t i : detail::pick(y.size(), o.max_checks_per_tensor, rng))
            detail::compare(result, "tangent[" + std::to_string(i) + "]", yt[i], (yp[i] - ym[i]) / (2 * h), o);
    }

    // 2. the reverse pass through (y, yt)
    analytic.visit_state(
        [&](const StateEntry<double>& e) {
            if (e.trainable()) std::fill(e.grad, e.grad + e.numel(), 0.0);
        },
        "");
    Tensor<In, B> xbar, xtbar;
    analytic.tangent_backward(x, y, xt, yt, ybar, ytbar, &xbar, &xtbar, ParamGrads::accumulate);
    for (std::size_t i : detail::pick(x.size(), o.max_checks_per_tensor, rng)) {
        Tensor<In, B> p = x, m = x;
        p[i] += h;
        m[i] -= h;
        detail::compare(result, "xbar[" + std::to_string(i) + "]", xbar[i], (loss(base, p, xt) - loss(base, m, xt)) / (2 * h), o);
        p = xt;
        m = xt;
        p[i] += h;
        m[i] -= h;
        detail::compare(result, "xtbar[" + std::to_string(i) + "]", xtbar[i], (loss(base, x, p) - loss(base, x, m)) / (2 * h), o);
    }
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
                const double lp = loss(base, x, xt);
                e.value[i] = saved - h;
                const double lm = loss(base, x, xt);
                e.value[i] = saved;
                detail::compare(result, e.name + "[" + std::to_string(i) + "]", a.grad[i], (lp - lm) / (2 * h), o);
            }
        },
        "");
    return result;
}

}  // namespace xgan::testing
