// Leak checks shared by crash_test and concurrency_test: everything a
// container may leave on the host once `delete` has returned.
//
//   std::string l = itest::ContainerLeaks(rt(), id, bundle.dir, "/" + id);
//   EXPECT_EQ(l, "");   // else one line per leaked state dir/cgroup/pid/mount
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace itest {

// Mount points of every cgroup hierarchy on the host (v1 and unified).
inline std::vector<std::string> CgroupMountPoints() {
  std::vector<std::string> out;
  std::istringstream in(ReadFile("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream f(line), t(line.substr(dash + 3));
    std::string id, parent, mm, root, mp, type;
    f >> id >> parent >> mm >> root >> mp;
    t >> type;
    if (type == "cgroup" || type == "cgroup2") out.push_back(mp);
  }
  return out;
}

// Existing directories <hierarchy><cgroups_path> in any hierarchy.
inline std::vector<std::string> CgroupDirsLeft(const std::string& cgroups_path) {
  std::vector<std::string> out;
  for (const std::string& mp : CgroupMountPoints()) {
    std::string d = mp + cgroups_path;
    if (Exists(d)) out.push_back(d);
  }
  return out;
}

// Live (not zombie) processes: pid and /proc/<pid>/cmdline with NULs as spaces.
struct LiveProcess {
  pid_t pid;
  std::string cmdline;
};

inline std::vector<LiveProcess> LiveProcesses() {
  std::vector<LiveProcess> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (struct dirent* de = ::readdir(d)) {
    char* end = nullptr;
    long pid = strtol(de->d_name, &end, 10);
    if (pid <= 0 || *end) continue;
    std::string base = "/proc/" + std::string(de->d_name);
    std::string stat = ReadFile(base + "/stat");
    size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    char state = stat[close + 2];
    if (state == 'Z' || state == 'X') continue;
    std::string cmd = ReadFile(base + "/cmdline");
    for (char& c : cmd) c = c ? c : ' ';
    out.push_back({static_cast<pid_t>(pid), cmd});
  }
  ::closedir(d);
  return out;
}

// True when /proc/<pid>/cgroup places pid in cgroups_path (or below) in any
// hierarchy.
inline bool InCgroup(pid_t pid, const std::string& cgroups_path) {
  std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/cgroup"));
  for (std::string line; std::getline(in, line);) {
    size_t c = line.find(':', line.find(':') + 1);
    if (c == std::string::npos) continue;
    std::string p = line.substr(c + 1);
    if (p == cgroups_path || p.rfind(cgroups_path + "/", 0) == 0) return true;
  }
  return false;
}

// Everything container `id` (bundle dir, cgroups_path) left behind in
// runtime r: its state dir, its entry in `list`, cgroup dirs in any
// hierarchy, live processes (in its cgroup, rooted in the bundle, or a rune
// child still carrying the id in its argv), host mounts under the bundle.
// One line per leak; "" when clean.
inline std::string ContainerLeaks(const Runtime& r, const std::string& id, const std::string& bundle_dir,
                                  const std::string& cgroups_path) {
  std::ostringstream out;
  if (Exists(r.root + "/" + id)) out << "state dir " << r.root << "/" << id << " exists\n";
  ProcResult list = r.Run({"list", "-q"});
  std::istringstream ids(list.out);
  for (std::string l; std::getline(ids, l);) {
    if (l == id) out << "`list -q` still shows " << id << "\n";
  }
  for (const std::string& d : CgroupDirsLeft(cgroups_path)) out << "cgroup dir " << d << " exists\n";
  std::vector<pid_t> rooted = PidsRootedUnder(bundle_dir);
  for (const LiveProcess& p : LiveProcesses()) {
    bool leak = InCgroup(p.pid, cgroups_path) ||
                std::find(rooted.begin(), rooted.end(), p.pid) != rooted.end() ||
                (p.cmdline.find(r.binary) != std::string::npos && p.cmdline.find(" " + id + " ") != std::string::npos);
    if (leak) out << "process " << p.pid << " (" << p.cmdline << ") is alive\n";
  }
  for (const std::string& m : HostMountsContaining(bundle_dir)) out << "host mount: " << m << "\n";
  return out.str();
}

}  // namespace itest
