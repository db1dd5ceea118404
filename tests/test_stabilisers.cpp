// The training stabilisers that are run options: experience replay (gan/replay.hpp) and the
// moving average of G's weights (nn/weight_average.hpp), alone, inside GanTrainer, and across
// a checkpoint and resume.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "temp_dir.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/batchnorm.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/train/checkpoint.hpp"

using namespace xgan;
namespace fs = std::filesystem;

namespace {

using TinyG = Sequential<Linear<4, 8>, BatchNorm1d<8>, ReLU, Linear<8, 9>, Tanh, Reshape<1, 3, 3>>;
using TinyD = Sequential<Flatten, Linear<9, 8>, LeakyReLU<ratio(0.2)>, Linear<8, 1>, Sigmoid>;
using TinyGan = Gan<TinyG, TinyD, Shape<4>>;
using Sample = Shape<1, 3, 3>;

std::vector<float> state_values(auto& net, bool trainable) {
    std::vector<float> out;
    net.visit_state(
        [&](const StateEntry<float>& e) {
            if (e.value && e.trainable() == trainable) out.insert(out.end(), e.value, e.value + e.numel());
        },
        "");
    return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Batches of 1x3x3 images with values in [-1, 1].
Tensor<Sample, Cpu> batch_of(std::size_t n, double phase) {
    Tensor<Sample, Cpu> x(n);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(0.37 * double(i) + phase));
    return x;
}

data::ImageDataset tiny_images(std::size_t n) {
    data::ImageDataset ds{n, 1, 3, 3, std::vector<float>(n * 9), {}, {}, {}};
    for (std::size_t i = 0; i < ds.images.size(); ++i) ds.images[i] = float(std::sin(0.37 * double(i)));
    return ds;
}

// Samples numbered by their first value: sample i of batch b holds 100 b + i everywhere.
std::vector<float> numbered(std::size_t batch, std::size_t n, std::size_t size) {
    std::vector<float> x(n * size);
    for (std::size_t i = 0; i < n; ++i) std::fill_n(x.begin() + std::ptrdiff_t(i * size), size, float(100 * batch + i));
    return x;
}

}  // namespace

TEST_CASE("replay buffer: stores new fakes until full, then swaps each with probability p") {
    constexpr std::size_t size = 3;
    Rng rng(5);
    SUBCASE("filling leaves the batch as it is, whatever p") {
        ReplayBuffer<float> buffer(1.0, 6, size);
        auto x = numbered(1, 4, size);
        const auto before = x;
        buffer.mix(x.data(), 4, rng);
        CHECK(x == before);
        CHECK(buffer.size() == 4);
        auto y = numbered(2, 4, size);
        buffer.mix(y.data(), 4, rng);  // two fill the buffer, the next two are swapped (p = 1)
        CHECK(buffer.size() == 6);
        CHECK(y[0] == 200);
        CHECK(y[size] == 201);
        for (std::size_t i = 2; i < 4; ++i) CHECK(y[i * size] != float(200 + i));  // a stored fake
    }
    SUBCASE("p = 1: every new fake goes into the buffer and D sees a stored one") {
        ReplayBuffer<float> buffer(1.0, 4, size);
        auto first = numbered(1, 4, size);
        buffer.mix(first.data(), 4, rng);
        auto second = numbered(2, 4, size);
        buffer.mix(second.data(), 4, rng);
        for (std::size_t i = 0; i < 4; ++i) {
            const float v = second[i * size];
            CHECK(((v >= 100 && v < 104) || (v >= 200 && v < 204)));  // batch 1's, or batch 2's stored a moment before
            CHECK(v != float(200 + i));
            CHECK(second[i * size + 2] == second[i * size]);  // whole samples move
        }
        // Every one of batch 2's fakes was stored, unless a later swap in the same batch took it out again.
        std::vector<float> all(buffer.samples().begin(), buffer.samples().end());
        all.insert(all.end(), second.begin(), second.end());
        for (std::size_t i = 0; i < 4; ++i) {
            CHECK(std::count(all.begin(), all.end(), float(100 + i)) == long(size));
            CHECK(std::count(all.begin(), all.end(), float(200 + i)) == long(size));
        }
    }
    SUBCASE("p = 0: a full buffer changes nothing") {
        ReplayBuffer<float> buffer(0.0, 2, size);
        auto first = numbered(1, 2, size);
        buffer.mix(first.data(), 2, rng);
        const std::vector<float> stored(buffer.samples().begin(), buffer.samples().end());
        auto second = numbered(2, 2, size);
        const auto before = second;
        buffer.mix(second.data(), 2, rng);
        CHECK(second == before);
        CHECK(std::vector<float>(buffer.samples().begin(), buffer.samples().end()) == stored);
    }
    SUBCASE("p = 0.3: about 30% of the fakes are swapped") {
        ReplayBuffer<float> buffer(0.3, 8, 1);
        std::vector<float> fill(8, -1.0f);
        buffer.mix(fill.data(), 8, rng);
        std::size_t swapped = 0;
        const std::size_t n = 20000;
        for (std::size_t k = 0; k < n; ++k) {
            float x = float(k);
            buffer.mix(&x, 1, rng);
            swapped += x != float(k);
        }
        // Binomial(20000, 0.3): the standard deviation is 65 swaps; allow 5 of them.
        CHECK(double(swapped) == doctest::Approx(0.3 * n).epsilon(325.0 / (0.3 * n)));
    }
    SUBCASE("bad settings and a bad restore are refused") {
        CHECK_THROWS_WITH_AS(ReplayBuffer<float>(1.5, 4, size), doctest::Contains("not in [0, 1]"), Error);
        CHECK_THROWS_WITH_AS(ReplayBuffer<float>(0.5, 0, size), doctest::Contains("at least one sample"), Error);
        ReplayBuffer<float> buffer(0.5, 2, size);
        std::vector<float> three(3 * size), partial(size + 1);
        CHECK_THROWS_AS(buffer.restore(three), Error);
        CHECK_THROWS_AS(buffer.restore(partial), Error);
        CHECK(buffer.size() == 0);
    }
}

