// The container process as config.json's "process" (and hostname,
// domainname, sysctl) describes it, observed from inside with test_init.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "tests/integration/harness.h"

namespace itest {
namespace {

class ProcessTest : public IntegrationTest {
 protected:
  json Report(Bundle& b, const std::vector<std::string>& flags = {}) {
    b.SetArgs({"/test_init", "report"});
    return RunJson(rt(), b, flags);
  }
};

TEST_F(ProcessTest, ArgsArePassed) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "exit", "42"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 42) << r.Describe();
}

TEST_F(ProcessTest, ArgsResolvedThroughPath) {
  Bundle b = NewBundle();
  b.SetArgs({"sh", "-c", "echo hello-from-sh"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "hello-from-sh\n");
}

TEST_F(ProcessTest, EnvIsExact) {
  Bundle b = NewBundle();
  b.spec["process"]["env"] = {"PATH=/bin", "FOO=bar baz", "EMPTY="};
  json r = Report(b);
  ASSERT_FALSE(r.is_null());
  std::vector<std::string> env = r["env"];
  for (const char* want : {"PATH=/bin", "FOO=bar baz", "EMPTY="}) {
    EXPECT_NE(std::find(env.begin(), env.end(), want), env.end()) << want;
  }
  // runc adds HOME when the config lacks it; nothing else may leak in.
  for (const std::string& e : env) {
    EXPECT_TRUE(e == "PATH=/bin" || e == "FOO=bar baz" || e == "EMPTY=" || e.rfind("HOME=", 0) == 0)
        << "unexpected variable " << e;
  }
}

TEST_F(ProcessTest, Cwd) {
  Bundle b = NewBundle();
  b.spec["process"]["cwd"] = "/home/user";
  EXPECT_EQ(Report(b)["cwd"], "/home/user");
}

TEST_F(ProcessTest, CwdCreatedWhenMissing) {
  Bundle b = NewBundle();
  b.spec["process"]["cwd"] = "/new/dir";
  EXPECT_EQ(Report(b)["cwd"], "/new/dir");
}

TEST_F(ProcessTest, UserUidGid) {
  Bundle b = NewBundle();
  b.spec["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  json r = Report(b);
  EXPECT_EQ(r["uid"], 1000);
  EXPECT_EQ(r["euid"], 1000);
  EXPECT_EQ(r["gid"], 1000);
  EXPECT_EQ(r["egid"], 1000);
  EXPECT_EQ(r["groups"], json::array()) << "supplementary groups leaked from the runtime";
}

TEST_F(ProcessTest, AdditionalGids) {
  Bundle b = NewBundle();
  b.spec["process"]["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {5, 2000}}};
  json r = Report(b);
  std::vector<int> groups = r["groups"];
  std::sort(groups.begin(), groups.end());
  EXPECT_EQ(groups, (std::vector<int>{5, 2000})) << r["groups"];
}

TEST_F(ProcessTest, Umask) {
  Bundle b = NewBundle();
  b.spec["process"]["user"]["umask"] = 077;
  EXPECT_EQ(Report(b)["umask"], "0077");
}

TEST_F(ProcessTest, DefaultUmaskIs0022) {
  Bundle b = NewBundle();
  EXPECT_EQ(Report(b)["umask"], "0022");
}

// This sandbox lacks CAP_SYS_RESOURCE: stay at or below the hard limits.
TEST_F(ProcessTest, Rlimits) {
  Bundle b = NewBundle();
  b.spec["process"]["rlimits"] = json::array({
      {{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 1000}},
      {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 4096}},
      {{"type", "RLIMIT_NPROC"}, {"soft", 300}, {"hard", 400}},
  });
  json r = Report(b);
  EXPECT_EQ(r["rlimits"]["RLIMIT_NOFILE"], json::array({512, 1000}));
  EXPECT_EQ(r["rlimits"]["RLIMIT_CORE"], json::array({0, 4096}));
  EXPECT_EQ(r["rlimits"]["RLIMIT_NPROC"], json::array({300, 400}));
}

TEST_F(ProcessTest, RlimitAboveHardLimitFails) {
  Bundle b = NewBundle();
  b.spec["process"]["rlimits"] = json::array(
      {{{"type", "RLIMIT_NOFILE"}, {"soft", 1u << 30}, {"hard", 1u << 30}}});
  b.SetArgs({"/test_init", "exit", "0"});
  ProcResult r = RunContainer(rt(), b);
  if (r.exit_code == 0) GTEST_SKIP() << "this host may raise rlimits (CAP_SYS_RESOURCE)";
  std::string lower = r.err;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  EXPECT_NE(lower.find("rlimit"), std::string::npos) << r.err;
  // runc says "error setting rlimit type 7"; rune names the limit.
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("RLIMIT_NOFILE"), std::string::npos) << r.err;
  }
}

TEST_F(ProcessTest, NoNewPrivilegesOn) {
  Bundle b = NewBundle();
  b.spec["process"]["noNewPrivileges"] = true;
  EXPECT_EQ(Report(b)["no_new_privs"], 1);
}

