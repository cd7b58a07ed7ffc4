"""The training step of tests/bench/step_bench.cc in Python (PyTorch), for comparison.

    python3 tests/bench/step_bench.py conv|profile THREADS

Same model (ResNet-18 per-channel with the stem summed over RGB, as micon does for grey
stains; projection, molecule encoder and generator MLPs; or the profile MLP with LayerNorm),
same MICON loss (SupCon over treated+control projections, counterfactual SupCon per view),
same batch, AdamW, thread count. Prints "samples_per_s <x> step_ms <y>".
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def mlp(dims, layer_norm=False):
    layers = []
    for a, b in zip(dims[:-2], dims[1:-1]):
        layers += [nn.Linear(a, b)] + ([nn.LayerNorm(b)] if layer_norm else []) + [nn.ReLU()]
    layers.append(nn.Linear(dims[-2], dims[-1]))
    return nn.Sequential(*layers)


class PerChannelResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torchvision.models.resnet18()
        self.net.fc = nn.Identity()

    def forward(self, x):  # [B, C, H, W] -> [B, C*512]
        b, c, h, w = x.shape
        g = x.reshape(b * c, 1, h, w)
        n = self.net
        y = F.conv2d(g, n.conv1.weight.sum(1, keepdim=True), stride=2, padding=3)
        y = n.maxpool(n.relu(n.bn1(y)))
        y = n.layer4(n.layer3(n.layer2(n.layer1(y))))
        return torch.flatten(n.avgpool(y), 1).reshape(b, -1)


class Micon(nn.Module):
    def __init__(self, encoder, d):
        super().__init__()
        self.encoder = encoder
        self.projection = mlp([d, 2048, 512])
        self.molecule = mlp([1024, 1024, 512])
        self.generator = mlp([d + 512, 1024, d])


def supcon(z, labels, tau):
    logits = z @ z.t() / tau
    n = z.shape[0]
    self_mask = torch.eye(n, dtype=torch.bool)
    logits = logits.masked_fill(self_mask, float("-inf"))
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~self_mask
    count = pos.sum(1)
    mean_pos = torch.where(pos, log_prob, torch.zeros_like(log_prob)).sum(1) / count.clamp(min=1)
    return -(mean_pos[count > 0]).sum() / n


def step_loss(model, samples, controls, compound, molecule, tau=0.2):
    b = samples.shape[0]
    h_t = F.normalize(model.encoder(samples.flatten(0, 1)), dim=-1)
    h_c = F.normalize(model.encoder(controls.flatten(0, 1)), dim=-1)
    labels = torch.cat([compound.repeat_interleave(2), torch.full((2 * b,), -1)])
    proj = lambda h: F.normalize(model.projection(h), dim=-1)
    paclr = supcon(proj(torch.cat([h_t, h_c])), labels, tau)
    m = model.molecule(molecule)
    cf = 0
    for v in range(2):
        ht = h_t.view(b, 2, -1)[:, v]
        hc = h_c.view(b, 2, -1)[:, v]
        hhat = F.normalize(model.generator(torch.cat([hc.detach(), m], 1)), dim=-1)
        z = torch.cat([proj(ht.detach()), proj(hhat)])
        cf = cf + supcon(z, torch.cat([compound, compound]), tau)
    return paclr + cf / 2


def main():
    kind, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if kind == "conv":
        model, entries, shape = Micon(PerChannelResNet(), 5 * 512), 8, (5, 64, 64)
    else:
        model, entries, shape = Micon(mlp([512, 1024, 512], layer_norm=True), 512), 256, (512,)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-2)
    samples = torch.randn(entries, 2, *shape)
    controls = torch.randn(entries, 2, *shape)
    compound = torch.arange(entries) % (entries // 2)
    molecule = (torch.rand(entries, 1024) < 0.05).float()

    def step():
        opt.zero_grad()
        step_loss(model, samples, controls, compound, molecule).backward()
        opt.step()

    for _ in range(3):
        step()
    steps = 10 if kind == "conv" else 30
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    s = (time.perf_counter() - t0) / steps
    print(f"samples_per_s {4 * entries / s:.1f} step_ms {1000 * s:.1f}")


if __name__ == "__main__":
    main()
