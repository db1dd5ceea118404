#pragma once
// Settings of one `xgan train` run, as parsed from the command line and saved in config.json.
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace xgan_cli {

struct RunOptions {
    std::string model = "mlp";
    std::string objective;  // the GAN objective ("": the model's own; see models.hpp, family)
    std::string data = "mnist";
    int epochs = -1;       // -1: the model's default
    int batch_size = -1;
    double lr = -1;
    double beta1 = -1, beta2 = -1;
    std::uint64_t seed = 1;
    std::filesystem::path out = "runs/mlp";
    int log_every = 50;         // steps between metrics.jsonl lines
    std::int64_t max_steps = 0;  // 0: no limit (for quick runs and tests)
    std::size_t limit = 0;       // use only the first N training images (0: all)
    std::string init = "default";  // default | pytorch | dcgan
    double real_label = -1;        // one-sided smoothing target, -1: model default
    double noisy_labels = -1;      // width w: real ~ U(1-w, 1), fake ~ U(0, w); -1: model default, 0: off
    double flip_labels = 0;        // probability of swapping a sample's target
    double instance_noise = 0;     // stddev of Gaussian noise on D's inputs
    std::size_t channels = 0;      // dcgan64: 1 or 3 (0: the model's)
    int critic_steps = -1;         // D updates per G update (-1: the model's)
    std::filesystem::path labels_csv;  // folder data: attribute table (CelebA-style)
    std::string attribute;             // its column giving the label (-1 -> 0, 1 -> 1)
    bool quiet = false;
    std::int64_t checkpoint_every = 0;  // steps between checkpoints (0: at the end of every epoch)
    std::size_t keep = 3;               // checkpoints kept (0: all)
    std::int64_t eval_every = 0;        // steps between sample-quality evaluations (0: none)
    std::size_t eval_samples = 2000;    // generated samples per evaluation
    std::filesystem::path resume;       // run directory to continue
};

inline nlohmann::json to_json(const RunOptions& o) {
    return {{"model", o.model},       {"objective", o.objective}, {"data", o.data},           {"epochs", o.epochs},
            {"batch_size", o.batch_size}, {"lr", o.lr},           {"beta1", o.beta1},
            {"beta2", o.beta2},       {"seed", o.seed},           {"log_every", o.log_every},
            {"max_steps", o.max_steps}, {"limit", o.limit},       {"init", o.init},
            {"real_label", o.real_label}, {"noisy_labels", o.noisy_labels},
            {"flip_labels", o.flip_labels}, {"instance_noise", o.instance_noise}, {"critic_steps", o.critic_steps}, {"labels", o.labels_csv.string()}, {"attribute", o.attribute}, {"checkpoint_every", o.checkpoint_every}, {"keep", o.keep},
            {"eval_every", o.eval_every}, {"eval_samples", o.eval_samples}};
}

// The settings a run was started with, read back from its config.json for --resume.
inline RunOptions from_json(const nlohmann::json& j) {
    RunOptions o;
    o.model = j.at("model").get<std::string>();
    o.objective = j.value("objective", std::string());
    o.data = j.at("data").get<std::string>();
    o.epochs = j.at("epochs").get<int>();
    o.batch_size = j.at("batch_size").get<int>();
    o.lr = j.at("lr").get<double>();
    o.beta1 = j.at("beta1").get<double>();
    o.beta2 = j.at("beta2").get<double>();
    o.seed = j.at("seed").get<std::uint64_t>();
    o.log_every = j.at("log_every").get<int>();
    o.max_steps = j.at("max_steps").get<std::int64_t>();
    o.limit = j.at("limit").get<std::size_t>();
    o.init = j.at("init").get<std::string>();
    o.real_label = j.at("real_label").get<double>();
    o.noisy_labels = j.value("noisy_labels", -1.0);
    o.flip_labels = j.value("flip_labels", 0.0);
    o.instance_noise = j.value("instance_noise", 0.0);
    o.critic_steps = j.value("critic_steps", 1);
    o.labels_csv = j.value("labels", std::string());
    o.attribute = j.value("attribute", std::string());
    o.checkpoint_every = j.value("checkpoint_every", std::int64_t{0});
    o.keep = j.value("keep", std::size_t{3});
    o.eval_every = j.value("eval_every", std::int64_t{0});
    o.eval_samples = j.value("eval_samples", std::size_t{2000});
    return o;
}

}  // namespace xgan_cli
