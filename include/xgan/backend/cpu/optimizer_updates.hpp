#pragma once
// The CPU backend's fused optimizer passes (formulas: backend/optimizer_steps.hpp). Adam's is
// explicit SIMD code (sqrt keeps the loop scalar otherwise). Each pass is over one block of
// elements; the backend spreads the blocks over its threads.
#include <cmath>
#include <cstddef>

#include "xgan/backend/cpu/simd.hpp"
#include "xgan/backend/optimizer_steps.hpp"

namespace xgan::backend::cpu {

template <class T>
void adam_update(std::size_t n, T* __restrict value, T* __restrict grad, T* __restrict m, T* __restrict v,
                 const AdamStep<T> c) {
    using batch = xsimd::batch<T>;
    constexpr std::size_t w = batch::size;
    std::size_t i = 0;
    for (; i + w <= n; i += w) {
        batch g = batch::load_unaligned(grad + i);
        batch p = batch::load_unaligned(value + i);
        if (c.coupled) g += batch(c.weight_decay) * p;
        if (c.decoupled) p *= batch(c.decay);
        const batch mi = batch(c.beta1) * batch::load_unaligned(m + i) + batch(c.one_minus_beta1) * g;
        const batch vi = batch(c.beta2) * batch::load_unaligned(v + i) + batch(c.one_minus_beta2) * g * g;
        p -= batch(c.step_size) * mi / (xsimd::sqrt(vi) * batch(c.inv_bc2_sqrt) + batch(c.eps));
        mi.store_unaligned(m + i);
        vi.store_unaligned(v + i);
        p.store_unaligned(value + i);
        batch(T(0)).store_unaligned(grad + i);
    }
    for (; i < n; ++i) {
        T g = grad[i];
        if (c.coupled) g += c.weight_decay * value[i];
        if (c.decoupled) value[i] *= c.decay;
        m[i] = c.beta1 * m[i] + c.one_minus_beta1 * g;
        v[i] = c.beta2 * v[i] + c.one_minus_beta2 * g * g;
        value[i] -= c.step_size * m[i] / (std::sqrt(v[i]) * c.inv_bc2_sqrt + c.eps);
        grad[i] = T(0);
    }
}

template <class T>
void rmsprop_update(std::size_t n, T* value, T* grad, T* s, T* a, T* b, const RmspropStep<T> c) {
    for (std::size_t i = 0; i < n; ++i) {
        T g = grad[i];
        if (c.use_weight_decay) g += c.weight_decay * value[i];
        s[i] = c.alpha * s[i] + c.one_minus_alpha * g * g;
        T d;
        if (c.centered) {
            a[i] = c.alpha * a[i] + c.one_minus_alpha * g;
            d = std::sqrt(s[i] - a[i] * a[i]) + c.eps;
        } else {
            d = std::sqrt(s[i]) + c.eps;
        }
        if (c.use_momentum) {
            b[i] = c.momentum * b[i] + g / d;
            value[i] -= c.lr * b[i];
        } else {
            value[i] -= c.lr * g / d;  // (lr * g) / d, as torch's addcdiv_
        }
        grad[i] = T(0);
    }
}

template <class T>
void sgd_update(std::size_t n, T* value, T* grad, T* b, const SgdStep<T> c) {
    for (std::size_t i = 0; i < n; ++i) {
        T g = grad[i] + c.weight_decay * value[i];
        if (c.use_momentum) {
            b[i] = c.first_step ? g : c.momentum * b[i] + c.dampening_complement * g;
            g = c.nesterov ? g + c.momentum * b[i] : b[i];
        }
        value[i] -= c.lr * g;
        grad[i] = T(0);
    }
}

}  // namespace xgan::backend::cpu
