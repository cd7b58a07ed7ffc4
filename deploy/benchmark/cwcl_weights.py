#!/usr/bin/env python3
"""How soft CWCL's targets are on a per-channel embedding store.

    cwcl_weights.py STORE [--held-out-plates] [--batch B]

CellCLIP's CWCL targets weigh the pair of wells i, j by w_ij = (mean over stains of
cos(x_i^c, x_j^c)) / 2 + 1/2, x_i^c the mean of well i's fields in stain c (the frozen
inputs; core/contrastive_losses.h, CwclTargets). Over the treated wells of STORE's plates (with
--held-out-plates: only screen.json's held_out_plates), this prints the mean, minimum and
maximum weight of two different wells, and what share of its row's target a well's own pair
gets in a batch of B wells with that mean weight: 1 / (1 + (B - 1) * mean). A share near 1/B
means the targets are nearly uniform. The last line is the same as JSON.

It holds the W x W weights in memory: fine for a screen's thousands of wells, not for 10^5 (use
--held-out-plates or a smaller store). RESULTS.md section 4 quotes it for the benchmark's store (deploy/benchmark/cellclip.sh, which
runs it after writing the store). Debian's python3 (h5py, numpy).
"""
import argparse
import glob
import json
import os

import h5py
import numpy as np


def well_inputs(store, plates):
    """[W, C, D] float64: each treated well's mean field, and the wells' names."""
    inputs, names = [], []
    for path in sorted(glob.glob(os.path.join(store, "plates", "*.h5"))):
        with h5py.File(path, "r") as f:
            plate = f.attrs["plate"]
            plate = plate.decode() if isinstance(plate, bytes) else str(plate)
            if plates is not None and plate not in plates:
                continue
            vectors = f["embeddings"][()].astype(np.float64)
            wells = [w.decode() if isinstance(w, bytes) else str(w) for w in f["well"][()]]
            control = f["control"][()]
        for well in sorted(set(wells)):
            rows = [i for i, w in enumerate(wells) if w == well]
            if control[rows[0]] != 0:
                continue
            inputs.append(vectors[rows].mean(0))
            names.append(f"{plate}/{well}")
    return (np.stack(inputs) if inputs else np.zeros((0, 0, 0))), names


def cwcl_weights(x):
    """[W, W]: w_ij as CellCLIP computes it (unit vectors with CellCLIP's 1e-8)."""
    unit = x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-8)
    cosine = np.einsum("icd,jcd->ij", unit, unit) / x.shape[1]
    return cosine / 2 + 0.5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--held-out-plates", action="store_true")
    parser.add_argument("--batch", type=int, default=24)
    args = parser.parse_args()
    plates = None
    if args.held_out_plates:
        with open(os.path.join(args.store, "screen.json")) as f:
            plates = set(json.load(f)["held_out_plates"])
    x, names = well_inputs(args.store, plates)
    if len(names) < 2:
        raise SystemExit(f"{args.store}: {len(names)} treated wells"
                         f"{' on its held-out plates' if plates is not None else ''}; "
                         "the weights need at least 2")
    plate_count = len({n.split("/")[0] for n in names})
    w = cwcl_weights(x)
    off = w[~np.eye(len(w), dtype=bool)]
    result = {"wells": len(names), "plates": plate_count, "mean": float(off.mean()),
              "min": float(off.min()), "max": float(off.max()),
              "self": float(np.diag(w).mean()), "batch": args.batch,
              "own_share": float(1 / (1 + (args.batch - 1) * off.mean()))}
    print(f"{result['wells']} treated wells of {plate_count} plates: the CWCL weight of two "
          f"different wells averages {result['mean']:.3f} ({result['min']:.3f}-"
          f"{result['max']:.3f}; a well with itself: {result['self']:.3f}); in a batch of "
          f"{args.batch} a well's own pair carries {100 * result['own_share']:.1f}% of its "
          f"row's target (uniform: {100 / args.batch:.1f}%)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
