#pragma once
// ProfiledBackend<Inner>: the Backend concept over another backend, timing every kernel call
// by name. Bind a model to it to see where a training step's time goes:
//
//   using P = xgan::backend::ProfiledBackend<xgan::Cpu>;
//   xgan::GanTrainer<Gan<G, D, Noise, Objective, P>> trainer(options, seed);
//   xgan::backend::kernel_profile().clear();
//   trainer.train_step(real);
//   for (const auto& k : xgan::backend::kernel_profile().kernels()) ... k.name, k.seconds, k.calls
//
// Times are wall-clock around each call on the calling thread (a CPU kernel's worker threads
// finish before it returns; a backend that queues work, such as the GPU's, is waited for
// through its synchronize() when it has one); a GEMM also counts its 2 m n k floating-point operations, and
// the profile keeps each distinct GEMM shape with its number of calls (gemms()), so that a
// benchmark can time the same products alone (bench/kernel_shares.cpp: the step's floor). The
// profile is one per process and not synchronised: one trainer at a time (kernels are called
// from the training thread only). bench/kernel_shares.cpp prints each kernel's share of a step.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "xgan/backend/backend.hpp"

namespace xgan::backend {

class KernelProfile {
public:
    struct Kernel {
        const char* name;
        double seconds = 0;
        std::size_t calls = 0;
        double flops = 0;  // GEMMs: 2 m n k per call
    };

    // One shape of GEMM call (row-major, as Backend::gemm takes it) and how often it came.
    struct Gemm {
        Trans ta, tb;
        int m, n, k, lda, ldb, ldc;
        bool accumulates;  // beta != 0
        std::size_t calls = 0;
        bool operator==(const Gemm& o) const {
            return ta == o.ta && tb == o.tb && m == o.m && n == o.n && k == o.k && lda == o.lda && ldb == o.ldb &&
                   ldc == o.ldc && accumulates == o.accumulates;
        }
    };

    void add(const char* name, double seconds, double flops) {
        Kernel& k = find(name);
        k.seconds += seconds;
        ++k.calls;
        k.flops += flops;
    }
    void add_gemm(const Gemm& shape) {
        for (Gemm& g : gemms_)
            if (g == shape) {
                ++g.calls;
                return;
            }
        gemms_.push_back(shape);
        gemms_.back().calls = 1;
    }
    void clear() {
        kernels_.clear();
        gemms_.clear();
    }
    // In the order of their first call.
    const std::vector<Kernel>& kernels() const { return kernels_; }
    const std::vector<Gemm>& gemms() const { return gemms_; }
    double total_seconds() const {
        double s = 0;
        for (const Kernel& k : kernels_) s += k.seconds;
        return s;
    }

private:
    Kernel& find(const char* name) {
        for (Kernel& k : kernels_)
            if (k.name == name || std::strcmp(k.name, name) == 0) return k;
        kernels_.push_back(Kernel{name});
        return kernels_.back();
    }
    std::vector<Kernel> kernels_;
    std::vector<Gemm> gemms_;
};

inline KernelProfile& kernel_profile() {
    static KernelProfile profile;
    return profile;
}

template <class Inner>
struct ProfiledBackend {
    using scalar = typename Inner::scalar;
    using T = scalar;
    static constexpr bool host_memory = backend::host_memory<Inner>;
    template <class U = T>
    using buffer = typename Inner::template buffer<U>;

