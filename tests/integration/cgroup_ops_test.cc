// Cgroup operations on a running container: `pause`/`resume` (freezer),
// `ps`, and `update` of resources, observed in the container's cgroup files
// on this cgroup v1 host.
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "tests/integration/harness.h"

namespace itest {
namespace {

class CgroupOpsTest : public IntegrationTest {
 protected:
  std::string Start(Bundle& b, const std::vector<std::string>& args = {"/test_init", "sleep", "60"}) {
    b.SetArgs(args);
    b.Write();
    std::string id = NewId();
    ProcResult r = rt().Run({"run", "-d", "--bundle", b.dir, id}, 15s);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return id;
  }
  pid_t InitPid(const std::string& id) {
    json s = State(rt(), id);
    return s.is_null() ? -1 : s.value("pid", -1);
  }
  // /sys/fs/cgroup/<controller>/<path of pid in that hierarchy>/file.
  static std::string CgroupFile(pid_t pid, const std::string& controller, const std::string& file) {
    std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/cgroup"));
    for (std::string line; std::getline(in, line);) {
      size_t a = line.find(':'), b = line.find(':', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      std::istringstream ctrls(line.substr(a + 1, b - a - 1));
      for (std::string c; std::getline(ctrls, c, ',');) {
        if (c == controller) {
          return "/sys/fs/cgroup/" + controller + line.substr(b + 1) + "/" + file;
        }
      }
    }
    ADD_FAILURE() << "no " << controller << " hierarchy for pid " << pid;
    return "";
  }
  static std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  std::string StoppedContainer() {
    Bundle b = NewBundle();
    b.SetArgs({"/test_init", "exit", "0"});
    b.Write();
    std::string id = NewId("stopped");
    EXPECT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
    EXPECT_TRUE(WaitStatus(rt(), id, "stopped"));
    return id;
  }
};

TEST_F(CgroupOpsTest, PauseFreezesAndResumeThaws) {
  Bundle b = NewBundle();
  std::string counter = b.rootfs + "/tmp/counter";
  std::string id =
      Start(b, {"sh", "-c",
                "i=0; while true; do i=$((i+1)); echo $i > /tmp/c.tmp; mv /tmp/c.tmp /tmp/counter; "
                "done"});
  ASSERT_TRUE(WaitForFile(counter));
  ASSERT_EQ(rt().Run({"pause", id}).exit_code, 0);
  json s = State(rt(), id);
  EXPECT_EQ(s.value("status", ""), "paused") << s;
  std::this_thread::sleep_for(100ms);
  std::string before = ReadFile(counter);
  EXPECT_FALSE(before.empty());
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(ReadFile(counter), before) << "a paused container kept running";

  ProcResult r = rt().Run({"resume", id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(State(rt(), id).value("status", ""), "running");
  std::string after;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(20ms);
    after = ReadFile(counter);
    if (!after.empty() && after != before) break;
  }
  pid_t init = InitPid(id);
  EXPECT_NE(after, before) << "a resumed container did not run; state: " << State(rt(), id)
                           << " freezer.state: "
                           << ReadFile(CgroupFile(init, "freezer", "freezer.state"));
}

TEST_F(CgroupOpsTest, PauseOfNonRunningFails) {
  std::string id = StoppedContainer();
  ProcResult r = rt().Run({"pause", id});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(State(rt(), id).value("status", ""), "stopped");
  ProcResult u = rt().Run({"pause", "no-such-container-" + id});
  EXPECT_NE(u.exit_code, 0) << u.Describe();
  ProcResult res = rt().Run({"resume", id});
  EXPECT_NE(res.exit_code, 0) << res.Describe();
}

TEST_F(CgroupOpsTest, PsListsInitAndExecPids) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  pid_t init = InitPid(id);
  ASSERT_GT(init, 0);
  std::string pid_file = tmp_ + "/exec.pid";
  ProcResult e = rt().Run({"exec", "-d", "--pid-file", pid_file, id, "/test_init", "sleep", "30"});
  ASSERT_EQ(e.exit_code, 0) << e.Describe();
  pid_t exec_pid = std::atoi(ReadFile(pid_file).c_str());
  ASSERT_GT(exec_pid, 0);

  ProcResult j = rt().Run({"ps", "-f", "json", id});
  ASSERT_EQ(j.exit_code, 0) << j.Describe();
  json pids = json::parse(j.out, nullptr, false);
  ASSERT_TRUE(pids.is_array()) << j.out;
  std::vector<int> v = pids.get<std::vector<int>>();
  EXPECT_NE(std::find(v.begin(), v.end(), init), v.end()) << j.out;
  EXPECT_NE(std::find(v.begin(), v.end(), exec_pid), v.end()) << j.out;

  ProcResult t = rt().Run({"ps", id});
  ASSERT_EQ(t.exit_code, 0) << t.Describe();
  std::istringstream in(t.out);
  std::string header;
  std::getline(in, header);
  std::istringstream h(header);
  std::vector<std::string> cols;
  for (std::string c; h >> c;) cols.push_back(c);
  auto it = std::find(cols.begin(), cols.end(), "PID");
  ASSERT_NE(it, cols.end()) << t.out;
  size_t col = it - cols.begin();
  bool found = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string field;
    for (size_t i = 0; i <= col && f >> field; ++i) {
    }
    if (field == std::to_string(init)) found = true;
  }
  EXPECT_TRUE(found) << "init pid " << init << " not in the PID column:\n" << t.out;
}

TEST_F(CgroupOpsTest, UpdateFlags) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  pid_t init = InitPid(id);
  ASSERT_GT(init, 0);
  ProcResult r = rt().Run({"update", "--memory", "64m", "--pids-limit", "77", "--cpu-period",
                           "100000", "--cpu-quota", "50000", id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "memory", "memory.limit_in_bytes"))), "67108864");
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "pids", "pids.max"))), "77");
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "cpu", "cpu.cfs_period_us"))), "100000");
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "cpu", "cpu.cfs_quota_us"))), "50000");
  EXPECT_EQ(State(rt(), id).value("status", ""), "running");
}

