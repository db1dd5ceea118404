#pragma once
// Layers, losses, optimizers and training steps on a backend under test (Fast) and on the
// reference backend (plain loops in double): from the same weights and inputs they must agree,
// for every layer written against the Backend concept. Values go in and out only through
// Backend::copy_from_host / copy_to_host, so Fast may keep them in device memory: the CPU
// backend and the CUDA kernels run on the host (tests/test_backend_layers.cpp) and the CUDA
// backend on a GPU (tests/cuda/test_cuda_layers.cu) run the same checks.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "tiny_progressive.hpp"
#include "xgan/backend/host_copy.hpp"
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

namespace backend_agreement {

using namespace xgan;

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

using backend::to_host;

template <class B, class U>
typename B::template buffer<U> upload(const std::vector<U>& h) {
    typename B::template buffer<U> d(h.size());
    B::copy_from_host(h.data(), h.size(), d.data());
    return d;
}

template <class L>
std::vector<StateEntry<float>> state_of(L& layer) {
    std::vector<StateEntry<float>> out;
    layer.visit_state([&](const StateEntry<float>& e) { out.push_back(e); }, "");
    return out;
}

// Every floating-point value of the networks' state, in host memory.
template <class B, class... Net>
std::vector<float> weights_of(Net&... nets) {
    std::vector<float> w;
    auto collect = [&](const StateEntry<float>& e) {
        if (e.integer) return;
        const auto h = to_host<B>(e.value, e.numel());
        w.insert(w.end(), h.begin(), h.end());
    };
    (nets.visit_state(collect, ""), ...);
    return w;
}

// The same random values into a tensor of either backend.
template <class S, class B>
Tensor<S, B> random_tensor(std::size_t batch, std::uint64_t seed) {
    std::vector<float> h(batch * S::size);
    Rng rng(seed);
    rng.fill_normal(h.data(), h.size());
    Tensor<S, B> t(batch);
    B::copy_from_host(h.data(), h.size(), t.data());
    return t;
}
template <class S, class B>
void fill_uniform(Tensor<S, B>& t, Rng& rng, double lo, double hi) {
    std::vector<float> h(t.size());
    rng.fill_uniform(h.data(), h.size(), lo, hi);
    B::copy_from_host(h.data(), h.size(), t.data());
}

// Forward, backward and (where the layer has them) the tangent passes of Spec on In, once on
// Fast and once on the reference backend, from the same parameters and inputs.
template <class Spec, ShapeType In, class Fast>
void check_layer(const char* name, double rtol = 1e-4, double atol = 1e-5, Mode mode = Mode::train) {
    using F = bind_t<Spec, In, Fast>;
    using R = bind_t<Spec, In, Reference>;
    using Out = typename F::output_shape;
    constexpr std::size_t batch = 6;
    F fast;
    R ref;
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
        const auto v = to_host<Fast>(fs[k].value, fs[k].numel());
        Reference::copy_from_host(v.data(), v.size(), rs[k].value);
        if (fs[k].trainable()) {
            Fast::fill(fs[k].grad, fs[k].numel(), 0.0f);
            Reference::fill(rs[k].grad, rs[k].numel(), 0.0f);
        }
    }
    auto agree = [&](const std::string& what, const float* a, const float* b, std::size_t n) {
        const auto ha = to_host<Fast>(a, n), hb = to_host<Reference>(b, n);
        const double d = disagreement(ha.data(), hb.data(), n, rtol, atol);
        CHECK_MESSAGE(d <= 1.0, name << ": " << what << " differs between the backends (" << d << " x tolerance)");
    };

    const auto xf = random_tensor<In, Fast>(batch, 11);
    const auto xr = random_tensor<In, Reference>(batch, 11);
    Tensor<Out, Fast> yf;
    Tensor<Out, Reference> yr;
    fast.forward(xf, yf, mode);
    ref.forward(xr, yr, mode);
    agree("forward", yf.data(), yr.data(), yf.size());

