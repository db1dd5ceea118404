#!/usr/bin/python3
"""Writes optim_goldens.json: parameters after each of 5 steps of torch.optim.Adam, AdamW and
SGD (momentum, dampening, Nesterov, weight decay) fed fixed gradients. tests/test_optim.cpp
replays the same gradients through xgan's optimizers and compares to 1e-6 relative.

    /usr/bin/python3 tests/data/make_optim_goldens.py   # rewrites tests/data/optim_goldens.json
"""
import json
import os

import torch

STEPS = 5
SHAPES = [[6], [2, 3]]


def as_list(t):
    # float32 values as Python floats: the decimal text round-trips to the same float32.
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    gen = torch.Generator().manual_seed(1234)
    # Parameters away from zero so that a relative comparison is meaningful.
    initial = []
    for shape in SHAPES:
        mag = 0.5 + torch.rand(shape, generator=gen)
        sign = torch.where(torch.rand(shape, generator=gen) < 0.5, -1.0, 1.0)
        initial.append((mag * sign).float())
    grads = [[torch.randn(shape, generator=gen).float() for shape in SHAPES] for _ in range(STEPS)]
    grads[2][0][1] = 0.0  # an exact zero gradient in the middle of a run

    configs = [
        ("adam", "adam_default", dict(lr=1e-2)),
        ("adam", "adam_gan", dict(lr=2e-4, betas=(0.5, 0.999))),
        ("adam", "adam_weight_decay", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
        ("adamw", "adamw", dict(lr=1e-2, weight_decay=0.1)),
        ("sgd", "sgd_plain", dict(lr=0.1)),
        ("sgd", "sgd_momentum", dict(lr=0.1, momentum=0.9)),
        ("sgd", "sgd_nesterov", dict(lr=0.1, momentum=0.9, nesterov=True)),
        ("sgd", "sgd_dampening_weight_decay", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
        ("sgd", "sgd_nesterov_weight_decay", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ]
    out = {
        "torch_version": torch.__version__,
        "shapes": SHAPES,
        "initial": [as_list(p) for p in initial],
        "grads": [[as_list(g) for g in step] for step in grads],
        "configs": [],
    }
    for kind, name, options in configs:
        params = [p.clone().requires_grad_(True) for p in initial]
        cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[kind]
        opt = cls(params, **options)
        after = []
        for step in range(STEPS):
            for p, g in zip(params, grads[step]):
                p.grad = g.clone()
            opt.step()
            after.append([as_list(p) for p in params])
        options = dict(options)
        if "betas" in options:
            options["beta1"], options["beta2"] = options.pop("betas")
        out["configs"].append({"kind": kind, "name": name, "options": options, "after": after})

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_goldens.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
