// libFuzzer harness: xgan::train::load_checkpoint (include/xgan/io/checkpoint.hpp) with the
// input as the checkpoint's state.safetensors (random streams, loader position and order,
// fixed noise, step counts) beside valid weights and optimizer files, loaded into a trainer of
// a tiny GAN; then the restored state is used as a resumed run would: one batch, one training
// step, one grid of samples.
#include <cstdlib>
#include <filesystem>

#include "fuzz_common.hpp"
#include "tiny_gan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace xgan_fuzz;
    static const std::filesystem::path checkpoint = write_tiny_checkpoint(scratch() / "run", 3);
    static const xgan::data::ImageDataset dataset = tiny_dataset();
    {
        std::FILE* f = std::fopen((checkpoint / "state.safetensors").c_str(), "wb");
        if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) std::abort();
    }
    run_one([&] {
        xgan::GanTrainer<TinyGan> trainer(xgan::GanOptions{}, 1);
        xgan::data::BatchLoader loader(dataset, tiny_batch, 2);
        xgan::Tensor<xgan::Shape<8>, xgan::Cpu> noise(tiny_grid);
        xgan::train::load_checkpoint<TinyGan>(checkpoint, {trainer, loader, noise});
        xgan::Tensor<TinySample, xgan::Cpu> real;
        if (!loader.next(real)) loader.next(real);
        trainer.train_step(real);
        (void)trainer.generate(noise, xgan::Mode::eval);
    });
    return 0;
}
