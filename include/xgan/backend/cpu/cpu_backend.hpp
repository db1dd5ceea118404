#pragma once
// CpuBackend<T>: the Backend concept (backend/backend.hpp) on the CPU. GEMMs go to OpenBLAS
// (cblas), loops over independent items to oneTBB, element-wise passes to xsimd. The scalar is
// a parameter so that the gradient checker can run any layer in double.
#include <cstddef>
#include <type_traits>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cpu/aligned_buffer.hpp"
#include "xgan/backend/cpu/channels.hpp"
#include "xgan/backend/cpu/elementwise.hpp"
#include "xgan/backend/cpu/gemm.hpp"
#include "xgan/backend/cpu/optimizer_updates.hpp"
#include "xgan/backend/cpu/parallel.hpp"

namespace xgan::backend {

template <class T>
struct CpuBackend {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "xgan: CpuBackend takes float or double");
    using scalar = T;
    template <class U = T>
    using buffer = AlignedVector<U>;

    static void fill(T* x, std::size_t n, T v) { cpu::fill(x, n, v); }
    static void copy(const T* x, std::size_t n, T* y) { cpu::copy(x, n, y); }
    static void copy_from_host(const T* h, std::size_t n, T* y) { cpu::copy(h, n, y); }
    static void copy_to_host(const T* x, std::size_t n, T* h) { cpu::copy(x, n, h); }

    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                     T* c, int ldc) {
        cpu::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    template <class F, class... X>
    static void map(std::size_t n, const F& f, T* y, const X*... x) {
        cpu::map(n, f, y, x...);
    }
    template <class F, class... X>
    static double sum(std::size_t n, const F& f, const X*... x) {
        return cpu::sum(n, f, x...);
    }

    static void bias_add(ChannelLayout l, const T* b, T* y) { cpu::bias_add(l, b, y); }
    static void bias_grad(ChannelLayout l, const T* dy, T* db) { cpu::bias_grad(l, dy, db); }

    static void adam_update(std::size_t n, T* p, T* g, T* m, T* v, const AdamStep<T>& k) { cpu::adam_update(n, p, g, m, v, k); }
    static void rmsprop_update(std::size_t n, T* p, T* g, T* s, T* a, T* b, const RmspropStep<T>& k) {
        cpu::rmsprop_update(n, p, g, s, a, b, k);
    }
    static void sgd_update(std::size_t n, T* p, T* g, T* b, const SgdStep<T>& k) { cpu::sgd_update(n, p, g, b, k); }

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
