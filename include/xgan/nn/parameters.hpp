#pragma once
// The trainable tensors of a network, as the optimizers see them.
#include <cstddef>
#include <string>
#include <vector>

#include "xgan/layers/layer.hpp"

namespace xgan {

template <class T>
struct ParamRef {
    std::string name;
    T* value;
    T* grad;
    std::size_t size;
};

template <class Net>
std::vector<ParamRef<typename Net::scalar>> trainable_parameters(Net& net) {
    std::vector<ParamRef<typename Net::scalar>> out;
    net.visit_state(
        [&](const StateEntry<typename Net::scalar>& e) {
            if (e.trainable()) out.push_back({e.name, e.value, e.grad, e.numel()});
        },
        "");
    return out;
}

template <class Net>
void zero_grad(Net& net) {
    for (auto& p : trainable_parameters(net)) Net::backend::fill(p.grad, p.size, typename Net::scalar(0));
}

}  // namespace xgan
