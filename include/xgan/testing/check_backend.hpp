#pragma once
// check_backend<B>(): runs every kernel of the Backend concept on B and on the reference
// backend (plain loops in double, backend/reference/) with the same random inputs, and
// compares the results element by element, with a tolerance per kernel that allows for B's
// scalar (float rounding, a GEMM's summation order). For backend authors:
//
//   auto r = xgan::testing::check_backend<MyBackend<float>>();
//   if (!r.ok) std::cerr << r.report();   // which kernel, which element, by how much
//
// Inputs have odd sizes (no SIMD width divides them), GEMMs come in all four transpose
// combinations, large enough to be split across threads, and with beta = 0 over a C full of
// NaN (BLAS semantics: C is not read); maps run in place too.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/reference/reference_backend.hpp"
#include "xgan/core/host_device.hpp"
#include "xgan/core/rng.hpp"

namespace xgan::testing {

struct BackendCheckOptions {
    std::uint64_t seed = 7;
};

struct BackendCheckResult {
    bool ok = true;
    std::size_t kernels = 0;   // kernel calls compared
    std::size_t elements = 0;  // values compared
    std::vector<std::string> failures;
    std::string report() const {
        std::ostringstream s;
        s << (ok ? "check_backend passed" : "check_backend FAILED") << " (" << kernels << " kernel calls, " << elements
          << " values)";
        for (std::size_t i = 0; i < failures.size() && i < 20; ++i) s << "\n  " << failures[i];
        return s.str();
    }
};

namespace detail::backend_check {

// Functors as layers write them: generic in the scalar; Tanh also offers a SIMD body.
struct Tanh {
    template <class T>
    XGAN_HD T operator()(T x) const {
        using std::tanh;
        return tanh(x);
    }
    template <class Batch>
    Batch simd(Batch x) const { return tanh(x); }
};
struct Axpy {
    double a;
    template <class T>
    XGAN_HD T operator()(T x, T y) const { return T(a) * x + y; }
};
struct Fma3 {
    template <class T>
    XGAN_HD T operator()(T x, T y, T z) const { return x * y + z; }
};
struct Square {
    template <class T>
    XGAN_HD T operator()(T x) const { return x * x; }
};
struct Uniform {  // [0, 1) from 53 bits
    XGAN_HD double operator()(std::uint64_t bits) const { return double(bits >> 11) * 0x1.0p-53; }
};
struct KeepHalf {  // x where the draw's top bit is set, else 0
    template <class T>
    XGAN_HD T operator()(std::uint64_t bits, T x) const { return (bits >> 63) ? x : T(0); }
};
struct Affine {  // x a[c] + b[o, i]
    const double *a, *b;
    std::size_t inner;
    template <class T>
    XGAN_HD T operator()(backend::Index k, T x) const { return T(double(x) * a[k.c] + b[k.o * inner + k.i]); }
};
struct Centered {  // (x - a[c]) y, in double
    const double* a;
    template <class T>
    XGAN_HD double operator()(backend::Index k, T x, T y) const { return (double(x) - a[k.c]) * double(y); }
};

template <class B>
class Checker {
public:
    using T = typename B::scalar;
    using R = backend::ReferenceBackend<double>;
    static constexpr bool single = sizeof(T) < sizeof(double);

    explicit Checker(std::uint64_t seed) : rng_(seed) {}

    // Random values representable in T, as the host copies each backend starts from.
    std::vector<double> random(std::size_t n, double lo = -1, double hi = 1) {
        std::vector<double> v(n);
        for (auto& x : v) x = double(T(rng_.uniform(lo, hi)));
        return v;
    }

    // B-side storage holding host values, and the way back.
    struct Device {
        typename B::template buffer<T> data;
        T* ptr() { return data.data(); }
    };
    static Device upload(const std::vector<double>& h) {
        std::vector<T> t(h.begin(), h.end());
        Device d{typename B::template buffer<T>(h.size())};
        B::copy_from_host(t.data(), t.size(), d.ptr());
        return d;
    }
    static std::vector<double> download(Device& d, std::size_t n) {
        std::vector<T> t(n);
        B::copy_to_host(d.ptr(), n, t.data());
        return {t.begin(), t.end()};
    }

