#!/usr/bin/python3
"""Merges bench_gan_step's Google Benchmark JSON and torch_gan_step.py's JSON into one table.

Usage: merge_results.py xgan.json torch.json [torch2.json...] [--floors floors.json] [--stat median|min] [--json merged.json]
Standard library only. Per model it prints, over the repetitions (xgan) and the timed steps
(PyTorch), the medians (--stat median, the default) or the minima (--stat min: on a busy
machine the steadier number):
  xgan ms      BM_train_step: one full training step of xgan
  floor ms     BM_gemm_floor: only the SGEMMs a step needs, at their real shapes; for the
               convolutional models, kernel_shares --json (--floors): every GEMM one step
               called, each shape timed alone
  x/floor      xgan ms / floor ms (target: <= 1.3)
  gemm ms      BM_gemm_as_xgan: the SGEMMs xgan's trainer actually issues
  adam ms      BM_adam: Adam(D) + Adam(G) alone
  torch ms     PyTorch's best configuration (named in the last column), its Adam ms, and the
               tutorial's code under the same process settings
  speed-up     torch best ms / xgan ms
The wgan-gp64 step is BM_wgan_gp_step (3 critic updates with the penalty + 1 generator update).
"""
import argparse
import json


def xgan_stats(path, stat):
    with open(path) as f:
        data = json.load(f)
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    out = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != stat:
            continue
        # "BM_train_step/mlp/real_time" -> ("BM_train_step", "mlp")
        parts = b["run_name"].split("/")
        kind, model = parts[0], parts[1]
        out.setdefault(model, {}).setdefault(kind, []).append(b["real_time"] * scale[b["time_unit"]])
    ctx = data.get("context", {})
    # With repetitions and aggregates only, there is one value of the statistic per
    # benchmark; without repetitions, one plain run each (or several: take their median).
    med = lambda v: sorted(v)[len(v) // 2]
    return {m: {k: med(v) for k, v in kinds.items()} for m, kinds in out.items()}, ctx


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("xgan_json")
    ap.add_argument("torch_json", nargs="+", help="torch_gan_step.py outputs (their models are joined)")
    ap.add_argument("--floors", help="kernel_shares --json output: floors of the models BM_gemm_floor lacks")
    ap.add_argument("--stat", choices=["median", "min"], default="median")
    ap.add_argument("--json", help="also write the merged numbers here")
    args = ap.parse_args()

    xgan, ctx = xgan_stats(args.xgan_json, args.stat)
    key = "ms_per_step" if args.stat == "median" else "min_ms"
    torch = None
    for path in args.torch_json:
        with open(path) as f:
            t = json.load(f)
        if torch is None:
            torch = t
        else:
            torch["models"].update(t["models"])
            torch.setdefault("skipped", {}).update(t.get("skipped", {}))
            torch["load_after"] = t.get("load_after")
    floors = {}
    if args.floors:
        with open(args.floors) as f:
            floors = json.load(f)["models"]

    header = ["model", "batch", "xgan ms", "floor ms", "x/floor", "gemm ms", "adam ms", "torch ms", "torch adam",
              "tutorial ms", "speed-up", "torch best config"]
    rows, merged = [], {}
    for model, t in torch["models"].items():
        x = xgan.get(model, {})
        step = x.get("BM_train_step", x.get("BM_wgan_gp_step"))
        floor = x.get("BM_gemm_floor", floors.get(model, {}).get("floor_ms") or None)
        configs = t["configs"]
        best_config = min(configs, key=lambda c: configs[c][key])
        best = configs[best_config][key]
        tutorial = configs.get("threads=1,adam=for-loop,step=tutorial", {}).get(key)
        m = {
            "batch": t["batch"],
            "xgan_ms": step,
            "floor_ms": floor,
            "xgan_over_floor": step / floor if step and floor else None,
            "xgan_gemm_ms": x.get("BM_gemm_as_xgan"),
            "xgan_adam_ms": x.get("BM_adam"),
            "torch_best_ms": best,
            "torch_best_config": best_config,
            "torch_best_adam_ms": configs[best_config]["adam_ms" if args.stat == "median" else "adam_min_ms"],
            "torch_tutorial_ms": tutorial,
            "speedup": best / step if step else None,
        }
        merged[model] = m
        f = lambda v, p=2: "-" if v is None else f"{v:.{p}f}"
        rows.append([model, str(m["batch"]), f(step), f(floor), f(m["xgan_over_floor"]), f(m["xgan_gemm_ms"]),
                     f(m["xgan_adam_ms"]), f(best), f(m["torch_best_adam_ms"]), f(m["torch_tutorial_ms"]),
                     f(m["speedup"]) + "x", best_config])

    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(c.rjust(w) if i not in (0, len(r) - 1) else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    print(f"{args.stat} times, ms per training step")
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print()
    print(f"xgan:  OpenBLAS core {ctx.get('openblas_core', '?')} ({ctx.get('OPENBLAS_CORETYPE', '')}), "
          f"{ctx.get('openblas_threads', '?')} threads; load {ctx.get('load_avg', '?')}")
    env = torch.get("env", {})
    print(f"torch: {torch.get('torch')}, OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE')}, "
          f"OMP_WAIT_POLICY={env.get('OMP_WAIT_POLICY')}; load {torch.get('load_before')} -> {torch.get('load_after')}")
    for k, v in torch.get("skipped", {}).items():
        print(f"torch: skipped {k}: {v}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"stat": args.stat, "models": merged, "xgan_context": ctx, "torch_env": env}, out, indent=2)


if __name__ == "__main__":
    main()
