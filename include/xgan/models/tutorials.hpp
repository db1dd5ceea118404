#pragma once
// The GANs people learn from PyTorch tutorials, as types: the models the xgan tool trains.
// Each names its GAN type (`gan`), a name and description, and its tutorial's training
// settings (`defaults()`). An entry may also name a `family`: the --model value under which it
// is one --objective of a shared architecture (`--model dcgan --objective hinge` is the entry
// dcgan-hinge), and a `channels_family` (see Dcgan64T).
#include <cstddef>

#include "xgan/gan/gan.hpp"
#include "xgan/gan/objective.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/batchnorm.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/conv_transpose2d.hpp"
#include "xgan/layers/dropout.hpp"
#include "xgan/layers/label_embedding.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/minibatch_discrimination.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/layers/upsample.hpp"
#include "xgan/layers/zero_pad.hpp"
#include "xgan/models/pggan.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/nn/with_spectral_norm.hpp"
#include "xgan/train/defaults.hpp"

namespace xgan::models {

// Vanilla MLP GAN (the common PyTorch MNIST tutorial). Adam's default beta1 0.9 collapses it;
// the DCGAN paper's 0.5 is the default here (--beta1 0.9 gives the tutorial's exact setting).
// Its D outgrows G within a few epochs on some seeds (D(G(z)) -> 0, every sample one blob), so G
// takes two updates per D update, the second on fresh noise (--g-steps 1: the tutorial's one).
struct Mlp {
    static constexpr const char* name = "mlp";
    static constexpr const char* description = "MLP GAN 100-256-512-1024-784, D 784-1024-512-256-1";
    using G = Sequential<Linear<100, 256>, ReLU, Linear<256, 512>, ReLU, Linear<512, 1024>, ReLU, Linear<1024, 784>,
                         Tanh, Reshape<1, 28, 28>>;
    using D = Sequential<Flatten, Linear<784, 1024>, LeakyReLU<ratio(0.2)>, Linear<1024, 512>, LeakyReLU<ratio(0.2)>,
                         Linear<512, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<100>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.generator_steps = 2;
        return d;
    }
};

// A smaller MLP GAN (a second tutorial); with --lr 0.002 it reproduces that tutorial's
// discriminator-wins collapse, with 2e-4 it trains.
struct MlpSmall {
    static constexpr const char* name = "mlp-small";
    static constexpr const char* description = "MLP GAN 64-256-256-784, D 784-256-256-1, batch 100";
    using G = Sequential<Linear<64, 256>, ReLU, Linear<256, 256>, ReLU, Linear<256, 784>, Tanh, Reshape<1, 28, 28>>;
    using D = Sequential<Flatten, Linear<784, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 256>, LeakyReLU<ratio(0.2)>,
                         Linear<256, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<64>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.batch_size = 100;
        return d;
    }
};

// mlp with minibatch discrimination (Salimans et al. 2016) before D's last layer, the cure for
// mode collapse that seed tutorial 001 names: D sees how alike the batch's samples are, so a
// generator that makes one digit for every z is caught. 50 kernels of 5 dimensions, T ~
// N(0, 0.05^2) as in the improved-GAN code, and each feature the mean over the other samples
// (in [0, 1]): summed, a batch of 64 alike samples gives features near 63, which saturate D's
// Sigmoid at the first step (D(x) = D(G(z)) = 1, loss 100, as measured).
struct MlpMbd : Mlp {
    static constexpr const char* name = "mlp-mbd";
    static constexpr const char* description = "mlp with minibatch discrimination (50 kernels x 5, mean) before D's output layer";
    using D = Sequential<Flatten, Linear<784, 1024>, LeakyReLU<ratio(0.2)>, Linear<1024, 512>, LeakyReLU<ratio(0.2)>,
                         Linear<512, 256>, LeakyReLU<ratio(0.2)>, MinibatchDiscrimination<50, 5, true, ratio(0.05)>,
                         Linear<306, 1>, Sigmoid>;
    using gan = Gan<Mlp::G, D, Shape<100>>;
    // One G update per D update: with mlp's two it collapses onto one shape (seed 1: 1 class of 10).
    static TrainingDefaults defaults() { return {}; }
};