    // |got - want| <= atol + rtol |want| for every element; NaN agrees only with NaN.
    void compare(const std::string& kernel, const std::vector<double>& got, const std::vector<double>& want, double rtol,
                 double atol) {
        ++result.kernels;
        std::size_t bad = 0;
        double worst = 0;
        std::size_t worst_i = 0;
        for (std::size_t i = 0; i < want.size(); ++i) {
            ++result.elements;
            const double err = std::abs(got[i] - want[i]);
            const bool same_nan = std::isnan(got[i]) && std::isnan(want[i]);
            if (!same_nan && !(err <= atol + rtol * std::abs(want[i]))) {
                if (bad++ == 0 || err > worst) {
                    worst = std::isnan(err) ? std::numeric_limits<double>::infinity() : err;
                    worst_i = i;
                }
            }
        }
        if (bad) {
            result.ok = false;
            std::ostringstream s;
            s << kernel << ": " << bad << " of " << want.size() << " values differ; worst [" << worst_i << "] got "
              << got[worst_i] << ", reference " << want[worst_i];
            result.failures.push_back(s.str());
        }
    }

    void storage() {
        const std::size_t n = 1003;
        auto x = random(n);
        Device d = upload(x);
        compare("copy_from_host/copy_to_host", download(d, n), x, 0, 0);
        Device y = upload(random(n));
        B::copy(d.ptr(), n, y.ptr());
        compare("copy", download(y, n), x, 0, 0);
        B::fill(y.ptr(), n, T(0.375));
        compare("fill", download(y, n), std::vector<double>(n, 0.375), 0, 0);
    }

    void gemm(backend::Trans ta, backend::Trans tb, int m, int n, int k, double alpha, double beta) {
        using backend::Trans;
        auto a = random(std::size_t(m) * k), b = random(std::size_t(k) * n);
        auto c = beta == 0 ? std::vector<double>(std::size_t(m) * n, std::nan("")) : random(std::size_t(m) * n);
        const int lda = ta == Trans::no ? k : m, ldb = tb == Trans::no ? n : k;
        Device da = upload(a), db = upload(b), dc = upload(c);
        B::gemm(ta, tb, m, n, k, T(alpha), da.ptr(), lda, db.ptr(), ldb, T(beta), dc.ptr(), n);
        R::gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), n);
        std::ostringstream name;
        name << "gemm(" << (ta == Trans::yes ? "T" : "N") << (tb == Trans::yes ? "T" : "N") << ", m " << m << ", n " << n
             << ", k " << k << ", alpha " << alpha << ", beta " << beta << ")";
        // float: each product rounds, and the sum of k of them in some order
        compare(name.str(), download(dc, c.size()), c, single ? 1e-5 : 1e-12, (single ? 2e-6 : 1e-14) * k);
    }

    template <class F, class... V>
    void map(const std::string& name, std::size_t n, const F& f, double rtol, double atol, const V&... x) {
        Device y = upload(random(n));
        std::vector<double> want(n);
        {
            std::vector<Device> inputs{upload(x)...};
            call_map(f, n, y.ptr(), inputs, std::index_sequence_for<V...>{});
        }
        R::map(n, f, want.data(), x.data()...);
        compare(name, download(y, n), want, rtol, atol);
    }

    template <class F, std::size_t... I>
    static void call_map(const F& f, std::size_t n, T* y, std::vector<Device>& in, std::index_sequence<I...>) {
        B::map(n, f, y, static_cast<const T*>(in[I].ptr())...);
    }