    template <class U>
    static void fill(U* x, std::size_t n, U v) { timed("fill", [&] { Inner::fill(x, n, v); }); }
    template <class U>
    static void copy(const U* x, std::size_t n, U* y) { timed("copy", [&] { Inner::copy(x, n, y); }); }
    template <class U>
    static void copy_from_host(const U* h, std::size_t n, U* y) {
        timed("copy_from_host", [&] { Inner::copy_from_host(h, n, y); });
    }
    template <class U>
    static void copy_to_host(const U* x, std::size_t n, U* h) { timed("copy_to_host", [&] { Inner::copy_to_host(x, n, h); }); }

    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                     T* c, int ldc) {
        timed("gemm", [&] { Inner::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); }, 2.0 * m * n * k);
        kernel_profile().add_gemm({ta, tb, m, n, k, lda, ldb, ldc, beta != T(0)});
    }

    template <class Y, class F, class... X>
    static void map(std::size_t n, const F& f, Y* y, const X*... x) {
        timed("map", [&] { Inner::map(n, f, y, x...); });
    }
    template <class F, class... X>
    static void counter_map(std::size_t n, std::uint64_t start, const F& f, T* y, const X*... x) {
        timed("counter_map", [&] { Inner::counter_map(n, start, f, y, x...); });
    }
    template <class F, class... X>
    static double sum(std::size_t n, const F& f, const X*... x) {
        double s = 0;
        timed("sum", [&] { s = Inner::sum(n, f, x...); });
        return s;
    }

    static void bias_add(ChannelLayout l, const T* b, T* y) { timed("bias_add", [&] { Inner::bias_add(l, b, y); }); }
    static void bias_grad(ChannelLayout l, const T* dy, T* db) { timed("bias_grad", [&] { Inner::bias_grad(l, dy, db); }); }

    template <class F, class... X>
    static void indexed_map(ChannelLayout l, const F& f, T* y, const X*... x) {
        timed("indexed_map", [&] { Inner::indexed_map(l, f, y, x...); });
    }
    template <class F, class... X>
    static void channel_sum(ChannelLayout l, const F& f, double* s, const X*... x) {
        timed("channel_sum", [&] { Inner::channel_sum(l, f, s, x...); });
    }
    template <class F, class... X>
    static void position_sum(ChannelLayout l, const F& f, double* s, const X*... x) {
        timed("position_sum", [&] { Inner::position_sum(l, f, s, x...); });
    }
    template <class F, class... X>
    static void position_max(ChannelLayout l, const F& f, double* s, const X*... x) {
        timed("position_max", [&] { Inner::position_max(l, f, s, x...); });
    }

    template <class W>
    static void batch_norm_train(ChannelLayout l, double eps, const T* x, const W* w, const W* b, T* y, double* mean,
                                 double* invstd, double* sq) {
        timed("batch_norm_train", [&] { Inner::batch_norm_train(l, eps, x, w, b, y, mean, invstd, sq); });
    }
    template <class W>
    static void batch_norm_train_backward(ChannelLayout l, const T* x, const T* dy, const W* w, const double* mean,
                                          const double* invstd, T* dx, double* sum_dy, double* sum_xdy) {
        timed("batch_norm_train_backward",
              [&] { Inner::batch_norm_train_backward(l, x, dy, w, mean, invstd, dx, sum_dy, sum_xdy); });
    }

    template <class G>
    static void im2col(const T* x, std::size_t n, T* col) { timed("im2col", [&] { Inner::template im2col<G>(x, n, col); }); }
    template <class G>
    static void col2im(const T* col, std::size_t n, const T* b, T* x) {
        timed("col2im", [&] { Inner::template col2im<G>(col, n, b, x); });
    }
    static void planes_to_channels(ChannelLayout l, const T* x, T* y) {
        timed("planes_to_channels", [&] { Inner::planes_to_channels(l, x, y); });
    }
    static void channels_to_planes(ChannelLayout l, const T* y, const T* b, T* x) {
        timed("channels_to_planes", [&] { Inner::channels_to_planes(l, y, b, x); });
    }

    template <class G>
    static void window_max(std::size_t planes, const T* x, T* y, std::uint32_t* arg) {
        timed("window_max", [&] { Inner::template window_max<G>(planes, x, y, arg); });
    }
    template <class G>
    static void take(std::size_t planes, const T* x, const std::uint32_t* arg, T* y) {
        timed("take", [&] { Inner::template take<G>(planes, x, arg, y); });
    }
    template <class G>
    static void put_add(std::size_t planes, const T* y, const std::uint32_t* arg, T* x) {
        timed("put_add", [&] { Inner::template put_add<G>(planes, y, arg, x); });
    }
    template <class G>
    static void window_sum(std::size_t planes, T divisor, const T* x, T* y) {
        timed("window_sum", [&] { Inner::template window_sum<G>(planes, divisor, x, y); });
    }
    template <class G>
    static void window_spread(std::size_t planes, T divisor, const T* y, T* x) {
        timed("window_spread", [&] { Inner::template window_spread<G>(planes, divisor, y, x); });
    }
    static void copy_blocks(const Blocks& b, const T* src, T* dst) { timed("copy_blocks", [&] { Inner::copy_blocks(b, src, dst); }); }

    static void adam_update(std::size_t n, T* p, T* g, T* m, T* v, const AdamStep<T>& k) {
        timed("adam_update", [&] { Inner::adam_update(n, p, g, m, v, k); });
    }
    static void rmsprop_update(std::size_t n, T* p, T* g, T* s, T* a, T* b, const RmspropStep<T>& k) {
        timed("rmsprop_update", [&] { Inner::rmsprop_update(n, p, g, s, a, b, k); });
    }
    static void sgd_update(std::size_t n, T* p, T* g, T* b, const SgdStep<T>& k) {
        timed("sgd_update", [&] { Inner::sgd_update(n, p, g, b, k); });
    }

private:
    template <class Call>
    static void timed(const char* name, Call&& call, double flops = 0) {
        const auto start = std::chrono::steady_clock::now();
        call();
        if constexpr (requires { Inner::synchronize(); }) Inner::synchronize();
        kernel_profile().add(name, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), flops);
    }
};

}  // namespace xgan::backend
