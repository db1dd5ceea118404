#pragma once
// KernelBackend<T, Exec>: the Backend concept (backend/backend.hpp) written as kernel bodies
// (backend/cuda/kernels/: one functor per item, or per term of a per-group sum) handed to an
// executor Exec, which owns the storage, the copies, the GEMM and the way items run:
//   cuda::Gpu        a CUDA grid per kernel, cuBLAS (gpu.cuh; nvcc only): xgan::Cuda
//   cuda::HostLoops  plain loops on the host (host_loops.hpp): the same bodies checked
//                    against the reference backend on machines without a GPU
// Functors from layers run inside the bodies, so they are marked XGAN_HD.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <tuple>
#include <type_traits>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cuda/kernels/batch_norm.hpp"
#include "xgan/backend/cuda/kernels/channels.hpp"
#include "xgan/backend/cuda/kernels/elementwise.hpp"
#include "xgan/backend/cuda/kernels/im2col.hpp"
#include "xgan/backend/cuda/kernels/optimizer_updates.hpp"
#include "xgan/backend/cuda/kernels/windows.hpp"

namespace xgan::backend::cuda {

template <class T, class Exec>
struct KernelBackend {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "xgan: the CUDA backend takes float or double");
    using scalar = T;
    using executor = Exec;
    static constexpr bool host_memory = Exec::host_memory;
    template <class U = T>
    using buffer = typename Exec::template buffer<U>;

