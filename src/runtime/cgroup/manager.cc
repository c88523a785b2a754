// Detection, the manager factory, conversions and helpers shared by v1 and v2.
#include <linux/magic.h>
#include <signal.h>
#include <time.h>

#include <cmath>
#include <ctime>

#include "common/fs.h"
#include "common/log.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/internal.h"

namespace inclavare::runtime::cgroup {

using internal::CleanCgroupPath;

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kLegacy:
      return "legacy";
    case Mode::kHybrid:
      return "hybrid";
    case Mode::kUnified:
      return "unified";
  }
  return "unknown";
}

const char* FreezerStateName(FreezerState state) {
  switch (state) {
    case FreezerState::kUndefined:
      return "undefined";
    case FreezerState::kThawed:
      return "THAWED";
    case FreezerState::kFreezing:
      return "FREEZING";
    case FreezerState::kFrozen:
      return "FROZEN";
  }
  return "unknown";
}

namespace {

CgroupFs& FsOf(const Options& options) { return options.fs ? *options.fs : RealCgroupFs(); }

// "/sys/fs/cgroup/" -> "/sys/fs/cgroup": mount points are compared as strings.
Options Normalized(const Options& options) {
  Options o = options;
  while (o.root.size() > 1 && o.root.back() == '/') o.root.pop_back();
  return o;
}

}  // namespace

Result<Mode> DetectMode(const Options& options) {
  CgroupFs& fs = FsOf(options);
  IC_ASSIGN_OR_RETURN(int64_t type, fs.FsType(options.root).Wrap("detect cgroup mode"));
  if (type == CGROUP2_SUPER_MAGIC) return Mode::kUnified;
  if (type != TMPFS_MAGIC) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(type));
    return FailedPrecondition("detect cgroup mode: " + options.root +
                              " is neither cgroup2 nor tmpfs (f_type " + hex + ")");
  }
  auto unified = fs.FsType(fs::Join(options.root, "unified"));
  if (unified && *unified == CGROUP2_SUPER_MAGIC) return Mode::kHybrid;
  return Mode::kLegacy;
}

Result<std::unique_ptr<Manager>> NewManager(const Config& config, const Options& raw_options) {
  const Options options = Normalized(raw_options);
  CgroupFs& fs = FsOf(options);
  std::string raw = config.cgroups_path;
  if (raw.empty()) {
    if (config.container_id.empty())
      return InvalidArgument("cgroup: neither cgroupsPath nor a container id is given");
    if (config.container_id.find('/') != std::string::npos)
      return InvalidArgument("cgroup: container id " + config.container_id + " contains '/'");
    raw = "/" + config.container_id;
  }
  IC_ASSIGN_OR_RETURN(std::string cleaned, CleanCgroupPath(raw));
  IC_ASSIGN_OR_RETURN(Mode mode, DetectMode(options));

  std::map<std::string, std::string> self;
  if (cleaned.front() != '/') {
    IC_ASSIGN_OR_RETURN(std::string content, fs.ReadFile(options.self_cgroup_path));
    self = internal::ParseProcCgroup(content);
  }

  if (mode == Mode::kUnified) {
    IC_ASSIGN_OR_RETURN(std::string dir, internal::ResolveV2Path(options.root, cleaned, self));
    return internal::MakeV2Manager(std::move(dir), options.root, &fs);
  }
  IC_ASSIGN_OR_RETURN(std::string mountinfo,
                      fs.ReadFile(options.mountinfo_path).Wrap("find cgroup v1 hierarchies"));
  auto mounts = internal::ParseV1Mounts(mountinfo, options.root);
  IC_ASSIGN_OR_RETURN(Paths paths, internal::ResolveV1Paths(mounts, cleaned, self));
  return internal::MakeV1Manager(std::move(paths), &fs);
}

Result<std::unique_ptr<Manager>> LoadManager(const Paths& paths, const Options& raw_options) {
  const Options options = Normalized(raw_options);
  if (paths.empty()) return InvalidArgument("cgroup: no cgroup paths to load");
  for (const auto& [controller, dir] : paths) {
    if (dir.empty() || dir.front() != '/')
      return InvalidArgument("cgroup path for \"" + controller + "\" is not absolute: " + dir);
    IC_ASSIGN_OR_RETURN(std::string cleaned, CleanCgroupPath(dir));
    if (cleaned != dir) return InvalidArgument("cgroup path for \"" + controller + "\" is not clean: " + dir);
  }
  CgroupFs* fs = &FsOf(options);
  auto v2 = paths.find("");
  if (v2 != paths.end()) {
    if (paths.size() != 1) return InvalidArgument("cgroup paths mix v2 (\"\") and v1 controllers");
    return internal::MakeV2Manager(v2->second, options.root, fs);
  }
  return internal::MakeV1Manager(paths, fs);
}

