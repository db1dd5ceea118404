// Layers, losses, optimizers and training steps on two backends: the CPU backend and the
// reference backend (plain loops in double) must agree, from the same weights and inputs, for
// every layer written against the Backend concept; gradcheck passes on the reference in double.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "tiny_progressive.hpp"
#include "xgan/backend/cpu.hpp"
#include "xgan/backend/reference/reference_backend.hpp"
#include "xgan/gan/trainer.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/batchnorm.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/conv_transpose2d.hpp"
#include "xgan/layers/dropout.hpp"
#include "xgan/layers/equalized.hpp"
#include "xgan/layers/label_embedding.hpp"
#include "xgan/layers/layernorm.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/minibatch_discrimination.hpp"
#include "xgan/layers/minibatch_stddev.hpp"
#include "xgan/layers/pixel_norm.hpp"
#include "xgan/layers/pooling.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/layers/spectral_norm.hpp"
#include "xgan/layers/upsample.hpp"
#include "xgan/layers/zero_pad.hpp"
#include "xgan/loss/bce.hpp"
#include "xgan/loss/cross_entropy.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

// max |a - b| / (atol + rtol |b|) over two equally long ranges: <= 1 means they agree.
template <class T>
double disagreement(const T* a, const T* b, std::size_t n, double rtol, double atol) {
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double err = std::abs(double(a[i]) - double(b[i])) / (atol + rtol * std::abs(double(b[i])));
        worst = std::isnan(err) ? 1e30 : std::max(worst, err);
    }
    return worst;
}

template <class L>
std::vector<StateEntry<float>> state_of(L& layer) {
    std::vector<StateEntry<float>> out;
    layer.visit_state([&](const StateEntry<float>& e) { out.push_back(e); }, "");
    return out;
}

// The same random values into a tensor of either backend (host memory on both).
template <class S, class B>
Tensor<S, B> random_tensor(std::size_t batch, std::uint64_t seed) {
    Tensor<S, B> t(batch);
    Rng rng(seed);
    rng.fill_normal(t.data(), t.size());
    return t;
}

