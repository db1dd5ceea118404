// A downstream program: its own GAN as a type, a forward pass and one training step.
#include <xgan/xgan.hpp>

#include <cmath>
#include <cstdio>
#include <memory>

namespace {

using Generator = xgan::Sequential<xgan::Linear<8, 32>, xgan::ReLU, xgan::Linear<32, 16>, xgan::Tanh, xgan::Reshape<1, 4, 4>>;
using Discriminator = xgan::Sequential<xgan::Flatten, xgan::Linear<16, 32>, xgan::LeakyReLU<xgan::ratio(0.2)>,
                                       xgan::Linear<32, 1>, xgan::Sigmoid>;
using MyGan = xgan::Gan<Generator, Discriminator, xgan::Shape<8>>;

int fail(const char* what) {
    std::fprintf(stderr, "xgan_consumer: %s\n", what);
    return 1;
}

}  // namespace

int main() {
    static_assert(std::is_same_v<MyGan::sample_shape, xgan::Shape<1, 4, 4>>);
    static_assert(MyGan::generator::parameter_count == 8 * 32 + 32 + 32 * 16 + 16);

    auto trainer = std::make_unique<xgan::GanTrainer<MyGan>>(xgan::GanOptions{}, 1);
    xgan::Tensor<xgan::Shape<8>, xgan::Cpu> z(4);
    trainer->rng().fill_normal(z.data(), z.size());
    const auto& fake = trainer->generate(z);
    if (fake.batch() != 4) return fail("wrong batch from the generator");
    for (float v : fake.values())
        if (!(v > -1.0f && v < 1.0f)) return fail("generator output outside (-1, 1)");

    xgan::Tensor<xgan::Shape<1, 4, 4>, xgan::Cpu> real(4);
    for (std::size_t i = 0; i < real.size(); ++i) real[i] = std::sin(float(i));
    const xgan::StepStats s = trainer->train_step(real);
    if (!std::isfinite(s.d_loss) || !std::isfinite(s.g_loss) || trainer->steps() != 1) return fail("training step failed");

    std::printf("%s", xgan::summary<MyGan::discriminator>().c_str());
    std::printf("xgan %d.%d.%d consumer ok: d_loss %.4f g_loss %.4f\n", XGAN_VERSION_MAJOR, XGAN_VERSION_MINOR,
                XGAN_VERSION_PATCH, s.d_loss, s.g_loss);
    return 0;
}
