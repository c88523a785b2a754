// linux.namespaces: every type created new, shared with the host when
// absent, or joined by path (config.md "Namespaces").
#include <unistd.h>

#include <map>
#include <sstream>

#include "tests/integration/harness.h"

namespace itest {
namespace {

// OCI namespace type -> /proc/<pid>/ns/<name>.
std::string NsFile(const std::string& type) {
  static const std::map<std::string, std::string> names = {
      {"pid", "pid"}, {"network", "net"},   {"ipc", "ipc"},   {"uts", "uts"},
      {"mount", "mnt"}, {"cgroup", "cgroup"}, {"user", "user"}, {"time", "time"}};
  return names.at(type);
}

std::string NsOf(pid_t pid, const std::string& type) {
  char buf[256];
  std::string p = "/proc/" + std::to_string(pid) + "/ns/" + NsFile(type);
  ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, n) : "";
}

class NamespacesTest : public IntegrationTest {
 protected:
  void AddUserNs(Bundle& b) {
    b.SetNamespace("user");
    b.spec["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 0}, {"size", 65536}}};
    b.spec["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 0}, {"size", 65536}}};
  }
  // Starts a sleeping container; returns its init pid.
  pid_t StartSleeper(Bundle& b, std::string* id_out = nullptr) {
    b.SetArgs({"/test_init", "sleep", "60"});
    b.Write();
    std::string id = NewId("target");
    ProcResult r = rt().Run({"run", "-d", "--bundle", b.dir, id});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    if (id_out) *id_out = id;
    json s = State(rt(), id);
    return s.is_null() ? -1 : s["pid"].get<pid_t>();
  }
};

class NewNamespaceTest : public NamespacesTest,
                         public ::testing::WithParamInterface<std::string> {};

TEST_P(NewNamespaceTest, DiffersFromHost) {
  const std::string type = GetParam();
  // runc 1.1.5 does not know the time namespace (added in runc 1.2).
  if (type == "time" && UnderTestIsRunc()) GTEST_SKIP() << "runc 1.1.5 lacks time namespaces";
  Bundle b = NewBundle();
  if (type == "user") {
    AddUserNs(b);
  } else {
    b.SetNamespace(type);
  }
  b.SetArgs({"/test_init", "report"});
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  EXPECT_NE(r["ns"][NsFile(type)], NsOf(::getpid(), type));
  EXPECT_FALSE(r["ns"][NsFile(type)].get<std::string>().empty());
  if (type == "pid") {
    EXPECT_EQ(r["pid"], 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Types, NewNamespaceTest,
                         ::testing::Values("pid", "network", "ipc", "uts", "mount", "cgroup",
                                           "user", "time"));

TEST_F(NamespacesTest, AbsentNamespacesAreShared) {
  Bundle b = NewBundle();
  b.RemoveNamespace("network");
  b.RemoveNamespace("ipc");
  b.RemoveNamespace("uts");
  b.spec.erase("hostname");
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  for (const char* t : {"network", "ipc", "uts", "user", "cgroup"}) {
    EXPECT_EQ(r["ns"][NsFile(t)], NsOf(::getpid(), t)) << t;
  }
  EXPECT_NE(r["ns"]["pid"], NsOf(::getpid(), "pid"));
}

TEST_F(NamespacesTest, UserNamespaceMappings) {
  Bundle b = NewBundle();
  AddUserNs(b);
  b.SetArgs({"/test_init", "cat-file", "/proc/self/uid_map"});
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  std::string map = r["content"];
  std::istringstream in(map);
  long inside = -1, outside = -1, size = -1;
  in >> inside >> outside >> size;
  EXPECT_EQ(inside, 0);
  EXPECT_EQ(outside, 0);
  EXPECT_EQ(size, 65536) << map;
}

// Container root maps to host uid 100000: visible from the host.
TEST_F(NamespacesTest, UserNamespaceShiftedMapping) {
  Bundle b = NewBundle();
  b.SetNamespace("user");
  b.spec["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  b.spec["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  b.SetArgs({"/test_init", "sleep", "60"});
  std::string id = NewId();
  ProcResult r = RunContainer(rt(), b, id, {"-d"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json s = State(rt(), id);
  ASSERT_FALSE(s.is_null());
  std::string status = ReadFile("/proc/" + std::to_string(s["pid"].get<int>()) + "/status");
  EXPECT_NE(status.find("Uid:\t100000\t100000"), std::string::npos) << status;
  EXPECT_NE(status.find("Gid:\t100000\t100000"), std::string::npos) << status;
}

TEST_F(NamespacesTest, JoinByPath) {
  Bundle target = NewBundle();
  pid_t pid = StartSleeper(target);
  ASSERT_GT(pid, 0);
  Bundle b = NewBundle();
  for (const char* t : {"network", "ipc", "uts"}) {
    b.SetNamespace(t, "/proc/" + std::to_string(pid) + "/ns/" + NsFile(t));
  }
  b.spec.erase("hostname");
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  for (const char* t : {"network", "ipc", "uts"}) {
    EXPECT_EQ(r["ns"][NsFile(t)], NsOf(pid, t)) << t;
    EXPECT_NE(r["ns"][NsFile(t)], NsOf(::getpid(), t)) << t;
  }
  EXPECT_EQ(r["hostname"], "itest") << "uts namespace of the target not joined";
}

TEST_F(NamespacesTest, JoinPidNamespace) {
  Bundle target = NewBundle();
  pid_t pid = StartSleeper(target);
  ASSERT_GT(pid, 0);
  Bundle b = NewBundle();
  b.SetNamespace("pid", "/proc/" + std::to_string(pid) + "/ns/pid");
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["ns"]["pid"], NsOf(pid, "pid"));
  EXPECT_NE(r["pid"], 1) << "a second process in a joined pid namespace cannot be pid 1";
}

TEST_F(NamespacesTest, JoinCgroupNamespace) {
  Bundle target = NewBundle();
  target.SetNamespace("cgroup");
  pid_t pid = StartSleeper(target);
  ASSERT_GT(pid, 0);
  Bundle b = NewBundle();
  b.SetNamespace("cgroup", "/proc/" + std::to_string(pid) + "/ns/cgroup");
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["ns"]["cgroup"], NsOf(pid, "cgroup"));
  EXPECT_NE(r["ns"]["cgroup"], NsOf(::getpid(), "cgroup"));
}

// runc 1.1.5 has no time namespace support at all.
TEST_F(NamespacesTest, JoinTimeNamespace) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc 1.1.5 lacks time namespaces";
  Bundle target = NewBundle();
  target.SetNamespace("time");
  pid_t pid = StartSleeper(target);
  ASSERT_GT(pid, 0);
  Bundle b = NewBundle();
  b.SetNamespace("time", "/proc/" + std::to_string(pid) + "/ns/time");
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["ns"]["time"], NsOf(pid, "time"));
  EXPECT_NE(r["ns"]["time"], NsOf(::getpid(), "time"));
}

TEST_F(NamespacesTest, JoinUserNamespace) {
  Bundle target = NewBundle();
  AddUserNs(target);
  pid_t pid = StartSleeper(target);
  ASSERT_GT(pid, 0);
  Bundle b = NewBundle();
  // The mappings repeat the target's: runc 1.1.5 insists on them even when
  // joining (it reads them from the path only from 1.2 on).
  AddUserNs(b);
  b.SetNamespace("user", "/proc/" + std::to_string(pid) + "/ns/user");
  json r = RunJson(rt(), b);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["ns"]["user"], NsOf(pid, "user"));
}

TEST_F(NamespacesTest, JoinNonexistentPathFails) {
  Bundle b = NewBundle();
  b.SetNamespace("network", "/proc/999999999/ns/net");
  b.SetArgs({"/test_init", "exit", "0"});
  std::string id = NewId();
  ProcResult r = RunContainer(rt(), b, id);
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_FALSE(Exists(rt().root + "/" + id));
}

TEST_F(NamespacesTest, HostnameWithoutUtsNamespaceFails) {
  Bundle b = NewBundle();
  b.RemoveNamespace("uts");
  b.spec["hostname"] = "nope";
  b.SetArgs({"/test_init", "exit", "0"});
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  ProcResult r = RunContainer(rt(), b);
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  char after[256] = {};
  ::gethostname(after, sizeof after - 1);
  EXPECT_STREQ(host, after) << "the host's hostname changed";
}

}  // namespace
}  // namespace itest
