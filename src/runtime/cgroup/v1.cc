// The cgroup v1 manager: one directory per mounted hierarchy.
#include <signal.h>

#include <set>

#include "common/fs.h"
#include "common/log.h"
#include "runtime/cgroup/internal.h"
#include "runtime/cgroup/stats_internal.h"

namespace inclavare::runtime::cgroup::internal {
namespace {

bool IsPermissionError(int err) { return err == EACCES || err == EPERM || err == EROFS; }

std::string CpusetValue(std::string_view v) { return Trim(v); }

class V1Manager final : public Manager {
 public:
  V1Manager(Paths paths, CgroupFs* fs) : paths_(std::move(paths)), fs_(*fs) {
    std::set<std::string> seen;
    for (const auto& [c, dir] : paths_) {
      if (seen.insert(dir).second) dirs_.push_back(dir);
    }
  }

  bool IsUnified() const override { return false; }
  const Paths& GetPaths() const override { return paths_; }

  Result<> Create() override {
    std::set<std::string> done;
    for (const auto& [controller, dir] : paths_) {
      if (controller == "cpuset") continue;  // below, with cpus/mems inheritance
      if (!done.insert(dir).second) continue;
      IC_TRY(MkdirP(dir, nullptr));
    }
    if (auto it = paths_.find("cpuset"); it != paths_.end()) IC_TRY(CreateCpuset(it->second));
    return {};
  }

  Result<> Apply(const oci::LinuxResources& r) override {
    if (!r.unified.empty())
      return InvalidArgument(FieldPath("unified") +
                             ": only supported on cgroup v2 (this host uses cgroup v1)");
    IC_TRY(ApplyDevices(r.devices));
    if (r.memory) IC_TRY(ApplyMemory(*r.memory));
    if (r.cpu) IC_TRY(ApplyCpu(*r.cpu));
    if (r.pids && r.pids->limit) {
      IC_ASSIGN_OR_RETURN(std::string dir, Dir("pids", "pids.limit"));
      std::string v = *r.pids->limit > 0 ? std::to_string(*r.pids->limit) : "max";
      IC_TRY(WriteField(fs_, "pids.limit", dir, "pids.max", v));
    }
    if (r.block_io) IC_TRY(ApplyBlockIo(*r.block_io));
    IC_TRY(ApplyHugetlb(r.hugepage_limits));
    if (r.network) IC_TRY(ApplyNetwork(*r.network));
    IC_TRY(ApplyRdma(r.rdma));
    return {};
  }

  Result<> AddProcess(pid_t pid) override {
    for (const std::string& dir : dirs_) IC_TRY(WriteProcs(fs_, dir, pid));
    return {};
  }

  Result<> Freeze() override {
    IC_ASSIGN_OR_RETURN(std::string dir, FreezerDir());
    std::string file = fs::Join(dir, "freezer.state");
    int64_t deadline = NowMicros() + 2000000;
    int64_t delay = 100;
    for (int i = 0;; ++i) {
      // A cgroup can get stuck in FREEZING when a task forks at the wrong
      // moment; a thaw and re-freeze now and then breaks it (runc #3240).
      if (i % 50 == 49) IC_TRY(fs_.WriteFile(file, "THAWED").Wrap("freeze"));
      IC_TRY(fs_.WriteFile(file, "FROZEN").Wrap("freeze"));
      IC_ASSIGN_OR_RETURN(std::string state, fs_.ReadFile(file));
      if (Trim(state) == "FROZEN") return {};
      if (!BackoffSleep(deadline, &delay, 10000)) break;
    }
    (void)fs_.WriteFile(file, "THAWED");
    return Error(ErrorCode::kUnavailable, "freeze " + dir + ": still FREEZING after 2s, thawed again");
  }

  Result<> Thaw() override {
    IC_ASSIGN_OR_RETURN(std::string dir, FreezerDir());
    return fs_.WriteFile(fs::Join(dir, "freezer.state"), "THAWED").Wrap("thaw");
  }

