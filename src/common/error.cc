#include "common/error.h"

#include <cstring>

namespace inclavare {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kPermissionDenied: return "PermissionDenied";
    case ErrorCode::kFailedPrecondition: return "FailedPrecondition";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kUnimplemented: return "Unimplemented";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Error::ToString() const {
  if (errno_ == 0) return message_;
  return message_ + ": " + std::strerror(errno_);
}

Error& Error::Wrap(const std::string& context) & {
  message_ = message_.empty() ? context : context + ": " + message_;
  return *this;
}

Error&& Error::Wrap(const std::string& context) && {
  static_cast<Error&>(*this).Wrap(context);
  return std::move(*this);
}

ErrorCode CodeFromErrno(int e) {
  switch (e) {
    case ENOENT:
    case ESRCH: return ErrorCode::kNotFound;
    case EEXIST: return ErrorCode::kAlreadyExists;
    case EPERM:
    case EACCES: return ErrorCode::kPermissionDenied;
    case EINVAL:
    case ENAMETOOLONG:
    case ENOTDIR:
    case ELOOP:
    case EXDEV: return ErrorCode::kInvalidArgument;
    case EBUSY:
    case EAGAIN:
    case EINTR: return ErrorCode::kUnavailable;
    case ENOSYS:
    case EOPNOTSUPP: return ErrorCode::kUnimplemented;
    default: return ErrorCode::kInternal;
  }
}

Error ErrnoError(std::string message, int sys_errno) {
  return Error(CodeFromErrno(sys_errno), std::move(message), sys_errno);
}

}  // namespace inclavare
