"""Whole epochs of the PyTorch tutorial loop for xgan's `dcgan` model on MNIST, timed end to end.

The counterpart of `xgan train --model dcgan --epochs N` (timed as a whole process): the same
networks (torch_gan_step.make_conv_nets), batch 128, BCELoss, Adam(2e-4, (0.5, 0.999)), DCGAN
initialisation (N(0, 0.02) weights, BatchNorm N(1, 0.02)); the 60,000 training digits read from
the idx files and scaled to [-1, 1], shuffled by a DataLoader; after each epoch a checkpoint of
both networks and their optimizers (torch.save) and 64 samples of a fixed noise (saved as a
tensor: Debian's PyTorch has no torchvision to write a PNG grid). Prints one JSON line.

    /usr/bin/python3 bench/torch_dcgan_epoch.py --data data/mnist --epochs 1 --threads 2 --out /tmp/torch-dcgan
Run it with compare.sh's environment (OPENBLAS_CORETYPE, MALLOC_*, OMP_WAIT_POLICY).
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

from torch_gan_step import MODELS, make_conv_nets


def read_images(path):
    with open(path, "rb") as f:
        data = f.read()
    if int.from_bytes(data[0:4], "big") != 0x803:
        raise SystemExit(f"{path}: not an idx image file")
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    images = np.frombuffer(data, dtype=np.uint8, offset=16)
    if images.size != n * rows * cols:
        raise SystemExit(f"{path}: {images.size} bytes of pixels, expected {n * rows * cols}")
    return torch.from_numpy(images.reshape(n, 1, rows, cols).astype(np.float32) / 127.5 - 1.0)


def dcgan_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/mnist", help="folder with train-images-idx3-ubyte")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="/tmp/torch-dcgan", help="folder for checkpoints and samples")
    args = ap.parse_args()
    if args.epochs < 1 or args.threads < 1:
        raise SystemExit("--epochs and --threads take positive counts")

    start = time.perf_counter()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    spec = MODELS["dcgan"]
    images = read_images(os.path.join(args.data, "train-images-idx3-ubyte"))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images), batch_size=spec["batch"], shuffle=True)
    g, d = make_conv_nets(spec)
    g.apply(dcgan_init)
    d.apply(dcgan_init)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss = nn.BCELoss()
    fixed = torch.randn(64, spec["nz"])
    os.makedirs(args.out, exist_ok=True)
    steps = 0
    for epoch in range(args.epochs):
        for (real,) in loader:
            n = real.shape[0]
            d.zero_grad()
            err_real = loss(d(real).view(-1), torch.ones(n))
            err_real.backward()
            fake = g(torch.randn(n, spec["nz"]))
            err_fake = loss(d(fake.detach()).view(-1), torch.zeros(n))
            err_fake.backward()
            opt_d.step()
            g.zero_grad()
            err_g = loss(d(fake).view(-1), torch.ones(n))
            err_g.backward()
            opt_g.step()
            steps += 1
        with torch.no_grad():
            g.eval()
            torch.save(g(fixed), os.path.join(args.out, f"samples_{epoch + 1:04d}.pt"))
            g.train()
        torch.save({"g": g.state_dict(), "d": d.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict()},
                   os.path.join(args.out, "checkpoint.pt"))
    seconds = time.perf_counter() - start
    print(json.dumps({"model": "dcgan", "epochs": args.epochs, "steps": steps, "threads": args.threads,
                      "seconds": seconds, "last_losses": [err_real.item() + err_fake.item(), err_g.item()]}))


if __name__ == "__main__":
    main()
