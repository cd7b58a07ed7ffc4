"""Independent reference for micon evaluate: per-compound mAP (vs DMSO and vs
other compounds) and top-k replicate matching, from a profile CSV, with numpy
and pandas only.

    replicate_metrics_reference.py PROFILES.csv.gz COMPOUND_COLUMN \
        CONTROL_COLUMN CONTROL_VALUE PER_COMPOUND_OUT.csv TOPK_OUT.csv

AP follows copairs: candidates sorted by cosine similarity, highest first,
ties with positives first; AP = mean precision at each positive.
"""
import sys

import numpy as np
import pandas as pd
from copairs_ap import average_precision

path, compound_col, control_col, control_value, per_compound_out, topk_out = sys.argv[1:]
frame = pd.read_csv(path, dtype={c: str for c in [compound_col, control_col]},
                    keep_default_na=False)
features = [c for c in frame.columns if not c.startswith("Metadata_")]
x = frame[features].to_numpy(dtype=np.float64)
unit = x / np.linalg.norm(x, axis=1, keepdims=True)
sim = unit @ unit.T
compound = frame[compound_col].to_numpy()
control = (frame[control_col] == control_value).to_numpy()

rows = {}
for kind in ["dmso", "compounds"]:
    ap_by_compound = {}
    for i in np.flatnonzero(~control):
        others = np.arange(len(x)) != i
        positive = others & ~control & (compound == compound[i])
        if kind == "dmso":
            negative = others & control
        else:
            negative = others & ~control & (compound != compound[i])
        keep = positive | negative
        if positive.sum() == 0:
            continue
        ap = average_precision(sim[i, keep], positive[keep])
        ap_by_compound.setdefault(compound[i], []).append(ap)
    for c, aps in ap_by_compound.items():
        rows.setdefault(c, {})["map_vs_" + kind] = float(np.mean(aps))
pd.DataFrame.from_dict(rows, orient="index").rename_axis("compound").to_csv(
    per_compound_out, float_format="%.17g")

treated = np.flatnonzero(~control)
hits = {k: [] for k in (1, 5, 10)}
for i in treated:
    cands = treated[treated != i]
    same = compound[cands] == compound[i]
    if not same.any():
        continue
    order = np.argsort(-sim[i, cands], kind="stable")
    first = np.argmax(same[order])
    for k in hits:
        hits[k].append(first < k)
pd.DataFrame({"metric": [f"top{k}_all" for k in hits],
              "value": [float(np.mean(v)) for v in hits.values()]}).to_csv(
    topk_out, index=False, float_format="%.17g")