TEST_CASE("weight average: trained tensors move by (1 - decay) toward the network, buffers are copied") {
    using G = TinyGan::generator;
    G live;
    Rng rng(3);
    live.reset_parameters(rng, Init::pytorch);
    WeightAverage<G> average(live, 0.9);
    CHECK(same_bits(state_values(average.net(), true), state_values(live, true)));
    const auto start = state_values(live, true);

    // A train-mode forward moves BatchNorm's running statistics; new weights stand for a step.
    Tensor<Shape<4>, Cpu> z(5);
    rng.fill_normal(z.data(), z.size());
    (void)live.forward(z, Mode::train);
    for (const auto& p : trainable_parameters(live))
        for (std::size_t i = 0; i < p.size; ++i) p.value[i] += float(0.01 * double(i % 7) - 0.02);
    const auto moved = state_values(live, true);
    average.update();

    const auto averaged = state_values(average.net(), true);
    REQUIRE(averaged.size() == start.size());
    for (std::size_t i = 0; i < averaged.size(); ++i)
        CHECK(averaged[i] == doctest::Approx(0.9 * start[i] + 0.1 * moved[i]).epsilon(1e-6));
    CHECK(same_bits(state_values(average.net(), false), state_values(live, false)));  // running mean and variance
    CHECK_THROWS_WITH_AS(WeightAverage<G>(live, 1.0), doctest::Contains("not in [0, 1)"), Error);
}

TEST_CASE("trainer: with ema, G's average follows each G update and is what generate() samples") {
    GanOptions o;
    o.ema = 0.99;
    GanTrainer<TinyGan> trainer(o, 4);
    REQUIRE(trainer.averaged_generator() != nullptr);
    CHECK(&trainer.sampling_generator() == trainer.averaged_generator());
    const auto before = state_values(trainer.generator(), true);
    CHECK(same_bits(state_values(*trainer.averaged_generator(), true), before));
    trainer.train_step(batch_of(6, 0));
    const auto after = state_values(trainer.generator(), true);
    const auto averaged = state_values(*trainer.averaged_generator(), true);
    bool moved = false;
    for (std::size_t i = 0; i < averaged.size(); ++i) {
        CHECK(averaged[i] == doctest::Approx(0.99 * before[i] + 0.01 * after[i]).epsilon(1e-6));
        moved = moved || after[i] != before[i];
    }
    CHECK(moved);

    Tensor<Shape<4>, Cpu> z(3);
    Rng(8).fill_normal(z.data(), z.size());
    const Tensor<Sample, Cpu> sampled = trainer.generate(z);
    const auto& direct = trainer.averaged_generator()->forward(z, Mode::eval);
    CHECK(std::memcmp(sampled.data(), direct.data(), direct.size() * sizeof(float)) == 0);
    const auto& trained = trainer.generator().forward(z, Mode::eval);
    CHECK(std::memcmp(sampled.data(), trained.data(), trained.size() * sizeof(float)) != 0);

    GanTrainer<TinyGan> plain(GanOptions{}, 4);
    CHECK(plain.averaged_generator() == nullptr);
    CHECK(&plain.sampling_generator() == &plain.generator());
    CHECK(plain.replay_buffer() == nullptr);
}

