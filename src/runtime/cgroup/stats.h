// Resource-usage statistics of a container's cgroup, for `rune events`.
//
// The model follows runc's (libcontainer/cgroups/stats.go, and its JSON form
// types/events.go as printed by runc 1.1): v1 fills it from the controller
// files of each hierarchy, v2 from the unified directory, converted to v1
// meaning where runc does so (io.stat -> io_service_bytes/io_serviced
// tables, swap reported as memory+swap like v1's memsw).
//
//   IC_ASSIGN_OR_RETURN(auto mgr, cgroup::LoadManager(state.cgroup_paths));
//   IC_ASSIGN_OR_RETURN(cgroup::Stats s, mgr->GetStats());
//   std::string line = cgroup::StatsToJson(s).dump();   // runc's "data" object
//
// What is read (runc's files and rules):
//   v1  cpuacct: cpuacct.usage, cpuacct.usage_percpu, cpuacct.stat (USER_HZ
//         ticks, converted to ns at 100 Hz as runc does), cpuacct.usage_all
//         (optional; per-CPU user/system ns);
//       cpu: cpu.stat (nr_periods, nr_throttled, throttled_time);
//       cpuset: cpuset.cpus/mems as lists, the flag files (optional);
//       memory: memory.stat (all keys -> raw; cache = "cache"), and
//         usage/max_usage/failcnt/limit of memory.*, memory.memsw.* (swap),
//         memory.kmem.* (kernel), memory.kmem.tcp.* (kernel TCP); the last
//         three are optional (kernel config); memory.use_hierarchy;
//       pids: pids.current, pids.max ("max" -> 0, i.e. no limit);
//       blkio: the first available family of BFQ debug, BFQ, CFQ, throttle
//         recursive, throttle files (as runc chooses);
//       hugetlb: hugetlb.<size>.{usage_in_bytes,max_usage_in_bytes,failcnt}
//         for each page size the host has.
//   v2  cpu.stat (usage/user/system_usec -> ns; nr_periods, nr_throttled,
//       throttled_usec -> ns); memory.stat (raw; cache = "file"),
//       memory.current/max, memory.swap.current/max (optional);
//       pids.current/max (without the pids controller: the number of
//       cgroup.procs entries, limit 0); io.stat (rbytes/wbytes ->
//       io_service_bytes Read/Write, rios/wios -> io_serviced Read/Write);
//       hugetlb.<size>.current and the "max" count of hugetlb.<size>.events.
//       cpuset is not reported on v2 (nor by runc 1.1), and neither version
//       reports PSI or memory.events counters (newer runc does, in fields
//       runc 1.1 does not print).
//   "max" in any limit file reads as UINT64_MAX (runc's convention), a
//   negative number as 0.
//
// A controller whose hierarchy is not mounted (v1) or whose files are
// missing (v2: controller not enabled) leaves its part zero, as in runc.
// Malformed contents are errors naming the file.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace inclavare::runtime::cgroup {

struct CpuUsage {
  uint64_t total = 0;                   // ns
  std::vector<uint64_t> percpu;         // ns per CPU
  std::vector<uint64_t> percpu_kernel;  // ns per CPU (v1 cpuacct.usage_all)
  std::vector<uint64_t> percpu_user;
  uint64_t kernel = 0;  // ns
  uint64_t user = 0;    // ns
};

struct Throttling {
  uint64_t periods = 0;
  uint64_t throttled_periods = 0;
  uint64_t throttled_time = 0;  // ns
};

struct CpuStats {
  CpuUsage usage;
  Throttling throttling;
};

struct CpusetStats {
  std::vector<uint16_t> cpus;
  uint64_t cpu_exclusive = 0;
  std::vector<uint16_t> mems;
  uint64_t mem_hardwall = 0;
  uint64_t mem_exclusive = 0;
  uint64_t memory_migrate = 0;
  uint64_t memory_spread_page = 0;
  uint64_t memory_spread_slab = 0;
  uint64_t memory_pressure = 0;
  uint64_t sched_load_balance = 0;
  int64_t sched_relax_domain_level = 0;
};

// One memory counter family (bytes).
struct MemoryData {
  uint64_t usage = 0;
  uint64_t max_usage = 0;
  uint64_t failcnt = 0;
  uint64_t limit = 0;
};

struct MemoryStats {
  uint64_t cache = 0;
  MemoryData usage;
  MemoryData swap;  // memory + swap, as v1's memsw (v2 is converted)
  MemoryData kernel;
  MemoryData kernel_tcp;
  bool use_hierarchy = false;
  std::map<std::string, uint64_t> raw;  // memory.stat
};

struct PidsStats {
  uint64_t current = 0;
  uint64_t limit = 0;  // 0: no limit
};

struct BlkioEntry {
  uint64_t major = 0;
  uint64_t minor = 0;
  std::string op;  // "Read", "Write", "Sync", "Async", "Discard", "Total" or ""
  uint64_t value = 0;

  bool operator==(const BlkioEntry&) const = default;
};

struct BlkioStats {
  std::vector<BlkioEntry> io_service_bytes_recursive;
  std::vector<BlkioEntry> io_serviced_recursive;
  std::vector<BlkioEntry> io_queued_recursive;
  std::vector<BlkioEntry> io_service_time_recursive;
  std::vector<BlkioEntry> io_wait_time_recursive;
  std::vector<BlkioEntry> io_merged_recursive;
  std::vector<BlkioEntry> io_time_recursive;
  std::vector<BlkioEntry> sectors_recursive;
};

struct HugetlbStats {
  uint64_t usage = 0;
  uint64_t max_usage = 0;
  uint64_t failcnt = 0;
};

struct Stats {
  CpuStats cpu;
  CpusetStats cpuset;
  MemoryStats memory;
  PidsStats pids;
  BlkioStats blkio;
  std::map<std::string, HugetlbStats> hugetlb;  // page size ("2MB") -> stats
};

// runc's JSON for the "data" member of a stats event (types.Stats of runc
// 1.1), with its field names, order and omitempty rules: e.g. pids.current
// and memory usage.usage are left out when 0, usage.limit and failcnt are
// always present; "intel_rdt" is {} and "network_interfaces" null (rune
// reports neither).
nlohmann::ordered_json StatsToJson(const Stats& stats);

// Page sizes of the host's huge pages in cgroup notation ("2MB", "1GB"),
// from the hugepages-<N>kB directories under sysfs_dir; empty when none.
std::vector<std::string> HugePageSizes(const std::string& sysfs_dir = "/sys/kernel/mm/hugepages");

}  // namespace inclavare::runtime::cgroup