  Result<FreezerState> GetFreezerState() override {
    auto it = paths_.find("freezer");
    if (it == paths_.end()) return FreezerState::kUndefined;
    IC_ASSIGN_OR_RETURN(std::string state, fs_.ReadFile(fs::Join(it->second, "freezer.state")));
    std::string s = Trim(state);
    if (s == "THAWED") return FreezerState::kThawed;
    if (s == "FREEZING") return FreezerState::kFreezing;
    if (s == "FROZEN") return FreezerState::kFrozen;
    return Internal("freezer " + it->second + ": unknown state \"" + s + "\"");
  }

  Result<std::vector<pid_t>> GetPids() override {
    IC_ASSIGN_OR_RETURN(std::string dir, PidsDir());
    std::string procs = fs::Join(dir, "cgroup.procs");
    IC_ASSIGN_OR_RETURN(std::string content, fs_.ReadFile(procs));
    return ParsePids(content, procs);
  }

  Result<std::vector<pid_t>> GetAllPids() override {
    IC_ASSIGN_OR_RETURN(std::string dir, PidsDir());
    return ReadPidsRecursive(fs_, dir);
  }

  Result<> KillAll(int sig) override {
    bool can_freeze = paths_.count("freezer") > 0;
    FreezerState before = FreezerState::kUndefined;
    if (can_freeze) {
      IC_ASSIGN_OR_RETURN(before, GetFreezerState());
      // Best effort: if freezing times out we still signal.
      if (before != FreezerState::kFrozen) (void)Freeze();
    }
    IC_ASSIGN_OR_RETURN(std::vector<pid_t> pids, GetAllPids());
    auto sent = SignalPids(pids, sig);
    // Thaw unless the container was paused before; SIGKILL is only
    // delivered to frozen tasks once thawed, so thaw for it regardless.
    if (can_freeze && (before != FreezerState::kFrozen || sig == SIGKILL)) IC_TRY(Thaw());
    return sent;
  }

  Result<> Destroy() override {
    Result<> first;
    for (const std::string& dir : dirs_) {
      auto r = RemoveCgroup(fs_, dir);
      if (!r && first) first = std::move(r);
    }
    return first;
  }

  Result<UniqueFd> OpenCgroupDir() override {
    return Unimplemented("cgroup v1 has no single cgroup directory (CLONE_INTO_CGROUP is v2 only)");
  }

  Result<Stats> GetStats() override { return ReadV1Stats(fs_, paths_, HugePageSizes()); }

 private:
  Result<std::string> Dir(const char* controller, std::string_view field) {
    auto it = paths_.find(controller);
    if (it == paths_.end())
      return FailedPrecondition(FieldPath(field) + ": the cgroup v1 \"" + controller +
                                "\" controller is not mounted on this host");
    return it->second;
  }

  Result<std::string> FreezerDir() {
    auto it = paths_.find("freezer");
    if (it == paths_.end())
      return FailedPrecondition("the cgroup v1 freezer controller is not mounted on this host");
    return it->second;
  }

  // The hierarchy whose cgroup.procs lists the container (runc uses devices).
  Result<std::string> PidsDir() {
    for (const char* c : {"pids", "devices", "freezer", "memory", "cpu"}) {
      if (auto it = paths_.find(c); it != paths_.end()) return it->second;
    }
    if (!dirs_.empty()) return dirs_.front();
    return FailedPrecondition("no cgroup hierarchy");
  }

  // mkdir -p, cheapest first: one mkdir when the parent exists. Created
  // directories are appended (top-down) to *created when given.
  Result<> MkdirP(const std::string& dir, std::vector<std::string>* created) {
    auto r = fs_.Mkdir(dir, 0755);
    if (r) {
      if (*r && created) created->push_back(dir);
      return {};
    }
    int err = r.error().sys_errno();
    if (err == ENOENT) {
      size_t slash = dir.find_last_of('/');
      if (slash == 0 || slash == std::string::npos) return r.error();
      IC_TRY(MkdirP(dir.substr(0, slash), created));
      r = fs_.Mkdir(dir, 0755);
      if (r) {
        if (*r && created) created->push_back(dir);
        return {};
      }
      err = r.error().sys_errno();
    }
    if (IsPermissionError(err))
      return Error(ErrorCode::kPermissionDenied,
                   "create cgroup " + dir +
                       ": no permission (rootless without a delegated cgroup, or a read-only cgroupfs)",
                   err);
    return std::move(r.error()).Wrap("create cgroup");
  }

