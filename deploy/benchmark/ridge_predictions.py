#!/usr/bin/env python3
"""The generator's baseline: ridge regression from a compound's fingerprint to its mean shift.

    ridge_predictions.py PROFILES_CSV SCREEN_JSON OUT_CSV

In the space of PROFILES_CSV (a method's well profiles: learned h or hand-crafted features),
each training well's shift is its profile minus the mean of its plate's DMSO wells; a training
compound's target is the mean shift of its wells on the training plates. Ridge (alpha = 1, with
an intercept) maps the Morgan fingerprint (radius 2, 1024 bits: what MICON's M reads) to that
target. For every held-out compound on every plate that holds it, the prediction is the plate's
DMSO mean plus the predicted shift: the same rows `micon embed` writes to predicted.csv, so
`micon evaluate --predicted` scores both the same way.
"""
import json
import sys

import numpy as np
import pandas as pd
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem

ALPHA = 1.0
RADIUS, BITS = 2, 1024


def fingerprint(smiles):
    molecule = Chem.MolFromSmiles(smiles)
    if molecule is None:
        raise SystemExit(f"ridge_predictions: cannot parse SMILES {smiles!r}")
    bits = AllChem.GetMorganFingerprintAsBitVect(molecule, RADIUS, nBits=BITS)
    return np.array(list(bits), dtype=np.float64)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    RDLogger.DisableLog("rdApp.*")
    profiles_path, screen_path, out_path = sys.argv[1:]
    wells = pd.read_csv(profiles_path, float_precision="round_trip")
    screen = json.load(open(screen_path))
    held_out = set(screen["held_out_compounds"])
    train_plates = set(screen["train_plates"])
    features = [c for c in wells.columns if not c.startswith("Metadata_")]
    control = wells["Metadata_Control"].astype(str).isin(["1", "True", "true"])
    x = wells[features].to_numpy(np.float64)
    dmso = {p: x[(control & (wells["Metadata_Plate"] == p)).to_numpy()].mean(0)
            for p in wells["Metadata_Plate"].unique()}
    shift = x - np.stack([dmso[p] for p in wells["Metadata_Plate"]])

    train = (~control & ~wells["Metadata_Compound"].isin(held_out)
             & wells["Metadata_Plate"].isin(train_plates)).to_numpy()
    compounds = sorted(wells.loc[train, "Metadata_Compound"].unique())
    smiles = dict(zip(wells["Metadata_Compound"], wells["Metadata_SMILES"]))
    fp = np.stack([fingerprint(smiles[c]) for c in compounds])
    target = np.stack([shift[train & (wells["Metadata_Compound"] == c).to_numpy()].mean(0)
                       for c in compounds])
    fp_mean, target_mean = fp.mean(0), target.mean(0)
    fc = fp - fp_mean
    # Dual form: fewer compounds than fingerprint bits.
    weights = fc.T @ np.linalg.solve(fc @ fc.T + ALPHA * np.eye(len(compounds)),
                                     target - target_mean)

    rows = []
    treated = wells[~control & wells["Metadata_Compound"].isin(held_out)]
    for (plate, compound), group in treated.groupby(["Metadata_Plate", "Metadata_Compound"]):
        first = group.iloc[0]
        predicted = dmso[plate] + target_mean + (fingerprint(smiles[compound]) - fp_mean) @ weights
        meta = {c: first[c] for c in wells.columns if c.startswith("Metadata_")}
        meta.update({"Metadata_Well": "predicted", "Metadata_Control": 0, "Metadata_Predicted": 1})
        if "Metadata_Images" in meta:
            meta["Metadata_Images"] = int((control & (wells["Metadata_Plate"] == plate)).sum())
        rows.append({**meta, **dict(zip(features, predicted))})
    out = pd.DataFrame(rows)
    meta_columns = [c for c in wells.columns if c.startswith("Metadata_")] + ["Metadata_Predicted"]
    out[meta_columns + features].to_csv(out_path, index=False, float_format="%.9g")
    print(f"{out_path}: {len(out)} ridge predictions of {len(held_out)} held-out compounds "
          f"from {len(compounds)} training compounds ({len(features)} features)")


if __name__ == "__main__":
    main()
