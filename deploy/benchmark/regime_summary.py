#!/usr/bin/env python3
"""The regime study's tables and intervals, from deploy/benchmark/regime.sh's evaluations.

    regime_summary.py OUT_DIR COMPOUND_METADATA_TSV SEED...

Reads OUT_DIR/regime/ARM/eval/seedS/{raw,mad,normalized}/per_compound_<method>.csv and
.../predictions/evaluation.csv, and OUT_DIR/oracle.txt; prints, and writes to
OUT_DIR/regime/summary.md:

1. Replicate retrieval on held-out plates, every arm x objective (and the hand-crafted
   features), over the treatments only (pert_type trt in COMPOUND_METADATA_TSV: the positive
   controls train as compounds, as in the reference, but are not what the study asks about).
2. Paired differences: MICON - PaCLR in each arm, the reference budget against today's per
   objective, and the counterfactual-to-encoder ablation against the reference budget.
3. The held-out compounds: the generator against ridge in its own space and on the hand-crafted
   features, chance, and the oracle (ridge on the true phenotype).

The intervals are summary.py's: a two-level bootstrap (seeds, then compounds), paired where two
methods are compared, each number with its own generator seeded from its name. Across arms the
pairs share seeds and query compounds (the same screen, queries and evaluation seed).
"""
import os
import sys

import numpy as np
import pandas as pd

from summary import bootstrap, interval, paired, rng_for

ARMS = {
    "today": ["micon", "paclr", "simclr", "clip", "handcrafted"],
    "reference-budget": ["micon", "paclr", "simclr", "clip"],
    "reference-settings": ["micon", "paclr"],
    "cf-to-encoder": ["micon"],
    "images": ["micon", "paclr", "handcrafted"],
}
ARM_NAMES = {
    "today": "today's budget (24 passes x 400 steps)",
    "reference-budget": "reference budget (512 passes x 10k steps)",
    "reference-settings":
        "reference budget and loss (tau 1, lambda 1, direct G, no h-term, no clip, no aug)",
    "cf-to-encoder": "reference budget, counterfactual reaches the encoder",
    "images": "pixels, ResNet-18, 96 encoder images x 300 steps",
}
TABLES = ["raw", "mad", "normalized"]
COLUMNS = [(metric, table) for metric in ["top1_nss", "top1_nsb", "map_vs_compounds"]
           for table in TABLES]
PAIRS = [
    (("today", "micon"), ("today", "paclr")),
    (("reference-budget", "micon"), ("reference-budget", "paclr")),
    (("reference-settings", "micon"), ("reference-settings", "paclr")),
    (("cf-to-encoder", "micon"), ("reference-budget", "micon")),
    (("cf-to-encoder", "micon"), ("reference-budget", "paclr")),
    (("reference-settings", "micon"), ("reference-budget", "micon")),
    (("reference-budget", "micon"), ("today", "micon")),
    (("reference-budget", "paclr"), ("today", "paclr")),
    (("reference-budget", "simclr"), ("today", "simclr")),
    (("reference-budget", "clip"), ("today", "clip")),
    (("reference-budget", "micon"), ("today", "handcrafted")),
    (("reference-budget", "clip"), ("reference-budget", "micon")),
    (("images", "micon"), ("images", "paclr")),
    (("images", "micon"), ("images", "handcrafted")),
]
PREDICTORS = ["micon", "micon-ridge", "handcrafted-ridge"]
PREDICTION_COLUMNS = ["predicted_among_predicted_top1", "predicted_among_predicted_top5",
                      "predicted_among_predicted_top10", "predicted_top1", "predicted_top10"]


def treatments(metadata_tsv):
    table = pd.read_csv(metadata_tsv, sep="\t")
    return set(table.loc[table["pert_type"] == "trt", "broad_sample"])


def per_compound(work, arm, seeds, table, method, metric, keep):
    """{seed: Series compound -> value} over the treatments."""
    out = {}
    for seed in seeds:
        path = os.path.join(work, arm, "eval", f"seed{seed}", table, f"per_compound_{method}.csv")
        frame = pd.read_csv(path, float_precision="round_trip").set_index("compound")
        values = frame[metric].dropna()
        out[seed] = values[values.index.isin(keep)]
    return out