    void maps() {
        const std::size_t n = 1001;
        const double tol = single ? 1e-6 : 1e-14;
        auto x = random(n, -4, 4), y = random(n), z = random(n);
        map("map(tanh, with a SIMD body)", n, Tanh{}, tol, tol, x);
        map("map(a x + y)", n, Axpy{-1.5}, tol, tol, x, y);
        map("map(x y + z)", n, Fma3{}, tol, tol, x, y, z);
        // in place: y = f(y, x)
        Device dy = upload(y), dx = upload(x);
        B::map(n, Axpy{0.5}, dy.ptr(), static_cast<const T*>(dx.ptr()), static_cast<const T*>(dy.ptr()));
        std::vector<double> want = y;
        R::map(n, Axpy{0.5}, want.data(), x.data(), want.data());
        compare("map in place (y = a x + y)", download(dy, n), want, tol, tol);
        // sums: double accumulation of T values
        const double got = B::sum(n, Square{}, static_cast<const T*>(dx.ptr()));
        const double ref = R::sum(n, Square{}, x.data());
        compare("sum(x^2)", {got}, {ref}, single ? 1e-6 : 1e-13, 0);
        const double got2 = B::sum(n, Fma3{}, static_cast<const T*>(dx.ptr()), static_cast<const T*>(dx.ptr()),
                                   static_cast<const T*>(dy.ptr()));
        const double ref2 = R::sum(n, Fma3{}, x.data(), x.data(), want.data());
        compare("sum(x x + y)", {got2}, {ref2}, single ? 1e-6 : 1e-13, single ? 1e-4 : 1e-12);
        // a random fill: each element is a function of its own counter alone
        std::vector<double> fill(20001);
        Device df = upload(fill);
        B::counter_map(fill.size(), 0x1234567890abcdefULL, Uniform{}, df.ptr());
        R::counter_map(fill.size(), 0x1234567890abcdefULL, Uniform{}, fill.data());
        compare("counter_map", download(df, fill.size()), fill, single ? 1e-7 : 0, 0);  // B rounds to float
        // a mask drawn and applied in one pass
        B::counter_map(n, 0xfedcba9876543210ULL, KeepHalf{}, dy.ptr(), static_cast<const T*>(dx.ptr()));
        std::vector<double> kept(n);
        R::counter_map(n, 0xfedcba9876543210ULL, KeepHalf{}, kept.data(), x.data());
        compare("counter_map with an input", download(dy, n), kept, 0, 0);
    }

    void bias(backend::ChannelLayout l) {
        const double tol = single ? 1e-6 : 1e-14;
        auto b = random(l.channels), y = random(l.size());
        Device db = upload(b), dy = upload(y);
        B::bias_add(l, db.ptr(), dy.ptr());
        R::bias_add(l, b.data(), y.data());
        std::ostringstream name;
        name << "(outer " << l.outer << ", channels " << l.channels << ", inner " << l.inner << ")";
        compare("bias_add" + name.str(), download(dy, y.size()), y, tol, tol);
        auto g = random(l.channels), dys = random(l.size());
        Device dg = upload(g), ddy = upload(dys);
        B::bias_grad(l, ddy.ptr(), dg.ptr());
        R::bias_grad(l, dys.data(), g.data());
        // float: a sum of outer * inner terms
        compare("bias_grad" + name.str(), download(dg, g.size()), g, single ? 1e-5 : 1e-12,
                (single ? 1e-6 : 1e-14) * double(l.outer * l.inner));
    }

    // One optimizer kernel on random parameters, gradients and state (state >= 0 where it
    // holds squares), three steps in a row so that the state matters.
    template <class Step, class Run, class RunRef>
    void update(const std::string& name, std::size_t states, Run run, RunRef run_ref) {
        const std::size_t n = 1037;
        std::vector<std::vector<double>> host;
        host.push_back(random(n));  // parameters
        for (std::size_t s = 0; s < states; ++s) host.push_back(random(n, s == 0 ? 0 : -1, 1));
        std::vector<Device> dev;
        for (auto& h : host) dev.push_back(upload(h));
        for (int step = 0; step < 3; ++step) {
            auto g = random(n);
            Device dg = upload(g);
            run(n, dev, dg.ptr(), step);
            run_ref(n, host, g.data(), step);
            compare(name + ": gradient cleared", download(dg, n), std::vector<double>(n, 0.0), 0, 0);
        }
        const double tol = single ? 2e-5 : 1e-12;
        compare(name + ": parameters", download(dev[0], n), host[0], tol, tol);
        for (std::size_t s = 0; s < states; ++s)
            compare(name + ": state " + std::to_string(s), download(dev[s + 1], n), host[s + 1], tol, tol);
    }

