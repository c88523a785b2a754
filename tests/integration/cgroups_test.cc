// linux.resources and linux.cgroupsPath on this cgroup v1 hybrid host:
// limits visible from inside (the cgroup mount shows the container's own
// cgroup) and from the host, and the cgroup removed on delete.
#include <unistd.h>

#include "tests/integration/harness.h"

namespace itest {
namespace {

class CgroupsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    if (!Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
      GTEST_SKIP() << "needs cgroup v1 memory/cpu/pids hierarchies (hybrid mode)";
    }
  }
  // A unique absolute cgroupsPath for a new bundle, removed in TearDown.
  std::string CgroupPath(Bundle& b, const std::string& id) {
    std::string path = "/ic-itest-" + id;
    b.spec["linux"]["cgroupsPath"] = path;
    TrackCgroup(path);
    return path;
  }
  static std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
};

TEST_F(CgroupsTest, LimitsVisibleInside) {
  Bundle b = NewBundle();
  std::string id = NewId();
  CgroupPath(b, id);
  b.spec["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
  b.spec["linux"]["resources"]["cpu"] = {{"quota", 50000}, {"period", 100000}};
  b.spec["linux"]["resources"]["pids"] = {{"limit", 100}};
  b.SetArgs({"/bin/sh", "-c",
             "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us "
             "/sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/pids/pids.max"});
  ProcResult r = RunContainer(rt(), b, id);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "67108864\n50000\n100000\n100\n");
}

TEST_F(CgroupsTest, LimitsVisibleOnHostAndProcessPlaced) {
  Bundle b = NewBundle();
  std::string id = NewId();
  std::string path = CgroupPath(b, id);
  b.spec["linux"]["resources"]["memory"] = {{"limit", 32 << 20}};
  b.spec["linux"]["resources"]["cpu"] = {{"quota", 20000}, {"period", 100000}, {"shares", 512}};
  b.spec["linux"]["resources"]["pids"] = {{"limit", 42}};
  b.SetArgs({"/test_init", "sleep", "30"});
  ProcResult r = RunContainer(rt(), b, id, {"-d"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Trim(ReadFile("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes")), "33554432");
  EXPECT_EQ(Trim(ReadFile("/sys/fs/cgroup/cpu" + path + "/cpu.cfs_quota_us")), "20000");
  EXPECT_EQ(Trim(ReadFile("/sys/fs/cgroup/cpu" + path + "/cpu.shares")), "512");
  EXPECT_EQ(Trim(ReadFile("/sys/fs/cgroup/pids" + path + "/pids.max")), "42");
  int pid = State(rt(), id)["pid"].get<int>();
  std::string procs = ReadFile("/sys/fs/cgroup/pids" + path + "/cgroup.procs");
  EXPECT_NE(procs.find(std::to_string(pid)), std::string::npos) << procs;
  std::string cg = ReadFile("/proc/" + std::to_string(pid) + "/cgroup");
  EXPECT_NE(cg.find("memory:" + path), std::string::npos) << cg;
  EXPECT_NE(cg.find("pids:" + path), std::string::npos) << cg;
}

TEST_F(CgroupsTest, CgroupRemovedOnDelete) {
  Bundle b = NewBundle();
  std::string id = NewId();
  std::string path = CgroupPath(b, id);
  b.spec["linux"]["resources"]["pids"] = {{"limit", 50}};
  b.SetArgs({"/test_init", "sleep", "30"});
  ASSERT_EQ(RunContainer(rt(), b, id, {"-d"}).exit_code, 0);
  ASSERT_TRUE(Exists("/sys/fs/cgroup/pids" + path));
  ASSERT_EQ(rt().Run({"delete", "--force", id}).exit_code, 0);
  for (const char* ctrl : {"memory", "cpu", "pids", "devices", "freezer"}) {
    EXPECT_FALSE(Exists(std::string("/sys/fs/cgroup/") + ctrl + path)) << ctrl << " left behind";
  }
}

// Eight background children against pids.max = 4: a fork fails (busybox sh
// reports it and gives up).
TEST_F(CgroupsTest, PidsLimitEnforced) {
  Bundle b = NewBundle();
  std::string id = NewId();
  CgroupPath(b, id);
  b.spec["linux"]["resources"]["pids"] = {{"limit", 4}};
  b.SetArgs({"/bin/sh", "-c",
             "for i in 1 2 3 4 5 6 7 8; do /test_init sleep 3 & done; echo all-started"});
  ProcResult r = RunContainer(rt(), b, id);
  EXPECT_EQ(r.out.find("all-started"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("can't fork"), std::string::npos) << r.Describe();
}

}  // namespace
}  // namespace itest
