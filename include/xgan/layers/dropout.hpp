#pragma once
// Dropout<P>: zeroes each element with probability P during training and scales the kept ones
// by 1/(1 - P), as torch.nn.Dropout(p=P); the identity in eval mode. P is a Ratio (PyTorch's
// default 0.5): Dropout<>, Dropout<ratio(0.3)>.
//   shapes   any S -> S; no state_dict entries
//   forward  train: y = x * mask, mask = 0 or 1/(1-P), drawn from a counter-based stream seeded
//            by one draw of the layer's own Rng per call; reset_parameters seeds that Rng from
//            the model's (so runs are reproducible, whatever the thread count); keeps the
//            stream's start, and the passes below draw the same mask again (no mask is stored)
//   backward dx = dy * mask (train), dx = dy (eval)
//   tangent  linear in x with the forward's mask: yt = xt * mask; xbar, xtbar likewise
#include <cstddef>
#include <cstdint>
#include <string>

#include "xgan/core/host_device.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail {
// x * mask, mask = scale where the draw's high half is >= threshold, else 0. In the scalar
// type throughout: a detour through double keeps the CPU's loop from vectorising.
template <class T>
struct DropMasked {
    std::uint64_t threshold;
    T scale;
    XGAN_HD T operator()(std::uint64_t bits, T x) const { return x * ((bits >> 32) >= threshold ? scale : T(0)); }
};
}  // namespace detail

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
            B::copy(x.data(), n, y.data());
            return;
        }
        // Element i is kept when its uniform 32-bit draw is >= p * 2^32: the high half of the
        // i-th value of a counter-based stream (core/rng.hpp) started by one draw of the
        // layer's Rng per call, so the mask does not depend on how the backend splits the work.
        // Data-parallel: this rank's samples start at sample *batch_offset_ of the global batch,
        // and take that batch's masks.
        const std::uint64_t first = batch_offset_ ? std::uint64_t(*batch_offset_) * S::size : 0;
        start_ = rng_.next() + first * counter_step;
        apply_mask(x.batch(), x, y);
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
    // out = in * mask of the last forward (a copy when it did not drop), the mask drawn again
    // from the same stream
    void apply_mask(std::size_t batch, const Tensor<S, B>& in, Tensor<S, B>& out) {
        out.resize(batch);
        if (!dropping_) {
            B::copy(in.data(), out.size(), out.data());
            return;
        }
        const std::uint64_t threshold = static_cast<std::uint64_t>(p * 4294967296.0);
        const T scale = p < 1.0 ? T(1.0 / (1.0 - p)) : T(0);
        B::counter_map(out.size(), start_, detail::DropMasked<T>{threshold, scale}, out.data(), in.data());
    }

    Rng rng_;
    const std::size_t* batch_offset_ = nullptr;
    std::uint64_t start_ = 0;  // where the last forward's mask begins in the counter-based stream
    bool dropping_ = false;    // the last forward dropped (train mode, p > 0)
};

template <Ratio P = Ratio{1, 2}>
struct Dropout {
    template <ShapeType S, class B>
    struct bind {
        using type = DropoutLayer<P, S, B>;
    };
};

}  // namespace xgan
