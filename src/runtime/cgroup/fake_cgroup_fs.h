// Test-only: a CgroupFs over a temporary directory that emulates cgroupfs.
//
// The fake tree lives under a temp dir (no root needed). Like the kernel it
//   * fills a new cgroup directory with the control files of its hierarchy
//     (v1: per mounted controller; v2: per controller enabled in the parent's
//     cgroup.subtree_control), with the kernel's default contents;
//   * removes a cgroup with its files on rmdir, but fails with EBUSY while
//     cgroup.procs is non-empty or child cgroups exist;
//   * treats cgroup.subtree_control writes as "+ctrl -ctrl" edits, and
//     cgroup.freeze writes as updating cgroup.events' "frozen";
// and it records every write (path, value) so tests can check multi-write
// files such as devices.allow. Failures can be injected per operation.
//
//   FakeCgroupTree tree = FakeCgroupTree::V1();     // or ::V2()
//   auto mgr = NewManager({.container_id = "c1"}, tree.options()).value();
//   mgr->Create(); mgr->Apply(r);
//   EXPECT_EQ(tree.Read("memory/c1/memory.limit_in_bytes"), "1048576");
#pragma once

#include <linux/magic.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/fs.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_fs.h"
#include "runtime/cgroup/devices_bpf.h"

namespace inclavare::runtime::cgroup::testing {

class FakeCgroupFs : public CgroupFs {
 public:
  using FileList = std::vector<std::pair<std::string, std::string>>;  // name, default content

  // v1: mount point (absolute) -> controllers mounted there.
  std::map<std::string, std::vector<std::string>> v1_mounts;
  // v2: the cgroup2 mount point, empty when none.
  std::string v2_root;
  // statfs answers; paths not listed report ext4.
  std::map<std::string, int64_t> fs_types;

  // Fault injection: errno for the next N calls on a path suffix.
  struct Fault {
    std::string suffix;
    int err;
    int count;
  };
  std::vector<Fault> mkdir_faults, rmdir_faults, write_faults, device_filter_faults;

  std::vector<std::pair<std::string, std::string>> writes;  // every WriteFile
  // Every SetDeviceFilter (cgroup dir, program), in order; the last one per
  // directory is the attached program.
  std::vector<std::pair<std::string, DeviceFilter>> device_filters;

  Result<int64_t> FsType(const std::string& path) override {
    auto it = fs_types.find(path);
    if (it != fs_types.end()) return it->second;
    if (!fs::Exists(path)) return ErrnoError("statfs " + path, ENOENT);
    return static_cast<int64_t>(0xEF53);  // EXT4_SUPER_MAGIC
  }

  Result<bool> Mkdir(const std::string& path, mode_t mode) override {
    if (int err = TakeFault(mkdir_faults, path)) return ErrnoError("mkdir " + path, err);
    auto created = RealCgroupFs().Mkdir(path, mode);
    if (!created || !*created) return created;
    Populate(path);
    return true;
  }

  Result<> Rmdir(const std::string& path) override {
    if (int err = TakeFault(rmdir_faults, path)) return ErrnoError("rmdir " + path, err);
    if (!fs::Exists(path)) return ErrnoError("rmdir " + path, ENOENT);
    auto procs = fs::ReadFile(fs::Join(path, "cgroup.procs"));
    auto children = RealCgroupFs().ListDirs(path);
    if ((procs && !procs->empty()) || (children && !children->empty()))
      return ErrnoError("rmdir " + path, EBUSY);
    return fs::RemoveAll(path);
  }

  Result<> WriteFile(const std::string& path, std::string_view data) override {
    if (int err = TakeFault(write_faults, path)) return ErrnoError("write " + path, err);
    if (!fs::Exists(path)) return ErrnoError("open " + path, ENOENT);
    writes.emplace_back(path, std::string(data));
    std::string base = path.substr(path.find_last_of('/') + 1);
    std::string dir = path.substr(0, path.find_last_of('/'));
    if (base == "cgroup.subtree_control") {
      auto cur = fs::ReadFile(path);
      std::set<std::string> set = Words(cur ? *cur : "");
      for (const std::string& w : Words(std::string(data))) {
        if (w.size() < 2 || (w[0] != '+' && w[0] != '-')) return ErrnoError("write " + path, EINVAL);
        if (w[0] == '+')
          set.insert(w.substr(1));
        else
          set.erase(w.substr(1));
      }
      std::string out;
      for (const auto& c : set) out += (out.empty() ? "" : " ") + c;
      return fs::WriteFile(path, out);
    }
    if (base == "cgroup.freeze") {
      std::string frozen = data == "1" ? "1" : "0";
      IC_TRY(fs::WriteFile(fs::Join(dir, "cgroup.events"), "populated 0\nfrozen " + frozen + "\n"));
    }
    return fs::WriteFile(path, data);
  }

