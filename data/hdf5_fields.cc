#include "data/hdf5_fields.h"

#include <cstring>
#include <functional>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/hdf5_partial_file.h"

namespace micon {
namespace {

const char* ClassName(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "float";
    case H5T_STRING:
      return "string";
    case H5T_ENUM:
      return "enum";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length sequence";
    case H5T_OPAQUE:
      return "opaque";
    default:
      return "other";
  }
}

// Reads `count` strings of file type `file_type` through `read(mem_type,
// buffer)`, which is H5Dread or H5Aread bound to the object. Handles both
// variable- and fixed-length storage.
absl::StatusOr<std::vector<std::string>> ReadStrings(
    hid_t file_type, hid_t space, hssize_t count, int64_t max_count,
    const std::string& what, const std::function<herr_t(hid_t, void*)>& read) {
  if (H5Tget_class(file_type) != H5T_STRING) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected strings, found ",
                     ClassName(H5Tget_class(file_type))));
  }
  if (count < 0 || count > max_count) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": claims ", count,
                                                   " strings (at most ",
                                                   max_count, "): damaged?"));
  }
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(count));
  MICON_ASSIGN_OR_RETURN(Hdf5Id mem,
                         Hdf5Call(H5Tcopy(H5T_C_S1), H5Tclose, what));
  MICON_RETURN_IF_ERROR(
      Hdf5Check(H5Tset_cset(mem.get(), H5Tget_cset(file_type)), what));
  if (H5Tis_variable_str(file_type) > 0) {
    MICON_RETURN_IF_ERROR(
        Hdf5Check(H5Tset_size(mem.get(), H5T_VARIABLE), what));
    std::vector<char*> buffer(count, nullptr);
    MICON_RETURN_IF_ERROR(
        Hdf5Check(read(mem.get(), buffer.data()), "read " + what));
    for (char* s : buffer) out.emplace_back(s == nullptr ? "" : s);
    (void)H5Dvlen_reclaim(mem.get(), space, H5P_DEFAULT, buffer.data());
    return out;
  }
  const size_t width = H5Tget_size(file_type);
  if (width == 0 || width > static_cast<size_t>(kMaxHdf5StringWidth) ||
      static_cast<int64_t>(width) * count > kMaxHdf5StringBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", count, " strings of ", width,
                     " bytes (at most ", kMaxHdf5StringWidth, " bytes each, ",
                     kMaxHdf5StringBytes, " in all): damaged?"));
  }
  MICON_RETURN_IF_ERROR(Hdf5Check(H5Tset_size(mem.get(), width), what));
  MICON_RETURN_IF_ERROR(
      Hdf5Check(H5Tset_strpad(mem.get(), H5T_STR_NULLPAD), what));
  std::vector<char> buffer(count * width + 1, '\0');
  MICON_RETURN_IF_ERROR(
      Hdf5Check(read(mem.get(), buffer.data()), "read " + what));
  for (hssize_t i = 0; i < count; ++i) {
    const char* s = buffer.data() + i * width;
    size_t n = strnlen(s, width);
    while (n > 0 && s[n - 1] == ' ')
      --n;  // space-padded strings (Fortran/MATLAB writers)
    out.emplace_back(s, n);
  }
  return out;
}

// One integer of sizeof(Signed) bytes at `p`, as stored, widened to int64.
template <typename Signed, typename Unsigned>
int64_t WidenInteger(const unsigned char* p, bool is_signed) {
  Signed s;
  Unsigned u;
  std::memcpy(&s, p, sizeof(s));
  std::memcpy(&u, p, sizeof(u));
  return is_signed ? static_cast<int64_t>(s) : static_cast<int64_t>(u);
}

absl::StatusOr<hssize_t> CheckOneDimensional(hid_t space,
                                             const std::string& what) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected a 1-D array, found rank ", rank));
  }
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (count < 0 || count > kMaxHdf5Entries) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": claims ", count, " entries (at most ",
                     kMaxHdf5Entries, "): damaged?"));
  }
  return count;
}

// A 1-D dataset opened with its file type and dataspace.
struct OneDimensional {
  Hdf5Id dataset, type, space;
  hssize_t count = 0;
};

