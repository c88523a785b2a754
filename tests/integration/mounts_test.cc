// Filesystem setup (config.md "Root", "Mounts", linux "Devices",
// "maskedPaths", "readonlyPaths", "rootfsPropagation") and --no-pivot,
// observed from inside through /proc/self/mountinfo and test_init.
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "tests/integration/harness.h"

namespace itest {
namespace {

class MountsTest : public IntegrationTest {
 protected:
  // The container's mount table.
  json Mounts(Bundle& b, const std::vector<std::string>& flags = {}) {
    b.SetArgs({"/test_init", "mounts"});
    json r = RunJson(rt(), b, flags);
    return r.is_null() ? json::array() : r["mounts"];
  }
  // The last (topmost) mount at mount_point, or null.
  static json MountAt(const json& mounts, const std::string& mount_point) {
    json found = nullptr;
    for (const json& m : mounts) {
      if (m["mount_point"] == mount_point) found = m;
    }
    return found;
  }
  static bool HasOption(const json& m, const std::string& key, const std::string& opt) {
    std::string opts = "," + m.value(key, "") + ",";
    return opts.find("," + opt + ",") != std::string::npos;
  }
  // Runs a shell script in the container; returns the JSON lines printed.
  std::vector<json> Script(Bundle& b, const std::string& script,
                           const std::vector<std::string>& flags = {}) {
    b.SetArgs({"/bin/sh", "-c", script});
    ProcResult r = RunContainer(rt(), b, "", flags);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return ParseJsonLines(r.out);
  }
};

TEST_F(MountsTest, TmpfsSizeAndMode) {
  Bundle b = NewBundle();
  // (mountinfo omits tmpfs's default mode 1777, so use another one.)
  b.AddMount("/scratch", "tmpfs", "tmpfs", {"nosuid", "size=1m", "mode=750"});
  json m = MountAt(Mounts(b), "/scratch");
  ASSERT_FALSE(m.is_null()) << "no /scratch mount";
  EXPECT_EQ(m["fstype"], "tmpfs");
  EXPECT_TRUE(HasOption(m, "super_options", "size=1024k")) << m.dump();
  EXPECT_TRUE(HasOption(m, "super_options", "mode=750")) << m.dump();
  EXPECT_TRUE(HasOption(m, "options", "nosuid")) << m.dump();
}

TEST_F(MountsTest, TmpfsModeVisibleWithStat) {
  Bundle b = NewBundle();
  b.AddMount("/scratch", "tmpfs", "tmpfs", {"mode=0700"});
  b.SetArgs({"/test_init", "stat", "/scratch"});
  json r = RunJson(rt(), b);
  EXPECT_EQ(r["/scratch"]["mode"], 0700);
  EXPECT_EQ(r["/scratch"]["type"], "d");
}

TEST_F(MountsTest, BindReadOnly) {
  Bundle b = NewBundle();
  std::string host = NewDir("hostdir");
  WriteFile(host + "/file", "host-data");
  b.AddMount("/data", "bind", host, {"bind", "ro"});
  auto out = Script(b, "/test_init cat-file /data/file; /test_init write-file /data/new");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["content"], "host-data");
  EXPECT_EQ(out[1]["errno"], EROFS);
  EXPECT_FALSE(Exists(host + "/new"));
}

TEST_F(MountsTest, BindReadWrite) {
  Bundle b = NewBundle();
  std::string host = NewDir("hostdir");
  b.AddMount("/data", "none", host, {"bind"});
  auto out = Script(b, "/test_init write-file /data/new");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["errno"], 0);
  EXPECT_EQ(ReadFile(host + "/new"), "x");
}

TEST_F(MountsTest, BindSingleFile) {
  Bundle b = NewBundle();
  std::string host = NewDir("hostdir");
  WriteFile(host + "/single", "one-file");
  b.AddMount("/etc/single.conf", "bind", host + "/single", {"rbind", "ro"});
  auto out = Script(b, "/test_init cat-file /etc/single.conf");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["content"], "one-file");
}

