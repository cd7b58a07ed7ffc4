#!/usr/bin/env bash
# micon merge-profiles over a screen of per-plate CSV.gz files, beside the
# pandas way (read every file, concat on the common columns): wall time and
# peak memory of each, and whether their features agree exactly
# (docs/PERFORMANCE.md, "Merging per-plate profile files").
#
#   bash tests/bench/merge_profiles_scale.sh OUT_DIR [PLATES] [FEATURES]
set -euo pipefail
out=${1:?usage: merge_profiles_scale.sh OUT_DIR [PLATES] [FEATURES]}
plates=${2:-300}
features=${3:-500}
here=$(cd "$(dirname "$0")" && pwd)
micon=${MICON:-$here/../../build/launch/micon}
dir=$out/plates_${plates}x$features
[[ -d $dir ]] || /usr/bin/python3 "$here/per_plate_profiles.py" "$plates" "$dir" --features "$features"
echo "inputs: $(du -sh "$dir" | cut -f1) of CSV.gz in $plates files"

echo "== micon merge-profiles --features common"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$micon" merge-profiles --features common \
  --progress-seconds 0 -o "$out/merged.h5" "$dir"

# round_trip: pandas' exact parser. Its default one is faster but misreads
# about a third of full-precision values by one unit in the last place.
echo "== pandas: read_csv(float_precision='round_trip') of every file, concat(join='inner')"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" /usr/bin/python3 - "$dir" "$out/pandas.npy" <<'PY'
import glob, sys
import numpy as np
import pandas as pd
files = sorted(glob.glob(sys.argv[1] + "/*.csv.gz"))
merged = pd.concat([pd.read_csv(f, float_precision="round_trip") for f in files],
                   join="inner", ignore_index=True)
features = [c for c in merged.columns if not c.startswith("Metadata_")]
print(f"pandas: {len(merged)} rows, {len(features)} features")
np.save(sys.argv[2], merged[sorted(features, key=lambda c: int(c[2:]))].to_numpy())
PY

/usr/bin/python3 - "$out/merged.h5" "$out/pandas.npy" <<'PY'
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1]) as f:
    names = f["feature_names"].asstr()[:]
    order = np.argsort([int(n[2:]) for n in names])
    micon = f["features"][:][:, order]
pandas = np.load(sys.argv[2])
same = micon.shape == pandas.shape and np.array_equal(micon, pandas)
print(f"features {micon.shape}: {'identical to' if same else 'DIFFERENT from'} pandas'")
PY
