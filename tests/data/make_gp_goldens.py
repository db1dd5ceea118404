#!/usr/bin/python3
"""Writes gp_goldens.json: PyTorch's gradient penalties (WGAN-GP and R1) of a small conv critic
and their parameter gradients, by double backpropagation (torch.autograd.grad with
create_graph=True), for tests/test_second_order.cpp, which computes the same with xgan's exact
forward-over-reverse passes (xgan/gan/penalty.hpp).

    /usr/bin/python3 tests/data/make_gp_goldens.py   # rewrites tests/data/gp_goldens.json

Everything is float64. The critic (input (2, 8, 8), batch 4) is
    Conv2d(2, 4, 3, 2, 1), LeakyReLU(0.2), LayerNorm([4, 4, 4]), Conv2d(4, 6, 3, 1, 1), Tanh,
    Flatten, Linear(96, 1)
with random LayerNorm weight and bias (not PyTorch's 1 and 0), so that every term counts.
The file holds the state_dict ("state": name -> {shape, values}), the input x_hat, the critic's
output and input gradient at x_hat, and for each penalty ("gp": 10 * mean (||g|| - 1)^2,
"r1": 10 / 2 * mean ||g||^2) its value and the gradient of every parameter.
"""
import json
import os

import torch
from torch import nn

BATCH = 4
LAMBDA = 10.0
GAMMA = 10.0


def critic():
    return nn.Sequential(nn.Conv2d(2, 4, 3, 2, 1), nn.LeakyReLU(0.2), nn.LayerNorm([4, 4, 4]),
                         nn.Conv2d(4, 6, 3, 1, 1), nn.Tanh(), nn.Flatten(), nn.Linear(96, 1))


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def penalty(model, x, kind):
    x = x.clone().requires_grad_(True)
    out = model(x)
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    norms = g.reshape(g.shape[0], -1).norm(dim=1)
    if kind == "gp":
        p = LAMBDA * ((norms - 1) ** 2).mean()
    else:
        p = GAMMA / 2 * (norms ** 2).mean()
    model.zero_grad(set_to_none=True)
    p.backward()
    # A parameter that ∇x D does not depend on (the last bias) has no gradient: zeros.
    return {"value": float(p),
            "grads": {name: flat(q.grad if q.grad is not None else torch.zeros_like(q))
                      for name, q in model.named_parameters()}}


def main():
    torch.manual_seed(0)
    model = critic().double()
    gen = torch.Generator().manual_seed(11)
    with torch.no_grad():
        ln = model[2]
        ln.weight.copy_(0.5 + torch.rand(ln.weight.shape, generator=gen, dtype=torch.float64))
        ln.bias.copy_(0.3 * torch.randn(ln.bias.shape, generator=gen, dtype=torch.float64))
    real = torch.randn(BATCH, 2, 8, 8, generator=gen, dtype=torch.float64)
    fake = torch.randn(BATCH, 2, 8, 8, generator=gen, dtype=torch.float64)
    alpha = torch.rand(BATCH, 1, 1, 1, generator=gen, dtype=torch.float64)
    x_hat = real + alpha * (fake - real)

    xg = x_hat.clone().requires_grad_(True)
    out = model(xg)
    (input_grad,) = torch.autograd.grad(out.sum(), xg)
    result = {
        "torch_version": torch.__version__,
        "state": {name: {"shape": list(t.shape), "values": flat(t)} for name, t in model.state_dict().items()},
        "x_hat": {"shape": list(x_hat.shape), "values": flat(x_hat)},
        "output": flat(out),
        "input_grad": flat(input_grad),
        "gp": penalty(model, x_hat, "gp"),
        "r1": penalty(model, x_hat, "r1"),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gp_goldens.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=0)
        f.write("\n")
    print(f"wrote {path}: gp {result['gp']['value']:.6f}, r1 {result['r1']['value']:.6f}")


if __name__ == "__main__":
    main()
