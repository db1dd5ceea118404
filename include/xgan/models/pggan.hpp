#pragma once
// Progressive growing of GANs (Karras et al. 2018) for MNIST at 32x32: 4x4 -> 8x8 -> 16x16 ->
// 32x32, every stage's shapes checked at compile time (nn/progressive.hpp). As in the paper:
// equalized learning rate in every convolution and linear layer, pixel norm after each of G's
// convolutions, LeakyReLU(0.2), a to-RGB (here to-gray) 1x1 convolution per stage (with Tanh),
// minibatch standard deviation (groups of 4) before D's last block, average pooling between
// D's blocks, WGAN-GP with the drift term 0.001 E[D(x)²], Adam(1e-3, betas (0, 0.99)), one
// critic step per generator step, and the average of G's weights for samples (decay 0.99: the
// paper's 0.999 averages over about 1,000 steps, more than one of these phases).
// Channels are cut for 2 CPU cores (64, 64, 32, 16 from 4x4 to 32x32; the paper's CelebA-HQ
// model has 512 up to 32x32), and each fade-in and each stabilisation lasts 30,000 images
// (the paper's 800,000).
#include "xgan/gan/gan.hpp"
#include "xgan/gan/objective.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/equalized.hpp"
#include "xgan/layers/minibatch_stddev.hpp"
#include "xgan/layers/pixel_norm.hpp"
#include "xgan/layers/pooling.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/layers/upsample.hpp"
#include "xgan/nn/progressive.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/train/defaults.hpp"

namespace xgan::models {

namespace pggan {

using Lrelu = LeakyReLU<ratio(0.2)>;
template <std::size_t In, std::size_t Out>
using Conv3 = EqualizedConv2d<In, Out, 3, 1, 1>;

// G: z (128) -> 4x4x64; each later block doubles the resolution. ToImage<C, K>: to K channels.
using FirstBlock = Sequential<EqualizedLinear<128, 64 * 4 * 4>, Reshape<64, 4, 4>, Lrelu, PixelNorm<>, Conv3<64, 64>, Lrelu,
                              PixelNorm<>>;
template <std::size_t In, std::size_t Out>
using GrowBlock = Sequential<Upsample<2>, Conv3<In, Out>, Lrelu, PixelNorm<>, Conv3<Out, Out>, Lrelu, PixelNorm<>>;
// The paper's to-RGB is linear; here it ends in Tanh, so that samples stay in [-1, 1] like the
// data (`xgan eval` refuses values outside; a linear output went to -1.1 on MNIST's black).
template <std::size_t C, std::size_t K = 1>
using ToGray = Sequential<EqualizedConv2d<C, K, 1>, Tanh>;

using Generator = ProgressiveGenerator<Stage<FirstBlock, ToGray<64>>, Stage<GrowBlock<64, 64>, ToGray<64>>,
                                       Stage<GrowBlock<64, 32>, ToGray<32>>, Stage<GrowBlock<32, 16>, ToGray<16>>>;

// D: each block halves the resolution; the 4x4 block ends in the score.
template <std::size_t C, std::size_t K = 1>
using FromGray = Sequential<EqualizedConv2d<K, C, 1>, Lrelu>;
using LastBlock = Sequential<MinibatchStdDev<4>, Conv3<65, 64>, Lrelu, Flatten, EqualizedLinear<64 * 4 * 4, 64>, Lrelu,
                             EqualizedLinear<64, 1>>;
template <std::size_t C, std::size_t Out>
using ShrinkBlock = Sequential<Conv3<C, C>, Lrelu, Conv3<C, Out>, Lrelu, AvgPool2d<2>>;

using Discriminator = ProgressiveDiscriminator<Stage<LastBlock, FromGray<64>>, Stage<ShrinkBlock<64, 64>, FromGray<64>>,
                                               Stage<ShrinkBlock<32, 64>, FromGray<32>>, Stage<ShrinkBlock<16, 32>, FromGray<16>>>;

// 64x64 RGB, for image folders: one more stage (64, 64, 64, 32, 16 channels).
using Generator64 = ProgressiveGenerator<Stage<FirstBlock, ToGray<64, 3>>, Stage<GrowBlock<64, 64>, ToGray<64, 3>>,
                                         Stage<GrowBlock<64, 64>, ToGray<64, 3>>, Stage<GrowBlock<64, 32>, ToGray<32, 3>>,
                                         Stage<GrowBlock<32, 16>, ToGray<16, 3>>>;
using Discriminator64 =
    ProgressiveDiscriminator<Stage<LastBlock, FromGray<64, 3>>, Stage<ShrinkBlock<64, 64>, FromGray<64, 3>>,
                             Stage<ShrinkBlock<64, 64>, FromGray<64, 3>>, Stage<ShrinkBlock<32, 64>, FromGray<32, 3>>,
                             Stage<ShrinkBlock<16, 32>, FromGray<16, 3>>>;

}  // namespace pggan

struct Pggan {
    static constexpr const char* name = "pggan";
    static constexpr const char* description =
        "progressive growing 4x4 -> 32x32: equalized LR, pixel norm, minibatch stddev, WGAN-GP + drift, EMA of G";
    using G = Sequential<pggan::Generator>;
    using D = Sequential<pggan::Discriminator>;
    using gan = Gan<G, D, Shape<128>, objective::GradientPenalty<objective::WassersteinDrift<>>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d;
        d.batch_size = 64;
        d.lr = 1e-3;
        d.beta1 = 0;
        d.beta2 = 0.99;
        d.ema = 0.99;  // the paper's 0.999 lags ~1,000 steps: longer than a phase here (469 steps)
        d.growth_phase_images = 30'000;
        d.epochs = 4;  // 7 phases of 30,000 images (210,000), then the rest at 32x32
        return d;
    }
};

// The same recipe at 64x64 RGB for image folders (--data folder:PATH): 4x4 -> 64x64 in 5 stages,
// phases of 30,000 images; over 80 epochs of the 3,786 emoji (sh cmake/fetch-emoji.sh) 64x64
// fades in from epoch 56 and trains at full strength from epoch 64.
struct Pggan64 {
    static constexpr const char* name = "pggan64";
    static constexpr const char* description = "pggan at 64x64 RGB (4x4 -> 64x64, 5 stages), for image folders";
    using G = Sequential<pggan::Generator64>;
    using D = Sequential<pggan::Discriminator64>;
    using gan = Gan<G, D, Shape<128>, objective::GradientPenalty<objective::WassersteinDrift<>>>;
    static TrainingDefaults defaults() {
        TrainingDefaults d = Pggan::defaults();
        d.epochs = 80;
        return d;
    }
};

}  // namespace xgan::models
