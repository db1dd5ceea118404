// Exact second order (layers/layer.hpp "tangent passes", gan/penalty.hpp) and the critic
// objectives:
//   - every layer with tangent passes, and whole critics, against finite differences in double
//     (tangent_check.hpp: the tangent output, and the reverse pass through (y, yt));
//   - LayerNorm: forward and first-order gradients;
//   - the gradient penalty's (WGAN-GP, R1) parameter gradient against central differences of
//     the penalty value, for an MLP critic, a conv critic with LayerNorm, and one with Dropout;
//   - the same penalties against PyTorch's double backpropagation
//     (tests/data/gp_goldens.json, from make_gp_goldens.py), in double and in float;
//   - Wasserstein (with PGGAN's drift term too), hinge and least-squares losses against hand
//     computation;
//   - WGAN-GP trainers (plain, conditional, float and double) run and learn nothing non-finite.
// The compile-time refusals (a penalty on a BatchNorm critic, Wasserstein with a Sigmoid) are
// compile_fail tests (tests/compile_fail/).
#include <doctest/doctest.h>

#include "test_data.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <span>
#include <type_traits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "penalty_check.hpp"
#include "tangent_check.hpp"
#include "xgan/gan/penalty.hpp"
#include "xgan/gan/trainer.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/batchnorm.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/conv_transpose2d.hpp"
#include "xgan/layers/dropout.hpp"
#include "xgan/layers/layernorm.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/pooling.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/layers/upsample.hpp"
#include "xgan/nn/sequential.hpp"

namespace {

using namespace xgan;
using objective::GradientPenalty;
using objective::R1Penalty;
using objective::Wasserstein;

template <class Spec, class S>
void check_tangents(Mode mode = Mode::train, std::size_t batch = 3) {
    using L = bind_t<Spec, S, CpuF64>;
    static_assert(HasTangentPasses<L>);
    testing::GradcheckOptions o;
    o.mode = mode;
    o.batch = batch;
    const auto r = testing::tangent_check<L>(o);
    CHECK_MESSAGE(r.ok, L::name() << ": " << r.report());
    CHECK(r.checked > 0);
}

// The critics of the tests below.
using MlpCritic = Sequential<Flatten, Linear<12, 8>, Tanh, Linear<8, 6>, LeakyReLU<ratio(0.2)>, Linear<6, 1>>;
using ConvCritic = Sequential<Conv2d<2, 4, 3, 2, 1>, LeakyReLU<ratio(0.2)>, LayerNorm<Shape<4, 4, 4>>,
                              Conv2d<4, 6, 3, 1, 1>, Tanh, Flatten, Linear<96, 1>>;
// Piecewise linear (as wgan-gp's critic): the penalty's ybar stays zero down to the input, and
// the layers skip the primal half of their reverse pass (layer.hpp, detail::all_zero).
using PiecewiseLinearCritic = Sequential<ConvTranspose2d<2, 3, 4, 2, 1>, LeakyReLU<ratio(0.2)>, Conv2d<3, 4, 3, 2, 1>,
                                         ReLU, Conv2d<4, 2, 3, 1, 1>, LeakyReLU<ratio(0.2)>, Flatten, Linear<32, 1>>;
using DropoutCritic = Sequential<Conv2d<2, 4, 3, 2, 1>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>, Conv2d<4, 3, 3, 1, 1>,
                                 Sigmoid, MaxPool2d<2>, Upsample<2>, Flatten, Linear<48, 1>>;

}  // namespace

