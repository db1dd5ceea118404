#!/usr/bin/env python3
"""xgan <-> PyTorch, both directions, with Debian's python3-torch (run with /usr/bin/python3).

  xgan -> torch: loads a run's generator.safetensors into the equivalent torch.nn.Sequential with
                 load_state_dict(strict=True) and writes a sample grid with torchvision.
  torch -> xgan: saves a torch generator's state_dict as safetensors; `xgan sample --generator
                 FILE --model mlp` draws samples from it.

usage: interop.py RUN_DIR OUT_DIR      (RUN_DIR: a finished `xgan train --model mlp` run)
The safetensors package is not in Debian, so this reads and writes the format with json+struct.
"""
import json, os, struct, subprocess, sys
import numpy as np
import torch, torch.nn as nn
import torchvision.utils as vutils


def load_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header, body = json.loads(data[8:8 + n]), data[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[t["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(body[begin:end], dtype=dtype).reshape(t["shape"]).copy())
    return out


def save_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": {torch.float32: "F32", torch.int64: "I64"}[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def mlp_generator():  # xgan::models::Mlp::G
    return nn.Sequential(nn.Linear(100, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 1024), nn.ReLU(),
                         nn.Linear(1024, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))


def main():
    run, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    # xgan -> torch
    g = mlp_generator()
    g.load_state_dict(load_safetensors(os.path.join(run, "generator.safetensors")), strict=True)
    torch.manual_seed(0)
    with torch.no_grad():
        vutils.save_image(g(torch.randn(64, 100)), os.path.join(out, "torch_from_xgan.png"), nrow=8, padding=2, normalize=True)
    print("xgan -> torch: load_state_dict(strict=True) ok; grid in", os.path.join(out, "torch_from_xgan.png"))
    # torch -> xgan (here the same weights, saved by torch; a torch-trained generator works the same way)
    path = os.path.join(out, "torch_generator.safetensors")
    save_safetensors(path, g.state_dict())
    xgan = os.environ.get("XGAN", "xgan")
    subprocess.run([xgan, "sample", "--generator", path, "--model", "mlp", "--n", "64", "--out",
                    os.path.join(out, "xgan_from_torch.png")], check=True)
    print("torch -> xgan: xgan sample --generator ok; grid in", os.path.join(out, "xgan_from_torch.png"))


if __name__ == "__main__":
    main()
