#pragma once
// The CPU backend's one thread pool: oneTBB loops over ranges of independent work items.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstddef>

namespace xgan::backend::cpu {

// body(begin, end) over [0, n) in chunks of at least grain; serial when n <= grain.
template <class Body>
void parallel_for(std::size_t n, std::size_t grain, Body&& body) {
    if (n <= grain) {
        body(std::size_t{0}, n);
        return;
    }
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                      [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); },
                      tbb::simple_partitioner{});
}

// body(begin, end) over [0, n) in blocks of `block` elements, one task per block. A block that
// is a multiple of the SIMD width keeps every element on the same (vector or scalar) path as
// one call over the whole range, so the split changes no result.
template <class Body>
void parallel_blocks(std::size_t n, std::size_t block, Body&& body) {
    parallel_for((n + block - 1) / block, 1,
                 [&](std::size_t b0, std::size_t b1) { body(b0 * block, std::min(n, b1 * block)); });
}

// Items of about `work` scalars each get a grain that amortises TBB's per-task cost.
inline std::size_t grain_for(std::size_t work) { return std::max<std::size_t>(1, 8192 / std::max<std::size_t>(work, 1)); }

}  // namespace xgan::backend::cpu
