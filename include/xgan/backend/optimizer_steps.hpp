#pragma once
// The coefficients of one fused optimizer pass, computed by the optimizer (optim/) in double
// and handed to the backend's update kernel, which applies, per element i with gradient g:
//
//   adam_update     g += wd p (coupled);  p *= decay (decoupled, AdamW)
//                   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//                   p -= step_size m / (sqrt(v) inv_bc2_sqrt + eps)
//   rmsprop_update  g += wd p;  s = alpha s + (1 - alpha) g^2
//                   d = sqrt(s - a^2) + eps with a = alpha a + (1 - alpha) g (centered),
//                       sqrt(s) + eps otherwise
//                   b = mu b + g / d, p -= lr b (momentum);  p -= (lr g) / d otherwise
//   sgd_update      g += wd p;  b = g (first step) | mu b + dampening_complement g (momentum)
//                   g = g + mu b (nesterov) | b;  p -= lr g
//
// and then sets g = 0. State pointers that an option leaves unused may be null.
namespace xgan::backend {

template <class T>
struct AdamStep {
    T beta1 = 0, beta2 = 0, one_minus_beta1 = 1, one_minus_beta2 = 1, eps = 0;
    T step_size = 0, inv_bc2_sqrt = 1, weight_decay = 0, decay = 1;
    bool coupled = false, decoupled = false;
};

template <class T>
struct RmspropStep {
    T lr = 0, alpha = 0, one_minus_alpha = 1, eps = 0, weight_decay = 0, momentum = 0;
    bool centered = false, use_momentum = false, use_weight_decay = false;
};

template <class T>
struct SgdStep {
    T lr = 0, momentum = 0, dampening_complement = 1, weight_decay = 0;
    bool use_momentum = false, first_step = false, nesterov = false;
};

}  // namespace xgan::backend