  // A new v1 cpuset cgroup starts with empty cpus and mems, and attaching a
  // task then fails with ENOSPC; copy the parent's values into each new
  // level (and into the leaf if an earlier attempt left it empty).
  Result<> CreateCpuset(const std::string& dir) {
    std::vector<std::string> created;
    IC_TRY(MkdirP(dir, &created));
    if (created.empty() || created.back() != dir) created.push_back(dir);
    for (const std::string& d : created) {
      std::string parent = d.substr(0, d.find_last_of('/'));
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        std::string mine = fs::Join(d, file);
        IC_ASSIGN_OR_RETURN(std::string cur, fs_.ReadFile(mine).Wrap("init cpuset"));
        if (!CpusetValue(cur).empty()) continue;
        IC_ASSIGN_OR_RETURN(std::string from_parent,
                            fs_.ReadFile(fs::Join(parent, file)).Wrap("init cpuset"));
        std::string value = CpusetValue(from_parent);
        if (value.empty()) continue;
        IC_TRY(fs_.WriteFile(mine, value).Wrap("init cpuset"));
      }
    }
    return {};
  }

  Result<> ApplyDevices(const std::vector<oci::LinuxDeviceCgroup>& rules) {
    if (rules.empty()) return {};
    IC_ASSIGN_OR_RETURN(std::string dir, Dir("devices", "devices"));
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string field = "devices[" + std::to_string(i) + "]";
      IC_ASSIGN_OR_RETURN(std::string rule, DeviceRuleString(rules[i], field));
      IC_TRY(WriteField(fs_, field, dir, rules[i].allow ? "devices.allow" : "devices.deny", rule));
    }
    return {};
  }