    const auto dyf = random_tensor<Out, Fast>(batch, 12);
    const auto dyr = random_tensor<Out, Reference>(batch, 12);
    Tensor<In, Fast> dxf;
    Tensor<In, Reference> dxr;
    fast.backward(xf, yf, dyf, &dxf, ParamGrads::accumulate);
    ref.backward(xr, yr, dyr, &dxr, ParamGrads::accumulate);
    agree("backward dx", dxf.data(), dxr.data(), dxf.size());
    for (std::size_t k = 0; k < fs.size(); ++k)
        if (fs[k].trainable()) agree("gradient of " + fs[k].name, fs[k].grad, rs[k].grad, fs[k].numel());

    if constexpr (requires { &F::tangent_forward; }) {
        const auto xtf = random_tensor<In, Fast>(batch, 13);
        const auto xtr = random_tensor<In, Reference>(batch, 13);
        Tensor<Out, Fast> ytf;
        Tensor<Out, Reference> ytr;
        fast.tangent_forward(xf, yf, xtf, ytf);
        ref.tangent_forward(xr, yr, xtr, ytr);
        agree("tangent_forward", ytf.data(), ytr.data(), ytf.size());
        const auto ybf = random_tensor<Out, Fast>(batch, 14), ytbf = random_tensor<Out, Fast>(batch, 15);
        const auto ybr = random_tensor<Out, Reference>(batch, 14), ytbr = random_tensor<Out, Reference>(batch, 15);
        Tensor<In, Fast> xbf, xtbf;
        Tensor<In, Reference> xbr, xtbr;
        fast.tangent_backward(xf, yf, xtf, ytf, ybf, ytbf, &xbf, &xtbf, ParamGrads::accumulate);
        ref.tangent_backward(xr, yr, xtr, ytr, ybr, ytbr, &xbr, &xtbr, ParamGrads::accumulate);
        agree("tangent_backward xbar", xbf.data(), xbr.data(), xbf.size());
        agree("tangent_backward xtbar", xtbf.data(), xtbr.data(), xtbf.size());
        for (std::size_t k = 0; k < fs.size(); ++k)
            if (fs[k].trainable()) agree("second-order gradient of " + fs[k].name, fs[k].grad, rs[k].grad, fs[k].numel());
    }
}

template <class Fast>
void linear_and_activations() {
    check_layer<Linear<37, 19>, Shape<37>, Fast>("Linear");
    check_layer<Linear<8, 3, false>, Shape<8>, Fast>("Linear without bias");
    check_layer<ReLU, Shape<3, 5, 7>, Fast>("ReLU");
    check_layer<LeakyReLU<ratio(0.2)>, Shape<3, 5, 7>, Fast>("LeakyReLU");
    check_layer<Tanh, Shape<101>, Fast>("Tanh");
    check_layer<Sigmoid, Shape<101>, Fast>("Sigmoid");
    check_layer<SELU, Shape<101>, Fast>("SELU");
    check_layer<Dropout<ratio(0.3)>, Shape<3, 5, 7>, Fast>("Dropout train");
    check_layer<Dropout<ratio(0.3)>, Shape<3, 5, 7>, Fast>("Dropout eval", 1e-4, 1e-5, Mode::eval);
}

template <class Fast>
void convolutions() {
    check_layer<Conv2d<3, 5, 3>, Shape<3, 9, 8>, Fast>("Conv2d 3x3");
    check_layer<Conv2d<2, 4, 4, 2, 1>, Shape<2, 12, 12>, Fast>("Conv2d 4x4 stride 2 padding 1");
    check_layer<Conv2d<2, 3, 3, 1, 2, false, 2>, Shape<2, 7, 9>, Fast>("Conv2d dilated, no bias");
    check_layer<Conv2d<1, 3, 3, 1, 1>, Shape<1, 200, 100>, Fast>("Conv2d on images too large for the padded copy");
    check_layer<ConvTranspose2d<4, 3, 4, 2, 1>, Shape<4, 5, 5>, Fast>("ConvTranspose2d 4x4 stride 2");
    check_layer<ConvTranspose2d<3, 2, 3, 2, 1, 1, false>, Shape<3, 4, 6>, Fast>("ConvTranspose2d output padding");
    check_layer<ConvTranspose2d<8, 4, 4, 1, 0>, Shape<8, 1, 1>, Fast>("ConvTranspose2d from 1x1");
    check_layer<EqualizedConv2d<3, 4, 3, 1, 1>, Shape<3, 6, 6>, Fast>("EqualizedConv2d");
    check_layer<EqualizedLinear<12, 7>, Shape<12>, Fast>("EqualizedLinear");
}

