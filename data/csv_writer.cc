#include "data/csv_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/io/atomic_file.h"

namespace micon {
namespace {

// Written out once this much is buffered: large enough that the writes are
// few, small enough not to matter beside the data.
constexpr size_t kFlushBytes = size_t{1} << 20;

}  // namespace

absl::StatusOr<CsvWriter> CsvWriter::Open(const std::string& path) {
  std::string partial = PartialPath(path);
  errno = 0;
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (file == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(
        partial, ": cannot open for writing: ", std::strerror(errno)));
  }
  return CsvWriter(path, std::move(partial), file);
}

CsvWriter::CsvWriter(std::string path, std::string partial, std::FILE* file)
    : path_(std::move(path)), partial_(std::move(partial)), file_(file) {
  buffer_.reserve(kFlushBytes + 4096);
}

CsvWriter::CsvWriter(CsvWriter&& other) noexcept
    : path_(std::move(other.path_)),
      partial_(std::move(other.partial_)),
      file_(std::exchange(other.file_, nullptr)),
      buffer_(std::move(other.buffer_)),
      row_started_(other.row_started_),
      write_errno_(other.write_errno_),
      bytes_(other.bytes_) {}

CsvWriter& CsvWriter::operator=(CsvWriter&& other) noexcept {
  if (this != &other) {
    Discard();
    path_ = std::move(other.path_);
    partial_ = std::move(other.partial_);
    file_ = std::exchange(other.file_, nullptr);
    buffer_ = std::move(other.buffer_);
    row_started_ = other.row_started_;
    write_errno_ = other.write_errno_;
    bytes_ = other.bytes_;
  }
  return *this;
}

CsvWriter::~CsvWriter() { Discard(); }

void CsvWriter::Discard() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ignored;
  std::filesystem::remove(partial_, ignored);
}

void CsvWriter::Separate() {
  if (row_started_) buffer_ += ',';
  row_started_ = true;
}

void CsvWriter::Field(absl::string_view text) {
  Separate();
  if (text.find_first_of(",\"\n\r") == absl::string_view::npos) {
    buffer_.append(text.data(), text.size());
    return;
  }
  buffer_ += '"';
  for (char c : text) {
    if (c == '"') buffer_ += '"';
    buffer_ += c;
  }
  buffer_ += '"';
}

void CsvWriter::Number(double value) {
  Separate();
  absl::StrAppendFormat(&buffer_, "%.17g", value);
}

void CsvWriter::EndRow() {
  buffer_ += '\n';
  row_started_ = false;
  FlushIfFull();
}

void CsvWriter::FlushIfFull() {
  if (buffer_.size() >= kFlushBytes) WriteBuffer();
}

void CsvWriter::WriteBuffer() {
  if (write_errno_ == 0 && !buffer_.empty()) {
    errno = 0;
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) !=
        buffer_.size()) {
      write_errno_ = errno != 0 ? errno : EIO;
    }
  }
  bytes_ += static_cast<int64_t>(buffer_.size());
  buffer_.clear();
}

absl::Status CsvWriter::Commit() {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(path_ + ": already committed");
  }
  WriteBuffer();
  errno = 0;
  if (std::fflush(file_) != 0 && write_errno_ == 0) {
    write_errno_ = errno != 0 ? errno : EIO;
  }
  errno = 0;
  const bool closed = std::fclose(file_) == 0;
  if (!closed && write_errno_ == 0) write_errno_ = errno != 0 ? errno : EIO;
  file_ = nullptr;
  if (write_errno_ != 0) {
    return AbandonPartialFile(partial_, path_, bytes_, write_errno_);
  }
  return CommitFile(partial_, path_);
}

}  // namespace micon
