// hdf5_id.h: RAII ownership of HDF5 identifiers and HDF5 error text as
// absl::Status.
//
// micon uses HDF5's C API only: Debian's libhdf5 is built thread-safe (one
// global lock), and that guarantee does not cover the C++ API.
//
//   MICON_ASSIGN_OR_RETURN(
//       Hdf5Id file,
//       Hdf5Call(H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open " + p));
#ifndef MICON_DATA_HDF5_ID_H_
#define MICON_DATA_HDF5_ID_H_

#include <hdf5.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace micon {

// Owns one hid_t and closes it with the matching H5?close. Move-only; the
// moved-from id is invalid. The destructor never throws and ignores close
// errors (nothing can be done there).
class Hdf5Id {
 public:
  using Closer = herr_t (*)(hid_t);
  Hdf5Id() = default;
  Hdf5Id(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Hdf5Id(Hdf5Id&& other) noexcept;
  Hdf5Id& operator=(Hdf5Id&& other) noexcept;
  Hdf5Id(const Hdf5Id&) = delete;
  Hdf5Id& operator=(const Hdf5Id&) = delete;
  ~Hdf5Id();

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and reports failure (e.g. a flush that could not be written).
  absl::Status Close();

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Turns off HDF5's automatic printing of its error stack on the calling thread;
// micon reports errors through absl::Status instead. Cheap; called at every
// entry point.
void QuietHdf5Errors();

// The innermost HDF5 error on this thread's stack (e.g. "unable to open file"),
// or "".
std::string LastHdf5Error();

// Wraps a creating call: a negative id becomes an error "<what>: <HDF5's
// reason>".
absl::StatusOr<Hdf5Id> Hdf5Call(hid_t id, Hdf5Id::Closer closer,
                                const std::string& what);

// Wraps a herr_t call in the same way.
absl::Status Hdf5Check(herr_t result, const std::string& what);

}  // namespace micon

#endif  // MICON_DATA_HDF5_ID_H_
