// Dropout: eval is the identity; train drops with probability p and scales by 1/(1-p);
// the layer's own seeded stream makes runs reproducible; backward uses the cached mask.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "xgan/layers/dropout.hpp"
#include "xgan/testing/gradcheck.hpp"
#include "tangent_check.hpp"

using namespace xgan;

TEST_CASE("Dropout name, shapes and state") {
    using L = bind_t<Dropout<>, Shape<3, 4>, Cpu>;
    CHECK(L::name() == "Dropout(p=0.5, inplace=False)");
    CHECK(bind_t<Dropout<ratio(0.25)>, Shape<7>, Cpu>::name() == "Dropout(p=0.25, inplace=False)");
    static_assert(std::is_same_v<L::output_shape, Shape<3, 4>>);
    static_assert(L::parameter_count == 0);
    static_assert(Layer<L>);
    L d;
    int entries = 0;
    d.visit_state([&](const StateEntry<float>&) { ++entries; }, "");
    CHECK(entries == 0);
}

TEST_CASE("Dropout in eval mode is the identity, forward and backward") {
    bind_t<Dropout<ratio(0.3)>, Shape<50>, Cpu> d;
    Rng rng(1);
    d.reset_parameters(rng, Init::pytorch);
    Tensor<Shape<50>, Cpu> x(4), y, dy(4), dx;
    rng.fill_normal(x.data(), x.size());
    rng.fill_normal(dy.data(), dy.size());
    d.forward(x, y, Mode::eval);
    d.backward(x, y, dy, &dx, ParamGrads::accumulate);
    for (std::size_t i = 0; i < x.size(); ++i) {
        CHECK(y[i] == x[i]);
        CHECK(dx[i] == dy[i]);
    }
}

TEST_CASE("Dropout in train mode drops a fraction p and scales the rest by 1/(1-p)") {
    constexpr double p = 0.3;
    bind_t<Dropout<ratio(p)>, Shape<1000>, Cpu> d;
    Rng rng(2);
    d.reset_parameters(rng, Init::pytorch);
    Tensor<Shape<1000>, Cpu> x(20), y, dy(20), dx;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1.0f + float(i % 7);
    rng.fill_normal(dy.data(), dy.size());
    d.forward(x, y, Mode::train);
    d.backward(x, y, dy, &dx, ParamGrads::accumulate);
    std::size_t dropped = 0;
    const float scale = float(1.0 / (1.0 - p));
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (y[i] == 0) {
            ++dropped;
            CHECK(dx[i] == 0);
        } else {
            CHECK(y[i] == doctest::Approx(x[i] * scale));
            CHECK(dx[i] == doctest::Approx(dy[i] * scale));
        }
    }
    // 20000 Bernoulli(0.3) draws: within 5 standard deviations (about 0.016)
    CHECK(std::abs(double(dropped) / double(x.size()) - p) < 0.016);
}

TEST_CASE("Dropout masks are reproducible from the seed and differ between calls") {
    using L = bind_t<Dropout<>, Shape<64>, Cpu>;
    L a, b, c;
    Rng ra(7), rb(7), rc(8);
    a.reset_parameters(ra, Init::pytorch);
    b.reset_parameters(rb, Init::pytorch);
    c.reset_parameters(rc, Init::pytorch);
    Tensor<Shape<64>, Cpu> x(3), ya, yb, yc, ya2;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1;
    a.forward(x, ya, Mode::train);
    b.forward(x, yb, Mode::train);
    c.forward(x, yc, Mode::train);
    a.forward(x, ya2, Mode::train);
    std::size_t same_c = 0, same_next = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        CHECK(ya[i] == yb[i]);
        same_c += ya[i] == yc[i];
        same_next += ya[i] == ya2[i];
    }
    CHECK(same_c < x.size());
    CHECK(same_next < x.size());
}

TEST_CASE("Dropout with p = 0 is the identity and with p = 1 outputs zeros") {
    bind_t<Dropout<Ratio{0, 1}>, Shape<10>, Cpu> keep;
    bind_t<Dropout<Ratio{1, 1}>, Shape<10>, Cpu> drop;
    Tensor<Shape<10>, Cpu> x(2), y, dy(2), dx;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i) + 1, dy[i] = 1;
    keep.forward(x, y, Mode::train);
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == x[i]);
    drop.forward(x, y, Mode::train);
    drop.backward(x, y, dy, &dx, ParamGrads::accumulate);
    for (std::size_t i = 0; i < x.size(); ++i) {
        CHECK(y[i] == 0);
        CHECK(dx[i] == 0);
    }
}

TEST_CASE("Dropout gradcheck in train and eval mode") {
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::gradcheck<Dropout<>, Shape<3, 5, 4>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<Dropout<ratio(0.2)>, Shape<17>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}

TEST_CASE("Dropout tangent passes use the forward's mask") {
    static_assert(HasTangentPasses<bind_t<Dropout<>, Shape<3, 5>, Cpu>>);
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::tangent_check<bind_t<Dropout<>, Shape<3, 5, 4>, CpuF64>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}
