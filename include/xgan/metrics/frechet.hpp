#pragma once
// Frechet distance between two Gaussians fitted to feature sets (the "FID" of pytorch-fid, on
// whatever features the caller extracts; `xgan eval` uses 128-d classifier features).
//
//   auto real = xgan::metrics::gaussian_stats(real_features, n_real, 128);  // row-major [n, 128]
//   auto fake = xgan::metrics::gaussian_stats(fake_features, n_fake, 128);
//   double fd = xgan::metrics::frechet_distance(real, fake);
//
//   d^2 = ||mu_a - mu_b||^2 + Tr(A) + Tr(B) - 2 Tr(sqrt(A^{1/2} B A^{1/2}))
//
// The last trace equals Tr(sqrtm(A B)) as pytorch-fid computes it with scipy, but is taken from
// two symmetric eigendecompositions (LAPACK syevd through xtensor-blas): sqrt(A) from the
// eigenpairs of A, then the eigenvalues of the symmetric PSD M = sqrt(A) B sqrt(A). Eigenvalues
// that rounding pushed below 0 are clamped to 0, so singular covariances (fewer samples than
// dimensions) need no eps offset and never yield complex parts.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "xgan/backend/xtensor.hpp"
#include "xgan/core/error.hpp"

namespace xgan::metrics {

// Mean and covariance of `count` samples of dimension `dim`.
struct GaussianStats {
    std::size_t dim = 0;
    std::size_t count = 0;
    std::vector<double> mean;  // [dim]
    std::vector<double> cov;   // [dim, dim], row-major, unbiased (divides by N - 1) like numpy.cov
};

// Mean and unbiased covariance of n row-major feature vectors features[n, dim], accumulated in
// double (two passes: mean, then the centred cross products). Throws xgan::Error when n < 2,
// dim == 0 or a feature is NaN/Inf (naming the sample and feature).
inline GaussianStats gaussian_stats(const float* features, std::size_t n, std::size_t dim) {
    if (n < 2)
        throw Error("gaussian_stats: at least 2 samples are needed for a covariance, got " + std::to_string(n));
    if (dim == 0) throw Error("gaussian_stats: feature dimension is 0");
    if (features == nullptr) throw Error("gaussian_stats: features is null");
    GaussianStats s;
    s.dim = dim;
    s.count = n;
    s.mean.assign(dim, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const float* row = features + i * dim;
        for (std::size_t j = 0; j < dim; ++j) {
            if (!std::isfinite(row[j]))
                throw Error("gaussian_stats: feature [" + std::to_string(i) + ", " + std::to_string(j) + "] of [" +
                            std::to_string(n) + ", " + std::to_string(dim) + "] is " + std::to_string(row[j]));
            s.mean[j] += static_cast<double>(row[j]);
        }
    }
    for (double& m : s.mean) m /= static_cast<double>(n);

    // Centred samples X [n, dim]; cov = X^T X / (n - 1) through BLAS gemm.
    xt::xtensor<double, 2> x = xt::empty<double>({n, dim});
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < dim; ++j) x(i, j) = static_cast<double>(features[i * dim + j]) - s.mean[j];
    const auto xtx = xt::linalg::dot(xt::transpose(x), x);  // [dim, dim]
    s.cov.resize(dim * dim);
    const double inv = 1.0 / static_cast<double>(n - 1);
    for (std::size_t r = 0; r < dim; ++r)
        for (std::size_t c = 0; c <= r; ++c) {
            // Average the two triangles so the result is exactly symmetric.
            const double v = 0.5 * (xtx(r, c) + xtx(c, r)) * inv;
            s.cov[r * dim + c] = v;
            s.cov[c * dim + r] = v;
        }
    return s;
}

