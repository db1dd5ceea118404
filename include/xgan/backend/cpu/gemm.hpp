#pragma once
// The CPU backend's GEMM: OpenBLAS (cblas) on blocks of the product, one block per TBB thread.
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cpu/cblas.hpp"

namespace xgan::backend::cpu {

// gemm on the calling thread.
template <class T>
void gemm_serial(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c,
                 int ldc) {
    const auto opa = ta == Trans::yes ? CblasTrans : CblasNoTrans;
    const auto opb = tb == Trans::yes ? CblasTrans : CblasNoTrans;
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, opa, opb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else
        cblas_dgemm(CblasRowMajor, opa, opb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

inline constexpr double gemm_split_above = 1 << 20;  // m*n*k below which one thread is faster
inline constexpr int gemm_min_block = 16;            // fewest columns (rows) per thread

// Row-major C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C.
// One thread pool does all the work: OpenBLAS is made single-threaded (once, at the first
// call) and a large product is split into one block of columns (or rows) per TBB thread.
// Two pools on the same cores, OpenBLAS's and TBB's, spin-wait against each other between
// GEMMs and the layers' TBB loops (measured: about 15% of a wgan-gp64 step on 2 cores).
// Every element of C still comes from one single-threaded GEMM over the whole k, so the
// result depends on the thread count only, not on the scheduling.
template <class T>
void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c,
          int ldc) {
    static const bool openblas_single = (openblas_set_num_threads(1), true);
    (void)openblas_single;
    const int parts = std::min(tbb::this_task_arena::max_concurrency(), std::max(m, n) / gemm_min_block);
    if (parts < 2 || double(m) * double(n) * double(k) < gemm_split_above) {
        gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    const bool by_columns = n >= m;
    const int len = by_columns ? n : m, block = (len + parts - 1) / parts;
    tbb::parallel_for(0, parts, [&](int p) {
        const int i0 = p * block, i1 = std::min(len, i0 + block);
        if (i0 >= i1) return;
        const std::size_t i = std::size_t(i0);
        if (by_columns)  // C[:, i0:i1] = op(A) op(B)[:, i0:i1]
            gemm_serial(ta, tb, m, i1 - i0, k, alpha, a, lda, tb == Trans::yes ? b + i * std::size_t(ldb) : b + i, ldb,
                        beta, c + i, ldc);
        else  // C[i0:i1, :] = op(A)[i0:i1, :] op(B)
            gemm_serial(ta, tb, i1 - i0, n, k, alpha, ta == Trans::yes ? a + i : a + i * std::size_t(lda), lda, b, ldb,
                        beta, c + i * std::size_t(ldc), ldc);
    });
}

}  // namespace xgan::backend::cpu
