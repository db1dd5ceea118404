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

// Items of about `work` scalars each get a grain that amortises TBB's per-task cost.
inline std::size_t grain_for(std::size_t work) { return std::max<std::size_t>(1, 8192 / std::max<std::size_t>(work, 1)); }

}  // namespace xgan::backend::cpu
