#!/usr/bin/env python3
"""CellCLIP recomputed independently of micon, in Debian's PyTorch.

Usage: cellclip_reference.py DUMP TOLERANCE

DUMP is what tests/core/cellclip_reference_test.cc saved (torch.load reads
torch::pickle_save): micon's weights, inputs, outputs and gradients for one
transformer block, one gated-attention pool, and the whole CellCLIP model and
step loss with CLIP ("clip/") and CWCL ("cwcl/") targets. This script rebuilds
each from the weights alone, with F.multi_head_attention_forward (nn.MultiheadAttention's own
computation), F.layer_norm, F.gelu and the formulas of CellCLIP's paper (its CWCL targets, its
losses),
runs autograd itself, and requires every output and gradient to agree within
TOLERANCE * max(1, max|reference|).

Then it plants errors in its own reference, one at a time (what a wrong micon
would compute), and requires each to disagree: a comparison that cannot see
them proves nothing. Prints PASS, or FAIL: and the worst mismatch.
"""
import math
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # fail, never skip: install-deps installs it
    print(f"FAIL: python3-torch is missing ({e}); run deploy/install-deps.sh")
    sys.exit(1)

# The planted errors, each a way a transformer, a pool or a loss goes wrong.
PLANTS = [
    "attention_scale_1_over_d",
    "post_layernorm",
    "no_mlp_residual",
    "tanh_gelu",
    "pool_ignores_mask",
    "pool_without_gate",
    "cls_from_last_token",
    "no_channel_embedding",
    "cwcl_targets_unshifted",
    "cwcl_inputs_include_padding",
    "clip_without_compound_mask",
    "clip_not_halved",
]


