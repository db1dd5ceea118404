// GanTrainer (gan/trainer.hpp) with Gan (gan/gan.hpp): bit-identical reproducibility, a learning
// signal on real and synthetic data, no heap allocation after the first step, and a clean stop
// on NaN input.
//
// This file replaces the global operator new/delete for the whole test executable: a plain
// pass-through to malloc/free that counts calls while `counting` is set (only inside
// AllocationCounter scopes below).
#include <doctest/doctest.h>

#include "test_data.hpp"

#include <atomic>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "xgan/data/dataset.hpp"
#include "xgan/data/loader.hpp"
#include "xgan/gan/trainer.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/dropout.hpp"
#include "xgan/layers/layernorm.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/reshape.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

void* counted_alloc(std::size_t size, std::size_t align) {
    if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
    if (size == 0) size = 1;
    void* p = nullptr;
    if (align <= alignof(std::max_align_t)) p = std::malloc(size);
    else if (::posix_memalign(&p, align, size) != 0) p = nullptr;
    return p;
}
// Out of line, so that g++ does not pair the inlined free() with a `new` it sees (a false
// -Wmismatched-new-delete: every operator new here does come from malloc).
[[gnu::noinline]] void counted_free(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t n) {
    if (void* p = counted_alloc(n, 0)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted_alloc(n, 0)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = counted_alloc(n, std::size_t(a))) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    if (void* p = counted_alloc(n, std::size_t(a))) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_alloc(n, std::size_t(a)); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, std::size_t(a));
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }

using namespace xgan;
namespace fs = std::filesystem;

namespace {

// Counts operator new calls (any thread) during its lifetime.
struct AllocationCounter {
    long start;
    AllocationCounter() : start(allocations.load()) { counting = true; }
    ~AllocationCounter() { counting = false; }
    long count() const { return allocations.load() - start; }
};

// A small MLP GAN for the quick tests.
using TinyG = Sequential<Linear<16, 64>, ReLU, Linear<64, 49>, Tanh, Reshape<1, 7, 7>>;
using TinyD = Sequential<Flatten, Linear<49, 64>, LeakyReLU<ratio(0.2)>, Linear<64, 1>, Sigmoid>;
using TinyGan = Gan<TinyG, TinyD, Shape<16>>;

// The mlp-small tutorial GAN (include/xgan/models/tutorials.hpp).
using SmallG = Sequential<Linear<64, 256>, ReLU, Linear<256, 256>, ReLU, Linear<256, 784>, Tanh, Reshape<1, 28, 28>>;
using SmallD = Sequential<Flatten, Linear<784, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 256>, LeakyReLU<ratio(0.2)>,
                          Linear<256, 1>, Sigmoid>;
using SmallGan = Gan<SmallG, SmallD, Shape<64>>;

template <class Net>
std::vector<std::vector<float>> state_of(Net& net) {
    std::vector<std::vector<float>> out;
    net.visit_state([&](const StateEntry<float>& e) { out.emplace_back(e.value, e.value + e.numel()); });
    return out;
}

template <class Trainer>
std::vector<std::vector<float>> all_state(Trainer& t) {
    auto g = state_of(t.generator());
    auto d = state_of(t.discriminator());
    g.insert(g.end(), d.begin(), d.end());
    return g;
}

// Bitwise equality of two states (NaN-safe, -0 != +0).
bool bit_identical(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
            return false;
    return true;
}

// Deterministic "real" data: a smooth pattern per sample, in [-1, 1].
template <ShapeType S>
void fill_pattern(Tensor<S, Cpu>& t, std::size_t batch, int phase = 0) {
    t.resize(batch);
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t i = 0; i < S::size; ++i)
            t.sample(b)[i] = float(std::sin(0.3 * double(i) + 0.7 * double(b + std::size_t(phase))));
}

