#!/usr/bin/python3
"""One GAN training step of xgan's MLP models in PyTorch, timed under several configurations.

The step is the PyTorch tutorials' (DCGAN tutorial order):
    D.zero_grad(); D(real) -> BCE(1) -> backward
    fake = G(z);   D(fake.detach()) -> BCE(0) -> backward;  optD.step()
    G.zero_grad(); D(fake) -> BCE(1) -> backward;           optG.step()
Models, batch sizes, BCELoss and Adam(lr=2e-4, betas=(0.5, 0.999)) match
include/xgan/models/tutorials.hpp (mlp at batch 64, mlp-small at batch 100). --models also
takes dcgan, dcgan64 and cgan (the dcgan pair with 10 classes: one-hot into G's z, one-hot
planes beside D's image, labels 0, 1, ... as bench_gan_step's BM_train_step/cgan gives them).

Configurations (all run; the best per model is reported as PyTorch at its best):
    threads   torch.set_num_threads(1) (OpenBLAS keeps its own threads) or 2
    adam      "for-loop" (1.13's default) or "foreach" (Adam(foreach=True));
              "fused" is tried and skipped when this build has no CPU kernel for it
    step      "tutorial": exactly the tutorial (zero_grad() fills zeros; G's backward also
              fills D's parameter gradients, which optD.zero_grad() then throws away);
              "lean": zero_grad(set_to_none=True) and D's parameters frozen during G's step
              (no D weight gradients are computed there), which is what xgan does
The environment (OPENBLAS_CORETYPE, MALLOC_*, OMP_WAIT_POLICY) is read when the libraries
load, so it is set by the driver (compare.sh), not here.

--models wgan-gp64 (not in the default list: a step takes seconds) times one WGAN-GP step of
xgan's wgan-gp64 model instead (include/xgan/models/tutorials.hpp): the DCGAN 64x64 generator (RGB)
and its critic without BatchNorm and Sigmoid (Dropout 0.3 kept), batch 64, Adam(2e-4, betas
(0.5, 0.9)); 3 critic updates, each on its own real batch:
    fake = G(z) (no graph); x_hat = real + alpha (fake - real), alpha ~ U(0, 1) per sample
    g = autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)      (double backprop)
    loss = D(fake).mean() - D(real).mean() + 10 mean (||g|| - 1)^2;  backward;  optD.step()
then one generator update on fresh noise (loss -D(G(z)).mean()). "lean" freezes D during G's
step. --gp-steps / --gp-warmup set its timed and untimed steps per round.

Configurations are interleaved in rounds so that a change in machine load hits all of them
alike; each reports the median step time over all its timed steps, the best round's median
(min_ms), the single fastest step, and the same for its two optimizer steps. Output: JSON on
stdout.

--device cuda (PyTorch 2) runs the same steps on the GPU, reading the clock after a
torch.cuda.synchronize(): PyTorch eager against bench_cuda_gan_step (XGAN_CUDA=ON).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn

MODELS = {
    "mlp": dict(nz=100, g=[256, 512, 1024], d=[1024, 512, 256], slope=0.2, batch=64),
    "mlp-small": dict(nz=64, g=[256, 256], d=[256, 256], slope=0.2, batch=100),
    # include/xgan/models/tutorials.hpp's Dcgan and Dcgan64 (RGB)
    "dcgan": dict(arch="dcgan", nz=100, batch=128, image=(1, 28, 28)),
    "dcgan64": dict(arch="dcgan64", nz=100, noise=(100, 1, 1), batch=128, image=(3, 64, 64)),
    # Cgan: the dcgan pair conditioned on 10 classes, one-hot into G's z and as planes into D
    "cgan": dict(arch="dcgan", nz=100, batch=128, image=(1, 28, 28), classes=10),
}
IMAGE = 784
LR, BETAS = 2e-4, (0.5, 0.999)


def make_conv_nets(spec):
    if spec["arch"] == "dcgan":
        k = spec.get("classes", 0)
        g = nn.Sequential(nn.Linear(100 + k, 12544), nn.Unflatten(1, (256, 7, 7)), nn.ConvTranspose2d(256, 128, 4, 2, 1),
                          nn.BatchNorm2d(128), nn.LeakyReLU(0.01), nn.ConvTranspose2d(128, 64, 3, 1, 1), nn.BatchNorm2d(64),
                          nn.LeakyReLU(0.01), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
        d = nn.Sequential(nn.Conv2d(1 + k, 32, 3, 2, 1), nn.LeakyReLU(0.01), nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64),
                          nn.LeakyReLU(0.01), nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.01),
                          nn.Flatten(), nn.Linear(2048, 1), nn.Sigmoid())
        return g, d
    c, g_layers, d_layers = 3, [], []
    for i, (a, b) in enumerate([(100, 512), (512, 256), (256, 128), (128, 64)]):
        g_layers += [nn.ConvTranspose2d(a, b, 4, 1 if i == 0 else 2, 0 if i == 0 else 1, bias=False), nn.BatchNorm2d(b), nn.ReLU()]
    g_layers += [nn.ConvTranspose2d(64, c, 4, 2, 1, bias=False), nn.Tanh()]
    for i, (a, b) in enumerate([(c, 64), (64, 128), (128, 256), (256, 512)]):
        d_layers += [nn.Conv2d(a, b, 4, 2, 1, bias=False)] + ([nn.BatchNorm2d(b)] if i else []) + [nn.LeakyReLU(0.2), nn.Dropout(0.3)]
    d_layers += [nn.Conv2d(512, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
    return nn.Sequential(*g_layers), nn.Sequential(*d_layers)


def make_nets(spec):
    if "arch" in spec:
        return make_conv_nets(spec)
    g_layers, width = [], spec["nz"]
    for h in spec["g"]:
        g_layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    g_layers += [nn.Linear(width, IMAGE), nn.Tanh(), nn.Unflatten(1, (1, 28, 28))]
    d_layers, width = [nn.Flatten()], IMAGE
    for h in spec["d"]:
        d_layers += [nn.Linear(width, h), nn.LeakyReLU(spec["slope"])]
        width = h
    d_layers += [nn.Linear(width, 1), nn.Sigmoid()]
    return nn.Sequential(*g_layers), nn.Sequential(*d_layers)


class Trainer:
    def __init__(self, spec, threads, adam, step, seed=1):
        self.spec, self.threads, self.adam, self.step_kind = spec, threads, adam, step
        torch.manual_seed(seed)
        self.g, self.d = make_nets(spec)
        kwargs = {"foreach": adam == "foreach", "fused": adam == "fused"}
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=LR, betas=BETAS, **kwargs)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=LR, betas=BETAS, **kwargs)
        self.loss = nn.BCELoss()
        n = spec["batch"]
        self.real = torch.rand(n, *spec.get("image", (1, 28, 28))) * 2 - 1
        self.classes = spec.get("classes", 0)
        if self.classes:  # labels 0, 1, ... as one-hot vectors (for G) and planes (for D)
            self.onehot = nn.functional.one_hot(torch.arange(n) % self.classes, self.classes).float()
            self.planes = self.onehot[:, :, None, None].expand(-1, -1, *self.real.shape[2:])
            self.real = torch.cat([self.real, self.planes], 1)
        self.ones = torch.ones(n)
        self.zeros = torch.zeros(n)

    def step(self):
        """One training step; returns (total seconds, optimizer seconds)."""
        torch.set_num_threads(self.threads)
        lean = self.step_kind == "lean"
        n = self.spec["batch"]
        t0 = now()
        self.d.zero_grad(set_to_none=lean)
        out = self.d(self.real).view(-1)
        err_real = self.loss(out, self.ones)
        err_real.backward()
        noise = torch.randn(n, *self.spec.get("noise", (self.spec["nz"],)))
        if self.classes:
            noise = torch.cat([noise, self.onehot], 1)
        fake = self.g(noise)
        if self.classes:
            fake = torch.cat([fake, self.planes], 1)
        out = self.d(fake.detach()).view(-1)
        err_fake = self.loss(out, self.zeros)
        err_fake.backward()
        t1 = now()
        self.opt_d.step()
        t2 = now()
        self.g.zero_grad(set_to_none=lean)
        if lean:
            self.d.requires_grad_(False)
        out = self.d(fake).view(-1)
        err_g = self.loss(out, self.ones)
        err_g.backward()
        if lean:
            self.d.requires_grad_(True)
        t3 = now()
        self.opt_g.step()
        t4 = now()
        return t4 - t0, (t2 - t1) + (t4 - t3)


WGAN_GP = {"wgan-gp64": dict(nz=100, channels=3, batch=64, critic_steps=3, penalty=10.0, betas=(0.5, 0.9))}


def make_wgan_gp64(channels):
    def up(cin, cout, stride, pad):
        return [nn.ConvTranspose2d(cin, cout, 4, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    g = nn.Sequential(*up(100, 512, 1, 0), *up(512, 256, 2, 1), *up(256, 128, 2, 1), *up(128, 64, 2, 1),
                      nn.ConvTranspose2d(64, channels, 4, 2, 1, bias=False), nn.Tanh())

    def down(cin, cout):
        return [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.LeakyReLU(0.2), nn.Dropout(0.3)]

    d = nn.Sequential(*down(channels, 64), *down(64, 128), *down(128, 256), *down(256, 512),
                      nn.Conv2d(512, 1, 4, 1, 0, bias=False))
    return g, d


class WganGpTrainer:
    """One WGAN-GP step (critic_steps critic updates + 1 generator update), see the module doc."""

    def __init__(self, spec, threads, adam, step, seed=1):
        self.spec, self.threads, self.step_kind = spec, threads, step
        torch.manual_seed(seed)
        self.g, self.d = make_wgan_gp64(spec["channels"])
        kwargs = {"foreach": adam == "foreach", "fused": adam == "fused"}
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=LR, betas=spec["betas"], **kwargs)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=LR, betas=spec["betas"], **kwargs)
        n = spec["batch"]
        self.reals = [torch.rand(n, spec["channels"], 64, 64) * 2 - 1 for _ in range(spec["critic_steps"])]

    def step(self):
        torch.set_num_threads(self.threads)
        lean = self.step_kind == "lean"
        n, nz = self.spec["batch"], self.spec["nz"]
        opt_seconds = 0.0
        t0 = now()
        for real in self.reals:
            self.d.zero_grad(set_to_none=lean)
            with torch.no_grad():
                fake = self.g(torch.randn(n, nz, 1, 1))
            loss = self.d(fake).mean() - self.d(real).mean()
            alpha = torch.rand(n, 1, 1, 1)
            x_hat = (real + alpha * (fake - real)).requires_grad_(True)
            (grad,) = torch.autograd.grad(self.d(x_hat).sum(), x_hat, create_graph=True)
            penalty = self.spec["penalty"] * ((grad.reshape(n, -1).norm(dim=1) - 1) ** 2).mean()
            (loss + penalty).backward()
            t = now()
            self.opt_d.step()
            opt_seconds += now() - t
        self.g.zero_grad(set_to_none=lean)
        if lean:
            self.d.requires_grad_(False)
        g_loss = -self.d(self.g(torch.randn(n, nz, 1, 1))).mean()
        g_loss.backward()
        if lean:
            self.d.requires_grad_(True)
        t = now()
        self.opt_g.step()
        t_end = now()
        return t_end - t0, opt_seconds + (t_end - t)


CUDA = False  # --device cuda: every tensor and parameter on the GPU, clocks read after a synchronize


def now():
    """The clock, once all queued GPU work is done (on the CPU: the clock)."""
    if CUDA:
        torch.cuda.synchronize()
    return time.perf_counter()


def config_name(threads, adam, step):
    return f"threads={threads},adam={adam},step={step}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="mlp,mlp-small")
    ap.add_argument("--rounds", type=int, default=5, help="rounds over all configurations")
    ap.add_argument("--steps", type=int, default=30, help="timed steps per configuration per round")
    ap.add_argument("--warmup", type=int, default=10, help="untimed steps per configuration per round")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--adam", default="for-loop,foreach,fused")
    ap.add_argument("--step", default="tutorial,lean")
    ap.add_argument("--gp-steps", type=int, default=3, help="wgan-gp64: timed steps per configuration per round")
    ap.add_argument("--gp-warmup", type=int, default=1, help="wgan-gp64: untimed steps per configuration per round")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                    help="cuda: the same steps on the GPU (PyTorch 2's default device; --threads then only sets "
                         "the host threads)")
    args = ap.parse_args()
    if args.device == "cuda":
        global CUDA
        CUDA = True
        torch.set_default_device("cuda")

    result = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name() if CUDA else "cpu",
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                               "OMP_WAIT_POLICY", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                               "MALLOC_TOP_PAD_")},
        "default_num_threads": torch.get_num_threads(),
        "load_before": os.getloadavg(),
        "models": {},
        "skipped": {},
    }
    adams = args.adam.split(",")
    if "fused" in adams:  # 1.13 has fused Adam for CUDA only: probe once
        try:
            p = torch.nn.Parameter(torch.zeros(4))
            p.grad = torch.zeros(4)
            torch.optim.Adam([p], fused=True).step()
        except Exception as e:
            adams.remove("fused")
            result["skipped"]["adam=fused"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
    for model in args.models.split(","):
        wgan = model in WGAN_GP
        spec = WGAN_GP[model] if wgan else MODELS[model]
        steps_per_round = args.gp_steps if wgan else args.steps
        warmup = args.gp_warmup if wgan else args.warmup
        trainers = {}
        for threads in [int(t) for t in args.threads.split(",")]:
            for adam in adams:
                for step in args.step.split(","):
                    name = config_name(threads, adam, step)
                    try:
                        t = (WganGpTrainer if wgan else Trainer)(spec, threads, adam, step)
                        t.step()
                        trainers[name] = t
                    except Exception as e:  # e.g. fused Adam has no CPU kernel in 1.13
                        result["skipped"][f"{model}:{name}"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
        times = {name: [] for name in trainers}
        opt_times = {name: [] for name in trainers}
        round_medians = {name: [] for name in trainers}
        round_opt_medians = {name: [] for name in trainers}
        for _ in range(args.rounds):
            for name, t in trainers.items():
                for _ in range(warmup):
                    t.step()
                steps = [t.step() for _ in range(steps_per_round)]
                times[name] += [s[0] for s in steps]
                opt_times[name] += [s[1] for s in steps]
                round_medians[name].append(statistics.median(s[0] for s in steps))
                round_opt_medians[name].append(statistics.median(s[1] for s in steps))
        # min_ms: the best round's median, comparable with the minimum over Google Benchmark's
        # repetitions (each one a mean over many steps); fastest_step_ms: the single fastest step.
        configs = {
            name: {"ms_per_step": 1e3 * statistics.median(times[name]),
                   "adam_ms": 1e3 * statistics.median(opt_times[name]),
                   "min_ms": 1e3 * min(round_medians[name]),
                   "adam_min_ms": 1e3 * min(round_opt_medians[name]),
                   "fastest_step_ms": 1e3 * min(times[name]),
                   "steps": len(times[name])}
            for name in trainers
        }
        best = min(configs, key=lambda k: configs[k]["ms_per_step"])
        tutorial = config_name(1, "for-loop", "tutorial")
        result["models"][model] = {
            "batch": spec["batch"],
            "best_config": best,
            "best_ms_per_step": configs[best]["ms_per_step"],
            "best_adam_ms": configs[best]["adam_ms"],
            "configs": configs,
        }
        if tutorial in configs:
            result["models"][model]["tutorial_ms_per_step"] = configs[tutorial]["ms_per_step"]
    result["load_after"] = os.getloadavg()
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