    void optimizers() {
        for (bool decoupled : {false, true}) {
            backend::AdamStep<double> k;
            k.beta1 = 0.9, k.beta2 = 0.999, k.one_minus_beta1 = 0.1, k.one_minus_beta2 = 0.001, k.eps = 1e-8;
            k.step_size = 1e-2, k.inv_bc2_sqrt = 3.0, k.weight_decay = 0.01, k.decay = 0.9999;
            k.coupled = !decoupled, k.decoupled = decoupled;
            const auto kt = cast_adam(k);
            // state 0 is v (squares, >= 0), state 1 is m
            update<backend::AdamStep<T>>(
                decoupled ? "adam_update (decoupled decay)" : "adam_update (coupled decay)", 2,
                [&](std::size_t n, std::vector<Device>& d, T* g, int) { B::adam_update(n, d[0].ptr(), g, d[2].ptr(), d[1].ptr(), kt); },
                [&](std::size_t n, std::vector<std::vector<double>>& h, double* g, int) {
                    R::adam_update(n, h[0].data(), g, h[2].data(), h[1].data(), k);
                });
        }
        for (int variant = 0; variant < 2; ++variant) {
            backend::RmspropStep<double> k;
            k.lr = 1e-2, k.alpha = 0.99, k.one_minus_alpha = 0.01, k.eps = 1e-8, k.weight_decay = 0.01, k.momentum = 0.5;
            k.centered = variant == 1, k.use_momentum = variant == 1, k.use_weight_decay = true;
            const backend::RmspropStep<T> kt{T(k.lr), T(k.alpha), T(k.one_minus_alpha), T(k.eps), T(k.weight_decay),
                                             T(k.momentum), k.centered, k.use_momentum, k.use_weight_decay};
            // state 0: square_avg (>= 0, and kept above grad_avg^2 by starting grad_avg at 0)
            update<backend::RmspropStep<T>>(
                variant ? "rmsprop_update (centered, momentum)" : "rmsprop_update", 3,
                [&](std::size_t n, std::vector<Device>& d, T* g, int step) {
                    if (step == 0) B::fill(d[2].ptr(), n, T(0));
                    B::rmsprop_update(n, d[0].ptr(), g, d[1].ptr(), k.centered ? d[2].ptr() : nullptr,
                                      k.use_momentum ? d[3].ptr() : nullptr, kt);
                },
                [&](std::size_t n, std::vector<std::vector<double>>& h, double* g, int step) {
                    if (step == 0) std::fill(h[2].begin(), h[2].end(), 0.0);
                    R::rmsprop_update(n, h[0].data(), g, h[1].data(), k.centered ? h[2].data() : nullptr,
                                      k.use_momentum ? h[3].data() : nullptr, k);
                });
        }
        for (bool nesterov : {false, true}) {
            backend::SgdStep<double> k;
            k.lr = 0.1, k.momentum = 0.9, k.dampening_complement = nesterov ? 1.0 : 0.75, k.weight_decay = 0.01;
            k.use_momentum = true, k.nesterov = nesterov;
            update<backend::SgdStep<T>>(
                nesterov ? "sgd_update (nesterov)" : "sgd_update (momentum, dampening)", 1,
                [&](std::size_t n, std::vector<Device>& d, T* g, int step) {
                    backend::SgdStep<T> kt{T(k.lr), T(k.momentum), T(k.dampening_complement), T(k.weight_decay),
                                           true, step == 0, k.nesterov};
                    B::sgd_update(n, d[0].ptr(), g, d[1].ptr(), kt);
                },
                [&](std::size_t n, std::vector<std::vector<double>>& h, double* g, int step) {
                    auto kr = k;
                    kr.first_step = step == 0;
                    R::sgd_update(n, h[0].data(), g, h[1].data(), kr);
                });
        }
    }

    // Indexed kernels: a per-channel affine map, and sums per channel and per position.
    void indexed(backend::ChannelLayout l) {
        const double tol = single ? 1e-6 : 1e-14;
        auto x = random(l.size()), a = random(l.channels), b = random(l.outer * l.inner);
        std::ostringstream name;
        name << "(outer " << l.outer << ", channels " << l.channels << ", inner " << l.inner << ")";
        Device dx = upload(x), dy = upload(random(l.size()));
        std::vector<double> want(l.size());
        // the coefficients as B stores per-channel statistics: double arrays of B
        typename B::template buffer<double> da(a.size()), db(b.size());
        B::copy_from_host(a.data(), a.size(), da.data());
        B::copy_from_host(b.data(), b.size(), db.data());
        B::indexed_map(l, Affine{da.data(), db.data(), l.inner}, dy.ptr(), static_cast<const T*>(dx.ptr()));
        R::indexed_map(l, Affine{a.data(), b.data(), l.inner}, want.data(), x.data());
        compare("indexed_map" + name.str(), download(dy, l.size()), want, tol, tol);
        typename B::template buffer<double> sums(std::max(l.channels, l.outer * l.inner));
        std::vector<double> got(l.channels), ref(l.channels);
        B::channel_sum(l, Centered{da.data()}, sums.data(), static_cast<const T*>(dx.ptr()), static_cast<const T*>(dx.ptr()));
        B::copy_to_host(sums.data(), l.channels, got.data());
        R::channel_sum(l, Centered{a.data()}, ref.data(), x.data(), x.data());
        compare("channel_sum" + name.str(), got, ref, 1e-12, 1e-12 * double(l.outer * l.inner));
        got.resize(l.outer * l.inner);
        ref.resize(l.outer * l.inner);
        B::position_sum(l, Centered{da.data()}, sums.data(), static_cast<const T*>(dx.ptr()), static_cast<const T*>(dx.ptr()));
        B::copy_to_host(sums.data(), got.size(), got.data());
        R::position_sum(l, Centered{a.data()}, ref.data(), x.data(), x.data());
        compare("position_sum" + name.str(), got, ref, 1e-12, 1e-12 * double(l.channels));
        B::position_max(l, Centered{da.data()}, sums.data(), static_cast<const T*>(dx.ptr()), static_cast<const T*>(dx.ptr()));
        B::copy_to_host(sums.data(), got.size(), got.data());
        R::position_max(l, Centered{a.data()}, ref.data(), x.data(), x.data());
        compare("position_max" + name.str(), got, ref, 0, 0);
    }