absl::StatusOr<OneDimensional> OpenOneDimensional(hid_t loc,
                                                  const std::string& name,
                                                  const std::string& what);

}  // namespace

absl::StatusOr<Hdf5Id> OpenDataset(hid_t loc, const std::string& name,
                                   hid_t access) {
  if (H5Lexists(loc, name.c_str(), H5P_DEFAULT) <= 0) {
    return absl::NotFoundError("missing dataset /" + name);
  }
  return Hdf5Call(H5Dopen2(loc, name.c_str(), access), H5Dclose,
                  "open dataset /" + name);
}

absl::StatusOr<std::vector<hsize_t>> DatasetDims(hid_t dataset,
                                                 const std::string& name) {
  MICON_ASSIGN_OR_RETURN(Hdf5Id space,
                         Hdf5Call(H5Dget_space(dataset), H5Sclose, name));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) return absl::DataLossError(name + ": unreadable dataspace");
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

absl::StatusOr<Hdf5Slice> SelectLeadingSlice(hid_t dataset, hsize_t index,
                                             const std::string& what) {
  Hdf5Slice slice;
  MICON_ASSIGN_OR_RETURN(slice.file_space,
                         Hdf5Call(H5Dget_space(dataset), H5Sclose, what));
  const int rank = H5Sget_simple_extent_ndims(slice.file_space.get());
  if (rank < 1)
    return absl::InvalidArgumentError(what + ": dataset has no leading axis");
  std::vector<hsize_t> dims(rank), start(rank, 0);
  H5Sget_simple_extent_dims(slice.file_space.get(), dims.data(), nullptr);
  if (index >= dims[0]) {
    return absl::OutOfRangeError(
        absl::StrCat(what, ": index ", index, " >= ", dims[0]));
  }
  start[0] = index;
  dims[0] = 1;
  MICON_RETURN_IF_ERROR(Hdf5Check(
      H5Sselect_hyperslab(slice.file_space.get(), H5S_SELECT_SET, start.data(),
                          nullptr, dims.data(), nullptr),
      what));
  MICON_ASSIGN_OR_RETURN(
      slice.memory_space,
      Hdf5Call(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose, what));
  return slice;
}

namespace {
absl::StatusOr<OneDimensional> OpenOneDimensional(hid_t loc,
                                                  const std::string& name,
                                                  const std::string& what) {
  OneDimensional v;
  MICON_ASSIGN_OR_RETURN(v.dataset, OpenDataset(loc, name));
  MICON_ASSIGN_OR_RETURN(
      v.type, Hdf5Call(H5Dget_type(v.dataset.get()), H5Tclose, what));
  MICON_ASSIGN_OR_RETURN(
      v.space, Hdf5Call(H5Dget_space(v.dataset.get()), H5Sclose, what));
  MICON_ASSIGN_OR_RETURN(v.count, CheckOneDimensional(v.space.get(), what));
  return v;
}
}  // namespace

absl::StatusOr<std::vector<std::string>> ReadStringDataset(
    hid_t loc, const std::string& name) {
  const std::string what = "dataset /" + name;
  MICON_ASSIGN_OR_RETURN(OneDimensional v, OpenOneDimensional(loc, name, what));
  return ReadStrings(v.type.get(), v.space.get(), v.count, kMaxHdf5Entries,
                     what, [&](hid_t mem, void* buf) {
                       return H5Dread(v.dataset.get(), mem, H5S_ALL, H5S_ALL,
                                      H5P_DEFAULT, buf);
                     });
}