namespace detail {

inline void check_stats(const GaussianStats& s, const char* which) {
    const std::string w = std::string("frechet_distance: stats ") + which;
    if (s.dim == 0) throw Error(w + " have dimension 0");
    if (s.mean.size() != s.dim || s.cov.size() != s.dim * s.dim)
        throw Error(w + ": mean has " + std::to_string(s.mean.size()) + " values and cov " +
                    std::to_string(s.cov.size()) + ", expected " + std::to_string(s.dim) + " and " +
                    std::to_string(s.dim * s.dim));
    for (double v : s.mean)
        if (!std::isfinite(v)) throw Error(w + ": mean holds NaN/Inf");
    for (double v : s.cov)
        if (!std::isfinite(v)) throw Error(w + ": cov holds NaN/Inf");
}

// cov as a symmetric [dim, dim] xtensor (the mean of it and its transpose).
inline xt::xtensor<double, 2> symmetric_matrix(const GaussianStats& s) {
    const std::size_t d = s.dim;
    xt::xtensor<double, 2> m = xt::empty<double>({d, d});
    for (std::size_t r = 0; r < d; ++r)
        for (std::size_t c = 0; c < d; ++c) m(r, c) = 0.5 * (s.cov[r * d + c] + s.cov[c * d + r]);
    return m;
}

}  // namespace detail

// Squared Frechet distance between N(a.mean, a.cov) and N(b.mean, b.cov) (what FID reports;
// no square root is taken). Throws xgan::Error when the dimensions differ, the stats are
// inconsistent or hold NaN/Inf, or LAPACK does not converge. Rounding can make the exact
// expression a tiny negative number for identical inputs; the result is clamped at 0.
inline double frechet_distance(const GaussianStats& a, const GaussianStats& b) {
    if (a.dim != b.dim)
        throw Error("frechet_distance: dimension mismatch: " + std::to_string(a.dim) + " vs " +
                    std::to_string(b.dim));
    detail::check_stats(a, "a");
    detail::check_stats(b, "b");
    const std::size_t d = a.dim;

    double mean_term = 0, trace_a = 0, trace_b = 0;
    for (std::size_t i = 0; i < d; ++i) {
        const double diff = a.mean[i] - b.mean[i];
        mean_term += diff * diff;
        trace_a += a.cov[i * d + i];
        trace_b += b.cov[i * d + i];
    }

    double trace_sqrt = 0;
    try {
        const xt::xtensor<double, 2> ma = detail::symmetric_matrix(a);
        const xt::xtensor<double, 2> mb = detail::symmetric_matrix(b);
        // sqrt(A) = V diag(sqrt(max(w, 0))) V^T from A = V diag(w) V^T.
        const auto [w, v] = xt::linalg::eigh(ma);
        xt::xtensor<double, 2> vs = v;  // V with column k scaled by sqrt(w_k)
        for (std::size_t k = 0; k < d; ++k) {
            const double root = std::sqrt(std::max(w(k), 0.0));
            for (std::size_t r = 0; r < d; ++r) vs(r, k) *= root;
        }
        const xt::xtensor<double, 2> sqrt_a = xt::linalg::dot(vs, xt::transpose(v));
        xt::xtensor<double, 2> m = xt::linalg::dot(xt::linalg::dot(sqrt_a, mb), sqrt_a);
        for (std::size_t r = 0; r < d; ++r)
            for (std::size_t c = 0; c < r; ++c) m(r, c) = m(c, r) = 0.5 * (m(r, c) + m(c, r));
        const auto ev = xt::linalg::eigvalsh(m);
        for (std::size_t k = 0; k < d; ++k) trace_sqrt += std::sqrt(std::max(ev(k), 0.0));
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(std::string("frechet_distance: eigendecomposition failed: ") + e.what());
    }

    const double fd = mean_term + trace_a + trace_b - 2.0 * trace_sqrt;
    if (!std::isfinite(fd)) throw Error("frechet_distance: result is not finite");
    return std::max(fd, 0.0);
}

}  // namespace xgan::metrics
