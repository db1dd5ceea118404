#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/rng.hpp"
#include "xgan/metrics/frechet.hpp"

using xgan::metrics::frechet_distance;
using xgan::metrics::gaussian_stats;
using xgan::metrics::GaussianStats;

namespace {

// n samples of dimension d: x = mean + L z, z ~ N(0, I), with L a random lower-triangular
// matrix scaled by `scale` (so the covariance is non-diagonal).
std::vector<float> random_set(std::size_t n, std::size_t d, std::uint64_t seed, double shift, double scale) {
    xgan::Rng rng(seed);
    std::vector<double> l(d * d, 0.0);
    for (std::size_t r = 0; r < d; ++r)
        for (std::size_t c = 0; c <= r; ++c) l[r * d + c] = scale * (r == c ? 1.0 + rng.uniform() : 0.5 * rng.normal());
    std::vector<double> z(d);
    std::vector<float> x(n * d);
    for (std::size_t i = 0; i < n; ++i) {
        rng.fill_normal(z.data(), d);
        for (std::size_t r = 0; r < d; ++r) {
            double v = shift + 0.1 * double(r);
            for (std::size_t c = 0; c <= r; ++c) v += l[r * d + c] * z[c];
            x[i * d + r] = static_cast<float>(v);
        }
    }
    return x;
}

// A random d x d orthogonal matrix: Gram-Schmidt (QR) of a Gaussian matrix, row-major.
std::vector<double> random_orthogonal(std::size_t d, std::uint64_t seed) {
    xgan::Rng rng(seed);
    std::vector<double> q(d * d);
    rng.fill_normal(q.data(), q.size());
    for (std::size_t i = 0; i < d; ++i) {  // orthonormalise row i against rows 0..i-1 (twice, for accuracy)
        for (int pass = 0; pass < 2; ++pass)
            for (std::size_t j = 0; j < i; ++j) {
                double dot = 0;
                for (std::size_t k = 0; k < d; ++k) dot += q[i * d + k] * q[j * d + k];
                for (std::size_t k = 0; k < d; ++k) q[i * d + k] -= dot * q[j * d + k];
            }
        double norm = 0;
        for (std::size_t k = 0; k < d; ++k) norm += q[i * d + k] * q[i * d + k];
        norm = std::sqrt(norm);
        for (std::size_t k = 0; k < d; ++k) q[i * d + k] /= norm;
    }
    return q;
}

// y_i = Q x_i for every sample, computed in double and stored as float.
std::vector<float> rotate(const std::vector<float>& x, std::size_t d, const std::vector<double>& q) {
    std::vector<float> y(x.size());
    for (std::size_t i = 0; i < x.size() / d; ++i)
        for (std::size_t r = 0; r < d; ++r) {
            double v = 0;
            for (std::size_t c = 0; c < d; ++c) v += q[r * d + c] * double(x[i * d + c]);
            y[i * d + r] = static_cast<float>(v);
        }
    return y;
}

GaussianStats make_stats(std::vector<double> mean, std::vector<double> cov) {
    GaussianStats s;
    s.dim = mean.size();
    s.count = 100;
    s.mean = std::move(mean);
    s.cov = std::move(cov);
    return s;
}

double trace(const GaussianStats& s) {
    double t = 0;
    for (std::size_t i = 0; i < s.dim; ++i) t += s.cov[i * s.dim + i];
    return t;
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const xgan::Error& e) {
        return e.what();
    }
    return "(no xgan::Error thrown)";
}

}  // namespace

// Goldens in this file come from /tmp/goldens/fd.py (numpy 1.24.2, no scipy on the machine):
// mean, numpy.cov(X, rowvar=False), and the distance with Tr(sqrtm(A B)) taken as
// sum(sqrt(numpy.linalg.eigvals(A @ B))) -- a route independent of ours (non-symmetric eig of A B).
// The script:
//   def fd(m1, c1, m2, c2):
//       ev = np.linalg.eigvals(c1 @ c2)
//       return np.sum((m1 - m2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * np.sum(np.sqrt(np.abs(ev.real)))
//   X, Y as below, built as float32 then cast to float64.