TEST_F(ProcessTest, NoNewPrivilegesOff) {
  Bundle b = NewBundle();
  b.spec["process"]["noNewPrivileges"] = false;
  EXPECT_EQ(Report(b)["no_new_privs"], 0);
}

TEST_F(ProcessTest, OomScoreAdj) {
  Bundle b = NewBundle();
  b.spec["process"]["oomScoreAdj"] = 500;
  EXPECT_EQ(Report(b)["oom_score_adj"], 500);
}

// Bounding, inheritable and ambient are set as configured. Permitted and
// effective are what execve(2) derives (capabilities(7)): for uid 0 with
// no_new_privs, P'(permitted) = (inheritable | bounding | ambient) & P(permitted)
// and P'(effective) = P'(permitted). So effective equals permitted here for
// every runtime; the configured "effective" only bounds the runtime's own
// state before exec.
TEST_F(ProcessTest, CapabilitiesExactSets) {
  Bundle b = NewBundle();
  b.spec["process"]["noNewPrivileges"] = true;
  b.spec["process"]["capabilities"] = {
      {"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"}},
      {"permitted", {"CAP_CHOWN", "CAP_KILL", "CAP_SETUID"}},
      {"effective", {"CAP_CHOWN", "CAP_KILL", "CAP_SETUID"}},
      {"inheritable", {"CAP_KILL", "CAP_SETUID"}},
      {"ambient", {"CAP_KILL"}},
  };
  json caps = Report(b)["caps"];
  EXPECT_EQ(caps["bounding"], CapMask({"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"}));
  EXPECT_EQ(caps["permitted"], CapMask({"CAP_CHOWN", "CAP_KILL", "CAP_SETUID"}));
  EXPECT_EQ(caps["effective"], CapMask({"CAP_CHOWN", "CAP_KILL", "CAP_SETUID"}));
  EXPECT_EQ(caps["inheritable"], CapMask({"CAP_KILL", "CAP_SETUID"}));
  EXPECT_EQ(caps["ambient"], CapMask({"CAP_KILL"}));
}

TEST_F(ProcessTest, CapabilitiesForNonRootUser) {
  Bundle b = NewBundle();
  b.spec["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  b.spec["process"]["capabilities"] = {
      {"bounding", {"CAP_NET_BIND_SERVICE", "CAP_KILL"}},
      {"permitted", {"CAP_NET_BIND_SERVICE"}},
      {"effective", {"CAP_NET_BIND_SERVICE"}},
      {"inheritable", {"CAP_NET_BIND_SERVICE"}},
      {"ambient", {"CAP_NET_BIND_SERVICE"}},
  };
  json r = Report(b);
  EXPECT_EQ(r["uid"], 1000);
  EXPECT_EQ(r["caps"]["effective"], CapMask({"CAP_NET_BIND_SERVICE"}));
  EXPECT_EQ(r["caps"]["ambient"], CapMask({"CAP_NET_BIND_SERVICE"}));
  EXPECT_EQ(r["caps"]["bounding"], CapMask({"CAP_NET_BIND_SERVICE", "CAP_KILL"}));
}

TEST_F(ProcessTest, NoCapabilities) {
  Bundle b = NewBundle();
  b.spec["process"].erase("capabilities");
  json caps = Report(b)["caps"];
  for (const char* set : {"bounding", "permitted", "effective", "inheritable", "ambient"}) {
    EXPECT_EQ(caps[set], "0000000000000000") << set;
  }
}

TEST_F(ProcessTest, Hostname) {
  Bundle b = NewBundle();
  b.spec["hostname"] = "box-name";
  EXPECT_EQ(Report(b)["hostname"], "box-name");
}

// runc 1.1.5 ignores "domainname" (support arrived in runc 1.2).
TEST_F(ProcessTest, Domainname) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc 1.1.5 does not set domainname";
  Bundle b = NewBundle();
  b.spec["domainname"] = "example.org";
  EXPECT_EQ(Report(b)["domainname"], "example.org");
}

TEST_F(ProcessTest, SysctlIpcAndNet) {
  Bundle b = NewBundle();
  b.spec["linux"]["sysctl"] = {{"kernel.shm_rmid_forced", "1"}, {"net.ipv4.ip_forward", "1"}};
  b.SetArgs({"/bin/sh", "-c",
             "cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_forward"});
  std::string host_before = ReadFile("/proc/sys/kernel/shm_rmid_forced");
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "1\n1\n");
  // The host's values are untouched (the sysctls are per namespace).
  EXPECT_EQ(ReadFile("/proc/sys/kernel/shm_rmid_forced"), host_before);
}