TEST_CASE("second order: every layer's tangent passes match finite differences") {
    check_tangents<Linear<5, 4>, Shape<5>>();
    check_tangents<Linear<5, 4, false>, Shape<5>>();
    check_tangents<ReLU, Shape<2, 3, 4>>();
    check_tangents<LeakyReLU<ratio(0.2)>, Shape<2, 3, 4>>();
    check_tangents<Tanh, Shape<2, 3, 4>>();
    check_tangents<Sigmoid, Shape<2, 3, 4>>();
    check_tangents<Flatten, Shape<2, 3, 4>>();
    check_tangents<Reshape<3, 2, 2>, Shape<12>>();
    check_tangents<Conv2d<2, 3, 3, 2, 1>, Shape<2, 7, 6>>();
    check_tangents<ConvTranspose2d<3, 2, 4, 2, 1>, Shape<3, 3, 4>>();
    check_tangents<MaxPool2d<2>, Shape<3, 4, 6>>();
    check_tangents<Upsample<2>, Shape<2, 3, 3>>();
    check_tangents<Dropout<ratio(0.3)>, Shape<3, 5, 4>>(Mode::train);
    check_tangents<Dropout<ratio(0.3)>, Shape<3, 5, 4>>(Mode::eval);
    check_tangents<LayerNorm<Shape<3, 4, 5>>, Shape<3, 4, 5>>();
    check_tangents<LayerNorm<Shape<7>, ratio(0.01)>, Shape<7>>(Mode::eval, 4);
    // Whole networks (Sequential chains the tangents and their reverse pass).
    check_tangents<MlpCritic, Shape<3, 2, 2>>();
    check_tangents<ConvCritic, Shape<2, 8, 8>>();
    check_tangents<DropoutCritic, Shape<2, 8, 8>>();
    check_tangents<PiecewiseLinearCritic, Shape<2, 4, 4>>();
    // BatchNorm has none (it mixes a batch's samples): a penalty on it does not compile.
    static_assert(!HasTangentPasses<bind_t<BatchNorm2d<4>, Shape<4, 3, 3>, Cpu>>);
    static_assert(!HasTangentPasses<bind_t<BatchNorm1d<4>, Shape<4>, Cpu>>);
}

TEST_CASE("LayerNorm: forward by hand, gradcheck, state as torch.nn.LayerNorm") {
    using L = bind_t<LayerNorm<Shape<2, 3>>, Shape<2, 3>, CpuF64>;
    CHECK(L::name() == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=True)");
    CHECK(bind_t<LayerNorm<Shape<256>, ratio(1e-6)>, Shape<256>, Cpu>::name() ==
          "LayerNorm((256,), eps=1e-06, elementwise_affine=True)");
    CHECK(L::parameter_count == 12);
    L layer;
    Rng rng(3);
    layer.reset_parameters(rng, Init::dcgan);  // weight 1, bias 0 under either init
    std::vector<std::string> names;
    std::vector<std::vector<std::int64_t>> shapes;
    std::vector<double*> values;
    layer.visit_state(
        [&](const StateEntry<double>& e) {
            names.push_back(e.name);
            shapes.push_back(e.shape);
            values.push_back(e.value);
            CHECK(e.trainable());
        },
        "2.");
    REQUIRE(names == std::vector<std::string>{"2.weight", "2.bias"});
    CHECK(shapes[0] == std::vector<std::int64_t>{2, 3});
    for (int i = 0; i < 6; ++i) {
        CHECK(values[0][i] == 1.0);
        CHECK(values[1][i] == 0.0);
        values[0][i] = 0.5 + 0.25 * i;  // weight
        values[1][i] = 0.1 * i - 0.2;   // bias
    }
    Tensor<Shape<2, 3>, CpuF64> x(2), y;
    const double in[12] = {1, 2, 3, 4, 5, 6, -3, 0.5, 0.25, 8, -1, 2};
    std::copy(in, in + 12, x.data());
    layer.forward(x, y, Mode::train);
    for (int s = 0; s < 2; ++s) {
        double mean = 0, var = 0;
        for (int e = 0; e < 6; ++e) mean += in[6 * s + e] / 6;
        for (int e = 0; e < 6; ++e) var += (in[6 * s + e] - mean) * (in[6 * s + e] - mean) / 6;
        for (int e = 0; e < 6; ++e) {
            const double want = (in[6 * s + e] - mean) / std::sqrt(var + 1e-5) * (0.5 + 0.25 * e) + (0.1 * e - 0.2);
            CHECK(y[std::size_t(6 * s + e)] == doctest::Approx(want).epsilon(1e-12));
        }
    }
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::gradcheck<LayerNorm<Shape<3, 4, 5>>, Shape<3, 4, 5>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<LayerNorm<Shape<9>, ratio(0.1)>, Shape<9>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}

namespace {

using xgan_test::entries;

// dP/dθ from gradient_penalty against central differences of P(θ), every parameter element
// (penalty_check.hpp), with the weights away from the init.
template <class Objective, class Spec, class In>
void check_penalty_gradient(const char* critic, std::uint64_t seed) {
    using Net = Network<Spec, In, CpuF64>;
    Net base;
    Rng rng(seed);
    base.reset_parameters(rng, Init::pytorch);
    for (auto& e : entries(base))  // away from the init's symmetric values
        if (e.trainable())
            for (std::size_t i = 0; i < e.numel(); ++i) e.value[i] += 0.2 * rng.normal();
    Tensor<In, CpuF64> x(5);
    rng.fill_normal(x.data(), x.size());
    const auto r = xgan_test::penalty_gradient_check<Objective>(base, x);
    CHECK(r.penalty > 0);
    MESSAGE(std::string(critic), " ", std::string(Objective::name), " penalty ", r.penalty, ": ", r.checked,
            " parameter gradients, worst relative error ", r.worst);
}

}  // namespace

