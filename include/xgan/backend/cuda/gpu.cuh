#pragma once
// The GPU executor of the CUDA backend's kernel bodies (backend/cuda/kernels/): items run in
// a grid of 256-thread blocks over a grid-stride loop; a per-group sum is one block per group,
// reduced in double by warp shuffles (no atomics, so the same inputs give the same bits);
// storage is DeviceVector from the caching pool, GEMMs are cuBLAS. Everything goes to the
// runtime's one stream (runtime.hpp).
#include <algorithm>
#include <cstddef>
#include <numeric>
#include <type_traits>
#include <vector>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cuda/device_buffer.hpp"
#include "xgan/backend/cuda/runtime.hpp"

namespace xgan::backend::cuda {

namespace launch {

inline constexpr unsigned block_threads = 256;

// Blocks for n items, one item per thread up to a cap (the loop strides past it).
inline unsigned grid_for(std::size_t n) {
    return unsigned(std::clamp<std::size_t>((n + block_threads - 1) / block_threads, 1, std::size_t(1) << 20));
}

// The sum of v over the block's threads, valid in thread 0; every thread must call it.
__device__ inline double block_sum(double v) {
    __shared__ double warp_sums[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < blockDim.x / 32 ? warp_sums[lane] : 0.0;
        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    }
    return v;
}

template <class Body>
__global__ void items(std::size_t n, Body body) {
    const std::size_t stride = std::size_t(gridDim.x) * blockDim.x;
    for (std::size_t k = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; k < n; k += stride) body(k);
}

template <class Term, class Finish>
__global__ void group_sums(std::size_t count, Term term, Finish finish) {  // block g: group g
    double s = 0;
    for (std::size_t j = threadIdx.x; j < count; j += blockDim.x) s += term(blockIdx.x, j);
    s = block_sum(s);
    if (threadIdx.x == 0) finish(blockIdx.x, s);
}

template <class Term>
__global__ void partial_sums(std::size_t n, Term term, double* partial) {
    const std::size_t stride = std::size_t(gridDim.x) * blockDim.x;
    double s = 0;
    for (std::size_t k = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; k < n; k += stride) s += term(0, k);
    s = block_sum(s);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

}  // namespace launch

struct Gpu {
    static constexpr bool host_memory = false;
    template <class U>
    using buffer = DeviceVector<U>;

    template <class U>
    static void copy(const U* x, std::size_t n, U* y) {
        if (n) check(cudaMemcpyAsync(y, x, n * sizeof(U), cudaMemcpyDeviceToDevice, stream()), "copy");
    }
    // Both host copies wait for the stream: the host memory may be gone after the call.
    template <class U>
    static void copy_from_host(const U* h, std::size_t n, U* y) {
        if (n) check(cudaMemcpyAsync(y, h, n * sizeof(U), cudaMemcpyHostToDevice, stream()), "copy_from_host");
        Runtime::get().synchronize();
    }
    template <class U>
    static void copy_to_host(const U* x, std::size_t n, U* h) {
        if (n) check(cudaMemcpyAsync(h, x, n * sizeof(U), cudaMemcpyDeviceToHost, stream()), "copy_to_host");
        Runtime::get().synchronize();
    }

    static void synchronize() { Runtime::get().synchronize(); }

    // body(k) for k in [0, n).
    template <class Body>
    static void items(std::size_t n, const Body& body) {
        if (n == 0) return;
        launch::items<<<launch::grid_for(n), launch::block_threads, 0, stream()>>>(n, body);
        check_launch("items");
    }
    // finish(g, sum_j term(g, j)) for every group g < groups, j < count.
    template <class Term, class Finish>
    static void group_sums(std::size_t groups, std::size_t count, const Term& term, const Finish& finish) {
        if (groups == 0) return;
        launch::group_sums<<<unsigned(groups), launch::block_threads, 0, stream()>>>(count, term, finish);
        check_launch("group_sums");
    }
    // sum_k term(0, k) on the host: per-block sums on the device over a grid fixed by n.
    template <class Term>
    static double sum(std::size_t n, const Term& term) {
        if (n == 0) return 0;
        const unsigned blocks = std::min(launch::grid_for(n), 1024u);
        DeviceVector<double> partial(blocks);
        launch::partial_sums<<<blocks, launch::block_threads, 0, stream()>>>(n, term, partial.data());
        check_launch("sum");
        std::vector<double> h(blocks);
        copy_to_host(partial.data(), blocks, h.data());
        return std::accumulate(h.begin(), h.end(), 0.0);
    }

    // cuBLAS is column-major: the row-major C = op(A) op(B) is the column-major
    // C^T = op(B)^T op(A)^T, so the operands go in swapped. With beta = 0, C is not read.
    template <class T>
    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                     T* c, int ldc) {
        if (m == 0 || n == 0) return;
        const cublasOperation_t opa = ta == Trans::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
        const cublasOperation_t opb = tb == Trans::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
        cublasHandle_t h = Runtime::get().blas();
        if constexpr (std::is_same_v<T, float>)
            check(cublasSgemm(h, opb, opa, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc), "cublasSgemm");
        else
            check(cublasDgemm(h, opb, opa, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc), "cublasDgemm");
    }
};

}  // namespace xgan::backend::cuda
