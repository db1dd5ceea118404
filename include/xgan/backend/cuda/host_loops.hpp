#pragma once
// HostLoops: the CUDA backend's kernel bodies run by plain loops on the host, with host
// storage. It is how the GPU kernels' index arithmetic and reductions are checked against the
// reference backend on machines without a GPU (KernelBackend<T, HostLoops> in
// tests/test_cuda_kernels.cpp); what it cannot check is the launch itself (gpu.cuh) and cuBLAS.
#include <cstddef>
#include <vector>

#include "xgan/backend/backend.hpp"

namespace xgan::backend::cuda {

struct HostLoops {
    static constexpr bool host_memory = true;
    template <class U>
    using buffer = std::vector<U>;

    template <class U>
    static void copy(const U* x, std::size_t n, U* y) {
        for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
    }
    template <class U>
    static void copy_from_host(const U* h, std::size_t n, U* y) { copy(h, n, y); }
    template <class U>
    static void copy_to_host(const U* x, std::size_t n, U* h) { copy(x, n, h); }

    template <class Body>
    static void items(std::size_t n, const Body& body) {
        for (std::size_t k = 0; k < n; ++k) body(k);
    }
    template <class Term, class Finish>
    static void group_sums(std::size_t groups, std::size_t count, const Term& term, const Finish& finish) {
        for (std::size_t g = 0; g < groups; ++g) {
            double s = 0;
            for (std::size_t j = 0; j < count; ++j) s += term(g, j);
            finish(g, s);
        }
    }
    template <class Term>
    static double sum(std::size_t n, const Term& term) {
        double s = 0;
        for (std::size_t k = 0; k < n; ++k) s += term(0, k);
        return s;
    }

    template <class T>
    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                     T* c, int ldc) {
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) {
                double s = 0;
                for (int p = 0; p < k; ++p)
                    s += double(ta == Trans::no ? a[i * lda + p] : a[p * lda + i]) *
                         double(tb == Trans::no ? b[p * ldb + j] : b[j * ldb + p]);
                T& out = c[i * ldc + j];
                out = T(double(alpha) * s + (beta == T(0) ? 0.0 : double(beta) * double(out)));
            }
    }
};

}  // namespace xgan::backend::cuda
