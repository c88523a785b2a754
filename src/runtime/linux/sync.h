// The message channel between rune and the container's init while the
// container is being created: a SOCK_SEQPACKET socketpair, one message per
// step, so a dead peer shows as EOF instead of a hang.
//
//   parent                          init (child)
//   ------                          ------------
//   writes uid/gid maps, cgroup     waits for kGo
//   kGo ----------------------->    namespaces, mounts (in parallel:)
//   joins the cgroup
//   kCgroupJoined -------------->   (awaited before the first cgroup mount)
//                      <----------- kRunHooks (createRuntime point)
//   runs prestart/createRuntime
//   kHooksDone (state JSON) ---->   createContainer hooks, pivot_root, ...
//                      <----------- kConsole (pty master fd) [run with terminal]
//                      <----------- kReady | kError(errno, message)
#pragma once

#include <sys/socket.h>

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace inclavare::runtime {

enum class SyncType : uint32_t {
  kGo = 1,
  kRunHooks = 2,
  kHooksDone = 3,
  kConsole = 4,
  kReady = 5,
  kError = 6,
  kCgroupJoined = 7,
  kInitPid = 8,
  kSeccompFd = 9,
};

struct SyncMessage {
  SyncType type = SyncType::kError;
  int32_t err = 0;      // errno for kError
  std::string payload;  // message text, state JSON, ...
  UniqueFd fd;          // a passed file descriptor, if any
};

class SyncSocket {
 public:
  SyncSocket() = default;
  explicit SyncSocket(UniqueFd fd) : fd_(std::move(fd)) {}
  // A connected pair: [0] for the parent, [1] for the child.
  static Result<std::pair<SyncSocket, SyncSocket>> Pair();

  Result<> Send(SyncType type, const std::string& payload = "", int err = 0, int pass_fd = -1);
  Result<> SendError(const Error& e);
  // EOF (peer gone) is an Unavailable error.
  Result<SyncMessage> Recv();
  // Receives and checks the type; a kError message becomes that error.
  Result<SyncMessage> Expect(SyncType type);

  int Get() const { return fd_.Get(); }
  UniqueFd& fd() { return fd_; }

 private:
  UniqueFd fd_;
};

// Connects a unix socket of this type (close-on-exec) to path.
Result<UniqueFd> ConnectUnix(const std::string& path, int type = SOCK_STREAM);

// SCM_RIGHTS helpers, also used for --console-socket. SendFd sends `name`
// as the data bytes, as runc does for the pty master.
Result<> SendFd(int sock, int fd, const std::string& name);
Result<UniqueFd> RecvFd(int sock, std::string* name = nullptr);

}  // namespace inclavare::runtime
