#pragma once
// The CUDA backend's process-wide runtime: error checks that throw, the one stream every
// kernel, copy and cuBLAS call of the backend goes to (so work is ordered without events, and
// a copy to the host waits for everything before it), the cuBLAS handle bound to that stream,
// and the TF32 switch (off unless asked for: GEMMs are IEEE float by default).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace xgan::backend::cuda {

inline void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw std::runtime_error(std::string("xgan: CUDA ") + what + ": " + cudaGetErrorString(e));
}
inline void check(cublasStatus_t s, const char* what) {
    if (s != CUBLAS_STATUS_SUCCESS)
        throw std::runtime_error(std::string("xgan: cuBLAS ") + what + ": " + cublasGetStatusString(s));
}
// After a kernel launch: a bad configuration shows here, a fault at the next synchronisation.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

// How many CUDA devices this process can use: 0 where there is no GPU or no driver.
inline int device_count() {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError();  // clear the sticky "no device" error
        return 0;
    }
    return n;
}

class Runtime {
public:
    static Runtime& get() {
        static Runtime r;
        return r;
    }
    cudaStream_t stream() const { return stream_; }
    cublasHandle_t blas() const { return blas_; }

    // TF32 tensor cores for float GEMMs: faster on Ampere and later, 10-bit mantissas in the
    // products. An explicit choice, never a default.
    void allow_tf32(bool on) {
        check(cublasSetMathMode(blas_, on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    }
    // Waits for all work queued so far.
    void synchronize() const { check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize"); }

    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

private:
    Runtime() {
        check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
        check(cublasCreate(&blas_), "cublasCreate");
        check(cublasSetStream(blas_, stream_), "cublasSetStream");
        check(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    }
    ~Runtime() {  // at exit: errors no longer matter
        cublasDestroy(blas_);
        cudaStreamDestroy(stream_);
    }
    cudaStream_t stream_ = nullptr;
    cublasHandle_t blas_ = nullptr;
};

inline cudaStream_t stream() { return Runtime::get().stream(); }

}  // namespace xgan::backend::cuda
