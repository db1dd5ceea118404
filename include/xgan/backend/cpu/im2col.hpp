#pragma once
// The CPU backend's im2col and col2im (backend/conv_geometry.hpp), and the transposes between
// a batch of images [n, C, L] and the channel-major matrix [C, n*L] that a convolution's GEMM
// reads and writes. The loops have compile-time trip counts; TBB runs (sample, channel) pairs.
// Where a sample's piece of a column-matrix row (Ho*Wo values) is shorter than 32, the pairs go
// channel-major, so that one task writes whole runs of consecutive samples of the same rows:
// sample-major, two threads wrote neighbouring pieces of the same cache lines, and the
// 1x1-output layers of dcgan64 ran their im2col 8x slower (measured). For longer pieces the
// sample-major order reads each task's input planes in one sweep, and measured as fast or a
// little faster (cgan's generator layers).
#include <algorithm>
#include <cstddef>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/conv_geometry.hpp"
#include "xgan/backend/cpu/parallel.hpp"

namespace xgan::backend::cpu {

// One channel of a ConvGeometry: an image [H, W] and the K*K rows of its column matrix, each
// Ho*Wo long (row (p, q) holds the pixels that kernel tap (p, q) meets, for every output
// position). With padding, the image is first copied into a zero-bordered [H+2P, W+2P] buffer
// on the stack, so that the copy loops have compile-time trip counts and no bounds checks;
// images too large for that take the bounds-checked loops.
// col2im of a strided convolution with long output rows goes through the column phases of the
// padded image instead (phase r holds padded columns r, r+S, r+2S, ...): tap (p, q) then adds
// a contiguous run of Wo values to phase (q*D) % S, where the plain scatter adds every S-th
// value, which does not vectorise. Measured on the dcgan64 and cgan layers (batch 128):
// 1.1-1.9x faster for rows of 7 output values or more, slower for 4 (the split and merge cost
// more than they save).
template <class G>
struct Patches {
    static constexpr std::size_t H = G::H, W = G::W, Ho = G::Ho, Wo = G::Wo, K = G::K, S = G::S, P = G::P, D = G::D;
    static constexpr std::size_t Hp = H + 2 * P, Wp = W + 2 * P;
    static constexpr bool padded = P > 0 && Hp * Wp <= 16384;
    static constexpr std::size_t Wq = (Wp + S - 1) / S;  // columns per phase
    static constexpr bool phased = S > 1 && Wo > 4 && S * Hp * Wq <= 16384;

    // col rows (p*K + q) at col + row*ld, ld >= Ho*Wo, from one channel's image.
    template <class T>
    static void im2col(const T* img, T* col, std::size_t ld) {
        if constexpr (P == 0) {
            gather<W>(img, col, ld);
        } else if constexpr (padded) {
            T pad[Hp * Wp];
            std::fill(pad, pad + P * Wp, T(0));
            for (std::size_t i = 0; i < H; ++i) {
                T* row = pad + (i + P) * Wp;
                std::fill(row, row + P, T(0));
                std::copy(img + i * W, img + (i + 1) * W, row + P);
                std::fill(row + P + W, row + Wp, T(0));
            }
            std::fill(pad + (P + H) * Wp, pad + Hp * Wp, T(0));
            gather<Wp>(pad, col, ld);
        } else {
            im2col_checked(img, col, ld);
        }
    }

