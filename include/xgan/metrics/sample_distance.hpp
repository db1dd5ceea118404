#pragma once
// The spread of a set of samples, on host copies: the health monitor compares that of the
// fixed-noise samples with that of real ones to see mode collapse.
#include <cmath>
#include <cstddef>

namespace xgan::metrics {

// Mean Euclidean distance over all pairs of n samples of `size` values each.
inline double mean_pairwise_distance(const float* x, std::size_t n, std::size_t size) {
    if (n < 2) return 0;
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            double d = 0;
            for (std::size_t k = 0; k < size; ++k) {
                const double t = double(x[i * size + k]) - double(x[j * size + k]);
                d += t * t;
            }
            sum += std::sqrt(d);
        }
    return sum / (double(n) * double(n - 1) / 2);
}

}  // namespace xgan::metrics
