// LabelEmbedding: shapes, forward by hand (a one-hot code selects its row), gradients and
// tangent passes against finite differences, and a conditional GAN that embeds its labels in
// both networks training with and without a gradient penalty.
#include <doctest/doctest.h>

#include <cmath>
#include <type_traits>
#include <vector>

#include "tangent_check.hpp"
#include "xgan/gan/trainer.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/label_embedding.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

static_assert(std::is_same_v<bind_t<LabelEmbedding<3, 5>, Shape<7>, Cpu>::output_shape, Shape<9>>);            // 4 + 5
static_assert(std::is_same_v<bind_t<LabelEmbedding<3, 16>, Shape<4, 4, 4>, Cpu>::output_shape, Shape<2, 4, 4>>);  // 1 + 1 plane
static_assert(std::is_same_v<bind_t<LabelEmbedding<2, 6>, Shape<5, 1, 1>, Cpu>::output_shape, Shape<9, 1, 1>>);  // 3 + 6
static_assert(bind_t<LabelEmbedding<3, 5>, Shape<7>, Cpu>::parameter_count == 15);

TEST_CASE("LabelEmbedding: a one-hot code is replaced by its row of the weight - the rest passes through") {
    using L = bind_t<LabelEmbedding<3, 16>, Shape<5, 4, 4>, Cpu>;  // 2 image channels, 3 one-hot planes
    L layer;
    Rng rng(4);
    layer.reset_parameters(rng, Init::pytorch);
    std::vector<float> w;
    layer.visit_state([&](const StateEntry<float>& e) {
        CHECK(e.name == "weight");
        CHECK(e.shape == std::vector<std::int64_t>{3, 16});
        w.assign(e.value, e.value + e.numel());
    }, "");
    Tensor<Shape<5, 4, 4>, Cpu> x(2);
    rng.fill_normal(x.data(), x.size());
    const int labels[2] = {2, 0};
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t c = 0; c < 3; ++c)
            std::fill(x.sample(i) + (2 + c) * 16, x.sample(i) + (3 + c) * 16, c == std::size_t(labels[i]) ? 1.f : 0.f);
    Tensor<Shape<3, 4, 4>, Cpu> y;
    layer.forward(x, y, Mode::train);
    for (std::size_t i = 0; i < 2; ++i) {
        for (std::size_t k = 0; k < 32; ++k) CHECK(y.sample(i)[k] == x.sample(i)[k]);
        for (std::size_t j = 0; j < 16; ++j) CHECK(y.sample(i)[32 + j] == doctest::Approx(w[std::size_t(labels[i]) * 16 + j]));
    }
}

TEST_CASE("LabelEmbedding: gradients and tangent passes match finite differences") {
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::gradcheck<LabelEmbedding<3, 5>, Shape<7>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<LabelEmbedding<2, 8>, Shape<3, 2, 2>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::tangent_check<bind_t<LabelEmbedding<2, 8>, Shape<3, 2, 2>, CpuF64>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        CHECK(r.checked > 0);
    }
}

namespace {
// A tiny conditional GAN on 1x4x4 images and 3 classes, both networks embedding the label.
using EmbedG = Sequential<LabelEmbedding<3, 4>, Linear<12, 16>, Tanh, Reshape<1, 4, 4>>;
using EmbedD = Sequential<LabelEmbedding<3, 16>, Conv2d<2, 4, 3, 2, 1>, LeakyReLU<ratio(0.2)>, Flatten, Linear<16, 1>>;
}  // namespace

TEST_CASE("LabelEmbedding: a conditional GAN embedding its labels trains (BCE with logits, and WGAN-GP)") {
    auto run = [&]<class Objective>() {
        using GanT = ConditionalGan<EmbedG, EmbedD, Shape<8>, 3, Objective>;
        GanTrainer<GanT> trainer(GanOptions{}, 5);
        Tensor<Shape<1, 4, 4>, Cpu> real(6);
        Rng rng(6);
        rng.fill_uniform(real.data(), real.size(), -1.0, 1.0);
        const std::vector<std::int32_t> labels = {0, 1, 2, 0, 1, 2};
        std::vector<float> before;
        trainer.generator().visit_state([&](const StateEntry<float>& e) {
            if (e.name == "0.weight") before.assign(e.value, e.value + e.numel());
        }, "");
        for (int step = 0; step < 3; ++step) {
            const StepStats s = trainer.train_step(real, labels);
            CHECK(std::isfinite(s.d_loss));
            CHECK(std::isfinite(s.g_loss));
        }
        // The generator's embedding learned (its rows get gradients through D).
        double moved = 0;
        trainer.generator().visit_state([&](const StateEntry<float>& e) {
            if (e.name == "0.weight")
                for (std::size_t k = 0; k < e.numel(); ++k) moved += std::abs(double(e.value[k]) - before[k]);
        }, "");
        CHECK(moved > 0);
        Tensor<Shape<8>, Cpu> z(3);
        rng.fill_normal(z.data(), z.size());
        const std::vector<std::int32_t> asked = {2, 1, 0};
        const auto& samples = trainer.generate(z, Mode::eval, asked);
        CHECK(samples.batch() == 3);
    };
    run.operator()<objective::BceWithLogits>();
    run.operator()<objective::GradientPenalty<objective::Wasserstein>>();
}
