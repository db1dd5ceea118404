// The run library (train/fit.hpp): a whole run of a user's GAN type into a run directory,
// its hooks, a stop requested by a hook, exact resume, and the checks made before the
// directory is touched.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "xgan/xgan.hpp"

using namespace xgan;
namespace fs = std::filesystem;

namespace {

using FitG = Sequential<Linear<8, 32>, ReLU, Linear<32, 16>, Tanh, Reshape<1, 4, 4>>;
using FitD = Sequential<Flatten, Linear<16, 32>, LeakyReLU<ratio(0.2)>, Linear<32, 1>, Sigmoid>;
using FitGan = Gan<FitG, FitD, Shape<8>>;
using FitCgan = ConditionalGan<Sequential<Linear<10, 16>, Tanh, Reshape<1, 4, 4>>,
                               Sequential<Flatten, Linear<48, 1>, Sigmoid>, Shape<8>, 2>;

// 40 images of 1x4x4: smooth patterns in [-1, 1].
data::ImageDataset patterns(std::size_t count = 40) {
    data::ImageDataset ds{count, 1, 4, 4, {}, {}, {}, {}};
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t p = 0; p < 16; ++p) ds.images.push_back(float(std::sin(0.3 * double(i) + 0.7 * double(p))));
    return ds;
}

train::RunSettings quiet_settings() {
    train::RunSettings s;
    s.model = "fit-test";
    s.data = "patterns";
    s.epochs = 2;
    s.batch_size = 8;  // 5 steps per epoch
    s.quiet = true;
    s.log_every = 1;
    return s;
}

std::vector<float> weights_of(const fs::path& file) {
    FitGan::generator g;
    io::load_weights(g, file);
    std::vector<float> w;
    g.visit_state([&](const StateEntry<float>& e) {
        if (e.value) w.insert(w.end(), e.value, e.value + e.numel());
    }, "");
    return w;
}

}  // namespace

TEST_CASE("fit trains a user's GAN type into a run directory and calls every hook") {
    TempDir dir("xgan_test_fit_");
    train::Hooks<FitGan> hooks;
    std::int64_t steps_seen = 0, last_step = 0;
    std::vector<int> epochs_seen;
    std::vector<fs::path> checkpoints_seen;
    int ends = 0;
    hooks.after_step.push_back([&](train::RunContext<FitGan>& ctx, const StepStats& s) {
        ++steps_seen;
        CHECK(ctx.trainer.steps() == last_step + 1);
        last_step = ctx.trainer.steps();
        CHECK(std::isfinite(s.d_loss));
    });
    hooks.after_epoch.push_back([&](train::RunContext<FitGan>& ctx, const Tensor<Shape<1, 4, 4>, Cpu>& samples) {
        epochs_seen.push_back(ctx.epoch);
        CHECK(samples.batch() == 64);
    });
    hooks.after_checkpoint.push_back([&](train::RunContext<FitGan>&, const fs::path& p) { checkpoints_seen.push_back(p); });
    hooks.at_end.push_back([&](train::RunContext<FitGan>&) { ++ends; });

    const train::RunResult r = train::fit<FitGan>(patterns(), dir.path, quiet_settings(), hooks);
    CHECK(!r.interrupted);
    CHECK(r.steps == 10);
    CHECK(steps_seen == 10);
    CHECK(epochs_seen == std::vector<int>{1, 2});
    CHECK(ends == 1);
    // One checkpoint per epoch, and the final one (the same step as epoch 2's, written again).
    REQUIRE(checkpoints_seen.size() == 3);
    CHECK(checkpoints_seen[0].filename() == "step_0000005");
    CHECK(checkpoints_seen[2].filename() == "step_0000010");
    for (const char* file : {"config.json", "metrics.jsonl", "generator.safetensors", "discriminator.safetensors",
                             "loss.png", "report.html", "samples/epoch_0001.png", "samples/epoch_0002.png"})
        CHECK_MESSAGE(fs::exists(dir.path / file), file);
    // Without a config of the program's own, config.json lists the run's settings.
    std::ifstream config_file(dir.path / "config.json");
    const auto config = nlohmann::json::parse(config_file);
    CHECK(config.at("model") == "fit-test");
    CHECK(config.at("batch_size") == 8);
    CHECK(config.at("generator_optimizer") == "Adam lr 0.0002 betas (0.5, 0.999)");
}

