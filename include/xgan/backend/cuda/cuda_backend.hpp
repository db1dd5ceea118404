#pragma once
// CudaBackend<T>: the Backend concept on an NVIDIA GPU: the kernel bodies of
// backend/cuda/kernels/ launched by the GPU executor (gpu.cuh: device memory from a caching
// pool, one stream, cuBLAS for GEMMs). Only translation units compiled by nvcc include it;
// CPU-only builds never see it (backend/cuda.hpp says so if one tries).
#include "xgan/backend/backend.hpp"
#include "xgan/backend/cuda/gpu.cuh"
#include "xgan/backend/cuda/kernel_backend.hpp"

namespace xgan::backend {

template <class T>
using CudaBackend = cuda::KernelBackend<T, cuda::Gpu>;

static_assert(Backend<CudaBackend<float>> && Backend<CudaBackend<double>>);

using Cuda = CudaBackend<float>;

}  // namespace xgan::backend

namespace xgan {
using backend::Cuda;
}  // namespace xgan
