// Run checkpoints (train/checkpoint.hpp): ordered by the step in their name, pruned without ever
// leaving a half-deleted step_ folder, and a resume that falls back to the newest checkpoint
// that loads.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "temp_dir.hpp"
#include "xgan/train/checkpoint.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/reshape.hpp"

using namespace xgan;
namespace fs = std::filesystem;

namespace {

using TinyG = Sequential<Linear<4, 8>, ReLU, Linear<8, 9>, Tanh, Reshape<1, 3, 3>>;
using TinyD = Sequential<Flatten, Linear<9, 8>, LeakyReLU<ratio(0.2)>, Linear<8, 1>, Sigmoid>;
using TinyGan = Gan<TinyG, TinyD, Shape<4>>;

std::vector<std::string> names(const std::vector<fs::path>& paths) {
    std::vector<std::string> out;
    for (const auto& p : paths) out.push_back(p.filename().string());
    return out;
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

void folder(const fs::path& p) {
    fs::create_directories(p);
    std::ofstream(p / "generator.safetensors") << "x";
}

// Everything a checkpoint restores: weights, optimizer state, steps, fixed noise.
struct Snapshot {
    std::vector<float> values;
    std::int64_t steps = 0;
    bool operator==(const Snapshot& o) const {
        return steps == o.steps && values.size() == o.values.size() &&
               std::memcmp(values.data(), o.values.data(), values.size() * sizeof(float)) == 0;
    }
};

Snapshot snapshot(GanTrainer<TinyGan>& t, const Tensor<Shape<4>, Cpu>& noise) {
    Snapshot s;
    auto add = [&](const float* p, std::size_t n) { s.values.insert(s.values.end(), p, p + n); };
    auto visit = [&](const StateEntry<float>& e) { add(e.value, e.numel()); };
    t.generator().visit_state(visit, "");
    t.discriminator().visit_state(visit, "");
    auto optimizer_state = [&](std::string_view, const auto& v) { add(v.data(), v.size()); };
    t.generator_optimizer().visit_state(optimizer_state);
    t.discriminator_optimizer().visit_state(optimizer_state);
    add(noise.data(), noise.size());
    s.steps = t.steps();
    return s;
}

// n images of 1x3x3 with values in [-1, 1].
data::ImageDataset tiny_images(std::size_t n) {
    data::ImageDataset ds{n, 1, 3, 3, std::vector<float>(n * 9), {}, {}, {}};
    for (std::size_t i = 0; i < ds.images.size(); ++i) ds.images[i] = float(std::sin(0.37 * double(i)));
    return ds;
}

}  // namespace

TEST_CASE("checkpoint: the step comes from the name, and other names are not checkpoints") {
    CHECK(train::checkpoint_step("step_0000040") == 40);
    CHECK(train::checkpoint_step("step_10000000") == 10000000);
    CHECK(train::checkpoint_step("step_123456789012345678") == 123456789012345678);
    for (const char* bad : {"step_", "step_12a", "step_-5", "Step_1", ".step_0000040.partial", ".step_0000040.pruning",
                            "step_1234567890123456789", "notes"})
        CHECK_MESSAGE(!train::checkpoint_step(bad), bad);
}

TEST_CASE("checkpoint: latest and pruning go by step, past step 9,999,999 too") {
    TempDir run("xgan_test_checkpoint_");
    const fs::path root = run.path / "checkpoints";
    for (const char* n : {"step_9999999", "step_10000000", "step_0000040", "step_12a", ".step_20000000.partial"}) folder(root / n);
    std::ofstream(root / "step_30000000") << "a file, not a checkpoint folder";
    CHECK(names(train::list_checkpoints(run.path)) == std::vector<std::string>{"step_0000040", "step_9999999", "step_10000000"});
    REQUIRE(train::latest_checkpoint(run.path));
    CHECK(train::latest_checkpoint(run.path)->filename() == "step_10000000");

    train::prune_checkpoints(run.path, 1);
    CHECK(entries(root) == std::vector<std::string>{"step_10000000", "step_12a", "step_30000000"});
    CHECK(!train::latest_checkpoint(run.path / "nowhere"));
}

TEST_CASE("checkpoint: a prune killed mid-deletion leaves a hidden folder, removed by the next prune") {
    TempDir run("xgan_test_checkpoint_");
    const fs::path root = run.path / "checkpoints";
    folder(root / "step_0000020");
    folder(root / "step_0000030");
    // What a kill between the rename and the end of the deletion leaves behind.
    folder(root / ".step_0000010.pruning");
    CHECK(train::latest_checkpoint(run.path)->filename() == "step_0000030");
    CHECK(names(train::list_checkpoints(run.path)) == std::vector<std::string>{"step_0000020", "step_0000030"});
    train::prune_checkpoints(run.path, 0);  // keep all: still clears the leftovers
    CHECK(entries(root) == std::vector<std::string>{"step_0000020", "step_0000030"});
    train::prune_checkpoints(run.path, 1);
    CHECK(entries(root) == std::vector<std::string>{"step_0000030"});
}

TEST_CASE("checkpoint: a resume skips incomplete checkpoints and takes the newest one that loads") {
    TempDir run("xgan_test_checkpoint_");
    const data::ImageDataset ds = tiny_images(32);
    GanTrainer<TinyGan> trainer(GanOptions{}, 7);
    data::BatchLoader loader(ds, 8, 8);
    Tensor<Shape<4>, Cpu> noise(2);
    Rng(3).fill_normal(noise.data(), noise.size());
    Tensor<Shape<1, 3, 3>, Cpu> real;
    std::vector<Snapshot> saved;
    std::vector<std::size_t> cursors;
    for (int k = 0; k < 3; ++k) {
        for (int s = 0; s < 2; ++s) {
            if (!loader.next(real)) loader.next(real);
            trainer.train_step(real);
        }
        train::save_checkpoint<TinyGan>(run.path, {trainer, loader, noise}, nlohmann::json::object());
        saved.push_back(snapshot(trainer, noise));
        cursors.push_back(loader.cursor());
    }
    const fs::path root = run.path / "checkpoints";
    REQUIRE(entries(root) == std::vector<std::string>{"step_0000002", "step_0000004", "step_0000006"});
    // step 6 lost its state file; step 4 has a truncated discriminator, found only after its
    // generator was loaded: the older checkpoint must overwrite that too.
    fs::remove(root / "step_0000006" / "state.safetensors");
    fs::resize_file(root / "step_0000004" / "discriminator.safetensors", 100);

    GanTrainer<TinyGan> resumed(GanOptions{}, 99);
    data::BatchLoader loader2(ds, 8, 12);
    Tensor<Shape<4>, Cpu> noise2(2);
    const train::ResumePoint point = train::load_latest_checkpoint<TinyGan>(run.path, {resumed, loader2, noise2});
    CHECK(point.checkpoint.filename() == "step_0000002");
    REQUIRE(point.skipped.size() == 2);
    CHECK(point.skipped[0].find("step_0000006/state.safetensors: not found") != std::string::npos);
    CHECK(point.skipped[1].find("step_0000004/discriminator.safetensors") != std::string::npos);
    CHECK(snapshot(resumed, noise2) == saved[0]);
    CHECK(loader2.cursor() == cursors[0]);

    // Nothing loads: the error names the folder and every reason.
    fs::remove(root / "step_0000002" / "optimizers.safetensors");
    try {
        (void)train::load_latest_checkpoint<TinyGan>(run.path, {resumed, loader2, noise2});
        FAIL("no error");
    } catch (const FileError& e) {
        const std::string msg = e.what();
        CHECK(e.path == root);
        CHECK(msg.find("no complete checkpoint to resume from") != std::string::npos);
        CHECK(msg.find("step_0000002/optimizers.safetensors: not found") != std::string::npos);
        CHECK(msg.find("step_0000006") != std::string::npos);
    }
}

// A run of TinyGan one step in, with its loader and fixed noise.
struct OneStepRun {
    TempDir run{"xgan_test_checkpoint_"};
    data::ImageDataset ds = tiny_images(12);
    GanTrainer<TinyGan> trainer{GanOptions{}, 1};
    data::BatchLoader loader{ds, 4, 3};
    Tensor<Shape<4>, Cpu> noise{2};
    OneStepRun() {
        Tensor<Shape<1, 3, 3>, Cpu> real;
        REQUIRE(loader.next(real));
        trainer.train_step(real);
    }
};

TEST_CASE("checkpoint: counters out of range, an order that is no permutation and NaN state are refused, naming the file") {
    OneStepRun one;
    auto& run = one.run;
    auto& ds = one.ds;
    auto& trainer = one.trainer;
    auto& loader = one.loader;
    auto& noise = one.noise;
    const fs::path dir = train::save_checkpoint<TinyGan>(run.path, {trainer, loader, noise}, nlohmann::json::object());
    const fs::path state = dir / "state.safetensors";
    const io::SafetensorsFile original = io::read_safetensors(state);

    // Rewrites state.safetensors with one entry's values changed.
    auto rewrite = [&](const std::string& name, auto change) {
        io::SafetensorsFile f = original;
        std::vector<io::TensorView> views;
        for (auto& [n, e] : f.tensors) {
            if (n == name) change(e);
            views.push_back({n, e.dtype, e.shape, e.bytes.data()});
        }
        io::write_safetensors(state, views, f.metadata);
    };
    auto refused = [&](const std::string& what) {
        GanTrainer<TinyGan> t2(GanOptions{}, 2);
        data::BatchLoader l2(ds, 4, 5);
        Tensor<Shape<4>, Cpu> n2(2);
        try {
            train::load_checkpoint<TinyGan>(dir, {t2, l2, n2});
            FAIL("loaded: " << what);
        } catch (const FileError& e) {
            CHECK(e.path == state);
            CHECK_MESSAGE(std::string(e.what()).find(what) != std::string::npos, e.what());
        }
    };
    auto set_i64 = [](std::size_t index, std::int64_t v) {
        return [=](io::SafetensorsEntry& e) { std::memcpy(e.bytes.data() + index * 8, &v, 8); };
    };
    rewrite("position", set_i64(2, std::numeric_limits<std::int64_t>::max()));  // the step: would overflow
    refused("checkpoint step is 9223372036854775807");
    rewrite("position", set_i64(0, -1));
    refused("checkpoint epoch is -1");
    rewrite("position", set_i64(1, 13));
    refused("loader cursor is 13");
    rewrite("loader.order", set_i64(0, 12));
    refused("not a permutation");
    rewrite("loader.order", set_i64(0, 1));  // index 1 twice
    refused("not a permutation");
    rewrite("fixed_noise", [](io::SafetensorsEntry& e) {
        const float nan = std::nanf("");
        std::memcpy(e.bytes.data() + 4, &nan, 4);
    });
    refused("'fixed_noise' holds nan at index 1");
}

TEST_CASE("checkpoint: SGD and RMSprop state round-trips, and a resume equals the uninterrupted run") {
    GanOptions o;
    o.generator_optimizer.kind = optim::Kind::rmsprop;
    o.generator_optimizer.lr = 1e-3;
    o.generator_optimizer.momentum = 0.9;
    o.generator_optimizer.centered = true;
    o.discriminator_optimizer.kind = optim::Kind::sgd;
    o.discriminator_optimizer.lr = 1e-2;
    o.discriminator_optimizer.momentum = 0.9;
    o.discriminator_optimizer.nesterov = true;
    o.generator_steps = 2;
    o.fresh_noise = true;
    o.clip = 0.3;
    TempDir run("xgan_test_checkpoint_");
    const data::ImageDataset ds = tiny_images(32);
    Tensor<Shape<4>, Cpu> noise(2);
    Rng(3).fill_normal(noise.data(), noise.size());
    Tensor<Shape<1, 3, 3>, Cpu> real;
    auto steps = [&](GanTrainer<TinyGan>& t, data::BatchLoader& loader, int n) {
        for (int s = 0; s < n; ++s) {
            if (!loader.next(real)) loader.next(real);
            t.train_step(real);
        }
    };

    GanTrainer<TinyGan> trainer(o, 7);
    data::BatchLoader loader(ds, 8, 8);
    steps(trainer, loader, 3);
    const fs::path saved = train::save_checkpoint<TinyGan>(run.path, {trainer, loader, noise}, nlohmann::json::object());
    const Snapshot at_save = snapshot(trainer, noise);
    steps(trainer, loader, 3);
    const Snapshot uninterrupted = snapshot(trainer, noise);
    CHECK(trainer.steps() == 6);
    CHECK(trainer.generator_optimizer().steps() == 12);  // two G updates per step
    CHECK(trainer.generator_optimizer().steps() == 12);
    CHECK(trainer.discriminator_optimizer().steps() == 6);

    GanTrainer<TinyGan> resumed(o, 99);
    data::BatchLoader loader2(ds, 8, 12);
    Tensor<Shape<4>, Cpu> noise2(2);
    train::load_checkpoint<TinyGan>(saved, {resumed, loader2, noise2});
    CHECK(snapshot(resumed, noise2) == at_save);
    steps(resumed, loader2, 3);
    CHECK(snapshot(resumed, noise2) == uninterrupted);

    // A trainer configured with Adam finds no Adam state in this checkpoint, and says why.
    GanTrainer<TinyGan> adam(GanOptions{}, 1);
    CHECK_THROWS_WITH_AS(train::load_checkpoint<TinyGan>(saved, {adam, loader2, noise2}),
                         doctest::Contains("'generator.exp_avg' is missing: the generator's optimizer is adam"), FileError);
}

TEST_CASE("checkpoint: one made by a data-parallel run resumes only with as many processes") {
    OneStepRun one;
    const fs::path two = train::save_checkpoint<TinyGan>(one.run.path, {one.trainer, one.loader, one.noise, 2}, nlohmann::json::object());
    GanTrainer<TinyGan> other(GanOptions{}, 9);
    data::BatchLoader other_loader(one.ds, 4, 7);
    try {
        train::load_checkpoint<TinyGan>(two, {other, other_loader, one.noise, 1});
        FAIL("a 2-process checkpoint loaded into a 1-process run");
    } catch (const MismatchError& e) {
        CHECK(std::string(e.what()).find("made by a run of 2 processes and this run has 1") != std::string::npos);
    }
    CHECK_NOTHROW(train::load_checkpoint<TinyGan>(two, {other, other_loader, one.noise, 2}));
    CHECK(snapshot(other, one.noise) == snapshot(one.trainer, one.noise));
}
