// The cgroup v2 manager: one directory in the unified hierarchy.
#include <signal.h>

#include <set>

#include "common/fs.h"
#include "common/log.h"
#include "runtime/cgroup/devices_bpf.h"
#include "runtime/cgroup/internal.h"
#include "runtime/cgroup/stats_internal.h"

namespace inclavare::runtime::cgroup::internal {
namespace {

bool IsPermissionError(int err) { return err == EACCES || err == EPERM || err == EROFS; }

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\n' && s[j] != '\t') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Value of `key` in a flat-keyed file such as cgroup.events ("frozen 1").
std::optional<std::string> KeyedValue(std::string_view content, std::string_view key) {
  auto words = Words(content);
  for (size_t i = 0; i + 1 < words.size(); i += 2) {
    if (words[i] == key) return words[i + 1];
  }
  return std::nullopt;
}

class V2Manager final : public Manager {
 public:
  V2Manager(std::string dir, std::string root, CgroupFs* fs)
      : dir_(std::move(dir)), root_(std::move(root)), fs_(*fs) {
    paths_[""] = dir_;
  }

  bool IsUnified() const override { return true; }
  const Paths& GetPaths() const override { return paths_; }

  Result<> Create() override {
    if (dir_.size() <= root_.size() || dir_.compare(0, root_.size(), root_) != 0 || dir_[root_.size()] != '/')
      return FailedPrecondition("create cgroup " + dir_ + ": not below the cgroup2 root " + root_);
    std::string cur = root_;
    std::string_view rest = std::string_view(dir_).substr(root_.size() + 1);
    while (!rest.empty()) {
      size_t slash = rest.find('/');
      std::string_view comp = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
      IC_TRY(EnableControllers(cur));
      cur = fs::Join(cur, comp);
      auto r = fs_.Mkdir(cur, 0755);
      if (!r) {
        int err = r.error().sys_errno();
        if (IsPermissionError(err))
          return Error(ErrorCode::kPermissionDenied,
                       "create cgroup " + cur +
                           ": no permission (rootless without a delegated cgroup, or a read-only "
                           "cgroupfs)",
                       err);
        return std::move(r.error()).Wrap("create cgroup");
      }
    }
    return {};
  }

  Result<> Apply(const oci::LinuxResources& r) override {
    // Devices: an eBPF program replaces the previous one (devices_bpf.h);
    // no rules leave the attached program alone. Without the privilege for
    // bpf(2) (rootless) they are not enforced, as with runc.
    if (!r.devices.empty()) {
      IC_ASSIGN_OR_RETURN(DeviceFilter filter, CompileDeviceFilter(r.devices));
      auto attached = fs_.SetDeviceFilter(dir_, filter);
      if (!attached && attached.error().code() == ErrorCode::kPermissionDenied && BpfUnprivileged())
        IC_LOG(Warn, "{}: not enforced, no privilege for eBPF device programs: {}", FieldPath("devices"),
               attached.error().ToString());
      else if (!attached)
        return std::move(attached.error()).Wrap(FieldPath("devices"));
    }
    if (r.memory) IC_TRY(ApplyMemory(*r.memory));
    if (r.cpu) IC_TRY(ApplyCpu(*r.cpu));
    if (r.pids && r.pids->limit) {
      std::string v = *r.pids->limit > 0 ? std::to_string(*r.pids->limit) : "max";
      IC_TRY(WriteField(fs_, "pids.limit", dir_, "pids.max", v));
    }
    if (r.block_io) IC_TRY(ApplyIo(*r.block_io));
    for (size_t i = 0; i < r.hugepage_limits.size(); ++i) {
      const auto& h = r.hugepage_limits[i];
      std::string field = "hugepageLimits[" + std::to_string(i) + "]";
      IC_TRY(ValidatePageSize(h.page_size, field + ".pageSize"));
      std::string rsvd = "hugetlb." + h.page_size + ".rsvd.max";
      if (fs_.Exists(fs::Join(dir_, rsvd)))
        IC_TRY(WriteField(fs_, field, dir_, rsvd, std::to_string(h.limit)));
      IC_TRY(WriteField(fs_, field, dir_, "hugetlb." + h.page_size + ".max", std::to_string(h.limit)));
    }
    if (r.network && (r.network->class_id || !r.network->priorities.empty()))
      return FailedPrecondition(FieldPath("network") +
                                ": net_cls/net_prio do not exist on cgroup v2 (use eBPF or "
                                "nftables cgroup matching instead)");
    for (const auto& [device, lim] : r.rdma) {
      if (!lim.hca_handles && !lim.hca_objects) continue;
      std::string v = device;
      if (lim.hca_handles) v += " hca_handle=" + std::to_string(*lim.hca_handles);
      if (lim.hca_objects) v += " hca_object=" + std::to_string(*lim.hca_objects);
      IC_TRY(WriteField(fs_, "rdma." + device, dir_, "rdma.max", v));
    }
    // Last, so raw values override the converted ones (runc's order).
    for (const auto& [key, value] : r.unified) {
      std::string field = "unified." + key;
      if (key.empty() || key.find('/') != std::string::npos || key.front() == '.' ||
          key.find('.') == std::string::npos)
        return InvalidArgument(FieldPath(field) + ": not a cgroup v2 control file name");
      IC_TRY(WriteField(fs_, field, dir_, key, value));
    }
    return {};
  }