template <class Fast>
void normalisations() {
    check_layer<BatchNorm2d<4>, Shape<4, 5, 7>, Fast>("BatchNorm2d train");
    check_layer<BatchNorm2d<4>, Shape<4, 5, 7>, Fast>("BatchNorm2d eval", 1e-4, 1e-5, Mode::eval);
    check_layer<BatchNorm1d<300>, Shape<300>, Fast>("BatchNorm1d train");
    check_layer<BatchNorm1d<3>, Shape<3, 17>, Fast>("BatchNorm1d on (C, L)");
    check_layer<LayerNorm<Shape<3, 4, 5>>, Shape<3, 4, 5>, Fast>("LayerNorm");
    check_layer<PixelNorm<>, Shape<6, 3, 3>, Fast>("PixelNorm on images");
    check_layer<PixelNorm<>, Shape<40>, Fast>("PixelNorm on vectors");
    check_layer<MinibatchStdDev<3>, Shape<2, 3, 4>, Fast>("MinibatchStdDev");
    check_layer<MinibatchDiscrimination<7, 3, true, ratio(0.3)>, Shape<20>, Fast>("MinibatchDiscrimination mean");
    check_layer<MinibatchDiscrimination<4, 5>, Shape<9>, Fast>("MinibatchDiscrimination");
    check_layer<SpectralNorm<Linear<9, 5>>, Shape<9>, Fast>("SpectralNorm Linear");
    check_layer<SpectralNorm<Conv2d<2, 3, 3, 1, 1>>, Shape<2, 5, 5>, Fast>("SpectralNorm Conv2d");
}

template <class Fast>
void pooling_resampling_reshaping() {
    check_layer<MaxPool2d<2>, Shape<3, 8, 6>, Fast>("MaxPool2d 2");
    check_layer<MaxPool2d<3, 2>, Shape<2, 9, 7>, Fast>("MaxPool2d 3 stride 2 (overlapping)");
    check_layer<AvgPool2d<2>, Shape<3, 8, 6>, Fast>("AvgPool2d 2");
    check_layer<AvgPool2d<3, 2>, Shape<2, 9, 7>, Fast>("AvgPool2d 3 stride 2 (overlapping)");
    check_layer<Upsample<2>, Shape<3, 4, 5>, Fast>("Upsample 2");
    check_layer<Upsample<3>, Shape<2, 3, 3>, Fast>("Upsample 3");
    check_layer<ZeroPad2d<1, 2, 0, 3>, Shape<2, 4, 5>, Fast>("ZeroPad2d");
    check_layer<Flatten, Shape<2, 3, 4>, Fast>("Flatten");
    check_layer<LabelEmbedding<10, 16>, Shape<8 + 10>, Fast>("LabelEmbedding on vectors");
    check_layer<LabelEmbedding<3, 32>, Shape<2 + 3, 4, 4>, Fast>("LabelEmbedding on planes");
}

using Leaky = LeakyReLU<ratio(0.2)>;

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

template <class Fast>
void progressive_networks() {
    using GrowG = tiny_progressive::Generator;
    using GrowD = tiny_progressive::Discriminator;
    check_layer<Grown<GrowG, 1, 30>, Shape<4>, Fast>("progressive G, stage 1 fading");
    check_layer<Grown<GrowG, 2, 100>, Shape<4>, Fast>("progressive G, stage 2");
    check_layer<Grown<GrowD, 1, 30>, Shape<1, 8, 8>, Fast>("progressive D, stage 1 fading");
    check_layer<Grown<GrowD, 2, 100>, Shape<1, 8, 8>, Fast>("progressive D, stage 2");
}

