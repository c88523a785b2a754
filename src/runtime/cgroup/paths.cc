// Path resolution: mountinfo and /proc/self/cgroup parsing, cgroupsPath
// cleaning, controller -> directory mapping.
#include <algorithm>
#include <set>

#include "common/fs.h"
#include "runtime/cgroup/internal.h"

namespace inclavare::runtime::cgroup::internal {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t next = s.find(sep, pos);
    if (next == std::string_view::npos) next = s.size();
    out.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

// mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo octal.
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IsKnownV1(std::string_view name) {
  const auto& known = KnownV1Controllers();
  return std::find(known.begin(), known.end(), name) != known.end();
}

// Joins a cgroup-relative path ("/a/b" or "a/b" or "" or "/") below base.
std::string JoinUnder(const std::string& base, std::string_view rel) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  while (!rel.empty() && rel.back() == '/') rel.remove_suffix(1);
  if (rel.empty()) return base;
  return fs::Join(base, rel);
}

// The directory of the process's own cgroup in a hierarchy: own path with the
// mount's root stripped (inside a cgroup namespace or a bind mount of a
// sub-tree, the mount root is not "/").
std::string OwnDir(const std::string& mount_point, const std::string& mount_root, const std::string& own) {
  std::string_view rel = own;
  if (mount_root != "/" && !mount_root.empty()) {
    if (rel.substr(0, mount_root.size()) == mount_root &&
        (rel.size() == mount_root.size() || rel[mount_root.size()] == '/')) {
      rel.remove_prefix(mount_root.size());
    }
  }
  return JoinUnder(mount_point, rel);
}

}  // namespace

const std::vector<std::string>& KnownV1Controllers() {
  static const std::vector<std::string> kControllers = {
      "cpuset",  "devices",  "memory",     "cpu",     "cpuacct", "pids", "blkio",       "hugetlb",
      "net_cls", "net_prio", "perf_event", "freezer", "rdma",    "misc", "name=systemd"};
  return kControllers;
}

std::vector<V1Mount> ParseV1Mounts(std::string_view mountinfo, const std::string& under) {
  std::vector<V1Mount> out;
  std::set<std::string> seen;
  for (std::string_view line : Split(mountinfo, '\n')) {
    if (line.empty()) continue;
    auto fields = Split(line, ' ');
    // id parent maj:min root mount_point options [optional...] - fstype source superopts
    size_t dash = 0;
    for (size_t i = 6; i < fields.size(); ++i) {
      if (fields[i] == "-") {
        dash = i;
        break;
      }
    }
    if (dash == 0 || fields.size() < dash + 4) continue;
    if (fields[dash + 1] != "cgroup") continue;
    std::string mount_point = Unescape(fields[4]);
    if (mount_point.size() <= under.size() || mount_point.compare(0, under.size(), under) != 0 ||
        mount_point[under.size()] != '/')
      continue;
    V1Mount m;
    m.mount_point = std::move(mount_point);
    m.root = Unescape(fields[3]);
    for (std::string_view opt : Split(fields[dash + 3], ',')) {
      if (IsKnownV1(opt) && !seen.count(std::string(opt))) {
        m.controllers.emplace_back(opt);
        seen.emplace(opt);
      }
    }
    if (!m.controllers.empty()) out.push_back(std::move(m));
  }
  return out;
}

std::map<std::string, std::string> ParseProcCgroup(std::string_view content) {
  std::map<std::string, std::string> out;
  for (std::string_view line : Split(content, '\n')) {
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view ctrls = line.substr(c1 + 1, c2 - c1 - 1);
    std::string path(line.substr(c2 + 1));
    if (ctrls.empty()) {
      out[""] = path;
      continue;
    }
    for (std::string_view c : Split(ctrls, ',')) out[std::string(c)] = path;
  }
  return out;
}

Result<std::string> CleanCgroupPath(const std::string& path) {
  bool absolute = !path.empty() && path.front() == '/';
  std::string out;
  for (std::string_view comp : Split(path, '/')) {
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") return InvalidArgument("cgroupsPath " + path + ": \"..\" is not allowed");
    if (!out.empty() || absolute) out += '/';
    out.append(comp);
  }
  if (out.empty()) return InvalidArgument("cgroupsPath \"" + path + "\" does not name a cgroup");
  return out;
}

Result<Paths> ResolveV1Paths(const std::vector<V1Mount>& mounts, const std::string& cleaned,
                             const std::map<std::string, std::string>& self_cgroup) {
  if (mounts.empty()) return FailedPrecondition("no cgroup v1 hierarchy is mounted");
  bool absolute = cleaned.front() == '/';
  Paths paths;
  for (const V1Mount& m : mounts) {
    std::string dir;
    if (absolute) {
      dir = JoinUnder(m.mount_point, cleaned);
    } else {
      auto it = self_cgroup.find(m.controllers.front());
      if (it == self_cgroup.end())
        return FailedPrecondition("relative cgroupsPath " + cleaned + ": own cgroup for " +
                                  m.controllers.front() + " not found in /proc/self/cgroup");
      dir = JoinUnder(OwnDir(m.mount_point, m.root, it->second), cleaned);
    }
    for (const std::string& c : m.controllers) paths.emplace(c, dir);
  }
  return paths;
}

Result<std::string> ResolveV2Path(const std::string& root, const std::string& cleaned,
                                  const std::map<std::string, std::string>& self_cgroup) {
  if (cleaned.front() == '/') return JoinUnder(root, cleaned);
  auto it = self_cgroup.find("");
  if (it == self_cgroup.end())
    return FailedPrecondition("relative cgroupsPath " + cleaned +
                              ": no cgroup v2 entry in /proc/self/cgroup");
  // runc's fs2 rule: the parent of our own cgroup, which (unlike ours) has
  // no processes and can delegate controllers.
  std::string own = it->second;
  size_t slash = own.find_last_of('/');
  std::string parent = slash == std::string::npos ? "/" : own.substr(0, slash);
  return JoinUnder(JoinUnder(root, parent), cleaned);
}

}  // namespace inclavare::runtime::cgroup::internal
