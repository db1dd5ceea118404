#!/usr/bin/python3
"""Writes norm_layer_goldens.safetensors: PyTorch references for tests/test_equalized.cpp and
tests/test_spectral_norm.cpp (EqualizedLinear / EqualizedConv2d, SpectralNorm).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tests/data/make_norm_layer_goldens.py
Everything is float32. For each single-layer case (prefix "<case>.") the file holds
  <p>init.<state name>   the state_dict before the forwards, in state_dict order
  <p>x, <p>r             the input and the output weights r of the loss L = sum(out * r)
  <p>out                 the output of the last of <p>forwards train-mode forwards on x
  <p>grad.x              dL/dx of that forward;  <p>grad.<param>: dL/dparam for every parameter
  <p>after.<buffer>      the buffers after the forwards (spectral norm's weight_u, weight_v)
  <p>eval_out            the eval-mode output after that (spectral norm: no power iteration)
  <p>forwards            the number of train-mode forwards (I64, shape [])
and for the critic (prefix "critic."), a WGAN-GP penalty 10 * mean (||grad_x D(x_hat)|| - 1)^2
by double backpropagation: init.<state name>, x_hat, out (D(x_hat) of the penalty's forward),
penalty (shape []), grad.<param> and after.<buffer>.
The equalized layers are written here as pytorch_GAN_zoo-style modules whose parameter is the
unscaled weight, N(0, 1) at init, used as weight * sqrt(2 / fan_in) (the bias is not scaled).
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F
from torch import nn


class EqualizedLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        self.scale = math.sqrt(2.0 / in_features)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


class EqualizedConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale = math.sqrt(2.0 / (in_channels * kernel_size * kernel_size))
        self.stride, self.padding = stride, padding

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, self.stride, self.padding)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for b in blobs:
            f.write(b)


def golden(prefix, model, x_shape, forwards, gen, out):
    with torch.no_grad():  # non-zero biases, so that the bias path counts
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
    for name, t in model.state_dict().items():
        out[prefix + "init." + name] = t.clone()
    x = torch.randn(x_shape, generator=gen).requires_grad_()
    model.train()
    for _ in range(forwards):
        y = model(x)
    r = torch.randn(y.shape, generator=gen)
    (y * r).sum().backward()
    out[prefix + "x"] = x
    out[prefix + "r"] = r
    out[prefix + "out"] = y
    out[prefix + "grad.x"] = x.grad
    for name, p in model.named_parameters():
        out[prefix + "grad." + name] = p.grad
    for name, t in model.named_buffers():
        out[prefix + "after." + name] = t.clone()
    out[prefix + "forwards"] = torch.tensor(forwards, dtype=torch.int64)
    model.eval()
    with torch.no_grad():
        out[prefix + "eval_out"] = model(x)


def critic_golden(prefix, gen, out):
    # (2, 8, 8) -> (4, 4, 4) -> (4, 4, 4) -> 64 -> 1
    model = nn.Sequential(nn.utils.spectral_norm(nn.Conv2d(2, 4, 3, 2, 1)), nn.LeakyReLU(0.2),
                          EqualizedConv2d(4, 4, 3, 1, 1), nn.LeakyReLU(0.2), nn.Flatten(),
                          nn.utils.spectral_norm(nn.Linear(64, 1)))
    with torch.no_grad():
        model[2].bias.copy_(0.5 * torch.randn(4, generator=gen))
    for name, t in model.state_dict().items():
        out[prefix + "init." + name] = t.clone()
    x_hat = torch.randn(4, 2, 8, 8, generator=gen)
    model.train()
    x = x_hat.clone().requires_grad_(True)
    y = model(x)  # one power iteration per spectral norm, as xgan's penalty forward
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    p = 10.0 * ((g.reshape(4, -1).norm(dim=1) - 1) ** 2).mean()
    model.zero_grad(set_to_none=True)
    p.backward()
    out[prefix + "x_hat"] = x_hat
    out[prefix + "out"] = y
    out[prefix + "penalty"] = p
    for name, q in model.named_parameters():
        out[prefix + "grad." + name] = q.grad if q.grad is not None else torch.zeros_like(q)
    for name, t in model.named_buffers():
        out[prefix + "after." + name] = t.clone()


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(5)
    out = {}
    golden("eqlin.", EqualizedLinear(5, 4), (3, 5), 1, gen, out)
    golden("eqconv.", EqualizedConv2d(3, 4, 3, 2, 1), (2, 3, 7, 6), 1, gen, out)
    golden("eqconv_nobias.", EqualizedConv2d(2, 3, 3, bias=False), (2, 2, 5, 5), 1, gen, out)
    golden("snlin.", nn.utils.spectral_norm(nn.Linear(5, 4)), (3, 5), 3, gen, out)
    golden("snlin_nobias.", nn.utils.spectral_norm(nn.Linear(6, 3, bias=False)), (2, 6), 2, gen, out)
    golden("snconv.", nn.utils.spectral_norm(nn.Conv2d(3, 4, 3, 2, 1)), (2, 3, 7, 6), 4, gen, out)
    critic_golden("critic.", gen, out)
    here = os.path.dirname(os.path.abspath(__file__))
    write_safetensors(os.path.join(here, "norm_layer_goldens.safetensors"), out)


if __name__ == "__main__":
    main()
