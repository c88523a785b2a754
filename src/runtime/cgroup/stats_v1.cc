// cgroup v1 statistics: one reader per controller, as runc's fs package
// (see stats.h for the files and rules).
#include <cerrno>

#include "common/fs.h"
#include "runtime/cgroup/internal.h"
#include "runtime/cgroup/stats_internal.h"

namespace inclavare::runtime::cgroup::internal {
namespace {

// USER_HZ: cpuacct.stat counts in clock ticks, 100 per second on Linux
// (runc hard-codes it too: sysconf(_SC_CLK_TCK) is a constant there).
constexpr uint64_t kClockTicks = 100;
constexpr uint64_t kNanosPerSecond = 1000000000;

// Reads dir/file; nullopt when it does not exist.
Result<std::optional<std::string>> ReadOptional(CgroupFs& fs, const std::string& dir,
                                                const std::string& file) {
  auto r = fs.ReadFile(fs::Join(dir, file));
  if (!r) {
    if (r.error().sys_errno() == ENOENT) return std::optional<std::string>();
    return std::move(r.error());
  }
  return std::optional<std::string>(std::move(*r));
}

Result<std::vector<uint64_t>> ParseUintList(std::string_view text, const std::string& what) {
  std::vector<uint64_t> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n' && text[j] != '\t') ++j;
    if (j > i) {
      IC_ASSIGN_OR_RETURN(uint64_t v, ParseStatUint(text.substr(i, j - i), what));
      out.push_back(v);
    }
    i = j;
  }
  return out;
}

Result<> CpuacctStats(CgroupFs& fs, const std::string& dir, CpuUsage& u) {
  std::string stat_path = fs::Join(dir, "cpuacct.stat");
  IC_ASSIGN_OR_RETURN(std::string stat, fs.ReadFile(stat_path));
  IC_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(stat, stat_path));
  // "user N\nsystem N", in that order (runc insists on it too).
  if (kv.size() < 2 || kv[0].first != "user" || kv[1].first != "system")
    return InvalidArgument(stat_path + ": expected \"user N\" and \"system N\" lines");
  u.user = kv[0].second * kNanosPerSecond / kClockTicks;
  u.kernel = kv[1].second * kNanosPerSecond / kClockTicks;

  IC_ASSIGN_OR_RETURN(u.total, ReadStatUint(fs, dir, "cpuacct.usage"));
  std::string percpu_path = fs::Join(dir, "cpuacct.usage_percpu");
  IC_ASSIGN_OR_RETURN(std::string percpu, fs.ReadFile(percpu_path));
  IC_ASSIGN_OR_RETURN(u.percpu, ParseUintList(percpu, percpu_path));

  // cpuacct.usage_all (Linux 4.16+): "cpu user system" header, then one
  // "<cpu> <user ns> <system ns>" line per CPU.
  IC_ASSIGN_OR_RETURN(auto all, ReadOptional(fs, dir, "cpuacct.usage_all"));
  if (!all) return {};
  std::string all_path = fs::Join(dir, "cpuacct.usage_all");
  size_t pos = all->find('\n');
  pos = pos == std::string::npos ? all->size() : pos + 1;  // skip the header
  while (pos < all->size()) {
    size_t end = all->find('\n', pos);
    if (end == std::string::npos) end = all->size();
    std::string line = all->substr(pos, end - pos);
    pos = end + 1;
    IC_ASSIGN_OR_RETURN(std::vector<uint64_t> cols, ParseUintList(line, all_path));
    if (cols.empty()) continue;
    if (cols.size() != 3) return InvalidArgument(all_path + ": malformed line \"" + line + "\"");
    u.percpu_user.push_back(cols[1]);
    u.percpu_kernel.push_back(cols[2]);
  }
  return {};
}

Result<> CpuStatsV1(CgroupFs& fs, const std::string& dir, Throttling& t) {
  IC_ASSIGN_OR_RETURN(auto text, ReadOptional(fs, dir, "cpu.stat"));
  if (!text) return {};
  IC_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(*text, fs::Join(dir, "cpu.stat")));
  for (const auto& [k, v] : kv) {
    if (k == "nr_periods") t.periods = v;
    if (k == "nr_throttled") t.throttled_periods = v;
    if (k == "throttled_time") t.throttled_time = v;
  }
  return {};
}