TEST_F(CgroupOpsTest, UpdateFromResourcesFileAndStdin) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  pid_t init = InitPid(id);
  ASSERT_GT(init, 0);
  std::string res = tmp_ + "/resources.json";
  WriteFile(res, R"({"memory": {"limit": 33554432}, "pids": {"limit": 40}})");
  ProcResult r = rt().Run({"update", "-r", res, id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "memory", "memory.limit_in_bytes"))), "33554432");
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "pids", "pids.max"))), "40");

  std::string res2 = tmp_ + "/resources2.json";
  WriteFile(res2, R"({"pids": {"limit": 41}, "cpu": {"quota": 20000, "period": 100000}})");
  SpawnOptions opts;
  opts.stdin_path = res2;
  ProcResult s = rt().Run({"update", "-r", "-", id}, 30s, opts);
  ASSERT_EQ(s.exit_code, 0) << s.Describe();
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "pids", "pids.max"))), "41");
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "cpu", "cpu.cfs_quota_us"))), "20000");
  EXPECT_EQ(Trim(ReadFile(CgroupFile(init, "memory", "memory.limit_in_bytes"))), "33554432")
      << "fields absent from the update must be left alone";
}

TEST_F(CgroupOpsTest, UpdateOfStoppedOrUnknownFails) {
  std::string id = StoppedContainer();
  ProcResult r = rt().Run({"update", "--pids-limit", "10", id});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  ProcResult u = rt().Run({"update", "--pids-limit", "10", "no-such-container-" + id});
  EXPECT_NE(u.exit_code, 0) << u.Describe();
}

}  // namespace
}  // namespace itest
