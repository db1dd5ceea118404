#!/usr/bin/python3
"""Writes avg_pool_goldens.json: PyTorch reference values for the AvgPool2d cases of
tests/test_pooling.cpp.

    /usr/bin/python3 tests/data/make_avg_pool_goldens.py   # rewrites the JSON beside it

Each case: x, the weights r of L = sum(y * r), and, in float64, y = AvgPool2d(k, s)(x) and
dL/dx. "k2": kernel 2 (stride 2) on [2, 3, 6, 4]; "k3s2": kernel 3, stride 2 (overlapping
windows, a leftover row and column dropped by floor mode) on [2, 2, 7, 6]. Inputs are rounded
to float32 first.
"""
import json
import os

import torch

torch.manual_seed(7)
f32 = lambda t: t.float().double()
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]


def case(shape, k, s):
    x = f32(torch.randn(*shape)).requires_grad_(True)
    y = torch.nn.AvgPool2d(k, s)(x)
    r = f32(torch.randn_like(y))
    (y * r).sum().backward()
    return {"x": flat(x), "r": flat(r), "y": flat(y), "y_shape": list(y.shape), "dx": flat(x.grad)}


goldens = {"torch": torch.__version__, "k2": case((2, 3, 6, 4), 2, 2), "k3s2": case((2, 2, 7, 6), 3, 2)}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "avg_pool_goldens.json"), "w") as f:
    json.dump(goldens, f)
