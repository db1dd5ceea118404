#pragma once
// Element-wise activations: ReLU, LeakyReLU<slope>, Tanh, Sigmoid, SELU, as in torch.nn.
//   shapes   any S -> S
//   forward  y = f(x), caches nothing
//   backward dx = dy * f'(x), with f' written in terms of x and y (Sequential keeps both)
//   tangent  yt = f'(x) xt, and its backward through f'' (exact second order)
#include <algorithm>
#include <cmath>
#include <string>

#include "xgan/core/host_device.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

// Fn provides: name(), apply(x), derivative(x, y), second_derivative(x, y); optionally
// apply_batch(b) and derivative_batch(bx, by) on SIMD batches (the CPU backend's xsimd, its
// functions found by argument-dependent lookup) where the compiler would leave a loop scalar.
// They must give apply's and derivative's values exactly: the backend uses them for whole
// batches and the scalar forms for the remainder.
namespace detail::act {
template <class Fn>
struct Apply {  // f(x)
    template <class T>
    XGAN_HD T operator()(T x) const { return Fn::apply(x); }
    template <class Batch>
        requires requires(Batch b) { Fn::apply_batch(b); }
    Batch simd(Batch x) const { return Fn::apply_batch(x); }
};
template <class Fn>
struct Chain {  // g f'(x), f' from (x, y)
    template <class T>
    XGAN_HD T operator()(T g, T x, T y) const { return g * Fn::derivative(x, y); }
    template <class Batch>
        requires requires(Batch b) { Fn::derivative_batch(b, b); }
    Batch simd(Batch g, Batch x, Batch y) const { return g * Fn::derivative_batch(x, y); }
};
template <class Fn>
struct SecondOrder {  // f'(x) ybar + f''(x) xt ytbar
    template <class T>
    XGAN_HD T operator()(T ybar, T ytbar, T xt, T x, T y) const {
        return Fn::derivative(x, y) * ybar + Fn::second_derivative(x, y) * xt * ytbar;
    }
};
}  // namespace detail::act

template <class Fn, ShapeType S, class B>
class ActivationLayer : public StatelessLayer<S, S, B> {
public:
    using scalar = typename B::scalar;
    static constexpr double forward_flops = Fn::flops * double(S::size);
    static std::string name() { return Fn::name(); }

    void forward(const Tensor<S, B>& x, Tensor<S, B>& y, Mode) {
        y.resize(x.batch());
        B::map(x.size(), detail::act::Apply<Fn>{}, y.data(), x.data());
    }

    void backward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& dy, Tensor<S, B>* dx,
                  ParamGrads) {
        if (!dx) return;
        dx->resize(x.batch());
        B::map(x.size(), detail::act::Chain<Fn>{}, dx->data(), dy.data(), x.data(), y.data());
    }

    // Second order: yt = f'(x) xt;  xtbar = f'(x) ytbar;  xbar = f'(x) ybar + f''(x) xt ytbar.
    void tangent_forward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& xt, Tensor<S, B>& yt) {
        yt.resize(x.batch());
        B::map(x.size(), detail::act::Chain<Fn>{}, yt.data(), xt.data(), x.data(), y.data());
    }
    void tangent_backward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& xt, const Tensor<S, B>&,
                          const Tensor<S, B>& ybar, const Tensor<S, B>& ytbar, Tensor<S, B>* xbar, Tensor<S, B>* xtbar,
                          ParamGrads) {
        if (xtbar) {
            xtbar->resize(x.batch());
            B::map(x.size(), detail::act::Chain<Fn>{}, xtbar->data(), ytbar.data(), x.data(), y.data());
        }
        if (xbar) {
            xbar->resize(x.batch());
            B::map(x.size(), detail::act::SecondOrder<Fn>{}, xbar->data(), ybar.data(), ytbar.data(), xt.data(), x.data(),
                   y.data());
        }
    }
};

template <class Fn>
struct Activation {
    template <ShapeType S, class B>
    struct bind {
        using type = ActivationLayer<Fn, S, B>;
    };
};