  Result<> AddProcess(pid_t pid) override { return WriteProcs(fs_, dir_, pid); }

  Result<> Freeze() override {
    std::string freeze = fs::Join(dir_, "cgroup.freeze");
    IC_TRY(fs_.WriteFile(freeze, "1").Wrap("freeze (cgroup v2 freezer needs Linux 5.2)"));
    std::string events = fs::Join(dir_, "cgroup.events");
    int64_t deadline = NowMicros() + 2000000;
    int64_t delay = 100;
    for (;;) {
      IC_ASSIGN_OR_RETURN(std::string content, fs_.ReadFile(events).Wrap("freeze"));
      if (KeyedValue(content, "frozen") == "1") return {};
      if (!BackoffSleep(deadline, &delay, 10000)) break;
    }
    (void)fs_.WriteFile(freeze, "0");
    return Error(ErrorCode::kUnavailable, "freeze " + dir_ + ": not frozen after 2s, thawed again");
  }

  Result<> Thaw() override { return fs_.WriteFile(fs::Join(dir_, "cgroup.freeze"), "0").Wrap("thaw"); }

  Result<FreezerState> GetFreezerState() override {
    auto want = fs_.ReadFile(fs::Join(dir_, "cgroup.freeze"));
    if (!want) {
      if (want.error().sys_errno() == ENOENT && fs_.Exists(dir_)) return FreezerState::kUndefined;
      return std::move(want).error();
    }
    if (Trim(*want) == "0") return FreezerState::kThawed;
    IC_ASSIGN_OR_RETURN(std::string events, fs_.ReadFile(fs::Join(dir_, "cgroup.events")));
    return KeyedValue(events, "frozen") == "1" ? FreezerState::kFrozen : FreezerState::kFreezing;
  }

  Result<std::vector<pid_t>> GetPids() override {
    std::string procs = fs::Join(dir_, "cgroup.procs");
    IC_ASSIGN_OR_RETURN(std::string content, fs_.ReadFile(procs));
    return ParsePids(content, procs);
  }

  Result<std::vector<pid_t>> GetAllPids() override { return ReadPidsRecursive(fs_, dir_); }

  Result<> KillAll(int sig) override {
    std::string kill_file = fs::Join(dir_, "cgroup.kill");
    if (sig == SIGKILL && fs_.Exists(kill_file))
      return fs_.WriteFile(kill_file, "1").Wrap("kill all processes in " + dir_);
    IC_ASSIGN_OR_RETURN(FreezerState before, GetFreezerState());
    bool can_freeze = before != FreezerState::kUndefined;
    if (can_freeze && before != FreezerState::kFrozen) (void)Freeze();
    IC_ASSIGN_OR_RETURN(std::vector<pid_t> pids, GetAllPids());
    auto sent = SignalPids(pids, sig);
    if (can_freeze && (before != FreezerState::kFrozen || sig == SIGKILL)) IC_TRY(Thaw());
    return sent;
  }

  Result<> Destroy() override { return RemoveCgroup(fs_, dir_); }

  Result<UniqueFd> OpenCgroupDir() override { return fs_.OpenDir(dir_); }

  Result<Stats> GetStats() override { return ReadV2Stats(fs_, dir_, HugePageSizes()); }

