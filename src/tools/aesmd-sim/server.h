// The unix-socket side of aesmd-sim: listens on the AESM socket path and
// answers framed requests (enclave/aesm/wire.h) with a Service.
//
//   IC_ASSIGN_OR_RETURN(auto server, Server::Listen("/var/run/aesmd/aesm.socket"));
//   std::thread t([&] { (void)server->Serve(*service); });
//   ...
//   server->Stop();  t.join();
//
// Listen() creates the parent directory (0755), replaces a stale socket file
// (only a socket nobody listens on: a live aesmd's socket is AlreadyExists,
// never taken over) and makes the socket 0666: as
// with Intel's aesmd, any local user may ask for quotes; the QE checks that
// each REPORT really comes from an enclave on this platform. The destructor
// removes the socket.
//
// Connections are served one at a time, each until the peer closes it; a
// peer that sends nothing for kIdleTimeout is dropped, so one stuck client
// delays others at most that long. Stop() is thread- and async-signal-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"
#include "tools/aesmd-sim/service.h"

namespace inclavare::sgx::aesmd_sim {

inline constexpr std::chrono::seconds kIdleTimeout{5};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Listen(const std::string& socket_path);
  ~Server();

  // Serves until Stop(); returns an error only if the listening socket fails.
  Result<> Serve(const Service& service);
  void Stop();

  const std::string& socket_path() const { return path_; }

 private:
  Server(std::string path, UniqueFd listen_fd, UniqueFd wake_fd)
      : path_(std::move(path)), listen_fd_(std::move(listen_fd)), wake_fd_(std::move(wake_fd)) {}
  void ServeConnection(int fd, const Service& service);

  std::string path_;
  UniqueFd listen_fd_;
  UniqueFd wake_fd_;  // eventfd: Stop() writes, Serve() polls
};

}  // namespace inclavare::sgx::aesmd_sim
