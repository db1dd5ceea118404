#!/usr/bin/python3
"""Writes minibatch_discrimination_goldens.json: PyTorch reference values for
tests/test_minibatch_discrimination.cpp.

    /usr/bin/python3 tests/data/make_minibatch_discrimination_goldens.py   # rewrites the JSON beside it

The layer is minibatch discrimination (Salimans et al. 2016, "Improved Techniques for Training
GANs", section 3.2) as the widely used PyTorch module MinibatchDiscrimination(in_features,
out_features, kernel_dims, mean), whose forward is copied below unchanged.

Each case holds the layer's sizes, x [N, A], T [A, Kernels, KernelDim], the weights r of
L = sum(out * r), and, in float64: the output, dL/dx and dL/dT. x and T are rounded to float32
first, so that the float32 test feeds the very inputs of the float64 reference. x is scaled by
0.1 so that the pairwise terms exp(-||M_i - M_j||_1) are of order 0.1-1, not ~0.

"k5d3" also holds the second-order values that a gradient penalty uses, along a tangent v:
  "yt"        J v, the forward-mode derivative of the output along v (x moves, T fixed)
  "second_x"  d/dx <v, dL/dx>, "second_T"  d/dT <v, dL/dx>   (double backprop)
"""
import json
import os

import torch
from torch import nn


class MinibatchDiscrimination(nn.Module):
    def __init__(self, in_features, out_features, kernel_dims, mean=False):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.kernel_dims = kernel_dims
        self.mean = mean
        self.T = nn.Parameter(torch.Tensor(in_features, out_features, kernel_dims))
        nn.init.normal_(self.T, 0, 1)

    def forward(self, x):
        # x is NxA
        # T is AxBxC
        matrices = x.mm(self.T.view(self.in_features, -1))
        matrices = matrices.view(-1, self.out_features, self.kernel_dims)

        M = matrices.unsqueeze(0)  # 1xNxBxC
        M_T = M.permute(1, 0, 2, 3)  # Nx1xBxC
        norm = torch.abs(M - M_T).sum(3)  # NxNxB
        expnorm = torch.exp(-norm)
        o_b = (expnorm.sum(0) - 1)   # NxB, subtract self distance
        if self.mean:
            o_b /= x.size(0) - 1

        x = torch.cat([x, o_b], 1)
        return x


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def f32(t):
    return t.float().double()


def case(gen, a, kernels, kernel_dim, n, mean=False, second=False):
    layer = MinibatchDiscrimination(a, kernels, kernel_dim, mean).double()
    with torch.no_grad():
        layer.T.copy_(f32(torch.randn(a, kernels, kernel_dim, generator=gen, dtype=torch.float64)))
    x = f32(0.1 * torch.randn(n, a, generator=gen, dtype=torch.float64)).requires_grad_(True)
    out = layer(x)
    r = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    (grad_x, grad_T) = torch.autograd.grad((out * r).sum(), (x, layer.T), create_graph=second)
    result = {
        "in_features": a, "out_features": kernels, "kernel_dims": kernel_dim, "batch": n, "mean": mean,
        "x": flat(x), "T": flat(layer.T), "r": flat(r),
        "out": flat(out), "grad_x": flat(grad_x), "grad_T": flat(grad_T),
    }
    if second:
        v = torch.randn(n, a, generator=gen, dtype=torch.float64)
        (_, yt) = torch.autograd.functional.jvp(lambda inp: layer(inp), (x.detach(),), (v,))
        (second_x, second_T) = torch.autograd.grad((grad_x * v).sum(), (x, layer.T))
        result.update({"v": flat(v), "yt": flat(yt), "second_x": flat(second_x), "second_T": flat(second_T)})
    return result


def main():
    gen = torch.Generator().manual_seed(2016)
    result = {
        "torch_version": torch.__version__,
        "k5d3": case(gen, 16, 5, 3, 6, second=True),
        "k8d4": case(gen, 32, 8, 4, 7),
        "k4d2_mean": case(gen, 6, 4, 2, 5, mean=True),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "minibatch_discrimination_goldens.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=0)
        f.write("\n")
    o = torch.tensor(result["k5d3"]["out"]).view(6, 21)[:, 16:]
    print(f"wrote {path} ({os.path.getsize(path)} bytes); k5d3 o_b in [{o.min():.3f}, {o.max():.3f}]")


if __name__ == "__main__":
    main()
