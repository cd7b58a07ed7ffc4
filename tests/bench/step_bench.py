"""The training step of tests/bench/step_bench.cc in Python (PyTorch), for comparison.

    python3 tests/bench/step_bench.py conv|profile THREADS [--device cpu|cuda]
        [--precision fp32|bf16] [--size SIDE] [--entries N] [--channels-last] [--compile]

Same model (ResNet-18 per-channel with the stem summed over RGB, as micon does for grey
stains; projection, molecule encoder and generator MLPs; or the profile MLP with LayerNorm),
same MICON loss (SupCon over treated+control projections, counterfactual SupCon per view),
same batch, AdamW, thread count. bf16 autocasts the forward pass and keeps the loss in float32,
as micon does; --channels-last and --compile (torch.compile of the step's forward and loss) are
the usual PyTorch speed-ups, for the GPU comparison. Prints "images_per_s <x> step_ms <y>"
(4 encoder images an entry).
"""
import argparse
import contextlib
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
    z = z.float()
    logits = z @ z.t() / tau
    n = z.shape[0]
    self_mask = torch.eye(n, dtype=torch.bool, device=z.device)
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
    labels = torch.cat([compound.repeat_interleave(2), torch.full_like(compound, -1).repeat(2)])
    proj = lambda h: F.normalize(model.projection(h), dim=-1)
    m = model.molecule(molecule)
    projected = [proj(torch.cat([h_t, h_c]))]
    for v in range(2):
        ht = h_t.view(b, 2, -1)[:, v]
        hc = h_c.view(b, 2, -1)[:, v]
        hhat = F.normalize(model.generator(torch.cat([hc.detach(), m], 1)), dim=-1)
        projected.append(torch.cat([proj(ht.detach()), proj(hhat)]))
    # The loss outside autocast, in float32, as micon's contrastive kernel.
    with torch.autocast(device_type=samples.device.type, enabled=False):
        paclr = supcon(projected[0], labels, tau)
        cf = sum(supcon(z, torch.cat([compound, compound]), tau) for z in projected[1:])
    return paclr + cf / 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["conv", "profile"])
    parser.add_argument("threads", type=int)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--entries", type=int, default=0)
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    if args.kind == "conv":
        entries = args.entries or 8
        model, shape = Micon(PerChannelResNet(), 5 * 512), (5, args.size, args.size)
    else:
        entries = args.entries or 256
        model, shape = Micon(mlp([512, 1024, 512], layer_norm=True), 512), (512,)
    model.to(device).train()
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-2)
    samples = torch.randn(entries, 2, *shape, device=device)
    controls = torch.randn(entries, 2, *shape, device=device)
    compound = torch.arange(entries, device=device) % (entries // 2)
    molecule = (torch.rand(entries, 1024, device=device) < 0.05).float()
    loss_fn = torch.compile(step_loss) if args.compile else step_loss
    autocast = contextlib.nullcontext
    if args.precision == "bf16":
        autocast = lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16)

    def step():
        opt.zero_grad()
        with autocast():
            loss = loss_fn(model, samples, controls, compound, molecule)
        loss.backward()
        opt.step()
        return loss.detach()

    for _ in range(3):
        step()
    step().item()  # waits for the device, so the clock sees only timed steps
    steps = 10 if args.kind == "conv" else 30
    t0 = time.perf_counter()
    for _ in range(steps):
        last = step()
    last.item()
    s = (time.perf_counter() - t0) / steps
    print(f"images_per_s {4 * entries / s:.1f} step_ms {1000 * s:.1f}")


if __name__ == "__main__":
    main()