namespace {
const std::vector<float> golden_x = {0.1f, 1.2f,  -0.5f, 1.3f, 0.4f, 0.9f, -0.7f, 2.1f, 0.3f,
                                     0.8f, -0.6f, 1.7f,  2.2f, 0.9f, -1.1f, -0.4f, 0.0f, 0.6f};  // [6, 3]
const std::vector<float> golden_y = {1.0f,  0.5f, 0.2f, 0.3f, -1.4f, 1.1f, 2.5f, 0.7f, 0.0f, -0.9f, 1.6f,
                                     -0.8f, 0.6f, 0.2f, 2.4f, 1.8f,  -0.3f, 0.5f, 0.0f, 1.1f, 1.3f};  // [7, 3]
}  // namespace

TEST_CASE("gaussian_stats matches numpy mean and numpy.cov (unbiased)") {
    const GaussianStats s = gaussian_stats(golden_x.data(), 6, 3);
    CHECK(s.dim == 3);
    CHECK(s.count == 6);
    const double mean[] = {0.5500000032285849, 0.6666666517655054, 0.31666667262713116};
    const double cov[] = {1.203000014394523,   -0.3059999824961033, -0.2870000329663356,
                          -0.3059999824961033, 0.9026666313807192,  -0.5773333516319594,
                          -0.2870000329663356, -0.5773333516319594, 1.0016667036215472};
    REQUIRE(s.mean.size() == 3);
    REQUIRE(s.cov.size() == 9);
    for (int i = 0; i < 3; ++i) CHECK(s.mean[i] == doctest::Approx(mean[i]).epsilon(1e-13));
    for (int i = 0; i < 9; ++i) CHECK(s.cov[i] == doctest::Approx(cov[i]).epsilon(1e-13));
}

TEST_CASE("frechet_distance between two sample sets matches numpy") {
    const GaussianStats a = gaussian_stats(golden_x.data(), 6, 3);
    const GaussianStats b = gaussian_stats(golden_y.data(), 7, 3);
    CHECK(frechet_distance(a, b) == doctest::Approx(0.37557180343328334).epsilon(1e-10));
    CHECK(frechet_distance(b, a) == doctest::Approx(0.37557180343328334).epsilon(1e-10));
}

TEST_CASE("frechet_distance of a set to itself is 0") {
    const std::size_t d = 32;
    const auto x = random_set(500, d, 7, 0.5, 1.0);
    const GaussianStats s = gaussian_stats(x.data(), 500, d);
    const double fd = frechet_distance(s, s);
    CHECK(fd >= 0.0);
    CHECK(fd <= 1e-9 * trace(s));
}