namespace activation {

struct ReLU {
    static constexpr double flops = 1;
    static std::string name() { return "ReLU()"; }
    template <class T>
    XGAN_HD static T apply(T x) { return x > T(0) ? x : T(0); }
    template <class T>
    XGAN_HD static T derivative(T x, T) { return x > T(0) ? T(1) : T(0); }
    template <class Batch>
    static Batch derivative_batch(Batch x, Batch) {
        using T = typename Batch::value_type;
        return select(x > Batch(T(0)), Batch(T(1)), Batch(T(0)));
    }
    template <class T>
    XGAN_HD static T second_derivative(T, T) { return T(0); }
};

template <Ratio Slope>
struct LeakyReLU {
    static constexpr double flops = 1;
    static std::string name() { return "LeakyReLU(negative_slope=" + format_number(Slope.value()) + ")"; }
    template <class T>
    XGAN_HD static T apply(T x) { return x > T(0) ? x : x * T(Slope.value()); }
    template <class T>
    XGAN_HD static T derivative(T x, T) { return x > T(0) ? T(1) : T(Slope.value()); }
    // Without AVX-512's masked moves, GCC 12 leaves the selects above scalar unless built with
    // -fno-trapping-math (x * slope might trap); explicit selects vectorise on every x86-64 CPU.
    template <class Batch>
    static Batch apply_batch(Batch x) {
        using T = typename Batch::value_type;
        return select(x > Batch(T(0)), x, x * Batch(T(Slope.value())));
    }
    template <class Batch>
    static Batch derivative_batch(Batch x, Batch) {
        using T = typename Batch::value_type;
        return select(x > Batch(T(0)), Batch(T(1)), Batch(T(Slope.value())));
    }
    template <class T>
    XGAN_HD static T second_derivative(T, T) { return T(0); }
};

struct Tanh {
    static constexpr double flops = 4;
    static std::string name() { return "Tanh()"; }
    template <class T>
    XGAN_HD static T apply(T x) { return std::tanh(x); }
    template <class Batch>
    static Batch apply_batch(Batch x) { return tanh(x); }  // the SIMD library's tanh, found by ADL (std::tanh does not vectorise)
    template <class T>
    XGAN_HD static T derivative(T, T y) { return T(1) - y * y; }
    template <class T>
    XGAN_HD static T second_derivative(T, T y) { return T(-2) * y * (T(1) - y * y); }
};

struct Sigmoid {
    static constexpr double flops = 4;
    static std::string name() { return "Sigmoid()"; }
    template <class T>
    XGAN_HD static T apply(T x) {  // never overflows exp
        if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
        const T e = std::exp(x);
        return e / (T(1) + e);
    }
    template <class T>
    XGAN_HD static T derivative(T, T y) { return y * (T(1) - y); }
    template <class T>
    XGAN_HD static T second_derivative(T, T y) { return y * (T(1) - y) * (T(1) - T(2) * y); }
};

// torch.nn.SELU (Klambauer et al. 2017): scale * (x > 0 ? x : alpha * (exp(x) - 1)). At x = 0,
// as PyTorch 1.13: f' = scale * alpha (elu_backward's x <= 0 branch), f'' = 0 (its double
// backward's x < 0 branch). f' and f'' use exp(x), not y + scale * alpha, which cancels for x << 0.
struct SELU {
    static constexpr double scale = 1.0507009873554804934193349852946;
    static constexpr double alpha = 1.6732632423543772848170429916717;
    static constexpr double flops = 4;
    static std::string name() { return "SELU()"; }
    template <class T>
    XGAN_HD static T apply(T x) { return x > T(0) ? T(scale) * x : T(scale * alpha) * std::expm1(x); }
    template <class T>
    XGAN_HD static T derivative(T x, T) { return x > T(0) ? T(scale) : T(scale * alpha) * std::exp(x); }
    template <class T>
    XGAN_HD static T second_derivative(T x, T) { return x < T(0) ? T(scale * alpha) * std::exp(x) : T(0); }
};

}  // namespace activation

using ReLU = Activation<activation::ReLU>;
// LeakyReLU<> has PyTorch's default slope 0.01; LeakyReLU<ratio(0.2)> the DCGAN one.
// A class, not an alias template: nvcc (CUDA 13.0) writes an alias of an alias template with a
// class-type argument back for the host compiler with the parameter's name in place of its value.
template <Ratio Slope = Ratio{1, 100}>
struct LeakyReLU : Activation<activation::LeakyReLU<Slope>> {};
using Tanh = Activation<activation::Tanh>;
using Sigmoid = Activation<activation::Sigmoid>;
using SELU = Activation<activation::SELU>;

}  // namespace xgan
