#pragma once
// type_signature<Net>(): a network's type as text, "Sequential(Linear(...), ReLU(), ...)",
// stored in checkpoints so that loading into another model can show both.
#include <string>
#include <utility>

namespace xgan {

template <class Net>
std::string type_signature() {
    if constexpr (requires { Net::depth; }) {
        std::string s = "Sequential(";
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((s += (I ? ", " : "") + type_signature<typename Net::template layer_t<I>>()), ...);
        }(std::make_index_sequence<Net::depth>{});
        return s + ")";
    } else {
        return Net::name();
    }
}

}  // namespace xgan
