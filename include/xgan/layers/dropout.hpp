#pragma once
// Dropout<P>: zeroes each element with probability P during training and scales the kept ones
// by 1/(1 - P), as torch.nn.Dropout(p=P); the identity in eval mode. P is a Ratio (PyTorch's
// default 0.5): Dropout<>, Dropout<ratio(0.3)>.
//   shapes   any S -> S; no state_dict entries
//   forward  train: y = x * mask, mask = 0 or 1/(1-P), drawn from a counter-based stream seeded
//            by one draw of the layer's own Rng per call; reset_parameters seeds that Rng from
//            the model's (so runs are reproducible, whatever the thread count); caches the
//            mask (sized by the largest batch seen)
//   backward dx = dy * mask (train), dx = dy (eval)
//   tangent  linear in x with the forward's mask: yt = xt * mask; xbar, xtbar likewise
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "xgan/layers/layer.hpp"

namespace xgan {

template <Ratio P, ShapeType S, class B>
class DropoutLayer : public StatelessLayer<S, S, B> {
    using T = typename B::scalar;
    static constexpr double p = P.value();
    static_assert(p >= 0.0 && p <= 1.0, "xgan: Dropout's probability P must lie in [0, 1]");

public:
    static constexpr double forward_flops = double(S::size);
    static std::string name() { return "Dropout(p=" + format_number(p) + ", inplace=False)"; }

    void forward(const Tensor<S, B>& x, Tensor<S, B>& y, Mode mode) {
        const std::size_t n = x.size();
        y.resize(x.batch());
        dropping_ = mode == Mode::train && p > 0.0;
        if (!dropping_) {
            std::copy(x.data(), x.data() + n, y.data());
            return;
        }
        if (mask_.size() < n) mask_.resize(n);
        // Element i is kept when its uniform 32-bit draw is >= p * 2^32. The draws are a
        // counter-based stream, the high half of splitmix64(seed + i * gamma), with one seed per
        // call from the layer's Rng, so blocks fill in parallel and the mask does not depend on
        // the thread count.
        const std::uint64_t seed = rng_.next();
        // Data-parallel: this rank's samples start at sample *batch_offset_ of the global batch,
        // and take that batch's masks.
        const std::uint64_t first = batch_offset_ ? std::uint64_t(*batch_offset_) * S::size : 0;
        const std::uint64_t threshold = static_cast<std::uint64_t>(p * 4294967296.0);
        const T scale = p < 1.0 ? T(1.0 / (1.0 - p)) : T(0);
        T* m = mask_.data();
        const T* in = x.data();
        T* out = y.data();
        constexpr std::size_t block = 8192;
        B::parallel_for((n + block - 1) / block, 1, [&](std::size_t b0, std::size_t b1) {
            for (std::size_t b = b0; b < b1; ++b) {
                const std::size_t begin = b * block, end = std::min(n, begin + block);
                fill_mask(m, begin, end, seed + first * 0x9e3779b97f4a7c15ULL, threshold, scale);
                for (std::size_t i = begin; i < end; ++i) out[i] = in[i] * m[i];
            }
        });
    }

    void backward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& dy, Tensor<S, B>* dx,
                  ParamGrads) {
        if (dx) apply_mask(x.batch(), dy, *dx);
    }

    void tangent_forward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& xt, Tensor<S, B>& yt) {
        apply_mask(x.batch(), xt, yt);
    }
    void tangent_backward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>&, const Tensor<S, B>&,
                          const Tensor<S, B>& ybar, const Tensor<S, B>& ytbar, Tensor<S, B>* xbar, Tensor<S, B>* xtbar,
                          ParamGrads) {
        if (xbar) apply_mask(x.batch(), ybar, *xbar);
        if (xtbar) apply_mask(x.batch(), ytbar, *xtbar);
    }

    // Seeds the layer's own stream from the model's Rng (one draw).
    void reset_parameters(Rng& rng, Init) { rng_.reseed(rng.next()); }

    Rng& rng() { return rng_; }
    // Data-parallel training (GanTrainer::set_communicator): where this rank's rows begin.
    void set_batch_offset_source(const std::size_t* offset) { batch_offset_ = offset; }
    // Checkpoints save this stream too, so a resumed run draws the same masks.
    template <class F>
    void visit_random_streams(F&& f) {
        f(rng_);
    }

private:
    // m[i] = scale or 0 for i in [begin, end). Plain arguments (not lambda captures, which the
    // compiler must assume m may alias) let the loop vectorise.
    static void fill_mask(T* m, std::size_t begin, std::size_t end, std::uint64_t seed, std::uint64_t threshold, T scale) {
        for (std::size_t i = begin; i < end; ++i)
            m[i] = (mix(seed + i * 0x9e3779b97f4a7c15ULL) >> 32) >= threshold ? scale : T(0);
    }

    // splitmix64's output function
    static std::uint64_t mix(std::uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    // out = in * mask of the last forward (a copy when it did not drop)
    void apply_mask(std::size_t batch, const Tensor<S, B>& in, Tensor<S, B>& out) {
        out.resize(batch);
        const std::size_t n = out.size();
        if (!dropping_) {
            std::copy(in.data(), in.data() + n, out.data());
            return;
        }
        const T* m = mask_.data();
        const T* g = in.data();
        T* o = out.data();
        for (std::size_t i = 0; i < n; ++i) o[i] = g[i] * m[i];
    }

    Rng rng_;
    const std::size_t* batch_offset_ = nullptr;
    typename B::template buffer<T> mask_;  // [batch * S::size], 0 or 1/(1-p)
    bool dropping_ = false;                // the last forward dropped (train mode, p > 0)
};

template <Ratio P = Ratio{1, 2}>
struct Dropout {
    template <ShapeType S, class B>
    struct bind {
        using type = DropoutLayer<P, S, B>;
    };
};

}  // namespace xgan
