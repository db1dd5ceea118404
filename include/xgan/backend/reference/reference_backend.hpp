#pragma once
// ReferenceBackend<T>: the Backend concept (backend/backend.hpp) in the plainest form there
// is: one loop per kernel, every value computed in double and rounded to T once, no SIMD, no
// threads. It is slow on purpose; it is the yardstick the fast backends are checked against
// (testing/check_backend.hpp) and a second backend that the whole layer suite runs on, which
// keeps the layers honest about calling only the concept's kernels.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/conv_geometry.hpp"
#include "xgan/backend/window_geometry.hpp"
#include "xgan/core/rng.hpp"

namespace xgan::backend {

template <class T>
struct ReferenceBackend {
    using scalar = T;
    static constexpr bool host_memory = true;
    template <class U = T>
    using buffer = std::vector<U>;

    // body(k) for every element k of channel c of a [outer, channels, inner] tensor.
    template <class Body>
    static void for_channel(ChannelLayout l, std::size_t c, Body&& body) {
        for (std::size_t o = 0; o < l.outer; ++o)
            for (std::size_t i = 0; i < l.inner; ++i) body((o * l.channels + c) * l.inner + i);
    }

    template <class U>
    static void fill(U* x, std::size_t n, U v) {
        for (std::size_t i = 0; i < n; ++i) x[i] = v;
    }
    template <class U>
    static void copy(const U* x, std::size_t n, U* y) {
        for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
    }
    template <class U>
    static void copy_from_host(const U* h, std::size_t n, U* y) { copy(h, n, y); }
    template <class U>
    static void copy_to_host(const U* x, std::size_t n, U* h) { copy(x, n, h); }

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