    // Batch normalisation in train mode: the statistics, the normalised output, the gradient
    // sums and the input gradient (with and without it).
    void batch_norm(backend::ChannelLayout l) {
        const double tol = single ? 2e-5 : 1e-12, eps = 1e-5;
        auto x = random(l.size(), -2, 3), w = random(l.channels), b = random(l.channels), dy = random(l.size());
        std::ostringstream name;
        name << "(outer " << l.outer << ", channels " << l.channels << ", inner " << l.inner << ")";
        Device dx = upload(x), dw = upload(w), db = upload(b), ddy = upload(dy), dout = upload(random(l.size()));
        typename B::template buffer<double> mean(l.channels), invstd(l.channels), sq(l.channels);
        std::vector<double> out(l.size()), rmean(l.channels), rinvstd(l.channels), rsq(l.channels);
        const T *cx = dx.ptr(), *cw = dw.ptr(), *cb = db.ptr(), *cdy = ddy.ptr();
        B::batch_norm_train(l, eps, cx, cw, cb, dout.ptr(), mean.data(), invstd.data(), sq.data());
        R::batch_norm_train(l, eps, x.data(), w.data(), b.data(), out.data(), rmean.data(), rinvstd.data(), rsq.data());
        compare("batch_norm_train: y" + name.str(), download(dout, l.size()), out, tol, tol);
        compare("batch_norm_train: mean" + name.str(), to_host(mean), rmean, 1e-12, 1e-12);
        compare("batch_norm_train: invstd" + name.str(), to_host(invstd), rinvstd, 1e-12, 0);
        compare("batch_norm_train: centred squares" + name.str(), to_host(sq), rsq, 1e-12, 0);
        // the backward from the reference's statistics, so that only this kernel is compared
        B::copy_from_host(rmean.data(), l.channels, mean.data());
        B::copy_from_host(rinvstd.data(), l.channels, invstd.data());
        typename B::template buffer<double> s(l.channels), sx(l.channels);
        std::vector<double> rs(l.channels), rsx(l.channels);
        const double sum_atol = 1e-12 * double(l.outer * l.inner);
        for (bool with_dx : {true, false}) {
            R::batch_norm_train_backward(l, x.data(), dy.data(), w.data(), rmean.data(), rinvstd.data(),
                                         with_dx ? out.data() : nullptr, rs.data(), rsx.data());
            B::batch_norm_train_backward(l, cx, cdy, cw, static_cast<const double*>(mean.data()),
                                         static_cast<const double*>(invstd.data()), with_dx ? dout.ptr() : nullptr, s.data(),
                                         sx.data());
            const std::string what = with_dx ? name.str() : name.str() + " without dx";
            compare("batch_norm_train_backward: sum dy" + what, to_host(s), rs, 1e-12, sum_atol);
            compare("batch_norm_train_backward: sum (x - mean) dy" + what, to_host(sx), rsx, 1e-12, sum_atol);
            if (with_dx) compare("batch_norm_train_backward: dx" + what, download(dout, l.size()), out, tol, tol);
        }
    }