// Forward, backward and (where the layer has them) the tangent passes of Spec on In, once on
// the CPU backend and once on the reference backend, from the same parameters and inputs.
template <class Spec, ShapeType In>
void check_layer_on_both(const char* name, double rtol = 1e-4, double atol = 1e-5, Mode mode = Mode::train) {
    using Fast = bind_t<Spec, In, Cpu>;
    using Ref = bind_t<Spec, In, Reference>;
    using Out = typename Fast::output_shape;
    constexpr std::size_t batch = 6;
    Fast fast;
    Ref ref;
    Rng rng(3), same(3);
    fast.reset_parameters(rng, Init::pytorch);
    ref.reset_parameters(same, Init::pytorch);  // layers with a random stream of their own (Dropout) get the same
    auto fs = state_of(fast), rs = state_of(ref);
    REQUIRE(fs.size() == rs.size());
    for (std::size_t k = 0; k < fs.size(); ++k) {
        if (fs[k].integer) {
            *rs[k].integer = *fs[k].integer;
            continue;
        }
        std::copy(fs[k].value, fs[k].value + fs[k].numel(), rs[k].value);
        if (fs[k].trainable()) {
            std::fill(fs[k].grad, fs[k].grad + fs[k].numel(), 0.0f);
            std::fill(rs[k].grad, rs[k].grad + rs[k].numel(), 0.0f);
        }
    }
    auto agree = [&](const std::string& what, const float* a, const float* b, std::size_t n) {
        const double d = disagreement(a, b, n, rtol, atol);
        CHECK_MESSAGE(d <= 1.0, name << ": " << what << " differs between the backends (" << d << " x tolerance)");
    };

    const auto xf = random_tensor<In, Cpu>(batch, 11);
    const auto xr = random_tensor<In, Reference>(batch, 11);
    Tensor<Out, Cpu> yf;
    Tensor<Out, Reference> yr;
    fast.forward(xf, yf, mode);
    ref.forward(xr, yr, mode);
    agree("forward", yf.data(), yr.data(), yf.size());

    const auto dyf = random_tensor<Out, Cpu>(batch, 12);
    const auto dyr = random_tensor<Out, Reference>(batch, 12);
    Tensor<In, Cpu> dxf;
    Tensor<In, Reference> dxr;
    fast.backward(xf, yf, dyf, &dxf, ParamGrads::accumulate);
    ref.backward(xr, yr, dyr, &dxr, ParamGrads::accumulate);
    agree("backward dx", dxf.data(), dxr.data(), dxf.size());
    for (std::size_t k = 0; k < fs.size(); ++k)
        if (fs[k].trainable()) agree("gradient of " + fs[k].name, fs[k].grad, rs[k].grad, fs[k].numel());

    if constexpr (requires { &Fast::tangent_forward; }) {
        const auto xtf = random_tensor<In, Cpu>(batch, 13);
        const auto xtr = random_tensor<In, Reference>(batch, 13);
        Tensor<Out, Cpu> ytf;
        Tensor<Out, Reference> ytr;
        fast.tangent_forward(xf, yf, xtf, ytf);
        ref.tangent_forward(xr, yr, xtr, ytr);
        agree("tangent_forward", ytf.data(), ytr.data(), ytf.size());
        const auto ybf = random_tensor<Out, Cpu>(batch, 14), ytbf = random_tensor<Out, Cpu>(batch, 15);
        const auto ybr = random_tensor<Out, Reference>(batch, 14), ytbr = random_tensor<Out, Reference>(batch, 15);
        Tensor<In, Cpu> xbf, xtbf;
        Tensor<In, Reference> xbr, xtbr;
        fast.tangent_backward(xf, yf, xtf, ytf, ybf, ytbf, &xbf, &xtbf, ParamGrads::accumulate);
        ref.tangent_backward(xr, yr, xtr, ytr, ybr, ytbr, &xbr, &xtbr, ParamGrads::accumulate);
        agree("tangent_backward xbar", xbf.data(), xbr.data(), xbf.size());
        agree("tangent_backward xtbar", xtbf.data(), xtbr.data(), xtbf.size());
        for (std::size_t k = 0; k < fs.size(); ++k)
            if (fs[k].trainable()) agree("second-order gradient of " + fs[k].name, fs[k].grad, rs[k].grad, fs[k].numel());
    }
}

}  // namespace

TEST_CASE("backends: Linear and the activations agree on the CPU and the reference backend") {
    check_layer_on_both<Linear<37, 19>, Shape<37>>("Linear");
    check_layer_on_both<Linear<8, 3, false>, Shape<8>>("Linear without bias");
    check_layer_on_both<ReLU, Shape<3, 5, 7>>("ReLU");
    check_layer_on_both<LeakyReLU<ratio(0.2)>, Shape<3, 5, 7>>("LeakyReLU");
    check_layer_on_both<Tanh, Shape<101>>("Tanh");
    check_layer_on_both<Sigmoid, Shape<101>>("Sigmoid");
    check_layer_on_both<SELU, Shape<101>>("SELU");
    check_layer_on_both<Dropout<ratio(0.3)>, Shape<3, 5, 7>>("Dropout train");
    check_layer_on_both<Dropout<ratio(0.3)>, Shape<3, 5, 7>>("Dropout eval", 1e-4, 1e-5, Mode::eval);
}

TEST_CASE("backends: convolutions agree on the CPU and the reference backend") {
    check_layer_on_both<Conv2d<3, 5, 3>, Shape<3, 9, 8>>("Conv2d 3x3");
    check_layer_on_both<Conv2d<2, 4, 4, 2, 1>, Shape<2, 12, 12>>("Conv2d 4x4 stride 2 padding 1");
    check_layer_on_both<Conv2d<2, 3, 3, 1, 2, false, 2>, Shape<2, 7, 9>>("Conv2d dilated, no bias");
    check_layer_on_both<Conv2d<1, 3, 3, 1, 1>, Shape<1, 200, 100>>("Conv2d on images too large for the padded copy");
    check_layer_on_both<ConvTranspose2d<4, 3, 4, 2, 1>, Shape<4, 5, 5>>("ConvTranspose2d 4x4 stride 2");
    check_layer_on_both<ConvTranspose2d<3, 2, 3, 2, 1, 1, false>, Shape<3, 4, 6>>("ConvTranspose2d output padding");
    check_layer_on_both<ConvTranspose2d<8, 4, 4, 1, 0>, Shape<8, 1, 1>>("ConvTranspose2d from 1x1");
    check_layer_on_both<EqualizedConv2d<3, 4, 3, 1, 1>, Shape<3, 6, 6>>("EqualizedConv2d");
    check_layer_on_both<EqualizedLinear<12, 7>, Shape<12>>("EqualizedLinear");
}