    template <class Y, class F, class... X>
    static void map(std::size_t n, const F& f, Y* y, const X*... x) {
        for (std::size_t i = 0; i < n; ++i) y[i] = Y(f(double(x[i])...));
    }
    template <class F, class... X>
    static void counter_map(std::size_t n, std::uint64_t start, const F& f, T* y, const X*... x) {
        for (std::size_t i = 0; i < n; ++i) y[i] = T(f(counter_bits(start + i * counter_step), double(x[i])...));
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

    template <class F, class... X>
    static void indexed_map(ChannelLayout l, const F& f, T* y, const X*... x) {
        for (std::size_t o = 0; o < l.outer; ++o)
            for (std::size_t c = 0; c < l.channels; ++c)
                for (std::size_t i = 0; i < l.inner; ++i) {
                    const std::size_t k = (o * l.channels + c) * l.inner + i;
                    y[k] = T(f(Index{o, c, i}, double(x[k])...));
                }
    }
    template <class F, class... X>
    static void channel_sum(ChannelLayout l, const F& f, double* out, const X*... x) {
        for (std::size_t c = 0; c < l.channels; ++c) {
            double s = 0;
            for (std::size_t o = 0; o < l.outer; ++o)
                for (std::size_t i = 0; i < l.inner; ++i) {
                    const std::size_t k = (o * l.channels + c) * l.inner + i;
                    s += double(f(Index{o, c, i}, double(x[k])...));
                }
            out[c] = s;
        }
    }
    // Batch normalisation in train mode, pass by pass, in double.
    template <class W>
    static void batch_norm_train(ChannelLayout l, double eps, const T* x, const W* w, const W* b, T* y, double* mean,
                                 double* invstd, double* sq) {
        const double count = double(l.outer * l.inner);
        for (std::size_t c = 0; c < l.channels; ++c) {
            double s = 0, q = 0;
            for_channel(l, c, [&](std::size_t k) { s += double(x[k]); });
            mean[c] = s / count;
            for_channel(l, c, [&](std::size_t k) { q += (double(x[k]) - mean[c]) * (double(x[k]) - mean[c]); });
            sq[c] = q;
            invstd[c] = 1.0 / std::sqrt(q / count + eps);
            for_channel(l, c, [&](std::size_t k) { y[k] = T((double(x[k]) - mean[c]) * invstd[c] * double(w[c]) + double(b[c])); });
        }
    }
    template <class W>
    static void batch_norm_train_backward(ChannelLayout l, const T* x, const T* dy, const W* w, const double* mean,
                                          const double* invstd, T* dx, double* sum_dy, double* sum_xdy) {
        const double count = double(l.outer * l.inner);
        for (std::size_t c = 0; c < l.channels; ++c) {
            double s = 0, sx = 0;
            for_channel(l, c, [&](std::size_t k) {
                s += double(dy[k]);
                sx += (double(x[k]) - mean[c]) * double(dy[k]);
            });
            sum_dy[c] = s;
            sum_xdy[c] = sx;
            if (!dx) continue;
            // dx = w invstd (dy - mean(dy) - xhat mean(dy xhat)), xhat = (x - mean) invstd
            const double g = double(w[c]) * invstd[c];
            for_channel(l, c, [&](std::size_t k) {
                const double xhat = (double(x[k]) - mean[c]) * invstd[c];
                dx[k] = T(g * (double(dy[k]) - s / count - xhat * sx * invstd[c] / count));
            });
        }
    }

    template <class F, class... X>
    static void position_sum(ChannelLayout l, const F& f, double* out, const X*... x) {
        for (std::size_t o = 0; o < l.outer; ++o)
            for (std::size_t i = 0; i < l.inner; ++i) {
                double s = 0;
                for (std::size_t c = 0; c < l.channels; ++c) {
                    [[maybe_unused]] const std::size_t k = (o * l.channels + c) * l.inner + i;  // unused for f(Index) alone
                    s += double(f(Index{o, c, i}, double(x[k])...));
                }
                out[o * l.inner + i] = s;
            }
    }

    template <class F, class... X>
    static void position_max(ChannelLayout l, const F& f, double* out, const X*... x) {
        for (std::size_t o = 0; o < l.outer; ++o)
            for (std::size_t i = 0; i < l.inner; ++i) {
                double m = -std::numeric_limits<double>::infinity();
                for (std::size_t c = 0; c < l.channels; ++c) {
                    const double v = double(f(Index{o, c, i}, double(x[(o * l.channels + c) * l.inner + i])...));
                    if (v > m || std::isnan(v)) m = v;
                }
                out[o * l.inner + i] = m;
            }
    }

    // The column matrix entry by entry: row (c, p, q), column s*L + i*Wo + j.
    template <class G>
    static void im2col(const T* x, std::size_t n, T* col) {
        for_each_tap<G>(n, [&](std::size_t at, std::size_t pixel, bool inside) { col[at] = inside ? x[pixel] : T(0); });
    }
    template <class G>
    static void col2im(const T* col, std::size_t n, const T* bias, T* x) {
        std::vector<double> img(n * G::C * G::image);
        for (std::size_t k = 0; k < img.size(); ++k) img[k] = bias ? double(bias[k / G::image % G::C]) : 0.0;
        for_each_tap<G>(n, [&](std::size_t at, std::size_t pixel, bool inside) {
            if (inside) img[pixel] += double(col[at]);
        });
        for (std::size_t k = 0; k < img.size(); ++k) x[k] = T(img[k]);
    }
    static void planes_to_channels(ChannelLayout l, const T* x, T* y) {
        for (std::size_t s = 0; s < l.outer; ++s)
            for (std::size_t c = 0; c < l.channels; ++c)
                for (std::size_t i = 0; i < l.inner; ++i)
                    y[c * l.outer * l.inner + s * l.inner + i] = x[(s * l.channels + c) * l.inner + i];
    }
    static void channels_to_planes(ChannelLayout l, const T* y, const T* bias, T* x) {
        for (std::size_t s = 0; s < l.outer; ++s)
            for (std::size_t c = 0; c < l.channels; ++c)
                for (std::size_t i = 0; i < l.inner; ++i)
                    x[(s * l.channels + c) * l.inner + i] =
                        T(double(y[c * l.outer * l.inner + s * l.inner + i]) + (bias ? double(bias[c]) : 0.0));
    }

    // Windows: value (p, q) of window (i, j) is plane element (i*S + p) * W + j*S + q.
    template <class G>
    static std::size_t at(std::size_t i, std::size_t j, std::size_t p, std::size_t q) {
        return (i * G::S + p) * G::W + j * G::S + q;
    }
    template <class G>
    static void window_max(std::size_t planes, const T* x, T* y, std::uint32_t* arg) {
        for (std::size_t t = 0; t < planes; ++t)
            for (std::size_t i = 0; i < G::Ho; ++i)
                for (std::size_t j = 0; j < G::Wo; ++j) {
                    std::size_t best = at<G>(i, j, 0, 0);
                    for (std::size_t p = 0; p < G::K; ++p)
                        for (std::size_t q = 0; q < G::K; ++q) {
                            const T v = x[t * G::plane + at<G>(i, j, p, q)], b = x[t * G::plane + best];
                            if (v > b || std::isnan(v)) best = at<G>(i, j, p, q);
                        }
                    y[t * G::out_plane + i * G::Wo + j] = x[t * G::plane + best];
                    arg[t * G::out_plane + i * G::Wo + j] = std::uint32_t(best);
                }
    }
    template <class G>
    static void take(std::size_t planes, const T* x, const std::uint32_t* arg, T* y) {
        for (std::size_t t = 0; t < planes; ++t)
            for (std::size_t k = 0; k < G::out_plane; ++k) y[t * G::out_plane + k] = x[t * G::plane + arg[t * G::out_plane + k]];
    }
    template <class G>
    static void put_add(std::size_t planes, const T* y, const std::uint32_t* arg, T* x) {
        std::vector<double> acc(G::plane);
        for (std::size_t t = 0; t < planes; ++t) {
            std::fill(acc.begin(), acc.end(), 0.0);
            for (std::size_t k = 0; k < G::out_plane; ++k) acc[arg[t * G::out_plane + k]] += y[t * G::out_plane + k];
            for (std::size_t k = 0; k < G::plane; ++k) x[t * G::plane + k] = T(acc[k]);
        }
    }
    template <class G>
    static void window_sum(std::size_t planes, T divisor, const T* x, T* y) {
        for (std::size_t t = 0; t < planes; ++t)
            for (std::size_t i = 0; i < G::Ho; ++i)
                for (std::size_t j = 0; j < G::Wo; ++j) {
                    double s = 0;
                    for (std::size_t p = 0; p < G::K; ++p)
                        for (std::size_t q = 0; q < G::K; ++q) s += x[t * G::plane + at<G>(i, j, p, q)];
                    y[t * G::out_plane + i * G::Wo + j] = T(s / double(divisor));
                }
    }
    template <class G>
    static void window_spread(std::size_t planes, T divisor, const T* y, T* x) {
        std::vector<double> acc(G::plane);
        for (std::size_t t = 0; t < planes; ++t) {
            std::fill(acc.begin(), acc.end(), 0.0);
            for (std::size_t i = 0; i < G::Ho; ++i)
                for (std::size_t j = 0; j < G::Wo; ++j)
                    for (std::size_t p = 0; p < G::K; ++p)
                        for (std::size_t q = 0; q < G::K; ++q)
                            acc[at<G>(i, j, p, q)] += double(y[t * G::out_plane + i * G::Wo + j]) / double(divisor);
            for (std::size_t k = 0; k < G::plane; ++k) x[t * G::plane + k] = T(acc[k]);
        }
    }
    static void copy_blocks(const Blocks& b, const T* src, T* dst) {
        for (std::size_t k = 0; k < b.count; ++k)
            for (std::size_t r = 0; r < b.rows; ++r)
                for (std::size_t c = 0; c < b.cols; ++c)
                    dst[k * b.dst_block + r * b.dst_row + c] = src[k * b.src_block + r * b.src_row + c];
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

private:
    // f(col index, image index, inside) for every entry of the column matrix of n images:
    // row (c, p, q), column s*L + i*Wo + j, reading image pixel (s, c, r, k) when inside.
    template <class G, class F>
    static void for_each_tap(std::size_t n, F&& f) {
        const std::size_t cols = n * G::L;
        for (std::size_t s = 0; s < n; ++s)
            for (std::size_t c = 0; c < G::C; ++c)
                for (std::size_t p = 0; p < G::K; ++p)
                    for (std::size_t q = 0; q < G::K; ++q)
                        for (std::size_t i = 0; i < G::Ho; ++i)
                            for (std::size_t j = 0; j < G::Wo; ++j) {
                                const long r = long(i * G::S + p * G::D) - long(G::P);
                                const long k = long(j * G::S + q * G::D) - long(G::P);
                                const bool inside = r >= 0 && r < long(G::H) && k >= 0 && k < long(G::W);
                                f(((c * G::K + p) * G::K + q) * cols + s * G::L + i * G::Wo + j,
                                  inside ? (s * G::C + c) * G::image + std::size_t(r) * G::W + std::size_t(k) : 0, inside);
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