// rbind takes the submounts of the source along, bind does not.
TEST_F(MountsTest, RbindIncludesSubmountsBindDoesNot) {
  Bundle b = NewBundle();
  std::string host = NewDir("hostdir");
  NewDir("hostdir/sub");
  ASSERT_EQ(::mount("tmpfs", (host + "/sub").c_str(), "tmpfs", 0, "size=1m"), 0) << strerror(errno);
  WriteFile(host + "/sub/inner", "in-submount");
  b.AddMount("/r", "bind", host, {"rbind"});
  b.AddMount("/b", "bind", host, {"bind"});
  auto out = Script(b, "/test_init cat-file /r/sub/inner; /test_init cat-file /b/sub/inner");
  ::umount2((host + "/sub").c_str(), MNT_DETACH);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["content"], "in-submount") << "rbind lost the submount";
  EXPECT_EQ(out[1]["errno"], ENOENT) << "bind took the submount along";
}

TEST_F(MountsTest, BindSourceMissingFails) {
  Bundle b = NewBundle();
  b.AddMount("/data", "bind", tmp_ + "/does-not-exist", {"bind"});
  b.SetArgs({"/test_init", "exit", "0"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("does-not-exist"), std::string::npos) << r.err;
}

TEST_F(MountsTest, ProcIsMountedForThePidNamespace) {
  Bundle b = NewBundle();
  json mounts = Mounts(b);
  json m = MountAt(mounts, "/proc");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["fstype"], "proc");
  b.SetArgs({"/test_init", "cat-file", "/proc/1/cmdline"});
  json r = RunJson(rt(), b);
  EXPECT_EQ(r["content"].get<std::string>().rfind("/test_init", 0), 0u) << r.dump();
}

TEST_F(MountsTest, SysfsReadOnly) {
  Bundle b = NewBundle();
  json m = MountAt(Mounts(b), "/sys");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["fstype"], "sysfs");
  EXPECT_TRUE(HasOption(m, "options", "ro")) << m.dump();
  EXPECT_TRUE(HasOption(m, "options", "nosuid")) << m.dump();
  EXPECT_TRUE(HasOption(m, "options", "nodev")) << m.dump();
  EXPECT_TRUE(HasOption(m, "options", "noexec")) << m.dump();
}

TEST_F(MountsTest, Mqueue) {
  Bundle b = NewBundle();
  json m = MountAt(Mounts(b), "/dev/mqueue");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["fstype"], "mqueue");
}

TEST_F(MountsTest, Devpts) {
  Bundle b = NewBundle();
  json m = MountAt(Mounts(b), "/dev/pts");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["fstype"], "devpts");
  EXPECT_TRUE(HasOption(m, "super_options", "ptmxmode=666")) << m.dump();
  EXPECT_TRUE(HasOption(m, "super_options", "mode=620")) << m.dump();
  EXPECT_TRUE(HasOption(m, "super_options", "gid=5")) << m.dump();
}

TEST_F(MountsTest, DevShmTmpfs) {
  Bundle b = NewBundle();
  json m = MountAt(Mounts(b), "/dev/shm");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["fstype"], "tmpfs");
  EXPECT_TRUE(HasOption(m, "super_options", "size=65536k")) << m.dump();
}

// On cgroup v1 the "cgroup" mount becomes a tmpfs with one read-only
// cgroup mount per hierarchy, showing the container's own cgroup.
TEST_F(MountsTest, CgroupMountReadOnly) {
  Bundle b = NewBundle();
  json mounts = Mounts(b);
  int cgroup_mounts = 0;
  for (const json& m : mounts) {
    std::string mp = m["mount_point"];
    if (mp.rfind("/sys/fs/cgroup", 0) != 0) continue;
    if (m["fstype"] == "cgroup" || m["fstype"] == "cgroup2") {
      ++cgroup_mounts;
      EXPECT_TRUE(HasOption(m, "options", "ro")) << m.dump();
    }
  }
  EXPECT_GT(cgroup_mounts, 0) << mounts.dump();
  b.SetArgs({"/test_init", "stat", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
             "/sys/fs/cgroup/pids/pids.max"});
  json r = RunJson(rt(), b);
  EXPECT_EQ(r["/sys/fs/cgroup/memory/memory.limit_in_bytes"]["errno"], 0) << r.dump();
  EXPECT_EQ(r["/sys/fs/cgroup/pids/pids.max"]["errno"], 0) << r.dump();
}

