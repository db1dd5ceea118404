// PixelNorm (layers/pixel_norm.hpp): output and input gradient against PyTorch
// (tests/data/pggan_layer_goldens.json, from make_pggan_layer_goldens.py), finite-difference
// gradient and tangent checks, names and shapes.
#include <doctest/doctest.h>

#include "goldens.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tangent_check.hpp"
#include "xgan/layers/pixel_norm.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

const nlohmann::json& goldens() { return xgan_test::json_goldens("pggan_layer_goldens.json"); }
using xgan_test::check_close;

// The golden case `key` (input of shape (batch, S)) through PixelNorm<> on backend B.
template <class S, class B>
void check_against_torch(const char* key, double rtol) {
    using T = typename B::scalar;
    const nlohmann::json& g = goldens()[key];
    const auto xv = g["x"].get<std::vector<double>>(), rv = g["r"].get<std::vector<double>>();
    const std::size_t n = g["shape"][0].get<std::size_t>();
    REQUIRE(xv.size() == n * S::size);
    bind_t<PixelNorm<>, S, B> layer;
    Tensor<S, B> x(n), y, r(n), dx;
    for (std::size_t i = 0; i < xv.size(); ++i) x[i] = T(xv[i]), r[i] = T(rv[i]);
    layer.forward(x, y, Mode::train);
    layer.backward(x, y, r, &dx, ParamGrads::accumulate);
    check_close(std::string(key) + " output", y.data(), g["out"].get<std::vector<double>>(), rtol);
    check_close(std::string(key) + " input gradient", dx.data(), g["grad_x"].get<std::vector<double>>(), rtol);
}

}  // namespace

TEST_CASE("PixelNorm: output and input gradient match PyTorch") {
    SUBCASE("double") {
        check_against_torch<Shape<5, 3, 4>, CpuF64>("pixel_norm_chw", 1e-12);
        check_against_torch<Shape<7>, CpuF64>("pixel_norm_c", 1e-12);
    }
    SUBCASE("float") {
        check_against_torch<Shape<5, 3, 4>, Cpu>("pixel_norm_chw", 1e-5);
        check_against_torch<Shape<7>, Cpu>("pixel_norm_c", 1e-5);
    }
}

TEST_CASE("PixelNorm: by hand - each position's channels scaled to unit mean square") {
    bind_t<PixelNorm<>, Shape<2, 1, 2>, CpuF64> layer;
    Tensor<Shape<2, 1, 2>, CpuF64> x(1), y;
    // position 0: channels (3, 4); position 1: channels (0, 0), which eps keeps finite
    const double in[4] = {3, 0, 4, 0};
    std::copy(in, in + 4, x.data());
    layer.forward(x, y, Mode::train);
    const double r = 1 / std::sqrt(12.5 + 1e-8);
    CHECK(y[0] == doctest::Approx(3 * r).epsilon(1e-14));
    CHECK(y[2] == doctest::Approx(4 * r).epsilon(1e-14));
    CHECK(y[1] == 0.0);
    CHECK(y[3] == 0.0);
}

TEST_CASE("PixelNorm: gradients and tangent passes match finite differences") {
    testing::GradcheckOptions o;
    o.batch = 3;
    auto r = testing::gradcheck<PixelNorm<>, Shape<5, 3, 4>>(o);
    CHECK_MESSAGE(r.ok, r.report());
    r = testing::gradcheck<PixelNorm<>, Shape<7>>(o);
    CHECK_MESSAGE(r.ok, r.report());
    r = testing::gradcheck<PixelNorm<Ratio{1, 10}>, Shape<3, 2, 2>>(o);  // eps that matters
    CHECK_MESSAGE(r.ok, r.report());

    r = testing::tangent_check<bind_t<PixelNorm<>, Shape<5, 3, 4>, CpuF64>>(o);
    CHECK_MESSAGE(r.ok, r.report());
    CHECK(r.checked > 0);
    r = testing::tangent_check<bind_t<PixelNorm<>, Shape<7>, CpuF64>>(o);
    CHECK_MESSAGE(r.ok, r.report());
    r = testing::tangent_check<bind_t<PixelNorm<Ratio{1, 10}>, Shape<3, 2, 2>, CpuF64>>(o);
    CHECK_MESSAGE(r.ok, r.report());
}

TEST_CASE("PixelNorm: name, shapes, no parameters, tangent passes") {
    using L = bind_t<PixelNorm<>, Shape<16, 4, 4>, Cpu>;
    static_assert(Layer<L>);
    static_assert(HasTangentPasses<L>);
    static_assert(std::is_same_v<L::output_shape, Shape<16, 4, 4>>);
    static_assert(L::parameter_count == 0);
    static_assert(std::is_same_v<bind_t<PixelNorm<>, Shape<32>, Cpu>::output_shape, Shape<32>>);
    CHECK(L::name() == "PixelNorm(eps=1e-08)");
    CHECK(bind_t<PixelNorm<Ratio{1, 100000}>, Shape<8>, Cpu>::name() == "PixelNorm(eps=1e-05)");
}