// mlp with spectral norm on every Linear of D (SN-GAN): `--model mlp --spectral-norm`.
struct MlpSn : Mlp {
    static constexpr const char* name = "mlp-sn";
    static constexpr const char* spectral_norm_of = "mlp";
    static constexpr const char* description = "mlp with spectral norm on D's Linear layers";
    using D = with_spectral_norm<Mlp::D>;
    using gan = Gan<Mlp::G, D, Shape<100>>;
    // One G update per D update, as mlp-mbd (with two, seed 1 covers 2 classes of 10).
    static TrainingDefaults defaults() { return {}; }
};

// The smallest MLP GAN (a third tutorial): one hidden layer each, LeakyReLU(0.01), lr 3e-4.
struct MlpTiny {
    static constexpr const char* name = "mlp-tiny";
    static constexpr const char* description = "MLP GAN 128-512-784, D 784-512-1, batch 32";
    using G = Sequential<Linear<128, 512>, LeakyReLU<ratio(0.01)>, Linear<512, 784>, Tanh, Reshape<1, 28, 28>>;
    using D = Sequential<Flatten, Linear<784, 512>, LeakyReLU<ratio(0.01)>, Linear<512, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<128>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.batch_size = 32;
        d.lr = 3e-4;
        return d;
    }
};

// DCGAN at 28x28 from a PyTorch recipe book. The recipe's Adam defaults (lr 1e-3, betas 0.9)
// are unstable; lr 2e-4 with betas (0.5, 0.999) is the default (--lr 1e-3 --beta1 0.9 gives the recipe).
struct Dcgan {
    static constexpr const char* name = "dcgan";
    static constexpr const char* description = "DCGAN 28x28: G Linear-7x7x256 + 3 ConvTranspose2d, D 3 Conv2d + Linear";
    using G = Sequential<Linear<100, 12544>, Reshape<256, 7, 7>, ConvTranspose2d<256, 128, 4, 2, 1>, BatchNorm2d<128>,
                         LeakyReLU<>, ConvTranspose2d<128, 64, 3, 1, 1>, BatchNorm2d<64>, LeakyReLU<>,
                         ConvTranspose2d<64, 1, 4, 2, 1>, Tanh>;
    using D = Sequential<Conv2d<1, 32, 3, 2, 1>, LeakyReLU<>, Conv2d<32, 64, 3, 2, 1>, BatchNorm2d<64>, LeakyReLU<>,
                         Conv2d<64, 128, 3, 2, 1>, BatchNorm2d<128>, LeakyReLU<>, Flatten, Linear<2048, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<100>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.batch_size = 128;
        d.init = Init::dcgan;
        return d;
    }
};

// dcgan with spectral norm on every Conv2d and the Linear of D: `--model dcgan --spectral-norm`.
struct DcganSn : Dcgan {
    static constexpr const char* name = "dcgan-sn";
    static constexpr const char* spectral_norm_of = "dcgan";
    static constexpr const char* description = "dcgan with spectral norm on D's Conv2d and Linear layers";
    using D = with_spectral_norm<Dcgan::D>;
    using gan = Gan<Dcgan::G, D, Shape<100>>;
};

// The Keras DCGAN of seed tutorial 001 (Geron's book), layer for layer: Dense 7x7x128, Reshape,
// BatchNormalization (Keras' momentum 0.99 and epsilon 1e-3: PyTorch's momentum 0.01), two
// Conv2DTranspose 5x5 stride 2 'same' (ReLU, then Tanh); D two Conv2D 5x5 stride 2 'same' with
// LeakyReLU(0.2) and Dropout(0.4), Dense 1 with sigmoid. Keras' 'same' pads 1 before and 2 after
// where PyTorch's padding 2 (with output_padding 1 for the transposed ones) pads 2 and 2: the
// same shapes and parameters, the kernels one pixel apart. Keras initialises with Glorot-uniform
// weights and zero biases; xgan with PyTorch's init. Recipe seed1-dcgan trains it as the book.
struct DcganKeras {
    static constexpr const char* name = "dcgan-keras";
    static constexpr const char* description = "Keras DCGAN 28x28: G Dense-7x7x128, BatchNorm, 2 ConvTranspose2d 5x5; D 2 Conv2d 5x5 with Dropout(0.4)";
    using G = Sequential<Linear<100, 6272>, Reshape<128, 7, 7>, BatchNorm2d<128, ratio(0.001), ratio(0.01)>,
                         ConvTranspose2d<128, 64, 5, 2, 2, 1>, ReLU, ConvTranspose2d<64, 1, 5, 2, 2, 1>, Tanh>;
    using D = Sequential<Conv2d<1, 64, 5, 2, 2>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.4)>, Conv2d<64, 128, 5, 2, 2>,
                         LeakyReLU<ratio(0.2)>, Dropout<ratio(0.4)>, Flatten, Linear<6272, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<100>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.batch_size = 32;
        d.epochs = 5;
        return d;
    }
};