// A loss on backend B from host values: its value and its gradient (in host memory).
enum class LossKind { bce, bce_with_logits, cross_entropy };
template <class B>
std::pair<float, std::vector<float>> loss_on(LossKind kind, const std::vector<float>& x, const std::vector<float>& t) {
    const auto dx = upload<B>(x), dt = upload<B>(t);
    typename B::template buffer<float> g(x.size());
    const std::span<const float> in(dx.data(), x.size()), target(dt.data(), t.size());
    const std::span<float> grad(g.data(), x.size());
    const std::vector<std::int32_t> classes = {0, 1, 2, 1};
    const float l = kind == LossKind::bce               ? loss::bce<B>(in, target, grad)
                    : kind == LossKind::bce_with_logits ? loss::bce_with_logits<B>(in, target, grad)
                                                        : loss::cross_entropy<B>(in, 3, classes, grad);
    return {l, to_host<B>(g.data(), x.size())};
}

template <class Fast>
void losses() {
    const std::vector<float> t = {0.0f, 1.0f, 1.0f, 1.0f, 0.9f};
    struct Case {
        const char* name;
        LossKind kind;
        std::vector<float> x, t;
        double atol;
    };
    const std::vector<Case> cases = {
        {"bce", LossKind::bce, {0.1f, 0.5f, 0.999f, 1e-9f, 0.7f}, t, 1e-6},
        {"bce_with_logits", LossKind::bce_with_logits, {-30.0f, -1.0f, 0.0f, 2.5f, 40.0f}, t, 1e-6},
        {"cross_entropy", LossKind::cross_entropy,
         {2.0f, -1.0f, 0.5f, 30.0f, -30.0f, 0.0f, 0.1f, 0.2f, 0.3f, -4.0f, 4.0f, 1.0f}, {}, 1e-7}};
    for (const Case& c : cases) {
        const auto [lf, gf] = loss_on<Fast>(c.kind, c.x, c.t);
        const auto [lr, gr] = loss_on<Reference>(c.kind, c.x, c.t);
        CHECK_MESSAGE(lf == doctest::Approx(lr).epsilon(1e-6), c.name);
        CHECK_MESSAGE(disagreement(gf.data(), gr.data(), gf.size(), 1e-6, c.atol) <= 1.0, c.name);
    }
}

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
    const std::vector<float> before = weights_of<B>(trainer.generator(), trainer.discriminator());
    Tensor<typename G::sample_shape, B> real(6);
    Rng data(9);
    for (int step = 0; step < 3; ++step) {
        fill_uniform(real, data, -1.0, 1.0);
        const StepStats s = trainer.train_step(real);
        losses.push_back(s.d_loss);
        losses.push_back(s.g_loss);
    }
    std::vector<float> moved = weights_of<B>(trainer.generator(), trainer.discriminator());
    for (std::size_t i = 0; i < moved.size(); ++i) moved[i] -= before[i];
    return moved;
}

// The optimizers get eps = 1e-3: under the zero-sum critic objectives (Wasserstein, hinge at
// initialisation) the gradient of D's output bias is zero up to rounding, and with PyTorch's
// eps = 1e-8 Adam and centered RMSprop turn that rounding noise into a full step of either
// sign, on either backend; a large eps keeps such steps as small as their gradients.
template <class O, class Fast, class GSpec = MlpG, class DSpec = MlpD, class Noise = Shape<8>>
void check_steps_agree(optim::OptimizerOptions o, const char* what) {
    o.eps = 1e-3;
    std::vector<double> lf, lr;
    const auto wf = moved_by_three_steps<Gan<GSpec, DSpec, Noise, O, Fast>>(o, lf);
    const auto wr = moved_by_three_steps<Gan<GSpec, DSpec, Noise, O, Reference>>(o, lr);
    REQUIRE(wf.size() == wr.size());
    // Three steps move a weight by up to 3 lr (1e-4 to 1e-3); float rounding of the weights
    // and of gradients that are zero up to rounding stays near 1e-7, so the moves agree to
    // 0.1% of their size or 1e-6.
    const double d = disagreement(wf.data(), wr.data(), wf.size(), 1e-3, 1e-6);
    CHECK_MESSAGE(d <= 1.0, std::string(what) << ": how far three steps move the weights differs (" << d << " x tolerance)");
    for (std::size_t i = 0; i < lf.size(); ++i) CHECK_MESSAGE(lf[i] == doctest::Approx(lr[i]).epsilon(1e-4), std::string(what) << " loss " << i);
}

