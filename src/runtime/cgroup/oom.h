// OOM notifications for a container's memory cgroup (`rune events`).
//
//   IC_ASSIGN_OR_RETURN(auto w, cgroup::OomWatcher::Open(*mgr));
//   poll({w->fd(), POLLIN}, ...);          // readable: something happened
//   IC_ASSIGN_OR_RETURN(auto u, w->Read());
//   for (uint64_t i = 0; i < u.ooms; ++i) Emit("oom");
//   if (u.gone) break;                      // no processes / cgroup removed
//
// v1 (as runc): an eventfd registered for memory.oom_control through
// cgroup.event_control ("<eventfd> <oom_control fd>"); the kernel signals it
// on every OOM in the cgroup (or a descendant) and when the cgroup is
// removed, so a signal with cgroup.event_control gone means "gone".
// v2: inotify (IN_MODIFY) on memory.events and cgroup.events, as runc; the
// "oom" and "oom_kill" counters of memory.events (hierarchical) are compared
// with the last values read, and cgroup.events "populated 0" means "gone"
// (no process left). The kernel rate-limits these notifications (about one
// per 10 ms per file), so Read() always re-reads the counters: a final
// Read() after the container stopped still reports a late OOM.
//
// Not thread-safe; one reader. The fds are O_CLOEXEC and non-blocking.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_fs.h"

namespace inclavare::runtime::cgroup {

class OomWatcher {
 public:
  // Registers for the manager's memory cgroup. No memory hierarchy (v1) or
  // no memory controller enabled (v2): kFailedPrecondition. fs: nullptr for
  // the real cgroupfs (tests pass a fake; the v1 oom_control file and the
  // v2 event files are still opened/watched directly).
  static Result<std::unique_ptr<OomWatcher>> Open(const Manager& mgr, CgroupFs* fs = nullptr);

  virtual ~OomWatcher() = default;

  // Becomes readable (POLLIN) when Read() may have news.
  virtual int fd() const = 0;

  struct Update {
    uint64_t ooms = 0;  // OOM events since the last Read()
    bool gone = false;  // v1: cgroup removed; v2: no process left in it
  };
  // Never blocks: drains fd() and reports what happened.
  virtual Result<Update> Read() = 0;
};

}  // namespace inclavare::runtime::cgroup