// dcgan with minibatch discrimination on D's 2048 convolutional features, as mlp-mbd.
struct DcganMbd : Dcgan {
    static constexpr const char* name = "dcgan-mbd";
    static constexpr const char* description = "dcgan with minibatch discrimination (50 kernels x 5, mean) before D's Linear";
    using D = Sequential<Conv2d<1, 32, 3, 2, 1>, LeakyReLU<>, Conv2d<32, 64, 3, 2, 1>, BatchNorm2d<64>, LeakyReLU<>,
                         Conv2d<64, 128, 3, 2, 1>, BatchNorm2d<128>, LeakyReLU<>, Flatten,
                         MinibatchDiscrimination<50, 5, true, ratio(0.05)>, Linear<2098, 1>, Sigmoid>;
    using gan = Gan<Dcgan::G, D, Shape<100>>;
};

// DCGAN at 32x32 (a tutorial's, on MNIST resized to 32x32): no biases, BatchNorm, ReLU/LeakyReLU(0.2).
struct Dcgan32 {
    static constexpr const char* name = "dcgan32";
    static constexpr const char* description = "DCGAN 32x32: G 4 ConvTranspose2d from a 100x1x1 z, D 4 Conv2d";
    using G = Sequential<ConvTranspose2d<100, 256, 4, 1, 0, 0, false>, BatchNorm2d<256>, ReLU,
                         ConvTranspose2d<256, 128, 4, 2, 1, 0, false>, BatchNorm2d<128>, ReLU,
                         ConvTranspose2d<128, 64, 4, 2, 1, 0, false>, BatchNorm2d<64>, ReLU,
                         ConvTranspose2d<64, 1, 4, 2, 1, 0, false>, Tanh>;
    using D = Sequential<Conv2d<1, 64, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Conv2d<64, 128, 4, 2, 1, false>,
                         BatchNorm2d<128>, LeakyReLU<ratio(0.2)>, Conv2d<128, 256, 4, 2, 1, false>, BatchNorm2d<256>,
                         LeakyReLU<ratio(0.2)>, Conv2d<256, 1, 4, 1, 0, false>, Sigmoid>;
    using gan = Gan<G, D, Shape<100, 1, 1>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.init = Init::dcgan;
        d.epochs = 5;
        return d;
    }
};

// DCGAN at 64x64 (a book's): C = 3 (RGB) or 1 (grayscale, --channels 1); Dropout(0.3) in D and
// the book's noisy one-sided labels (real in [0.9, 1], fake in [0, 0.1]) on by default.
// `channels_family`: `--model dcgan64 --channels C` is the entry of that family with C channels.
template <std::size_t C>
struct Dcgan64T {
    static constexpr const char* name = C == 3 ? "dcgan64" : "dcgan64-gray";
    static constexpr const char* channels_family = "dcgan64";
    static constexpr const char* description = "DCGAN 64x64: G 5 ConvTranspose2d from a 100x1x1 z, D 5 Conv2d with Dropout";
    using G = Sequential<ConvTranspose2d<100, 512, 4, 1, 0, 0, false>, BatchNorm2d<512>, ReLU,
                         ConvTranspose2d<512, 256, 4, 2, 1, 0, false>, BatchNorm2d<256>, ReLU,
                         ConvTranspose2d<256, 128, 4, 2, 1, 0, false>, BatchNorm2d<128>, ReLU,
                         ConvTranspose2d<128, 64, 4, 2, 1, 0, false>, BatchNorm2d<64>, ReLU,
                         ConvTranspose2d<64, C, 4, 2, 1, 0, false>, Tanh>;
    using D = Sequential<Conv2d<C, 64, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<64, 128, 4, 2, 1, false>, BatchNorm2d<128>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<128, 256, 4, 2, 1, false>, BatchNorm2d<256>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<256, 512, 4, 2, 1, false>, BatchNorm2d<512>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<512, 1, 4, 1, 0, false>, Sigmoid>;
    using gan = Gan<G, D, Shape<100, 1, 1>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.batch_size = 128;
        d.init = Init::dcgan;
        d.epochs = 25;
        d.labels = LabelOptions::noisy(0.1);
        return d;
    }
};
using Dcgan64 = Dcgan64T<3>;
using Dcgan64Gray = Dcgan64T<1>;

