#include "runtime/runelet_channel.h"

#include "runtime/linux/sync.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace inclavare::runtime {

Result<> SendRuneletMessage(int sock, const nlohmann::json& body, const std::vector<int>& fds) {
  if (fds.size() > 3) return InvalidArgument("runelet message: at most 3 fds");
  std::string text = body.dump();
  if (text.size() > kRuneletMaxMessage) return InvalidArgument("runelet message too large");
  struct iovec iov = {text.data(), text.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char cbuf[CMSG_SPACE(3 * sizeof(int))] = {};
  if (!fds.empty()) {
    msg.msg_control = cbuf;
    msg.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  }
  for (;;) {
    if (::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0) return {};
    if (errno != EINTR) return ErrnoError("send to runelet channel");
  }
}

Result<RuneletMessage> RecvRuneletMessage(int sock) {
  // The size of the next packet first (SEQPACKET keeps boundaries), so
  // small messages do not cost a 1 MiB buffer.
  ssize_t size;
  do {
    size = ::recv(sock, nullptr, 0, MSG_PEEK | MSG_TRUNC);
  } while (size < 0 && errno == EINTR);
  if (size < 0) return ErrnoError("receive from runelet channel");
  std::string buf(static_cast<size_t>(std::min<ssize_t>(std::max<ssize_t>(size, 1), kRuneletMaxMessage)), '\0');
  struct iovec iov = {buf.data(), buf.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char cbuf[CMSG_SPACE(3 * sizeof(int))];
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoError("receive from runelet channel");
  RuneletMessage out;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      out.fds.emplace_back(fd);
    }
  }
  if (n == 0) return Error(ErrorCode::kUnavailable, "runelet channel closed");
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return InvalidArgument("runelet message truncated");
  buf.resize(static_cast<size_t>(n));
  out.body = nlohmann::json::parse(buf, nullptr, /*allow_exceptions=*/false);
  if (!out.body.is_object() || !out.body.contains("op") || !out.body["op"].is_string())
    return InvalidArgument("malformed runelet message");
  return out;
}

nlohmann::json RuneletErrorBody(const Error& e) {
  return {{"op", "error"}, {"errno", e.sys_errno()}, {"message", e.message()}};
}

Error RuneletError(const nlohmann::json& body) {
  int err = body.value("errno", 0);
  std::string message = body.value("message", std::string("enclave runtime error"));
  return Error(err ? CodeFromErrno(err) : ErrorCode::kInternal, std::move(message), err);
}

Result<UniqueFd> ConnectRunelet(const std::string& socket_path) {
  return ConnectUnix(socket_path, SOCK_SEQPACKET).Wrap("the enclave runtime channel");
}

}  // namespace inclavare::runtime