TEST_CASE("fit: a hook stops the run after its step, and a resume continues it exactly") {
    TempDir stopped("xgan_test_fit_"), whole("xgan_test_fit_");
    train::Hooks<FitGan> stop_at_7;
    stop_at_7.after_step.push_back([](train::RunContext<FitGan>& ctx, const StepStats&) { ctx.stop = ctx.trainer.steps() == 7; });
    CHECK(train::fit<FitGan>(patterns(), stopped.path, quiet_settings(), stop_at_7).steps == 7);
    CHECK(fs::exists(stopped.path / "checkpoints" / "step_0000007"));

    train::RunSettings resume = quiet_settings();
    resume.resume = true;
    CHECK(train::fit<FitGan>(patterns(), stopped.path, resume).steps == 10);
    CHECK(train::fit<FitGan>(patterns(), whole.path, quiet_settings()).steps == 10);
    // The same code path on the same machine: bit-identical weights.
    CHECK(weights_of(stopped.path / "generator.safetensors") == weights_of(whole.path / "generator.safetensors"));
}

TEST_CASE("fit refuses a data set or settings that do not fit the model before touching the directory") {
    TempDir dir("xgan_test_fit_");
    const fs::path run = dir.path / "run";
    auto error_of = [&](auto&& f) -> std::string {
        try {
            f();
        } catch (const Error& e) {
            return e.what();
        }
        return "no error";
    };
    data::ImageDataset wrong{4, 1, 5, 5, std::vector<float>(100, 0.0f), {}, {}, {}};
    CHECK(error_of([&] { train::fit<FitGan>(wrong, run, quiet_settings()); }).find("makes samples of shape") != std::string::npos);
    train::RunSettings big_batch = quiet_settings();
    big_batch.batch_size = 41;
    CHECK(error_of([&] { train::fit<FitGan>(patterns(), run, big_batch); }).find("batch size") != std::string::npos);
    CHECK(error_of([&] { train::fit<FitCgan>(patterns(), run, quiet_settings()); }).find("no labels") != std::string::npos);
    data::ImageDataset labelled = patterns();
    labelled.labels.assign(labelled.count, 0);
    labelled.labels[3] = 2;
    CHECK(error_of([&] { train::fit<FitCgan>(labelled, run, quiet_settings()); }).find("label 2 is outside") != std::string::npos);
    train::RunSettings resume = quiet_settings();
    resume.resume = true;
    CHECK(error_of([&] { train::fit<FitGan>(patterns(), run, resume); }).find("no complete checkpoint") != std::string::npos);
    CHECK(!fs::exists(run));
}

TEST_CASE("fit: grid_every adds step grids, and the report keeps every grid in time order across a resume") {
    TempDir dir("xgan_test_fit_");
    train::RunSettings s = quiet_settings();
    s.grid_every = 3;
    train::Hooks<FitGan> stop_at_4;
    stop_at_4.after_step.push_back([](train::RunContext<FitGan>& ctx, const StepStats&) { ctx.stop = ctx.trainer.steps() == 4; });
    CHECK(train::fit<FitGan>(patterns(), dir.path, s, stop_at_4).steps == 4);
    s.resume = true;
    CHECK(train::fit<FitGan>(patterns(), dir.path, s).steps == 10);
    for (const char* grid : {"step_0000003.png", "step_0000006.png", "step_0000009.png", "epoch_0001.png", "epoch_0002.png"})
        CHECK_MESSAGE(fs::exists(dir.path / "samples" / grid), grid);
    CHECK(!fs::exists(dir.path / "samples" / "step_0000004.png"));
    std::string report;
    {
        std::ifstream in(dir.path / "report.html");
        report.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto at = [&](const std::string& label) { return report.find("data-label=\"" + label + "\""); };
    REQUIRE(at("step 3") != std::string::npos);
    CHECK(at("step 3") < at("epoch 1"));
    CHECK(at("epoch 1") < at("step 6"));
    CHECK(at("step 6") < at("step 9"));
    CHECK(at("step 9") < at("epoch 2"));
    // Epoch 1's grid, written at the stop and again when the resumed run ended the epoch, once.
    CHECK(report.find("data-label=\"epoch 1\"", at("epoch 1") + 1) == std::string::npos);
}