  Result<std::string> ReadFile(const std::string& path) override { return RealCgroupFs().ReadFile(path); }
  bool Exists(const std::string& path) override { return RealCgroupFs().Exists(path); }
  Result<std::vector<std::string>> ListDirs(const std::string& path) override {
    return RealCgroupFs().ListDirs(path);
  }
  Result<UniqueFd> OpenDir(const std::string& path) override { return RealCgroupFs().OpenDir(path); }
  Result<> SetDeviceFilter(const std::string& path, const DeviceFilter& filter) override {
    if (int err = TakeFault(device_filter_faults, path)) return ErrnoError("device filter " + path, err);
    if (!fs::Exists(path)) return ErrnoError("open " + path, ENOENT);
    device_filters.emplace_back(path, filter);
    return {};
  }

  // Values written to files whose path ends with suffix, in order.
  std::vector<std::string> WritesTo(const std::string& suffix) const {
    std::vector<std::string> out;
    for (const auto& [p, v] : writes) {
      if (EndsWith(p, suffix)) out.push_back(v);
    }
    return out;
  }

  static FileList V1Files(const std::string& controller) {
    static const std::map<std::string, FileList> kFiles = {
        {"memory",
         {{"memory.limit_in_bytes", "9223372036854771712\n"},
          {"memory.soft_limit_in_bytes", "9223372036854771712\n"},
          {"memory.memsw.limit_in_bytes", "9223372036854771712\n"},
          {"memory.kmem.tcp.limit_in_bytes", "9223372036854771712\n"},
          {"memory.usage_in_bytes", "0\n"},
          {"memory.swappiness", "60\n"},
          {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n"},
          {"memory.use_hierarchy", "1\n"}}},
        {"cpu",
         {{"cpu.shares", "1024\n"},
          {"cpu.cfs_period_us", "100000\n"},
          {"cpu.cfs_quota_us", "-1\n"},
          {"cpu.cfs_burst_us", "0\n"},
          {"cpu.rt_period_us", "1000000\n"},
          {"cpu.rt_runtime_us", "0\n"},
          {"cpu.idle", "0\n"}}},
        {"cpuacct", {{"cpuacct.usage", "0\n"}}},
        {"cpuset", {{"cpuset.cpus", "\n"}, {"cpuset.mems", "\n"}}},
        {"pids", {{"pids.max", "max\n"}}},
        {"devices", {{"devices.allow", ""}, {"devices.deny", ""}, {"devices.list", "a *:* rwm\n"}}},
        {"freezer", {{"freezer.state", "THAWED\n"}}},
        {"blkio",
         {{"blkio.bfq.weight", "default 100\n"},
          {"blkio.bfq.weight_device", ""},
          {"blkio.throttle.read_bps_device", ""},
          {"blkio.throttle.write_bps_device", ""},
          {"blkio.throttle.read_iops_device", ""},
          {"blkio.throttle.write_iops_device", ""}}},
        {"hugetlb",
         {{"hugetlb.2MB.limit_in_bytes", "9223372036854771712\n"},
          {"hugetlb.2MB.rsvd.limit_in_bytes", "9223372036854771712\n"},
          {"hugetlb.1GB.limit_in_bytes", "9223372036854771712\n"}}},
        {"net_cls", {{"net_cls.classid", "0\n"}}},
        {"net_prio", {{"net_prio.ifpriomap", "lo 0\n"}}},
        {"rdma", {{"rdma.max", ""}}},
    };
    auto it = kFiles.find(controller);
    return it == kFiles.end() ? FileList{} : it->second;
  }

  static FileList V2Files(const std::string& controller) {
    static const std::map<std::string, FileList> kFiles = {
        {"memory",
         {{"memory.max", "max\n"},
          {"memory.swap.max", "max\n"},
          {"memory.low", "0\n"},
          {"memory.current", "0\n"}}},
        {"cpu",
         {{"cpu.weight", "100\n"},
          {"cpu.max", "max 100000\n"},
          {"cpu.max.burst", "0\n"},
          {"cpu.idle", "0\n"}}},
        {"cpuset", {{"cpuset.cpus", "\n"}, {"cpuset.mems", "\n"}}},
        {"pids", {{"pids.max", "max\n"}}},
        {"io", {{"io.weight", "default 100\n"}, {"io.max", ""}}},
        {"hugetlb",
         {{"hugetlb.2MB.max", "max\n"}, {"hugetlb.2MB.rsvd.max", "max\n"}, {"hugetlb.1GB.max", "max\n"}}},
        {"rdma", {{"rdma.max", ""}}},
        {"misc", {{"misc.max", ""}}},
    };
    auto it = kFiles.find(controller);
    return it == kFiles.end() ? FileList{} : it->second;
  }

  // Creates the files of `list` in dir.
  static void WriteFiles(const std::string& dir, const FileList& list) {
    for (const auto& [name, content] : list) (void)fs::WriteFile(fs::Join(dir, name), content, true);
  }

  static std::set<std::string> Words(const std::string& s) {
    std::set<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
      size_t j = i;
      while (j < s.size() && s[j] != ' ' && s[j] != '\n') ++j;
      if (j > i) out.insert(s.substr(i, j - i));
      i = j;
    }
    return out;
  }