TEST_CASE("backends: normalisations agree on the CPU and the reference backend") {
    check_layer_on_both<BatchNorm2d<4>, Shape<4, 5, 7>>("BatchNorm2d train");
    check_layer_on_both<BatchNorm2d<4>, Shape<4, 5, 7>>("BatchNorm2d eval", 1e-4, 1e-5, Mode::eval);
    check_layer_on_both<BatchNorm1d<300>, Shape<300>>("BatchNorm1d train");
    check_layer_on_both<BatchNorm1d<3>, Shape<3, 17>>("BatchNorm1d on (C, L)");
    check_layer_on_both<LayerNorm<Shape<3, 4, 5>>, Shape<3, 4, 5>>("LayerNorm");
    check_layer_on_both<PixelNorm<>, Shape<6, 3, 3>>("PixelNorm on images");
    check_layer_on_both<PixelNorm<>, Shape<40>>("PixelNorm on vectors");
    check_layer_on_both<MinibatchStdDev<3>, Shape<2, 3, 4>>("MinibatchStdDev");
    check_layer_on_both<MinibatchDiscrimination<7, 3, true, ratio(0.3)>, Shape<20>>("MinibatchDiscrimination mean");
    check_layer_on_both<MinibatchDiscrimination<4, 5>, Shape<9>>("MinibatchDiscrimination");
    check_layer_on_both<SpectralNorm<Linear<9, 5>>, Shape<9>>("SpectralNorm Linear");
    check_layer_on_both<SpectralNorm<Conv2d<2, 3, 3, 1, 1>>, Shape<2, 5, 5>>("SpectralNorm Conv2d");
}

TEST_CASE("backends: pooling, resampling and reshaping agree on the CPU and the reference backend") {
    check_layer_on_both<MaxPool2d<2>, Shape<3, 8, 6>>("MaxPool2d 2");
    check_layer_on_both<MaxPool2d<3, 2>, Shape<2, 9, 7>>("MaxPool2d 3 stride 2 (overlapping)");
    check_layer_on_both<AvgPool2d<2>, Shape<3, 8, 6>>("AvgPool2d 2");
    check_layer_on_both<AvgPool2d<3, 2>, Shape<2, 9, 7>>("AvgPool2d 3 stride 2 (overlapping)");
    check_layer_on_both<Upsample<2>, Shape<3, 4, 5>>("Upsample 2");
    check_layer_on_both<Upsample<3>, Shape<2, 3, 3>>("Upsample 3");
    check_layer_on_both<ZeroPad2d<1, 2, 0, 3>, Shape<2, 4, 5>>("ZeroPad2d");
    check_layer_on_both<Flatten, Shape<2, 3, 4>>("Flatten");
    check_layer_on_both<LabelEmbedding<10, 16>, Shape<8 + 10>>("LabelEmbedding on vectors");
    check_layer_on_both<LabelEmbedding<3, 32>, Shape<2 + 3, 4, 4>>("LabelEmbedding on planes");
}

namespace {
using Leaky = LeakyReLU<ratio(0.2)>;
using GrowG = tiny_progressive::Generator;
using GrowD = tiny_progressive::Discriminator;

// A progressive network's spec fixed at one point of its growth schedule.
template <class Spec, std::size_t StageIndex, int AlphaPercent>
struct Grown {
    template <ShapeType S, class B>
    struct bind {
        struct type : bind_t<Spec, S, B> {
            type() { this->set_growth(StageIndex, AlphaPercent / 100.0); }
        };
    };
};
}  // namespace

TEST_CASE("backends: progressive networks agree on the CPU and the reference backend, fading and not") {
    check_layer_on_both<Grown<GrowG, 1, 30>, Shape<4>>("progressive G, stage 1 fading");
    check_layer_on_both<Grown<GrowG, 2, 100>, Shape<4>>("progressive G, stage 2");
    check_layer_on_both<Grown<GrowD, 1, 30>, Shape<1, 8, 8>>("progressive D, stage 1 fading");
    check_layer_on_both<Grown<GrowD, 2, 100>, Shape<1, 8, 8>>("progressive D, stage 2");
}

