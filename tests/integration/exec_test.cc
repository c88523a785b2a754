// `exec` with runc's flags: the new process joins the running container's
// namespaces, cgroup, rlimits, capabilities and seccomp filter, with the
// per-exec overrides (--env, --cwd, --user, --cap, --process, ...).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "tests/integration/console.h"
#include "tests/integration/harness.h"

namespace itest {
namespace {

std::string Readlink(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n < 0 ? std::string() : std::string(buf, n);
}

bool MaskHas(const json& hex, int bit) {
  if (!hex.is_string()) return false;
  uint64_t v = std::stoull(hex.get<std::string>(), nullptr, 16);
  return (v >> bit) & 1;
}

class ExecTest : public IntegrationTest {
 protected:
  // Starts a detached container sleeping in test_init; returns its id.
  std::string Start(Bundle& b) {
    b.SetArgs({"/test_init", "sleep", "60"});
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
  ProcResult Exec(const std::string& id, const std::vector<std::string>& flags,
                  const std::vector<std::string>& cmd, const SpawnOptions& opts = {}) {
    std::vector<std::string> args = {"exec"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(id);
    args.insert(args.end(), cmd.begin(), cmd.end());
    return rt().Run(args, 20s, opts);
  }
  json ExecReport(const std::string& id, const std::vector<std::string>& flags = {}) {
    ProcResult r = Exec(id, flags, {"/test_init", "report"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r.exit_code == 0 ? ParseJson(r.out) : json(nullptr);
  }
};

TEST_F(ExecTest, ExitCodePropagates) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  EXPECT_EQ(Exec(id, {}, {"/test_init", "exit", "0"}).exit_code, 0);
  ProcResult r = Exec(id, {}, {"/test_init", "exit", "3"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
}

TEST_F(ExecTest, KilledProcessGives128PlusSignal) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  std::string pid_file = tmp_ + "/exec.pid";
  Proc p = rt().Spawn({"exec", "--pid-file", pid_file, id, "/test_init", "sleep", "30"});
  ASSERT_TRUE(WaitForFile(pid_file));
  std::this_thread::sleep_for(100ms);
  pid_t pid = std::atoi(ReadFile(pid_file).c_str());
  ASSERT_GT(pid, 1);
  ::kill(pid, SIGKILL);
  ProcResult r = p.Wait(10s);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL) << r.Describe();
}

TEST_F(ExecTest, ArgsWithSpacesIntact) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  ProcResult r = Exec(id, {}, {"sh", "-c", "printf '%s|' \"$@\"", "x", "a b", " c ", ""});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "a b| c ||");
}

TEST_F(ExecTest, PersonalityAppliesToExec) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc 1.1.5 predates linux.personality (runc 1.2 applies it to exec too)";
  Bundle b = NewBundle();
  b.spec["linux"]["personality"] = {{"domain", "LINUX32"}};
  std::string id = Start(b);
  ProcResult r = Exec(id, {}, {"/bin/uname", "-m"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "i686\n");
}

TEST_F(ExecTest, EnvCwdUser) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  json r = ExecReport(id, {"--env", "FOO=bar baz", "--env", "X=1", "--cwd", "/home/user", "--user",
                           "1000:1000", "--additional-gids", "5", "--additional-gids", "2000"});
  ASSERT_FALSE(r.is_null());
  std::vector<std::string> env = r["env"];
  EXPECT_NE(std::find(env.begin(), env.end(), "FOO=bar baz"), env.end()) << r["env"];
  EXPECT_NE(std::find(env.begin(), env.end(), "X=1"), env.end()) << r["env"];
  EXPECT_NE(std::find(env.begin(), env.end(), "PATH=/bin:/sbin:/usr/bin:/usr/sbin"), env.end())
      << "config env must be kept: " << r["env"];
  EXPECT_EQ(r["cwd"], "/home/user");
  EXPECT_EQ(r["uid"], 1000);
  EXPECT_EQ(r["euid"], 1000);
  EXPECT_EQ(r["gid"], 1000);
  std::vector<int> groups = r["groups"];
  std::sort(groups.begin(), groups.end());
  EXPECT_EQ(groups, (std::vector<int>{5, 2000})) << r["groups"];
}

TEST_F(ExecTest, CapAddedAndNoNewPrivs) {
  Bundle b = NewBundle();
  b.spec["process"]["noNewPrivileges"] = false;
  std::string id = Start(b);
  json plain = ExecReport(id);
  ASSERT_FALSE(plain.is_null());
  EXPECT_EQ(plain["no_new_privs"], 0);
  EXPECT_FALSE(MaskHas(plain["caps"]["effective"], 21));  // CAP_SYS_ADMIN
  json r = ExecReport(id, {"--cap", "CAP_SYS_ADMIN", "--no-new-privs"});
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["no_new_privs"], 1);
  for (const char* set : {"bounding", "effective", "permitted"}) {
    EXPECT_TRUE(MaskHas(r["caps"][set], 21)) << set << " " << r["caps"];
    EXPECT_TRUE(MaskHas(r["caps"][set], 5)) << set << " kept CAP_KILL " << r["caps"];
  }
}

TEST_F(ExecTest, ProcessJson) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  json p = b.spec["process"];
  p["args"] = {"/test_init", "report"};
  p["env"] = {"PATH=/bin", "FROM_JSON=yes"};
  p["cwd"] = "/tmp";
  p["user"] = {{"uid", 1000}, {"gid", 1000}};
  std::string path = tmp_ + "/process.json";
  WriteFile(path, p.dump());
  ProcResult res = Exec(id, {"--process", path}, {});
  ASSERT_EQ(res.exit_code, 0) << res.Describe();
  json r = ParseJson(res.out);
  std::vector<std::string> env = r["env"];
  EXPECT_NE(std::find(env.begin(), env.end(), "FROM_JSON=yes"), env.end()) << r["env"];
  EXPECT_EQ(r["cwd"], "/tmp");
  EXPECT_EQ(r["uid"], 1000);
  EXPECT_EQ(r["gid"], 1000);
}

