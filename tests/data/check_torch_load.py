#!/usr/bin/python3
"""xgan checkpoints and PyTorch, both ways (README, "Checked against PyTorch"), for one small model:

    Sequential(Flatten(), Linear(12, 8), LeakyReLU(0.2), Linear(8, 4, bias=False), Tanh(),
               Linear(4, 1), Sigmoid())        on samples of shape (3, 2, 2)

  check_torch_load.py check DIR
      DIR holds model.safetensors and io.json written by tests/test_weights.cpp ("weights:
      export for the PyTorch check"). Builds the nn.Sequential, load_state_dict(strict=True)
      on the file and checks that its output for io.json's input equals xgan's output.
      Run by the ctest weights_load_in_torch (registered only when torch imports).
  check_torch_load.py golden DIR
      Writes torch_mlp.safetensors and torch_mlp_io.json from a seeded PyTorch model; xgan's
      test_weights.cpp loads them ("weights: a checkpoint written by PyTorch loads").

safetensors is read and written here with struct/json/numpy (the package is not installed).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {"F32": np.float32, "I64": np.int64}


def model():
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.LeakyReLU(0.2), nn.Linear(8, 4, bias=False), nn.Tanh(),
                         nn.Linear(4, 1), nn.Sigmoid())


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    buf = data[8 + n:]
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        arr = np.frombuffer(buf[begin:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def check(directory):
    net = model()
    state = read_safetensors(os.path.join(directory, "model.safetensors"))
    net.load_state_dict(state, strict=True)  # raises on any missing, unexpected or misshaped tensor
    with open(os.path.join(directory, "io.json")) as f:
        io = json.load(f)
    x = torch.tensor(io["input"], dtype=torch.float32).reshape(io["input_shape"])
    expected = torch.tensor(io["output"], dtype=torch.float32).reshape(io["output_shape"])
    with torch.no_grad():
        y = net(x)
    if y.shape != expected.shape or not torch.allclose(y, expected, rtol=1e-5, atol=1e-6):
        print("outputs differ:\n torch", y.flatten().tolist(), "\n xgan ", expected.flatten().tolist())
        return 1
    print("PyTorch loaded", len(state), "tensors with strict=True; outputs match for", x.shape[0], "samples")
    return 0


def golden(directory):
    torch.manual_seed(7)
    net = model()
    x = torch.randn(4, 3, 2, 2)
    with torch.no_grad():
        y = net(x)
    write_safetensors(os.path.join(directory, "torch_mlp.safetensors"), net.state_dict(), {"format": "pt"})
    with open(os.path.join(directory, "torch_mlp_io.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "input_shape": list(x.shape), "input": x.flatten().tolist(),
                   "output_shape": list(y.shape), "output": y.flatten().tolist()}, f)
        f.write("\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "golden"):
        print(__doc__)
        sys.exit(2)
    sys.exit(check(sys.argv[2]) if sys.argv[1] == "check" else golden(sys.argv[2]))
