#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/rng.hpp"
#include "xgan/loss/cross_entropy.hpp"
#include "xgan/testing/gradcheck.hpp"

using xgan::loss::cross_entropy;

namespace {

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const xgan::Error& e) {
        return e.what();
    }
    return "(no xgan::Error thrown)";
}

// Goldens from PyTorch 1.13 (/usr/bin/python3 /tmp/goldens/ce.py):
//   x = torch.tensor(<logits below>, dtype=torch.float64, requires_grad=True); t = torch.tensor([1, 2, 0])
//   l = torch.nn.CrossEntropyLoss()(x, t); l.backward(); print(l.item(), x.grad.flatten().tolist())
//   and the same with x.float() for the float32 goldens.
// The third row (1000, 999, -1000, 0) overflows a naive exp.
const std::vector<double> logits_d = {1.0, 2.0, 0.5, -1.0, 0.3, -0.2, 2.5, 0.0, 1000.0, 999.0, -1000.0, 0.0};
const std::vector<std::int32_t> targets = {1, 2, 0};

}  // namespace

TEST_CASE("cross_entropy matches torch.nn.CrossEntropyLoss (double)") {
    std::vector<double> grad(12);
    const double loss = cross_entropy<xgan::CpuF64>(logits_d, 4, targets, grad);
    CHECK(loss == doctest::Approx(0.34654321495222445).epsilon(1e-14));
    const double expected[] = {0.07473593934940037,  -0.13017998746704096, 0.045329638597835176, 0.010114409519805408,
                               0.029310825860120092, 0.017777914545660755, -0.06880273426618669, 0.02171399386040585,
                               -0.08964714045666503, 0.08964714045666503,  0.0,                  0.0};
    for (int i = 0; i < 12; ++i) CHECK(grad[i] == doctest::Approx(expected[i]).epsilon(1e-13));
}

TEST_CASE("cross_entropy matches torch.nn.CrossEntropyLoss (float)") {
    std::vector<float> logits(logits_d.begin(), logits_d.end()), grad(12);
    const float loss = cross_entropy<xgan::Cpu>(logits, 4, targets, grad);
    CHECK(loss == doctest::Approx(0.34654319286346436).epsilon(1e-6));
    const float expected[] = {0.07473593950271606f,  -0.1301799863576889f, 0.045329637825489044f, 0.010114410892128944f,
                              0.02931082248687744f,  0.017777912318706512f, -0.06880273669958115f, 0.021713992580771446f,
                              -0.08964713662862778f, 0.08964714407920837f,  0.0f,                   0.0f};
    for (int i = 0; i < 12; ++i) CHECK(grad[i] == doctest::Approx(expected[i]).epsilon(1e-5));
}

TEST_CASE("cross_entropy by hand: uniform logits give log K") {
    const std::vector<double> x = {0.7, 0.7, 0.7, 0.7, 0.7};
    const std::vector<std::int32_t> t = {3};
    std::vector<double> grad(5);
    CHECK(cross_entropy<xgan::CpuF64>(x, 5, t, grad) == doctest::Approx(std::log(5.0)).epsilon(1e-15));
    for (int j = 0; j < 5; ++j) CHECK(grad[j] == doctest::Approx(j == 3 ? 0.2 - 1.0 : 0.2));
}

TEST_CASE("cross_entropy gradient passes gradcheck") {
    const std::size_t n = 5, k = 7;
    xgan::Rng rng(3);
    std::vector<double> x(n * k);
    rng.fill_normal(x.data(), x.size(), 0.0, 2.0);
    const std::vector<std::int32_t> t = {0, 6, 3, 3, 1};
    auto r = xgan::testing::gradcheck_function(
        [&](const std::vector<double>& in, std::vector<double>& g) {
            return cross_entropy<xgan::CpuF64>(in, k, t, g);
        },
        x);
    INFO(r.report());
    CHECK(r.ok);
    CHECK(r.checked == n * k);
}

TEST_CASE("cross_entropy rejects bad input clearly") {
    std::vector<double> grad(12);
    const std::vector<std::int32_t> out_of_range = {1, 4, 0};
    CHECK(error_of([&] { cross_entropy<xgan::CpuF64>(logits_d, 4, out_of_range, grad); }).find("targets[1] = 4") !=
          std::string::npos);
    const std::vector<std::int32_t> ignore_index = {1, 2, -100};  // PyTorch's ignore_index is not supported
    CHECK(error_of([&] { cross_entropy<xgan::CpuF64>(logits_d, 4, ignore_index, grad); }).find("targets[2] = -100") !=
          std::string::npos);
    const std::vector<std::int32_t> two = {1, 2};
    CHECK(error_of([&] { cross_entropy<xgan::CpuF64>(logits_d, 4, two, grad); }).find("must hold") != std::string::npos);
    std::vector<double> short_grad(11);
    CHECK(error_of([&] { cross_entropy<xgan::CpuF64>(logits_d, 4, targets, short_grad); }).find("must hold") !=
          std::string::npos);
    CHECK(error_of([&] { cross_entropy<xgan::CpuF64>(logits_d, 0, targets, grad); }).find("classes is 0") !=
          std::string::npos);
}
