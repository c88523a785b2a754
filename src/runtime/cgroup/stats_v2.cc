// cgroup v2 statistics, converted to runc's v1-shaped model as runc's fs2
// package does (see stats.h for the files and rules).
#include <cerrno>
#include <limits>

#include "common/fs.h"
#include "runtime/cgroup/internal.h"
#include "runtime/cgroup/stats_internal.h"

namespace inclavare::runtime::cgroup::internal {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Reads dir/file; nullopt when it does not exist (controller not enabled).
Result<std::optional<std::string>> ReadOptional(CgroupFs& fs, const std::string& dir,
                                                const std::string& file) {
  auto r = fs.ReadFile(fs::Join(dir, file));
  if (!r) {
    if (r.error().sys_errno() == ENOENT) return std::optional<std::string>();
    return std::move(r.error());
  }
  return std::optional<std::string>(std::move(*r));
}

Result<> PidsStatsV2(CgroupFs& fs, const std::string& dir, PidsStats& p) {
  IC_ASSIGN_OR_RETURN(auto current, ReadOptionalStatUint(fs, dir, "pids.current"));
  if (!current) {
    // No pids controller: count the processes (runc's
    // statPidsWithoutController); there is no limit then.
    std::string path = fs::Join(dir, "cgroup.procs");
    IC_ASSIGN_OR_RETURN(std::string procs, fs.ReadFile(path));
    IC_ASSIGN_OR_RETURN(auto pids, ParsePids(procs, path));
    p.current = pids.size();
    p.limit = 0;
    return {};
  }
  p.current = *current;
  IC_ASSIGN_OR_RETURN(uint64_t max, ReadStatUint(fs, dir, "pids.max"));
  p.limit = max == kMax ? 0 : max;
  return {};
}

Result<> MemoryStatsV2(CgroupFs& fs, const std::string& dir, MemoryStats& m) {
  IC_ASSIGN_OR_RETURN(auto stat, ReadOptional(fs, dir, "memory.stat"));
  if (!stat) return {};  // memory controller not enabled
  IC_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(*stat, fs::Join(dir, "memory.stat")));
  for (const auto& [k, v] : kv) m.raw[k] = v;
  if (auto it = m.raw.find("file"); it != m.raw.end()) m.cache = it->second;
  m.use_hierarchy = true;  // v2 is always hierarchical
  IC_ASSIGN_OR_RETURN(m.usage.usage, ReadStatUint(fs, dir, "memory.current"));
  IC_ASSIGN_OR_RETURN(m.usage.limit, ReadStatUint(fs, dir, "memory.max"));
  // Swap: memory.swap.* counts swap alone; report memory + swap like v1's
  // memsw, as runc does (also when there is no swap accounting).
  IC_ASSIGN_OR_RETURN(auto swap_current, ReadOptionalStatUint(fs, dir, "memory.swap.current"));
  if (swap_current) {
    m.swap.usage = *swap_current;
    IC_ASSIGN_OR_RETURN(m.swap.limit, ReadStatUint(fs, dir, "memory.swap.max"));
  }
  m.swap.usage += m.usage.usage;
  if (m.swap.limit != kMax)
    m.swap.limit = m.usage.limit > kMax - m.swap.limit ? kMax : m.swap.limit + m.usage.limit;
  return {};
}

