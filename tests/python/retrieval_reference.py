#!/usr/bin/env python3
"""Cross-modal retrieval checked end to end, by brute force in plain Python.

    retrieval_reference.py make DIR         a small `micon embed` output for a
                                            clip/cellclip model, and DIR/screen.json
    retrieval_reference.py check DIR EVAL NAME
                                            `micon evaluate --retrieval NAME=DIR
                                            --retrieval-split DIR/screen.json -o EVAL`
                                            against this file's own computation
    retrieval_reference.py summary SCRIPT WORK
                                            deploy/benchmark/cellclip_summary.py on a
                                            fixed two-seed input, its point estimates
                                            against sums done here

The protocol (docs/EVALUATION.md, core/metrics/cross_modal_retrieval.h): treated
wells only; compounds split into seen and held_out by the screen, each split
ranked among its own compounds' molecules and its own wells; cosine similarity;
a query's rank is 1 + the candidates scored strictly above its (best) positive.
Chance: well -> molecule R@k = min(k, M)/M, mean rank (M + 1)/2; molecule ->
well with m of W wells positive, R@k = 1 - C(W - m, k)/C(W, k), mean rank
(W + 1)/(m + 1).

`check` also plants errors in its own computation (ties against the query,
control wells as queries, every molecule a candidate, seen and held-out ranked
together, the mean instead of the best positive) and requires each to
disagree. Prints PASS, or FAIL: with what differs.
"""
import csv
import json
import math
import os
import random
import subprocess
import sys

KS = (1, 5, 10)
PLANTS = ["ties_against", "controls_query", "all_molecules_candidates",
          "one_split", "mean_positive_rank"]


def unit(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def cosine(a, b):
    return sum(x * y for x, y in zip(unit(a), unit(b)))


def make(folder):
    rnd = random.Random(7)
    dim = 6
    compounds = [f"cmpd-{i}" for i in range(14)]
    held_out = compounds[10:]
    molecules = {c: [rnd.gauss(0, 1) for _ in range(dim)] for c in compounds}
    molecules["cmpd-3"] = list(molecules["cmpd-2"])  # an exact tie
    molecules["no-wells"] = [rnd.gauss(0, 1) for _ in range(dim)]
    molecules["DMSO"] = [rnd.gauss(0, 1) for _ in range(dim)]
    rows = []
    for plate in ("P1", "P2"):
        for i, c in enumerate(compounds + ["DMSO"] * 4):
            for replicate in range(1 + (i % 3 == 0)):
                control = c == "DMSO"
                base = molecules.get(c, [0.0] * dim)
                # Near their molecule, some closer than others, norms not 1.
                noise = 0.6 + 0.25 * (i % 4)
                z = [3.0 * (b + noise * rnd.gauss(0, 1)) for b in base]
                rows.append([plate, f"{plate}-{i}-{replicate}", c,
                             "1" if control else "0"] + z)
    # Two treated wells with the same vector: exact ties among wells.
    rows[5][4:] = list(rows[2][4:])
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "well_projections.csv"), "w",
              newline="") as f:
        w = csv.writer(f)
        w.writerow(["Metadata_Plate", "Metadata_Well", "Metadata_Compound",
                    "Metadata_Control"] + [f"z_{k}" for k in range(dim)])
        for r in rows:
            w.writerow(r[:4] + [repr(x) for x in r[4:]])
    with open(os.path.join(folder, "molecule_projections.csv"), "w",
              newline="") as f:
        w = csv.writer(f)
        w.writerow(["Metadata_Compound", "Metadata_SMILES"]
                   + [f"z_{k}" for k in range(dim)])
        for c, v in molecules.items():
            w.writerow([c, "C"] + [repr(x) for x in v])
    with open(os.path.join(folder, "screen.json"), "w") as f:
        json.dump({"train_plates": ["P1", "P2"], "held_out_plates": [],
                   "held_out_compounds": held_out}, f)