TEST_CASE("backends: gradcheck passes on the reference backend in double") {
    auto linear = testing::gradcheck_bound<bind_t<Linear<6, 4>, Shape<6>, ReferenceF64>>();
    CHECK_MESSAGE(linear.ok, linear.report());
    auto tanh = testing::gradcheck_bound<bind_t<Tanh, Shape<9>, ReferenceF64>>();
    CHECK_MESSAGE(tanh.ok, tanh.report());
    auto selu = testing::gradcheck_bound<bind_t<SELU, Shape<9>, ReferenceF64>>();
    CHECK_MESSAGE(selu.ok, selu.report());
    auto conv = testing::gradcheck_bound<bind_t<Conv2d<2, 3, 3, 2, 1>, Shape<2, 5, 5>, ReferenceF64>>();
    CHECK_MESSAGE(conv.ok, conv.report());
    auto convt = testing::gradcheck_bound<bind_t<ConvTranspose2d<2, 3, 3, 2, 1, 1>, Shape<2, 3, 3>, ReferenceF64>>();
    CHECK_MESSAGE(convt.ok, convt.report());
    auto bn = testing::gradcheck_bound<bind_t<BatchNorm2d<3>, Shape<3, 2, 2>, ReferenceF64>>();
    CHECK_MESSAGE(bn.ok, bn.report());
    auto ln = testing::gradcheck_bound<bind_t<LayerNorm<Shape<4, 3>>, Shape<4, 3>, ReferenceF64>>();
    CHECK_MESSAGE(ln.ok, ln.report());
}

TEST_CASE("backends: BCE losses agree on the CPU and the reference backend") {
    std::vector<float> p = {0.1f, 0.5f, 0.999f, 1e-9f, 0.7f}, t = {0.0f, 1.0f, 1.0f, 1.0f, 0.9f};
    std::vector<float> gf(5), gr(5);
    const float lf = loss::bce<Cpu>(std::span<const float>(p), std::span<const float>(t), std::span<float>(gf));
    const float lr = loss::bce<Reference>(std::span<const float>(p), std::span<const float>(t), std::span<float>(gr));
    CHECK(lf == doctest::Approx(lr).epsilon(1e-6));
    CHECK(disagreement(gf.data(), gr.data(), 5, 1e-6, 1e-6) <= 1.0);
    std::vector<float> x = {-30.0f, -1.0f, 0.0f, 2.5f, 40.0f};
    const float xf = loss::bce_with_logits<Cpu>(std::span<const float>(x), std::span<const float>(t), std::span<float>(gf));
    const float xr = loss::bce_with_logits<Reference>(std::span<const float>(x), std::span<const float>(t), std::span<float>(gr));
    CHECK(xf == doctest::Approx(xr).epsilon(1e-6));
    CHECK(disagreement(gf.data(), gr.data(), 5, 1e-6, 1e-6) <= 1.0);
}

TEST_CASE("backends: cross-entropy agrees on the CPU and the reference backend") {
    std::vector<float> logits = {2.0f, -1.0f, 0.5f, 30.0f, -30.0f, 0.0f, 0.1f, 0.2f, 0.3f, -4.0f, 4.0f, 1.0f};
    const std::vector<std::int32_t> targets = {0, 1, 2, 1};
    std::vector<float> gf(12), gr(12);
    const float lf = loss::cross_entropy<Cpu>(std::span<const float>(logits), 3, targets, std::span<float>(gf));
    const float lr = loss::cross_entropy<Reference>(std::span<const float>(logits), 3, targets, std::span<float>(gr));
    CHECK(lf == doctest::Approx(lr).epsilon(1e-6));
    CHECK(disagreement(gf.data(), gr.data(), 12, 1e-6, 1e-7) <= 1.0);
}

