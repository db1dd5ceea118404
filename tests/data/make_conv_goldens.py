#!/usr/bin/python3
"""Writes conv_goldens.safetensors: PyTorch reference values for tests/test_conv_goldens.cpp.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tests/data/make_conv_goldens.py
Two small seeded nn.Sequential nets; for each (prefix "a." / "b.") the file holds
  <p>init.<state name>   the state_dict before the step (every weight and buffer)
  <p>x, <p>r             the input and the output weights r of the loss L = sum(out * r)
  <p>out                 the train-mode output
  <p>grad.x              dL/dx;  <p>grad.<param>: dL/dparam for every parameter
  <p>after.<buffer>      running statistics and num_batches_tracked after the train step
  <p>eval_out            the eval-mode output after the step (uses the running statistics)
safetensors is not installed, so a tiny writer (struct + json) produces the file.
"""
import json
import os
import struct

import torch
from torch import nn


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


def golden(prefix, model, x_shape, out):
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():  # non-trivial BatchNorm affine parameters and running statistics
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=gen))
                m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.3 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
                m.num_batches_tracked.fill_(3)
    for name, t in model.state_dict().items():
        out[prefix + "init." + name] = t.clone()
    x = torch.randn(x_shape, generator=gen).requires_grad_()
    model.train()
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
    model.eval()
    with torch.no_grad():
        out[prefix + "eval_out"] = model(x)


def main():
    torch.manual_seed(0)
    out = {}
    # a: the DCGAN building blocks. (4, 2, 7, 6) -> conv (4, 3, 4, 3) -> convT (4, 2, 8, 6)
    a = nn.Sequential(nn.Conv2d(2, 3, 3, 2, 1), nn.BatchNorm2d(3), nn.LeakyReLU(0.2),
                      nn.ConvTranspose2d(3, 2, 4, 2, 1), nn.Tanh())
    golden("a.", a, (4, 2, 7, 6), out)
    # b: dilation, no bias, pooling, upsampling, output padding, BatchNorm1d.
    # (3, 2, 9, 8) -> conv (3, 4, 9, 8) -> pool (3, 4, 4, 4) -> up (3, 4, 8, 8)
    # -> convT (3, 3, 16, 16) -> conv (3, 2, 5, 5) -> flatten (3, 50) -> bn1d
    b = nn.Sequential(nn.Conv2d(2, 4, 3, 1, 2, dilation=2, bias=False), nn.BatchNorm2d(4, eps=1e-3, momentum=0.3),
                      nn.ReLU(), nn.MaxPool2d(2), nn.Upsample(scale_factor=2, mode="nearest"),
                      nn.ConvTranspose2d(4, 3, 3, 2, 1, 1), nn.Conv2d(3, 2, 4, 3, 0), nn.Flatten(),
                      nn.BatchNorm1d(50), nn.Sigmoid())
    golden("b.", b, (3, 2, 9, 8), out)
    here = os.path.dirname(os.path.abspath(__file__))
    write_safetensors(os.path.join(here, "conv_goldens.safetensors"), out)


if __name__ == "__main__":
    main()