def read_projections(folder):
    with open(os.path.join(folder, "well_projections.csv")) as f:
        wells = list(csv.DictReader(f))
    with open(os.path.join(folder, "molecule_projections.csv")) as f:
        molecules = {r["Metadata_Compound"]: r for r in csv.DictReader(f)}

    def vector(r):
        return [float(v) for k, v in r.items() if k.startswith("z_")]
    return ([(r["Metadata_Plate"] + "/" + r["Metadata_Well"],
              r["Metadata_Compound"], r["Metadata_Control"], vector(r))
             for r in wells],
            {c: vector(r) for c, r in molecules.items()})


def rank_of(positive, negatives, plant):
    if plant == "ties_against":
        return 1 + sum(s >= positive for s in negatives)
    return 1 + sum(s > positive for s in negatives)


def expected(folder, plant=None):
    """{(split, direction): [(query, compound, rank, chance hits, chance rank)]}"""
    wells, molecules = read_projections(folder)
    with open(os.path.join(folder, "screen.json")) as f:
        held_out = set(json.load(f)["held_out_compounds"])
    out = {}
    for split in ("seen", "held_out"):
        queries = [w for w in wells
                   if (w[2] == "0" or plant == "controls_query")
                   and ((w[1] in held_out) == (split == "held_out")
                        or plant == "one_split")
                   and w[1] in molecules]
        candidates = sorted({w[1] for w in queries})
        if plant == "all_molecules_candidates":
            candidates = sorted(molecules)
        m_count = len(candidates)
        rows = []
        for name, compound, _, z in queries:
            scores = {c: cosine(z, molecules[c]) for c in candidates}
            negatives = [s for c, s in scores.items() if c != compound]
            rows.append((name, compound, rank_of(scores[compound], negatives,
                                                 plant),
                         [min(k, m_count) / m_count for k in KS],
                         (m_count + 1) / 2))
        out[(split, "well_to_molecule")] = rows
        rows = []
        w_count = len(queries)
        for c in sorted({w[1] for w in queries}):
            scores = [(cosine(molecules[c], z), compound == c)
                      for _, compound, _, z in queries]
            positives = [s for s, p in scores if p]
            negatives = [s for s, p in scores if not p]
            if plant == "mean_positive_rank":
                rank = sum(rank_of(p, negatives, None) for p in positives) / len(
                    positives)
            else:
                rank = rank_of(max(positives), negatives, None)
            m = len(positives)
            hits = [1 - math.comb(w_count - m, k) / math.comb(w_count, k)
                    for k in KS]
            rows.append((c, c, rank, hits, (w_count + 1) / (m + 1)))
        out[(split, "molecule_to_well")] = rows
    return out


def close(a, b):
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


def differences(folder, eval_dir, name, plant=None):
    want = expected(folder, plant)
    problems = []
    with open(os.path.join(eval_dir, f"retrieval_queries_{name}.csv")) as f:
        got = {}
        for r in csv.DictReader(f):
            got.setdefault((r["split"], r["direction"]), {})[r["query"]] = r
    if set(got) != set(want):
        return [f"splits and directions {sorted(got)} != {sorted(want)}"]
    for key, rows in want.items():
        if len(got[key]) != len(rows):
            problems.append(f"{key}: {len(got[key])} queries, expected "
                            f"{len(rows)}")
            continue
        for query, compound, rank, hits, chance_rank in rows:
            r = got[key].get(query)
            if r is None:
                problems.append(f"{key}: no query {query}")
                continue
            if r["compound"] != compound or not close(float(r["rank"]), rank):
                problems.append(f"{key} {query}: rank {r['rank']}, expected "
                                f"{rank}")
            for k, h in zip(KS, hits):
                if not close(float(r[f"chance_R@{k}"]), h):
                    problems.append(f"{key} {query}: chance_R@{k} "
                                    f"{r[f'chance_R@{k}']}, expected {h}")
            if not close(float(r["chance_mean_rank"]), chance_rank):
                problems.append(f"{key} {query}: chance rank")
    with open(os.path.join(eval_dir, "retrieval.csv")) as f:
        summary = {(r["split"], r["direction"]): r for r in csv.DictReader(f)
                   if r["method"] == name}
    for key, rows in want.items():
        r = summary.get(key)
        if r is None:
            problems.append(f"retrieval.csv has no row {key}")
            continue
        n = len(rows)
        values = {"queries": n,
                  "candidates": len({q[1] for q in rows}) if key[1] ==
                  "well_to_molecule" else None,
                  "mean_rank": sum(q[2] for q in rows) / n,
                  "chance_mean_rank": sum(q[4] for q in rows) / n}
        for i, k in enumerate(KS):
            values[f"R@{k}"] = sum(q[2] <= k for q in rows) / n
            values[f"chance_R@{k}"] = sum(q[3][i] for q in rows) / n
        for column, v in values.items():
            if v is not None and not close(float(r[column]), v):
                problems.append(f"retrieval.csv {key} {column}: {r[column]}, "
                                f"expected {v}")
    return problems


