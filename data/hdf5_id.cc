#include "data/hdf5_id.h"

#include <utility>

namespace micon {

Hdf5Id::Hdf5Id(Hdf5Id&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}

Hdf5Id& Hdf5Id::operator=(Hdf5Id&& other) noexcept {
  if (this != &other) {
    (void)Close();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    closer_ = other.closer_;
  }
  return *this;
}

Hdf5Id::~Hdf5Id() { (void)Close(); }

absl::Status Hdf5Id::Close() {
  if (!valid() || closer_ == nullptr) return absl::OkStatus();
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  return Hdf5Check(closer_(id), "close HDF5 object");
}

void QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {
herr_t KeepInnermost(unsigned n, const H5E_error2_t* err, void* out) {
  // The walk is innermost-first; the first entry is the most specific reason.
  if (n == 0 && err->desc != nullptr)
    *static_cast<std::string*>(out) = err->desc;
  return 0;
}
}  // namespace

std::string LastHdf5Error() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, KeepInnermost, &message);
  return message;
}

absl::StatusOr<Hdf5Id> Hdf5Call(hid_t id, Hdf5Id::Closer closer,
                                const std::string& what) {
  if (id < 0) {
    const std::string reason = LastHdf5Error();
    return absl::DataLossError(what + (reason.empty() ? "" : ": " + reason));
  }
  return Hdf5Id(id, closer);
}

absl::Status Hdf5Check(herr_t result, const std::string& what) {
  if (result >= 0) return absl::OkStatus();
  const std::string reason = LastHdf5Error();
  return absl::DataLossError(what + (reason.empty() ? "" : ": " + reason));
}

}  // namespace micon
