"""A mechanism-of-action table for synthetic_profiles.py's compounds, to time
micon evaluate --consistency at screen scale.

    synthetic_annotations.py PROFILES.h5 OUT.csv [--labels-per 10] [--seed 0]

Writes compound_id,moa for every compound of the profiles: each in one of
compounds / LABELS_PER mechanisms, a fifth with a second one ("a|b"), and a
tenth unannotated (empty), as real annotation tables are partial. The
synthetic compounds' directions are independent, so consistency is near
chance: this measures cost, not biology.
"""
import argparse
import csv

import h5py
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("profiles")
parser.add_argument("out")
parser.add_argument("--labels-per", type=int, default=10)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

with h5py.File(args.profiles, "r") as f:
    compound = f["metadata/Metadata_Compound"].asstr()[:]
compounds = sorted(set(compound) - {"DMSO", ""})
rng = np.random.default_rng(args.seed)
labels = max(1, len(compounds) // args.labels_per)
with open(args.out, "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["compound_id", "moa"])
    for c in compounds:
        draw = rng.random()
        first = f"moa_{rng.integers(labels):05d}"
        if draw < 0.1:
            value = ""
        elif draw < 0.3:
            value = f"{first}|moa_{rng.integers(labels):05d}"
        else:
            value = first
        writer.writerow([c, value])
print(f"{args.out}: {len(compounds)} compounds, {labels} mechanisms")
