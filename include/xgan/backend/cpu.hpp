#pragma once
// The CPU backend: the primitives every layer's math is written against. GEMM goes to
// OpenBLAS (cblas), loops over the batch to oneTBB. A backend is a policy type; CpuBackend<T>
// is parameterised by the scalar so that the gradient checker can run any layer in double.
//
// A backend provides: scalar, buffer<U>, gemm, parallel_for. The CUDA backend will provide
// the same names over device memory.
#include "xgan/backend/cblas.hpp"
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cstddef>
#include <type_traits>

#include "xgan/backend/aligned_buffer.hpp"

namespace xgan::backend {

enum class Trans { no, yes };

template <class T>
struct CpuBackend {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "xgan: CpuBackend takes float or double");
    using scalar = T;
    template <class U = T>
    using buffer = AlignedVector<U>;

    // Row-major C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C.
    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb,
                     T beta, T* c, int ldc) {
        const auto opa = ta == Trans::yes ? CblasTrans : CblasNoTrans;
        const auto opb = tb == Trans::yes ? CblasTrans : CblasNoTrans;
        if constexpr (std::is_same_v<T, float>)
            cblas_sgemm(CblasRowMajor, opa, opb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            cblas_dgemm(CblasRowMajor, opa, opb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    // body(begin, end) over [0, n) in chunks of at least grain; serial when n <= grain.
    template <class Body>
    static void parallel_for(std::size_t n, std::size_t grain, Body&& body) {
        if (n <= grain) {
            body(std::size_t{0}, n);
            return;
        }
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                          [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); },
                          tbb::simple_partitioner{});
    }
};

using Cpu = CpuBackend<float>;
using CpuF64 = CpuBackend<double>;

}  // namespace xgan::backend

namespace xgan {
using backend::Cpu;
using backend::CpuF64;
}  // namespace xgan