def check(folder, eval_dir, name):
    problems = differences(folder, eval_dir, name)
    if problems:
        for p in problems[:10]:
            print("FAIL:", p)
        return 1
    want = expected(folder)
    print("micon evaluate --retrieval agrees with the brute force: "
          + ", ".join(f"{s} {d} {len(r)} queries" for (s, d), r in
                      sorted(want.items())))
    missed = [p for p in PLANTS if not differences(folder, eval_dir, name, p)]
    if missed:
        print("FAIL: planted errors the check does not see: " + ", ".join(missed))
        return 1
    print(f"PASS: {len(PLANTS)} planted errors caught")
    return 0


# cellclip_summary.py ---------------------------------------------------------

SUMMARY_METHODS = ["micon", "clip", "cellclip-hard", "cellclip-cwcl"]
RETRIEVAL_METHODS = ["clip", "cellclip-hard", "cellclip-cwcl"]
METRICS = ["top1_nss", "top1_nsb", "map_vs_compounds"]


def summary_input(work, seeds):
    """Per-compound values that differ per method, metric, table, split,
    direction and seed, so a swapped column shows. Returns what the summary's
    point estimates must be, computed here with plain sums."""
    want = {}
    compounds = ["a", "b", "c"]
    for s_index, seed in enumerate(seeds):
        for t_index, table in enumerate(["raw", "normalized"]):
            folder = os.path.join(work, "eval", f"seed{seed}", table)
            os.makedirs(folder, exist_ok=True)
            for m_index, method in enumerate(SUMMARY_METHODS):
                rows = []
                for c_index, c in enumerate(compounds):
                    rows.append([c] + [
                        round(0.01 * (1 + c_index) + 0.1 * m_index
                              + 0.03 * k + 0.005 * t_index + 0.002 * s_index,
                              6) for k in range(len(METRICS))])
                with open(os.path.join(folder, f"per_compound_{method}.csv"),
                          "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(["compound"] + METRICS)
                    w.writerows(rows)
                for k, metric in enumerate(METRICS):
                    mean = sum(r[1 + k] for r in rows) / len(rows)
                    want.setdefault(("replicate", method, metric, table),
                                    []).append(mean)
        folder = os.path.join(work, "eval", f"seed{seed}", "retrieval")
        os.makedirs(folder, exist_ok=True)
        for m_index, method in enumerate(RETRIEVAL_METHODS):
            rows = []
            for split in ("seen", "held_out"):
                for direction in ("molecule_to_well", "well_to_molecule"):
                    for c_index, c in enumerate(compounds):
                        # well -> molecule: two wells of c, two ranks.
                        queries = 1 if direction == "molecule_to_well" else 2
                        for q in range(queries):
                            rank = 1 + (c_index * 4 + m_index * 3 + q * 7
                                        + s_index + (split == "seen") * 5) % 13
                            rows.append([split, direction, f"{c}-{q}", c, rank,
                                         0.1, 0.3, 0.5, 6.5])
            with open(os.path.join(folder, f"retrieval_queries_{method}.csv"),
                      "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["split", "direction", "query", "compound", "rank",
                            "chance_R@1", "chance_R@5", "chance_R@10",
                            "chance_mean_rank"])
                w.writerows(rows)
            for split in ("seen", "held_out"):
                for direction in ("molecule_to_well", "well_to_molecule"):
                    mine = [r for r in rows if r[0] == split and r[1] == direction]
                    for column, f_value in [
                            ("R@1", lambda r: r[4] <= 1),
                            ("R@5", lambda r: r[4] <= 5),
                            ("R@10", lambda r: r[4] <= 10),
                            ("mean rank", lambda r: r[4])]:
                        per = {}
                        for r in mine:
                            per.setdefault(r[3], []).append(float(f_value(r)))
                        mean = sum(sum(v) / len(v) for v in per.values()) / len(per)
                        want.setdefault(("retrieval", method, split, direction,
                                         column), []).append(mean)
    means = {k: sum(v) / len(v) for k, v in want.items()}
    # Chance is the queries' own (constant here); the paired rows are
    # molecule -> well R@10 differences, compound by compound.
    for split in ("seen", "held_out"):
        for direction in ("molecule_to_well", "well_to_molecule"):
            for column, value in zip(("R@1", "R@5", "R@10", "mean rank"),
                                     (0.1, 0.3, 0.5, 6.5)):
                means[("retrieval", "chance", split, direction, column)] = value
        hit10 = {m: means[("retrieval", m, split, "molecule_to_well", "R@10")]
                 for m in RETRIEVAL_METHODS}
        for a, b in [("cellclip-hard", "clip"), ("cellclip-cwcl", "clip"),
                     ("cellclip-cwcl", "cellclip-hard")]:
            means[("paired", f"{a} - {b}", split)] = hit10[a] - hit10[b]
        for m in RETRIEVAL_METHODS:
            means[("paired", f"{m} - chance", split)] = hit10[m] - 0.5
    return means