// 28x28 images of four fixed shapes (bars, diagonal, ring): -1 background, +1 strokes.
data::ImageDataset pattern_images(std::size_t count) {
    data::ImageDataset ds;
    ds.count = count;
    ds.height = ds.width = 28;
    ds.images.assign(count * 784, -1.0f);
    for (std::size_t i = 0; i < count; ++i) {
        float* im = ds.images.data() + i * 784;
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x) {
                const int r2 = (x - 14) * (x - 14) + (y - 14) * (y - 14);
                const bool on = i % 4 == 0   ? (x >= 12 && x < 16)
                                : i % 4 == 1 ? (y >= 12 && y < 16)
                                : i % 4 == 2 ? std::abs(x - y) < 2
                                             : (r2 > 49 && r2 < 100);
                if (on) im[y * 28 + x] = 1.0f;
            }
    }
    return ds;
}

struct Signal {
    double first_d_real = 0, first_d_fake = 0;
    double late_d_real = 0, late_d_fake = 0;  // means over the last 20 steps
};

// 100 steps of mlp-small at lr 2e-4 (Adam betas 0.5, 0.999), batch 64.
Signal train_mlp_small(const data::ImageDataset& ds, std::uint64_t seed) {
    auto trainer = std::make_unique<GanTrainer<SmallGan>>(GanOptions{}, seed);
    data::BatchLoader loader(ds, 64, seed, /*drop_last=*/true);
    Tensor<Shape<1, 28, 28>, Cpu> real;
    Signal s;
    const int steps = 100;
    for (int step = 1; step <= steps; ++step) {
        if (!loader.next(real)) REQUIRE(loader.next(real));
        const StepStats st = trainer->train_step(real);
        REQUIRE(std::isfinite(st.d_loss));
        REQUIRE(std::isfinite(st.g_loss));
        if (step == 1) {
            s.first_d_real = st.d_real;
            s.first_d_fake = st.d_fake;
        }
        if (step > steps - 20) {
            s.late_d_real += st.d_real / 20;
            s.late_d_fake += st.d_fake / 20;
        }
    }
    return s;
}

}  // namespace

TEST_CASE("GanTrainer: same seed and data give bit-identical weights, another seed others") {
    GanOptions options;
    options.labels = LabelOptions::noisy(0.1);  // exercise the random label draws too
    options.labels.flip = 0.05;
    options.instance_noise = 0.05;
    auto run = [&](std::uint64_t seed, std::vector<StepStats>& stats) {
        auto t = std::make_unique<GanTrainer<TinyGan>>(options, seed);
        Tensor<Shape<1, 7, 7>, Cpu> real;
        for (int step = 0; step < 20; ++step) {
            fill_pattern(real, 16, step);
            stats.push_back(t->train_step(real));
        }
        CHECK(t->steps() == 20);
        CHECK(t->generator_optimizer().steps() == 20);
        return all_state(*t);
    };
    std::vector<StepStats> s1, s2, s3;
    const auto a = run(11, s1);
    const auto b = run(11, s2);
    const auto c = run(12, s3);
    REQUIRE(a.size() == 8);  // G: 2 Linear, D: 2 Linear, weight and bias each
    CHECK(bit_identical(a, b));
    CHECK(!bit_identical(a, c));
    for (std::size_t i = 0; i < a.size(); ++i) {
        CAPTURE(i);
        CHECK(a[i] != c[i]);  // every tensor differs with another seed
    }
    for (std::size_t i = 0; i < s1.size(); ++i) {
        CHECK(s1[i].d_loss == s2[i].d_loss);
        CHECK(s1[i].g_loss == s2[i].g_loss);
        CHECK(s1[i].d_real == s2[i].d_real);
        CHECK(s1[i].d_fake == s2[i].d_fake);
    }
    // Training moved the weights away from their initial values.
    auto fresh = std::make_unique<GanTrainer<TinyGan>>(options, 11);
    const auto init = all_state(*fresh);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] != init[i]);
}

