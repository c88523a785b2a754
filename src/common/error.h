// Error and Result<T>: the project's error model.
//
// Every fallible C++ function returns Result<T> (a tl::expected<T, Error> that
// is [[nodiscard]]). An Error carries a small shared ErrorCode (like absl's
// StatusCode), the errno when a syscall failed, and a message that names what
// failed. Context is added while the error travels up with Wrap():
//
//   Result<UniqueFd> OpenDir(const std::string& path) {
//     int fd = open(path.c_str(), O_DIRECTORY | O_CLOEXEC);
//     if (fd < 0) return ErrnoError("open " + path);
//     return UniqueFd(fd);
//   }
//   Result<> Setup() {
//     IC_ASSIGN_OR_RETURN(UniqueFd fd, OpenDir("/proc"));
//     IC_TRY(MountProc(fd.Get()).Wrap("mount proc"));
//     return {};
//   }
//
// Errors are converted only at the edges: the CLI prints
// "rune: create: mount proc: open /proc: Permission denied"; a C API returns
// its own error enum. Log an error or return it, not both.
#pragma once

#include <cerrno>
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace inclavare {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kFailedPrecondition,
  kUnavailable,
  kUnimplemented,
  kInternal,
};

const char* ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message, int sys_errno = 0)
      : code_(code), errno_(sys_errno), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  // The errno of the failing syscall, 0 when the error is not from one.
  int sys_errno() const { return errno_; }
  // The message without the errno text.
  const std::string& message() const { return message_; }
  // "message: strerror(errno)" - what users see.
  std::string ToString() const;

  // Prefixes context: Error("open x").Wrap("mount /proc") reads
  // "mount /proc: open x".
  Error&& Wrap(const std::string& context) &&;
  Error& Wrap(const std::string& context) &;

 private:
  ErrorCode code_;
  int errno_;
  std::string message_;
};

// An Error from the current errno (or the one given), with the code derived
// from it (ENOENT -> kNotFound, EACCES/EPERM -> kPermissionDenied, ...).
Error ErrnoError(std::string message, int sys_errno = errno);
ErrorCode CodeFromErrno(int sys_errno);

inline Error InvalidArgument(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}
inline Error NotFound(std::string message) { return Error(ErrorCode::kNotFound, std::move(message)); }
inline Error AlreadyExists(std::string message) {
  return Error(ErrorCode::kAlreadyExists, std::move(message));
}
inline Error FailedPrecondition(std::string message) {
  return Error(ErrorCode::kFailedPrecondition, std::move(message));
}
inline Error Unimplemented(std::string message) {
  return Error(ErrorCode::kUnimplemented, std::move(message));
}
inline Error Internal(std::string message) { return Error(ErrorCode::kInternal, std::move(message)); }

template <class T = void>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result(Error e) : Base(tl::unexpected<Error>(std::move(e))) {}  // NOLINT(runtime/explicit)
  Result(const Base& b) : Base(b) {}                               // NOLINT
  Result(Base&& b) : Base(std::move(b)) {}                         // NOLINT

  // Adds context to the error, if any; a value passes through.
  // Returns by value: a reference into a temporary would dangle in
  // `auto&& r = F().Wrap("x");`.
  Result Wrap(const std::string& context) && {
    if (!this->has_value()) this->error().Wrap(context);
    return std::move(*this);
  }
};

}  // namespace inclavare

#define IC_CONCAT_INNER_(a, b) a##b
#define IC_CONCAT_(a, b) IC_CONCAT_INNER_(a, b)

// Returns the error of a Result<...> expression from the enclosing function.
#define IC_TRY(expr)                                                   \
  do {                                                                 \
    auto ic_try_result_ = (expr);                                      \
    if (!ic_try_result_) return ::tl::unexpected(std::move(ic_try_result_).error()); \
  } while (0)

// IC_ASSIGN_OR_RETURN(auto fd, OpenAt(...)); declares or assigns lhs from the
// value of a Result, or returns its error.
#define IC_ASSIGN_OR_RETURN(lhs, expr) \
  IC_ASSIGN_OR_RETURN_IMPL_(IC_CONCAT_(ic_result_, __LINE__), lhs, expr)
#define IC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                  \
  auto tmp = (expr);                                               \
  if (!tmp) return ::tl::unexpected(std::move(tmp).error());       \
  lhs = std::move(*tmp)