// Conditional DCGAN at 28x28 (cGAN): the dcgan pair with the label added, as a one-hot vector
// after z in G's input (100 + 10) and as 10 one-hot planes after the image in D's (1 + 10 channels).
struct Cgan {
    static constexpr const char* name = "cgan";
    static constexpr const char* description = "conditional DCGAN 28x28: label one-hot into G (z+10) and D (1+10 channels)";
    using G = Sequential<Linear<110, 12544>, Reshape<256, 7, 7>, ConvTranspose2d<256, 128, 4, 2, 1>, BatchNorm2d<128>,
                         LeakyReLU<>, ConvTranspose2d<128, 64, 3, 1, 1>, BatchNorm2d<64>, LeakyReLU<>,
                         ConvTranspose2d<64, 1, 4, 2, 1>, Tanh>;
    using D = Sequential<Conv2d<11, 32, 3, 2, 1>, LeakyReLU<>, Conv2d<32, 64, 3, 2, 1>, BatchNorm2d<64>, LeakyReLU<>,
                         Conv2d<64, 128, 3, 2, 1>, BatchNorm2d<128>, LeakyReLU<>, Flatten, Linear<2048, 1>, Sigmoid>;
    using gan = ConditionalGan<G, D, Shape<100>, 10>;
    static TrainingDefaults defaults() { return Dcgan::defaults(); }
};

// cgan with learned label embeddings in place of the one-hot codes (the PyTorch cGAN tutorials'
// nn.Embedding): G embeds the label in 10 values after z (then as cgan's G, 110 inputs), D in
// one 28x28 plane after the image (2 channels; nn.Embedding(10, 784) viewed as an image).
struct CganEmbed {
    static constexpr const char* name = "cgan-embed";
    static constexpr const char* description = "conditional DCGAN 28x28 with label embeddings: 10 values into G, one plane into D";
    using G = Sequential<LabelEmbedding<10, 10>, Linear<110, 12544>, Reshape<256, 7, 7>, ConvTranspose2d<256, 128, 4, 2, 1>,
                         BatchNorm2d<128>, LeakyReLU<>, ConvTranspose2d<128, 64, 3, 1, 1>, BatchNorm2d<64>, LeakyReLU<>,
                         ConvTranspose2d<64, 1, 4, 2, 1>, Tanh>;
    using D = Sequential<LabelEmbedding<10, 784>, Conv2d<2, 32, 3, 2, 1>, LeakyReLU<>, Conv2d<32, 64, 3, 2, 1>, BatchNorm2d<64>,
                         LeakyReLU<>, Conv2d<64, 128, 3, 2, 1>, BatchNorm2d<128>, LeakyReLU<>, Flatten, Linear<2048, 1>, Sigmoid>;
    using gan = ConditionalGan<G, D, Shape<100>, 10>;
    static TrainingDefaults defaults() { return Dcgan::defaults(); }
};

