#!/usr/bin/python3
"""Checks a converted plate against its source TIFFs, decoded independently by Pillow.

  compare_tiff_h5.py PLATE.h5 IMAGE_INDEX TIFF_CH0 [TIFF_CH1 ...]
"""
import sys

import h5py
import numpy as np
from PIL import Image

path, index, tiffs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
with h5py.File(path, "r") as f:
    image = f["images"][index]
assert image.shape[0] == len(tiffs), (image.shape, len(tiffs))
for c, tiff in enumerate(tiffs):
    expected = np.array(Image.open(tiff))
    assert expected.shape == image[c].shape, (tiff, expected.shape, image[c].shape)
    assert (expected.astype(np.uint16) == image[c]).all(), tiff
    print(f"channel {c}: {tiff} equal (mean {expected.mean():.2f}, max {expected.max()})")
print("OK")