    std::vector<double> to_host(const typename B::template buffer<double>& d) {
        std::vector<double> h(d.size());
        B::copy_to_host(d.data(), d.size(), h.data());
        return h;
    }

    // im2col and col2im of one geometry, n images; then the transposes around a GEMM.
    template <class G>
    void convolution(std::size_t n, const std::string& what) {
        const double tol = single ? 1e-6 : 1e-14;
        auto x = random(n * G::C * G::image);
        std::vector<double> col(G::rows * n * G::L);
        Device dx = upload(x), dcol = upload(random(col.size()));
        B::template im2col<G>(static_cast<const T*>(dx.ptr()), n, dcol.ptr());
        R::template im2col<G>(x.data(), n, col.data());
        compare("im2col " + what, download(dcol, col.size()), col, 0, 0);
        auto c = random(col.size()), bias = random(G::C);
        Device dc = upload(c), db = upload(bias), dimg = upload(random(x.size()));
        std::vector<double> img(x.size());
        B::template col2im<G>(static_cast<const T*>(dc.ptr()), n, static_cast<const T*>(db.ptr()), dimg.ptr());
        R::template col2im<G>(c.data(), n, bias.data(), img.data());
        compare("col2im with bias " + what, download(dimg, img.size()), img, tol, tol * G::K * G::K);
        B::template col2im<G>(static_cast<const T*>(dc.ptr()), n, static_cast<const T*>(nullptr), dimg.ptr());
        R::template col2im<G>(c.data(), n, nullptr, img.data());
        compare("col2im " + what, download(dimg, img.size()), img, tol, tol * G::K * G::K);
        const backend::ChannelLayout l{n, G::C, G::image};
        std::vector<double> t(x.size()), back(x.size());
        Device dt = upload(t), dback = upload(back);
        B::planes_to_channels(l, static_cast<const T*>(dx.ptr()), dt.ptr());
        R::planes_to_channels(l, x.data(), t.data());
        compare("planes_to_channels " + what, download(dt, t.size()), t, 0, 0);
        B::channels_to_planes(l, static_cast<const T*>(dt.ptr()), static_cast<const T*>(db.ptr()), dback.ptr());
        R::channels_to_planes(l, t.data(), bias.data(), back.data());
        compare("channels_to_planes with bias " + what, download(dback, back.size()), back, tol, tol);
    }

    // The window kernels of one geometry over `planes` planes, and a strided copy.
    template <class G>
    void windows(std::size_t planes, const std::string& what) {
        const double tol = single ? 1e-6 : 1e-14;
        auto x = random(planes * G::plane), y = random(planes * G::out_plane);
        Device dx = upload(x), dy = upload(y), dout = upload(random(planes * G::out_plane)),
               din = upload(random(planes * G::plane));
        std::vector<double> out(planes * G::out_plane), in(planes * G::plane);
        typename B::template buffer<std::uint32_t> darg(out.size());
        std::vector<std::uint32_t> arg(out.size()), got_arg(out.size());
        B::template window_max<G>(planes, static_cast<const T*>(dx.ptr()), dout.ptr(), darg.data());
        R::template window_max<G>(planes, x.data(), out.data(), arg.data());
        compare("window_max " + what, download(dout, out.size()), out, 0, 0);
        B::copy_to_host(static_cast<const std::uint32_t*>(darg.data()), arg.size(), got_arg.data());
        compare("window_max argmax " + what, {got_arg.begin(), got_arg.end()}, {arg.begin(), arg.end()}, 0, 0);
        B::template take<G>(planes, static_cast<const T*>(dx.ptr()), darg.data(), dout.ptr());
        R::template take<G>(planes, x.data(), arg.data(), out.data());
        compare("take " + what, download(dout, out.size()), out, 0, 0);
        B::template put_add<G>(planes, static_cast<const T*>(dy.ptr()), darg.data(), din.ptr());
        R::template put_add<G>(planes, y.data(), arg.data(), in.data());
        compare("put_add " + what, download(din, in.size()), in, tol, tol);
        for (double d : {1.0, double(G::K * G::K)}) {
            B::template window_sum<G>(planes, T(d), static_cast<const T*>(dx.ptr()), dout.ptr());
            R::template window_sum<G>(planes, d, x.data(), out.data());
            compare("window_sum " + what, download(dout, out.size()), out, tol, tol * G::K * G::K);
            B::template window_spread<G>(planes, T(d), static_cast<const T*>(dy.ptr()), din.ptr());
            R::template window_spread<G>(planes, d, y.data(), in.data());
            compare("window_spread " + what, download(din, in.size()), in, tol, tol * G::K * G::K);
        }
        // every second row of each plane, into a wider destination
        const backend::Blocks blocks{planes, G::H / 2, G::W - 1, G::plane, 2 * G::W, (G::H / 2) * G::W, G::W};
        Device dd = upload(random(planes * G::plane));
        std::vector<double> d = download(dd, planes * G::plane);
        B::copy_blocks(blocks, static_cast<const T*>(dx.ptr()), dd.ptr());
        R::copy_blocks(blocks, x.data(), d.data());
        compare("copy_blocks " + what, download(dd, d.size()), d, 0, 0);
    }

