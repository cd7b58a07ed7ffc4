#!/usr/bin/python3
"""Writes the fuzz targets' seed inputs into tests/fuzz/seeds/<target>/ (committed; small).

Real content where it is small enough: the JUMP-MOA compound table and platemap, a load_data
table in the shape the demo writes, a real profile CSV's first rows and columns (from
../shared/data); tiny TIFFs and plate files in every pixel type and layout micon reads; a
checkpoint payload (the fuzzer adds the header and CRC). Run with Debian's python3 (h5py,
Pillow, numpy):  /usr/bin/python3 tests/fuzz/make_seeds.py [SHARED_DATA [CHECKPOINT]]
CHECKPOINT: a checkpoint `micon train` wrote, whose training state (its metadata field) becomes
the seed checkpoint/real-state, with the model and optimiser fields emptied.
"""
import gzip, io, os, sys

import h5py
import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../shared/data")
checkpoint = sys.argv[2] if len(sys.argv) > 2 else None
seeds = os.path.join(here, "seeds")


def put(target, name, data):
    os.makedirs(os.path.join(seeds, target), exist_ok=True)
    with open(os.path.join(seeds, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def head(path, lines, columns=None, sep="\t"):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        rows = [next(f).rstrip("\n") for _ in range(lines)]
    if columns:
        rows = [sep.join(r.split(sep)[:columns]) for r in rows]
    return "\n".join(rows) + "\n"


moa = os.path.join(shared, "jump_moa")
compounds = head(os.path.join(moa, "JUMP-MOA_compound_metadata.tsv"), 4, 8)
platemap = head(os.path.join(moa, "JUMP-MOA_compound_platemap.tsv"), 5)

# config: the demo's configuration, and overrides.
with open(os.path.join(here, "../../deploy/configs/demo.yaml")) as f:
    put("config", "demo.yaml", f.read())
put("config", "overrides.yaml",
    "run:\n  dir: runs/x\n  seed: 3\n--set loss.objective=paclr\n--set model.arch=resnet50\n"
    "--set optimizer.betas=[0.9,0.99]\n--set data.batch_size=4\n")

# table: the first byte picks the reader (table_fuzzer.cc): '2' csv, '3' tsv, '4' csv.gz,
# '0' compound table, '1' profile CSV.
put("table", "csv", "2" + "a,b,\"c,d\"\n1,2,\"x\"\"y\"\n3,4,5\n")
put("table", "tsv", "3" + platemap)
put("table", "gz", b"4" + gzip.compress(b"well,compound\nA01,DMSO\nA02,BRD-K1\n"))
put("table", "compounds", "0" + compounds.replace("\t", ","))
profiles = os.path.join(shared, "profiles_cpg0002_BR00117060a10x",
                        "BR00117060a10x_normalized_feature_select_negcon_plate.csv.gz")
put("table", "profiles", "1" + head(profiles, 4, 14, sep=","))

# load_data: the demo's load_data shape, then "=====", then a platemap.
load_data = ("Metadata_Plate,Metadata_Well,Metadata_Site,FileName_OrigDNA,PathName_OrigDNA\n"
             "P1,A01,1,a.tif,/nonexistent\nP1,A02,1,b.tif,/nonexistent\n")
put("load_data", "small", load_data + "=====\n" + platemap)

# smiles: one per file.
for i, line in enumerate(compounds.splitlines()[1:]):
    put("smiles", f"moa{i}", line.split("\t")[7])
put("smiles", "charged", "[NH4+].[Cl-]")
put("smiles", "aromatic", "c1ccc2c(c1)[nH]c1ccccc12")

# tiff: 16-bit raw and LZW, 8-bit, as the converter reads them.
pixels = (np.arange(64, dtype=np.uint16) * 1000).reshape(8, 8)
for name, image, compression in [("u16-raw", Image.fromarray(pixels), None),
                                 ("u16-lzw", Image.fromarray(pixels), "tiff_lzw"),
                                 ("u8", Image.fromarray((pixels // 256).astype(np.uint8)), None)]:
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF", compression=compression)
    put("tiff", name, buffer.getvalue())

# plate: the store's layout with uint16 and uint8 pixels (docs/PLATE_STORE.md).
os.makedirs(os.path.join(seeds, "plate"), exist_ok=True)
for name, dtype in [("u16.h5", np.uint16), ("u8.h5", np.uint8)]:
    with h5py.File(os.path.join(seeds, "plate", name), "w") as f:
        f.create_dataset("images", data=np.arange(2 * 2 * 4 * 4, dtype=dtype).reshape(2, 2, 4, 4),
                         chunks=(1, 2, 4, 4))
        f["well"] = np.array(["A01", "B01"], dtype=h5py.string_dtype())
        f["site"] = np.array([1, 1], dtype=np.int32)
        f["compound"] = np.array(["cpd-a", "DMSO"], dtype=h5py.string_dtype())
        f["control"] = np.array([0, 1], dtype=np.uint8)
        f.attrs["source"] = "s1"
        f.attrs["batch"] = "b1"
        f.attrs["plate"] = "P1"
        f.attrs["channels"] = ["DNA", "ER"]

# channel_store: per-channel embedding plates (docs/PLATE_STORE.md, DESIGN.md section 8), float32
# and float16 vectors, with and without the encoder's checksum.
os.makedirs(os.path.join(seeds, "channel_store"), exist_ok=True)
for name, dtype, checksum in [("f32.h5", np.float32, "0123456789abcdef"), ("f16.h5", np.float16, None)]:
    with h5py.File(os.path.join(seeds, "channel_store", name), "w") as f:
        f["embeddings"] = (np.arange(3 * 2 * 4) / 8).reshape(3, 2, 4).astype(dtype)
        f["well"] = np.array(["A01", "A01", "B01"], dtype=h5py.string_dtype())
        f["site"] = np.array([0, 1, 0], dtype=np.int32)
        f["compound"] = np.array(["cpd-a", "cpd-a", "DMSO"], dtype=h5py.string_dtype())
        f["control"] = np.array([0, 0, 1], dtype=np.uint8)
        f.attrs["source"] = "s1"
        f.attrs["batch"] = "b1"
        f.attrs["plate"] = "P1"
        f.attrs["channels"] = ["DNA", "ER"]
        f.attrs["encoder"] = "runs/a/checkpoints/step-00000010.ckpt"
        if checksum:
            f.attrs["encoder_checksum"] = checksum

# checkpoint: payloads of length-prefixed fields (step, model, optimiser, metadata).
def field(b):
    return str(len(b)).encode() + b"\n" + b


put("checkpoint", "empty-state", field(b"0") + field(b"x") + field(b"y") + field(b"{}"))
if checkpoint:
    with open(checkpoint, "rb") as f:
        f.readline()  # magic
        f.readline()  # size and CRC
        payload = f.read()
    fields, pos = [], 0
    for _ in range(4):
        newline = payload.index(b"\n", pos)
        length = int(payload[pos:newline])
        fields.append(payload[newline + 1:newline + 1 + length])
        pos = newline + 1 + length
    put("checkpoint", "real-state", field(fields[0]) + field(b"") + field(b"") + field(fields[3]))
