"""A synthetic profile table that micon can train on and embed, as HDF5.

    synthetic_profile_table.py WELLS OUT.h5 [--features 2560] [--seed 0]
                               [--annotated]

Like synthetic_profiles.py (384-well plates, 32 DMSO wells each), but its
treated wells carry real compounds with SMILES from ../shared/data's JUMP-MOA
table, so `micon train --set data.input=profiles` and `micon embed` accept it
(a profile table needs Metadata_SMILES). Compound c's wells are its plate's
offset + noise + a fixed direction of c. Used by profile_embed_memory.sh.
With --annotated, every well also carries the compound's other JUMP-MOA
columns (Metadata_moa, Metadata_InChIKey, Metadata_InChI, ...; empty for DMSO),
as pycytominer's annotate step leaves a JUMP table.
"""
import argparse
import csv
import os

import h5py
import numpy as np
from profile_hdf5 import write_names_and_metadata

parser = argparse.ArgumentParser()
parser.add_argument("wells", type=int)
parser.add_argument("out")
parser.add_argument("--features", type=int, default=2560)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--annotated", action="store_true")
args = parser.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
moa = os.path.join(here, "..", "..", "..", "shared", "data", "jump_moa",
                   "JUMP-MOA_compound_metadata.tsv")
with open(moa) as f:
    rows = [r for r in csv.DictReader(f, delimiter="\t")
            if r["smiles"] and r["smiles"] != "NA"]
compounds = [(r["broad_sample"], r["smiles"]) for r in rows]
others = ([c for c in rows[0] if c not in ("broad_sample", "smiles")]
          if args.annotated else [])
rng = np.random.default_rng(args.seed)
d = args.features
plates = -(-args.wells // 384)
directions = rng.normal(0, 1, (len(compounds), d)).astype(np.float32)
names = ("Metadata_Source", "Metadata_Batch", "Metadata_Plate",
         "Metadata_Well", "Metadata_Compound", "Metadata_SMILES",
         "Metadata_Control") + tuple(f"Metadata_{c}" for c in others)
meta = {k: [] for k in names}
with h5py.File(args.out, "w") as f:
    features = f.create_dataset("features", (plates * 384, d), dtype="f8")
    for p in range(plates):
        block = rng.normal(0, 1, (384, d)).astype(np.float32)
        block += rng.normal(0, 0.3, d).astype(np.float32)
        for w in range(384):
            control = w < 32
            c = (p * 352 + w - 32) % len(compounds)
            if not control:
                block[w] += 0.5 * directions[c]
            meta["Metadata_Source"].append("source_0")
            meta["Metadata_Batch"].append(f"batch_{p // 8}")
            meta["Metadata_Plate"].append(f"plate_{p:05d}")
            meta["Metadata_Well"].append(f"{chr(65 + w // 24)}{w % 24 + 1:02d}")
            meta["Metadata_Compound"].append("DMSO" if control
                                             else compounds[c][0])
            meta["Metadata_SMILES"].append("" if control else compounds[c][1])
            meta["Metadata_Control"].append("1" if control else "0")
            for column in others:
                meta[f"Metadata_{column}"].append("" if control
                                                  else rows[c][column])
        features[p * 384:(p + 1) * 384] = block
    write_names_and_metadata(f, d, meta)
print(f"{args.out}: {plates * 384} wells on {plates} plates, "
      f"{len(compounds)} compounds, {d} features")
