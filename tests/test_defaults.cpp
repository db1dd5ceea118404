// TrainingDefaults (train/defaults.hpp): a model's defaults, copied into the trainer's options
// as a program does, arrive intact. GCC 12.2's SLP vectoriser, for AVX-512 targets, turned
// the copy of LabelOptions{1, 1, 0, 0} into {1, 1, 1, 1} (fake targets 1: the WGAN-GP trainer
// then refused them); the build turns that vectoriser off where the compiler does this
// (cmake/compiler_checks.cmake), and these cases fail where it is left on.
#include <doctest/doctest.h>

#include "xgan/models/tutorials.hpp"
#include "xgan/xgan.hpp"

using namespace xgan;

namespace {

// As a benchmark or a user's program builds a model's options from its defaults.
template <class M>
GanOptions options_of() {
    const TrainingDefaults d = M::defaults();
    GanOptions o;
    o.generator_optimizer = optim::OptimizerOptions::adam(d.lr, d.beta1, d.beta2);
    o.discriminator_optimizer = optim::OptimizerOptions::adam(d.lr, d.beta1, d.beta2);
    o.init = d.init;
    o.labels = d.labels;
    return o;
}

void check_labels_equal(const LabelOptions& got, const LabelOptions& want) {
    CHECK(got.real_low == want.real_low);
    CHECK(got.real_high == want.real_high);
    CHECK(got.fake_low == want.fake_low);
    CHECK(got.fake_high == want.fake_high);
    CHECK(got.flip == want.flip);
}

}  // namespace

TEST_CASE("TrainingDefaults: the label options of wgan-gp64 reach the trainer's options unchanged") {
    const GanOptions o = options_of<models::WganGp64>();
    check_labels_equal(o.labels, LabelOptions{});
    CHECK(o.init == Init::dcgan);
    CHECK_NOTHROW(GanTrainer<models::WganGp64::gan>(o, 1));
}

TEST_CASE("TrainingDefaults: dcgan64's noisy labels reach the trainer's options unchanged") {
    const GanOptions o = options_of<models::Dcgan64>();
    check_labels_equal(o.labels, LabelOptions::noisy(0.1));
}
