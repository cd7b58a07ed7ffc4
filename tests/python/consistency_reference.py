"""Independent reference for micon evaluate --consistency: phenotypic
consistency (copairs' multilabel mAP on consensus profiles), with numpy and
pandas only.

    consistency_reference.py PROFILES.csv.gz COMPOUND_COLUMN CONTROL_COLUMN \
        CONTROL_VALUE ANNOTATION_COLUMN SEPARATOR OUT.csv QUERIES_OUT.csv

Each compound's consensus profile is the median of its treated wells. Its
annotation is split on SEPARATOR into labels; compounds without one are left
out. For each label of a compound that another compound carries, the
positives are the other compounds with that label and the negatives the
compounds sharing no label with it; AP follows copairs (cosine similarity,
highest first, ties with positives first). OUT.csv: label, map, compounds;
QUERIES_OUT.csv: label, compound, ap.
"""
import sys

import numpy as np
import pandas as pd
from copairs_ap import average_precision

(path, compound_col, control_col, control_value, annotation_col, separator,
 out, queries_out) = sys.argv[1:]
MISSING = {"", "NA", "N/A", "n/a", "nan", "NaN", "-nan", "-NaN", "None",
           "null", "NULL", "<NA>", "#N/A", "#NA", "#N/A N/A"}

frame = pd.read_csv(path, dtype=str, keep_default_na=False)
features = [c for c in frame.columns if not c.startswith("Metadata_")]
treated = frame[frame[control_col] != control_value]
x = treated[features].astype(np.float64)
consensus = x.groupby(treated[compound_col].to_numpy()).median()
annotation = treated.groupby(compound_col)[annotation_col].first()

labels = {}
for compound, value in annotation.items():
    parts = value.split(separator) if separator else [value]
    kept = {p.strip() for p in parts if p.strip() not in MISSING}
    if kept:
        labels[compound] = kept
compounds = sorted(labels)
v = consensus.loc[compounds].to_numpy()
unit = v / np.linalg.norm(v, axis=1, keepdims=True)
sim = unit @ unit.T


aps = {}
queries = []
for i, ci in enumerate(compounds):
    for label in sorted(labels[ci]):
        positive = np.array([j != i and label in labels[c]
                             for j, c in enumerate(compounds)])
        if not positive.any():
            continue
        negative = np.array([not (labels[ci] & labels[c]) for c in compounds])
        keep = positive | negative
        ap = average_precision(sim[i, keep], positive[keep])
        aps.setdefault(label, []).append(ap)
        queries.append((label, ci, ap))
pd.DataFrame({"label": list(aps),
              "map": [float(np.mean(a)) for a in aps.values()],
              "compounds": [len(a) for a in aps.values()]}).to_csv(
    out, index=False, float_format="%.17g")
pd.DataFrame(queries, columns=["label", "compound", "ap"]).to_csv(
    queries_out, index=False, float_format="%.17g")