TEST_CASE("second order: the penalty's parameter gradient matches finite differences") {
    check_penalty_gradient<GradientPenalty<Wasserstein>, MlpCritic, Shape<3, 2, 2>>("mlp", 1);
    check_penalty_gradient<R1Penalty<Wasserstein>, MlpCritic, Shape<3, 2, 2>>("mlp", 2);
    check_penalty_gradient<GradientPenalty<Wasserstein, ratio(2.5)>, ConvCritic, Shape<2, 8, 8>>("conv+layernorm", 3);
    check_penalty_gradient<R1Penalty<objective::BceWithLogits>, ConvCritic, Shape<2, 8, 8>>("conv+layernorm", 4);
    check_penalty_gradient<GradientPenalty<objective::Hinge>, DropoutCritic, Shape<2, 8, 8>>("conv+dropout+pool", 5);
    check_penalty_gradient<GradientPenalty<Wasserstein>, PiecewiseLinearCritic, Shape<2, 4, 4>>("piecewise linear", 6);
    check_penalty_gradient<R1Penalty<Wasserstein>, PiecewiseLinearCritic, Shape<2, 4, 4>>("piecewise linear", 7);
}

namespace {

nlohmann::json gp_goldens() {
    const std::string path = std::string(xgan_test::data_dir()) + "/gp_goldens.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in, "cannot open " << path);
    return nlohmann::json::parse(in);
}

// The golden critic with PyTorch's weights, on the golden x̂; relative tolerance rtol
// (of each tensor's largest magnitude).
template <class T>
void check_against_torch(const nlohmann::json& g, double rtol) {
    using B = backend::CpuBackend<T>;
    using Net = Network<ConvCritic, Shape<2, 8, 8>, B>;
    using In = typename Net::input_shape;
    auto close = [&](const std::string& what, const std::vector<T>& got, const std::vector<double>& want) {
        REQUIRE(got.size() == want.size());
        double scale = 0, worst = 0;
        for (double w : want) scale = std::max(scale, std::abs(w));
        for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double(got[i]) - want[i]));
        CHECK_MESSAGE(worst <= rtol * scale, what << ": max abs error " << worst << " of scale " << scale);
    };
    Net d;
    Rng rng(1);
    d.reset_parameters(rng, Init::pytorch);
    std::size_t loaded = 0;
    d.visit_state([&](const StateEntry<T>& e) {
        const nlohmann::json& s = g["state"].at(e.name);
        REQUIRE(s["shape"].get<std::vector<std::int64_t>>() == e.shape);
        const auto v = s["values"].get<std::vector<double>>();
        REQUIRE(v.size() == e.numel());
        for (std::size_t i = 0; i < v.size(); ++i) e.value[i] = T(v[i]);
        ++loaded;
    });
    CHECK(loaded == g["state"].size());
    const auto xv = g["x_hat"]["values"].get<std::vector<double>>();
    Tensor<In, B> x(4);
    REQUIRE(xv.size() == x.size());
    for (std::size_t i = 0; i < xv.size(); ++i) x[i] = T(xv[i]);

    // D(x̂) and ∇x D(x̂)
    const auto& out = d.forward(x, Mode::train);
    close("output", std::vector<T>(out.data(), out.data() + out.size()), g["output"].get<std::vector<double>>());
    Tensor<Shape<1>, B> ones(4);
    std::fill(ones.data(), ones.data() + 4, T(1));
    Tensor<In, B> gx;
    d.backward(ones, &gx, ParamGrads::skip);
    close("input gradient", std::vector<T>(gx.data(), gx.data() + gx.size()), g["input_grad"].get<std::vector<double>>());

    auto penalty_case = [&]<class Objective>(const char* key) {
        for (auto& e : entries(d))
            if (e.trainable()) std::fill(e.grad, e.grad + e.numel(), T(0));
        PenaltyBuffers<Net> buf;
        const double p = gradient_penalty<Objective>(d, x, buf);
        const double want = g[key]["value"].get<double>();
        CHECK_MESSAGE(std::abs(p - want) <= rtol * std::abs(want), key << " penalty " << p << ", torch " << want);
        std::size_t n = 0;
        for (auto& e : entries(d)) {
            if (!e.trainable()) continue;
            const nlohmann::json& want_grad = g[key]["grads"].at(e.name);
            close(std::string(key) + " grad " + e.name, std::vector<T>(e.grad, e.grad + e.numel()),
                  want_grad.get<std::vector<double>>());
            ++n;
        }
        CHECK(n == g[key]["grads"].size());
    };
    penalty_case.template operator()<GradientPenalty<Wasserstein>>("gp");
    penalty_case.template operator()<R1Penalty<Wasserstein>>("r1");
}

}  // namespace

