#!/usr/bin/python3
"""Writes optimizer_goldens.json: parameters after each of 5 steps of torch.optim.Adam, AdamW,
SGD and RMSprop (float32) fed a fixed sequence of gradients, and each optimizer's state after
the last step. tests/test_optimizers_torch.cpp replays the same gradients through xgan's Adam,
Sgd and Rmsprop (optim/*.hpp) and compares. The file holds the initial parameters, the
gradients and every hyperparameter torch used (its param_groups[0]), so the test needs no torch
and knows no torch defaults.

    /usr/bin/python3 tests/data/make_optimizer_goldens.py   # rewrites tests/data/optimizer_goldens.json

(Debian: apt-get install python3-torch, torch 1.13; the optimizers run their single-tensor,
non-foreach code path.)
"""
import json
import os

import torch

STEPS = 5
SHAPES = [[7], [2, 3]]

# (kind, name, constructor options); torch's defaults fill in the rest and are recorded too.
CONFIGS = [
    ("adam", "adam_default", dict()),
    ("adamw", "adamw_weight_decay", dict(lr=1e-2, weight_decay=0.01)),
    ("sgd", "sgd_momentum", dict(lr=0.1, momentum=0.9)),
    ("sgd", "sgd_nesterov", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("sgd", "sgd_dampening_weight_decay", dict(lr=0.1, momentum=0.5, dampening=0.1, weight_decay=1e-3)),
    ("rmsprop", "rmsprop_default", dict()),
    ("rmsprop", "rmsprop_momentum", dict(momentum=0.9)),
    ("rmsprop", "rmsprop_centered", dict(centered=True)),
    ("rmsprop", "rmsprop_centered_momentum_weight_decay",
     dict(lr=5e-3, alpha=0.9, eps=1e-6, centered=True, momentum=0.9, weight_decay=0.01)),
]

CLASSES = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
           "rmsprop": torch.optim.RMSprop}
HYPERPARAMETERS = {
    "adam": ["lr", "beta1", "beta2", "eps", "weight_decay"],
    "adamw": ["lr", "beta1", "beta2", "eps", "weight_decay"],
    "sgd": ["lr", "momentum", "dampening", "weight_decay", "nesterov"],
    "rmsprop": ["lr", "alpha", "eps", "weight_decay", "momentum", "centered"],
}
# torch's state names, in the order xgan's accessors are checked.
STATE = {"adam": ["exp_avg", "exp_avg_sq"], "adamw": ["exp_avg", "exp_avg_sq"], "sgd": ["momentum_buffer"],
         "rmsprop": ["square_avg", "grad_avg", "momentum_buffer"]}


def as_list(t):
    # float32 values as Python floats: the decimal text round-trips to the same float32.
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    gen = torch.Generator().manual_seed(20240611)
    # Parameters away from zero so that a relative comparison is meaningful.
    initial = []
    for shape in SHAPES:
        mag = 0.5 + torch.rand(shape, generator=gen)
        sign = torch.where(torch.rand(shape, generator=gen) < 0.5, -1.0, 1.0)
        initial.append((mag * sign).float())
    grads = [[torch.randn(shape, generator=gen).float() for shape in SHAPES] for _ in range(STEPS)]
    grads[0][0][3] = 0.0  # a zero gradient on the first step: RMSprop divides 0 by eps alone
    grads[2][0][1] = 0.0  # and one in the middle of a run
    for step in range(STEPS):
        # A tiny gradient throughout: sqrt(square_avg) is near eps, so where eps goes matters.
        grads[step][1][0, 0] = (-1.0) ** step * 1e-6 * (step + 1)

    out = {
        "torch_version": torch.__version__,
        "shapes": SHAPES,
        "initial": [as_list(p) for p in initial],
        "grads": [[as_list(g) for g in step] for step in grads],
        "configs": [],
    }
    for kind, name, options in CONFIGS:
        params = [p.clone().requires_grad_(True) for p in initial]
        opt = CLASSES[kind](params, **options)
        after = []
        for step in range(STEPS):
            for p, g in zip(params, grads[step]):
                p.grad = g.clone()
            opt.step()
            after.append([as_list(p) for p in params])
        group = dict(opt.param_groups[0])
        if "betas" in group:
            group["beta1"], group["beta2"] = group.pop("betas")
        assert not group.get("maximize", False) and not group.get("amsgrad", False)
        hyper = {k: group[k] for k in HYPERPARAMETERS[kind]}
        # The state after the last step, each buffer concatenated over the tensors in order
        # (xgan's layout); a buffer torch does not keep (grad_avg when not centered) is absent.
        state = {}
        for key in STATE[kind]:
            if all(key in opt.state[p] and opt.state[p][key] is not None for p in params):
                state[key] = [v for p in params for v in as_list(opt.state[p][key])]
        out["configs"].append({"kind": kind, "name": name, "options": hyper, "after": after, "state": state})

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizer_goldens.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
