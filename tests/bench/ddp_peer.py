"""A PyTorch DDP-style peer of `micon train` (issue 27): the same MICON step, data-parallel.

    mpirun -np 2 /usr/bin/python3 tests/bench/ddp_peer.py [--norm sync|plain] [--entries 8]
        [--size 64] [--threads 1] [--steps 40]

Debian's python3-torch (1.13), gloo, one process per rank (ranks from Open MPI's environment).
Per rank: the per-channel ResNet-18 and heads of tests/bench/step_bench.py, `--entries`
entries of 2 treated and 2 control fields (5 x SIZE x SIZE), preloaded (random, fixed), AdamW;
the projected embeddings are all-gathered with gradient (torch.distributed.nn) so that the
contrastive loss spans every rank, and DistributedDataParallel averages the gradients in
buckets during backward. `--norm sync` synchronises BatchNorm's statistics over the ranks with
an autograd function of its own (torch.nn.SyncBatchNorm runs on GPUs only in 1.13): one
all-reduce forward, one backward, as micon's. Rank 0 prints "images_per_s X samples_per_s Y
step_ms Z" over the timed steps, after 3 warm-up steps; a sample is one entry (4 fields), as in
micon's progress line ("X samples/s (Y images/s)").
"""
import argparse
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_fn
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from step_bench import Micon, PerChannelResNet, supcon  # noqa: E402


class SyncBatchNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        c = x.shape[1]
        n_local = x.numel() // c
        var, mean = torch.var_mean(x, dim=(0, 2, 3), unbiased=False)
        stats = torch.cat([mean * n_local, var * n_local + n_local * mean * mean,
                           torch.tensor([float(n_local)])]).double()
        dist.all_reduce(stats)
        n = stats[2 * c]
        mean = (stats[:c] / n).to(x.dtype)
        var = (stats[c:2 * c] / n - (stats[:c] / n) ** 2).clamp_min(0).to(x.dtype)
        invstd = torch.rsqrt(var + eps)
        scale = invstd * weight
        shift = bias - mean * scale
        ctx.save_for_backward(x, mean, invstd, weight)
        ctx.n = n.item()
        return torch.addcmul(shift.view(1, -1, 1, 1), x, scale.view(1, -1, 1, 1))

    @staticmethod
    def backward(ctx, dy):
        x, mean, invstd, weight = ctx.saved_tensors
        c = x.shape[1]
        xhat = (x - mean.view(1, -1, 1, 1)) * invstd.view(1, -1, 1, 1)
        sum_dy = dy.sum((0, 2, 3))
        sum_dy_xhat = (dy * xhat).sum((0, 2, 3))
        sums = torch.cat([sum_dy, sum_dy_xhat]).double()
        dist.all_reduce(sums)
        sums = (sums / ctx.n).to(dy.dtype)
        dx = (dy - sums[:c].view(1, -1, 1, 1) - xhat * sums[c:].view(1, -1, 1, 1)) * \
            (invstd * weight).view(1, -1, 1, 1)
        return dx, sum_dy_xhat, sum_dy, None


class SyncBatchNorm2d(nn.BatchNorm2d):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        return SyncBatchNormFunction.apply(x, self.weight, self.bias, self.eps)


def synchronise(module):
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            sync = SyncBatchNorm2d(child.num_features, child.eps, child.momentum)
            sync.load_state_dict(child.state_dict())
            setattr(module, name, sync)
        else:
            synchronise(child)
    return module


def gathered(z):
    return torch.cat(dist_fn.all_gather(z.contiguous()))


def step_loss(model, samples, controls, compound, molecule, tau=0.2):
    """step_bench.step_loss with the projections and labels of every rank."""
    b = samples.shape[0]
    h_t = F.normalize(model.encoder(samples.flatten(0, 1)), dim=-1)
    h_c = F.normalize(model.encoder(controls.flatten(0, 1)), dim=-1)
    compounds = torch.cat(dist_fn.all_gather(compound))
    labels = torch.cat([compounds.repeat_interleave(2), torch.full_like(compounds, -1).repeat(2)])
    proj = lambda h: F.normalize(model.projection(h), dim=-1)  # noqa: E731
    m = model.molecule(molecule)
    paclr = supcon(torch.cat([gathered(proj(h_t)), gathered(proj(h_c))]), labels, tau)
    cf = 0
    for v in range(2):
        ht = h_t.view(b, 2, -1)[:, v]
        hc = h_c.view(b, 2, -1)[:, v]
        hhat = F.normalize(model.generator(torch.cat([hc.detach(), m], 1)), dim=-1)
        z = torch.cat([gathered(proj(ht.detach())), gathered(proj(hhat))])
        cf = cf + supcon(z, torch.cat([compounds, compounds]), tau)
    return paclr + cf / 2


class Step(nn.Module):
    """The loss as a module, so that DistributedDataParallel's forward prepares its reducer."""

    def __init__(self, micon):
        super().__init__()
        self.micon = micon

    def forward(self, samples, controls, compound, molecule):
        return step_loss(self.micon, samples, controls, compound, molecule)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--norm", choices=["sync", "plain"], default="sync")
    parser.add_argument("--entries", type=int, default=8)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--port", type=int, default=29517)
    args = parser.parse_args()
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", 0))
    world = int(os.environ.get("OMPI_COMM_WORLD_SIZE", 1))
    torch.set_num_threads(args.threads)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}",
                            rank=rank, world_size=world)
    torch.manual_seed(0)
    model = Micon(PerChannelResNet(), 5 * 512)
    if args.norm == "sync":
        synchronise(model)
    model = nn.parallel.DistributedDataParallel(Step(model), broadcast_buffers=False)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    g = torch.Generator().manual_seed(rank)
    e, shape = args.entries, (5, args.size, args.size)
    samples = torch.randn(e, 2, *shape, generator=g)
    controls = torch.randn(e, 2, *shape, generator=g)
    compound = (torch.arange(e) + rank * e) % 8
    molecule = (torch.rand(e, 1024, generator=g) < 0.05).float()

    def step():
        opt.zero_grad()
        loss = model(samples, controls, compound, molecule)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    dist.barrier()
    s = (time.perf_counter() - t0) / args.steps
    if rank == 0:
        print(f"images_per_s {4 * world * e / s:.1f} samples_per_s {world * e / s:.1f} "
              f"step_ms {1000 * s:.1f} "
              f"(world {world}, {args.norm} BatchNorm, {e} entries per rank)")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
