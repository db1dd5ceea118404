#pragma once
// An optimizer's per-parameter state (Adam's m and v, momentum buffers): one buffer of the
// backend's storage over all parameters, in parameter order.
#include <cstddef>

namespace xgan::optim {

template <class T, class B>
using State = typename B::template buffer<T>;

// n zeros in state (PyTorch's initial state).
template <class B, class Buffer>
void zero_state(Buffer& state, std::size_t n) {
    state.resize(n);
    B::fill(state.data(), n, static_cast<typename Buffer::value_type>(0));
}

}  // namespace xgan::optim
