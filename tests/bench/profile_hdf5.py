"""micon's profile HDF5 layout (data/profile_frame_hdf5.h) from numpy: the
synthetic-table scripts write /features themselves, then this writes
/feature_names (f0, f1, ...) and /metadata with its column order."""
import h5py

STRING = h5py.string_dtype("utf-8")


def write_names_and_metadata(f, features, meta):
    """`meta`: column name -> one string per row, in the file's order."""
    f.create_dataset("feature_names", data=[f"f{k}" for k in range(features)],
                     dtype=STRING)
    group = f.create_group("metadata")
    for name, values in meta.items():
        group.create_dataset(name, data=values, dtype=STRING)
    group.attrs.create("columns", list(meta), dtype=STRING)