    // The adjoint: adds col rows (p*K + q) into one channel's image.
    template <class T>
    static void col2im(const T* col, std::size_t ld, T* img) {
        if constexpr (phased) {
            T phases[S * Hp * Wq];
            std::fill(phases, phases + S * Hp * Wq, T(0));
            scatter_phased(col, ld, phases);
            add_phases(phases, img);
        } else if constexpr (P == 0) {
            scatter<W>(col, ld, img);
        } else if constexpr (padded) {
            T pad[Hp * Wp];
            std::fill(pad, pad + Hp * Wp, T(0));
            scatter<Wp>(col, ld, pad);
            for (std::size_t i = 0; i < H; ++i) {
                const T* row = pad + (i + P) * Wp + P;
                T* out = img + i * W;
                for (std::size_t j = 0; j < W; ++j) out[j] += row[j];
            }
        } else {
            col2im_checked(col, ld, img);
        }
    }

private:
    // src is an image whose rows are Stride long and which covers every tap (no bounds).
    template <std::size_t Stride, class T>
    static void gather(const T* src, T* col, std::size_t ld) {
        for (std::size_t p = 0; p < K; ++p)
            for (std::size_t q = 0; q < K; ++q) {
                T* row = col + (p * K + q) * ld;
                const T* base = src + p * D * Stride + q * D;
                for (std::size_t i = 0; i < Ho; ++i) {
                    const T* in = base + i * S * Stride;
                    T* out = row + i * Wo;
                    for (std::size_t j = 0; j < Wo; ++j) out[j] = in[j * S];
                }
            }
    }
    template <std::size_t Stride, class T>
    static void scatter(const T* col, std::size_t ld, T* dst) {
        for (std::size_t p = 0; p < K; ++p)
            for (std::size_t q = 0; q < K; ++q) {
                const T* row = col + (p * K + q) * ld;
                T* base = dst + p * D * Stride + q * D;
                for (std::size_t i = 0; i < Ho; ++i) {
                    T* out = base + i * S * Stride;
                    const T* in = row + i * Wo;
                    for (std::size_t j = 0; j < Wo; ++j) out[j * S] += in[j];
                }
            }
    }

    // The scatter into the phases: tap (p, q) at output (i, j) meets padded pixel
    // (i*S + p*D, j*S + q*D), that is column j + (q*D)/S of phase (q*D) % S.
    template <class T>
    static void scatter_phased(const T* col, std::size_t ld, T* phases) {
        for (std::size_t p = 0; p < K; ++p)
            for (std::size_t q = 0; q < K; ++q) {
                const T* row = col + (p * K + q) * ld;
                T* base = phases + ((q * D) % S) * Hp * Wq + p * D * Wq + (q * D) / S;
                for (std::size_t i = 0; i < Ho; ++i) {
                    T* out = base + i * S * Wq;
                    const T* in = row + i * Wo;
                    for (std::size_t j = 0; j < Wo; ++j) out[j] += in[j];
                }
            }
    }
    // img += the interior of the padded image whose phases these are, a row at a time.
    template <class T>
    static void add_phases(const T* phases, T* img) {
        T row[Wq * S];
        for (std::size_t i = 0; i < H; ++i) {
            for (std::size_t r = 0; r < S; ++r) {
                const T* in = phases + r * Hp * Wq + (i + P) * Wq;
                for (std::size_t k = 0; k < Wq; ++k) row[k * S + r] = in[k];
            }
            T* out = img + i * W;
            for (std::size_t j = 0; j < W; ++j) out[j] += row[j + P];
        }
    }

    // Output columns j whose input column j*S - P + q*D lies inside [0, W): [lo, hi).
    static constexpr void valid_cols(std::size_t q, std::size_t& lo, std::size_t& hi) {
        const std::ptrdiff_t off = std::ptrdiff_t(q * D) - std::ptrdiff_t(P);  // input col = j*S + off
        const std::ptrdiff_t s = std::ptrdiff_t(S);
        std::ptrdiff_t l = off >= 0 ? 0 : (-off + s - 1) / s;
        std::ptrdiff_t h = std::ptrdiff_t(W) - 1 - off < 0 ? 0 : (std::ptrdiff_t(W) - 1 - off) / s + 1;
        l = std::min<std::ptrdiff_t>(l, std::ptrdiff_t(Wo));
        h = std::clamp<std::ptrdiff_t>(h, l, std::ptrdiff_t(Wo));
        lo = std::size_t(l);
        hi = std::size_t(h);
    }

    template <class T>
    static void im2col_checked(const T* img, T* col, std::size_t ld) {
        for (std::size_t p = 0; p < K; ++p)
            for (std::size_t q = 0; q < K; ++q) {
                std::size_t lo, hi;
                valid_cols(q, lo, hi);
                T* row = col + (p * K + q) * ld;
                for (std::size_t i = 0; i < Ho; ++i) {
                    T* dst = row + i * Wo;
                    const std::ptrdiff_t r = std::ptrdiff_t(i * S + p * D) - std::ptrdiff_t(P);
                    if (r < 0 || r >= std::ptrdiff_t(H)) {
                        std::fill(dst, dst + Wo, T(0));
                        continue;
                    }
                    const T* src = img + std::size_t(r) * W;
                    const std::ptrdiff_t off = std::ptrdiff_t(q * D) - std::ptrdiff_t(P);  // input column j*S + off
                    std::fill(dst, dst + lo, T(0));
                    for (std::size_t j = lo; j < hi; ++j) dst[j] = src[std::ptrdiff_t(j * S) + off];
                    std::fill(dst + hi, dst + Wo, T(0));
                }
            }
    }

