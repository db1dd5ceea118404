#pragma once
// The smallest GAN a checkpoint can belong to, shared by the checkpoint harness and the seed
// corpus generator (which writes a valid checkpoint of it): 8-d noise, 1x4x4 samples.
#include <xgan/xgan.hpp>

namespace xgan_fuzz {

using TinyG = xgan::Sequential<xgan::Linear<8, 16>, xgan::ReLU, xgan::Linear<16, 16>, xgan::Tanh, xgan::Reshape<1, 4, 4>>;
using TinyD = xgan::Sequential<xgan::Flatten, xgan::Linear<16, 8>, xgan::LeakyReLU<xgan::ratio(0.2)>, xgan::Linear<8, 1>,
                               xgan::Sigmoid>;
using TinyGan = xgan::Gan<TinyG, TinyD, xgan::Shape<8>>;
using TinySample = xgan::Shape<1, 4, 4>;

constexpr std::size_t tiny_batch = 4, tiny_grid = 8;

// Ten 1x4x4 images of fixed values in [-1, 1].
inline xgan::data::ImageDataset tiny_dataset() {
    xgan::data::ImageDataset ds;
    ds.count = 10;
    ds.channels = 1;
    ds.height = ds.width = 4;
    for (std::size_t i = 0; i < ds.count * 16; ++i) ds.images.push_back(float(int(i * 37 % 21) - 10) / 10.0f);
    return ds;
}

// A checkpoint of the tiny GAN after `steps` training steps, in run_dir/checkpoints/step_N/.
inline std::filesystem::path write_tiny_checkpoint(const std::filesystem::path& run_dir, int steps) {
    const auto ds = tiny_dataset();
    xgan::GanTrainer<TinyGan> trainer(xgan::GanOptions{}, 1);
    xgan::data::BatchLoader loader(ds, tiny_batch, 2);
    xgan::Tensor<xgan::Shape<8>, xgan::Cpu> noise(tiny_grid);
    xgan::Rng(3).fill_normal(noise.data(), noise.size());
    xgan::Tensor<TinySample, xgan::Cpu> real;
    for (int i = 0; i < steps; ++i) {
        if (!loader.next(real)) loader.next(real);
        trainer.train_step(real);
    }
    return xgan::train::save_checkpoint<TinyGan>(run_dir, {trainer, loader, noise}, nlohmann::json{{"model", "tiny"}});
}

}  // namespace xgan_fuzz
