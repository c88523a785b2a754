// OOM watchers: v1 eventfd + cgroup.event_control, v2 inotify on
// memory.events (see oom.h).
#include "runtime/cgroup/oom.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/fs.h"
#include "runtime/cgroup/stats_internal.h"

namespace inclavare::runtime::cgroup {
namespace {

class V1OomWatcher final : public OomWatcher {
 public:
  V1OomWatcher(CgroupFs& fs, std::string dir, UniqueFd efd, UniqueFd oom_control)
      : fs_(fs), dir_(std::move(dir)), efd_(std::move(efd)), oom_control_(std::move(oom_control)) {}

  int fd() const override { return efd_.Get(); }

  Result<Update> Read() override {
    Update u;
    uint64_t count = 0;
    ssize_t n = ::read(efd_.Get(), &count, sizeof(count));
    if (n < 0 && errno != EAGAIN && errno != EINTR) return ErrnoError("read OOM eventfd");
    bool signalled = n == static_cast<ssize_t>(sizeof(count)) && count > 0;
    // The kernel also signals the eventfd when the cgroup goes away.
    if (!fs_.Exists(fs::Join(dir_, "cgroup.event_control"))) {
      u.gone = true;
      return u;
    }
    // One event per wake-up, as runc reports them.
    if (signalled) u.ooms = 1;
    return u;
  }

 private:
  CgroupFs& fs_;
  std::string dir_;
  UniqueFd efd_;
  UniqueFd oom_control_;  // kept open while registered
};

class V2OomWatcher final : public OomWatcher {
 public:
  V2OomWatcher(CgroupFs& fs, std::string dir, UniqueFd inotify)
      : fs_(fs), dir_(std::move(dir)), in_(std::move(inotify)) {}

  int fd() const override { return in_.Get(); }

  // Reads the oom / oom_kill counters of memory.events.
  Result<std::pair<uint64_t, uint64_t>> Counters() {
    std::string path = fs::Join(dir_, "memory.events");
    IC_ASSIGN_OR_RETURN(std::string text, fs_.ReadFile(path));
    IC_ASSIGN_OR_RETURN(auto kv, internal::ParseKeyValues(text, path));
    std::pair<uint64_t, uint64_t> c{0, 0};
    for (const auto& [k, v] : kv) {
      if (k == "oom") c.first = v;
      if (k == "oom_kill") c.second = v;
    }
    return c;
  }

  Result<> Init() {
    IC_ASSIGN_OR_RETURN(last_, Counters());
    return {};
  }

  Result<Update> Read() override {
    // Drain the queued notifications; their content does not matter, the
    // files are re-read below.
    alignas(struct inotify_event) char buf[4096];
    while (::read(in_.Get(), buf, sizeof(buf)) > 0) {
    }
    Update u;
    auto c = Counters();
    if (!c) {
      if (c.error().sys_errno() == ENOENT) {  // cgroup removed
        u.gone = true;
        return u;
      }
      return std::move(c.error());
    }
    uint64_t d_oom = c->first > last_.first ? c->first - last_.first : 0;
    uint64_t d_kill = c->second > last_.second ? c->second - last_.second : 0;
    u.ooms = std::max(d_oom, d_kill);
    last_ = *c;
    auto events = fs_.ReadFile(fs::Join(dir_, "cgroup.events"));
    if (!events) {
      if (events.error().sys_errno() == ENOENT) {
        u.gone = true;
        return u;
      }
      return std::move(events.error());
    }
    IC_ASSIGN_OR_RETURN(auto kv, internal::ParseKeyValues(*events, fs::Join(dir_, "cgroup.events")));
    for (const auto& [k, v] : kv)
      if (k == "populated" && v == 0) u.gone = true;
    return u;
  }

 private:
  CgroupFs& fs_;
  std::string dir_;
  UniqueFd in_;
  std::pair<uint64_t, uint64_t> last_{0, 0};
};

Result<std::unique_ptr<OomWatcher>> OpenV1(CgroupFs& fs, const std::string& dir) {
  std::string oom_path = fs::Join(dir, "memory.oom_control");
  IC_ASSIGN_OR_RETURN(UniqueFd oom_control, fs::Open(oom_path, O_RDONLY | O_CLOEXEC));
  UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!efd) return ErrnoError("eventfd");
  std::string control = fs::Join(dir, "cgroup.event_control");
  IC_TRY(fs.WriteFile(control, std::to_string(efd.Get()) + " " + std::to_string(oom_control.Get()))
             .Wrap("register OOM notification"));
  return std::unique_ptr<OomWatcher>(new V1OomWatcher(fs, dir, std::move(efd), std::move(oom_control)));
}

Result<std::unique_ptr<OomWatcher>> OpenV2(CgroupFs& fs, const std::string& dir) {
  std::string events = fs::Join(dir, "memory.events");
  if (!fs.Exists(events))
    return FailedPrecondition(events +
                              " does not exist (memory controller not enabled): no OOM notifications");
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in) return ErrnoError("inotify_init1");
  for (const std::string& file : {events, fs::Join(dir, "cgroup.events")}) {
    if (::inotify_add_watch(in.Get(), file.c_str(), IN_MODIFY) < 0)
      return ErrnoError("inotify watch " + file);
  }
  auto w = std::make_unique<V2OomWatcher>(fs, dir, std::move(in));
  IC_TRY(w->Init());
  return std::unique_ptr<OomWatcher>(std::move(w));
}

}  // namespace

Result<std::unique_ptr<OomWatcher>> OomWatcher::Open(const Manager& mgr, CgroupFs* fs) {
  CgroupFs& f = fs ? *fs : RealCgroupFs();
  const Paths& paths = mgr.GetPaths();
  if (mgr.IsUnified()) {
    auto it = paths.find("");
    if (it == paths.end()) return FailedPrecondition("cgroup v2 manager without a directory");
    return OpenV2(f, it->second);
  }
  auto it = paths.find("memory");
  if (it == paths.end()) return FailedPrecondition("no memory cgroup hierarchy: no OOM notifications");
  return OpenV1(f, it->second);
}

}  // namespace inclavare::runtime::cgroup
