#pragma once
// XGAN_HD marks the functions that a backend may call inside its kernels: the functors that
// layers, losses and objectives hand to Backend::map and friends, and what they call. Under
// nvcc it makes them callable on the GPU as well as on the host (__host__ __device__); every
// other compiler sees nothing.
#if defined(__CUDACC__)
#define XGAN_HD __host__ __device__
#else
#define XGAN_HD
#endif