std::vector<oci::LinuxDeviceCgroup> DefaultAllowedDevices() {
  auto rule = [](const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                 const char* access) {
    return oci::LinuxDeviceCgroup{true, std::string(type), major, minor, std::string(access)};
  };
  return {
      rule("c", std::nullopt, std::nullopt, "m"),  // mknod of any char device
      rule("b", std::nullopt, std::nullopt, "m"),  // mknod of any block device
      rule("c", 1, 3, "rwm"),                      // /dev/null
      rule("c", 1, 8, "rwm"),                      // /dev/random
      rule("c", 1, 7, "rwm"),                      // /dev/full
      rule("c", 5, 0, "rwm"),                      // /dev/tty
      rule("c", 1, 5, "rwm"),                      // /dev/zero
      rule("c", 1, 9, "rwm"),                      // /dev/urandom
      rule("c", 136, std::nullopt, "rwm"),         // /dev/pts/*
      rule("c", 5, 2, "rwm"),                      // /dev/ptmx
      rule("c", 10, 200, "rwm"),                   // /dev/net/tun
  };
}

uint64_t ConvertCpuSharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  double l = std::log2(static_cast<double>(shares));
  double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
}

Result<int64_t> ConvertSwapToV2(int64_t swap, int64_t limit) {
  // Unlimited memory with no swap setting: unlimited swap too (v1 parity).
  if (limit == -1 && swap == 0) return -1;
  if (swap == -1 || swap == 0) return swap;
  if (limit == 0 || limit == -1)
    return InvalidArgument(internal::FieldPath("memory.swap") +
                           ": a swap limit needs a memory limit (memory.limit)");
  if (limit < 0 || swap < 0)
    return InvalidArgument(internal::FieldPath("memory") + ": invalid negative value");
  if (swap < limit)
    return InvalidArgument(internal::FieldPath("memory.swap") + ": " + std::to_string(swap) +
                           " (memory+swap) must be >= memory.limit " + std::to_string(limit));
  return swap - limit;
}

uint64_t ConvertBlkioWeightToIoWeight(uint64_t weight) {
  if (weight == 0) return 0;
  if (weight < 10) weight = 10;
  return 1 + (weight - 10) * 9999 / 990;
}

namespace internal {

std::string FieldPath(std::string_view field) { return "linux.resources." + std::string(field); }

Result<> WriteField(CgroupFs& fs, std::string_view field, const std::string& dir, const std::string& file,
                    std::string_view value) {
  std::string path = fs::Join(dir, file);
  auto r = fs.WriteFile(path, value);
  if (r) return {};
  int err = r.error().sys_errno();
  if (err == ENOENT) {
    if (!fs.Exists(dir))
      return Error(ErrorCode::kFailedPrecondition, FieldPath(field) + ": cgroup " + dir + " does not exist",
                   err);
    return Error(
        ErrorCode::kFailedPrecondition,
        FieldPath(field) + ": " + path + " does not exist (controller or kernel feature not available)");
  }
  return Error(r.error().code(), FieldPath(field) + ": write \"" + std::string(value) + "\" to " + path, err);
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  std::string t = Trim(s);
  if (t.empty()) return std::nullopt;
  size_t i = t[0] == '-' ? 1 : 0;
  if (i == t.size()) return std::nullopt;
  int64_t v = 0;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
    if (v > (INT64_MAX - (t[i] - '0')) / 10) return std::nullopt;
    v = v * 10 + (t[i] - '0');
  }
  return t[0] == '-' ? -v : v;
}

Result<std::vector<pid_t>> ParsePids(std::string_view content, const std::string& path) {
  std::vector<pid_t> pids;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    pid_t pid = 0;
    for (char c : line) {
      if (c < '0' || c > '9') return InvalidArgument(path + ": bad pid line \"" + std::string(line) + "\"");
      pid = pid * 10 + (c - '0');
    }
    pids.push_back(pid);
  }
  return pids;
}

Result<std::vector<pid_t>> ReadPidsRecursive(CgroupFs& fs, const std::string& dir) {
  std::string procs = fs::Join(dir, "cgroup.procs");
  IC_ASSIGN_OR_RETURN(std::string content, fs.ReadFile(procs));
  IC_ASSIGN_OR_RETURN(std::vector<pid_t> pids, ParsePids(content, procs));
  IC_ASSIGN_OR_RETURN(std::vector<std::string> children, fs.ListDirs(dir));
  for (const std::string& child : children) {
    IC_ASSIGN_OR_RETURN(std::vector<pid_t> more, ReadPidsRecursive(fs, fs::Join(dir, child)));
    pids.insert(pids.end(), more.begin(), more.end());
  }
  return pids;
}

int64_t NowMicros() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

