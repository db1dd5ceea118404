// Flatten and Reshape<D...> (layers/reshape.hpp).
#include <doctest/doctest.h>

#include <type_traits>

#include "xgan/layers/reshape.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

TEST_CASE("Flatten and Reshape: gradcheck") {
    auto flat = testing::gradcheck<Flatten, Shape<2, 3, 4>>();
    CHECK_MESSAGE(flat.ok, flat.report());
    CHECK(flat.checked == 64);
    auto re = testing::gradcheck<Reshape<2, 2, 3>, Shape<12>>();
    CHECK_MESSAGE(re.ok, re.report());
    CHECK(re.checked == 36);
}

TEST_CASE("Flatten and Reshape: output shapes and names") {
    using F = bind_t<Flatten, Shape<1, 28, 28>, Cpu>;
    static_assert(std::is_same_v<F::output_shape, Shape<784>>);
    static_assert(F::parameter_count == 0);
    static_assert(Layer<F>);
    CHECK(F::name() == "Flatten()");
    using R = bind_t<Reshape<1, 28, 28>, Shape<784>, Cpu>;
    static_assert(std::is_same_v<R::output_shape, Shape<1, 28, 28>>);
    static_assert(std::is_same_v<R::input_shape, Shape<784>>);
    CHECK(R::name() == "Reshape(1, 28, 28)");
    static_assert(std::is_same_v<bind_t<Reshape<6, 2>, Shape<3, 4>, Cpu>::output_shape, Shape<6, 2>>);
}

TEST_CASE("Flatten and Reshape: values keep NCHW order, batch by batch") {
    bind_t<Flatten, Shape<2, 2, 3>, Cpu> flat;
    Tensor<Shape<2, 2, 3>, Cpu> x(2);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i) * 0.5f - 3;
    Tensor<Shape<12>, Cpu> y;
    flat.forward(x, y, Mode::train);
    REQUIRE(y.batch() == 2);
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == x[i]);

    Tensor<Shape<12>, Cpu> dy(2);
    for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = float(i * i);
    Tensor<Shape<2, 2, 3>, Cpu> dx;
    flat.backward(x, y, dy, &dx, ParamGrads::skip);
    REQUIRE(dx.batch() == 2);
    for (std::size_t i = 0; i < dx.size(); ++i) CHECK(dx[i] == dy[i]);

    bind_t<Reshape<3, 4>, Shape<12>, Cpu> re;
    Tensor<Shape<3, 4>, Cpu> z;
    re.forward(y, z, Mode::eval);
    REQUIRE(z.batch() == 2);
    CHECK(z.sample(1)[5] == x.sample(1)[5]);
}
