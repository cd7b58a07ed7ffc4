"""An independent numpy evaluation of a micon profile HDF5, for
tests/bench/evaluate_scale.sh to check `micon evaluate` against at the sizes
numpy can hold (about 2 x 10^4 wells here).

    evaluate_reference.py PROFILES.h5 OUT.csv

Writes metric,value rows with micon's names: percent_replicating (Pearson,
groups = compound, controls one group, the 0.95 quantile of the other pairs
with linear interpolation), map_vs_dmso and map_vs_compounds (mean over
compounds of the mean AP of their wells; copairs' AP, ties ranking positives
first), and top1/5/10 for all, nsb and nss (the first replicate's rank among
the treated wells, minus the query's batch or source). Queries run in blocks
of 1,024 rows of the float64 similarity matrix.
"""
import sys

import h5py
import numpy as np

path, out = sys.argv[1:]
with h5py.File(path, "r") as f:
    x = f["features"][...].astype(np.float64)
    meta = {k: np.array([v.decode() for v in f["metadata"][k][...]])
            for k in f["metadata"].attrs["columns"]}
n = len(x)
control = meta["Metadata_Control"] == "1"
compound = np.unique(meta["Metadata_Compound"], return_inverse=True)[1]
batch = np.unique(meta["Metadata_Batch"], return_inverse=True)[1]
source = np.unique(meta["Metadata_Source"], return_inverse=True)[1]
unit = x / np.linalg.norm(x, axis=1, keepdims=True)
centred = x - x.mean(axis=1, keepdims=True)
pearson_unit = centred / np.linalg.norm(centred, axis=1, keepdims=True)
treated = ~control
metrics = {}

# Percent replicating over every unordered pair, block by block.
replicate, null = [], []
for start in range(0, n, 1024):
    rows = np.arange(start, min(n, start + 1024))
    s = pearson_unit[rows] @ pearson_unit.T
    upper = np.arange(n)[None, :] > rows[:, None]
    same = compound[rows][:, None] == compound[None, :]
    replicate.append(s[upper & same])
    null.append(s[upper & ~same])
threshold = np.quantile(np.concatenate(null), 0.95)
metrics["percent_replicating"] = float(
    np.mean(np.concatenate(replicate) > threshold))


def average_precisions(pos, neg):
    """AP of each row's positives (sorted descending) among its negatives."""
    aps = []
    for p, negatives in zip(pos, neg):
        p = np.sort(p)[::-1]
        negatives = np.sort(negatives)
        ahead = len(negatives) - np.searchsorted(negatives, p, side="right")
        k = np.arange(1, len(p) + 1)
        aps.append(np.mean(k / (k + ahead)))
    return aps


ap = {"dmso": {}, "compounds": {}}
first = {"all": [], "nsb": [], "nss": []}
queries = np.flatnonzero(treated)
for start in range(0, len(queries), 1024):
    rows = queries[start:start + 1024]
    s = unit[rows] @ unit.T
    for r, i in enumerate(rows):
        others = np.arange(n) != i
        positive = others & treated & (compound == compound[i])
        if not positive.any():
            continue
        p = s[r, positive]
        for kind, negative in (("dmso", control),
                               ("compounds",
                                treated & (compound != compound[i]))):
            ap[kind].setdefault(compound[i], []).extend(
                average_precisions([p], [s[r, negative]]))
        for name, group in (("all", None), ("nsb", batch), ("nss", source)):
            keep = others & treated
            if group is not None:
                keep &= group != group[i]
            pos = keep & positive
            if not pos.any():
                continue
            best = s[r, pos].max()
            # Ties keep well order: an earlier well of another compound with
            # the same similarity ranks ahead (never seen on Gaussian data).
            first[name].append(int(np.sum(s[r, keep & ~positive] > best)))
for kind, by_compound in ap.items():
    metrics["map_vs_" + kind] = float(
        np.mean([np.mean(v) for v in by_compound.values()]))
for name, ranks in first.items():
    for k in (1, 5, 10):
        metrics[f"top{k}_{name}"] = float(np.mean(np.array(ranks) < k))
with open(out, "w") as f:
    f.write("metric,value\n")
    for name, value in metrics.items():
        f.write(f"{name},{value:.17g}\n")