// WGAN-GP (Gulrajani et al. 2017) at 28x28: the dcgan generator against a critic that is the
// dcgan discriminator without BatchNorm (a penalty needs per-sample layers; the paper's MNIST
// critic has no normalisation either) and without the Sigmoid (the critic outputs a score).
// Loss: Wasserstein + 10 * mean (||grad_x D(x_hat)|| - 1)^2 with exact second-order gradients;
// 3 critic updates per generator update, Adam(2e-4, betas (0.5, 0.9)).
struct WganGp {
    static constexpr const char* name = "wgan-gp";
    static constexpr const char* family = "dcgan";
    static constexpr const char* description =
        "WGAN-GP 28x28: dcgan G, critic 3 Conv2d + Linear without BatchNorm/Sigmoid, gradient penalty 10";
    using G = Dcgan::G;
    using D = Sequential<Conv2d<1, 32, 3, 2, 1>, LeakyReLU<>, Conv2d<32, 64, 3, 2, 1>, LeakyReLU<>,
                         Conv2d<64, 128, 3, 2, 1>, LeakyReLU<>, Flatten, Linear<2048, 1>>;
    using gan = Gan<G, D, Shape<100>, objective::GradientPenalty<objective::Wasserstein>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.batch_size = 64;
        d.beta2 = 0.9;
        d.init = Init::dcgan;
        d.critic_steps = 3;
        return d;
    }
};

// The dcgan pair under the other objectives (--model dcgan --objective NAME). These objectives
// read D's raw score, so D ends without its Sigmoid; R1 penalises D's input gradient, which
// needs per-sample layers, so its D is the wgan-gp critic (no BatchNorm).
using DcganScoreD = Sequential<Conv2d<1, 32, 3, 2, 1>, LeakyReLU<>, Conv2d<32, 64, 3, 2, 1>, BatchNorm2d<64>, LeakyReLU<>,
                               Conv2d<64, 128, 3, 2, 1>, BatchNorm2d<128>, LeakyReLU<>, Flatten, Linear<2048, 1>>;
// One of them: the dcgan entry with D's raw score under Objective.
template <class Objective>
struct DcganScored : Dcgan {
    static constexpr const char* family = "dcgan";
    using gan = Gan<G, DcganScoreD, Shape<100>, Objective>;
};
struct DcganLogits : DcganScored<objective::BceWithLogits> {
    static constexpr const char* name = "dcgan-logits";
    static constexpr const char* description = "dcgan with BCEWithLogitsLoss: D without its Sigmoid";
};
struct DcganHinge : DcganScored<objective::Hinge> {
    static constexpr const char* name = "dcgan-hinge";
    static constexpr const char* description = "dcgan with the hinge loss (SAGAN): D outputs a score";
};
struct DcganLsgan : DcganScored<objective::LeastSquares> {
    static constexpr const char* name = "dcgan-lsgan";
    static constexpr const char* description = "dcgan with the least-squares loss (LSGAN): D outputs a score";
};
struct DcganR1 : Dcgan {
    static constexpr const char* name = "dcgan-r1";
    static constexpr const char* family = "dcgan";
    static constexpr const char* description = "dcgan G, wgan-gp critic, BCE with logits + R1 penalty 10 on real data";
    using gan = Gan<G, WganGp::D, Shape<100>, objective::R1Penalty<objective::BceWithLogits>>;
};

// The 64x64 critics: dcgan64's D without BatchNorm and Sigmoid, for InC input channels (image
// and label planes).
template <std::size_t InC>
using Critic64 = Sequential<Conv2d<InC, 64, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                            Conv2d<64, 128, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                            Conv2d<128, 256, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                            Conv2d<256, 512, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                            Conv2d<512, 1, 4, 1, 0, false>>;

// WGAN-GP at 64x64 (image folders: --data folder:PATH): the dcgan64 generator against the
// dcgan64 discriminator without BatchNorm and Sigmoid (Dropout stays: it has exact tangent
// passes); the wgan-gp objective and settings. C = 3 (RGB) or 1 (grayscale, --channels 1, as
// seed tutorial 004 trains it on Lego bricks).
template <std::size_t C>
struct WganGp64T {
    static constexpr const char* name = C == 3 ? "wgan-gp64" : "wgan-gp64-gray";
    static constexpr const char* channels_family = "wgan-gp64";
    static constexpr const char* description =
        "WGAN-GP 64x64: dcgan64 G, critic 5 Conv2d with Dropout, no BatchNorm/Sigmoid, gradient penalty 10";
    using G = typename Dcgan64T<C>::G;
    using D = Critic64<C>;
    using gan = Gan<G, D, Shape<100, 1, 1>, objective::GradientPenalty<objective::Wasserstein>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d = WganGp::defaults();
        d.epochs = 25;
        return d;
    }
};
using WganGp64 = WganGp64T<3>;
using WganGp64Gray = WganGp64T<1>;