TEST_CASE("second order: penalties and their gradients match PyTorch's double backprop") {
    const nlohmann::json g = gp_goldens();
    SUBCASE("double") { check_against_torch<double>(g, 1e-9); }
    SUBCASE("float") { check_against_torch<float>(g, 1e-4); }
}

TEST_CASE("critic objectives: Wasserstein, hinge and least squares by hand") {
    const std::vector<double> out = {1.5, -0.5, 0.25, -2.0};
    const std::vector<double> ones(4, 1.0), zeros(4, 0.0);
    std::vector<double> grad(4), scratch(4, 1.0);
    using D = std::span<const double>;
    using G = std::span<double>;

    // Wasserstein: real -mean, fake +mean, G -mean.
    CHECK(Wasserstein::discriminator_loss<CpuF64>(D(out), objective::Side::real, D(ones), G(grad)) == doctest::Approx(-(1.5 - 0.5 + 0.25 - 2.0) / 4));
    for (double v : grad) CHECK(v == doctest::Approx(-0.25));
    CHECK(Wasserstein::discriminator_loss<CpuF64>(D(out), objective::Side::fake, D(zeros), G(grad)) == doctest::Approx((1.5 - 0.5 + 0.25 - 2.0) / 4));
    for (double v : grad) CHECK(v == doctest::Approx(0.25));
    CHECK(Wasserstein::generator_loss<CpuF64>(D(out), G(grad), G(scratch)) == doctest::Approx(0.1875));
    for (double v : grad) CHECK(v == doctest::Approx(-0.25));

    // The side decides, not the targets: a real batch with targets below 0.5 keeps the real loss.
    const std::vector<double> low(4, 0.4);
    CHECK(Wasserstein::discriminator_loss<CpuF64>(D(out), objective::Side::real, D(low), G(grad)) ==
          doctest::Approx(-(1.5 - 0.5 + 0.25 - 2.0) / 4));
    CHECK(objective::Hinge::discriminator_loss<CpuF64>(D(out), objective::Side::real, D(low), G(grad)) == doctest::Approx(5.25 / 4));

    // Hinge, real: mean relu(1 - out) = (0 + 1.5 + 0.75 + 3) / 4; d/dout = -1/4 where 1 - out > 0.
    CHECK(objective::Hinge::discriminator_loss<CpuF64>(D(out), objective::Side::real, D(ones), G(grad)) == doctest::Approx(5.25 / 4));
    CHECK(grad == std::vector<double>{0, -0.25, -0.25, -0.25});
    // fake: mean relu(1 + out) = (2.5 + 0.5 + 1.25 + 0) / 4; d/dout = 1/4 where 1 + out > 0.
    CHECK(objective::Hinge::discriminator_loss<CpuF64>(D(out), objective::Side::fake, D(zeros), G(grad)) == doctest::Approx(4.25 / 4));
    CHECK(grad[0] == 0.25);
    CHECK(grad[1] == 0.25);
    CHECK(grad[2] == 0.25);
    CHECK(grad[3] == 0);
    CHECK(objective::Hinge::generator_loss<CpuF64>(D(out), G(grad), G(scratch)) == doctest::Approx(0.1875));
    for (double v : grad) CHECK(v == doctest::Approx(-0.25));

    // Least squares: 0.5 mean (out - t)^2, gradient (out - t) / n.
    CHECK(objective::LeastSquares::discriminator_loss<CpuF64>(D(out), objective::Side::real, D(ones), G(grad)) ==
          doctest::Approx(0.5 * (0.25 + 2.25 + 0.5625 + 9.0) / 4));
    CHECK(grad[0] == doctest::Approx(0.125));
    CHECK(grad[3] == doctest::Approx(-0.75));
    CHECK(objective::LeastSquares::discriminator_loss<CpuF64>(D(out), objective::Side::fake, D(zeros), G(grad)) ==
          doctest::Approx(0.5 * (2.25 + 0.25 + 0.0625 + 4.0) / 4));
    CHECK(grad[1] == doctest::Approx(-0.125));
    std::vector<double> targets(4, 1.0);
    CHECK(objective::LeastSquares::generator_loss<CpuF64>(D(out), G(grad), G(targets)) ==
          doctest::Approx(0.5 * (0.25 + 2.25 + 0.5625 + 9.0) / 4));
    CHECK(grad[2] == doctest::Approx(-0.1875));

    static_assert(!Wasserstein::outputs_probability && !objective::Hinge::outputs_probability &&
                  !objective::LeastSquares::outputs_probability);
    static_assert(objective::HasPenalty<GradientPenalty<Wasserstein>> && !objective::HasPenalty<Wasserstein>);
    static_assert(GradientPenalty<Wasserstein>::penalty_weight == 10.0);
    static_assert(R1Penalty<objective::Hinge, ratio(0.5)>::penalty_weight == 0.5);
}

