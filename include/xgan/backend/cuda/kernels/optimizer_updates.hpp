#pragma once
// Bodies of the fused optimizer passes (backend/optimizer_steps.hpp): item i updates parameter
// i and its state, and clears its gradient.
#include <cmath>
#include <cstddef>

#include "xgan/backend/optimizer_steps.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan::backend::cuda::kernels {

template <class T>
struct AdamUpdate {
    T *p, *g, *m, *v;
    AdamStep<T> k;
    XGAN_HD void operator()(std::size_t i) const {
        T grad = g[i], value = p[i];
        if (k.coupled) grad += k.weight_decay * value;
        if (k.decoupled) value *= k.decay;
        const T mi = k.beta1 * m[i] + k.one_minus_beta1 * grad;
        const T vi = k.beta2 * v[i] + k.one_minus_beta2 * grad * grad;
        p[i] = value - k.step_size * mi / (std::sqrt(vi) * k.inv_bc2_sqrt + k.eps);
        m[i] = mi;
        v[i] = vi;
        g[i] = T(0);
    }
};

template <class T>
struct RmspropUpdate {
    T *p, *g, *s, *a, *b;
    RmspropStep<T> k;
    XGAN_HD void operator()(std::size_t i) const {
        T grad = g[i];
        if (k.use_weight_decay) grad += k.weight_decay * p[i];
        const T si = k.alpha * s[i] + k.one_minus_alpha * grad * grad;
        T d;
        if (k.centered) {
            const T ai = k.alpha * a[i] + k.one_minus_alpha * grad;
            d = std::sqrt(si - ai * ai) + k.eps;
            a[i] = ai;
        } else {
            d = std::sqrt(si) + k.eps;
        }
        if (k.use_momentum) {
            const T bi = k.momentum * b[i] + grad / d;
            p[i] -= k.lr * bi;
            b[i] = bi;
        } else {
            p[i] -= k.lr * grad / d;
        }
        s[i] = si;
        g[i] = T(0);
    }
};

template <class T>
struct SgdUpdate {
    T *p, *g, *b;
    SgdStep<T> k;
    XGAN_HD void operator()(std::size_t i) const {
        T grad = g[i] + k.weight_decay * p[i];
        if (k.use_momentum) {
            const T bi = k.first_step ? grad : k.momentum * b[i] + k.dampening_complement * grad;
            grad = k.nesterov ? grad + k.momentum * bi : bi;
            b[i] = bi;
        }
        p[i] -= k.lr * grad;
        g[i] = T(0);
    }
};

}  // namespace xgan::backend::cuda::kernels