  Result<> ApplyMemory(const oci::LinuxMemory& m) {
    if (m.kernel)
      IC_LOG(Warn, "{}: kernel memory limits are deprecated and ignored", FieldPath("memory.kernel"));
    // runc's convention: 0 means "not set" for these.
    std::optional<int64_t> limit = m.limit && *m.limit != 0 ? m.limit : std::nullopt;
    std::optional<int64_t> swap = m.swap && *m.swap != 0 ? m.swap : std::nullopt;
    bool swap_implied = false;
    if (limit == -1 && !swap) {
      swap = -1;  // unlimited memory: unlimited memory+swap too
      swap_implied = true;
    }
    bool any = limit || swap || (m.reservation && *m.reservation != 0) ||
               (m.kernel_tcp && *m.kernel_tcp != 0) || m.swappiness || m.disable_oom_killer ||
               m.use_hierarchy;
    if (!any) return {};
    IC_ASSIGN_OR_RETURN(std::string dir, Dir("memory", "memory"));

    if (limit && *limit < -1) return InvalidArgument(FieldPath("memory.limit") + ": invalid value");
    if (swap && *swap < -1) return InvalidArgument(FieldPath("memory.swap") + ": invalid value");
    if (limit && swap && *limit > 0 && *swap > 0 && *swap < *limit)
      return InvalidArgument(FieldPath("memory.swap") + ": " + std::to_string(*swap) +
                             " (memory+swap) must be >= memory.limit " + std::to_string(*limit));
    if (m.check_before_update.value_or(false) && limit && *limit > 0) {
      IC_ASSIGN_OR_RETURN(std::string usage, fs_.ReadFile(fs::Join(dir, "memory.usage_in_bytes")));
      if (ParseInt64(usage).value_or(0) > *limit)
        return FailedPrecondition(FieldPath("memory.limit") + ": " + std::to_string(*limit) +
                                  " is below the current usage " + Trim(usage) + " (checkBeforeUpdate)");
    }

    auto write_swap = [&]() -> Result<> {
      if (*swap == -1 && !fs_.Exists(fs::Join(dir, "memory.memsw.limit_in_bytes"))) return {};
      auto r = WriteField(fs_, "memory.swap", dir, "memory.memsw.limit_in_bytes", std::to_string(*swap));
      if (!r && r.error().code() == ErrorCode::kFailedPrecondition && !swap_implied)
        return std::move(r).Wrap("swap accounting disabled? (swapaccount=1)");
      return r;
    };
    if (limit && swap) {
      // memory.limit <= memory.memsw.limit must hold after each write, so
      // raise memsw first when the new total exceeds the current limit.
      bool swap_first = *swap == -1;
      if (!swap_first) {
        auto cur = fs_.ReadFile(fs::Join(dir, "memory.limit_in_bytes"));
        swap_first = cur && ParseInt64(*cur).value_or(INT64_MAX) < *swap;
      }
      if (swap_first) IC_TRY(write_swap());
      IC_TRY(WriteField(fs_, "memory.limit", dir, "memory.limit_in_bytes", std::to_string(*limit)));
      if (!swap_first) IC_TRY(write_swap());
    } else if (limit) {
      IC_TRY(WriteField(fs_, "memory.limit", dir, "memory.limit_in_bytes", std::to_string(*limit)));
    } else if (swap) {
      IC_TRY(write_swap());
    }
    if (m.reservation && *m.reservation != 0)
      IC_TRY(WriteField(fs_, "memory.reservation", dir, "memory.soft_limit_in_bytes",
                        std::to_string(*m.reservation)));
    if (m.kernel_tcp && *m.kernel_tcp != 0)
      IC_TRY(WriteField(fs_, "memory.kernelTCP", dir, "memory.kmem.tcp.limit_in_bytes",
                        std::to_string(*m.kernel_tcp)));
    if (m.swappiness) {
      if (*m.swappiness > 100)
        return InvalidArgument(FieldPath("memory.swappiness") + ": " + std::to_string(*m.swappiness) +
                               " is not in [0, 100]");
      IC_TRY(WriteField(fs_, "memory.swappiness", dir, "memory.swappiness", std::to_string(*m.swappiness)));
    }
    if (m.disable_oom_killer)
      IC_TRY(WriteField(fs_, "memory.disableOOMKiller", dir, "memory.oom_control",
                        *m.disable_oom_killer ? "1" : "0"));
    if (m.use_hierarchy)
      IC_TRY(
          WriteField(fs_, "memory.useHierarchy", dir, "memory.use_hierarchy", *m.use_hierarchy ? "1" : "0"));
    return {};
  }