Result<> CpusetStatsV1(CgroupFs& fs, const std::string& dir, CpusetStats& c) {
  for (auto [file, list] : {std::pair{"cpuset.cpus", &c.cpus}, std::pair{"cpuset.mems", &c.mems}}) {
    IC_ASSIGN_OR_RETURN(auto text, ReadOptional(fs, dir, file));
    if (text) {
      IC_ASSIGN_OR_RETURN(*list, ParseCpuList(*text, fs::Join(dir, file)));
    }
  }
  const std::pair<const char*, uint64_t*> flags[] = {
      {"cpuset.cpu_exclusive", &c.cpu_exclusive},
      {"cpuset.mem_hardwall", &c.mem_hardwall},
      {"cpuset.mem_exclusive", &c.mem_exclusive},
      {"cpuset.memory_migrate", &c.memory_migrate},
      {"cpuset.memory_spread_page", &c.memory_spread_page},
      {"cpuset.memory_spread_slab", &c.memory_spread_slab},
      {"cpuset.memory_pressure", &c.memory_pressure},
      {"cpuset.sched_load_balance", &c.sched_load_balance},
  };
  for (const auto& [file, dst] : flags) {
    IC_ASSIGN_OR_RETURN(auto v, ReadOptionalStatUint(fs, dir, file));
    if (v) *dst = *v;
  }
  IC_ASSIGN_OR_RETURN(auto level, ReadOptional(fs, dir, "cpuset.sched_relax_domain_level"));
  if (level) {
    auto v = ParseInt64(*level);
    if (!v)
      return InvalidArgument(fs::Join(dir, "cpuset.sched_relax_domain_level") + ": not a number: \"" +
                             Trim(*level) + "\"");
    c.sched_relax_domain_level = *v;
  }
  return {};
}

// memory.<name>.{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes};
// name "" is the memory family itself. Optional families (memsw, kmem,
// kmem.tcp: kernel config or swapaccount=0) are zero when absent.
Result<MemoryData> MemoryFamily(CgroupFs& fs, const std::string& dir, const std::string& name,
                                bool optional) {
  std::string prefix = name.empty() ? "memory." : "memory." + name + ".";
  MemoryData m;
  auto usage = ReadStatUint(fs, dir, prefix + "usage_in_bytes");
  if (!usage) {
    if (optional && usage.error().sys_errno() == ENOENT) return m;
    return std::move(usage.error());
  }
  m.usage = *usage;
  IC_ASSIGN_OR_RETURN(m.max_usage, ReadStatUint(fs, dir, prefix + "max_usage_in_bytes"));
  IC_ASSIGN_OR_RETURN(m.failcnt, ReadStatUint(fs, dir, prefix + "failcnt"));
  IC_ASSIGN_OR_RETURN(m.limit, ReadStatUint(fs, dir, prefix + "limit_in_bytes"));
  return m;
}

Result<> MemoryStatsV1(CgroupFs& fs, const std::string& dir, MemoryStats& m) {
  IC_ASSIGN_OR_RETURN(auto stat, ReadOptional(fs, dir, "memory.stat"));
  if (!stat) return {};  // as runc: no memory.stat, no memory statistics
  IC_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(*stat, fs::Join(dir, "memory.stat")));
  for (const auto& [k, v] : kv) m.raw[k] = v;
  if (auto it = m.raw.find("cache"); it != m.raw.end()) m.cache = it->second;
  IC_ASSIGN_OR_RETURN(m.usage, MemoryFamily(fs, dir, "", false));
  IC_ASSIGN_OR_RETURN(m.swap, MemoryFamily(fs, dir, "memsw", true));
  IC_ASSIGN_OR_RETURN(m.kernel, MemoryFamily(fs, dir, "kmem", true));
  IC_ASSIGN_OR_RETURN(m.kernel_tcp, MemoryFamily(fs, dir, "kmem.tcp", true));
  IC_ASSIGN_OR_RETURN(auto hier, ReadOptionalStatUint(fs, dir, "memory.use_hierarchy"));
  m.use_hierarchy = hier && *hier == 1;
  return {};
}

Result<> PidsStatsV1(CgroupFs& fs, const std::string& dir, PidsStats& p) {
  IC_ASSIGN_OR_RETURN(p.current, ReadStatUint(fs, dir, "pids.current"));
  IC_ASSIGN_OR_RETURN(uint64_t max, ReadStatUint(fs, dir, "pids.max"));
  p.limit = max == UINT64_MAX ? 0 : max;  // "max": no limit, reported as 0
  return {};
}