TEST_F(MountsTest, ReadonlyRoot) {
  Bundle b = NewBundle();
  b.spec["root"]["readonly"] = true;
  auto out = Script(b, "/test_init write-file /x; /test_init write-file /dev/shm/y");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["errno"], EROFS);
  EXPECT_EQ(out[1]["errno"], 0) << "tmpfs mounts must stay writable";
  EXPECT_FALSE(Exists(b.rootfs + "/x"));
  json root = MountAt(Mounts(b), "/");
  EXPECT_TRUE(HasOption(root, "options", "ro")) << root.dump();
}

TEST_F(MountsTest, WritableRoot) {
  Bundle b = NewBundle();
  b.spec["root"]["readonly"] = false;
  auto out = Script(b, "/test_init write-file /x");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["errno"], 0);
  EXPECT_EQ(ReadFile(b.rootfs + "/x"), "x");
}

TEST_F(MountsTest, MaskedPathFile) {
  Bundle b = NewBundle();
  WriteFile(b.rootfs + "/secret.txt", "s3cret");
  b.spec["linux"]["maskedPaths"].push_back("/secret.txt");
  auto out = Script(b,
                    "/test_init cat-file /secret.txt; /test_init cat-file /proc/kcore; "
                    "/test_init stat /secret.txt");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["errno"], 0);
  EXPECT_EQ(out[0]["content"], "") << "masked file readable";
  EXPECT_EQ(out[1]["content"], "");
  // Masked by a bind mount of /dev/null.
  EXPECT_EQ(out[2]["/secret.txt"]["type"], "c");
  EXPECT_EQ(out[2]["/secret.txt"]["major"], 1);
  EXPECT_EQ(out[2]["/secret.txt"]["minor"], 3);
}

TEST_F(MountsTest, MaskedPathDirectory) {
  Bundle b = NewBundle();
  std::filesystem::create_directories(b.rootfs + "/secretdir");
  WriteFile(b.rootfs + "/secretdir/inner.txt", "hidden");
  b.spec["linux"]["maskedPaths"].push_back("/secretdir");
  auto out = Script(b, "/test_init cat-file /secretdir/inner.txt; /test_init write-file /secretdir/n; "
                       "/test_init mounts");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["errno"], ENOENT) << "masked directory shows its content";
  EXPECT_EQ(out[1]["errno"], EROFS) << "masked directory is writable";
  json m = MountAt(out[2]["mounts"], "/secretdir");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["fstype"], "tmpfs");
  EXPECT_TRUE(HasOption(m, "options", "ro")) << m.dump();
}

