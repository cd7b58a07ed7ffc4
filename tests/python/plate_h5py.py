#!/usr/bin/python3
"""Plate-store interoperability with h5py and pandas, independent of micon's code.

  plate_h5py.py write DIR    writes a dataset the way a Python user would (several h5py
                             spellings of the same contract) for micon to read
  plate_h5py.py check FILE   reads a plate micon wrote with h5py and pandas and checks it

Pixels follow pixel_value() so both sides can verify every value without sharing files.
"""
import os
import sys

import h5py
import numpy as np
import pandas as pd

CHANNELS = ["DNA", "ER", "RNA", "AGP", "Mito"]


def pixel_value(i, c, h, w, modulus=65536):
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    return ((i * 7919 + c * 104729 + y * w + x) % modulus).astype(np.int64)


def images(n, c, h, w, dtype):
    modulus = 256 if dtype == np.uint8 else 65536
    out = np.zeros((n, c, h, w), dtype=dtype)
    for i in range(n):
        for k in range(c):
            out[i, k] = pixel_value(i, k, h, w, modulus)
    return out


def write(root):
    os.makedirs(os.path.join(root, "plates"), exist_ok=True)
    pd.DataFrame({"compound_id": ["cpd-a", "cpd-b"],
                  "smiles": ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"],
                  "moa": ["COX inhibitor", "adenosine antagonist"]}).to_csv(
                      os.path.join(root, "compounds.csv"), index=False)
    n, h, w = 4, 12, 10
    # Plate A: the defaults h5py gives for Python str (variable-length UTF-8), int32, uint8.
    with h5py.File(os.path.join(root, "plates", "PA.h5"), "w") as f:
        f.create_dataset("images", data=images(n, 5, h, w, np.uint16), chunks=(1, 5, h, w))
        f["well"] = np.array(["A01", "A01", "B02", "C03"], dtype=h5py.string_dtype())
        f["site"] = np.array([1, 2, 1, 1], dtype=np.int32)
        f["compound"] = np.array(["cpd-a", "cpd-a", "DMSO", "cpd-b"], dtype=h5py.string_dtype())
        f["control"] = np.array([0, 0, 1, 0], dtype=np.uint8)
        f.attrs["source"] = "source_1"
        f.attrs["batch"] = "batch_1"
        f.attrs["plate"] = "PA"
        f.attrs["channels"] = CHANNELS
    # Plate B: other spellings users produce: fixed-length byte strings, int64 sites, numpy
    # bool controls (an HDF5 enum), uint8 pixels, gzip compression.
    with h5py.File(os.path.join(root, "plates", "PB.h5"), "w") as f:
        f.create_dataset("images", data=images(n, 5, h, w, np.uint8), chunks=(1, 5, h, w),
                         compression="gzip")
        f["well"] = np.array([b"A01", b"B02", b"B02", b"D04"])
        f["site"] = np.array([0, 0, 1, 0], dtype=np.int64)
        f["compound"] = np.array([b"cpd-b", b"DMSO", b"DMSO", b"cpd-a"])
        f["control"] = np.array([False, True, True, False])
        f.attrs["source"] = np.bytes_("source_2")
        f.attrs["batch"] = "batch_2"
        f.attrs["plate"] = "PB"
        f.attrs["channels"] = np.array([c.encode() for c in CHANNELS])


def check(path):
    with h5py.File(path, "r") as f:
        imgs = f["images"]
        n, c, h, w = imgs.shape
        assert imgs.dtype == np.uint16, imgs.dtype
        assert imgs.chunks == (1, c, h, w), imgs.chunks
        data = imgs[()]
        for i in range(n):
            for k in range(c):
                assert (data[i, k] == pixel_value(i, k, h, w)).all(), (i, k)
        for name in ("well", "compound"):
            assert h5py.check_string_dtype(f[name].dtype).encoding == "utf-8", name
        assert f["site"].dtype == np.int32 and f["control"].dtype == np.uint8
        table = pd.DataFrame({
            "well": f["well"].asstr()[()], "site": f["site"][()],
            "compound": f["compound"].asstr()[()], "control": f["control"][()]})
        attrs = {k: f.attrs[k] for k in ("source", "batch", "plate")}
        channels = [str(x) for x in f.attrs["channels"]]
    assert len(table) == n and len(channels) == c
    print("attrs", attrs["source"], attrs["batch"], attrs["plate"], ",".join(channels))
    for row in table.itertuples(index=False):
        print("row", row.well, row.site, row.compound, row.control)
    print("OK")


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1]](sys.argv[2])