  Result<> ApplyCpu(const oci::LinuxCpu& c) {
    bool cpu_any = (c.shares && *c.shares != 0) || (c.quota && *c.quota != 0) ||
                   (c.period && *c.period != 0) || c.burst || c.realtime_runtime || c.realtime_period ||
                   c.idle;
    if (cpu_any) {
      IC_ASSIGN_OR_RETURN(std::string dir, Dir("cpu", "cpu"));
      if (c.shares && *c.shares != 0) {
        if (*c.shares < 2 || *c.shares > 262144)
          return InvalidArgument(FieldPath("cpu.shares") + ": " + std::to_string(*c.shares) +
                                 " is not in [2, 262144]");
        IC_TRY(WriteField(fs_, "cpu.shares", dir, "cpu.shares", std::to_string(*c.shares)));
      }
      bool want_quota = c.quota && *c.quota != 0;
      bool period_pending = false;
      if (c.period && *c.period != 0) {
        auto r = WriteField(fs_, "cpu.period", dir, "cpu.cfs_period_us", std::to_string(*c.period));
        // A shorter period can be rejected (EINVAL) while the old quota is in
        // place (old_quota/new_period over the parent's limit); retry after
        // writing the new quota.
        if (!r) {
          if (r.error().sys_errno() != EINVAL || !want_quota) return r;
          period_pending = true;
        }
      }
      if (want_quota) {
        IC_TRY(WriteField(fs_, "cpu.quota", dir, "cpu.cfs_quota_us",
                          std::to_string(*c.quota < 0 ? -1 : *c.quota)));
        if (period_pending)
          IC_TRY(WriteField(fs_, "cpu.period", dir, "cpu.cfs_period_us", std::to_string(*c.period)));
      }
      if (c.burst && !(*c.burst == 0 && !fs_.Exists(fs::Join(dir, "cpu.cfs_burst_us"))))
        IC_TRY(WriteField(fs_, "cpu.burst", dir, "cpu.cfs_burst_us", std::to_string(*c.burst)));
      if (c.realtime_period)
        IC_TRY(WriteField(fs_, "cpu.realtimePeriod", dir, "cpu.rt_period_us",
                          std::to_string(*c.realtime_period)));
      if (c.realtime_runtime)
        IC_TRY(WriteField(fs_, "cpu.realtimeRuntime", dir, "cpu.rt_runtime_us",
                          std::to_string(*c.realtime_runtime)));
      if (c.idle && !(*c.idle == 0 && !fs_.Exists(fs::Join(dir, "cpu.idle"))))
        IC_TRY(WriteField(fs_, "cpu.idle", dir, "cpu.idle", std::to_string(*c.idle)));
    }
    bool cpus = c.cpus && !c.cpus->empty();
    bool mems = c.mems && !c.mems->empty();
    if (cpus || mems) {
      IC_ASSIGN_OR_RETURN(std::string dir, Dir("cpuset", cpus ? "cpu.cpus" : "cpu.mems"));
      if (cpus) IC_TRY(WriteField(fs_, "cpu.cpus", dir, "cpuset.cpus", *c.cpus));
      if (mems) IC_TRY(WriteField(fs_, "cpu.mems", dir, "cpuset.mems", *c.mems));
    }
    return {};
  }

  Result<> ApplyBlockIo(const oci::LinuxBlockIo& b) {
    bool any = b.weight || b.leaf_weight || !b.weight_device.empty() || !b.throttle_read_bps_device.empty() ||
               !b.throttle_write_bps_device.empty() || !b.throttle_read_iops_device.empty() ||
               !b.throttle_write_iops_device.empty();
    if (!any) return {};
    IC_ASSIGN_OR_RETURN(std::string dir, Dir("blkio", "blockIO"));
    // BFQ (the only proportional scheduler on modern kernels) has its own
    // files; CFQ's blkio.weight exists only on old kernels.
    bool bfq = fs_.Exists(fs::Join(dir, "blkio.bfq.weight"));
    const char* weight_file = bfq ? "blkio.bfq.weight" : "blkio.weight";
    const char* weight_device_file = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
    if (b.weight) IC_TRY(WriteField(fs_, "blockIO.weight", dir, weight_file, std::to_string(*b.weight)));
    if (b.leaf_weight)
      IC_TRY(WriteField(fs_, "blockIO.leafWeight", dir, "blkio.leaf_weight", std::to_string(*b.leaf_weight)));
    for (size_t i = 0; i < b.weight_device.size(); ++i) {
      const auto& d = b.weight_device[i];
      std::string field = "blockIO.weightDevice[" + std::to_string(i) + "]";
      std::string dev = std::to_string(d.major) + ":" + std::to_string(d.minor) + " ";
      if (d.weight)
        IC_TRY(WriteField(fs_, field + ".weight", dir, weight_device_file, dev + std::to_string(*d.weight)));
      if (d.leaf_weight)
        IC_TRY(WriteField(fs_, field + ".leafWeight", dir, "blkio.leaf_weight_device",
                          dev + std::to_string(*d.leaf_weight)));
    }
    auto throttle = [&](const std::vector<oci::LinuxThrottleDevice>& list, const char* name,
                        const char* file) -> Result<> {
      for (size_t i = 0; i < list.size(); ++i) {
        std::string v = std::to_string(list[i].major) + ":" + std::to_string(list[i].minor) + " " +
                        std::to_string(list[i].rate);
        IC_TRY(WriteField(fs_, std::string("blockIO.") + name + "[" + std::to_string(i) + "]", dir, file, v));
      }
      return {};
    };
    IC_TRY(throttle(b.throttle_read_bps_device, "throttleReadBpsDevice", "blkio.throttle.read_bps_device"));
    IC_TRY(
        throttle(b.throttle_write_bps_device, "throttleWriteBpsDevice", "blkio.throttle.write_bps_device"));
    IC_TRY(
        throttle(b.throttle_read_iops_device, "throttleReadIOPSDevice", "blkio.throttle.read_iops_device"));
    IC_TRY(throttle(b.throttle_write_iops_device, "throttleWriteIOPSDevice",
                    "blkio.throttle.write_iops_device"));
    return {};
  }