    template <class U>
    static void fill(U* x, std::size_t n, U v) { Exec::items(n, kernels::Fill<U>{x, v}); }
    template <class U>
    static void copy(const U* x, std::size_t n, U* y) { Exec::copy(x, n, y); }
    template <class U>
    static void copy_from_host(const U* h, std::size_t n, U* y) { Exec::copy_from_host(h, n, y); }
    template <class U>
    static void copy_to_host(const U* x, std::size_t n, U* h) { Exec::copy_to_host(x, n, h); }

    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                     T* c, int ldc) {
        Exec::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    template <class Y, class F, class... X>
    static void map(std::size_t n, const F& f, Y* y, const X*... x) {
        Exec::items(n, kernels::Map<Y, F, X...>{f, y, {x...}});
    }
    template <class F, class... X>
    static void counter_map(std::size_t n, std::uint64_t start, const F& f, T* y, const X*... x) {
        Exec::items(n, kernels::CounterMap<T, F, X...>{start, f, y, {x...}});
    }
    template <class F, class... X>
    static double sum(std::size_t n, const F& f, const X*... x) {
        return Exec::sum(n, kernels::SumTerm<F, X...>{f, {x...}});
    }

    static void bias_add(ChannelLayout l, const T* b, T* y) { Exec::items(l.size(), kernels::BiasAdd<T>{l, b, y}); }
    static void bias_grad(ChannelLayout l, const T* dy, T* db) {
        Exec::group_sums(l.channels, l.outer * l.inner, kernels::ChannelValue<T>{l, dy}, kernels::AccumulateInto<T>{db});
    }
    template <class F, class... X>
    static void indexed_map(ChannelLayout l, const F& f, T* y, const X*... x) {
        Exec::items(l.size(), kernels::IndexedMap<T, F, X...>{l, f, y, {x...}});
    }
    template <class F, class... X>
    static void channel_sum(ChannelLayout l, const F& f, double* s, const X*... x) {
        Exec::group_sums(l.channels, l.outer * l.inner, kernels::IndexedTerm<F, X...>{l, f, {x...}}, kernels::StoreSum{s});
    }
    template <class F, class... X>
    static void position_sum(ChannelLayout l, const F& f, double* s, const X*... x) {
        Exec::items(l.outer * l.inner, kernels::PositionReduce<false, F, X...>{l, f, s, 0.0, {x...}});
    }
    template <class F, class... X>
    static void position_max(ChannelLayout l, const F& f, double* s, const X*... x) {
        Exec::items(l.outer * l.inner,
                    kernels::PositionReduce<true, F, X...>{l, f, s, -std::numeric_limits<double>::infinity(), {x...}});
    }

    // Statistics in two passes (mean, then squared deviations), then the output.
    template <class W>
    static void batch_norm_train(ChannelLayout l, double eps, const T* x, const W* w, const W* b, T* y, double* mean,
                                 double* invstd, double* sq) {
        const std::size_t count = l.outer * l.inner;
        Exec::group_sums(l.channels, count, kernels::ChannelValue<T>{l, x}, kernels::StoreMean{mean, double(count)});
        Exec::group_sums(l.channels, count, kernels::SquaredDeviation<T>{l, x, mean},
                         kernels::StoreDeviation{sq, invstd, double(count), eps});
        Exec::items(l.size(), kernels::Normalize<T, W>{l, x, w, b, mean, invstd, y});
    }
    template <class W>
    static void batch_norm_train_backward(ChannelLayout l, const T* x, const T* dy, const W* w, const double* mean,
                                          const double* invstd, T* dx, double* sum_dy, double* sum_xdy) {
        const std::size_t count = l.outer * l.inner;
        Exec::group_sums(l.channels, count, kernels::ChannelValue<T>{l, dy}, kernels::StoreSum{sum_dy});
        Exec::group_sums(l.channels, count, kernels::CenteredProduct<T>{l, x, dy, mean}, kernels::StoreSum{sum_xdy});
        if (dx)
            Exec::items(l.size(),
                        kernels::NormalizeBackward<T, W>{l, x, dy, w, mean, invstd, sum_dy, sum_xdy, double(count), dx});
    }

    template <class G>
    static void im2col(const T* x, std::size_t n, T* col) { Exec::items(G::rows * n * G::L, kernels::Im2col<G, T>{x, n, col}); }
    template <class G>
    static void col2im(const T* col, std::size_t n, const T* b, T* x) {
        Exec::items(n * G::C * G::image, kernels::Col2im<G, T>{col, n, b, x});
    }
    static void planes_to_channels(ChannelLayout l, const T* x, T* y) {
        Exec::items(l.size(), kernels::PlanesToChannels<T>{l, x, y});
    }
    static void channels_to_planes(ChannelLayout l, const T* y, const T* b, T* x) {
        Exec::items(l.size(), kernels::ChannelsToPlanes<T>{l, y, b, x});
    }

    template <class G>
    static void window_max(std::size_t planes, const T* x, T* y, std::uint32_t* arg) {
        Exec::items(planes * G::out_plane, kernels::WindowMax<G, T>{x, y, arg});
    }
    template <class G>
    static void take(std::size_t planes, const T* x, const std::uint32_t* arg, T* y) {
        Exec::items(planes * G::out_plane, kernels::Take<G, T>{x, arg, y});
    }
    template <class G>
    static void put_add(std::size_t planes, const T* y, const std::uint32_t* arg, T* x) {
        Exec::items(planes * G::plane, kernels::PutAdd<G, T>{y, arg, x});
    }
    template <class G>
    static void window_sum(std::size_t planes, T divisor, const T* x, T* y) {
        Exec::items(planes * G::out_plane, kernels::WindowSum<G, T>{divisor, x, y});
    }
    template <class G>
    static void window_spread(std::size_t planes, T divisor, const T* y, T* x) {
        Exec::items(planes * G::plane, kernels::WindowSpread<G, T>{divisor, y, x});
    }
    static void copy_blocks(const Blocks& b, const T* src, T* dst) {
        Exec::items(b.count * b.rows * b.cols, kernels::CopyBlocks<T>{b, src, dst});
    }

    static void adam_update(std::size_t n, T* p, T* g, T* m, T* v, const AdamStep<T>& k) {
        Exec::items(n, kernels::AdamUpdate<T>{p, g, m, v, k});
    }
    static void rmsprop_update(std::size_t n, T* p, T* g, T* s, T* a, T* b, const RmspropStep<T>& k) {
        Exec::items(n, kernels::RmspropUpdate<T>{p, g, s, a, b, k});
    }
    static void sgd_update(std::size_t n, T* p, T* g, T* b, const SgdStep<T>& k) {
        Exec::items(n, kernels::SgdUpdate<T>{p, g, b, k});
    }

    // Not part of the concept: waits for the work queued so far (ProfiledBackend times with it).
    static void synchronize() {
        if constexpr (requires { Exec::synchronize(); }) Exec::synchronize();
    }
};

}  // namespace xgan::backend::cuda
