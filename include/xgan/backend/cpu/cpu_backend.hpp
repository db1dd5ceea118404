#pragma once
// CpuBackend<T>: the Backend concept (backend/backend.hpp) on the CPU. GEMMs go to OpenBLAS
// (cblas), loops over independent items to oneTBB, element-wise passes to xsimd. The scalar is
// a parameter so that the gradient checker can run any layer in double.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cpu/aligned_buffer.hpp"
#include "xgan/backend/cpu/batch_norm.hpp"
#include "xgan/backend/cpu/channels.hpp"
#include "xgan/backend/cpu/elementwise.hpp"
#include "xgan/backend/cpu/gemm.hpp"
#include "xgan/backend/cpu/im2col.hpp"
#include "xgan/backend/cpu/indexed.hpp"
#include "xgan/backend/cpu/optimizer_updates.hpp"
#include "xgan/backend/cpu/parallel.hpp"
#include "xgan/backend/cpu/windows.hpp"

namespace xgan::backend {

template <class T>
struct CpuBackend {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "xgan: CpuBackend takes float or double");
    using scalar = T;
    static constexpr bool host_memory = true;
    template <class U = T>
    using buffer = AlignedVector<U>;

    template <class U>
    static void fill(U* x, std::size_t n, U v) { cpu::fill(x, n, v); }
    template <class U>
    static void copy(const U* x, std::size_t n, U* y) { cpu::copy(x, n, y); }
    template <class U>
    static void copy_from_host(const U* h, std::size_t n, U* y) { cpu::copy(h, n, y); }
    template <class U>
    static void copy_to_host(const U* x, std::size_t n, U* h) { cpu::copy(x, n, h); }

    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                     T* c, int ldc) {
        cpu::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    template <class Y, class F, class... X>
    static void map(std::size_t n, const F& f, Y* y, const X*... x) {
        cpu::map(n, f, y, x...);
    }
    template <class F, class... X>
    static void counter_map(std::size_t n, std::uint64_t start, const F& f, T* y, const X*... x) {
        cpu::counter_map(n, start, f, y, x...);
    }
    template <class F, class... X>
    static double sum(std::size_t n, const F& f, const X*... x) {
        return cpu::sum(n, f, x...);
    }

    static void bias_add(ChannelLayout l, const T* b, T* y) { cpu::bias_add(l, b, y); }
    static void bias_grad(ChannelLayout l, const T* dy, T* db) { cpu::bias_grad(l, dy, db); }

    template <class F, class... X>
    static void indexed_map(ChannelLayout l, const F& f, T* y, const X*... x) {
        cpu::indexed_map(l, f, y, x...);
    }
    template <class F, class... X>
    static void channel_sum(ChannelLayout l, const F& f, double* s, const X*... x) {
        cpu::channel_sum(l, f, s, x...);
    }
    template <class F, class... X>
    static void position_sum(ChannelLayout l, const F& f, double* s, const X*... x) {
        cpu::position_sum(l, f, s, x...);
    }

    template <class F, class... X>
    static void position_max(ChannelLayout l, const F& f, double* s, const X*... x) {
        cpu::position_max(l, f, s, x...);
    }

    template <class W>
    static void batch_norm_train(ChannelLayout l, double eps, const T* x, const W* w, const W* b, T* y, double* mean,
                                 double* invstd, double* sq) {
        cpu::batch_norm_train(l, eps, x, w, b, y, mean, invstd, sq);
    }
    template <class W>
    static void batch_norm_train_backward(ChannelLayout l, const T* x, const T* dy, const W* w, const double* mean,
                                          const double* invstd, T* dx, double* sum_dy, double* sum_xdy) {
        cpu::batch_norm_train_backward(l, x, dy, w, mean, invstd, dx, sum_dy, sum_xdy);
    }

    template <class G>
    static void im2col(const T* x, std::size_t n, T* col) { cpu::im2col<G>(x, n, col); }
    template <class G>
    static void col2im(const T* col, std::size_t n, const T* b, T* x) { cpu::col2im<G>(col, n, b, x); }
    static void planes_to_channels(ChannelLayout l, const T* x, T* y) { cpu::planes_to_channels(l, x, y); }
    static void channels_to_planes(ChannelLayout l, const T* y, const T* b, T* x) { cpu::channels_to_planes(l, y, b, x); }

    template <class G>
    static void window_max(std::size_t planes, const T* x, T* y, std::uint32_t* arg) { cpu::window_max<G>(planes, x, y, arg); }
    template <class G>
    static void take(std::size_t planes, const T* x, const std::uint32_t* arg, T* y) { cpu::take<G>(planes, x, arg, y); }
    template <class G>
    static void put_add(std::size_t planes, const T* y, const std::uint32_t* arg, T* x) { cpu::put_add<G>(planes, y, arg, x); }
    template <class G>
    static void window_sum(std::size_t planes, T divisor, const T* x, T* y) { cpu::window_sum<G>(planes, divisor, x, y); }
    template <class G>
    static void window_spread(std::size_t planes, T divisor, const T* y, T* x) { cpu::window_spread<G>(planes, divisor, y, x); }
    static void copy_blocks(const Blocks& b, const T* src, T* dst) { cpu::copy_blocks(b, src, dst); }

    // The optimizer passes are memory-bound, and two cores move more bytes than one (a 2.9M
    // parameter Adam pass, cold cache: 1.75 ms on one thread, 0.99 ms on two, AVX-512 EPYC).
    static constexpr std::size_t update_block = 32768;  // elements per task, a multiple of any SIMD width
    static void adam_update(std::size_t n, T* p, T* g, T* m, T* v, const AdamStep<T>& k) {
        cpu::parallel_blocks(n, update_block, [&](std::size_t i, std::size_t e) {
            cpu::adam_update(e - i, p + i, g + i, m + i, v + i, k);
        });
    }
    static void rmsprop_update(std::size_t n, T* p, T* g, T* s, T* a, T* b, const RmspropStep<T>& k) {
        // s, a and b are null where the options need them not
        const auto at = [](T* x, std::size_t i) { return x ? x + i : x; };
        cpu::parallel_blocks(n, update_block, [&](std::size_t i, std::size_t e) {
            cpu::rmsprop_update(e - i, p + i, g + i, at(s, i), at(a, i), at(b, i), k);
        });
    }
    static void sgd_update(std::size_t n, T* p, T* g, T* b, const SgdStep<T>& k) {
        cpu::parallel_blocks(n, update_block, [&](std::size_t i, std::size_t e) {
            cpu::sgd_update(e - i, p + i, g + i, b ? b + i : b, k);
        });
    }

    // Not part of the Backend concept: the layers not yet written against it loop over items here.
    template <class Body>
    static void parallel_for(std::size_t n, std::size_t grain, Body&& body) {
        cpu::parallel_for(n, grain, static_cast<Body&&>(body));
    }
};

static_assert(Backend<CpuBackend<float>> && Backend<CpuBackend<double>>);

using Cpu = CpuBackend<float>;
using CpuF64 = CpuBackend<double>;

}  // namespace xgan::backend

namespace xgan {
using backend::Cpu;
using backend::CpuF64;
}  // namespace xgan
