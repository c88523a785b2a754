#include "runtime/linux/sync.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <vector>

namespace inclavare::runtime {
namespace {

struct Header {
  uint32_t type;
  int32_t err;
};

constexpr size_t kMaxMessage = 1 << 20;

}  // namespace

Result<std::pair<SyncSocket, SyncSocket>> SyncSocket::Pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return ErrnoError("socketpair");
  return std::make_pair(SyncSocket(UniqueFd(fds[0])), SyncSocket(UniqueFd(fds[1])));
}

Result<> SyncSocket::Send(SyncType type, const std::string& payload, int err, int pass_fd) {
  Header h{static_cast<uint32_t>(type), err};
  struct iovec iov[2] = {{&h, sizeof h}, {const_cast<char*>(payload.data()), payload.size()}};
  struct msghdr msg = {};
  msg.msg_iov = iov;
  msg.msg_iovlen = payload.empty() ? 1 : 2;
  alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  if (pass_fd >= 0) {
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  for (;;) {
    if (::sendmsg(fd_.Get(), &msg, MSG_NOSIGNAL) >= 0) return {};
    if (errno != EINTR) return ErrnoError("sync: send");
  }
}

Result<> SyncSocket::SendError(const Error& e) {
  return Send(SyncType::kError, e.message(), e.sys_errno());
}

Result<SyncMessage> SyncSocket::Recv() {
  // Size the buffer to the pending message instead of a fixed large one.
  Header peek;
  ssize_t want;
  int resets = 0;
  do {
    want = ::recv(fd_.Get(), &peek, sizeof peek, MSG_PEEK | MSG_TRUNC);
    // A peer that exits with our messages unread makes the kernel report
    // ECONNRESET once; the peer's last message (its error) is still queued.
  } while (want < 0 && (errno == EINTR || (errno == ECONNRESET && ++resets < 3)));
  if (want < 0) return ErrnoError("sync: receive");
  if (static_cast<size_t>(want) > kMaxMessage) return Internal("sync: message too large");
  std::vector<char> buf(std::max<size_t>(static_cast<size_t>(want), sizeof(Header)));
  struct iovec iov = {buf.data(), buf.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = ::recvmsg(fd_.Get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoError("sync: receive");
  if (n == 0) return Error(ErrorCode::kUnavailable, "peer closed the sync socket");
  if (static_cast<size_t>(n) < sizeof(Header)) return Internal("sync: short message");
  SyncMessage out;
  Header h;
  std::memcpy(&h, buf.data(), sizeof h);
  out.type = static_cast<SyncType>(h.type);
  out.err = h.err;
  out.payload.assign(buf.data() + sizeof h, static_cast<size_t>(n) - sizeof h);
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      out.fd.Reset(fd);
    }
  }
  return out;
}

Result<SyncMessage> SyncSocket::Expect(SyncType type) {
  IC_ASSIGN_OR_RETURN(SyncMessage m, Recv());
  if (m.type == SyncType::kError) return Error(m.err ? CodeFromErrno(m.err) : ErrorCode::kInternal, m.payload, m.err);
  if (m.type != type)
    return Internal("sync: expected message " + std::to_string(static_cast<int>(type)) + ", got " +
                    std::to_string(static_cast<int>(m.type)));
  return m;
}

Result<UniqueFd> ConnectUnix(const std::string& path, int type) {
  int s = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (s < 0) return ErrnoError("socket");
  UniqueFd sock(s);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return InvalidArgument("socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return ErrnoError("connect to " + path);
  return sock;
}

Result<> SendFd(int sock, int fd, const std::string& name) {
  struct iovec iov = {const_cast<char*>(name.data()), name.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  for (;;) {
    if (::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0) return {};
    if (errno != EINTR) return ErrnoError("send file descriptor");
  }
}

Result<UniqueFd> RecvFd(int sock, std::string* name) {
  char data[4096];
  struct iovec iov = {data, sizeof data};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoError("receive file descriptor");
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      if (name) name->assign(data, static_cast<size_t>(n));
      return UniqueFd(fd);
    }
  }
  return Internal("receive file descriptor: no descriptor in message");
}

}  // namespace inclavare::runtime
