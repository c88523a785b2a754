// Terminal helpers for integration tests: a --console-socket server that
// receives the pty master (runc's protocol, as containerd and conmon
// implement it), and draining a pty master.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

namespace itest {

using namespace std::chrono_literals;

// A listening unix socket at path (close-on-exec), for --console-socket and
// seccomp listenerPath servers.
inline int ListenUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << strerror(errno);
  EXPECT_EQ(::listen(fd, 1), 0);
  return fd;
}

// Accepts one connection on listen_fd and returns the one fd it sends
// (SCM_RIGHTS), -1 on failure; waits up to 10 s.
inline int ReceiveOneFd(int listen_fd) {
  pollfd p = {listen_fd, POLLIN, 0};
  if (::poll(&p, 1, 10000) != 1) return -1;
  int conn = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return -1;
  char data[256];
  iovec iov = {data, sizeof data};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  ::close(conn);
  if (n < 0) return -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return fd;
    }
  }
  return -1;
}

// A --console-socket server: receives the pty master of one connection.
class ConsoleServer {
 public:
  explicit ConsoleServer(const std::string& path) : fd_(ListenUnix(path)) {}
  ~ConsoleServer() {
    if (fd_ >= 0) ::close(fd_);
  }
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  // The received fd (-1 on failure); waits up to 10 s.
  int ReceiveFd() { return ReceiveOneFd(fd_); }

 private:
  int fd_ = -1;
};

// Reads from a pty master until the slave side is gone (EIO) or timeout.
inline std::string DrainPty(int master, std::chrono::milliseconds timeout = 10s) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p = {master, POLLIN, 0};
    int n = ::poll(&p, 1, 100);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) continue;
    char buf[4096];
    ssize_t r = ::read(master, buf, sizeof buf);
    if (r <= 0) break;  // EIO: every slave fd is closed
    out.append(buf, r);
  }
  return out;
}

}  // namespace itest