template <class Fast>
void gan_steps() {
    check_steps_agree<objective::BceWithLogits, Fast>(optim::OptimizerOptions::adam(2e-4, 0.5, 0.999), "bce-logits, adam");
    check_steps_agree<objective::Wasserstein, Fast>(optim::OptimizerOptions::adam(1e-3, 0.5, 0.9), "wasserstein, adam");
    check_steps_agree<objective::GradientPenalty<objective::Wasserstein>, Fast>(
        optim::OptimizerOptions::adam(1e-4, 0.0, 0.9), "wgan-gp, adam");
    check_steps_agree<objective::Hinge, Fast>(optim::OptimizerOptions::adam(2e-4, 0.5, 0.999), "hinge, adam");
    check_steps_agree<objective::LeastSquares, Fast>(optim::OptimizerOptions::adam(2e-4, 0.5, 0.999), "lsgan, adam");
    optim::OptimizerOptions sgd;
    sgd.kind = optim::Kind::sgd;
    sgd.lr = 0.01;
    sgd.momentum = 0.9;
    check_steps_agree<objective::BceWithLogits, Fast>(sgd, "bce-logits, sgd");
    optim::OptimizerOptions rms;
    rms.kind = optim::Kind::rmsprop;
    rms.lr = 1e-3;
    rms.centered = true;
    check_steps_agree<objective::Wasserstein, Fast>(rms, "wasserstein, rmsprop");
}

// A small DCGAN (16x16): transposed convolutions and BatchNorm in G, strided convolutions and
// BatchNorm in D.
using ConvG = Sequential<Linear<8, 128>, Reshape<8, 4, 4>, BatchNorm2d<8>, ReLU, ConvTranspose2d<8, 4, 4, 2, 1>,
                         BatchNorm2d<4>, ReLU, ConvTranspose2d<4, 1, 4, 2, 1>, Tanh>;
using ConvD = Sequential<Conv2d<1, 4, 4, 2, 1>, Leaky, Conv2d<4, 8, 4, 2, 1>, BatchNorm2d<8>, Leaky, Flatten,
                         Linear<128, 1>>;
// WGAN-GP's critic: LayerNorm instead of BatchNorm (the penalty needs per-sample layers).
using ConvCritic = Sequential<Conv2d<1, 4, 4, 2, 1>, Leaky, Conv2d<4, 8, 4, 2, 1>, LayerNorm<Shape<8, 4, 4>>, Leaky,
                              Flatten, Linear<128, 1>>;

template <class Fast>
void convolutional_gan_steps() {
    check_steps_agree<objective::BceWithLogits, Fast, ConvG, ConvD>(optim::OptimizerOptions::adam(2e-4, 0.5, 0.999),
                                                                    "dcgan, adam");
    check_steps_agree<objective::GradientPenalty<objective::Wasserstein>, Fast, ConvG, ConvCritic>(
        optim::OptimizerOptions::adam(1e-4, 0.0, 0.9), "conv wgan-gp, adam");
}

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
        fill_uniform(real, data, -1.0, 1.0);
        const StepStats s = trainer.train_step(real, labels);
        losses.push_back(s.d_loss);
        losses.push_back(s.g_loss);
    }
    return weights_of<B>(trainer.generator(), trainer.discriminator(), *trainer.averaged_generator());
}

template <class Fast>
void conditional_gan_steps() {
    std::vector<double> lf, lr;
    const auto wf = conditional_steps<Fast>(lf);
    const auto wr = conditional_steps<Reference>(lr);
    REQUIRE(wf.size() == wr.size());
    const double d = disagreement(wf.data(), wr.data(), wf.size(), 1e-4, 1e-5);
    CHECK_MESSAGE(d <= 1.0, "conditional GAN weights differ (" << d << " x tolerance)");
    for (std::size_t i = 0; i < lf.size(); ++i) CHECK(lf[i] == doctest::Approx(lr[i]).epsilon(1e-4));
}

}  // namespace backend_agreement
