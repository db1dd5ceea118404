#!/usr/bin/python3
"""Writes same_padding_goldens.json: PyTorch reference values for tests/test_zero_pad.cpp.

    /usr/bin/python3 tests/data/make_same_padding_goldens.py   # rewrites the JSON beside it

Keras' and PyTorch's padding='same' for a stride-1 convolution with an even kernel pad one more
at the end than at the start (K = 4: 1 before, 2 after). The case: x [2, 2, 5, 6], a Conv2d(2, 3,
kernel_size=4, padding='same') with weight w and bias b, the weights r of L = sum(y * r), and,
in float64: y, dL/dx, dL/dw, dL/db. Inputs are rounded to float32 first.
"""
import json
import os

import torch

torch.manual_seed(4)
f32 = lambda t: t.float().double()
x = f32(torch.randn(2, 2, 5, 6)).requires_grad_(True)
w = f32(torch.randn(3, 2, 4, 4) * 0.3).requires_grad_(True)
b = f32(torch.randn(3)).requires_grad_(True)
y = torch.nn.functional.conv2d(x, w, b, padding="same")
r = f32(torch.randn_like(y))
(y * r).sum().backward()
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
case = {"x": flat(x), "w": flat(w), "b": flat(b), "r": flat(r), "y": flat(y), "y_shape": list(y.shape),
        "dx": flat(x.grad), "dw": flat(w.grad), "db": flat(b.grad)}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "same_padding_goldens.json"), "w") as f:
    json.dump({"torch": torch.__version__, "conv4_same": case}, f)
