#!/usr/bin/env python3
"""CellCLIP against MICON and CLIP on pixels, from deploy/benchmark/cellclip.sh's evaluations.

    cellclip_summary.py CELLCLIP_DIR SEED...

Reads CELLCLIP_DIR/eval/seedS/{raw,normalized}/per_compound_<method>.csv and
CELLCLIP_DIR/eval/seedS/retrieval/retrieval_queries_<method>.csv; prints, and writes to
CELLCLIP_DIR/summary.md:

1. Replicate retrieval on held-out plates (top-1 NSS/NSB, mAP vs compounds), raw and normalised,
   for MICON and CLIP on pixels and CellCLIP with hard and CWCL targets.
2. Cross-modal retrieval on the held-out plates' wells: R@1/5/10 and mean rank of CLIP and
   CellCLIP, seen and held-out compounds, both directions, beside chance.
3. Paired differences: CellCLIP - CLIP, and each method - chance.

Intervals: the two-level bootstrap of summary.py (seeds, then compounds within each seed). A
compound's retrieval value is its own query's (molecule -> well) or the mean over its wells'
queries (well -> molecule), so every compound weighs the same; chance is bootstrapped with it.
"""
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from summary import bootstrap, interval, paired, per_compound, rng_for  # noqa: E402

REPLICATE_METHODS = ["micon", "clip", "cellclip-hard", "cellclip-cwcl"]
RETRIEVAL_METHODS = ["clip", "cellclip-hard", "cellclip-cwcl"]
REPLICATE_METRICS = ["top1_nss", "top1_nsb", "map_vs_compounds"]
TABLES = ["raw", "normalized"]
SPLITS = ["seen", "held_out"]
DIRECTIONS = ["molecule_to_well", "well_to_molecule"]
KS = [1, 5, 10]


def retrieval_values(work, seeds, method, split, direction, column):
    """{seed: Series compound -> mean over the compound's queries of `column`}."""
    out = {}
    for seed in seeds:
        path = os.path.join(work, "eval", f"seed{seed}", "retrieval",
                            f"retrieval_queries_{method}.csv")
        q = pd.read_csv(path, float_precision="round_trip")
        q = q[(q["split"] == split) & (q["direction"] == direction)]
        if column.startswith("hit@"):
            k = int(column[4:])
            values = (q["rank"] <= k).astype(float)
        else:
            values = q[column].astype(float)
        out[seed] = values.groupby(q["compound"]).mean()
    return out


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    work, seeds = sys.argv[1], sys.argv[2:]
    lines = [f"# CellCLIP in the benchmark, seeds {' '.join(seeds)}", "",
             "Mean over seeds of the mean over compounds; [95% interval], two-level bootstrap "
             "(seeds, then compounds). Queries and candidates: wells of the held-out plates.", ""]

    lines += ["## Replicate retrieval (held-out plates)", "",
              "| method | " + " | ".join(f"{m} raw | norm" for m in REPLICATE_METRICS) + " |",
              "|---|" + "---|---|" * len(REPLICATE_METRICS)]
    for method in REPLICATE_METHODS:
        cells = []
        for metric in REPLICATE_METRICS:
            for table in TABLES:
                values = per_compound(work, seeds, table, method, metric)
                cells.append(interval(*bootstrap(values, rng_for(table, method, metric))))
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    lines.append("")

    columns = [f"hit@{k}" for k in KS] + ["rank"]
    chance_columns = [f"chance_R@{k}" for k in KS] + ["chance_mean_rank"]
    names = [f"R@{k}" for k in KS] + ["mean rank"]
    lines += ["## Cross-modal retrieval (held-out plates)", "",
              "| method | split | direction | " + " | ".join(names) + " |",
              "|---|---|---|" + "---|" * len(names)]
    cache = {}
    for split in SPLITS:
        for direction in DIRECTIONS:
            for method in RETRIEVAL_METHODS + ["chance"]:
                cells = []
                for column, chance_column in zip(columns, chance_columns):
                    source = "clip" if method == "chance" else method
                    col = chance_column if method == "chance" else column
                    values = retrieval_values(work, seeds, source, split, direction, col)
                    cache[(method, split, direction, column)] = values
                    cells.append(interval(*bootstrap(
                        values, rng_for("retrieval", method, split, direction, column))))
                lines.append(f"| {method} | {split} | {direction} | " + " | ".join(cells) + " |")
    lines.append("")

    lines += ["## Paired differences, molecule -> well R@10", "",
              "| difference | seen | held_out |", "|---|---|---|"]
    pairs = [("cellclip-hard", "clip"), ("cellclip-cwcl", "clip"),
             ("cellclip-cwcl", "cellclip-hard")] + [(m, "chance") for m in RETRIEVAL_METHODS]
    for a, b in pairs:
        cells = []
        for split in SPLITS:
            key = ("molecule_to_well", "hit@10")
            if b == "chance":
                chance = retrieval_values(work, seeds, a, split, "molecule_to_well",
                                          "chance_R@10")
                diff = paired(cache[(a, split) + key], chance)
            else:
                diff = paired(cache[(a, split) + key], cache[(b, split) + key])
            cells.append(interval(*bootstrap(diff, rng_for("paired", a, b, split))))
        lines.append(f"| {a} - {b} | " + " | ".join(cells) + " |")
    lines.append("")

    text = "\n".join(lines)
    print(text)
    with open(os.path.join(work, "summary.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