TEST_F(MountsTest, MaskedPathMissingIsIgnored) {
  Bundle b = NewBundle();
  b.spec["linux"]["maskedPaths"].push_back("/no/such/path");
  b.SetArgs({"/test_init", "exit", "0"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

TEST_F(MountsTest, ReadonlyPaths) {
  Bundle b = NewBundle();
  std::filesystem::create_directories(b.rootfs + "/rodir");
  std::filesystem::create_directories(b.rootfs + "/rwdir");
  b.spec["linux"]["readonlyPaths"].push_back("/rodir");
  auto out = Script(b,
                    "/test_init write-file /rodir/x; /test_init write-file /rwdir/x; "
                    "/test_init write-file /proc/sys/kernel/domainname; "
                    "/test_init cat-file /proc/sys/kernel/ostype");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["errno"], EROFS);
  EXPECT_EQ(out[1]["errno"], 0);
  EXPECT_EQ(out[2]["errno"], EROFS);
  EXPECT_EQ(out[3]["content"], "Linux\n") << "read-only paths must stay readable";
}

TEST_F(MountsTest, DefaultDevices) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "stat", "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
             "/dev/urandom", "/dev/tty"});
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  const std::map<std::string, std::pair<int, int>> want = {
      {"/dev/null", {1, 3}},    {"/dev/zero", {1, 5}},    {"/dev/full", {1, 7}},
      {"/dev/random", {1, 8}}, {"/dev/urandom", {1, 9}}, {"/dev/tty", {5, 0}}};
  for (const auto& [path, mm] : want) {
    const json& s = r[path];
    EXPECT_EQ(s["errno"], 0) << path;
    EXPECT_EQ(s["type"], "c") << path;
    EXPECT_EQ(s["major"], mm.first) << path;
    EXPECT_EQ(s["minor"], mm.second) << path;
    EXPECT_EQ(s["mode"], 0666) << path;
  }
}

TEST_F(MountsTest, DefaultDevicesUsable) {
  Bundle b = NewBundle();
  auto out = Script(b, "/test_init write-file /dev/null; /test_init cat-file /dev/null");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["errno"], 0);
  EXPECT_EQ(out[1]["errno"], 0);
}

TEST_F(MountsTest, DevSymlinks) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "readlink", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr",
             "/dev/ptmx"});
  json r = RunJson(rt(), b);
  EXPECT_EQ(r["/dev/fd"], "/proc/self/fd");
  EXPECT_EQ(r["/dev/stdin"], "/proc/self/fd/0");
  EXPECT_EQ(r["/dev/stdout"], "/proc/self/fd/1");
  EXPECT_EQ(r["/dev/stderr"], "/proc/self/fd/2");
  EXPECT_EQ(r["/dev/ptmx"], "pts/ptmx");
}

TEST_F(MountsTest, LinuxDevices) {
  Bundle b = NewBundle();
  b.spec["linux"]["devices"] = json::array(
      {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"fileMode", 0666},
        {"uid", 0}, {"gid", 0}},
       {{"path", "/dev/custom/mydev"}, {"type", "c"}, {"major", 1}, {"minor", 3},
        {"fileMode", 0640}, {"uid", 1000}, {"gid", 1000}}});
  b.SetArgs({"/test_init", "stat", "/dev/fuse", "/dev/custom/mydev"});
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["/dev/fuse"]["type"], "c");
  EXPECT_EQ(r["/dev/fuse"]["major"], 10);
  EXPECT_EQ(r["/dev/fuse"]["minor"], 229);
  EXPECT_EQ(r["/dev/fuse"]["mode"], 0666);
  EXPECT_EQ(r["/dev/custom/mydev"]["type"], "c");
  EXPECT_EQ(r["/dev/custom/mydev"]["mode"], 0640);
  EXPECT_EQ(r["/dev/custom/mydev"]["uid"], 1000);
  EXPECT_EQ(r["/dev/custom/mydev"]["gid"], 1000);
}

// rootfsPropagation applies to the container's copy of the host mounts
// (mount(2) on "/" with MS_REC): with rslave/rshared a mount made on the host
// below a shared host directory that is rbind-mounted into the container
// shows up inside; with rprivate it does not. (The root mount itself ends up
// private in runc whatever the mode, because its parent is made private
// before pivot_root, so mountinfo's shared:/master: fields are no test.)
class PropagationTest : public MountsTest,
                        public ::testing::WithParamInterface<std::pair<std::string, bool>> {};

