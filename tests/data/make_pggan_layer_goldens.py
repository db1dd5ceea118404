#!/usr/bin/python3
"""Writes pggan_layer_goldens.json: PyTorch reference values for tests/test_pixel_norm.cpp,
tests/test_minibatch_stddev.cpp and the SELU cases of tests/test_activation.cpp.

    /usr/bin/python3 tests/data/make_pggan_layer_goldens.py   # rewrites tests/data/pggan_layer_goldens.json

Everything is float64. The layers, as progressive growing (Karras et al. 2018) and
pytorch_GAN_zoo define them:
  pixel_norm(x)          x * ((x ** 2).mean(dim=1, keepdim=True) + 1e-8).rsqrt()
  minibatch_stddev(x, G) groups of min(G, N) consecutive samples; per group the mean over all
                         features of sqrt(biased var over the group + 1e-8), appended as a channel
  torch.nn.SELU()
Each layer case holds its input x ("shape": the batch's shape), the weights r of L = sum(out * r),
the output and dL/dx. "selu" also holds d/dx sum(v * dL/dx) = r v f''(x) ("second").
"penalty" is WGAN-GP's 10 * mean (||∇x D||₂ - 1)² (∇x D = autograd.grad(D(x).sum(), x)) of the
critic Conv2d(2, 3, 3, 1, 1), SELU, PixelNorm, MinibatchStdDev(2), Flatten, Linear(64, 1) on a
batch of 4 (two groups), with its state_dict, output, input gradient, value and parameter
gradients (double backpropagation).
"""
import json
import os

import torch
from torch import nn

EPS = 1e-8


def pixel_norm(x):
    return x * ((x ** 2).mean(dim=1, keepdim=True) + EPS).rsqrt()


def minibatch_stddev(x, group):
    # pytorch_GAN_zoo's miniBatchStdDev with the paper's biased variance; N % S == 0 here.
    n, c, h, w = x.shape
    s = min(group, n)
    y = x.view(-1, s, c, h, w)
    y = torch.sqrt(torch.var(y, 1, unbiased=False) + EPS)
    y = y.view(n // s, -1).mean(dim=1).view(n // s, 1, 1, 1, 1)
    y = y.expand(n // s, s, 1, h, w).reshape(n, 1, h, w)
    return torch.cat([x, y], dim=1)


class PixelNorm(nn.Module):
    def forward(self, x):
        return pixel_norm(x)


class MinibatchStdDev(nn.Module):
    def __init__(self, group):
        super().__init__()
        self.group = group

    def forward(self, x):
        return minibatch_stddev(x, self.group)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def layer_case(f, x, gen):
    x = x.clone().requires_grad_(True)
    out = f(x)
    r = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    (grad,) = torch.autograd.grad((out * r).sum(), x)
    return {"shape": list(x.shape), "x": flat(x), "r": flat(r), "out": flat(out), "grad_x": flat(grad)}


def selu_case(gen):
    special = torch.tensor([-30.0, -5.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 3.0], dtype=torch.float64)
    x = torch.cat([special, torch.randn(6, generator=gen, dtype=torch.float64)]).view(1, 16)
    case = layer_case(nn.SELU(), x, gen)
    xg = x.clone().requires_grad_(True)
    r = torch.tensor(case["r"], dtype=torch.float64).view(1, 16)
    v = torch.randn(1, 16, generator=gen, dtype=torch.float64)
    (g,) = torch.autograd.grad((nn.SELU()(xg) * r).sum(), xg, create_graph=True)
    (second,) = torch.autograd.grad((g * v).sum(), xg)
    case.update({"v": flat(v), "second": flat(second)})
    return case


def penalty_case(gen):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, 1, 1), nn.SELU(), PixelNorm(), MinibatchStdDev(2), nn.Flatten(),
                          nn.Linear(64, 1)).double()
    x = torch.randn(4, 2, 4, 4, generator=gen, dtype=torch.float64).requires_grad_(True)
    out = model(x)
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    p = 10.0 * ((g.reshape(4, -1).norm(dim=1) - 1) ** 2).mean()
    model.zero_grad(set_to_none=True)
    p.backward()
    return {
        "state": {name: {"shape": list(t.shape), "values": flat(t)} for name, t in model.state_dict().items()},
        "x": flat(x), "output": flat(out), "input_grad": flat(g), "value": float(p),
        # The last bias does not enter ∇x D: no gradient, zeros.
        "grads": {name: flat(q.grad if q.grad is not None else torch.zeros_like(q))
                  for name, q in model.named_parameters()},
    }


def main():
    gen = torch.Generator().manual_seed(2018)
    randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64)
    result = {
        "torch_version": torch.__version__,
        "pixel_norm_chw": layer_case(pixel_norm, randn(3, 5, 3, 4), gen),
        "pixel_norm_c": layer_case(pixel_norm, 0.1 * randn(4, 7), gen),
        "selu": selu_case(gen),
        "mbstd_n8_g4": layer_case(lambda x: minibatch_stddev(x, 4), randn(8, 3, 2, 3), gen),
        "mbstd_n3_g4": layer_case(lambda x: minibatch_stddev(x, 4), randn(3, 2, 2, 2), gen),
        "mbstd_n6_g2": layer_case(lambda x: minibatch_stddev(x, 2), randn(6, 2, 3, 2), gen),
        "penalty": penalty_case(gen),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pggan_layer_goldens.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=0)
        f.write("\n")
    print(f"wrote {path}: penalty {result['penalty']['value']:.6f}")


if __name__ == "__main__":
    main()
