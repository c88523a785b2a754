// Statistics: runc's JSON form, huge page sizes and the file parsers shared
// by stats_v1.cc and stats_v2.cc.
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "common/fs.h"
#include "runtime/cgroup/internal.h"
#include "runtime/cgroup/stats_internal.h"

namespace inclavare::runtime::cgroup {
namespace {

using Json = nlohmann::ordered_json;

// Go's encoding/json omits zero values of `omitempty` fields; these helpers
// add a member only when it is not zero/empty.
void PutNonZero(Json& j, const char* key, uint64_t v) {
  if (v != 0) j[key] = v;
}
template <class T>
void PutNonEmpty(Json& j, const char* key, const std::vector<T>& v) {
  if (!v.empty()) j[key] = v;
}

Json MemoryEntryJson(const MemoryData& m) {
  Json j = Json::object();
  j["limit"] = m.limit;
  PutNonZero(j, "usage", m.usage);
  PutNonZero(j, "max", m.max_usage);
  j["failcnt"] = m.failcnt;
  return j;
}

void PutBlkio(Json& j, const char* key, const std::vector<BlkioEntry>& entries) {
  if (entries.empty()) return;
  Json list = Json::array();
  for (const BlkioEntry& e : entries) {
    Json o = Json::object();
    PutNonZero(o, "major", e.major);
    PutNonZero(o, "minor", e.minor);
    if (!e.op.empty()) o["op"] = e.op;
    PutNonZero(o, "value", e.value);
    list.push_back(std::move(o));
  }
  j[key] = std::move(list);
}

}  // namespace

nlohmann::ordered_json StatsToJson(const Stats& s) {
  Json usage = Json::object();
  PutNonZero(usage, "total", s.cpu.usage.total);
  PutNonEmpty(usage, "percpu", s.cpu.usage.percpu);
  PutNonEmpty(usage, "percpu_kernel", s.cpu.usage.percpu_kernel);
  PutNonEmpty(usage, "percpu_user", s.cpu.usage.percpu_user);
  usage["kernel"] = s.cpu.usage.kernel;
  usage["user"] = s.cpu.usage.user;
  Json throttling = Json::object();
  PutNonZero(throttling, "periods", s.cpu.throttling.periods);
  PutNonZero(throttling, "throttledPeriods", s.cpu.throttling.throttled_periods);
  PutNonZero(throttling, "throttledTime", s.cpu.throttling.throttled_time);
  Json cpu = Json::object();
  cpu["usage"] = std::move(usage);
  cpu["throttling"] = std::move(throttling);

  const CpusetStats& cs = s.cpuset;
  Json cpuset = Json::object();
  PutNonEmpty(cpuset, "cpus", cs.cpus);
  cpuset["cpu_exclusive"] = cs.cpu_exclusive;
  PutNonEmpty(cpuset, "mems", cs.mems);
  cpuset["mem_hardwall"] = cs.mem_hardwall;
  cpuset["mem_exclusive"] = cs.mem_exclusive;
  cpuset["memory_migrate"] = cs.memory_migrate;
  cpuset["memory_spread_page"] = cs.memory_spread_page;
  cpuset["memory_spread_slab"] = cs.memory_spread_slab;
  cpuset["memory_pressure"] = cs.memory_pressure;
  cpuset["sched_load_balance"] = cs.sched_load_balance;
  cpuset["sched_relax_domain_level"] = cs.sched_relax_domain_level;

  Json memory = Json::object();
  PutNonZero(memory, "cache", s.memory.cache);
  memory["usage"] = MemoryEntryJson(s.memory.usage);
  memory["swap"] = MemoryEntryJson(s.memory.swap);
  memory["kernel"] = MemoryEntryJson(s.memory.kernel);
  memory["kernelTCP"] = MemoryEntryJson(s.memory.kernel_tcp);
  if (!s.memory.raw.empty()) {
    Json raw = Json::object();
    for (const auto& [k, v] : s.memory.raw) raw[k] = v;  // std::map: sorted, as Go prints maps
    memory["raw"] = std::move(raw);
  }

  Json pids = Json::object();
  PutNonZero(pids, "current", s.pids.current);
  PutNonZero(pids, "limit", s.pids.limit);

  const BlkioStats& b = s.blkio;
  Json blkio = Json::object();
  PutBlkio(blkio, "ioServiceBytesRecursive", b.io_service_bytes_recursive);
  PutBlkio(blkio, "ioServicedRecursive", b.io_serviced_recursive);
  PutBlkio(blkio, "ioQueueRecursive", b.io_queued_recursive);
  PutBlkio(blkio, "ioServiceTimeRecursive", b.io_service_time_recursive);
  PutBlkio(blkio, "ioWaitTimeRecursive", b.io_wait_time_recursive);
  PutBlkio(blkio, "ioMergedRecursive", b.io_merged_recursive);
  PutBlkio(blkio, "ioTimeRecursive", b.io_time_recursive);
  PutBlkio(blkio, "sectorsRecursive", b.sectors_recursive);

  Json hugetlb = Json::object();
  for (const auto& [size, h] : s.hugetlb) {
    Json o = Json::object();
    PutNonZero(o, "usage", h.usage);
    PutNonZero(o, "max", h.max_usage);
    o["failcnt"] = h.failcnt;
    hugetlb[size] = std::move(o);
  }

  Json out = Json::object();
  out["cpu"] = std::move(cpu);
  out["cpuset"] = std::move(cpuset);
  out["memory"] = std::move(memory);
  out["pids"] = std::move(pids);
  out["blkio"] = std::move(blkio);
  out["hugetlb"] = std::move(hugetlb);
  out["intel_rdt"] = Json::object();
  out["network_interfaces"] = nullptr;
  return out;
}

std::vector<std::string> HugePageSizes(const std::string& sysfs_dir) {
  std::vector<std::string> out;
  auto dirs = RealCgroupFs().ListDirs(sysfs_dir);
  if (!dirs) return out;  // no huge page support
  for (const std::string& d : *dirs)
    if (auto name = internal::HugePageSizeName(d)) out.push_back(*name);
  return out;
}

namespace internal {

Result<uint64_t> ParseStatUint(std::string_view text, const std::string& what) {
  std::string t = Trim(text);
  if (t == "max") return std::numeric_limits<uint64_t>::max();
  if (!t.empty() && t[0] == '-') {
    // runc: negative values (e.g. "-1" in some v1 files) read as 0.
    if (ParseInt64(t)) return uint64_t{0};
  } else if (!t.empty() && t.find_first_not_of("0123456789") == std::string::npos) {
    errno = 0;
    unsigned long long v = strtoull(t.c_str(), nullptr, 10);
    if (errno == 0) return static_cast<uint64_t>(v);
  }
  return InvalidArgument(what + ": not an unsigned number: \"" + t + "\"");
}

Result<uint64_t> ReadStatUint(CgroupFs& fs, const std::string& dir, const std::string& file) {
  std::string path = fs::Join(dir, file);
  IC_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  return ParseStatUint(text, path);
}

Result<std::optional<uint64_t>> ReadOptionalStatUint(CgroupFs& fs, const std::string& dir,
                                                     const std::string& file) {
  auto v = ReadStatUint(fs, dir, file);
  if (!v) {
    if (v.error().sys_errno() == ENOENT) return std::optional<uint64_t>();
    return std::move(v.error());
  }
  return std::optional<uint64_t>(*v);
}

Result<std::vector<std::pair<std::string, uint64_t>>> ParseKeyValues(std::string_view text,
                                                                     const std::string& what) {
  std::vector<std::pair<std::string, uint64_t>> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty()) continue;
    size_t sp = line.find_first_of(" \t");
    if (sp == std::string::npos) return InvalidArgument(what + ": malformed line \"" + line + "\"");
    IC_ASSIGN_OR_RETURN(uint64_t v, ParseStatUint(line.substr(sp + 1), what + ": line \"" + line + "\""));
    out.emplace_back(line.substr(0, sp), v);
  }
  return out;
}