TEST_P(PropagationTest, HostMountEventsReachContainer) {
  const auto& [mode, expect_seen] = GetParam();
  Bundle b = NewBundle();
  std::string host = NewDir("shared-src");
  ASSERT_EQ(::mount(host.c_str(), host.c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
  ASSERT_EQ(::mount(nullptr, host.c_str(), nullptr, MS_SHARED, nullptr), 0) << strerror(errno);
  b.spec["linux"]["rootfsPropagation"] = mode;
  b.AddMount("/shared", "bind", host, {"rbind"});
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  std::string id = NewId();
  ProcResult c = rt().Run({"create", "--bundle", b.dir, id});
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  std::filesystem::create_directories(host + "/late");
  ASSERT_EQ(::mount("tmpfs", (host + "/late").c_str(), "tmpfs", 0, "size=1m"), 0);
  WriteFile(host + "/late/file", "late-mount");
  int pid = State(rt(), id)["pid"].get<int>();
  // Look into the container's mount namespace from the host.
  std::string seen = ReadFile("/proc/" + std::to_string(pid) + "/root/shared/late/file");
  ::umount2((host + "/late").c_str(), MNT_DETACH);
  if (expect_seen) {
    EXPECT_EQ(seen, "late-mount") << mode << ": host mount did not propagate";
  } else {
    EXPECT_EQ(seen, "") << mode << ": host mount propagated";
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, PropagationTest,
                         ::testing::Values(std::make_pair(std::string("rslave"), true),
                                           std::make_pair(std::string("rshared"), true),
                                           std::make_pair(std::string("rprivate"), false)));

// The "rslave" mount option makes one bind mount a slave of its source.
TEST_F(MountsTest, BindMountPropagationOption) {
  Bundle b = NewBundle();
  std::string host = NewDir("shared-src");
  ASSERT_EQ(::mount(host.c_str(), host.c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
  ASSERT_EQ(::mount(nullptr, host.c_str(), nullptr, MS_SHARED, nullptr), 0) << strerror(errno);
  b.AddMount("/shared", "bind", host, {"rbind", "rslave"});
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  std::string id = NewId();
  ProcResult c = rt().Run({"create", "--bundle", b.dir, id});
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  std::filesystem::create_directories(host + "/late");
  ASSERT_EQ(::mount("tmpfs", (host + "/late").c_str(), "tmpfs", 0, "size=1m"), 0);
  WriteFile(host + "/late/file", "late-mount");
  int pid = State(rt(), id)["pid"].get<int>();
  std::string seen = ReadFile("/proc/" + std::to_string(pid) + "/root/shared/late/file");
  ::umount2((host + "/late").c_str(), MNT_DETACH);
  EXPECT_EQ(seen, "late-mount");
  // And nothing mounted inside propagates back (slave, not shared).
  EXPECT_TRUE(HostMountsContaining(b.rootfs).empty());
}

TEST_F(MountsTest, NoPivot) {
  Bundle b = NewBundle();
  auto out = Script(b, "/test_init report; /test_init mounts; /test_init write-file /np", {"--no-pivot"});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["cwd"], "/");
  EXPECT_FALSE(MountAt(out[1]["mounts"], "/").is_null());
  EXPECT_FALSE(MountAt(out[1]["mounts"], "/proc").is_null());
  EXPECT_EQ(out[2]["errno"], 0);
  EXPECT_EQ(ReadFile(b.rootfs + "/np"), "x") << "--no-pivot root is not the bundle rootfs";
}

TEST_F(MountsTest, NoPivotReadonlyRoot) {
  Bundle b = NewBundle();
  b.spec["root"]["readonly"] = true;
  auto out = Script(b, "/test_init write-file /np", {"--no-pivot"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["errno"], EROFS);
}

TEST_F(MountsTest, ContainerMountsInvisibleOnHost) {
  Bundle b = NewBundle();
  b.AddMount("/scratch", "tmpfs", "tmpfs", {"size=1m"});
  b.SetArgs({"/test_init", "sleep", "30"});
  std::string id = NewId();
  ASSERT_EQ(RunContainer(rt(), b, id, {"-d"}).exit_code, 0);
  EXPECT_TRUE(HostMountsContaining(b.rootfs).empty())
      << "container mounts leaked into the host namespace";
}

}  // namespace
}  // namespace itest
