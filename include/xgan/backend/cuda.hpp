#pragma once
// The CUDA backend, xgan::Cuda (float): backend/cuda/cuda_backend.hpp. For translation units
// compiled by nvcc (CMake: XGAN_CUDA=ON, target xgan::cuda).
#if !defined(__CUDACC__)
#error "xgan/backend/cuda.hpp needs nvcc: compile this file as CUDA (a .cu file, or LANGUAGE CUDA in CMake)"
#endif
#include "xgan/backend/cuda/cuda_backend.hpp"