absl::StatusOr<std::vector<int64_t>> ReadIntegerDataset(
    hid_t loc, const std::string& name) {
  const std::string what = "dataset /" + name;
  MICON_ASSIGN_OR_RETURN(OneDimensional v, OpenOneDimensional(loc, name, what));
  const H5T_class_t cls = H5Tget_class(v.type.get());
  if (cls != H5T_INTEGER && cls != H5T_ENUM) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected integers, found ", ClassName(cls)));
  }
  // h5py stores numpy bool as an enum over int8; HDF5 will not convert enums to
  // integers, so both classes are read in their native layout and widened here.
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id native, Hdf5Call(H5Tget_native_type(v.type.get(), H5T_DIR_ASCEND),
                              H5Tclose, what));
  const size_t width = H5Tget_size(native.get());
  hid_t base =
      cls == H5T_ENUM ? H5Tget_super(native.get()) : H5Tcopy(native.get());
  MICON_ASSIGN_OR_RETURN(Hdf5Id base_id, Hdf5Call(base, H5Tclose, what));
  const bool is_signed = H5Tget_sign(base_id.get()) == H5T_SGN_2;
  if (width != 1 && width != 2 && width != 4 && width != 8) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": unsupported integer width ", width, " bytes"));
  }
  std::vector<unsigned char> raw(static_cast<size_t>(v.count) * width);
  MICON_RETURN_IF_ERROR(
      Hdf5Check(H5Dread(v.dataset.get(), native.get(), H5S_ALL, H5S_ALL,
                        H5P_DEFAULT, raw.data()),
                "read " + what));
  std::vector<int64_t> out(v.count);
  for (hssize_t i = 0; i < v.count; ++i) {
    const unsigned char* p = raw.data() + i * width;
    out[i] = width == 1   ? WidenInteger<int8_t, uint8_t>(p, is_signed)
             : width == 2 ? WidenInteger<int16_t, uint16_t>(p, is_signed)
             : width == 4 ? WidenInteger<int32_t, uint32_t>(p, is_signed)
                          : WidenInteger<int64_t, uint64_t>(p, is_signed);
  }
  return out;
}

absl::StatusOr<std::vector<float>> ReadFloatDataset(hid_t loc,
                                                    const std::string& name,
                                                    int64_t expected_values) {
  const std::string what = "dataset /" + name;
  MICON_ASSIGN_OR_RETURN(Hdf5Id ds, OpenDataset(loc, name));
  MICON_ASSIGN_OR_RETURN(Hdf5Id type,
                         Hdf5Call(H5Dget_type(ds.get()), H5Tclose, what));
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected numbers, found ", ClassName(cls)));
  }
  MICON_ASSIGN_OR_RETURN(Hdf5Id space,
                         Hdf5Call(H5Dget_space(ds.get()), H5Sclose, what));
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count != expected_values) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": holds ", count, " values, expected ",
                     expected_values, " from the file's other fields"));
  }
  if (count < 0 || count > kMaxHdf5Values) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": claims ", count, " values (at most ",
                     kMaxHdf5Values, "): damaged?"));
  }
  std::vector<float> out(static_cast<size_t>(count));
  MICON_RETURN_IF_ERROR(Hdf5Check(H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL,
                                          H5S_ALL, H5P_DEFAULT, out.data()),
                                  "read " + what));
  return out;
}

absl::StatusOr<std::vector<std::string>> ReadStringArrayAttribute(
    hid_t obj, const std::string& name) {
  const std::string what = "attribute " + name;
  if (H5Aexists(obj, name.c_str()) <= 0)
    return absl::NotFoundError("missing " + what);
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id attr, Hdf5Call(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose,
                            "open " + what));
  MICON_ASSIGN_OR_RETURN(Hdf5Id type,
                         Hdf5Call(H5Aget_type(attr.get()), H5Tclose, what));
  MICON_ASSIGN_OR_RETURN(Hdf5Id space,
                         Hdf5Call(H5Aget_space(attr.get()), H5Sclose, what));
  if (H5Sget_simple_extent_ndims(space.get()) > 1) {
    return absl::InvalidArgumentError(
        what + ": expected a scalar or 1-D array of strings");
  }
  // ReadStrings refuses a count beyond its limit before allocating.
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  return ReadStrings(
      type.get(), space.get(), count, kMaxHdf5AttributeStrings, what,
      [&](hid_t mem, void* buf) { return H5Aread(attr.get(), mem, buf); });
}

absl::StatusOr<std::string> ReadStringAttribute(hid_t obj,
                                                const std::string& name) {
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> values,
                         ReadStringArrayAttribute(obj, name));
  if (values.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute ", name, ": expected one string, found ", values.size()));
  }
  return values[0];
}