def summary(script, work):
    seeds = ["1", "2"]
    want = summary_input(work, seeds)
    result = subprocess.run([sys.executable, script, work] + seeds,
                            capture_output=True, text=True)
    if result.returncode != 0:
        print("FAIL: cellclip_summary.py exited", result.returncode,
              result.stderr)
        return 1
    with open(os.path.join(work, "summary.md")) as f:
        lines = f.read().splitlines()
    problems = []

    def cell(text):
        point, interval = text.strip().split(" [")
        low, high = (float(x) for x in interval.rstrip("]").split(", "))
        return float(point), low, high

    checked = 0
    section = None
    for line in lines:
        if line.startswith("## "):
            section = line
            continue
        parts = [p.strip() for p in line.strip("|").split("|")]
        if not line.startswith("| ") or " [" not in line:
            continue
        if section.startswith("## Replicate"):
            keys = [("replicate", parts[0], m, t) for m in METRICS
                    for t in ("raw", "normalized")]
        elif section.startswith("## Cross-modal"):
            keys = [("retrieval", parts[0], parts[1], parts[2], c)
                    for c in ("R@1", "R@5", "R@10", "mean rank")]
            parts = [parts[0]] + parts[3:]
        else:
            keys = [("paired", parts[0], split) for split in ("seen", "held_out")]
        if len(keys) != len(parts) - 1:
            problems.append(f"{section}: row {line!r} has {len(parts) - 1} "
                            f"cells, expected {len(keys)}")
            continue
        for key, text in zip(keys, parts[1:]):
            point, low, high = cell(text)
            checked += 1
            if key not in want:
                problems.append(f"{key}: not expected")
            elif abs(point - want[key]) > 0.0005 + 1e-9:
                problems.append(f"{key}: {point}, expected {want[key]:.4f}")
            if not low - 1e-9 <= point <= high + 1e-9:
                problems.append(f"{key}: point {point} outside [{low}, {high}]")
    expected_cells = (len(SUMMARY_METHODS) * 2 * len(METRICS)
                      + (len(RETRIEVAL_METHODS) + 1) * 4 * 4
                      + 2 * 2 * len(RETRIEVAL_METHODS))
    if checked != expected_cells:
        problems.append(f"read {checked} cells, expected {expected_cells}")
    if problems:
        for p in problems[:10]:
            print("FAIL:", p)
        return 1
    print(f"PASS: {checked} point estimates of cellclip_summary.py match")
    return 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "make":
        make(sys.argv[2])
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        return check(*sys.argv[2:])
    if len(sys.argv) == 4 and sys.argv[1] == "summary":
        return summary(*sys.argv[2:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
