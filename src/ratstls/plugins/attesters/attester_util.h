// Helpers for the attester plugins' C ABI boundary (rats-tls/plugin.h):
// Error -> negative errno + reason, malloc()ed output buffers, and a guard
// that keeps exceptions from crossing the boundary.
//
//   int Collect(...) noexcept {
//     return attesters::Guard(err, [&]() -> Result<> { ...; return {}; });
//   }
#pragma once

#include <rats-tls/plugin.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <span>

#include "common/error.h"

namespace inclavare::ratstls::attesters {

// The errno a plugin returns for an Error (its own errno when it has one).
inline int ErrnoOf(const Error& e) {
  if (e.sys_errno() != 0) return e.sys_errno();
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
      return EINVAL;
    case ErrorCode::kNotFound:
      return ENOENT;
    case ErrorCode::kAlreadyExists:
      return EEXIST;
    case ErrorCode::kPermissionDenied:
      return EACCES;
    case ErrorCode::kFailedPrecondition:
      return EINVAL;
    case ErrorCode::kUnavailable:
      return EAGAIN;
    case ErrorCode::kUnimplemented:
      return ENOSYS;
    case ErrorCode::kInternal:
      return EIO;
  }
  return EIO;
}

inline int Fail(rats_tls_error_t* err, const Error& e) {
  return rats_tls_error_set(err, ErrnoOf(e), "%s", e.ToString().c_str());
}

// Runs f (returning Result<>) and converts its outcome: 0, or a negative
// errno (errnum when non-zero, else the error's) with the reason in err.
// Exceptions become -ENOMEM / -EIO.
template <class F>
int Guard(rats_tls_error_t* err, F&& f, int errnum = 0) noexcept {
  try {
    Result<> r = f();
    if (r) return 0;
    if (errnum != 0) return rats_tls_error_set(err, errnum, "%s", r.error().ToString().c_str());
    return Fail(err, r.error());
  } catch (const std::bad_alloc&) {
    return rats_tls_error_set(err, ENOMEM, "out of memory");
  } catch (const std::exception& e) {
    return rats_tls_error_set(err, EIO, "%s", e.what());
  } catch (...) {
    return rats_tls_error_set(err, EIO, "unknown exception");
  }
}

// Copies bytes into a malloc()ed buffer for the core (empty: data NULL).
inline Result<> CopyOut(std::span<const uint8_t> bytes, rats_tls_bytes_t* out) {
  out->data = nullptr;
  out->size = 0;
  if (bytes.empty()) return {};
  auto* p = static_cast<uint8_t*>(std::malloc(bytes.size()));
  if (p == nullptr) return Error(ErrorCode::kInternal, "out of memory", ENOMEM);
  std::memcpy(p, bytes.data(), bytes.size());
  out->data = p;
  out->size = bytes.size();
  return {};
}

inline std::string Str(const char* s) { return s != nullptr ? s : ""; }

}  // namespace inclavare::ratstls::attesters