 private:
  // Enables in dir/cgroup.subtree_control every controller dir offers that
  // is not enabled yet (reading first: a write walks the whole subtree in
  // the kernel even when it changes nothing). A controller that cannot be
  // enabled is skipped; Apply reports it if a field needs it.
  Result<> EnableControllers(const std::string& dir) {
    IC_ASSIGN_OR_RETURN(std::string available, fs_.ReadFile(fs::Join(dir, "cgroup.controllers")));
    std::string control = fs::Join(dir, "cgroup.subtree_control");
    IC_ASSIGN_OR_RETURN(std::string enabled_text, fs_.ReadFile(control));
    auto enabled = Words(enabled_text);
    std::set<std::string> have(enabled.begin(), enabled.end());
    std::vector<std::string> missing;
    for (const std::string& c : Words(available)) {
      if (!have.count(c)) missing.push_back(c);
    }
    if (missing.empty()) return {};
    std::string all;
    for (const std::string& c : missing) all += (all.empty() ? "+" : " +") + c;
    if (fs_.WriteFile(control, all)) return {};
    for (const std::string& c : missing) {
      auto r = fs_.WriteFile(control, "+" + c);
      if (!r) {
        if (IsPermissionError(r.error().sys_errno()))
          return Error(ErrorCode::kPermissionDenied,
                       "enable controllers in " + control + ": no permission (rootless?)",
                       r.error().sys_errno());
        IC_LOG(Debug, "cgroup: cannot enable {} in {}: {}", c, control, r.error().ToString());
      }
    }
    return {};
  }

  Result<> ApplyMemory(const oci::LinuxMemory& m) {
    if (m.kernel)
      IC_LOG(Warn, "{}: kernel memory limits are deprecated and ignored", FieldPath("memory.kernel"));
    if (m.kernel_tcp && *m.kernel_tcp != 0)
      return FailedPrecondition(FieldPath("memory.kernelTCP") + ": not supported on cgroup v2");
    if (m.swappiness)
      return FailedPrecondition(FieldPath("memory.swappiness") +
                                ": not supported on cgroup v2 (no per-cgroup memory.swappiness)");
    if (m.disable_oom_killer.value_or(false))
      return FailedPrecondition(FieldPath("memory.disableOOMKiller") + ": not supported on cgroup v2");
    if (m.use_hierarchy && !*m.use_hierarchy)
      return FailedPrecondition(FieldPath("memory.useHierarchy") +
                                ": cgroup v2 is always hierarchical; false is not supported");
    int64_t limit = m.limit.value_or(0);
    if (limit < -1) return InvalidArgument(FieldPath("memory.limit") + ": invalid value");
    IC_ASSIGN_OR_RETURN(int64_t swap, ConvertSwapToV2(m.swap.value_or(0), limit));
    if (m.check_before_update.value_or(false) && limit > 0) {
      IC_ASSIGN_OR_RETURN(std::string usage, fs_.ReadFile(fs::Join(dir_, "memory.current")));
      if (ParseInt64(usage).value_or(0) > limit)
        return FailedPrecondition(FieldPath("memory.limit") + ": " + std::to_string(limit) +
                                  " is below the current usage " + Trim(usage) + " (checkBeforeUpdate)");
    }
    auto num = [](int64_t v) { return v == -1 ? std::string("max") : std::to_string(v); };
    if (swap != 0) {
      // Without swap accounting there is no memory.swap.max; "max" is then
      // already the effective value.
      if (!(swap == -1 && !fs_.Exists(fs::Join(dir_, "memory.swap.max"))))
        IC_TRY(WriteField(fs_, "memory.swap", dir_, "memory.swap.max", num(swap)));
    }
    if (limit != 0) IC_TRY(WriteField(fs_, "memory.limit", dir_, "memory.max", num(limit)));
    if (m.reservation && *m.reservation != 0)
      IC_TRY(WriteField(fs_, "memory.reservation", dir_, "memory.low", num(*m.reservation)));
    return {};
  }