TEST_CASE("critic objectives: PGGAN's drift term adds epsilon * mean D(real)^2 to the real side only") {
    using Drift = objective::WassersteinDrift<>;
    static_assert(Drift::drift == 0.001);
    const std::vector<double> out = {1.5, -0.5, 0.25, -2.0}, ones(4, 1.0);
    std::vector<double> grad(4), scratch(4, 1.0);
    using D = std::span<const double>;
    using G = std::span<double>;
    const double mean = (1.5 - 0.5 + 0.25 - 2.0) / 4, mean_square = (2.25 + 0.25 + 0.0625 + 4.0) / 4;
    CHECK(Drift::discriminator_loss<CpuF64>(D(out), objective::Side::real, D(ones), G(grad)) ==
          doctest::Approx(-mean + 0.001 * mean_square));
    // Against central differences of the loss.
    for (std::size_t i = 0; i < 4; ++i) {
        std::vector<double> up = out, down = out, unused(4);
        up[i] += 1e-6;
        down[i] -= 1e-6;
        const double numeric = (Drift::discriminator_loss<CpuF64>(D(up), objective::Side::real, D(ones), G(unused)) -
                                Drift::discriminator_loss<CpuF64>(D(down), objective::Side::real, D(ones), G(unused))) / 2e-6;
        CHECK(grad[i] == doctest::Approx(numeric).epsilon(1e-7));
        CHECK(grad[i] == doctest::Approx((-1.0 + 2 * 0.001 * out[i]) / 4));
    }
    // The fake side and the generator are Wasserstein's.
    CHECK(Drift::discriminator_loss<CpuF64>(D(out), objective::Side::fake, D(ones), G(grad)) == doctest::Approx(mean));
    for (double v : grad) CHECK(v == doctest::Approx(0.25));
    CHECK(Drift::generator_loss<CpuF64>(D(out), G(grad), G(scratch)) == doctest::Approx(-mean));
    CHECK(std::string(GradientPenalty<Drift>::name) == "wgan-gp-drift");
    CHECK(std::string(GradientPenalty<Wasserstein>::name) == "wgan-gp");
    CHECK(std::string(GradientPenalty<objective::Hinge>::name) == "gradient-penalty");
}

namespace {

using TinyG = Sequential<Linear<8, 32>, ReLU, Linear<32, 64>, Tanh, Reshape<1, 8, 8>>;
using TinyCritic = Sequential<Conv2d<1, 4, 3, 2, 1>, LeakyReLU<ratio(0.2)>, LayerNorm<Shape<4, 4, 4>>, Dropout<ratio(0.2)>,
                              Flatten, Linear<64, 1>>;
using TinyCondG = Sequential<Linear<11, 64>, Tanh, Reshape<1, 8, 8>>;
using TinyCondCritic = Sequential<Conv2d<4, 4, 3, 2, 1>, LeakyReLU<ratio(0.2)>, Flatten, Linear<64, 1>>;

}  // namespace