TEST_F(ExecTest, DetachWithPidFileInContainerPidNs) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  pid_t init = InitPid(id);
  ASSERT_GT(init, 0);
  std::string pid_file = tmp_ + "/exec.pid";
  ProcResult r = Exec(id, {"--detach", "--pid-file", pid_file}, {"/test_init", "sleep", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  pid_t pid = std::atoi(ReadFile(pid_file).c_str());
  ASSERT_GT(pid, 0) << ReadFile(pid_file);
  EXPECT_NE(pid, init);
  std::string ns = Readlink("/proc/" + std::to_string(pid) + "/ns/pid");
  EXPECT_FALSE(ns.empty());
  EXPECT_EQ(ns, Readlink("/proc/" + std::to_string(init) + "/ns/pid"));
}

TEST_F(ExecTest, TtyWithConsoleSocket) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  std::string sock = tmp_ + "/console.sock";
  int lfd = ListenUnix(sock);
  ProcResult r = Exec(id, {"--tty", "--detach", "--console-socket", sock},
                      {"/bin/sh", "-c", "sleep 0.3; test -t 1 && echo exec-on-tty"});
  int master = ReceiveOneFd(lfd);
  ::close(lfd);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_GE(master, 0) << "no pty master received";
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         out.find("exec-on-tty") == std::string::npos) {
    pollfd p = {master, POLLIN, 0};
    if (::poll(&p, 1, 100) != 1) continue;
    char buf[512];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, n);
  }
  ::close(master);
  EXPECT_NE(out.find("exec-on-tty"), std::string::npos) << out;
}

