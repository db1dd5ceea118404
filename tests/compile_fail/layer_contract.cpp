// Must not compile: a user's layer whose visit_state forgets the prefix parameter. Before the
// Layer concept was asserted where a spec is bound, Sequential skipped such a visit_state, so
// the layer's weights were neither trained nor saved.
#include <string>

#include <xgan/layers/linear.hpp>
#include <xgan/nn/sequential.hpp>

using namespace xgan;

template <ShapeType In, class B>
struct ScaleLayer : StatelessLayer<In, In, B> {
    using T = typename B::scalar;
    static constexpr std::size_t parameter_count = 1;
    static constexpr double forward_flops = double(In::size);
    T weight = 1, weight_grad = 0;
    static std::string name() { return "Scale()"; }
    void forward(const Tensor<In, B>& x, Tensor<In, B>& y, Mode) {
        y.resize(x.batch());
        for (std::size_t i = 0; i < x.size(); ++i) y[i] = weight * x[i];
    }
    void backward(const Tensor<In, B>&, const Tensor<In, B>&, const Tensor<In, B>& dy, Tensor<In, B>* dx, ParamGrads) {
        if (dx) dx->resize(dy.batch());
    }
    template <class F>
    void visit_state(F&& f) {  // the prefix parameter is missing
        f(StateEntry<T>{"weight", {1}, &weight, &weight_grad});
    }
};

struct Scale {
    template <ShapeType In, class B>
    struct bind {
        using type = ScaleLayer<In, B>;
    };
};

int main() {
    Network<Sequential<Linear<4, 4>, Scale>, Shape<4>> net;
    (void)net;
}