TEST_F(ProcessTest, SysctlOfSharedNamespaceRejected) {
  // net.* without a new network namespace would change the host.
  Bundle b = NewBundle();
  b.RemoveNamespace("network");
  b.spec["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  b.SetArgs({"/test_init", "exit", "0"});
  std::string before = ReadFile("/proc/sys/net/ipv4/ip_forward");
  ProcResult r = RunContainer(rt(), b);
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ReadFile("/proc/sys/net/ipv4/ip_forward"), before);
}

TEST_F(ProcessTest, NewSessionKeyring) {
  Bundle b = NewBundle();
  long host = syscall(SYS_keyctl, 0 /*GET_KEYRING_ID*/, -3 /*SESSION*/, 0);
  json r = Report(b);
  if (host < 0 || r["session_keyring"].get<long>() < 0) GTEST_SKIP() << "keyctl unavailable";
  EXPECT_NE(r["session_keyring"].get<long>(), host);
}

TEST_F(ProcessTest, NoNewKeyringKeepsSessionKeyring) {
  // Make sure the harness has a session keyring the runtime will inherit.
  long host = syscall(SYS_keyctl, 0 /*GET_KEYRING_ID*/, -3 /*SESSION*/, 1 /*create*/);
  if (host < 0) GTEST_SKIP() << "keyctl unavailable";
  Bundle b = NewBundle();
  json r = Report(b, {"--no-new-keyring"});
  EXPECT_EQ(r["session_keyring"].get<long>(), host);
}

// create hands its own stdio to the container (no terminal): fds 0-2 are the
// caller's files and nothing else is open in the container, so no runtime fd
// leaked. (A foreground `run` may relay through pipes instead, as runc does.)
TEST_F(ProcessTest, StdioPassthroughAndNoLeakedFds) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "fds"});
  b.Write();
  std::string id = NewId();
  Proc create = rt().Spawn({"create", "--bundle", b.dir, id});
  ProcResult c = create.Wait();
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  json fds = ParseJson(create.Stdout())["fds"];
  ASSERT_TRUE(fds.is_array());
  std::map<int, std::string> seen;
  for (const json& f : fds) seen[f["fd"]] = f["target"];
  EXPECT_EQ(seen.size(), 3u) << "leaked fds: " << fds.dump();
  EXPECT_EQ(seen[0], "/dev/null");
  EXPECT_NE(seen[1].find("/io/io-"), std::string::npos) << "stdout is not ours: " << seen[1];
  EXPECT_NE(seen[2].find("/io/io-"), std::string::npos) << "stderr is not ours: " << seen[2];
}

TEST_F(ProcessTest, RunHasNoLeakedFds) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "fds"});
  ProcResult r = RunContainer(rt(), b);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json fds = ParseJson(r.out)["fds"];
  std::set<int> seen;
  for (const json& f : fds) seen.insert(f["fd"].get<int>());
  EXPECT_EQ(seen, (std::set<int>{0, 1, 2})) << "leaked fds: " << fds.dump();
}

TEST_F(ProcessTest, StdioIsNotATerminal) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "isatty"});
  ProcResult r = RunContainer(rt(), b);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out), json({{"stdin", false}, {"stdout", false}, {"stderr", false}}));
}

TEST_F(ProcessTest, StdinIsPassedThrough) {
  Bundle b = NewBundle();
  std::string input = tmp_ + "/input.txt";
  WriteFile(input, "line from stdin\n");
  b.SetArgs({"/bin/cat"});
  SpawnOptions opts;
  opts.stdin_path = input;
  ProcResult r = RunContainer(rt(), b, "", {}, 30s, opts);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "line from stdin\n");
}

TEST_F(ProcessTest, StderrIsPassedThrough) {
  Bundle b = NewBundle();
  b.SetArgs({"/bin/sh", "-c", "echo to-err >&2"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("to-err"), std::string::npos) << r.err;
}

TEST_F(ProcessTest, PreserveFds) {
  Bundle b = NewBundle();
  std::string extra = tmp_ + "/extra.txt";
  WriteFile(extra, "x");
  int fd = ::open(extra.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  b.SetArgs({"/test_init", "fds"});
  SpawnOptions opts;
  opts.extra_fds = {fd};
  ProcResult r = RunContainer(rt(), b, "", {"--preserve-fds", "1"}, 30s, opts);
  ::close(fd);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json fds = ParseJson(r.out)["fds"];
  std::map<int, std::string> seen;
  for (const json& f : fds) seen[f["fd"]] = f["target"];
  EXPECT_EQ(seen.size(), 4u) << r.out;
  EXPECT_EQ(seen[3], extra);
}

TEST_F(ProcessTest, ExtraFdsNotPreservedByDefault) {
  Bundle b = NewBundle();
  std::string extra = tmp_ + "/extra.txt";
  WriteFile(extra, "x");
  int fd = ::open(extra.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  b.SetArgs({"/test_init", "fds"});
  SpawnOptions opts;
  opts.extra_fds = {fd};
  ProcResult r = RunContainer(rt(), b, "", {}, 30s, opts);
  ::close(fd);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["fds"].size(), 3u) << r.out;
}

}  // namespace
}  // namespace itest
