"""A screen's CellProfiler-like profiles as one CSV.gz per plate, as
pycytominer writes them after per-plate feature selection.

    per_plate_profiles.py PLATES OUT_DIR [--features 500] [--fragile 0.1] [--seed 0]

Each plate has 384 wells (32 DMSO), pycytominer's metadata columns
(Metadata_Plate, Metadata_Well, Metadata_broad_sample, Metadata_pert_type) and
the features f_0 ... f_{FEATURES-1} that its own feature selection kept: a
fraction `--fragile` of the features (the same on every plate) is each dropped
on half the plates, at random, the others are kept everywhere. Values are
float64 written at full precision. Two processes write the plates.
"""
import argparse
import multiprocessing
import os

import numpy as np
import pandas as pd

parser = argparse.ArgumentParser()
parser.add_argument("plates", type=int)
parser.add_argument("out")
parser.add_argument("--features", type=int, default=500)
parser.add_argument("--fragile", type=float, default=0.1)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()


def write_plate(p):
    rng = np.random.default_rng([args.seed, p])
    fragile = np.random.default_rng(args.seed).permutation(args.features)[
        : int(args.fragile * args.features)]
    dropped = fragile[rng.random(fragile.size) < 0.5]
    keep = np.setdiff1d(np.arange(args.features), dropped)
    wells = [f"{r}{c:02d}" for r in "ABCDEFGHIJKLMNOP" for c in range(1, 25)]
    control = np.zeros(384, dtype=bool)
    control[rng.permutation(384)[:32]] = True
    frame = pd.DataFrame({
        "Metadata_Plate": f"PLATE{p:05d}",
        "Metadata_Well": wells,
        "Metadata_broad_sample": [
            "DMSO" if c else f"BRD-{(p * 352 + i) % 20000:06d}"
            for i, c in enumerate(control)],
        "Metadata_pert_type": np.where(control, "control", "trt"),
    })
    values = rng.standard_normal((384, keep.size))
    features = pd.DataFrame(values, columns=[f"f_{k}" for k in keep])
    path = os.path.join(args.out, f"PLATE{p:05d}_normalized_feature_select.csv.gz")
    pd.concat([frame, features], axis=1).to_csv(
        path, index=False, compression={"method": "gzip", "compresslevel": 1})


os.makedirs(args.out, exist_ok=True)
with multiprocessing.Pool(2) as pool:
    pool.map(write_plate, range(args.plates))
print(f"{args.out}: {args.plates} plates of 384 wells, each with its own "
      f"selection of {args.features} features")
