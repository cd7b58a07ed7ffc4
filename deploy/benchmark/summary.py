#!/usr/bin/env python3
"""The benchmark's tables and intervals, from deploy/benchmark.sh's evaluations.

    summary.py MODE_DIR SEED...

Reads MODE_DIR/eval/seedS/{raw,normalized}/per_compound_<method>.csv and
MODE_DIR/eval/seedS/predictions/evaluation.csv for every seed; prints, and writes to
MODE_DIR/summary.md (with charts: MODE_DIR/summary.png, top-1 NSS; MODE_DIR/losses.png, the
training losses):

1. Replicate retrieval on held-out plates: top-1 NSS/NSB and mAP raw and normalised side by side,
   then the paper's layout (NSB and NSS top-1/5/10, mAP) for each: per method the mean over
   seeds of the mean over query compounds, with a 95% interval.
2. Paired differences (MICON - PaCLR, PaCLR - SimCLR, ..., learned - hand-crafted) with 95%
   intervals.
3. The generator against the ridge baseline on the held-out compounds.

Intervals are percentile intervals of a two-level bootstrap: the seeds are resampled with
replacement, and within each drawn seed the query compounds are resampled with replacement
(independently for every draw). Differences are paired: both methods take the same seeds and the
same compounds. Per-compound values are the compound's mAP, or the share of its query wells
(wells on held-out plates) whose nearest same-compound well is within the top k, so every
compound weighs the same. The prediction table has six held-out compounds, so it resamples seeds
only. Hand-crafted features do not depend on the training seed: the same values enter every seed.
Each number has its own random generator, seeded from its name, so adding a table changes no
other number.
"""
import os
import subprocess
import sys
import zlib

import numpy as np
import pandas as pd

REPLICATES = 4000
LEARNED = ["micon", "paclr", "simclr", "clip"]
METHODS = LEARNED + ["handcrafted"]
# The paper's layout: not-same-batch and not-same-source top-k, then mAP.
METRICS = ["top1_nsb", "top5_nsb", "top10_nsb", "top1_nss", "top5_nss", "top10_nss",
           "map_vs_compounds", "map_vs_dmso"]
SIDE_BY_SIDE = ["top1_nss", "top1_nsb", "map_vs_compounds"]
TABLES = ["raw", "normalized"]
TABLE_NAMES = {"raw": "raw profiles", "normalized": "MAD per plate + ZCA per batch"}
PAIRS = [("micon", "paclr"), ("paclr", "simclr"), ("micon", "simclr"), ("micon", "clip"),
         ("paclr", "clip"), ("micon", "handcrafted"), ("paclr", "handcrafted"),
         ("simclr", "handcrafted"), ("clip", "handcrafted")]
PREDICTORS = ["micon", "micon-ridge", "handcrafted-ridge"]


def per_compound(mode_dir, seeds, table, method, metric):
    """{seed: pandas.Series compound -> value}"""
    out = {}
    for seed in seeds:
        path = os.path.join(mode_dir, "eval", f"seed{seed}", table, f"per_compound_{method}.csv")
        frame = pd.read_csv(path, float_precision="round_trip").set_index("compound")
        out[seed] = frame[metric].dropna()
    return out


def rng_for(*key):
    """A generator per quantity, so no number depends on which others were computed first."""
    return np.random.default_rng(zlib.crc32("/".join(key).encode()))


def bootstrap(values_by_seed, rng):
    """Point estimate and 95% interval of the mean over seeds of the mean over compounds."""
    seeds = list(values_by_seed)
    arrays = [np.asarray(values_by_seed[s], dtype=np.float64) for s in seeds]
    point = float(np.mean([a.mean() for a in arrays]))
    # means[s][b, k]: seed s's mean over an independent compound resample, draw k of replicate b.
    means = [a[rng.integers(0, len(a), (REPLICATES, len(seeds), len(a)))].mean(2) for a in arrays]
    drawn = rng.integers(0, len(seeds), (REPLICATES, len(seeds)))
    stacked = np.stack(means)  # [seed, replicate, draw]
    replicate = stacked[drawn, np.arange(REPLICATES)[:, None], np.arange(len(seeds))[None, :]]
    low, high = np.percentile(replicate.mean(1), [2.5, 97.5])
    return point, float(low), float(high)


