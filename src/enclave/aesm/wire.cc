#include "enclave/aesm/wire.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fs.h"

namespace inclavare::sgx::aesm {

std::string AesmErrorName(uint32_t code) {
  switch (static_cast<AesmError>(code)) {
    case AesmError::kSuccess:
      return "AESM_SUCCESS";
    case AesmError::kUnexpected:
      return "AESM_UNEXPECTED_ERROR";
    case AesmError::kNoDevice:
      return "AESM_NO_DEVICE_ERROR";
    case AesmError::kParameter:
      return "AESM_PARAMETER_ERROR";
  }
  return "AESM error " + std::to_string(code);
}

Result<> SendFrame(int fd, std::string_view payload) {
  if (payload.size() > UINT32_MAX) return InvalidArgument("AESM frame too large");
  const uint32_t len = static_cast<uint32_t>(payload.size());
  uint8_t header[4] = {static_cast<uint8_t>(len), static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len >> 16),
                       static_cast<uint8_t>(len >> 24)};
  IC_TRY(fs::WriteAll(fd, std::string_view(reinterpret_cast<const char*>(header), sizeof header)));
  return fs::WriteAll(fd, payload);
}

namespace {

// Reads exactly out.size() bytes; returns the count read before EOF.
Result<size_t> ReadFull(int fd, std::span<char> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Error(ErrorCode::kUnavailable, "AESM read timed out");
      return ErrnoError("AESM read");
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

Result<std::string> RecvFrame(int fd, size_t max_size) {
  char header[4];
  IC_ASSIGN_OR_RETURN(size_t got, ReadFull(fd, header));
  if (got == 0) return NotFound("connection closed");
  if (got != sizeof header) return InvalidArgument("AESM frame: truncated length");
  const uint32_t len = static_cast<uint32_t>(static_cast<uint8_t>(header[0])) |
                       static_cast<uint32_t>(static_cast<uint8_t>(header[1])) << 8 |
                       static_cast<uint32_t>(static_cast<uint8_t>(header[2])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(header[3])) << 24;
  if (len > max_size) {
    return InvalidArgument("AESM frame of " + std::to_string(len) + " bytes exceeds " + std::to_string(max_size));
  }
  std::string payload(len, '\0');
  IC_ASSIGN_OR_RETURN(got, ReadFull(fd, payload));
  if (got != len) return InvalidArgument("AESM frame: truncated payload");
  return payload;
}

}  // namespace inclavare::sgx::aesm
