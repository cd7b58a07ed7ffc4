#!/usr/bin/env bash
# CellCLIP from a per-channel embedding store vs CLIP on pixels, at the same global batch (24
# samples) and the benchmark's settings, on this machine: mean and median step time, samples/s and
# wells/s (from the mean, the rate a run sees: CPU steps here vary 2-5x from one to the next).
#
#   bash tests/bench/cellclip_speed.sh SCREEN STORE OUT [STEPS]
#
# SCREEN: a plate store (deploy/benchmark.sh's hard screen); STORE: its per-channel embedding
# store (`micon embed --per-channel`; deploy/benchmark/cellclip.sh writes one). A CLIP sample is
# one field of a well; a CellCLIP sample is a whole well, every one of its fields. CLIP's wells/s
# is its fields/s over the mean fields per treated well, the rate at which it sees each well's
# fields once; CellCLIP's is its samples/s. The store is made once per frozen encoder; its cost is
# reported beside (deploy/benchmark/cellclip.sh's store_seconds.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 3 ] || { echo "usage: $0 SCREEN STORE OUT [STEPS]"; exit 2; }
screen=$1 store=$2 out=$3 steps=${4:-40}
micon=${MICON:-build/launch/micon}
rm -rf "$out/clip" "$out/cellclip"
mkdir -p "$out"
common=(--set train.steps="$steps" --set train.log_every="$steps" --set checkpoint.every_steps=0
        --set checkpoint.every_minutes=0 --set schedule.warmup_steps=0)
"$micon" train --config deploy/configs/benchmark.yaml "${common[@]}" --set loss.objective=clip \
  --set data.dataset="$screen" --set run.dir="$out/clip" > "$out/clip.log" 2>&1
"$micon" train --config deploy/configs/benchmark-cellclip.yaml "${common[@]}" \
  --set data.dataset="$store" --set run.dir="$out/cellclip" > "$out/cellclip.log" 2>&1
/usr/bin/python3 - "$out" "$screen" <<'PY'
import glob, json, statistics, sys
import h5py
out, screen = sys.argv[1:]
fields = {}
for path in glob.glob(f"{screen}/plates/*.h5"):
    with h5py.File(path, "r") as f:
        for well, control in zip(f["well"].asstr()[:], f["control"][:]):
            if not control:
                fields[(path, well)] = fields.get((path, well), 0) + 1
per_well = statistics.mean(fields.values())
print(f"mean fields per treated well: {per_well:.2f}")
print("| method | sample | mean step (s) | median step (s) | samples/s | wells/s |")
print("|---|---|---:|---:|---:|---:|")
rates = {}
for method, sample in [("clip", "a field"), ("cellclip", "a well, all its fields")]:
    rows = [json.loads(l) for l in open(f"{out}/{method}/metrics.jsonl")]
    steady = [r["step_seconds"] for r in rows[len(rows) // 4:]]  # after warm-up
    step = statistics.mean(steady)
    samples = rows[-1]["samples"] / step
    wells = samples / per_well if method == "clip" else samples
    rates[method] = wells
    print(f"| {method} | {sample} | {step:.4f} | {statistics.median(steady):.4f} | "
          f"{samples:.1f} | {wells:.1f} |")
print(f"cellclip / clip wells/s: {rates['cellclip'] / rates['clip']:.1f}x")
PY
