import json, struct, numpy as np, torch, torch.nn as nn
from interop import load_safetensors as load  # json+struct: no safetensors package in Debian
G = nn.Sequential(nn.Linear(100,256), nn.ReLU(), nn.Linear(256,512), nn.ReLU(), nn.Linear(512,1024), nn.ReLU(), nn.Linear(1024,784), nn.Tanh(), nn.Unflatten(1,(1,28,28)))
D = nn.Sequential(nn.Flatten(), nn.Linear(784,1024), nn.LeakyReLU(0.2), nn.Linear(1024,512), nn.LeakyReLU(0.2), nn.Linear(512,256), nn.LeakyReLU(0.2), nn.Linear(256,1), nn.Sigmoid())
G.load_state_dict(load('g0.safetensors'), strict=True); D.load_state_dict(load('d0.safetensors'), strict=True)
b = load('batches.safetensors'); crit = nn.BCELoss()
og = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5,0.999)); od = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5,0.999))
for s in range(5):
    real, z = b['real'][s], b['z'][s]; n = real.shape[0]
    ones, zeros = torch.ones(n,1), torch.zeros(n,1)
    od.zero_grad(); out_r = D(real); lr_ = crit(out_r, ones); lr_.backward()
    fake = G(z); out_f = D(fake.detach()); lf = crit(out_f, zeros); lf.backward(); od.step()
    og.zero_grad(); out = D(fake); lg = crit(out, ones); lg.backward(); og.step()
    print(f"step {s} d_loss {(lr_+lf).item():.6f} g_loss {lg.item():.6f} d_real {out_r.mean().item():.6f} d_fake {out_f.mean().item():.6f}")
for name, net, f in [('G', G, 'g5.safetensors'), ('D', D, 'd5.safetensors')]:
    x = load(f); worst = 0
    for k, v in net.state_dict().items():
        d = (v - x[k]).abs().max().item(); worst = max(worst, d)
    print(name, 'max abs weight difference after 5 steps:', worst)
