#pragma once
// `xgan sample`: draws samples from a run's generator, as a PNG grid or as a safetensors file
// holding one F32 tensor "samples" of shape [N, C, H, W] with values in [-1, 1].
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>
#include <xgan/xgan.hpp>

#include "models.hpp"

namespace xgan_cli {

struct SampleOptions {
    std::filesystem::path run;
    std::filesystem::path generator;  // a generator's weights (e.g. from PyTorch), instead of a run
    std::string model;                // with --generator: the model they belong to
    bool train_mode = false;          // BatchNorm with batch statistics, as a model in train()
    int n = 64;
    std::uint64_t seed = 0;
    std::filesystem::path out = "samples.png";
};

inline std::string model_of_run(const std::filesystem::path& run) {
    const auto file = run / "config.json";
    std::ifstream in(file);
    if (!in) throw FileError(file, "not found: is " + run.string() + " a run directory made by `xgan train`?");
    try {
        return nlohmann::json::parse(in).at("model").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        throw FileError(file, std::string("not a valid run configuration: ") + e.what());
    }
}

template <class M>
int sample(const SampleOptions& o) {
    using GanT = typename M::gan;
    using Noise = typename GanT::noise_shape;
    using Sample = typename GanT::sample_shape;
    if (o.n <= 0) throw Error("--n must be positive");
    typename GanT::generator g;
    io::load_weights(g, o.generator.empty() ? o.run / "generator.safetensors" : o.generator);
    Tensor<Noise> z(std::size_t(o.n));
    Rng rng(o.seed);
    rng.fill_normal(z.data(), z.size());
    const auto& x = g.forward(z, o.train_mode ? Mode::train : Mode::eval);
    if (o.out.extension() == ".safetensors") {
        std::vector<std::int64_t> shape = {o.n};
        for (auto d : Sample::dims) shape.push_back(std::int64_t(d));
        io::write_safetensors(o.out, {{"samples", io::DType::F32, shape, x.data()}});
    } else {
        static_assert(Sample::rank == 3);
        io::write_grid_png(o.out, x.data(), x.batch(), Sample::dims[0], Sample::dims[1], Sample::dims[2], 8, 2);
    }
    return 0;
}

}  // namespace xgan_cli