namespace {
using MlpG = Sequential<Linear<8, 32>, LeakyReLU<ratio(0.2)>, Linear<32, 16>, Tanh>;
using MlpD = Sequential<Linear<16, 32>, LeakyReLU<ratio(0.2)>, Linear<32, 1>>;

// Three training steps of the GAN type G with optimizer o; returns how far they moved every
// weight of G and D (running statistics included), and the losses of each step.
template <class G>
std::vector<float> moved_by_three_steps(const optim::OptimizerOptions& o, std::vector<double>& losses) {
    using B = typename G::backend;
    GanOptions options;
    options.generator_optimizer = o;
    options.discriminator_optimizer = o;
    GanTrainer<G> trainer(options, 5);
    auto weights = [&] {
        std::vector<float> w;
        auto collect = [&](const StateEntry<float>& e) {
        if (!e.integer) w.insert(w.end(), e.value, e.value + e.numel());
    };
        trainer.generator().visit_state(collect, "");
        trainer.discriminator().visit_state(collect, "");
        return w;
    };
    const std::vector<float> before = weights();
    Tensor<typename G::sample_shape, B> real(6);
    Rng data(9);
    for (int step = 0; step < 3; ++step) {
        data.fill_uniform(real.data(), real.size(), -1.0, 1.0);
        const StepStats s = trainer.train_step(real);
        losses.push_back(s.d_loss);
        losses.push_back(s.g_loss);
    }
    std::vector<float> moved = weights();
    for (std::size_t i = 0; i < moved.size(); ++i) moved[i] -= before[i];
    return moved;
}

// The optimizers get eps = 1e-3: under the zero-sum critic objectives (Wasserstein, hinge at
// initialisation) the gradient of D's output bias is zero up to rounding, and with PyTorch's
// eps = 1e-8 Adam and centered RMSprop turn that rounding noise into a full step of either
// sign, on either backend; a large eps keeps such steps as small as their gradients.
template <class O, class GSpec = MlpG, class DSpec = MlpD, class Noise = Shape<8>>
void check_steps_agree(optim::OptimizerOptions o, const char* what) {
    o.eps = 1e-3;
    std::vector<double> lf, lr;
    const auto wf = moved_by_three_steps<Gan<GSpec, DSpec, Noise, O, Cpu>>(o, lf);
    const auto wr = moved_by_three_steps<Gan<GSpec, DSpec, Noise, O, Reference>>(o, lr);
    REQUIRE(wf.size() == wr.size());
    // Three steps move a weight by up to 3 lr (1e-4 to 1e-3); float rounding of the weights
    // and of gradients that are zero up to rounding stays near 1e-7, so the moves agree to
    // 0.1% of their size or 1e-6.
    const double d = disagreement(wf.data(), wr.data(), wf.size(), 1e-3, 1e-6);
    CHECK_MESSAGE(d <= 1.0, std::string(what) << ": how far three steps move the weights differs (" << d << " x tolerance)");
    for (std::size_t i = 0; i < lf.size(); ++i) CHECK_MESSAGE(lf[i] == doctest::Approx(lr[i]).epsilon(1e-4), std::string(what) << " loss " << i);
}
}  // namespace

TEST_CASE("backends: GAN training steps agree on the CPU and the reference backend") {
    check_steps_agree<objective::BceWithLogits>(optim::OptimizerOptions::adam(2e-4, 0.5, 0.999), "bce-logits, adam");
    check_steps_agree<objective::Wasserstein>(optim::OptimizerOptions::adam(1e-3, 0.5, 0.9), "wasserstein, adam");
    check_steps_agree<objective::GradientPenalty<objective::Wasserstein>>(optim::OptimizerOptions::adam(1e-4, 0.0, 0.9),
                                                                          "wgan-gp, adam");
    check_steps_agree<objective::Hinge>(optim::OptimizerOptions::adam(2e-4, 0.5, 0.999), "hinge, adam");
    check_steps_agree<objective::LeastSquares>(optim::OptimizerOptions::adam(2e-4, 0.5, 0.999), "lsgan, adam");
    optim::OptimizerOptions sgd;
    sgd.kind = optim::Kind::sgd;
    sgd.lr = 0.01;
    sgd.momentum = 0.9;
    check_steps_agree<objective::BceWithLogits>(sgd, "bce-logits, sgd");
    optim::OptimizerOptions rms;
    rms.kind = optim::Kind::rmsprop;
    rms.lr = 1e-3;
    rms.centered = true;
    check_steps_agree<objective::Wasserstein>(rms, "wasserstein, rmsprop");
}

