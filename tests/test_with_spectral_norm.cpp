// with_spectral_norm<Net> (nn/with_spectral_norm.hpp): every Linear and Conv2d of a network,
// nested ones too, wrapped in SpectralNorm, the rest unchanged, with torch's state names.
#include <doctest/doctest.h>

#include <string>
#include <type_traits>
#include <vector>

#include "xgan/gan/trainer.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/batchnorm.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/nn/with_spectral_norm.hpp"

using namespace xgan;

TEST_CASE("with_spectral_norm wraps each Linear and Conv2d, at any depth, and nothing else") {
    using D = Sequential<Conv2d<1, 4, 3, 2, 1>, BatchNorm2d<4>, LeakyReLU<>, Sequential<Flatten, Linear<64, 8>>, Linear<8, 1>>;
    using Want = Sequential<SpectralNorm<Conv2d<1, 4, 3, 2, 1>>, BatchNorm2d<4>, LeakyReLU<>,
                            Sequential<Flatten, SpectralNorm<Linear<64, 8>>>, SpectralNorm<Linear<8, 1>>>;
    static_assert(std::is_same_v<with_spectral_norm<D>, Want>);
    static_assert(std::is_same_v<with_spectral_norm<Linear<3, 2>>, SpectralNorm<Linear<3, 2>>>);
    static_assert(std::is_same_v<with_spectral_norm<Tanh>, Tanh>);

    // torch.nn.utils.spectral_norm's names for each wrapped layer.
    bind_t<with_spectral_norm<D>, Shape<1, 8, 8>, Cpu> net;
    std::vector<std::string> names;
    net.visit_state([&](const StateEntry<float>& e) { names.push_back(e.name); }, "");
    const std::vector<std::string> want = {"0.bias", "0.weight_orig", "0.weight_u", "0.weight_v", "1.weight", "1.bias",
                                           "1.running_mean", "1.running_var", "1.num_batches_tracked", "3.1.bias",
                                           "3.1.weight_orig", "3.1.weight_u", "3.1.weight_v", "4.bias", "4.weight_orig",
                                           "4.weight_u", "4.weight_v"};
    CHECK(names == want);
}

TEST_CASE("with_spectral_norm: a GAN with such a D trains with finite losses") {
    using G = Sequential<Linear<4, 16>, Tanh, Reshape<1, 4, 4>>;
    using D = with_spectral_norm<Sequential<Flatten, Linear<16, 8>, LeakyReLU<>, Linear<8, 1>, Sigmoid>>;
    GanTrainer<Gan<G, D, Shape<4>>> trainer(GanOptions{}, 3);
    Tensor<Shape<1, 4, 4>, Cpu> real(8);
    for (std::size_t i = 0; i < real.size(); ++i) real[i] = float(i % 5) / 5.0f - 0.4f;
    for (int step = 0; step < 3; ++step) {
        const StepStats s = trainer.train_step(real);
        CHECK(std::isfinite(s.d_loss));
        CHECK(std::isfinite(s.g_loss));
    }
}
