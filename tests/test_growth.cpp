// Progressive growing's schedule (train/growth.hpp) and a growing GAN trained by fit(): the
// networks follow the schedule, the stage and fade are in every checkpoint, a resume mid-fade
// continues exactly, and a GAN that does not grow is refused the schedule.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "xgan/xgan.hpp"

using namespace xgan;
namespace fs = std::filesystem;

namespace {

using Leaky = LeakyReLU<ratio(0.2)>;
using GrowG = Sequential<ProgressiveGenerator<Stage<Sequential<Linear<4, 32>, Reshape<8, 2, 2>, Leaky>, Conv2d<8, 1, 1>>,
                                              Stage<Sequential<Upsample<2>, Conv2d<8, 4, 3, 1, 1>, Leaky>, Conv2d<4, 1, 1>>>>;
using GrowD = Sequential<ProgressiveDiscriminator<Stage<Sequential<Flatten, Linear<32, 1>>, Conv2d<1, 8, 1>>,
                                                  Stage<Sequential<Conv2d<4, 8, 3, 1, 1>, Leaky, AvgPool2d<2>>, Conv2d<1, 4, 1>>>>;
using GrowGan = Gan<GrowG, GrowD, Shape<4>, objective::GradientPenalty<objective::WassersteinDrift<>>>;
static_assert(train::GrowingGan<GrowGan>);

data::ImageDataset patterns() {
    data::ImageDataset ds{40, 1, 4, 4, {}, {}, {}, {}};
    for (std::size_t i = 0; i < 40; ++i)
        for (std::size_t p = 0; p < 16; ++p) ds.images.push_back(float(std::sin(0.3 * double(i) + 0.7 * double(p))));
    return ds;
}

train::RunSettings settings() {
    train::RunSettings s;
    s.model = "grow-test";
    s.data = "patterns";
    s.epochs = 4;
    s.batch_size = 8;  // 5 steps per epoch, 20 in all
    s.quiet = true;
    s.growth_phase_images = 40;  // stage 0 for 5 steps, the fade over the next 5, then stage 1
    s.gan.ema = 0.9;
    return s;
}

// Every floating-point value of a network's state (the same code path with itself: compared exactly).
template <class Net>
std::vector<float> values_of(Net& net) {
    std::vector<float> v;
    net.visit_state([&](const StateEntry<float>& e) {
        if (e.value) v.insert(v.end(), e.value, e.value + e.numel());
    }, "");
    return v;
}

}  // namespace

TEST_CASE("growth_at: stage 0, then a fade-in and a stabilisation per stage, then the last stage") {
    using train::Growth;
    using train::growth_at;
    CHECK(growth_at(10, 4, 0) == Growth{0, 1.0});
    CHECK(growth_at(10, 4, 9) == Growth{0, 1.0});
    CHECK(growth_at(10, 4, 10) == Growth{1, 0.0});
    CHECK(growth_at(10, 4, 15) == Growth{1, 0.5});
    CHECK(growth_at(10, 4, 19).alpha == doctest::Approx(0.9));
    CHECK(growth_at(10, 4, 20) == Growth{1, 1.0});
    CHECK(growth_at(10, 4, 29) == Growth{1, 1.0});
    CHECK(growth_at(10, 4, 32) == Growth{2, 0.2});
    CHECK(growth_at(10, 4, 55) == Growth{3, 0.5});
    CHECK(growth_at(10, 4, 69) == Growth{3, 1.0});
    CHECK(growth_at(10, 4, 1000) == Growth{3, 1.0});
    CHECK(growth_at(0, 4, 5) == Growth{3, 1.0});  // no schedule: the whole network
    CHECK(growth_at(10, 1, 50) == Growth{0, 1.0});
}

TEST_CASE("fit grows a progressive GAN by the schedule, and a resume mid-fade continues it exactly") {
    TempDir whole("xgan_test_growth_"), parts("xgan_test_growth_");
    std::vector<train::Growth> seen;
    train::Hooks<GrowGan> record;
    record.after_step.push_back([&](train::RunContext<GrowGan>& ctx, const StepStats&) {
        auto& g = ctx.trainer.generator().layer<0>();
        auto& d = ctx.trainer.discriminator().layer<0>();
        CHECK(g.stage() == d.stage());
        CHECK(g.alpha() == d.alpha());
        CHECK(ctx.trainer.averaged_generator()->layer<0>().stage() == g.stage());
        seen.push_back({g.stage(), double(g.alpha())});
    });
    CHECK(train::fit<GrowGan>(patterns(), whole.path, settings(), record).steps == 20);
    REQUIRE(seen.size() == 20);
    for (std::size_t step = 0; step < 20; ++step) {  // the growth a step trained with: that of the images before it
        const train::Growth want = train::growth_at(40, 2, step * 8);
        CHECK(seen[step].stage == want.stage);
        CHECK(seen[step].alpha == doctest::Approx(want.alpha));
    }
    CHECK(seen[7].stage == 1);
    CHECK(seen[7].alpha == doctest::Approx(0.4));

    // Stop mid-fade after 7 steps, resume: the same weights as the run in one go. The checkpoint
    // holds the growth its last step trained with (after 48 images: stage 1, alpha 0.2).
    train::Hooks<GrowGan> stop;
    stop.after_step.push_back([](train::RunContext<GrowGan>& ctx, const StepStats&) { ctx.stop = ctx.trainer.steps() == 7; });
    CHECK(train::fit<GrowGan>(patterns(), parts.path, settings(), stop).steps == 7);
    GrowGan::generator at7;
    io::load_weights(at7, parts.path / "checkpoints" / "step_0000007" / "generator.safetensors");
    CHECK(at7.layer<0>().stage() == 1);
    CHECK(at7.layer<0>().alpha() == doctest::Approx(0.2f));
    train::RunSettings resume = settings();
    resume.resume = true;
    CHECK(train::fit<GrowGan>(patterns(), parts.path, resume).steps == 20);
    for (const char* file : {"generator.safetensors", "generator_ema.safetensors"}) {
        CAPTURE(file);
        GrowGan::generator a, b;
        io::load_weights(a, whole.path / file);
        io::load_weights(b, parts.path / file);
        CHECK(values_of(a) == values_of(b));
    }
    GrowGan::discriminator da, db;
    io::load_weights(da, whole.path / "discriminator.safetensors");
    io::load_weights(db, parts.path / "discriminator.safetensors");
    CHECK(values_of(da) == values_of(db));
}

TEST_CASE("fit refuses a growth schedule for a GAN whose networks do not grow") {
    using FlatGan = Gan<Sequential<Linear<4, 16>, Tanh, Reshape<1, 4, 4>>, Sequential<Flatten, Linear<16, 1>, Sigmoid>, Shape<4>>;
    TempDir dir("xgan_test_growth_");
    CHECK_THROWS_WITH_AS(train::fit<FlatGan>(patterns(), dir.path / "run", settings()),
                         doctest::Contains("its networks do not grow"), Error);
    CHECK_FALSE(fs::exists(dir.path / "run"));
}