 private:
  static bool EndsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  }

  int TakeFault(std::vector<Fault>& faults, const std::string& path) {
    for (auto& f : faults) {
      if (f.count > 0 && EndsWith(path, f.suffix)) {
        --f.count;
        return f.err;
      }
    }
    return 0;
  }

  void Populate(const std::string& path) {
    for (const auto& [mp, controllers] : v1_mounts) {
      if (path.compare(0, mp.size() + 1, mp + "/") != 0) continue;
      WriteFiles(path, {{"cgroup.procs", ""}, {"tasks", ""}});
      for (const auto& c : controllers) WriteFiles(path, V1Files(c));
      return;
    }
    if (!v2_root.empty() && path.compare(0, v2_root.size() + 1, v2_root + "/") == 0) {
      std::string parent = path.substr(0, path.find_last_of('/'));
      auto enabled = fs::ReadFile(fs::Join(parent, "cgroup.subtree_control"));
      std::string ctrls = enabled ? *enabled : "";
      WriteFiles(path, {{"cgroup.procs", ""},
                        {"cgroup.controllers", ctrls},
                        {"cgroup.subtree_control", ""},
                        {"cgroup.freeze", "0\n"},
                        {"cgroup.events", "populated 0\nfrozen 0\n"},
                        {"cgroup.kill", ""},
                        {"cgroup.type", "domain\n"}});
      for (const auto& c : Words(ctrls)) WriteFiles(path, V2Files(c));
    }
  }
};

// A fake host: temp dir with <tmp>/cgroup (the root), <tmp>/mountinfo and
// <tmp>/self_cgroup. Removed on destruction.
class FakeCgroupTree {
 public:
  FakeCgroupTree() {
    char tmpl[] = "/tmp/ic-cgroup-test-XXXXXX";
    base_ = ::mkdtemp(tmpl);
    root_ = base_ + "/cgroup";
    (void)fs::MkdirAll(root_);
  }
  ~FakeCgroupTree() { (void)fs::RemoveAll(base_); }
  FakeCgroupTree(const FakeCgroupTree&) = delete;
  FakeCgroupTree& operator=(const FakeCgroupTree&) = delete;