  Result<> ApplyCpu(const oci::LinuxCpu& c) {
    if (c.realtime_runtime.value_or(0) != 0 || c.realtime_period.value_or(0) != 0)
      return FailedPrecondition(FieldPath(c.realtime_runtime ? "cpu.realtimeRuntime" : "cpu.realtimePeriod") +
                                ": realtime scheduling limits are not supported on cgroup v2");
    if (c.shares && *c.shares != 0) {
      if (*c.shares < 2 || *c.shares > 262144)
        return InvalidArgument(FieldPath("cpu.shares") + ": " + std::to_string(*c.shares) +
                               " is not in [2, 262144]");
      IC_TRY(WriteField(fs_, "cpu.shares", dir_, "cpu.weight",
                        std::to_string(ConvertCpuSharesToWeight(*c.shares))));
    }
    bool quota = c.quota && *c.quota != 0;
    bool period = c.period && *c.period != 0;
    if (quota || period) {
      // "$QUOTA $PERIOD"; a missing period keeps the kernel's (runc).
      std::string v = quota && *c.quota > 0 ? std::to_string(*c.quota) : "max";
      if (period) v += " " + std::to_string(*c.period);
      IC_TRY(WriteField(fs_, quota ? "cpu.quota" : "cpu.period", dir_, "cpu.max", v));
    }
    if (c.burst && !(*c.burst == 0 && !fs_.Exists(fs::Join(dir_, "cpu.max.burst"))))
      IC_TRY(WriteField(fs_, "cpu.burst", dir_, "cpu.max.burst", std::to_string(*c.burst)));
    if (c.idle && !(*c.idle == 0 && !fs_.Exists(fs::Join(dir_, "cpu.idle"))))
      IC_TRY(WriteField(fs_, "cpu.idle", dir_, "cpu.idle", std::to_string(*c.idle)));
    if (c.cpus && !c.cpus->empty()) IC_TRY(WriteField(fs_, "cpu.cpus", dir_, "cpuset.cpus", *c.cpus));
    if (c.mems && !c.mems->empty()) IC_TRY(WriteField(fs_, "cpu.mems", dir_, "cpuset.mems", *c.mems));
    return {};
  }

  Result<> ApplyIo(const oci::LinuxBlockIo& b) {
    if (b.leaf_weight)
      return FailedPrecondition(FieldPath("blockIO.leafWeight") + ": not supported on cgroup v2");
    bool bfq = (b.weight || !b.weight_device.empty()) && fs_.Exists(fs::Join(dir_, "io.bfq.weight"));
    if (b.weight) {
      // io.bfq.weight takes blkio's range; io.weight needs the conversion.
      if (bfq)
        IC_TRY(WriteField(fs_, "blockIO.weight", dir_, "io.bfq.weight", std::to_string(*b.weight)));
      else
        IC_TRY(WriteField(fs_, "blockIO.weight", dir_, "io.weight",
                          std::to_string(ConvertBlkioWeightToIoWeight(*b.weight))));
    }
    for (size_t i = 0; i < b.weight_device.size(); ++i) {
      const auto& d = b.weight_device[i];
      std::string field = "blockIO.weightDevice[" + std::to_string(i) + "]";
      if (d.leaf_weight)
        return FailedPrecondition(FieldPath(field + ".leafWeight") + ": not supported on cgroup v2");
      if (!d.weight) continue;
      std::string dev = std::to_string(d.major) + ":" + std::to_string(d.minor) + " ";
      if (bfq)
        IC_TRY(WriteField(fs_, field + ".weight", dir_, "io.bfq.weight", dev + std::to_string(*d.weight)));
      else
        IC_TRY(WriteField(fs_, field + ".weight", dir_, "io.weight",
                          dev + std::to_string(ConvertBlkioWeightToIoWeight(*d.weight))));
    }
    auto throttle = [&](const std::vector<oci::LinuxThrottleDevice>& list, const char* name,
                        const char* key) -> Result<> {
      for (size_t i = 0; i < list.size(); ++i) {
        std::string v = std::to_string(list[i].major) + ":" + std::to_string(list[i].minor) + " " + key +
                        "=" + std::to_string(list[i].rate);
        IC_TRY(WriteField(fs_, std::string("blockIO.") + name + "[" + std::to_string(i) + "]", dir_, "io.max",
                          v));
      }
      return {};
    };
    IC_TRY(throttle(b.throttle_read_bps_device, "throttleReadBpsDevice", "rbps"));
    IC_TRY(throttle(b.throttle_write_bps_device, "throttleWriteBpsDevice", "wbps"));
    IC_TRY(throttle(b.throttle_read_iops_device, "throttleReadIOPSDevice", "riops"));
    IC_TRY(throttle(b.throttle_write_iops_device, "throttleWriteIOPSDevice", "wiops"));
    return {};
  }

  std::string dir_;
  std::string root_;
  Paths paths_;
  CgroupFs& fs_;
};

}  // namespace

std::unique_ptr<Manager> MakeV2Manager(std::string dir, std::string root, CgroupFs* fs) {
  return std::make_unique<V2Manager>(std::move(dir), std::move(root), fs);
}

}  // namespace inclavare::runtime::cgroup::internal
