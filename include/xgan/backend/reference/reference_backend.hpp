#pragma once
// ReferenceBackend<T>: the Backend concept (backend/backend.hpp) in the plainest form there
// is: one loop per kernel, every value computed in double and rounded to T once, no SIMD, no
// threads. It is slow on purpose; it is the yardstick the fast backends are checked against
// (testing/check_backend.hpp) and a second backend that the whole layer suite runs on, which
// keeps the layers honest about calling only the concept's kernels.
#include <cmath>
#include <cstddef>
#include <vector>

#include "xgan/backend/backend.hpp"

namespace xgan::backend {

template <class T>
struct ReferenceBackend {
    using scalar = T;
    template <class U = T>
    using buffer = std::vector<U>;

    static void fill(T* x, std::size_t n, T v) {
        for (std::size_t i = 0; i < n; ++i) x[i] = v;
    }
    static void copy(const T* x, std::size_t n, T* y) {
        for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
    }
    static void copy_from_host(const T* h, std::size_t n, T* y) { copy(h, n, y); }
    static void copy_to_host(const T* x, std::size_t n, T* h) { copy(x, n, h); }

    // C = alpha op(A) op(B) + beta C, row-major; with beta = 0, C is not read (as in BLAS).
    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                     T* c, int ldc) {
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) {
                double s = 0;
                for (int p = 0; p < k; ++p) {
                    const double av = ta == Trans::no ? a[std::size_t(i) * lda + p] : a[std::size_t(p) * lda + i];
                    const double bv = tb == Trans::no ? b[std::size_t(p) * ldb + j] : b[std::size_t(j) * ldb + p];
                    s += av * bv;
                }
                T& out = c[std::size_t(i) * ldc + j];
                out = T(double(alpha) * s + (beta == T(0) ? 0.0 : double(beta) * double(out)));
            }
    }

    template <class F, class... X>
    static void map(std::size_t n, const F& f, T* y, const X*... x) {
        for (std::size_t i = 0; i < n; ++i) y[i] = T(f(double(x[i])...));
    }
    template <class F, class... X>
    static double sum(std::size_t n, const F& f, const X*... x) {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += double(f(double(x[i])...));
        return s;
    }

    static void bias_add(ChannelLayout l, const T* b, T* y) {
        for (std::size_t o = 0; o < l.outer; ++o)
            for (std::size_t c = 0; c < l.channels; ++c)
                for (std::size_t i = 0; i < l.inner; ++i) {
                    T& v = y[(o * l.channels + c) * l.inner + i];
                    v = T(double(v) + double(b[c]));
                }
    }
    static void bias_grad(ChannelLayout l, const T* dy, T* db) {
        for (std::size_t c = 0; c < l.channels; ++c) {
            double s = db[c];
            for (std::size_t o = 0; o < l.outer; ++o)
                for (std::size_t i = 0; i < l.inner; ++i) s += dy[(o * l.channels + c) * l.inner + i];
            db[c] = T(s);
        }
    }

    static void adam_update(std::size_t n, T* p, T* g, T* m, T* v, const AdamStep<T>& k) {
        for (std::size_t i = 0; i < n; ++i) {
            double grad = g[i], value = p[i];
            if (k.coupled) grad += double(k.weight_decay) * value;
            if (k.decoupled) value *= double(k.decay);
            const double mi = double(k.beta1) * m[i] + double(k.one_minus_beta1) * grad;
            const double vi = double(k.beta2) * v[i] + double(k.one_minus_beta2) * grad * grad;
            p[i] = T(value - double(k.step_size) * mi / (std::sqrt(vi) * double(k.inv_bc2_sqrt) + double(k.eps)));
            m[i] = T(mi);
            v[i] = T(vi);
            g[i] = T(0);
        }
    }
    static void rmsprop_update(std::size_t n, T* p, T* g, T* s, T* a, T* b, const RmspropStep<T>& k) {
        for (std::size_t i = 0; i < n; ++i) {
            double grad = g[i];
            if (k.use_weight_decay) grad += double(k.weight_decay) * p[i];
            const double si = double(k.alpha) * s[i] + double(k.one_minus_alpha) * grad * grad;
            double d;
            if (k.centered) {
                const double ai = double(k.alpha) * a[i] + double(k.one_minus_alpha) * grad;
                d = std::sqrt(si - ai * ai) + double(k.eps);
                a[i] = T(ai);
            } else {
                d = std::sqrt(si) + double(k.eps);
            }
            if (k.use_momentum) {
                const double bi = double(k.momentum) * b[i] + grad / d;
                p[i] = T(p[i] - double(k.lr) * bi);
                b[i] = T(bi);
            } else {
                p[i] = T(p[i] - double(k.lr) * grad / d);
            }
            s[i] = T(si);
            g[i] = T(0);
        }
    }
    static void sgd_update(std::size_t n, T* p, T* g, T* b, const SgdStep<T>& k) {
        for (std::size_t i = 0; i < n; ++i) {
            double grad = double(g[i]) + double(k.weight_decay) * p[i];
            if (k.use_momentum) {
                const double bi = k.first_step ? grad : double(k.momentum) * b[i] + double(k.dampening_complement) * grad;
                grad = k.nesterov ? grad + double(k.momentum) * bi : bi;
                b[i] = T(bi);
            }
            p[i] = T(p[i] - double(k.lr) * grad);
            g[i] = T(0);
        }
    }
};

static_assert(Backend<ReferenceBackend<float>> && Backend<ReferenceBackend<double>>);

using Reference = ReferenceBackend<float>;
using ReferenceF64 = ReferenceBackend<double>;

}  // namespace xgan::backend

namespace xgan {
using backend::Reference;
using backend::ReferenceF64;
}  // namespace xgan
