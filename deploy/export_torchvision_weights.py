#!/usr/bin/python3
"""Exports torchvision ResNet weights in the form micon's C++ loader reads.

  export_torchvision_weights.py --arch resnet50 --out resnet50.pt
      [--weights resnet50-0676ba61.pth]   a torchvision checkpoint you downloaded; without it,
                                          torchvision's pretrained weights are fetched (needs the
                                          internet) unless --random-seed is given
      [--random-seed N]                   untrained torchvision weights, seeded (for tests)
      [--reference FILE --height H --width W]  also save a seeded input batch and the trunk's
                                          pooled features in eval mode, for parity tests

micon reads a plain {name: tensor} dict; torchvision's own checkpoints are OrderedDicts with
metadata that LibTorch's C++ unpickler cannot read, hence this script.
"""
import argparse

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", required=True,
                        choices=["resnet18", "resnet34", "resnet50", "resnet101"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--weights")
    parser.add_argument("--random-seed", type=int)
    parser.add_argument("--reference")
    parser.add_argument("--height", type=int, default=64)
    parser.add_argument("--width", type=int, default=48)
    args = parser.parse_args()

    builder = getattr(torchvision.models, args.arch)
    if args.random_seed is not None:
        torch.manual_seed(args.random_seed)
        model = builder()
    elif args.weights:
        model = builder()
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    else:
        model = builder(weights="IMAGENET1K_V1")
    # Seeded weights for tests: non-trivial BatchNorm statistics so the parity check exercises
    # them, and BatchNorm scales below 1 so that, as in trained networks, activations stay at a
    # realistic scale through 33 residual blocks instead of growing to ~1e5.
    if args.random_seed is not None:
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.1, 0.1)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.2, 0.6)
                    m.bias.uniform_(-0.1, 0.1)
    torch.save({k: v.contiguous() for k, v in model.state_dict().items()}, args.out)

    if args.reference:
        model.fc = torch.nn.Identity()
        model.eval()
        torch.manual_seed(1234)
        x = torch.randn(2, 3, args.height, args.width)
        with torch.no_grad():
            y = model(x)
        torch.save({"input": x, "output": y}, args.reference)
    print(f"wrote {args.out} ({len(model.state_dict())} tensors)")


if __name__ == "__main__":
    main()