class Reference:
    """The weights saved under `prefix`/param/, each a leaf with gradient, keyed
    by micon's parameter name with `scope` in front (a lone block or pool is
    its own module: scope "m." gives its methods a name to prefix)."""

    def __init__(self, dump, prefix, plant=None, scope=""):
        self.dump, self.prefix, self.plant, self.scope = dump, prefix, plant, scope
        self.params = {}
        for key, value in dump.items():
            head = f"{prefix}/param/"
            if key.startswith(head):
                self.params[scope + key[len(head):]] = (
                    value.clone().requires_grad_(True))

    def p(self, name):
        return self.params[name]

    def linear(self, x, name, bias=True):
        return F.linear(x, self.p(name + ".weight"),
                        self.p(name + ".bias") if bias else None)

    def layer_norm(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.p(name + ".weight"),
                            self.p(name + ".bias"), eps=1e-5)

    def block(self, x, name):
        width = x.shape[-1]
        heads = 4
        def attend(y):
            if self.plant == "attention_scale_1_over_d":
                # softmax(QK^T / d) V, written out.
                b, t, _ = y.shape
                d = width // heads
                q, k, v = F.linear(y, self.p(name + ".qkv.weight"),
                                   self.p(name + ".qkv.bias")).view(
                                       b, t, 3, heads, d).permute(
                                           2, 0, 3, 1, 4)
                w = torch.softmax(q @ k.transpose(-2, -1) / d, -1)
                return self.linear((w @ v).transpose(1, 2).reshape(b, t, -1),
                                   name + ".out")
            # nn.MultiheadAttention's own computation, sequence first.
            seq = y.transpose(0, 1)
            out, _ = F.multi_head_attention_forward(
                seq, seq, seq, width, heads, self.p(name + ".qkv.weight"),
                self.p(name + ".qkv.bias"), None, None, False, 0.0,
                self.p(name + ".out.weight"), self.p(name + ".out.bias"),
                training=False, need_weights=False)
            return out.transpose(0, 1)

        gelu = ((lambda z: F.gelu(z, approximate="tanh"))
                if self.plant == "tanh_gelu" else F.gelu)

        def mlp(y):
            return self.linear(gelu(self.linear(y, name + ".hidden")),
                               name + ".mlp_out")

        if self.plant == "post_layernorm":
            y = self.layer_norm(x + attend(x), name + ".attention_norm")
            return self.layer_norm(y + mlp(y), name + ".mlp_norm")
        y = x + attend(self.layer_norm(x, name + ".attention_norm"))
        out = mlp(self.layer_norm(y, name + ".mlp_norm"))
        return out if self.plant == "no_mlp_residual" else y + out

    def pool(self, x, present, name):
        gate = torch.sigmoid(self.linear(x, name + ".gate_branch"))
        if self.plant == "pool_without_gate":
            gate = torch.ones_like(gate)
        scores = self.linear(
            torch.tanh(self.linear(x, name + ".tanh_branch")) * gate,
            name + ".score", bias=False).squeeze(-1)
        if self.plant != "pool_ignores_mask":
            scores = scores.masked_fill(~present, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        return (weights.unsqueeze(-1) * x).sum(1)

    def encoder(self, wells, present, name="encoder"):
        b, k, c, _ = wells.shape
        tokens = self.linear(wells, name + ".input")
        if self.plant != "no_channel_embedding":
            tokens = tokens + self.p(name + ".channel_embedding")
        width = tokens.shape[-1]
        tokens = tokens.reshape(b * k, c, width)
        tokens = torch.cat(
            [self.p(name + ".cls").expand(b * k, 1, width), tokens], 1)
        layer = 0
        while f"{name}.blocks.{layer}.qkv.weight" in self.params:
            tokens = self.block(tokens, f"{name}.blocks.{layer}")
            layer += 1
        cls = tokens[:, -1] if self.plant == "cls_from_last_token" else (
            tokens[:, 0])
        fields = self.layer_norm(cls, name + ".final_norm").view(b, k, width)
        pooled = self.pool(fields, present, name + ".pool")
        return F.normalize(self.linear(pooled, name + ".output"), dim=-1)

    def mlp(self, x, name):
        out = x
        names = sorted({k.split(".")[2] for k in self.params
                        if k.startswith(name + ".layers.")}, key=int)
        for i, index in enumerate(names):
            out = self.linear(out, f"{name}.layers.{index}")
            if i + 1 < len(names):
                out = torch.relu(out)
        return out

    def cwcl_targets(self, wells, present):
        # CellCLIP's soft targets: each well's input is the mean of its
        # present fields; w_ij = mean over channels of cos(x_i^c, x_j^c),
        # mapped to [0, 1] and normalised per row.
        if self.plant == "cwcl_inputs_include_padding":
            inputs = wells.mean(1)
        else:
            p = present.to(wells.dtype)[:, :, None, None]
            inputs = (wells * p).sum(1) / p.sum(1)
        unit = inputs / (inputs.norm(dim=-1, keepdim=True) + 1e-8)
        cosine = torch.einsum("icd,jcd->ij", unit, unit) / inputs.shape[1]
        w = cosine if self.plant == "cwcl_targets_unshifted" else (
            cosine / 2 + 0.5)
        return w / w.sum(1, keepdim=True)

    def loss(self, cwcl):
        d = self.dump
        wells, present = d[self.prefix + "/wells"], d[self.prefix + "/present"]
        compound = d[self.prefix + "/compound"]
        u = F.normalize(self.mlp(self.encoder(wells, present), "projection"),
                        dim=-1)
        m = self.mlp(d[self.prefix + "/molecule"], "molecule")
        v = F.normalize(self.mlp(m, "molecule_projection"), dim=-1)
        scale = self.p("clip_log_scale").exp().clamp(max=100.0)
        logits = scale * u @ v.t()  # [image, molecule]
        n = logits.shape[0]
        # Another row of the same compound is neither positive nor negative.
        same = compound[:, None] == compound[None, :]
        other_same = same & ~torch.eye(n, dtype=torch.bool)
        if self.plant == "clip_without_compound_mask":
            other_same = torch.zeros_like(other_same)
        diagonal = torch.arange(n)
        molecule_to_image = F.cross_entropy(
            logits.t().masked_fill(other_same, float("-inf")), diagonal)
        if not cwcl:
            image_to_molecule = F.cross_entropy(
                logits.masked_fill(other_same, float("-inf")), diagonal)
            total = image_to_molecule + molecule_to_image
            return total if self.plant == "clip_not_halved" else total / 2
        targets = self.cwcl_targets(wells, present)
        image_to_molecule = -(targets * F.log_softmax(logits, 1)).sum(1).mean()
        return image_to_molecule + molecule_to_image


def compare(label, ours, theirs, tolerance, failures):
    if theirs is None:  # the reference's graph does not reach it
        failures.append((math.inf, label + ": no gradient in the reference"))
        return 0.0
    scale = max(1.0, theirs.abs().max().item())
    error = (ours.detach() - theirs.detach()).abs().max().item() / scale
    if not error <= tolerance:
        failures.append((error, label))
    return error


def gradients(ref, output, direction=None, inputs=()):
    """d output (along `direction`) / d `inputs`, and / d every parameter by
    its name without the scope (None where the graph does not reach it)."""
    target = output if direction is None else (output * direction).sum()
    names = list(ref.params)
    grads = torch.autograd.grad(
        target, list(inputs) + [ref.params[n] for n in names],
        allow_unused=True)
    by_name = {n[len(ref.scope):]: g
               for n, g in zip(names, grads[len(inputs):])}
    return grads[:len(inputs)], by_name


def check_all(dump, tolerance, plant=None):
    """The mismatches (error, label) of the reference with `plant` applied."""
    failures = []
    worst = 0.0

    def check(label, ours, theirs):
        nonlocal worst
        worst = max(worst, compare(label, ours, theirs, tolerance, failures))

    def check_part(part, run):
        # A lone block or pool: its output, and the gradients of the input
        # and of every weight along the dumped direction.
        ref = Reference(dump, part, plant, scope="m.")
        x = dump[part + "/input"].clone().requires_grad_(True)
        out = run(ref, x)
        check(f"{part} output", dump[part + "/output"], out)
        (input_grad,), grads = gradients(ref, out, dump[part + "/direction"],
                                         inputs=[x])
        check(f"{part} input gradient", dump[part + "/input_grad"], input_grad)
        for name, g in grads.items():
            check(f"{part} gradient {name}", dump[f"{part}/grad/{name}"], g)

    check_part("block", lambda ref, x: ref.block(x, "m"))
    check_part("pool", lambda ref, x: ref.pool(x, dump["pool/present"], "m"))

    for prefix, cwcl in (("clip", False), ("cwcl", True)):
        # The encoder alone: h and its gradient along a fixed direction.
        ref = Reference(dump, prefix, plant)
        h = ref.encoder(dump[prefix + "/wells"], dump[prefix + "/present"])
        check(f"{prefix} h", dump[prefix + "/h"], h)
        _, grads = gradients(ref, h, dump[prefix + "/h_direction"])
        for name, g in grads.items():
            if name.startswith("encoder."):
                check(f"{prefix} h gradient {name}",
                      dump[f"{prefix}/h_grad/{name[len('encoder.'):]}"], g)
        # The step loss and every trained parameter's gradient.
        ref = Reference(dump, prefix, plant)
        loss = ref.loss(cwcl)
        check(f"{prefix} loss", dump[prefix + "/loss"], loss)
        _, grads = gradients(ref, loss)
        for name, g in grads.items():
            key = f"{prefix}/grad/{name}"
            if g is None:
                if key in dump:
                    failures.append((math.inf, f"{prefix}: micon trains "
                                     f"{name}, the reference does not"))
                continue
            if key not in dump:
                failures.append((math.inf, f"{prefix}: no gradient for {name}"))
                continue
            check(f"{prefix} gradient {name}", dump[key], g)
    return failures, worst


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    dump = torch.load(sys.argv[1])
    tolerance = float(sys.argv[2])
    failures, worst = check_all(dump, tolerance)
    if failures:
        failures.sort(reverse=True)
        for error, label in failures[:10]:
            print(f"FAIL: {label}: relative error {error:.3g} > {tolerance:g}")
        return 1
    print(f"micon and the reference agree: worst relative error {worst:.3g} "
          f"(tolerance {tolerance:g})")
    missed = []
    for plant in PLANTS:
        failures, _ = check_all(dump, tolerance, plant)
        if failures:
            error, label = max(failures)
            print(f"planted {plant}: caught ({label}: {error:.3g})")
        else:
            missed.append(plant)
    if missed:
        print("FAIL: planted errors the comparison does not see: "
              + ", ".join(missed))
        return 1
    print(f"PASS: {len(PLANTS)} planted errors caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