    static backend::AdamStep<T> cast_adam(const backend::AdamStep<double>& k) {
        return {T(k.beta1),        T(k.beta2),        T(k.one_minus_beta1), T(k.one_minus_beta2), T(k.eps),
                T(k.step_size),    T(k.inv_bc2_sqrt), T(k.weight_decay),    T(k.decay),           k.coupled,
                k.decoupled};
    }

    BackendCheckResult result;

private:
    Rng rng_;
};

}  // namespace detail::backend_check

template <class B>
    requires backend::Backend<B>
BackendCheckResult check_backend(BackendCheckOptions options = {}) {
    using backend::Trans;
    detail::backend_check::Checker<B> c(options.seed);
    c.storage();
    for (Trans ta : {Trans::no, Trans::yes})
        for (Trans tb : {Trans::no, Trans::yes}) {
            c.gemm(ta, tb, 7, 5, 3, 1.0, 0.0);
            c.gemm(ta, tb, 37, 129, 65, 0.5, 0.25);
            c.gemm(ta, tb, 131, 67, 190, 1.0, 1.0);  // m n k above the size where the CPU splits
        }
    c.gemm(Trans::no, Trans::no, 1, 1, 1000, -2.0, 0.0);
    c.maps();
    c.bias({5, 33, 1});      // a batch of vectors
    c.bias({3, 7, 17 * 17}); // images
    c.bias({129, 3, 1000});
    c.indexed({5, 33, 1});
    c.indexed({3, 7, 17 * 17});
    c.indexed({2, 300, 3});
    c.batch_norm({7, 3, 1});       // BatchNorm1d on a batch of vectors
    c.batch_norm({5, 4, 9 * 11});  // BatchNorm2d
    c.batch_norm({33, 70, 64});    // channels split across threads
    using backend::ConvGeometry;
    c.template convolution<ConvGeometry<3, 9, 8, 7, 6, 3, 1, 0, 1>>(3, "(3x3)");
    c.template convolution<ConvGeometry<2, 12, 12, 6, 6, 4, 2, 1, 1>>(2, "(4x4, stride 2, padding 1)");
    c.template convolution<ConvGeometry<2, 7, 9, 7, 9, 3, 1, 2, 2>>(2, "(3x3, padding 2, dilation 2)");
    c.template convolution<ConvGeometry<1, 200, 100, 200, 100, 3, 1, 1, 1>>(1, "(a padded image too large for the stack)");
    // The CPU's col2im through column phases: without padding, and with a stride that the padded
    // width is no multiple of and a dilation that meets every phase; then 1x1 outputs (dcgan64's
    // last layer: a column matrix row per tap holds one value per sample), whose items the CPU
    // takes channel-major, as it does the first of these.
    c.template convolution<ConvGeometry<3, 10, 12, 4, 5, 4, 2, 0, 1>>(3, "(4x4, stride 2, no padding)");
    c.template convolution<ConvGeometry<2, 17, 23, 5, 7, 3, 3, 1, 2>>(3, "(3x3, stride 3, padding 1, dilation 2)");
    c.template convolution<ConvGeometry<5, 4, 4, 1, 1, 4, 1, 0, 1>>(37, "(4x4 kernel over a 4x4 image)");
    using backend::WindowGeometry;
    c.template windows<WindowGeometry<8, 6, 2, 2>>(5, "(2x2)");
    c.template windows<WindowGeometry<9, 7, 3, 2>>(4, "(3x3, stride 2)");
    c.template windows<WindowGeometry<12, 15, 3, 3>>(3, "(3x3 tiles)");
    c.optimizers();
    return c.result;
}

}  // namespace xgan::testing
