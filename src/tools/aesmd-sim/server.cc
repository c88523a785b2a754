#include "tools/aesmd-sim/server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/fs.h"
#include "common/log.h"
#include "enclave/aesm/wire.h"

namespace inclavare::sgx::aesmd_sim {

Result<std::unique_ptr<Server>> Server::Listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return InvalidArgument("bad socket path: '" + path + "'");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) IC_TRY(fs::MkdirAll(path.substr(0, slash), 0755));
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return AlreadyExists(path + " exists and is not a socket");
    // Never take the socket from a live daemon (e.g. Intel's aesmd on an
    // SGX machine): only a socket nobody answers on is stale.
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe && ::connect(probe.Get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
      return AlreadyExists("an AESM service already listens on " + path);
    }
    if (::unlink(path.c_str()) != 0) return ErrnoError("remove stale socket " + path);
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoError("socket");
  if (::bind(fd.Get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return ErrnoError("bind " + path);
  if (::chmod(path.c_str(), 0666) != 0) return ErrnoError("chmod " + path);
  if (::listen(fd.Get(), 64) != 0) return ErrnoError("listen " + path);
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return ErrnoError("eventfd");
  return std::unique_ptr<Server>(new Server(path, std::move(fd), std::move(wake)));
}

Server::~Server() {
  if (listen_fd_) (void)::unlink(path_.c_str());
}

void Server::Stop() {
  uint64_t one = 1;
  (void)!::write(wake_fd_.Get(), &one, sizeof one);
}

Result<> Server::Serve(const Service& service) {
  for (;;) {
    pollfd fds[2] = {{listen_fd_.Get(), POLLIN, 0}, {wake_fd_.Get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("poll");
    }
    if (fds[1].revents & POLLIN) return {};
    if (!(fds[0].revents & POLLIN)) {
      if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) return Internal("listening socket failed");
      continue;
    }
    UniqueFd conn(::accept4(listen_fd_.Get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN) continue;
      IC_LOG(Warn, "aesmd-sim: accept: {}", ErrnoError("accept").ToString());
      continue;
    }
    ServeConnection(conn.Get(), service);
  }
}

void Server::ServeConnection(int fd, const Service& service) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(kIdleTimeout.count());
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  for (;;) {
    auto request = aesm::RecvFrame(fd, aesm::kMaxFrame);
    if (!request) {
      if (request.error().code() != ErrorCode::kNotFound) {
        IC_LOG(Warn, "aesmd-sim: dropping client: {}", request.error().ToString());
      }
      return;
    }
    if (auto sent = aesm::SendFrame(fd, service.Handle(*request)); !sent) {
      IC_LOG(Warn, "aesmd-sim: reply: {}", sent.error().ToString());
      return;
    }
  }
}

}  // namespace inclavare::sgx::aesmd_sim