bool BackoffSleep(int64_t deadline_us, int64_t* delay_us, int64_t max_us) {
  int64_t now = NowMicros();
  if (now >= deadline_us) return false;
  int64_t d = std::min(*delay_us, deadline_us - now);
  struct timespec ts = {static_cast<time_t>(d / 1000000), static_cast<long>((d % 1000000) * 1000)};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  *delay_us = std::min(*delay_us * 2, max_us);
  return true;
}

Result<> WriteProcs(CgroupFs& fs, const std::string& dir, pid_t pid) {
  std::string path = fs::Join(dir, "cgroup.procs");
  std::string value = std::to_string(pid);
  // EINVAL: the task may still be in TASK_NEW right after fork (runc retries
  // the same way). Bounded: ~5 ms worst case.
  int64_t deadline = NowMicros() + 5000;
  int64_t delay = 100;
  for (;;) {
    auto r = fs.WriteFile(path, value);
    if (r) return {};
    if (r.error().sys_errno() != EINVAL || !BackoffSleep(deadline, &delay, 1000))
      return std::move(r).Wrap("add process " + value + " to cgroup " + dir);
  }
}

namespace {

// One attempt: rmdir, and on EBUSY/ENOTEMPTY remove child cgroups first.
Result<> RemoveOnce(CgroupFs& fs, const std::string& dir) {
  auto r = fs.Rmdir(dir);
  if (r) return {};
  int err = r.error().sys_errno();
  if (err == ENOENT) return {};
  if (err != EBUSY && err != ENOTEMPTY) return r;
  auto children = fs.ListDirs(dir);
  if (!children) return r;  // report the rmdir error
  if (children->empty()) return r;
  for (const std::string& child : *children) IC_TRY(RemoveOnce(fs, fs::Join(dir, child)));
  r = fs.Rmdir(dir);
  if (r || r.error().sys_errno() == ENOENT) return {};
  return r;
}

}  // namespace

Result<> RemoveCgroup(CgroupFs& fs, const std::string& dir) {
  // Processes that were just killed leave the cgroup asynchronously; give
  // them up to ~0.3 s in total (runc: 5 tries, 10 ms doubling).
  int64_t deadline = NowMicros() + 300000;
  int64_t delay = 1000;
  for (;;) {
    auto r = RemoveOnce(fs, dir);
    if (r) return {};
    int err = r.error().sys_errno();
    if ((err != EBUSY && err != ENOTEMPTY) || !BackoffSleep(deadline, &delay, 64000))
      return std::move(r).Wrap("remove cgroup " + dir);
  }
}

Result<> SignalPids(const std::vector<pid_t>& pids, int sig) {
  for (pid_t pid : pids) {
    if (pid <= 0) continue;
    if (::kill(pid, sig) != 0 && errno != ESRCH)
      return ErrnoError("kill " + std::to_string(pid) + " with signal " + std::to_string(sig));
  }
  return {};
}

Result<> ValidatePageSize(const std::string& size, std::string_view field) {
  size_t digits = 0;
  while (digits < size.size() && size[digits] >= '0' && size[digits] <= '9') ++digits;
  std::string unit = size.substr(digits);
  if (digits == 0 || (unit != "KB" && unit != "MB" && unit != "GB" && unit != "TB"))
    return InvalidArgument(FieldPath(field) + ": invalid hugepage size \"" + size +
                           "\" (want e.g. 2MB, 1GB, 64KB)");
  return {};
}

Result<std::string> DeviceRuleString(const oci::LinuxDeviceCgroup& rule, std::string_view field) {
  std::string type = rule.type && !rule.type->empty() ? *rule.type : "a";
  if (type != "a" && type != "b" && type != "c")
    return InvalidArgument(FieldPath(field) + ".type: \"" + type + "\" is not a, b or c");
  std::string access = rule.access && !rule.access->empty() ? *rule.access : "rwm";
  for (char c : access) {
    if (c != 'r' && c != 'w' && c != 'm')
      return InvalidArgument(FieldPath(field) + ".access: \"" + access + "\" is not a subset of rwm");
  }
  if ((rule.major && *rule.major < 0) || (rule.minor && *rule.minor < 0))
    return InvalidArgument(FieldPath(field) + ": negative device number");
  if (type == "a") {
    // The kernel treats "a" as every device with every access; a partial
    // "a" rule cannot be expressed.
    if (rule.major || rule.minor || access != "rwm")
      return InvalidArgument(FieldPath(field) +
                             ": a rule for all device types must not restrict major, minor or access");
    return std::string("a");
  }
  std::string major = rule.major ? std::to_string(*rule.major) : "*";
  std::string minor = rule.minor ? std::to_string(*rule.minor) : "*";
  return type + " " + major + ":" + minor + " " + access;
}

}  // namespace internal
}  // namespace inclavare::runtime::cgroup