TEST_CASE("GanTrainer: learning signal on synthetic images (mlp-small, lr 2e-4, 100 steps)") {
    const Signal s = train_mlp_small(pattern_images(256), 3);
    INFO("first D(x) " << s.first_d_real << ", D(G(z)) " << s.first_d_fake << "; last 20 steps D(x) " << s.late_d_real
                       << ", D(G(z)) " << s.late_d_fake);
    // An untrained D can't tell: about 0.5 for both.
    CHECK(std::abs(s.first_d_real - 0.5) < 0.1);
    CHECK(std::abs(s.first_d_fake - 0.5) < 0.1);
    // D learns to tell real from fake early in training.
    CHECK(s.late_d_real > 0.75);
    CHECK(s.late_d_fake < s.late_d_real - 0.25);
}

TEST_CASE("GanTrainer: learning signal on MNIST (mlp-small, lr 2e-4, 100 steps)") {
    const fs::path dir = fs::path(xgan_test::data_dir()) / ".." / ".." / "data" / "mnist";
    if (!fs::exists(dir / "train-images-idx3-ubyte") && !fs::exists(dir / "train-images-idx3-ubyte.gz")) {
        MESSAGE("MNIST not found under " << dir.string() << " (cmake/fetch-mnist.sh fetches it): case skipped");
        return;
    }
    const auto ds = data::subset(data::load_mnist_dir(dir, true), 3000);
    const Signal s = train_mlp_small(ds, 4);
    INFO("first D(x) " << s.first_d_real << ", D(G(z)) " << s.first_d_fake << "; last 20 steps D(x) " << s.late_d_real
                       << ", D(G(z)) " << s.late_d_fake);
    CHECK(std::abs(s.first_d_real - 0.5) < 0.1);
    CHECK(s.late_d_real > 0.55);
    CHECK(s.late_d_real > s.first_d_real + 0.05);
    CHECK(s.late_d_fake < s.late_d_real - 0.04);
}

TEST_CASE("GanTrainer: no heap allocation after the first step") {
    auto check_steps = [](const GanOptions& options) {
        auto trainer = std::make_unique<GanTrainer<SmallGan>>(options, 5);
        Tensor<Shape<1, 28, 28>, Cpu> big, small;
        fill_pattern(big, 32);
        fill_pattern(small, 8, 3);
        trainer->train_step(big);  // the first step sizes every buffer
        long same_batch = 0, smaller_batch = 0, back_to_big = 0;
        {
            AllocationCounter counter;
            for (int i = 0; i < 4; ++i) trainer->train_step(big);  // steps 2..5
            same_batch = counter.count();
        }
        {
            AllocationCounter counter;
            for (int i = 0; i < 3; ++i) trainer->train_step(small);
            smaller_batch = counter.count();
        }
        {
            AllocationCounter counter;
            trainer->train_step(big);
            back_to_big = counter.count();
        }
        CHECK(same_batch == 0);
        CHECK(smaller_batch == 0);
        CHECK(back_to_big == 0);
    };
    SUBCASE("default options") { check_steps(GanOptions{}); }
    SUBCASE("noisy labels, label flips, instance noise") {
        GanOptions o;
        o.labels = LabelOptions::noisy(0.1);
        o.labels.flip = 0.05;
        o.instance_noise = 0.1;
        check_steps(o);
    }
    // The counter does see allocations (so the zeros above mean something).
    AllocationCounter counter;
    auto v = std::make_unique<std::vector<float>>(100);
    CHECK(counter.count() >= 2);
}

TEST_CASE("GanTrainer: label smoothing for a critic objective is refused at construction") {
    // The Wasserstein loss reads only the side of a batch; before sides were explicit a real
    // target of 0.4 silently turned the real batch's loss into the fake one's.
    using G = Sequential<Linear<16, 64>, Tanh, Reshape<1, 8, 8>>;
    using D = Sequential<Flatten, Linear<64, 1>>;
    using Wgan = Gan<G, D, Shape<16>, objective::Wasserstein>;
    GanOptions o;
    o.labels = LabelOptions::one_sided_smoothing(0.4);
    CHECK_THROWS_WITH_AS(GanTrainer<Wgan>(o, 1), doctest::Contains("wasserstein objective does not use targets"), Error);
    CHECK_NOTHROW(GanTrainer<Wgan>(GanOptions{}, 1));
}