def paired(a_by_seed, b_by_seed):
    """Per seed, the per-compound differences over the compounds both methods scored."""
    out = {}
    for seed in a_by_seed:
        a, b = a_by_seed[seed].align(b_by_seed[seed], join="inner")
        out[seed] = (a - b).to_numpy()
    return out


def interval(point, low, high):
    return f"{point:.3f} [{low:.3f}, {high:.3f}]"


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    mode_dir, seeds = sys.argv[1], sys.argv[2:]
    lines = [f"# Benchmark summary: {os.path.basename(os.path.normpath(mode_dir))}, "
             f"seeds {' '.join(seeds)}", "",
             "Mean over seeds of the mean over query compounds; [95% interval], two-level "
             f"bootstrap (seeds, then compounds; {REPLICATES} replicates). Queries: treated wells "
             "of the held-out plates. norm = robust MAD per plate, then ZCA per batch, "
             "both fitted on DMSO wells.", ""]

    values = {}  # (table, method, metric) -> (point, low, high)
    for table in TABLES:
        for method in METHODS:
            for metric in METRICS:
                values[(table, method, metric)] = bootstrap(
                    per_compound(mode_dir, seeds, table, method, metric),
                    rng_for(table, method, metric))

    lines += ["## Raw and normalised side by side", "",
              "| method | " + " | ".join(f"{m} raw | norm" for m in SIDE_BY_SIDE) + " |",
              "|---|" + "---|---|" * len(SIDE_BY_SIDE)]
    for method in METHODS:
        cells = [interval(*values[(t, method, m)]) for m in SIDE_BY_SIDE for t in TABLES]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    lines.append("")
    for table in TABLES:
        lines += [f"## The paper's layout, {TABLE_NAMES[table]}", "",
                  "| method | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
        for method in METHODS:
            cells = [interval(*values[(table, method, m)]) for m in METRICS]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")

    lines += ["## Paired differences", "",
              "| difference | " + " | ".join(f"{m} raw | norm" for m in SIDE_BY_SIDE) + " |",
              "|---|" + "---|---|" * len(SIDE_BY_SIDE)]
    for a, b in PAIRS:
        cells = []
        for metric in SIDE_BY_SIDE:
            for table in TABLES:
                diff = paired(per_compound(mode_dir, seeds, table, a, metric),
                              per_compound(mode_dir, seeds, table, b, metric))
                p, lo, hi = bootstrap(diff, rng_for(table, a, b, metric))
                cells.append(interval(p, lo, hi) + (" *" if lo > 0 or hi < 0 else ""))
        lines.append(f"| {a} - {b} | " + " | ".join(cells) + " |")
    lines += ["", "`*`: the 95% interval excludes 0.", ""]
    chart = [(method, table) + values[(table, method, "top1_nss")]
             for method in METHODS for table in TABLES]

    # The generator: seeds resampled (six held-out compounds are too few to resample).
    frames = {s: pd.read_csv(os.path.join(mode_dir, "eval", f"seed{s}", "predictions",
                                          "evaluation.csv")).set_index("method")
              for s in seeds}
    lines += ["## Predicting the held-out compounds", "",
              "Each prediction (one per held-out compound and plate) queries the real treated "
              "wells: among the held-out compounds' wells only (the reference's protocol) and "
              "among all wells. Seeds resampled; chance beside.", "",
              "| predictor | among held-out: top-1 | top-5 | top-10 | chance top-1 | top-5 | "
              "top-10 | among all: top-1 | top-10 | chance top-1 | top-10 |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    columns = ["predicted_among_predicted_top1", "predicted_among_predicted_top5",
               "predicted_among_predicted_top10", "predicted_among_predicted_chance_top1",
               "predicted_among_predicted_chance_top5", "predicted_among_predicted_chance_top10",
               "predicted_top1", "predicted_top10", "predicted_chance_top1",
               "predicted_chance_top10"]
    seed_values = {}
    for predictor in PREDICTORS:
        cells = []
        for column in columns:
            values = np.array([frames[s].loc[predictor, column] for s in seeds], dtype=float)
            seed_values[(predictor, column)] = values
            p, lo, hi = bootstrap({0: values}, rng_for(predictor, column))
            cells.append(interval(p, lo, hi))
        lines.append(f"| {predictor} | " + " | ".join(cells) + " |")
    lines += ["", "| difference | among held-out top-1 | top-5 | top-10 |", "|---|---|---|---|"]
    for a, b in [("micon", "micon-ridge"), ("micon", "handcrafted-ridge")]:
        cells = []
        for column in columns[:3]:
            diff = seed_values[(a, column)] - seed_values[(b, column)]
            p, lo, hi = bootstrap({0: diff}, rng_for(a, b, column))
            cells.append(interval(p, lo, hi) + (" *" if lo > 0 or hi < 0 else ""))
        lines.append(f"| {a} - {b} | " + " | ".join(cells) + " |")
    lines.append("")

    text = "\n".join(lines)
    print(text)
    with open(os.path.join(mode_dir, "summary.md"), "w") as f:
        f.write(text)
    # Top-1 NSS per method, raw and normalised bars side by side, with their intervals.
    tsv = os.path.join(mode_dir, "summary.tsv")
    with open(tsv, "w") as f:
        for method, table, p, lo, hi in chart:
            x = METHODS.index(method) + (-0.18 if table == "raw" else 0.18)
            f.write(f"{x}\t{method}\t{table}\t{p}\t{lo}\t{hi}\n")
    png = os.path.join(mode_dir, "summary.png")
    title = os.path.basename(os.path.normpath(mode_dir))
    script = (f"set terminal pngcairo size 720,420; set output '{png}'; "
              f"set title 'held-out plates, {title} mode, seeds {seeds[0]}-{seeds[-1]}'; "
              "set style fill solid 0.7; set boxwidth 0.34; set yrange [0:*]; "
              "set ylabel 'top-1 not-same-source, 95% interval'; set key below; "
              f"set xtics ({', '.join(f'{chr(39)}{m}{chr(39)} {i}' for i, m in enumerate(METHODS))}); "
              f"plot '{tsv}' using (strcol(3) eq 'raw' ? $1 : 1/0):4 with boxes lc rgb '#4477aa' "
              "title 'raw', "
              f"'' using (strcol(3) eq 'normalized' ? $1 : 1/0):4 with boxes lc rgb '#ee6677' "
              "title 'MAD per plate + ZCA per batch', "
              "'' using 1:4:5:6 with yerrorbars lc rgb 'black' pt 0 notitle")
    if subprocess.run(["gnuplot", "-e", script], capture_output=True).returncode != 0:
        print(f"summary: gnuplot failed; the values are in {tsv}", file=sys.stderr)
    plot_losses(mode_dir, seeds)


def plot_losses(mode_dir, seeds):
    """losses.png: each objective's training loss, mean over seeds, 10-step moving average."""
    tsv = os.path.join(mode_dir, "losses.tsv")
    curves = {}
    for objective in LEARNED:
        runs = []
        for seed in seeds:
            path = os.path.join(mode_dir, "runs", f"seed{seed}", objective, "metrics.jsonl")
            runs.append(pd.read_json(path, lines=True).set_index("step")["loss"])
        mean = pd.concat(runs, axis=1).mean(axis=1)
        curves[objective] = mean.rolling(10, min_periods=1).mean()
    pd.DataFrame(curves).to_csv(tsv, sep="\t", header=False)
    png = os.path.join(mode_dir, "losses.png")
    plots = ", ".join(f"'{tsv}' using 1:{i + 2} with lines lw 2 title '{o}'"
                      for i, o in enumerate(LEARNED))
    script = (f"set terminal pngcairo size 720,400; set output '{png}'; "
              f"set title 'training loss, mean of seeds {seeds[0]}-{seeds[-1]}, "
              "10-step moving average'; set xlabel 'step'; set ylabel 'loss'; "
              f"set key outside right; plot {plots}")
    if subprocess.run(["gnuplot", "-e", script], capture_output=True).returncode != 0:
        print(f"summary: gnuplot failed; the curves are in {tsv}", file=sys.stderr)


if __name__ == "__main__":
    main()