// dcgan64 with seed tutorial 004's other upsampling: each stride-2 ConvTranspose2d of G becomes
// UpSampling2D(2) then Conv2D(k=4, stride 1, padding='same') with a bias, as its Keras lines
// write it ('same' for k = 4 pads 1 before and 2 after: ZeroPad2d<1, 2, 1, 2>). D is dcgan64's.
template <std::size_t C>
struct Dcgan64UpsampleT {
    static constexpr const char* name = C == 3 ? "dcgan64-upsample" : "dcgan64-upsample-gray";
    static constexpr const char* channels_family = "dcgan64-upsample";
    static constexpr const char* description =
        "dcgan64 with G upsampling by Upsample(2) + Conv2d 4x4 'same' in place of stride-2 ConvTranspose2d";
    template <std::size_t In, std::size_t Out>
    using Up = Sequential<Upsample<2>, ZeroPad2d<1, 2, 1, 2>, Conv2d<In, Out, 4>>;
    using G = Sequential<ConvTranspose2d<100, 512, 4, 1, 0, 0, false>, BatchNorm2d<512>, ReLU, Up<512, 256>,
                         BatchNorm2d<256>, ReLU, Up<256, 128>, BatchNorm2d<128>, ReLU, Up<128, 64>, BatchNorm2d<64>, ReLU,
                         Up<64, C>, Tanh>;
    using D = typename Dcgan64T<C>::D;
    using gan = Gan<G, D, Shape<100, 1, 1>>;
    static TrainingDefaults defaults() { return Dcgan64T<C>::defaults(); }
};
using Dcgan64Upsample = Dcgan64UpsampleT<3>;
using Dcgan64UpsampleGray = Dcgan64UpsampleT<1>;

// Conditional WGAN-GP at 28x28: the wgan-gp pair with the label as in cgan (one-hot after z in
// G's input, 110; 10 one-hot planes after the image in the critic's, 11 channels). The penalty
// interpolates the critic's whole input, label planes included (the trainer's x_hat).
struct CwganGp {
    static constexpr const char* name = "cwgan-gp";
    static constexpr const char* description =
        "conditional WGAN-GP 28x28: label one-hot into G (z+10) and the critic (1+10 channels), gradient penalty 10";
    using G = Cgan::G;
    using D = Sequential<Conv2d<11, 32, 3, 2, 1>, LeakyReLU<>, Conv2d<32, 64, 3, 2, 1>, LeakyReLU<>,
                         Conv2d<64, 128, 3, 2, 1>, LeakyReLU<>, Flatten, Linear<2048, 1>>;
    using gan = ConditionalGan<G, D, Shape<100>, 10, objective::GradientPenalty<objective::Wasserstein>>;
    static TrainingDefaults defaults() { return WganGp::defaults(); }
};

// Conditional DCGAN at 64x64 for image folders labelled by one attribute (--labels CSV
// --attribute NAME): the dcgan64 pair with the label as 2 one-hot planes after z (102x1x1) and
// after the image's channels (3 + 2).
struct Cgan64 {
    static constexpr const char* name = "cgan64";
    static constexpr const char* description = "conditional DCGAN 64x64 (RGB) on an attribute: 2 label planes into G and D";
    using G = Sequential<ConvTranspose2d<102, 512, 4, 1, 0, 0, false>, BatchNorm2d<512>, ReLU,
                         ConvTranspose2d<512, 256, 4, 2, 1, 0, false>, BatchNorm2d<256>, ReLU,
                         ConvTranspose2d<256, 128, 4, 2, 1, 0, false>, BatchNorm2d<128>, ReLU,
                         ConvTranspose2d<128, 64, 4, 2, 1, 0, false>, BatchNorm2d<64>, ReLU,
                         ConvTranspose2d<64, 3, 4, 2, 1, 0, false>, Tanh>;
    using D = Sequential<Conv2d<5, 64, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<64, 128, 4, 2, 1, false>, BatchNorm2d<128>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<128, 256, 4, 2, 1, false>, BatchNorm2d<256>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<256, 512, 4, 2, 1, false>, BatchNorm2d<512>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<512, 1, 4, 1, 0, false>, Sigmoid>;
    using gan = ConditionalGan<G, D, Shape<100, 1, 1>, 2>;
    static TrainingDefaults defaults() { return Dcgan64::defaults(); }
};

