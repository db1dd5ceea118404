// ZeroPad2d<Left, Right, Top, Bottom>: zeros around each image forward, the crop backward; with a
// stride-1 Conv2d it matches PyTorch's padding='same' for an even kernel (the goldens of
// tests/data/make_same_padding_goldens.py).
#include <doctest/doctest.h>

#include <vector>

#include "goldens.hpp"
#include "tangent_check.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/zero_pad.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

TEST_CASE("ZeroPad2d shapes and name") {
    using L = bind_t<ZeroPad2d<1, 2, 3, 0>, Shape<2, 5, 6>, Cpu>;
    static_assert(std::is_same_v<L::output_shape, Shape<2, 8, 9>>);
    static_assert(Layer<L>);
    CHECK(L::name() == "ZeroPad2d((1, 2, 3, 0))");
    CHECK(L::parameter_count == 0);
}

TEST_CASE("ZeroPad2d puts each image at (Top, Left) of zeros - backward crops") {
    bind_t<ZeroPad2d<1, 2, 2, 1>, Shape<2, 2, 3>, Cpu> pad;
    Tensor<Shape<2, 2, 3>, Cpu> x(2), dx;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i + 1);
    Tensor<Shape<2, 5, 6>, Cpu> y, dy(2);
    pad.forward(x, y, Mode::train);
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < 5; ++i)
                for (std::size_t j = 0; j < 6; ++j) {
                    const bool inside = i >= 2 && i < 4 && j >= 1 && j < 4;
                    const float want = inside ? x.sample(n)[(c * 2 + i - 2) * 3 + j - 1] : 0.0f;
                    CHECK(y.sample(n)[(c * 5 + i) * 6 + j] == want);
                }
    for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = float(i % 7) - 3;
    pad.backward(x, y, dy, &dx, ParamGrads::accumulate);
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < 2; ++i)
                for (std::size_t j = 0; j < 3; ++j)
                    CHECK(dx.sample(n)[(c * 2 + i) * 3 + j] == dy.sample(n)[(c * 5 + i + 2) * 6 + j + 1]);
}

TEST_CASE("ZeroPad2d gradcheck and tangent passes") {
    auto r = testing::gradcheck<ZeroPad2d<1, 2, 0, 3>, Shape<2, 3, 4>>();
    CHECK_MESSAGE(r.ok, r.report());
    static_assert(HasTangentPasses<bind_t<ZeroPad2d<1, 2, 1, 2>, Shape<2, 3, 4>, Cpu>>);
    auto t = testing::tangent_check<bind_t<ZeroPad2d<1, 2, 1, 2>, Shape<2, 3, 4>, CpuF64>>();
    CHECK_MESSAGE(t.ok, t.report());
}

TEST_CASE("ZeroPad2d<1, 2, 1, 2> then Conv2d(k=4) is PyTorch's padding='same'") {
    const auto& g = xgan_test::json_goldens("same_padding_goldens.json").at("conv4_same");
    using Net = bind_t<Sequential<ZeroPad2d<1, 2, 1, 2>, Conv2d<2, 3, 4>>, Shape<2, 5, 6>, Cpu>;
    static_assert(std::is_same_v<Net::output_shape, Shape<3, 5, 6>>);
    Net net;
    std::vector<StateEntry<float>> state;
    net.visit_state([&](const StateEntry<float>& e) { state.push_back(e); }, "");
    REQUIRE(state.size() == 2);
    CHECK(state[0].name == "1.weight");
    const auto w = g.at("w").get<std::vector<float>>(), b = g.at("b").get<std::vector<float>>();
    std::copy(w.begin(), w.end(), state[0].value);
    std::copy(b.begin(), b.end(), state[1].value);
    const auto xs = g.at("x").get<std::vector<float>>(), r = g.at("r").get<std::vector<float>>();
    Tensor<Shape<2, 5, 6>, Cpu> x(2), dx;
    std::copy(xs.begin(), xs.end(), x.data());
    const auto& y = net.forward(x, Mode::train);
    xgan_test::check_close("y", y.data(), g.at("y").get<std::vector<float>>());
    Tensor<Shape<3, 5, 6>, Cpu> dy(2);
    std::copy(r.begin(), r.end(), dy.data());
    net.backward(dy, &dx);
    xgan_test::check_close("dx", dx.data(), g.at("dx").get<std::vector<float>>());
    xgan_test::check_close("dw", state[0].grad, g.at("dw").get<std::vector<float>>());
    xgan_test::check_close("db", state[1].grad, g.at("db").get<std::vector<float>>());
}