namespace {

absl::StatusOr<Hdf5Id> Utf8VariableStringType(const std::string& what) {
  MICON_ASSIGN_OR_RETURN(Hdf5Id type,
                         Hdf5Call(H5Tcopy(H5T_C_S1), H5Tclose, what));
  MICON_RETURN_IF_ERROR(Hdf5Check(H5Tset_size(type.get(), H5T_VARIABLE), what));
  MICON_RETURN_IF_ERROR(
      Hdf5Check(H5Tset_cset(type.get(), H5T_CSET_UTF8), what));
  return type;
}

std::vector<const char*> CStrings(const std::vector<std::string>& values) {
  std::vector<const char*> out;
  out.reserve(values.size());
  for (const std::string& v : values) out.push_back(v.c_str());
  return out;
}

absl::Status WriteStringAttributeWithSpace(
    hid_t obj, const std::string& name, hid_t space_id,
    const std::vector<std::string>& values) {
  const std::string what = "write attribute " + name;
  MICON_ASSIGN_OR_RETURN(Hdf5Id space, Hdf5Call(space_id, H5Sclose, what));
  MICON_ASSIGN_OR_RETURN(Hdf5Id type, Utf8VariableStringType(what));
  if (H5Aexists(obj, name.c_str()) > 0) {
    MICON_RETURN_IF_ERROR(Hdf5Check(H5Adelete(obj, name.c_str()), what));
  }
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id attr, Hdf5Call(H5Acreate2(obj, name.c_str(), type.get(),
                                       space.get(), H5P_DEFAULT, H5P_DEFAULT),
                            H5Aclose, what));
  std::vector<const char*> ptrs = CStrings(values);
  return Hdf5Check(H5Awrite(attr.get(), type.get(), ptrs.data()), what);
}

}  // namespace

absl::Status WriteHdf5File(const std::string& path,
                           const std::function<absl::Status(hid_t)>& body) {
  MICON_ASSIGN_OR_RETURN(Hdf5PartialFile file, Hdf5PartialFile::Create(path));
  MICON_RETURN_IF_ERROR(Annotate(body(file.get()), file.partial_path()));
  return file.Commit();
}

absl::Status WriteStringDataset(hid_t loc, const std::string& name,
                                const std::vector<std::string>& values) {
  const std::string what = "write dataset /" + name;
  const hsize_t n = values.size();
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id space, Hdf5Call(H5Screate_simple(1, &n, nullptr), H5Sclose, what));
  MICON_ASSIGN_OR_RETURN(Hdf5Id type, Utf8VariableStringType(what));
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id ds, Hdf5Call(H5Dcreate2(loc, name.c_str(), type.get(), space.get(),
                                     H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          H5Dclose, what));
  std::vector<const char*> ptrs = CStrings(values);
  return Hdf5Check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            ptrs.data()),
                   what);
}

absl::Status WriteNumericDataset(hid_t loc, const std::string& name,
                                 hid_t mem_type,
                                 const std::vector<hsize_t>& dims,
                                 const void* data) {
  const std::string what = "write dataset /" + name;
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id space, Hdf5Call(H5Screate_simple(static_cast<int>(dims.size()),
                                              dims.data(), nullptr),
                             H5Sclose, what));
  MICON_ASSIGN_OR_RETURN(Hdf5Id file_type,
                         Hdf5Call(H5Tcopy(mem_type), H5Tclose, what));
  MICON_RETURN_IF_ERROR(
      Hdf5Check(H5Tset_order(file_type.get(), H5T_ORDER_LE), what));
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id ds,
      Hdf5Call(H5Dcreate2(loc, name.c_str(), file_type.get(), space.get(),
                          H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               H5Dclose, what));
  return Hdf5Check(
      H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
}

absl::Status WriteStringAttribute(hid_t obj, const std::string& name,
                                  const std::string& value) {
  return WriteStringAttributeWithSpace(obj, name, H5Screate(H5S_SCALAR),
                                       {value});
}

absl::Status WriteStringArrayAttribute(hid_t obj, const std::string& name,
                                       const std::vector<std::string>& values) {
  const hsize_t n = values.size();
  return WriteStringAttributeWithSpace(
      obj, name, H5Screate_simple(1, &n, nullptr), values);
}

}  // namespace micon
