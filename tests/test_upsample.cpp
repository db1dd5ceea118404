// Upsample<Scale>: nearest-neighbour copies forward, block sums backward.
#include <doctest/doctest.h>

#include "xgan/layers/upsample.hpp"
#include "xgan/testing/gradcheck.hpp"
#include "tangent_check.hpp"

using namespace xgan;

TEST_CASE("Upsample shapes and name") {
    static_assert(std::is_same_v<bind_t<Upsample<2>, Shape<3, 7, 5>, Cpu>::output_shape, Shape<3, 14, 10>>);
    static_assert(std::is_same_v<bind_t<Upsample<3>, Shape<1, 1, 2>, Cpu>::output_shape, Shape<1, 3, 6>>);
    static_assert(std::is_same_v<bind_t<Upsample<>, Shape<2, 4, 4>, Cpu>::output_shape, Shape<2, 8, 8>>);
    static_assert(Layer<bind_t<Upsample<2>, Shape<3, 7, 5>, Cpu>>);
    CHECK(bind_t<Upsample<2>, Shape<3, 7, 5>, Cpu>::name() == "Upsample(scale_factor=2.0, mode=nearest)");
    CHECK(bind_t<Upsample<2>, Shape<3, 7, 5>, Cpu>::parameter_count == 0);
}

TEST_CASE("Upsample copies each pixel into a Scale x Scale block - backward sums the block") {
    bind_t<Upsample<2>, Shape<2, 2, 3>, Cpu> up;
    Tensor<Shape<2, 2, 3>, Cpu> x(2), dx;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i);
    Tensor<Shape<2, 4, 6>, Cpu> y, dy(2);
    up.forward(x, y, Mode::train);
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < 4; ++i)
                for (std::size_t j = 0; j < 6; ++j)
                    CHECK(y.sample(n)[(c * 4 + i) * 6 + j] == x.sample(n)[(c * 2 + i / 2) * 3 + j / 2]);
    for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = float(i % 5);
    up.backward(x, y, dy, &dx, ParamGrads::accumulate);
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < 2; ++i)
                for (std::size_t j = 0; j < 3; ++j) {
                    float s = 0;
                    for (std::size_t a = 0; a < 2; ++a)
                        for (std::size_t b = 0; b < 2; ++b) s += dy.sample(n)[(c * 4 + 2 * i + a) * 6 + 2 * j + b];
                    CHECK(dx.sample(n)[(c * 2 + i) * 3 + j] == s);
                }
}

TEST_CASE("Upsample gradcheck in train and eval mode") {
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::gradcheck<Upsample<2>, Shape<3, 5, 4>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<Upsample<3>, Shape<2, 3, 1>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}

TEST_CASE("Upsample tangent passes against finite differences") {
    static_assert(HasTangentPasses<bind_t<Upsample<2>, Shape<3, 5, 4>, Cpu>>);
    auto r = testing::tangent_check<bind_t<Upsample<2>, Shape<3, 5, 4>, CpuF64>>();
    CHECK_MESSAGE(r.ok, r.report());
}