// io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per
// device; the read/write bytes and ops map to v1's io_service_bytes and
// io_serviced tables (other keys have no v1 counterpart and are skipped).
Result<> IoStatsV2(CgroupFs& fs, const std::string& dir, BlkioStats& b) {
  IC_ASSIGN_OR_RETURN(auto text, ReadOptional(fs, dir, "io.stat"));
  if (!text) return {};
  std::string path = fs::Join(dir, "io.stat");
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string> words;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      if (j > i) words.push_back(line.substr(i, j - i));
      i = j;
    }
    if (words.size() < 2) continue;
    size_t colon = words[0].find(':');
    if (colon == std::string::npos) continue;
    std::string ctx = path + ": line \"" + line + "\"";
    IC_ASSIGN_OR_RETURN(uint64_t major, ParseStatUint(words[0].substr(0, colon), ctx));
    IC_ASSIGN_OR_RETURN(uint64_t minor, ParseStatUint(words[0].substr(colon + 1), ctx));
    for (size_t w = 1; w < words.size(); ++w) {
      size_t eq = words[w].find('=');
      if (eq == std::string::npos) continue;
      struct Mapping {
        const char* key;
        std::vector<BlkioEntry> BlkioStats::*table;
        const char* op;
      };
      static const Mapping kMappings[] = {
          {"rbytes", &BlkioStats::io_service_bytes_recursive, "Read"},
          {"wbytes", &BlkioStats::io_service_bytes_recursive, "Write"},
          {"rios", &BlkioStats::io_serviced_recursive, "Read"},
          {"wios", &BlkioStats::io_serviced_recursive, "Write"},
      };
      std::string key = words[w].substr(0, eq);
      for (const Mapping& m : kMappings) {
        if (key != m.key) continue;
        IC_ASSIGN_OR_RETURN(uint64_t value, ParseStatUint(words[w].substr(eq + 1), ctx));
        (b.*m.table).push_back({major, minor, m.op, value});
      }
    }
  }
  return {};
}

Result<> CpuStatsV2(CgroupFs& fs, const std::string& dir, CpuStats& c) {
  // cpu.stat exists even without the cpu controller (usage only).
  IC_ASSIGN_OR_RETURN(auto text, ReadOptional(fs, dir, "cpu.stat"));
  if (!text) return {};
  IC_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(*text, fs::Join(dir, "cpu.stat")));
  for (const auto& [k, v] : kv) {
    if (k == "usage_usec") c.usage.total = v * 1000;
    if (k == "user_usec") c.usage.user = v * 1000;
    if (k == "system_usec") c.usage.kernel = v * 1000;
    if (k == "nr_periods") c.throttling.periods = v;
    if (k == "nr_throttled") c.throttling.throttled_periods = v;
    if (k == "throttled_usec") c.throttling.throttled_time = v * 1000;
  }
  return {};
}

Result<> HugetlbStatsV2(CgroupFs& fs, const std::string& dir, const std::vector<std::string>& sizes,
                        std::map<std::string, HugetlbStats>& out) {
  for (const std::string& size : sizes) {
    std::string prefix = "hugetlb." + size + ".";
    IC_ASSIGN_OR_RETURN(auto usage, ReadOptionalStatUint(fs, dir, prefix + "current"));
    if (!usage) return {};  // hugetlb controller not enabled
    HugetlbStats h;
    h.usage = *usage;
    // hugetlb.<size>.events: "max N", allocations that hit the limit.
    std::string events_path = fs::Join(dir, prefix + "events");
    IC_ASSIGN_OR_RETURN(std::string events, fs.ReadFile(events_path));
    IC_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(events, events_path));
    for (const auto& [k, v] : kv)
      if (k == "max") h.failcnt = v;
    out[size] = h;
  }
  return {};
}

}  // namespace

Result<Stats> ReadV2Stats(CgroupFs& fs, const std::string& dir,
                          const std::vector<std::string>& hugepage_sizes) {
  if (!fs.Exists(dir)) return NotFound("cgroup " + dir + " does not exist");
  Stats s;
  IC_TRY(PidsStatsV2(fs, dir, s.pids).Wrap("pids statistics"));
  IC_TRY(MemoryStatsV2(fs, dir, s.memory).Wrap("memory statistics"));
  IC_TRY(IoStatsV2(fs, dir, s.blkio).Wrap("io statistics"));
  IC_TRY(CpuStatsV2(fs, dir, s.cpu).Wrap("cpu statistics"));
  IC_TRY(HugetlbStatsV2(fs, dir, hugepage_sizes, s.hugetlb).Wrap("hugetlb statistics"));
  return s;
}

}  // namespace inclavare::runtime::cgroup::internal
