// UniqueFd: sole owner of a file descriptor.
//
//   IC_ASSIGN_OR_RETURN(UniqueFd fd, OpenAt(dirfd, "config.json", O_RDONLY));
//   Read(fd.Get(), ...);          // borrow: plain int parameter
//   SendFd(sock, fd.Release());   // hand off ownership
//
// The destructor closes; where a close error matters call Close(), which
// returns it. Every fd the project opens carries O_CLOEXEC.
#pragma once

#include <unistd.h>

#include <utility>

#include "common/error.h"

namespace inclavare {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) Reset(o.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int Get() const { return fd_; }
  bool Valid() const { return fd_ >= 0; }
  explicit operator bool() const { return Valid(); }

  // Gives up ownership without closing.
  [[nodiscard]] int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    int old = std::exchange(fd_, fd);
    if (old >= 0) ::close(old);
  }
  // Closes and reports the error (e.g. a deferred write error on NFS).
  Result<> Close() {
    int old = std::exchange(fd_, -1);
    if (old >= 0 && ::close(old) != 0) return ErrnoError("close");
    return {};
  }

 private:
  int fd_ = -1;
};

}  // namespace inclavare