// cgan64 under WGAN-GP (seed tutorial 004's conditional WGAN-GP on CelebA attributes; its listing
// is an outline, so the networks are cgan64's): the critic is cgan64's D without BatchNorm and
// Sigmoid, the label planes go into both networks, and the penalty interpolates them with the
// images. `--model cgan64 --objective wgan-gp` is this entry.
struct CwganGp64 {
    static constexpr const char* name = "cwgan-gp64";
    static constexpr const char* family = "cgan64";
    static constexpr const char* description =
        "conditional WGAN-GP 64x64 (RGB) on an attribute: 2 label planes into G and the critic, gradient penalty 10";
    using G = Cgan64::G;
    using D = Critic64<5>;
    using gan = ConditionalGan<G, D, Shape<100, 1, 1>, 2, objective::GradientPenalty<objective::Wasserstein>>;
    static TrainingDefaults defaults() { return WganGp64::defaults(); }
};

// dcgan64-gray as seed 004's PyTorch port writes it: the book's Keras BatchNormalization(momentum=0.9)
// became nn.BatchNorm2d(C, momentum=0.9), which PyTorch reads the other way round (the batch's
// statistics get weight 0.9 in the running ones, not 0.1). Only the running statistics differ,
// so only what G makes in eval mode (sample grids) does; the training steps are dcgan64-gray's.
struct Dcgan64Lego {
    static constexpr const char* name = "dcgan64-lego";
    static constexpr const char* description =
        "dcgan64-gray with BatchNorm momentum 0.9 as PyTorch reads it (a tutorial's port of a Keras DCGAN)";
    using G = Sequential<ConvTranspose2d<100, 512, 4, 1, 0, 0, false>, BatchNorm2d<512, ratio(1e-5), ratio(0.9)>, ReLU,
                         ConvTranspose2d<512, 256, 4, 2, 1, 0, false>, BatchNorm2d<256, ratio(1e-5), ratio(0.9)>, ReLU,
                         ConvTranspose2d<256, 128, 4, 2, 1, 0, false>, BatchNorm2d<128, ratio(1e-5), ratio(0.9)>, ReLU,
                         ConvTranspose2d<128, 64, 4, 2, 1, 0, false>, BatchNorm2d<64, ratio(1e-5), ratio(0.9)>, ReLU,
                         ConvTranspose2d<64, 1, 4, 2, 1, 0, false>, Tanh>;
    using D = Sequential<Conv2d<1, 64, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<64, 128, 4, 2, 1, false>, BatchNorm2d<128, ratio(1e-5), ratio(0.9)>, LeakyReLU<ratio(0.2)>,
                         Dropout<ratio(0.3)>, Conv2d<128, 256, 4, 2, 1, false>, BatchNorm2d<256, ratio(1e-5), ratio(0.9)>,
                         LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>, Conv2d<256, 512, 4, 2, 1, false>,
                         BatchNorm2d<512, ratio(1e-5), ratio(0.9)>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                         Conv2d<512, 1, 4, 1, 0, false>, Sigmoid>;
    using gan = Gan<G, D, Shape<100, 1, 1>>;
    static TrainingDefaults defaults() { return Dcgan64Gray::defaults(); }
};

// Every model above, in the order the tool lists them.
template <class... M>
struct ModelList {};
using Tutorials = ModelList<Mlp, MlpMbd, MlpSn, MlpSmall, MlpTiny, Dcgan, DcganMbd, DcganSn, DcganKeras, DcganLogits, DcganHinge, DcganLsgan,
                            DcganR1, Dcgan32, Dcgan64, Dcgan64Gray, Dcgan64Upsample, Dcgan64UpsampleGray, Dcgan64Lego,
                            Cgan, CganEmbed, Cgan64, WganGp, WganGp64, WganGp64Gray, CwganGp, CwganGp64, Pggan, Pggan64>;

}  // namespace xgan::models