TEST_F(ExecTest, PreserveFdsAndNoLeakedFds) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  ProcResult plain = Exec(id, {}, {"/test_init", "fds"});
  ASSERT_EQ(plain.exit_code, 0) << plain.Describe();
  std::vector<int> fds;
  json plain_fds = ParseJson(plain.out)["fds"];
  for (const json& f : plain_fds) fds.push_back(f["fd"]);
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ(fds, (std::vector<int>{0, 1, 2})) << plain.out;

  std::string marker = tmp_ + "/preserved-marker";
  WriteFile(marker, "m");
  int fd = ::open(marker.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  SpawnOptions opts;
  opts.extra_fds = {fd};
  ProcResult r = Exec(id, {"--preserve-fds", "1"}, {"/test_init", "fds"}, opts);
  ::close(fd);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  fds.clear();
  std::string target3;
  json got_fds = ParseJson(r.out)["fds"];
  for (const json& f : got_fds) {
    fds.push_back(f["fd"]);
    if (f["fd"] == 3) target3 = f["target"];
  }
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ(fds, (std::vector<int>{0, 1, 2, 3})) << r.out;
  EXPECT_NE(target3.find("preserved-marker"), std::string::npos) << r.out;
}

TEST_F(ExecTest, JoinsNamespacesCgroupRlimitsCaps) {
  Bundle b = NewBundle();
  b.SetNamespace("cgroup");
  b.spec["process"]["rlimits"] = json::array({{{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 1000}}});
  std::string id = Start(b);
  pid_t init = InitPid(id);
  ASSERT_GT(init, 0);
  json r = ExecReport(id);
  ASSERT_FALSE(r.is_null());
  std::string proc = "/proc/" + std::to_string(init);
  for (const char* ns : {"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"}) {
    EXPECT_EQ(r["ns"][ns], Readlink(proc + "/ns/" + ns)) << ns;
  }
  EXPECT_EQ(r["rlimits"]["RLIMIT_NOFILE"], json::array({512, 1000}));
  std::string status = ReadFile(proc + "/status");
  const std::pair<const char*, const char*> sets[] = {
      {"CapBnd:", "bounding"}, {"CapEff:", "effective"}, {"CapPrm:", "permitted"}};
  for (auto [key, set] : sets) {
    size_t at = status.find(key);
    ASSERT_NE(at, std::string::npos);
    std::string mask = status.substr(at + strlen(key));
    mask = mask.substr(mask.find_first_not_of(" \t"), 16);
    EXPECT_EQ(r["caps"][set], mask) << set;
  }
  // Same cgroup in every hierarchy: compare the host view of both pids.
  std::string pid_file = tmp_ + "/exec.pid";
  ASSERT_EQ(Exec(id, {"-d", "--pid-file", pid_file}, {"/test_init", "sleep", "30"}).exit_code, 0);
  pid_t pid = std::atoi(ReadFile(pid_file).c_str());
  ASSERT_GT(pid, 0);
  EXPECT_EQ(ReadFile("/proc/" + std::to_string(pid) + "/cgroup"), ReadFile(proc + "/cgroup"));
}

TEST_F(ExecTest, StoppedContainerFails) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "exit", "0"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  ProcResult r = Exec(id, {}, {"/test_init", "exit", "0"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("stopped"), std::string::npos) << r.Describe();
}

TEST_F(ExecTest, PausedContainerNeedsIgnorePaused) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  ASSERT_EQ(rt().Run({"pause", id}).exit_code, 0);
  ProcResult r = Exec(id, {}, {"/test_init", "exit", "0"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("paused"), std::string::npos) << r.Describe();
  // With --ignore-paused the exec is accepted; it runs once resumed.
  Proc p = rt().Spawn({"exec", "--ignore-paused", id, "/test_init", "exit", "7"});
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(rt().Run({"resume", id}).exit_code, 0);
  ProcResult ok = p.Wait(10s);
  EXPECT_EQ(ok.exit_code, 7) << ok.Describe();
}

TEST_F(ExecTest, MissingBinaryFailsClearly) {
  Bundle b = NewBundle();
  std::string id = Start(b);
  ProcResult r = Exec(id, {}, {"/no/such/binary"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("/no/such/binary"), std::string::npos) << r.Describe();
  std::string lower = r.err;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  EXPECT_NE(lower.find("no such file"), std::string::npos) << r.Describe();
}

}  // namespace
}  // namespace itest