    template <class T>
    static void col2im_checked(const T* col, std::size_t ld, T* img) {
        for (std::size_t p = 0; p < K; ++p)
            for (std::size_t q = 0; q < K; ++q) {
                std::size_t lo, hi;
                valid_cols(q, lo, hi);
                const T* row = col + (p * K + q) * ld;
                for (std::size_t i = 0; i < Ho; ++i) {
                    const std::ptrdiff_t r = std::ptrdiff_t(i * S + p * D) - std::ptrdiff_t(P);
                    if (r < 0 || r >= std::ptrdiff_t(H)) continue;
                    const T* src = row + i * Wo;
                    T* dst = img + std::size_t(r) * W;
                    const std::ptrdiff_t off = std::ptrdiff_t(q * D) - std::ptrdiff_t(P);
                    for (std::size_t j = lo; j < hi; ++j) dst[std::ptrdiff_t(j * S) + off] += src[j];
                }
            }
    }
};

// Work item t of n images: its (sample, channel) pair in the order above.
template <class G>
struct ItemOrder {
    static constexpr bool channel_major = G::L < 32;
    std::size_t n;
    std::size_t sample(std::size_t t) const { return channel_major ? t % n : t / G::C; }
    std::size_t channel(std::size_t t) const { return channel_major ? t / n : t % G::C; }
};

// col[C*K*K, n*L] from n images x[n, C, H, W].
template <class G, class T>
void im2col(const T* x, std::size_t n, T* col) {
    const std::size_t cols = n * G::L;
    const ItemOrder<G> order{n};
    parallel_for(n * G::C, grain_for(G::K * G::K * G::L), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t s = order.sample(t), c = order.channel(t);
            Patches<G>::im2col(x + (s * G::C + c) * G::image, col + c * G::K * G::K * cols + s * G::L, cols);
        }
    });
}

// x[n, C, H, W] = bias[c] (0 without bias) + the sum of col's taps over each pixel.
template <class G, class T>
void col2im(const T* col, std::size_t n, const T* bias, T* x) {
    const std::size_t cols = n * G::L;
    const ItemOrder<G> order{n};
    parallel_for(n * G::C, grain_for(G::K * G::K * G::L), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t s = order.sample(t), c = order.channel(t);
            T* img = x + (s * G::C + c) * G::image;
            std::fill(img, img + G::image, bias ? bias[c] : T(0));
            Patches<G>::col2im(col + c * G::K * G::K * cols + s * G::L, cols, img);
        }
    });
}

// y[c, s*L + l] = x[s, c, l] for the layout {n, C, L}.
template <class T>
void planes_to_channels(ChannelLayout l, const T* x, T* y) {
    const std::size_t cols = l.outer * l.inner;
    parallel_for(l.outer * l.channels, grain_for(l.inner), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t s = t / l.channels, c = t % l.channels;
            std::copy(x + t * l.inner, x + (t + 1) * l.inner, y + c * cols + s * l.inner);
        }
    });
}

// x[s, c, l] = y[c, s*L + l] + bias[c] (nothing added without bias) for the layout {n, C, L}.
template <class T>
void channels_to_planes(ChannelLayout l, const T* y, const T* bias, T* x) {
    const std::size_t cols = l.outer * l.inner;
    parallel_for(l.outer * l.channels, grain_for(l.inner), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t s = t / l.channels, c = t % l.channels;
            const T* src = y + c * cols + s * l.inner;
            T* dst = x + t * l.inner;
            if (bias) {
                const T b = bias[c];
                for (std::size_t i = 0; i < l.inner; ++i) dst[i] = src[i] + b;
            } else {
                std::copy(src, src + l.inner, dst);
            }
        }
    });
}

}  // namespace xgan::backend::cpu