Result<std::vector<uint16_t>> ParseCpuList(std::string_view text, const std::string& what) {
  std::vector<uint16_t> out;
  std::string t = Trim(text);
  auto bad = [&] { return InvalidArgument(what + ": invalid CPU/node list \"" + t + "\""); };
  auto num = [](const std::string& s) -> std::optional<uint16_t> {
    auto v = ParseInt64(s);
    if (!v || *v < 0 || *v > 0xFFFF || s.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return static_cast<uint16_t>(*v);
  };
  size_t pos = 0;
  while (pos < t.size()) {
    size_t end = t.find(',', pos);
    if (end == std::string::npos) end = t.size();
    std::string part = t.substr(pos, end - pos);
    pos = end + 1;
    size_t dash = part.find('-');
    if (dash == std::string::npos) {
      auto v = num(part);
      if (!v) return bad();
      out.push_back(*v);
      continue;
    }
    auto lo = num(part.substr(0, dash));
    auto hi = num(part.substr(dash + 1));
    if (!lo || !hi || *lo > *hi) return bad();
    for (uint32_t i = *lo; i <= *hi; ++i) out.push_back(static_cast<uint16_t>(i));
  }
  return out;
}

Result<std::vector<BlkioEntry>> ParseBlkioFile(std::string_view text, const std::string& what) {
  std::vector<BlkioEntry> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty()) continue;
    // Fields split at ' ' and ':' (runc's splitBlkioStatLine).
    std::vector<std::string> f;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == ':' || line[i] == '\t')) ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != ':' && line[j] != '\t') ++j;
      if (j > i) f.push_back(line.substr(i, j - i));
      i = j;
    }
    if (f.size() == 2 && f[0] == "Total") continue;
    if (f.size() != 3 && f.size() != 4) return InvalidArgument(what + ": malformed line \"" + line + "\"");
    BlkioEntry e;
    std::string ctx = what + ": line \"" + line + "\"";
    IC_ASSIGN_OR_RETURN(e.major, ParseStatUint(f[0], ctx));
    IC_ASSIGN_OR_RETURN(e.minor, ParseStatUint(f[1], ctx));
    if (f.size() == 4) e.op = f[2];
    IC_ASSIGN_OR_RETURN(e.value, ParseStatUint(f.back(), ctx));
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<std::string> HugePageSizeName(std::string_view name) {
  constexpr std::string_view kPrefix = "hugepages-", kSuffix = "kB";
  if (name.size() <= kPrefix.size() + kSuffix.size() || name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  std::string digits(name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size()));
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  auto kb = ParseInt64(digits);
  if (!kb || *kb <= 0) return std::nullopt;
  // The kernel's hugetlb cgroup file names (mem_fmt in mm/hugetlb_cgroup.c):
  // the largest unit not above the size, rounded down.
  int64_t v = *kb;
  const char* unit = "KB";
  if (v >= 1024 * 1024) {
    v /= 1024 * 1024;
    unit = "GB";
  } else if (v >= 1024) {
    v /= 1024;
    unit = "MB";
  }
  return std::to_string(v) + unit;
}

}  // namespace internal
}  // namespace inclavare::runtime::cgroup