  Result<> ApplyHugetlb(const std::vector<oci::LinuxHugepageLimit>& limits) {
    if (limits.empty()) return {};
    IC_ASSIGN_OR_RETURN(std::string dir, Dir("hugetlb", "hugepageLimits"));
    for (size_t i = 0; i < limits.size(); ++i) {
      std::string field = "hugepageLimits[" + std::to_string(i) + "]";
      IC_TRY(ValidatePageSize(limits[i].page_size, field + ".pageSize"));
      std::string value = std::to_string(limits[i].limit);
      // Reservation limits (Linux 5.7) where present, as the spec prefers.
      std::string rsvd = "hugetlb." + limits[i].page_size + ".rsvd.limit_in_bytes";
      if (fs_.Exists(fs::Join(dir, rsvd))) IC_TRY(WriteField(fs_, field, dir, rsvd, value));
      IC_TRY(WriteField(fs_, field, dir, "hugetlb." + limits[i].page_size + ".limit_in_bytes", value));
    }
    return {};
  }

  Result<> ApplyNetwork(const oci::LinuxNetwork& n) {
    if (n.class_id) {
      IC_ASSIGN_OR_RETURN(std::string dir, Dir("net_cls", "network.classID"));
      IC_TRY(WriteField(fs_, "network.classID", dir, "net_cls.classid", std::to_string(*n.class_id)));
    }
    if (!n.priorities.empty()) {
      IC_ASSIGN_OR_RETURN(std::string dir, Dir("net_prio", "network.priorities"));
      for (size_t i = 0; i < n.priorities.size(); ++i) {
        const auto& p = n.priorities[i];
        if (p.name.empty() || p.name.find_first_of(" \n\t") != std::string::npos)
          return InvalidArgument(FieldPath("network.priorities[" + std::to_string(i) + "].name") +
                                 ": invalid interface name \"" + p.name + "\"");
        IC_TRY(WriteField(fs_, "network.priorities[" + std::to_string(i) + "]", dir, "net_prio.ifpriomap",
                          p.name + " " + std::to_string(p.priority)));
      }
    }
    return {};
  }

  Result<> ApplyRdma(const std::map<std::string, oci::LinuxRdma>& rdma) {
    if (rdma.empty()) return {};
    IC_ASSIGN_OR_RETURN(std::string dir, Dir("rdma", "rdma"));
    for (const auto& [device, lim] : rdma) {
      if (!lim.hca_handles && !lim.hca_objects) continue;
      std::string v = device;
      if (lim.hca_handles) v += " hca_handle=" + std::to_string(*lim.hca_handles);
      if (lim.hca_objects) v += " hca_object=" + std::to_string(*lim.hca_objects);
      IC_TRY(WriteField(fs_, "rdma." + device, dir, "rdma.max", v));
    }
    return {};
  }

  Paths paths_;
  std::vector<std::string> dirs_;  // unique directories, in paths_ order
  CgroupFs& fs_;
};

}  // namespace

std::unique_ptr<Manager> MakeV1Manager(Paths paths, CgroupFs* fs) {
  return std::make_unique<V1Manager>(std::move(paths), fs);
}

}  // namespace inclavare::runtime::cgroup::internal