TEST_CASE("frechet_distance of diagonal Gaussians has the closed form") {
    // ||mu1 - mu2||^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2
    const std::vector<double> mu1 = {0.0, 1.0, -2.0, 0.5}, mu2 = {1.0, 1.0, 0.0, -0.5};
    const std::vector<double> a = {1.0, 4.0, 0.25, 2.0}, b = {9.0, 1.0, 0.25, 0.5};
    std::vector<double> ca(16, 0.0), cb(16, 0.0);
    double expected = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        ca[i * 4 + i] = a[i];
        cb[i * 4 + i] = b[i];
        expected += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + std::pow(std::sqrt(a[i]) - std::sqrt(b[i]), 2);
    }
    CHECK(frechet_distance(make_stats(mu1, ca), make_stats(mu2, cb)) == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("frechet_distance of non-diagonal Gaussians matches numpy") {
    const GaussianStats a = make_stats({0.5, -1.0, 2.0}, {2.0, 0.6, -0.3, 0.6, 1.5, 0.4, -0.3, 0.4, 1.0});
    const GaussianStats b = make_stats({0.0, 0.25, 1.5}, {1.0, -0.2, 0.1, -0.2, 0.8, 0.3, 0.1, 0.3, 2.2});
    CHECK(frechet_distance(a, b) == doctest::Approx(2.896031948315297).epsilon(1e-12));
    CHECK(frechet_distance(b, a) == doctest::Approx(2.896031948315297).epsilon(1e-12));
}

TEST_CASE("frechet_distance is invariant to a common rotation of both sets") {
    const std::size_t d = 12, n = 300;
    const auto x = random_set(n, d, 11, 0.0, 1.0);
    const auto y = random_set(n, d, 12, 0.3, 0.7);
    const auto q = random_orthogonal(d, 13);
    const double before = frechet_distance(gaussian_stats(x.data(), n, d), gaussian_stats(y.data(), n, d));
    const double after = frechet_distance(gaussian_stats(rotate(x, d, q).data(), n, d),
                                          gaussian_stats(rotate(y, d, q).data(), n, d));
    CHECK(before > 1.0);  // the sets really differ
    CHECK(after == doctest::Approx(before).epsilon(1e-5));  // features are float: ~1e-7 per value
}

TEST_CASE("frechet_distance with singular covariances (fewer samples than dimensions)") {
    // Shifting every sample by c keeps the covariance, so the distance is exactly ||c||^2 even
    // though the rank-4 covariances have 12 zero eigenvalues that rounding may push below 0.
    const std::size_t d = 16, n = 5;
    const auto x = random_set(n, d, 21, 0.0, 1.0);
    auto y = x;
    double c2 = 0;
    for (std::size_t j = 0; j < d; ++j) {
        const float c = 0.25f * float(j % 3);
        c2 += double(c) * double(c);
        for (std::size_t i = 0; i < n; ++i) y[i * d + j] += c;
    }
    const GaussianStats a = gaussian_stats(x.data(), n, d), b = gaussian_stats(y.data(), n, d);
    const double fd = frechet_distance(a, b);
    CHECK(std::isfinite(fd));
    CHECK(fd == doctest::Approx(c2).epsilon(1e-4));
    CHECK(frechet_distance(a, a) <= 1e-6 * trace(a));  // sqrt of clamped ~0 eigenvalues: ~sqrt(eps)
}

TEST_CASE("gaussian_stats and frechet_distance reject bad input clearly") {
    const std::vector<float> one = {1.0f, 2.0f, 3.0f};
    CHECK(error_of([&] { gaussian_stats(one.data(), 1, 3); }).find("at least 2 samples") != std::string::npos);
    CHECK(error_of([&] { gaussian_stats(one.data(), 0, 3); }).find("at least 2 samples") != std::string::npos);
    CHECK(error_of([&] { gaussian_stats(one.data(), 3, 0); }).find("dimension is 0") != std::string::npos);

    std::vector<float> bad = golden_x;
    bad[7] = std::numeric_limits<float>::quiet_NaN();
    CHECK(error_of([&] { gaussian_stats(bad.data(), 6, 3); }).find("feature [2, 1]") != std::string::npos);
    bad[7] = std::numeric_limits<float>::infinity();
    CHECK(error_of([&] { gaussian_stats(bad.data(), 6, 3); }).find("feature [2, 1]") != std::string::npos);

    const GaussianStats a = gaussian_stats(golden_x.data(), 6, 3);
    const GaussianStats b = gaussian_stats(golden_x.data(), 3, 6);
    CHECK(error_of([&] { frechet_distance(a, b); }).find("dimension mismatch: 3 vs 6") != std::string::npos);

    GaussianStats broken = a;
    broken.cov.pop_back();
    CHECK(error_of([&] { frechet_distance(a, broken); }).find("stats b") != std::string::npos);
    broken = a;
    broken.mean[0] = std::nan("");
    CHECK(error_of([&] { frechet_distance(broken, a); }).find("NaN") != std::string::npos);
}
