// MaxPool2d: PyTorch's output size, window maxima with the first maximum on ties, gradients
// routed to the argmax (adding up where windows overlap). AvgPool2d: window means and their
// gradients against PyTorch (goldens from tests/data/make_avg_pool_goldens.py).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "goldens.hpp"
#include "xgan/layers/pooling.hpp"
#include "xgan/testing/gradcheck.hpp"
#include "tangent_check.hpp"

using namespace xgan;

TEST_CASE("MaxPool2d output size and name") {
    static_assert(std::is_same_v<bind_t<MaxPool2d<2>, Shape<3, 8, 8>, Cpu>::output_shape, Shape<3, 4, 4>>);
    static_assert(std::is_same_v<bind_t<MaxPool2d<2>, Shape<3, 7, 5>, Cpu>::output_shape, Shape<3, 3, 2>>);
    static_assert(std::is_same_v<bind_t<MaxPool2d<3, 2>, Shape<1, 7, 6>, Cpu>::output_shape, Shape<1, 3, 2>>);
    static_assert(std::is_same_v<bind_t<MaxPool2d<3, 1>, Shape<2, 3, 3>, Cpu>::output_shape, Shape<2, 1, 1>>);
    static_assert(Layer<bind_t<MaxPool2d<2>, Shape<3, 8, 8>, Cpu>>);
    CHECK(bind_t<MaxPool2d<2>, Shape<3, 8, 8>, Cpu>::name() ==
          "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
    CHECK(bind_t<MaxPool2d<3, 1>, Shape<3, 8, 8>, Cpu>::name() ==
          "MaxPool2d(kernel_size=3, stride=1, padding=0, dilation=1, ceil_mode=False)");
}

TEST_CASE("MaxPool2d takes window maxima - ties go to the first, the gradient to the argmax") {
    bind_t<MaxPool2d<2>, Shape<1, 2, 5>, Cpu> pool;  // the last column is dropped (floor)
    Tensor<Shape<1, 2, 5>, Cpu> x(1), dx;
    const float v[] = {1, 3, 2, 2, 9,
                       3, 0, 2, 2, 9};
    std::copy(v, v + 10, x.data());
    Tensor<Shape<1, 1, 2>, Cpu> y, dy(1);
    pool.forward(x, y, Mode::train);
    CHECK(y[0] == 3);
    CHECK(y[1] == 2);
    dy[0] = 10;
    dy[1] = 20;
    pool.backward(x, y, dy, &dx, ParamGrads::accumulate);
    const float want[] = {0, 10, 20, 0, 0,
                          0, 0, 0, 0, 0};  // window 1: the first 3 (row-major); window 2: the first 2
    for (std::size_t i = 0; i < 10; ++i) CHECK(dx[i] == want[i]);
}

TEST_CASE("MaxPool2d propagates NaN, as PyTorch") {
    bind_t<MaxPool2d<2>, Shape<1, 2, 2>, Cpu> pool;
    Tensor<Shape<1, 2, 2>, Cpu> x(1);
    x[0] = 1;
    x[1] = std::numeric_limits<float>::quiet_NaN();
    x[2] = 5;
    x[3] = 2;
    Tensor<Shape<1, 1, 1>, Cpu> y;
    pool.forward(x, y, Mode::train);
    CHECK(std::isnan(y[0]));
}

TEST_CASE("MaxPool2d with overlapping windows adds the gradients of every window") {
    bind_t<MaxPool2d<2, 1>, Shape<1, 3, 3>, Cpu> pool;
    Tensor<Shape<1, 3, 3>, Cpu> x(1), dx;
    for (std::size_t i = 0; i < 9; ++i) x[i] = 0;
    x[4] = 1;  // the centre is the maximum of all four windows
    Tensor<Shape<1, 2, 2>, Cpu> y, dy(1);
    pool.forward(x, y, Mode::train);
    for (std::size_t i = 0; i < 4; ++i) dy[i] = float(i + 1);
    pool.backward(x, y, dy, &dx, ParamGrads::accumulate);
    CHECK(dx[4] == 10);
    for (std::size_t i = 0; i < 9; ++i)
        if (i != 4) CHECK(dx[i] == 0);
}

TEST_CASE("MaxPool2d gradcheck in train and eval mode") {
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::gradcheck<MaxPool2d<2>, Shape<3, 5, 4>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<MaxPool2d<3, 2>, Shape<2, 7, 6>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<MaxPool2d<2, 1>, Shape<2, 4, 5>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}

TEST_CASE("MaxPool2d tangent passes against finite differences") {
    static_assert(HasTangentPasses<bind_t<MaxPool2d<2>, Shape<3, 5, 4>, Cpu>>);
    auto r = testing::tangent_check<bind_t<MaxPool2d<2>, Shape<3, 5, 4>, CpuF64>>();
    CHECK_MESSAGE(r.ok, r.report());
    r = testing::tangent_check<bind_t<MaxPool2d<3, 2>, Shape<2, 7, 6>, CpuF64>>();
    CHECK_MESSAGE(r.ok, r.report());
}

TEST_CASE("AvgPool2d output size and name") {
    static_assert(std::is_same_v<bind_t<AvgPool2d<2>, Shape<3, 8, 8>, Cpu>::output_shape, Shape<3, 4, 4>>);
    static_assert(std::is_same_v<bind_t<AvgPool2d<3, 2>, Shape<1, 7, 6>, Cpu>::output_shape, Shape<1, 3, 2>>);
    CHECK(bind_t<AvgPool2d<2>, Shape<3, 8, 8>, Cpu>::name() == "AvgPool2d(kernel_size=2, stride=2, padding=0)");
    static_assert(HasTangentPasses<bind_t<AvgPool2d<2>, Shape<3, 8, 8>, Cpu>>);
}

namespace {
template <class Spec, ShapeType In>
void check_avg_pool_golden(const char* name) {
    const auto& g = xgan_test::json_goldens("avg_pool_goldens.json").at(name);
    using L = bind_t<Spec, In, Cpu>;
    L pool;
    const auto xs = g.at("x").get<std::vector<float>>(), r = g.at("r").get<std::vector<float>>();
    Tensor<In, Cpu> x(2), dx;
    REQUIRE(xs.size() == x.size());
    std::copy(xs.begin(), xs.end(), x.data());
    Tensor<typename L::output_shape, Cpu> y, dy(2);
    pool.forward(x, y, Mode::train);
    CHECK(g.at("y_shape").get<std::vector<std::size_t>>() ==
          std::vector<std::size_t>{2, L::output_shape::dims[0], L::output_shape::dims[1], L::output_shape::dims[2]});
    xgan_test::check_close("y", y.data(), g.at("y").get<std::vector<float>>());
    std::copy(r.begin(), r.end(), dy.data());
    pool.backward(x, y, dy, &dx, ParamGrads::accumulate);
    xgan_test::check_close("dx", dx.data(), g.at("dx").get<std::vector<float>>());
}
}  // namespace

TEST_CASE("AvgPool2d matches PyTorch, forward and backward, with and without overlapping windows") {
    check_avg_pool_golden<AvgPool2d<2>, Shape<3, 6, 4>>("k2");
    check_avg_pool_golden<AvgPool2d<3, 2>, Shape<2, 7, 6>>("k3s2");
}

TEST_CASE("AvgPool2d gradcheck and tangent passes against finite differences") {
    auto r = testing::gradcheck<AvgPool2d<2>, Shape<3, 5, 4>>();
    CHECK_MESSAGE(r.ok, r.report());
    r = testing::gradcheck<AvgPool2d<3, 2>, Shape<2, 7, 6>>();
    CHECK_MESSAGE(r.ok, r.report());
    auto t = testing::tangent_check<bind_t<AvgPool2d<3, 2>, Shape<2, 7, 6>, CpuF64>>();
    CHECK_MESSAGE(t.ok, t.report());
}