TEST_CASE("trainer: with replay p = 1, D's fake of a step is the one of the step before") {
    // One sample per batch and a buffer of one: the first step stores its fake, and each later
    // step shows D the stored fake and stores its own. (No BatchNorm: batches of one.)
    using PlainG = Sequential<Linear<4, 8>, ReLU, Linear<8, 9>, Tanh, Reshape<1, 3, 3>>;
    using PlainGan = Gan<PlainG, TinyD, Shape<4>>;
    GanOptions o;
    o.replay = 1;
    o.replay_size = 1;
    GanTrainer<PlainGan> trainer(o, 4);
    GanTrainer<PlainGan> plain(GanOptions{}, 4);
    for (int step = 0; step < 3; ++step) {
        REQUIRE(trainer.replay_buffer() != nullptr);
        const std::vector<float> stored(trainer.replay_buffer()->samples().begin(), trainer.replay_buffer()->samples().end());
        double expected = 0;  // D's output on the stored fake, before this step changes D
        if (!stored.empty()) {
            Tensor<Sample, Cpu> x(1);
            std::copy(stored.begin(), stored.end(), x.data());
            expected = double(trainer.discriminator().forward(x, Mode::eval)[0]);
        }
        const StepStats replayed = trainer.train_step(batch_of(1, step));
        const StepStats fresh = plain.train_step(batch_of(1, step));
        CHECK(trainer.replay_buffer()->size() == 1);
        if (step == 0) {
            CHECK(replayed.d_fake == fresh.d_fake);  // filling: D saw the new fake, as without replay
        } else {
            CHECK(replayed.d_fake == doctest::Approx(expected).epsilon(1e-6));
            CHECK(!std::equal(stored.begin(), stored.end(), trainer.replay_buffer()->samples().begin()));
        }
    }

}

TEST_CASE("checkpoint: with replay and ema, a resume equals the uninterrupted run, and each needs its state") {
    GanOptions o;
    o.replay = 0.5;
    o.replay_size = 10;
    o.ema = 0.9;
    TempDir run("xgan_test_stabilisers_");
    const data::ImageDataset ds = tiny_images(32);
    Tensor<Shape<4>, Cpu> noise(2);
    Rng(3).fill_normal(noise.data(), noise.size());
    Tensor<Sample, Cpu> real;
    auto steps = [&](GanTrainer<TinyGan>& t, data::BatchLoader& loader, int n) {
        for (int s = 0; s < n; ++s) {
            if (!loader.next(real)) loader.next(real);
            t.train_step(real);
        }
    };
    auto everything = [](GanTrainer<TinyGan>& t) {
        auto v = state_values(t.generator(), true);
        for (const auto& part : {state_values(*t.averaged_generator(), true), state_values(*t.averaged_generator(), false),
                                 state_values(t.discriminator(), true)})
            v.insert(v.end(), part.begin(), part.end());
        v.insert(v.end(), t.replay_buffer()->samples().begin(), t.replay_buffer()->samples().end());
        return v;
    };

    GanTrainer<TinyGan> trainer(o, 7);
    data::BatchLoader loader(ds, 4, 8);
    steps(trainer, loader, 3);  // 12 fakes: the buffer is full and swapping
    const fs::path saved = train::save_checkpoint<TinyGan>(run.path, {trainer, loader, noise}, nlohmann::json::object());
    CHECK(fs::exists(saved / "generator_ema.safetensors"));
    steps(trainer, loader, 4);
    const auto uninterrupted = everything(trainer);

    GanTrainer<TinyGan> resumed(o, 99);
    data::BatchLoader loader2(ds, 4, 12);
    Tensor<Shape<4>, Cpu> noise2(2);
    train::load_checkpoint<TinyGan>(saved, {resumed, loader2, noise2});
    CHECK(resumed.replay_buffer()->size() == 10);
    steps(resumed, loader2, 4);
    CHECK(same_bits(everything(resumed), uninterrupted));

    // A checkpoint made without them cannot give them.
    GanTrainer<TinyGan> plain(GanOptions{}, 7);
    data::BatchLoader loader3(ds, 4, 8);
    steps(plain, loader3, 1);
    const TempDir other("xgan_test_stabilisers_");
    const fs::path without = train::save_checkpoint<TinyGan>(other.path, {plain, loader3, noise}, nlohmann::json::object());
    GanOptions replay_only;
    replay_only.replay = 0.5;
    GanTrainer<TinyGan> wants_replay(replay_only, 1);
    CHECK_THROWS_WITH_AS(train::load_checkpoint<TinyGan>(without, {wants_replay, loader3, noise}),
                         doctest::Contains("'replay.buffer' is missing"), FileError);
    GanOptions ema_only;
    ema_only.ema = 0.9;
    GanTrainer<TinyGan> wants_ema(ema_only, 1);
    CHECK_THROWS_WITH_AS(train::load_checkpoint<TinyGan>(without, {wants_ema, loader3, noise}),
                         doctest::Contains("generator_ema.safetensors"), FileError);
}