TEST_CASE("GanTrainer: WGAN-GP (conv critic with LayerNorm and Dropout) allocates nothing after the first step") {
    using G = Sequential<Linear<16, 64>, Tanh, Reshape<1, 8, 8>>;
    using D = Sequential<Conv2d<1, 8, 3, 2, 1>, LeakyReLU<ratio(0.2)>, LayerNorm<Shape<8, 4, 4>>, Dropout<ratio(0.3)>,
                         Flatten, Linear<128, 1>>;
    using WganGp = Gan<G, D, Shape<16>, objective::GradientPenalty<objective::Wasserstein>>;
    auto trainer = std::make_unique<GanTrainer<WganGp>>(GanOptions{}, 3);
    Tensor<Shape<1, 8, 8>, Cpu> big, small;
    fill_pattern(big, 32);
    fill_pattern(small, 8, 3);
    auto step = [&](const Tensor<Shape<1, 8, 8>, Cpu>& real) {  // 3 critic steps, then G on fresh noise
        for (int k = 0; k < 3; ++k) CHECK(trainer->discriminator_step(real).penalty > 0);
        trainer->generator_step(true, real.batch());
    };
    step(big);  // the first step sizes every buffer
    long same_batch = 0, smaller_batch = 0, back_to_big = 0;
    {
        AllocationCounter counter;
        step(big);
        step(big);
        same_batch = counter.count();
    }
    {
        AllocationCounter counter;
        step(small);
        smaller_batch = counter.count();
    }
    {
        AllocationCounter counter;
        step(big);
        back_to_big = counter.count();
    }
    CHECK(same_batch == 0);
    CHECK(smaller_batch == 0);
    CHECK(back_to_big == 0);
}

TEST_CASE("GanTrainer: NaN in the real data throws NumericError and keeps the weights") {
    auto trainer = std::make_unique<GanTrainer<TinyGan>>(GanOptions{}, 21);
    Tensor<Shape<1, 7, 7>, Cpu> real;
    for (int step = 0; step < 3; ++step) {
        fill_pattern(real, 8, step);
        trainer->train_step(real);
    }
    const auto before = all_state(*trainer);
    const auto adam_m = trainer->discriminator_optimizer().state("exp_avg");
    fill_pattern(real, 8);
    real[5] = std::numeric_limits<float>::quiet_NaN();
    std::string message;
    try {
        trainer->train_step(real);
        FAIL("train_step on NaN data did not throw");
    } catch (const NumericError& e) {
        message = e.what();
    }
    CHECK(message.find("NaN") != std::string::npos);
    CHECK(message.find("step 4") != std::string::npos);
    CHECK(bit_identical(all_state(*trainer), before));
    CHECK(trainer->discriminator_optimizer().state("exp_avg") == adam_m);
    CHECK(trainer->steps() == 3);
    CHECK(trainer->discriminator_optimizer().steps() == 3);

    // Training goes on with good data from the last good weights: the failed step left no
    // NaN gradients behind.
    fill_pattern(real, 8, 1);
    const StepStats st = trainer->train_step(real);
    CHECK(std::isfinite(st.d_loss));
    CHECK(std::isfinite(st.g_loss));
    bool finite = true;
    for (const auto& t : all_state(*trainer))
        for (float v : t) finite = finite && std::isfinite(v);
    CHECK(finite);
    CHECK(trainer->steps() == 4);
}

namespace {
// Every trained value of a network, in order.
template <class Net>
std::vector<float> weights_of(Net& net) {
    std::vector<float> out;
    for (const auto& p : trainable_parameters(net)) out.insert(out.end(), p.value, p.value + p.size);
    return out;
}
}  // namespace