def label(arm, method):
    return f"{arm} / {method}"


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    out_dir, metadata, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
    work = os.path.join(out_dir, "regime")
    keep = treatments(metadata)
    # The arms that ran, each with the seeds it has (the image arm runs on its own command,
    # with fewer seeds); a paired difference uses the seeds both arms have.
    arm_seeds = {arm: [s for s in seeds if os.path.isfile(os.path.join(
        work, arm, "eval", f"seed{s}", "predictions", "evaluation.csv"))] for arm in ARMS}
    arms = {arm: methods for arm, methods in ARMS.items() if arm_seeds[arm]}
    pairs = [(a, b) for a, b in PAIRS if a[0] in arms and b[0] in arms]

    def shared(a, b):
        return [s for s in arm_seeds[a[0]] if s in arm_seeds[b[0]]]

    lines = ["# Regime study", "",
             "Mean over seeds of the mean over query compounds (treatments only); [95% interval], "
             "two-level bootstrap (seeds, then compounds). Queries: treated wells of the held-out "
             "plates. Tables: raw; mad = robust MAD per plate on the DMSO wells; normalized = mad, "
             "then ZCA per batch on the DMSO wells, the protocol fixed before the first results. "
             "With 128 DMSO wells per batch against 128 (profiles) or 512 (images) embedding "
             "dimensions that ZCA is singular (micon evaluate warns), so read the learned models "
             "in the mad column.", ""]
    for arm in arms:
        lines.append(f"- `{arm}` (seeds {' '.join(arm_seeds[arm])}): {ARM_NAMES[arm]}")
    lines += ["", "## Replicate retrieval, arm x objective", "",
              "| arm / method | " + " | ".join(f"{m} {t}" for m, t in COLUMNS) + " |",
              "|---|" + "---|" * len(COLUMNS)]
    for arm, methods in arms.items():
        for method in methods:
            cells = []
            for metric, table in COLUMNS:
                values = per_compound(work, arm, arm_seeds[arm], table, method, metric, keep)
                cells.append(interval(*bootstrap(values, rng_for(arm, table, method, metric))))
            lines.append(f"| {label(arm, method)} | " + " | ".join(cells) + " |")

    lines += ["", "## Paired differences", "",
              "| difference | " + " | ".join(f"{m} {t}" for m, t in COLUMNS) + " |",
              "|---|" + "---|" * len(COLUMNS)]
    for a, b in pairs:
        cells = []
        for metric, table in COLUMNS:
            both = shared(a, b)
            diff = paired(per_compound(work, a[0], both, table, a[1], metric, keep),
                          per_compound(work, b[0], both, table, b[1], metric, keep))
            p, lo, hi = bootstrap(diff, rng_for(*a, *b, table, metric))
            cells.append(interval(p, lo, hi) + (" *" if lo > 0 or hi < 0 else ""))
        lines.append(f"| {label(*a)} - {label(*b)} | " + " | ".join(cells) + " |")
    lines += ["", "`*`: the 95% interval excludes 0.", ""]

    lines += ["## Predicting the held-out compounds", "",
              "Each prediction (one per held-out compound and plate) queries the real treated "
              "wells, among the held-out compounds' wells and among all wells. Seeds resampled.",
              ""]
    with open(os.path.join(out_dir, "oracle.txt")) as f:
        lines += [f"Oracle: {line.strip()}" for line in f if line.strip()]
    lines += ["", "| arm / predictor | among held-out top-1 | top-5 | top-10 | among all top-1 | "
              "top-10 |", "|---|---|---|---|---|---|"]
    chance = None
    for arm in arms:
        frames = [pd.read_csv(os.path.join(work, arm, "eval", f"seed{s}", "predictions",
                                           "evaluation.csv")).set_index("method")
                  for s in arm_seeds[arm]]
        for predictor in PREDICTORS:
            cells = []
            for column in PREDICTION_COLUMNS:
                values = np.array([f.loc[predictor, column] for f in frames], dtype=float)
                cells.append(interval(*bootstrap({0: values}, rng_for(arm, predictor, column))))
            lines.append(f"| {label(arm, predictor)} | " + " | ".join(cells) + " |")
        chance = [frames[0].loc["micon", c.replace("top", "chance_top")]
                  for c in PREDICTION_COLUMNS]
    lines.append("| chance | " + " | ".join(f"{c:.3f}" for c in chance) + " |")
    lines.append("")

    text = "\n".join(lines)
    print(text)
    with open(os.path.join(work, "summary.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
