"""Synthetic well profiles at screen scale, as micon's profile HDF5.

    synthetic_profiles.py WELLS OUT.h5 [--features 256] [--seed 0]

384-well plates, 32 DMSO wells and 352 treated wells each; every compound in
4 wells, one in each of 4 sources (plates are split into 4 sources, 4 plates
to a batch), so NSB and NSS have replicates to find. A well is its plate's
offset + noise, plus, when treated, its compound's direction scaled by a
per-compound strength (some compounds do nearly nothing). The plate count is
rounded up to a multiple of 4, so the wells are at least WELLS.
"""
import argparse

import h5py
import numpy as np
from profile_hdf5 import write_names_and_metadata

parser = argparse.ArgumentParser()
parser.add_argument("wells", type=int)
parser.add_argument("out")
parser.add_argument("--features", type=int, default=256)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

rng = np.random.default_rng(args.seed)
plates = -(-args.wells // 384)
plates += -plates % 4
per_source = plates // 4
compounds = per_source * 352
d = args.features

rows = plates * 384
features = np.empty((rows, d), dtype=np.float64)
meta = {k: [] for k in ("Metadata_Source", "Metadata_Batch", "Metadata_Plate",
                        "Metadata_Well", "Metadata_Compound",
                        "Metadata_Control")}
strength = rng.uniform(0.0, 0.6, compounds)
row = 0
for source in range(4):
    order = rng.permutation(compounds)  # each compound once per source
    for p in range(per_source):
        plate = source * per_source + p
        offset = rng.normal(0, 0.3, d)
        treated = order[p * 352:(p + 1) * 352]
        wells = rng.permutation(384)
        block = rng.normal(0, 1, (384, d)) + offset
        # Compound directions are drawn from a seeded generator per compound,
        # so a compound points the same way on every plate.
        for k, c in enumerate(treated):
            direction = np.random.default_rng(10**9 + int(c)).normal(0, 1, d)
            block[k] += strength[c] * direction
        features[row:row + 384] = block
        for k in range(384):
            w = wells[k]
            meta["Metadata_Source"].append(f"source_{source}")
            meta["Metadata_Batch"].append(f"batch_{source}_{p // 4}")
            meta["Metadata_Plate"].append(f"plate_{plate:05d}")
            meta["Metadata_Well"].append(f"{chr(65 + w // 24)}{w % 24 + 1:02d}")
            if k < 352:
                meta["Metadata_Compound"].append(f"cpd_{treated[k]:07d}")
                meta["Metadata_Control"].append("0")
            else:
                meta["Metadata_Compound"].append("DMSO")
                meta["Metadata_Control"].append("1")
        row += 384

with h5py.File(args.out, "w") as f:
    f.create_dataset("features", data=features)
    write_names_and_metadata(f, d, meta)
print(f"{args.out}: {rows} wells on {plates} plates, {compounds} compounds, "
      f"{d} features")