TEST_CASE("GanTrainer: generator_steps and fresh_noise are the manual D and G steps they stand for") {
    GanOptions o;
    o.generator_steps = 3;
    o.fresh_noise = true;
    GanTrainer<TinyGan> a(o, 5);
    GanTrainer<TinyGan> b(GanOptions{}, 5);  // the same steps by hand
    Tensor<Shape<1, 7, 7>, Cpu> real;
    for (int step = 0; step < 4; ++step) {
        fill_pattern(real, 8, step);
        const StepStats s = a.train_step(real);
        b.discriminator_step(real);
        double g_loss = 0;
        for (int k = 0; k < 3; ++k) g_loss = b.generator_step(true, 8);
        CHECK(s.g_loss == g_loss);
    }
    CHECK(a.steps() == 4);  // a step is one D update and its G updates
    CHECK(a.generator_optimizer().steps() == 12);
    CHECK(a.discriminator_steps() == 4);
    CHECK(weights_of(a.generator()) == weights_of(b.generator()));
    CHECK(weights_of(a.discriminator()) == weights_of(b.discriminator()));
}

TEST_CASE("GanTrainer: weight clipping keeps every D weight in [-c, c], and a halved D loss halves D's update") {
    Tensor<Shape<1, 7, 7>, Cpu> real;
    fill_pattern(real, 8);
    SUBCASE("clip") {
        GanOptions o;
        o.clip = 0.01;
        GanTrainer<TinyGan> t(o, 3);
        t.train_step(real);
        const auto w = weights_of(t.discriminator());
        CHECK(*std::max_element(w.begin(), w.end()) == doctest::Approx(0.01f));
        CHECK(*std::min_element(w.begin(), w.end()) == doctest::Approx(-0.01f));
        for (float v : w) CHECK((v >= -0.01f && v <= 0.01f));
    }
    SUBCASE("halved loss") {
        // Under plain SGD an update is lr times the gradient, so halving D's loss halves D's step.
        GanOptions o;
        o.discriminator_optimizer.kind = optim::Kind::sgd;
        o.discriminator_optimizer.lr = 0.1;
        GanOptions half = o;
        half.halve_discriminator_loss = true;
        GanTrainer<TinyGan> full_t(o, 9), half_t(half, 9);
        const auto before = weights_of(full_t.discriminator());
        REQUIRE(before == weights_of(half_t.discriminator()));
        const StepStats full_s = full_t.discriminator_step(real), half_s = half_t.discriminator_step(real);
        CHECK(half_s.d_loss == doctest::Approx(full_s.d_loss / 2).epsilon(1e-6));
        const auto full_w = weights_of(full_t.discriminator()), half_w = weights_of(half_t.discriminator());
        double worst = 0, largest = 0;
        for (std::size_t i = 0; i < before.size(); ++i) {
            const double full_delta = double(full_w[i]) - before[i], half_delta = double(half_w[i]) - before[i];
            worst = std::max(worst, std::abs(half_delta - full_delta / 2));
            largest = std::max(largest, std::abs(full_delta));
        }
        CHECK(largest > 1e-4);         // D did move
        CHECK(worst < 1e-3 * largest);  // by half as much (float rounding of w + lr * g aside)
    }
}

TEST_CASE("GanTrainer: options out of range are refused at construction") {
    GanOptions o;
    o.generator_steps = 0;
    CHECK_THROWS_WITH_AS(GanTrainer<TinyGan>(o, 1), doctest::Contains("generator_steps is 0"), Error);
    o = GanOptions{};
    o.clip = -1;
    CHECK_THROWS_WITH_AS(GanTrainer<TinyGan>(o, 1), doctest::Contains("clip is"), Error);
    o = GanOptions{};
    o.discriminator_optimizer.kind = optim::Kind::rmsprop;
    o.discriminator_optimizer.alpha = 1.5;
    CHECK_THROWS_WITH_AS(GanTrainer<TinyGan>(o, 1), doctest::Contains("alpha"), Error);
}