// runc's order of blkio file families: the first whose first file exists and
// has entries is used (BFQ with debug stats, BFQ, CFQ, then the throttle
// files, which every kernel with blk-throttling has).
Result<> BlkioStatsV1(CgroupFs& fs, const std::string& dir, BlkioStats& b) {
  using Table = std::vector<BlkioEntry> BlkioStats::*;
  struct File {
    const char* name;
    Table table;
  };
  const std::vector<std::vector<File>> families = {
      {{"blkio.bfq.sectors_recursive", &BlkioStats::sectors_recursive},
       {"blkio.bfq.io_service_time_recursive", &BlkioStats::io_service_time_recursive},
       {"blkio.bfq.io_wait_time_recursive", &BlkioStats::io_wait_time_recursive},
       {"blkio.bfq.io_merged_recursive", &BlkioStats::io_merged_recursive},
       {"blkio.bfq.io_queued_recursive", &BlkioStats::io_queued_recursive},
       {"blkio.bfq.time_recursive", &BlkioStats::io_time_recursive},
       {"blkio.bfq.io_serviced_recursive", &BlkioStats::io_serviced_recursive},
       {"blkio.bfq.io_service_bytes_recursive", &BlkioStats::io_service_bytes_recursive}},
      {{"blkio.bfq.io_serviced_recursive", &BlkioStats::io_serviced_recursive},
       {"blkio.bfq.io_service_bytes_recursive", &BlkioStats::io_service_bytes_recursive}},
      {{"blkio.sectors_recursive", &BlkioStats::sectors_recursive},
       {"blkio.io_service_time_recursive", &BlkioStats::io_service_time_recursive},
       {"blkio.io_wait_time_recursive", &BlkioStats::io_wait_time_recursive},
       {"blkio.io_merged_recursive", &BlkioStats::io_merged_recursive},
       {"blkio.io_queued_recursive", &BlkioStats::io_queued_recursive},
       {"blkio.time_recursive", &BlkioStats::io_time_recursive},
       {"blkio.io_serviced_recursive", &BlkioStats::io_serviced_recursive},
       {"blkio.io_service_bytes_recursive", &BlkioStats::io_service_bytes_recursive}},
      {{"blkio.throttle.io_serviced_recursive", &BlkioStats::io_serviced_recursive},
       {"blkio.throttle.io_service_bytes_recursive", &BlkioStats::io_service_bytes_recursive}},
      {{"blkio.throttle.io_serviced", &BlkioStats::io_serviced_recursive},
       {"blkio.throttle.io_service_bytes", &BlkioStats::io_service_bytes_recursive}},
  };
  for (const auto& family : families) {
    IC_ASSIGN_OR_RETURN(auto first, ReadOptional(fs, dir, family[0].name));
    if (!first) continue;
    IC_ASSIGN_OR_RETURN(auto entries, ParseBlkioFile(*first, fs::Join(dir, family[0].name)));
    if (entries.empty()) continue;
    b.*(family[0].table) = std::move(entries);
    for (size_t i = 1; i < family.size(); ++i) {
      IC_ASSIGN_OR_RETURN(auto text, ReadOptional(fs, dir, family[i].name));
      if (!text) continue;
      IC_ASSIGN_OR_RETURN(b.*(family[i].table), ParseBlkioFile(*text, fs::Join(dir, family[i].name)));
    }
    return {};
  }
  return {};
}

Result<> HugetlbStatsV1(CgroupFs& fs, const std::string& dir, const std::vector<std::string>& sizes,
                        std::map<std::string, HugetlbStats>& out) {
  for (const std::string& size : sizes) {
    std::string prefix = "hugetlb." + size + ".";
    HugetlbStats h;
    IC_ASSIGN_OR_RETURN(auto usage, ReadOptionalStatUint(fs, dir, prefix + "usage_in_bytes"));
    if (!usage) continue;  // a page size this hierarchy does not account
    h.usage = *usage;
    IC_ASSIGN_OR_RETURN(h.max_usage, ReadStatUint(fs, dir, prefix + "max_usage_in_bytes"));
    IC_ASSIGN_OR_RETURN(h.failcnt, ReadStatUint(fs, dir, prefix + "failcnt"));
    out[size] = h;
  }
  return {};
}

}  // namespace

Result<Stats> ReadV1Stats(CgroupFs& fs, const Paths& paths, const std::vector<std::string>& hugepage_sizes) {
  Stats s;
  auto dir_of = [&](const char* controller) -> Result<std::optional<std::string>> {
    auto it = paths.find(controller);
    if (it == paths.end()) return std::optional<std::string>();
    if (!fs.Exists(it->second))
      return NotFound(std::string(controller) + " cgroup " + it->second + " does not exist");
    return std::optional<std::string>(it->second);
  };
  auto wrap = [](const char* controller) { return std::string(controller) + " statistics"; };
  IC_ASSIGN_OR_RETURN(auto cpuacct, dir_of("cpuacct"));
  if (cpuacct) IC_TRY(CpuacctStats(fs, *cpuacct, s.cpu.usage).Wrap(wrap("cpuacct")));
  IC_ASSIGN_OR_RETURN(auto cpu, dir_of("cpu"));
  if (cpu) IC_TRY(CpuStatsV1(fs, *cpu, s.cpu.throttling).Wrap(wrap("cpu")));
  IC_ASSIGN_OR_RETURN(auto cpuset, dir_of("cpuset"));
  if (cpuset) IC_TRY(CpusetStatsV1(fs, *cpuset, s.cpuset).Wrap(wrap("cpuset")));
  IC_ASSIGN_OR_RETURN(auto memory, dir_of("memory"));
  if (memory) IC_TRY(MemoryStatsV1(fs, *memory, s.memory).Wrap(wrap("memory")));
  IC_ASSIGN_OR_RETURN(auto pids, dir_of("pids"));
  if (pids) IC_TRY(PidsStatsV1(fs, *pids, s.pids).Wrap(wrap("pids")));
  IC_ASSIGN_OR_RETURN(auto blkio, dir_of("blkio"));
  if (blkio) IC_TRY(BlkioStatsV1(fs, *blkio, s.blkio).Wrap(wrap("blkio")));
  IC_ASSIGN_OR_RETURN(auto hugetlb, dir_of("hugetlb"));
  if (hugetlb) IC_TRY(HugetlbStatsV1(fs, *hugetlb, hugepage_sizes, s.hugetlb).Wrap(wrap("hugetlb")));
  return s;
}

}  // namespace inclavare::runtime::cgroup::internal