  // This machine's layout: hybrid v1, cpu and cpuacct mounted separately
  // unless `comount_cpu` (the common "cpu,cpuacct" layout).
  static std::unique_ptr<FakeCgroupTree> V1(bool hybrid = true, bool comount_cpu = true) {
    auto t = std::make_unique<FakeCgroupTree>();
    t->fs.fs_types[t->root_] = TMPFS_MAGIC;
    std::vector<std::pair<std::string, std::vector<std::string>>> mounts = {
        {"cpuset", {"cpuset"}},   {"memory", {"memory"}},
        {"devices", {"devices"}}, {"freezer", {"freezer"}},
        {"blkio", {"blkio"}},     {"pids", {"pids"}},
        {"hugetlb", {"hugetlb"}}, {"net_cls,net_prio", {"net_cls", "net_prio"}},
        {"rdma", {"rdma"}},       {"systemd", {"name=systemd"}}};
    if (comount_cpu) {
      mounts.push_back({"cpu,cpuacct", {"cpu", "cpuacct"}});
    } else {
      mounts.push_back({"cpu", {"cpu"}});
      mounts.push_back({"cpuacct", {"cpuacct"}});
    }
    std::string mountinfo =
        "23 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
        "31 23 0:28 / " +
        t->root_ + " rw - tmpfs tmpfs rw,mode=755\n";
    int id = 32;
    for (const auto& [name, ctrls] : mounts) {
      std::string mp = t->root_ + "/" + name;
      (void)fs::MkdirAll(mp);
      FileList root_files = {{"cgroup.procs", "1\n"}, {"tasks", "1\n"}};
      if (name == "cpuset")
        root_files.insert(root_files.end(), {{"cpuset.cpus", "0-1\n"}, {"cpuset.mems", "0\n"}});
      FakeCgroupFs::WriteFiles(mp, root_files);
      t->fs.v1_mounts[mp] = ctrls;
      t->fs.fs_types[mp] = CGROUP_SUPER_MAGIC;
      std::string opts = "rw";
      for (const auto& c : ctrls) opts += "," + c;
      ++id;
      mountinfo += std::to_string(id) + " 31 0:" + std::to_string(id) + " / " + mp +
                   " rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup " + opts + "\n";
    }
    if (hybrid) {
      std::string mp = t->root_ + "/unified";
      (void)fs::MkdirAll(mp);
      t->fs.fs_types[mp] = CGROUP2_SUPER_MAGIC;
      mountinfo += std::to_string(id + 1) + " 31 0:99 / " + mp + " rw - cgroup2 cgroup2 rw\n";
    }
    (void)fs::WriteFile(t->base_ + "/mountinfo", mountinfo, true);
    (void)fs::WriteFile(t->base_ + "/self_cgroup",
                        "11:net_cls,net_prio:/\n10:rdma:/\n9:name=systemd:/\n8:pids:/user/rune\n"
                        "7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/user/rune\n"
                        "3:cpuset:/\n2:hugetlb:/\n1:cpu,cpuacct:/user\n0::/\n",
                        true);
    return t;
  }

  static std::unique_ptr<FakeCgroupTree> V2(
      const std::string& controllers = "cpuset cpu io memory hugetlb pids rdma misc") {
    auto t = std::make_unique<FakeCgroupTree>();
    t->fs.fs_types[t->root_] = CGROUP2_SUPER_MAGIC;
    t->fs.v2_root = t->root_;
    FakeCgroupFs::WriteFiles(t->root_, {{"cgroup.procs", "1\n"},
                                        {"cgroup.controllers", controllers + "\n"},
                                        {"cgroup.subtree_control", ""}});
    (void)fs::WriteFile(t->base_ + "/mountinfo", "", true);
    (void)fs::WriteFile(t->base_ + "/self_cgroup", "0::/user.slice/rune.scope\n", true);
    return t;
  }

  Options options() {
    Options o;
    o.root = root_;
    o.mountinfo_path = base_ + "/mountinfo";
    o.self_cgroup_path = base_ + "/self_cgroup";
    o.fs = &fs;
    return o;
  }

  const std::string& root() const { return root_; }
  std::string Path(const std::string& rel) const { return fs::Join(root_, rel); }
  // Contents of root/rel with surrounding whitespace removed; "<missing>" if absent.
  std::string Read(const std::string& rel) const {
    auto r = fs::ReadFile(Path(rel));
    if (!r) return "<missing>";
    std::string s = *r;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  bool Exists(const std::string& rel) const { return fs::Exists(Path(rel)); }
  void Write(const std::string& rel, const std::string& content) {
    (void)fs::WriteFile(Path(rel), content, true);
  }
  void Remove(const std::string& rel) { (void)fs::RemoveAll(Path(rel)); }

  FakeCgroupFs fs;

 private:
  using FileList = FakeCgroupFs::FileList;
  std::string base_;
  std::string root_;
};

}  // namespace inclavare::runtime::cgroup::testing