TEST_CASE("WGAN-GP trainers: penalty in the critic loss, finite steps, float and double") {
    auto run = [&]<class GanT>(std::size_t classes) {
        using T = typename GanT::backend::scalar;
        GanOptions o;
        o.discriminator_optimizer = optim::OptimizerOptions::adam(1e-3, 0.5, 0.9);
        o.generator_optimizer = optim::OptimizerOptions::adam(1e-3, 0.5, 0.9);
        GanTrainer<GanT> trainer(o, 7);
        Tensor<Shape<1, 8, 8>, typename GanT::backend> real(6);
        Rng rng(9);
        rng.fill_uniform(real.data(), real.size(), -1.0, 1.0);
        std::vector<std::int32_t> labels;
        for (std::size_t i = 0; i < 6 && classes; ++i) labels.push_back(std::int32_t(i % classes));
        double first_penalty = 0, last_penalty = 0;
        for (int step = 0; step < 30; ++step) {
            const StepStats s = trainer.discriminator_step(real, labels);
            CHECK(std::isfinite(s.d_loss));
            CHECK(s.penalty > 0);
            CHECK(s.wasserstein == doctest::Approx(s.d_real - s.d_fake));
            // Wasserstein: d_loss = mean D(fake) - mean D(real) + penalty
            if constexpr (std::is_base_of_v<Wasserstein, typename GanT::objective>)
                CHECK(s.d_loss == doctest::Approx(s.d_fake - s.d_real + s.penalty).epsilon(sizeof(T) == 4 ? 1e-4 : 1e-10));
            if (step == 0) first_penalty = s.penalty;
            last_penalty = s.penalty;
            if (step % 3 == 2) CHECK(std::isfinite(trainer.generator_step(true, 6)));
        }
        MESSAGE("penalty ", first_penalty, " -> ", last_penalty);
        CHECK(trainer.discriminator_steps() == 30);
        CHECK(trainer.steps() == 10);
    };
    using Gp = GradientPenalty<Wasserstein>;
    run.operator()<Gan<TinyG, TinyCritic, Shape<8>, Gp, Cpu>>(0);
    run.operator()<Gan<TinyG, TinyCritic, Shape<8>, Gp, CpuF64>>(0);
    run.operator()<Gan<TinyG, TinyCritic, Shape<8>, R1Penalty<objective::Hinge>, Cpu>>(0);
    run.operator()<ConditionalGan<TinyCondG, TinyCondCritic, Shape<8>, 3, Gp, Cpu>>(3);
}

TEST_CASE("objectives: label options that mean nothing for an objective are refused") {
    using objective::check_labels;
    const LabelOptions plain{}, smooth = LabelOptions::one_sided_smoothing(0.9), noisy = LabelOptions::noisy(0.1);
    LabelOptions flip;
    flip.flip = 0.05;
    // Targets are what smoothing, noise and flipping change: the objectives that read them take all.
    for (const LabelOptions& o : {plain, smooth, noisy, flip}) {
        CHECK_NOTHROW(check_labels<objective::Bce>(o));
        CHECK_NOTHROW(check_labels<objective::BceWithLogits>(o));
        CHECK_NOTHROW(check_labels<objective::LeastSquares>(o));
        CHECK_NOTHROW(check_labels<objective::R1Penalty<objective::BceWithLogits>>(o));
    }
    // Critic objectives read only the side.
    CHECK_NOTHROW(check_labels<Wasserstein>(plain));
    CHECK_NOTHROW(check_labels<objective::Hinge>(plain));
    for (const LabelOptions& o : {smooth, noisy, flip}) {
        CHECK_THROWS_WITH_AS(check_labels<objective::GradientPenalty<Wasserstein>>(o),
                             doctest::Contains("wgan-gp objective does not use targets"), Error);
        CHECK_THROWS_WITH_AS(check_labels<objective::Hinge>(o), doctest::Contains("hinge objective does not use targets"),
                             Error);
    }
    // Probabilities outside [0, 1], empty ranges and flip probabilities that are not probabilities.
    CHECK_THROWS_WITH_AS(check_labels<objective::Bce>(LabelOptions::one_sided_smoothing(1.2)),
                         doctest::Contains("targets in [0, 1]"), Error);
    CHECK_NOTHROW(check_labels<objective::LeastSquares>(LabelOptions::one_sided_smoothing(1.2)));
    CHECK_THROWS_WITH_AS(check_labels<objective::Bce>(LabelOptions{0.9, 0.8, 0, 0, 0}),
                         doctest::Contains("real target range [0.9, 0.8] is empty"), Error);
    LabelOptions bad_flip;
    bad_flip.flip = 1.5;
    CHECK_THROWS_WITH_AS(check_labels<objective::Bce>(bad_flip), doctest::Contains("flip probability"), Error);
}
