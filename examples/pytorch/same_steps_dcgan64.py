# Replays same_steps_dcgan64.cpp's four steps in PyTorch (run it in the folder the program wrote
# into) and compares losses and weights. Early Adam steps move every weight by about lr * sign(grad),
# so float rounding in near-zero gradients shows up in the weights; the last lines print the same
# comparison between PyTorch in float32 and in float64 as the yardstick for that noise.
import json, struct, numpy as np, torch, torch.nn as nn
from interop import load_safetensors as load  # json+struct: no safetensors package in Debian
def up(i, o, s, p): return nn.ConvTranspose2d(i, o, 4, s, p, bias=False)
G = nn.Sequential(up(100,512,1,0), nn.BatchNorm2d(512), nn.ReLU(), up(512,256,2,1), nn.BatchNorm2d(256), nn.ReLU(),
    up(256,128,2,1), nn.BatchNorm2d(128), nn.ReLU(), up(128,64,2,1), nn.BatchNorm2d(64), nn.ReLU(), up(64,3,2,1), nn.Tanh())
def dn(i, o, s, p): return nn.Conv2d(i, o, 4, s, p, bias=False)
D = nn.Sequential(dn(3,64,2,1), nn.LeakyReLU(0.2), dn(64,128,2,1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
    dn(128,256,2,1), nn.BatchNorm2d(256), nn.LeakyReLU(0.2), dn(256,512,2,1), nn.BatchNorm2d(512), nn.LeakyReLU(0.2), nn.Conv2d(512,1,4,1,0,bias=False), nn.Sigmoid())
G.load_state_dict(load('g0.safetensors'), strict=True); D.load_state_dict(load('d0.safetensors'), strict=True)
b = load('batches.safetensors'); crit = nn.BCELoss()
og = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5,0.999)); od = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5,0.999))
steps = b['real'].shape[0]
for s in range(steps):
    real, z = b['real'][s], b['z'][s]; n = real.shape[0]
    ones, zeros = torch.ones(n,1,1,1), torch.zeros(n,1,1,1)
    od.zero_grad(); out_r = D(real); lr_ = crit(out_r, ones); lr_.backward()
    fake = G(z); out_f = D(fake.detach()); lf = crit(out_f, zeros); lf.backward(); od.step()
    og.zero_grad(); out = D(fake); lg = crit(out, ones); lg.backward(); og.step()
    print(f"step {s} d_loss {(lr_+lf).item():.6f} g_loss {lg.item():.6f} d_real {out_r.mean().item():.6f} d_fake {out_f.mean().item():.6f}")
for name, net, f in [('G', G, 'g5.safetensors'), ('D', D, 'd5.safetensors')]:
    x = load(f); worst = (0, '')
    for k, v in net.state_dict().items():
        d = (v.double() - x[k].double()).abs().max().item(); worst = max(worst, (d, k))
    print(name, 'max abs difference after the steps:', worst)
G.eval(); y = G(b['z'][-1]); print('eval G output max diff', (y - load('eval.safetensors')['y']).abs().max().item())
print("relative: |xgan - torch| / |torch - initial| per tensor (norms)")
for name, net, f, f0 in [('G', G, 'g5.safetensors', 'g0.safetensors'), ('D', D, 'd5.safetensors', 'd0.safetensors')]:
    x = load(f); x0 = load(f0); rows = []
    for k, v in net.state_dict().items():
        if v.dtype != torch.float32: continue
        rows.append(((v - x[k]).norm().item() / max((v - x0[k]).norm().item(), 1e-30), k))
    print(name, 'worst', max(rows), 'median', sorted(rows)[len(rows)//2])

import copy
def run(dtype):
    g, d = copy.deepcopy(G).to(dtype), copy.deepcopy(D).to(dtype)
    cast = lambda sd: {k: v.to(dtype) if v.is_floating_point() else v for k, v in sd.items()}
    g.load_state_dict(cast(load('g0.safetensors'))); d.load_state_dict(cast(load('d0.safetensors')))
    g.train(); d.train()
    og = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5,0.999)); od = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5,0.999))
    for s in range(steps):
        real, z = b['real'][s].to(dtype), b['z'][s].to(dtype); n = real.shape[0]
        ones, zeros = torch.ones(n,1,1,1,dtype=dtype), torch.zeros(n,1,1,1,dtype=dtype)
        od.zero_grad(); crit(d(real), ones).backward()
        fake = g(z); crit(d(fake.detach()), zeros).backward(); od.step()
        og.zero_grad(); crit(d(fake), ones).backward(); og.step()
    return g, d
g32, d32 = run(torch.float32); g64, d64 = run(torch.float64)
for name, a, ref, f0 in [('G', g32, g64, 'g0.safetensors'), ('D', d32, d64, 'd0.safetensors')]:
    x0 = load(f0); sr = ref.state_dict(); rows = []
    for k, v in a.state_dict().items():
        if not v.is_floating_point(): continue
        rows.append(((v.double() - sr[k]).norm().item() / max((sr[k] - x0[k].double()).norm().item(), 1e-30), k))
    print(name, 'yardstick, torch float32 vs float64: worst', max(rows), 'median', sorted(rows)[len(rows)//2])