namespace {
// A small DCGAN (16x16): transposed convolutions and BatchNorm in G, strided convolutions and
// BatchNorm in D.
using ConvG = Sequential<Linear<8, 128>, Reshape<8, 4, 4>, BatchNorm2d<8>, ReLU, ConvTranspose2d<8, 4, 4, 2, 1>,
                         BatchNorm2d<4>, ReLU, ConvTranspose2d<4, 1, 4, 2, 1>, Tanh>;
using ConvD = Sequential<Conv2d<1, 4, 4, 2, 1>, Leaky, Conv2d<4, 8, 4, 2, 1>, BatchNorm2d<8>, Leaky, Flatten,
                         Linear<128, 1>>;
// WGAN-GP's critic: LayerNorm instead of BatchNorm (the penalty needs per-sample layers).
using ConvCritic = Sequential<Conv2d<1, 4, 4, 2, 1>, Leaky, Conv2d<4, 8, 4, 2, 1>, LayerNorm<Shape<8, 4, 4>>, Leaky,
                              Flatten, Linear<128, 1>>;
}  // namespace

TEST_CASE("backends: convolutional GAN training steps agree on the CPU and the reference backend") {
    check_steps_agree<objective::BceWithLogits, ConvG, ConvD>(optim::OptimizerOptions::adam(2e-4, 0.5, 0.999),
                                                              "dcgan, adam");
    check_steps_agree<objective::GradientPenalty<objective::Wasserstein>, ConvG, ConvCritic>(
        optim::OptimizerOptions::adam(1e-4, 0.0, 0.9), "conv wgan-gp, adam");
}

namespace {
using CondG = Sequential<Linear<8 + 3, 32>, LeakyReLU<ratio(0.2)>, Linear<32, 16>, Tanh>;
using CondD = Sequential<Linear<16 + 3, 32>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.25)>, Linear<32, 1>>;

// Three steps of a conditional GAN with label smoothing, instance noise, replay and an
// averaged generator: the trainer's counter-drawn noise and targets, and its host-drawn
// labels, are the same on both backends.
template <class B>
std::vector<float> conditional_steps(std::vector<double>& losses) {
    using G = ConditionalGan<CondG, CondD, Shape<8>, 3, objective::BceWithLogits, B>;
    GanOptions options;
    options.labels = LabelOptions::one_sided_smoothing(0.9);
    options.instance_noise = 0.1;
    options.replay = 0.5;
    options.replay_size = 4;
    options.ema = 0.9;
    options.generator_optimizer.eps = options.discriminator_optimizer.eps = 1e-3;
    GanTrainer<G> trainer(options, 5);
    Tensor<Shape<16>, B> real(6);
    Rng data(9);
    const std::vector<std::int32_t> labels = {0, 1, 2, 2, 1, 0};
    for (int step = 0; step < 3; ++step) {
        data.fill_uniform(real.data(), real.size(), -1.0, 1.0);
        const StepStats s = trainer.train_step(real, labels);
        losses.push_back(s.d_loss);
        losses.push_back(s.g_loss);
    }
    std::vector<float> w;
    auto collect = [&](const StateEntry<float>& e) {
        if (!e.integer) w.insert(w.end(), e.value, e.value + e.numel());
    };
    trainer.generator().visit_state(collect, "");
    trainer.discriminator().visit_state(collect, "");
    trainer.averaged_generator()->visit_state(collect, "");
    return w;
}
}  // namespace

TEST_CASE("backends: a conditional GAN's training steps agree on the CPU and the reference backend") {
    std::vector<double> lf, lr;
    const auto wf = conditional_steps<Cpu>(lf);
    const auto wr = conditional_steps<Reference>(lr);
    REQUIRE(wf.size() == wr.size());
    const double d = disagreement(wf.data(), wr.data(), wf.size(), 1e-4, 1e-5);
    CHECK_MESSAGE(d <= 1.0, "conditional GAN weights differ (" << d << " x tolerance)");
    for (std::size_t i = 0; i < lf.size(); ++i) CHECK(lf[i] == doctest::Approx(lr[i]).epsilon(1e-4));
}
