// rune events: cgroup statistics and OOM notifications as runc prints them.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <limits>

#include "common/log.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/oom.h"
#include "runtime/cgroup/stats.h"
#include "runtime/container.h"
#include "runtime/state.h"

namespace inclavare::runtime {
namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// runc's types.Event: {"type":..,"id":..,"data":..}, data omitted when empty.
std::string EventJson(const char* type, const std::string& id, const Json* data) {
  Json j = Json::object();
  j["type"] = type;
  j["id"] = id;
  if (data) j["data"] = *data;
  return j.dump();
}

Result<> EmitStats(cgroup::Manager& mgr, const std::string& id, const EventSink& emit) {
  IC_ASSIGN_OR_RETURN(cgroup::Stats s, mgr.GetStats());
  Json data = cgroup::StatsToJson(s);
  return emit(EventJson("stats", id, &data));
}

// What the loop needs once the container's lock is released.
struct Target {
  std::unique_ptr<cgroup::Manager> cg;
  UniqueFd init_pidfd;  // readable once the init exits; empty if already gone
};

// Looks the container up under its lock and releases the lock again:
// `events` runs for as long as the container does and must not block
// kill/delete.
Result<Target> OpenTarget(const GlobalOptions& g, const std::string& id) {
  IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, id));
  IC_ASSIGN_OR_RETURN(ContainerRecord rec, dir.Load());
  if (DeriveStatus(rec, dir) == oci::kStatusStopped)
    return FailedPrecondition("container " + id + " is not running");
  if (rec.cgroup_paths.empty()) return FailedPrecondition("container " + id + " has no cgroup");
  Target t;
  IC_ASSIGN_OR_RETURN(t.cg, cgroup::LoadManager(rec.cgroup_paths));
  if (rec.init_pid > 0) {
    t.init_pidfd.Reset(static_cast<int>(::syscall(SYS_pidfd_open, rec.init_pid, 0)));
    // The pidfd pins the process: a matching start time now means it is our
    // init and not a reused pid.
    if (!t.init_pidfd || !InitAlive(rec)) return FailedPrecondition("container " + id + " is not running");
  }
  return t;
}

// Reports the OOMs the watcher saw; true when the cgroup is gone.
Result<bool> DrainOom(cgroup::OomWatcher& w, const std::string& id, const EventSink& emit) {
  IC_ASSIGN_OR_RETURN(cgroup::OomWatcher::Update u, w.Read());
  for (uint64_t i = 0; i < u.ooms; ++i) IC_TRY(emit(EventJson("oom", id, nullptr)));
  return u.gone;
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(const std::string& text) {
  // Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, or "0".
  auto bad = [&](const std::string& why) {
    return InvalidArgument("invalid duration \"" + text + "\": " + why +
                           " (examples: 500ms, 5s, 1m30s; units ns, us, ms, s, m, h)");
  };
  std::string s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.erase(0, 1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad("empty");
  struct Unit {
    const char* name;
    double ns;
  };
  static const Unit kUnits[] = {{"ns", 1},   {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
                                {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
  long double total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    std::string number = s.substr(start, i - start);
    if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1)
      return bad("expected a number at \"" + s.substr(start) + "\"");
    size_t ustart = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    std::string unit = s.substr(ustart, i - ustart);
    if (unit.empty()) return bad("missing unit");
    const Unit* u = nullptr;
    for (const Unit& k : kUnits)
      if (unit == k.name) u = &k;
    if (!u) return bad("unknown unit \"" + unit + "\"");
    total += std::strtold(number.c_str(), nullptr) * u->ns;
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return bad("out of range");
  }
  auto ns = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

Result<> Events(const GlobalOptions& g, const EventsOptions& o, const EventSink& emit) {
  if (o.interval.count() <= 0) return InvalidArgument("--interval must be greater than 0");
  IC_ASSIGN_OR_RETURN(Target t, OpenTarget(g, o.id));
  if (o.stats_only) return EmitStats(*t.cg, o.id, emit);

  std::unique_ptr<cgroup::OomWatcher> oom;
  if (auto w = cgroup::OomWatcher::Open(*t.cg)) {
    oom = std::move(*w);
  } else if (w.error().code() == ErrorCode::kFailedPrecondition) {
    IC_LOG(Debug, "events {}: no OOM notifications: {}", o.id, w.error().ToString());
  } else {
    return std::move(w.error()).Wrap("watch for OOM events");
  }

  auto interval = std::chrono::duration_cast<Clock::duration>(o.interval);
  Clock::time_point next = Clock::now() + interval;
  for (;;) {
    struct pollfd fds[2] = {{-1, POLLIN, 0}, {-1, POLLIN, 0}};
    if (oom) fds[0].fd = oom->fd();
    if (t.init_pidfd) fds[1].fd = t.init_pidfd.Get();
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count() + 1;
    int n = ::poll(fds, 2, static_cast<int>(std::clamp<int64_t>(wait, 0, 60000)));
    if (n < 0 && errno != EINTR) return ErrnoError("poll");
    bool stopped = n > 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0;
    if (oom && (stopped || (n > 0 && fds[0].revents))) {
      // After the init's exit, one more read: the kernel may notify a late
      // OOM (v2 rate-limits memory.events notifications) after the kill.
      IC_ASSIGN_OR_RETURN(bool gone, DrainOom(*oom, o.id, emit));
      if (gone) return {};
    }
    if (stopped) return {};  // the container stopped: done, as runc on cgroup v2
    if (Clock::now() >= next) {
      // runc logs a failed collection and carries on; a failed write to the
      // consumer ends the command.
      if (auto stats = t.cg->GetStats(); stats) {
        Json data = cgroup::StatsToJson(*stats);
        IC_TRY(emit(EventJson("stats", o.id, &data)));
      } else {
        IC_LOG(Error, "events {}: {}", o.id, stats.error().ToString());
      }
      next += interval;
      if (next < Clock::now()) next = Clock::now() + interval;  // fell behind: skip ticks, as time.Tick
    }
  }
}

}  // namespace inclavare::runtime
