// rune start / state / list.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/log.h"
#include "runtime/hooks.h"
#include "runtime/internal/create.h"
#include "runtime/internal/init.h"
#include "runtime/linux/sync.h"
#include "runtime/state.h"

namespace inclavare::runtime {
namespace internal {

Result<> StartContainer(StateDir& dir, const ContainerRecord& rec) {
  IC_ASSIGN_OR_RETURN(UniqueFd sock, ConnectUnix(dir.FdRelative(kStartSocket)).Wrap("connect to the container's init"));
  int s = sock.Get();
  // The socket's existence means "created": remove it before the exec.
  ::unlinkat(dir.fd(), kStartSocket, 0);
  char go = 1;
  if (::write(s, &go, 1) != 1) return ErrnoError("signal the container's init");
  // EOF: the exec happened (the connection is close-on-exec). Data: the
  // init's error (startContainer hook or exec failure).
  std::string err;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(s, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    err.append(buf, static_cast<size_t>(n));
  }
  if (!err.empty()) return Internal(err);
  std::string state = StateJson(rec.id, oci::kStatusRunning, rec.init_pid, rec.bundle, rec.annotations);
  // The spec: a failing poststart hook is logged, the lifecycle continues.
  IC_ASSIGN_OR_RETURN(oci::Hooks hooks, HooksOf(rec));
  if (auto r = RunHooks(hooks.poststart, state, "poststart"); !r) IC_LOG(Warn, "{}", r.error().ToString());
  return {};
}

}  // namespace internal

Result<> Start(const GlobalOptions& g, const std::string& id) {
  IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, id));
  IC_ASSIGN_OR_RETURN(ContainerRecord rec, dir.Load());
  std::string status = DeriveStatus(rec, dir);
  if (status == oci::kStatusStopped) return FailedPrecondition("cannot start a container that has stopped");
  if (status != oci::kStatusCreated)
    return FailedPrecondition("cannot start an already running container");
  return internal::StartContainer(dir, rec);
}

Result<ContainerInfo> Inspect(const GlobalOptions& g, const std::string& id) {
  IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, id));
  IC_ASSIGN_OR_RETURN(ContainerRecord rec, dir.Load());
  return ContainerInfo{ToOciState(rec, DeriveStatus(rec, dir)), rec.rootfs, rec.created, rec.owner};
}

Result<std::vector<ContainerInfo>> List(const GlobalOptions& g) {
  std::vector<ContainerInfo> out;
  for (const std::string& id : ListIds(g.root)) {
    auto dir = StateDir::Open(g.root, id);
    if (!dir) continue;  // deleted meanwhile
    auto rec = dir->Load();
    if (!rec) continue;
    out.push_back({ToOciState(*rec, DeriveStatus(*rec, *dir)), rec->rootfs, rec->created, rec->owner});
  }
  return out;
}

}  // namespace inclavare::runtime
