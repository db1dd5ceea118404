// metrics/features.hpp: FeatureExtractor (features of an inner layer and logits of a
// Sequential, batch by batch, in eval mode) and check_sample_values.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "xgan/core/rng.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/dropout.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/metrics/features.hpp"
#include "xgan/nn/sequential.hpp"

using namespace xgan;

namespace {

// Flatten, Linear(4 -> 3), ReLU [features, layer 2], Dropout (identity in eval), Linear(3 -> 2) [logits].
using Spec = Sequential<Flatten, Linear<4, 3>, ReLU, Dropout<ratio(0.5)>, Linear<3, 2>>;
using Net = Network<Spec, Shape<1, 2, 2>>;

// The two outputs computed by hand from the state_dict ("1.weight" [3, 4], "1.bias", "4.weight" [2, 3], "4.bias").
void reference(Net& net, const float* x, std::vector<float>& feat, std::vector<float>& logits) {
    std::vector<StateEntry<float>> s;
    net.visit_state([&](const StateEntry<float>& e) { s.push_back(e); }, "");
    REQUIRE(s.size() == 4);
    feat.assign(3, 0.f);
    logits.assign(2, 0.f);
    for (int o = 0; o < 3; ++o) {
        double v = s[1].value[o];
        for (int i = 0; i < 4; ++i) v += double(s[0].value[o * 4 + i]) * x[i];
        feat[o] = float(std::max(v, 0.0));
    }
    for (int o = 0; o < 2; ++o) {
        double v = s[3].value[o];
        for (int i = 0; i < 3; ++i) v += double(s[2].value[o * 3 + i]) * feat[i];
        logits[o] = float(v);
    }
}

}  // namespace

TEST_CASE("FeatureExtractor: features of the chosen layer and logits, in eval mode, for any batch size") {
    Net net;
    Rng rng(3);
    net.reset_parameters(rng);
    using Extractor = metrics::FeatureExtractor<2, Net>;
    static_assert(Extractor::feature_dim == 3 && Extractor::classes == 2 && Extractor::sample_size == 4);

    const std::size_t n = 7;
    std::vector<float> images(n * 4);
    rng.fill_uniform(images.data(), images.size(), -1.0, 1.0);

    Extractor whole(net, 100), pieces(net, 3);  // one batch; batches of 3, 3, 1
    const metrics::Features a = whole(images.data(), n);
    const metrics::Features b = pieces(images.data(), n);
    CHECK(a.count == n);
    CHECK(a.feature_dim == 3);
    CHECK(a.classes == 2);
    REQUIRE(a.features.size() == n * 3);
    REQUIRE(a.logits.size() == n * 2);
    CHECK(a.features == b.features);
    CHECK(a.logits == b.logits);

    std::vector<float> feat, logits;
    for (std::size_t i = 0; i < n; ++i) {
        reference(net, images.data() + i * 4, feat, logits);
        for (std::size_t j = 0; j < 3; ++j) CHECK(a.features[i * 3 + j] == doctest::Approx(feat[j]).epsilon(1e-5));
        for (std::size_t j = 0; j < 2; ++j) CHECK(a.logits[i * 2 + j] == doctest::Approx(logits[j]).epsilon(1e-5));
    }

    // Statistics of the features: 3 dimensions, 7 samples.
    const auto stats = metrics::gaussian_stats(a);
    CHECK(stats.dim == 3);
    CHECK(stats.count == n);

    // No samples: empty results; a null pointer with samples is an error.
    CHECK(whole(images.data(), 0).features.empty());
    CHECK_THROWS_AS(whole(nullptr, 2), Error);
    CHECK_THROWS_AS(Extractor(net, 0), Error);
}

TEST_CASE("check_sample_values: finite values in [-1, 1] pass - NaN, Inf and out-of-range values name the sample") {
    std::vector<float> x(3 * 4, 0.5f);
    x[0] = -1.0f;
    x[1] = 1.0f;
    CHECK_NOTHROW(metrics::check_sample_values(x.data(), 3, 4, "samples"));
    CHECK_THROWS_AS(metrics::check_sample_values(x.data(), 0, 4, "samples"), Error);
    CHECK_THROWS_AS(metrics::check_sample_values(nullptr, 3, 4, "samples"), Error);

    auto message = [&](std::vector<float> v) {
        try {
            metrics::check_sample_values(v.data(), 3, 4, "gen.safetensors");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    auto nan = x;
    nan[9] = std::numeric_limits<float>::quiet_NaN();
    const std::string m = message(nan);
    CHECK(m.find("gen.safetensors") != std::string::npos);
    CHECK(m.find("sample 2 value 1") != std::string::npos);
    CHECK(m.find("nan") != std::string::npos);
    auto inf = x;
    inf[4] = std::numeric_limits<float>::infinity();
    CHECK(message(inf).find("sample 1 value 0") != std::string::npos);
    auto scaled = x;  // [0, 255] pixels instead of [-1, 1]
    scaled[5] = 255.0f;
    CHECK(message(scaled).find("outside [-1") != std::string::npos);
    // A custom range.
    CHECK_NOTHROW(metrics::check_sample_values(scaled.data(), 3, 4, "pixels", -1.0f, 255.0f));
}
