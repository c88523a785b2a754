// Security hardening: each test attempts a known container-escape attack on
// the runtime and checks it fails. Validated first against runc 1.1.5,
// which is patched for all of them.
//
//   CVE-2019-5736   overwrite the host's runtime binary through
//                   /proc/<pid>/exe of the runtime entering the container
//   CVE-2021-30465  mount destinations through rootfs symlinks / "..",
//                   and the symlink-swap race on them
//   CVE-2024-21626  leaked fds; process cwd /proc/self/fd/N
//   CVE-2019-16884  a fake /proc that would swallow the runtime's writes
//   capabilities    exact sets, exec --cap, noNewPrivileges vs setuid
//
// The runtime binary is copied into the test's temp dir and run from there,
// so attacks that succeed damage only the copy (its hash is checked).
// attack_helper (attack_helper.c) performs the attacks from inside.
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace itest {
namespace {

namespace fs = std::filesystem;

std::string AttackHelperPath() { return IT_ATTACK_HELPER_PATH; }

// FNV-1a of a file's content (a change detector, not a security hash).
std::string ContentDigest(const std::string& path) {
  std::string data = ReadFile(path);
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ULL;
  return std::to_string(data.size()) + ":" + std::to_string(h);
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

int OpenNoCloexec(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);  // deliberately inheritable
  EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
  return fd;
}

std::vector<int> FdNumbers(const json& fds) {
  std::vector<int> out;
  for (const json& f : fds["fds"]) out.push_back(f["fd"].get<int>());
  std::sort(out.begin(), out.end());
  return out;
}

class HardeningTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Run a private copy of the runtime: an attack that gets through damages
    // only the copy, whose digest the tests compare.
    std::string dir = NewDir("runtime-bin");
    runtime_copy_ = dir + "/" + fs::path(rt().binary).filename().string();
    fs::copy_file(rt().binary, runtime_copy_);
    ::chmod(runtime_copy_.c_str(), 0755);
    rt().binary = runtime_copy_;
    digest_ = ContentDigest(runtime_copy_);
  }

  void TearDown() override {
    if (!runtime_copy_.empty()) {
      EXPECT_EQ(ContentDigest(runtime_copy_), digest_) << "the runtime binary was modified from a container";
    }
    IntegrationTest::TearDown();
  }

  Bundle AttackBundle() {
    Bundle b = NewBundle();
    fs::copy_file(AttackHelperPath(), b.rootfs + "/attack_helper");
    ::chmod((b.rootfs + "/attack_helper").c_str(), 0755);
    return b;
  }

  // Creates (not starts) a container whose process would sleep.
  std::string CreateSleeping(Bundle& b) {
    std::string id = NewId();
    b.SetArgs({"/test_init", "sleep", "1000"});
    b.Write();
    ProcResult c = rt().Run({"create", "--bundle", b.dir, id});
    EXPECT_EQ(c.exit_code, 0) << c.Describe();
    return id;
  }

  json Exec(const std::string& id, const std::vector<std::string>& cmd, const std::vector<std::string>& flags = {},
            const SpawnOptions& opts = {}) {
    std::vector<std::string> args = {"exec"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(id);
    args.insert(args.end(), cmd.begin(), cmd.end());
    ProcResult r = rt().Run(args, 30s, opts);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    if (r.exit_code != 0) return nullptr;
    return ParseJson(r.out);
  }

  std::string runtime_copy_;
  std::string digest_;
};

// ---------------------------------------------------------------------------
// CVE-2019-5736

void ExpectNoWriteOpen(const json& r, const std::string& context) {
  ASSERT_TRUE(r.is_object()) << context;
  for (const json& e : r["results"]) {
    EXPECT_NE(e["wronly"], 0) << context << ": " << e.dump();
    EXPECT_NE(e["rdwr"], 0) << context << ": " << e.dump();
    EXPECT_NE(e["reopen"], 0) << context << ": " << e.dump();
  }
}

TEST_F(HardeningTest, Cve20195736ContainerProcessCannotWriteExe) {
  Bundle b = AttackBundle();
  b.SetArgs({"/attack_helper", "open-write", "/proc/self/exe", "/proc/1/exe"});
  json r = RunJson(rt(), b);
  ExpectNoWriteOpen(r, "run");
}

// Before `start` the container's pid 1 is still the runtime (its init): a
// process exec'd into the created container must not reach its exe.
TEST_F(HardeningTest, Cve20195736ExecCannotReachTheWaitingInit) {
  Bundle b = AttackBundle();
  std::string id = CreateSleeping(b);
  json r = Exec(id, {"/attack_helper", "open-write", "/proc/1/exe", "/proc/self/exe"});
  ExpectNoWriteOpen(r, "exec into created container");
  // runc 1.1.5 lets the O_PATH open through: its init runs from a sealed
  // memfd copy of the binary (the write opens above still fail).
  if (r.is_object() && !UnderTestIsRunc()) {
    const json& init = r["results"][0];
    // rune's init is not dumpable: not even an O_PATH handle (needs ptrace
    // read access), and no readable link.
    EXPECT_NE(init["opath"], 0) << init.dump();
    EXPECT_EQ(init["target"], "") << init.dump();
  }
}

// A container whose processes may hold CAP_SYS_PTRACE gets an init that runs
// from a sealed copy (ptrace access would reach an unsealed init's exe);
// without it rune skips the copy, and an exec that would bring
// CAP_SYS_PTRACE to such a waiting init is refused.
TEST_F(HardeningTest, Cve20195736InitSealedWhenPtraceIsPossible) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc always runs from a sealed copy";
  Bundle b = AttackBundle();
  for (const char* set : {"bounding", "effective", "permitted"})
    b.spec["process"]["capabilities"][set].push_back("CAP_SYS_PTRACE");
  std::string id = CreateSleeping(b);
  json st = State(rt(), id);
  ASSERT_TRUE(st.is_object());
  // Its exe is a read-only overlayfs view of rune or a sealed memfd copy:
  // not the host's file, and nothing can be written through it.
  const std::string exe = "/proc/" + std::to_string(st["pid"].get<int>()) + "/exe";
  struct stat host_st {}, exe_st {};
  ASSERT_EQ(::stat(rt().binary.c_str(), &host_st), 0) << rt().binary;
  ASSERT_EQ(::stat(exe.c_str(), &exe_st), 0) << exe;
  EXPECT_FALSE(exe_st.st_dev == host_st.st_dev && exe_st.st_ino == host_st.st_ino)
      << "the waiting init runs from the host's rune binary";
  for (int flags : {O_WRONLY, O_RDWR}) {
    int fd = ::open(exe.c_str(), flags | O_CLOEXEC);
    if (fd >= 0) {
      EXPECT_LT(::write(fd, "x", 1), 0) << "wrote through " << exe;
      ::close(fd);
    }
  }
  json r = Exec(id, {"/attack_helper", "open-write", "/proc/1/exe", "/proc/self/exe"});
  ExpectNoWriteOpen(r, "exec with CAP_SYS_PTRACE into a sealed created container");

  Bundle plain = AttackBundle();
  std::string id2 = CreateSleeping(plain);
  ProcResult e = rt().Run({"exec", "--cap", "CAP_SYS_PTRACE", id2, "/test_init", "exit", "0"});
  EXPECT_NE(e.exit_code, 0) << e.Describe();
  EXPECT_NE(e.err.find("CVE-2019-5736"), std::string::npos) << e.Describe();
  // Once started, the init is the workload: the same exec is fine.
  ASSERT_EQ(rt().Run({"start", id2}).exit_code, 0);
  e = rt().Run({"exec", "--cap", "CAP_SYS_PTRACE", id2, "/test_init", "exit", "0"});
  EXPECT_EQ(e.exit_code, 0) << e.Describe();
}

// The container's process scans /proc while `exec` enters the container
// repeatedly, pinning the exe of any foreign (runtime) process it sees and
// trying to reopen it for writing after the runtime has exited.
TEST_F(HardeningTest, Cve20195736RacingExec) {
  Bundle b = AttackBundle();
  b.SetArgs({"/attack_helper", "race-exe", "/race.json", "/stop"});
  b.Write();
  std::string id = NewId();
  ProcResult c = rt().Run({"run", "-d", "--bundle", b.dir, id});
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  for (int i = 0; i < 20; ++i) {
    ProcResult e = rt().Run({"exec", id, "/test_init", "exit", "0"});
    EXPECT_EQ(e.exit_code, 0) << e.Describe();
  }
  // No runtime command may run until the helper is done: it retries the
  // write opens once the binary is not busy.
  WriteFile(b.rootfs + "/stop", "");
  ASSERT_TRUE(WaitForFile(b.rootfs + "/race.json", 30s));
  json r = ParseJson(ReadFile(b.rootfs + "/race.json"));
  ASSERT_TRUE(r.is_object());
  std::cerr << "[ info ] race: " << r.dump() << "\n";
  EXPECT_GT(r["scans"].get<long>(), 0);
  EXPECT_EQ(r["write_opened"], 0) << r.dump();
  EXPECT_EQ(r["foreign_pinned"], 0) << "runtime exe reachable from the container: " << r.dump();
}

// Same with CAP_SYS_PTRACE in the container: a non-dumpable process no
// longer hides its exe from it.
TEST_F(HardeningTest, Cve20195736RacingExecWithSysPtrace) {
  Bundle b = AttackBundle();
  std::vector<std::string> caps = {"CAP_SYS_PTRACE", "CAP_KILL"};
  b.spec["process"]["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  b.SetArgs({"/attack_helper", "race-exe", "/race.json", "/stop"});
  b.Write();
  std::string id = NewId();
  ProcResult c = rt().Run({"run", "-d", "--bundle", b.dir, id});
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  for (int i = 0; i < 20; ++i) {
    ProcResult e = rt().Run({"exec", id, "/test_init", "exit", "0"});
    EXPECT_EQ(e.exit_code, 0) << e.Describe();
  }
  // No runtime command may run until the helper is done: it retries the
  // write opens once the binary is not busy.
  WriteFile(b.rootfs + "/stop", "");
  ASSERT_TRUE(WaitForFile(b.rootfs + "/race.json", 30s));
  json r = ParseJson(ReadFile(b.rootfs + "/race.json"));
  ASSERT_TRUE(r.is_object());
  std::cerr << "[ info ] race with CAP_SYS_PTRACE: " << r.dump() << "\n";
  EXPECT_EQ(r["write_opened"], 0) << r.dump();
}

// ---------------------------------------------------------------------------
// CVE-2021-30465 class

TEST_F(HardeningTest, Cve202130465MountsThroughSymlinksStayInRootfs) {
  std::string host_dir = NewDir("host-victim");
  std::string host_dir2 = NewDir("host-victim2");
  WriteFile(host_dir + "/orig", "orig");
  WriteFile(host_dir2 + "/orig", "orig");
  std::string src = NewDir("bind-src");
  WriteFile(src + "/payload", "payload");
  std::vector<std::string> before = ListDir(host_dir), before2 = ListDir(host_dir2);

  Bundle b = AttackBundle();
  fs::create_symlink(host_dir, b.rootfs + "/evil_abs");
  std::string up;
  for (int i = 0; i < 12; ++i) up += "../";
  fs::create_symlink(up + host_dir.substr(1), b.rootfs + "/evil_rel");
  fs::create_symlink(up + host_dir2.substr(1), b.rootfs + "/evil_tmpfs");
  fs::create_directories(b.rootfs + "/sub");
  fs::create_symlink("../../../../../../..", b.rootfs + "/sub/up");
  b.AddMount("/evil_abs", "bind", src, {"bind"});
  b.AddMount("/evil_rel", "bind", src, {"rbind"});
  b.AddMount("/../../../../../.." + host_dir + "/dotdot", "bind", src, {"bind"});
  b.AddMount("/sub/up" + host_dir + "/via-up", "bind", src, {"bind"});
  b.AddMount("/evil_tmpfs", "tmpfs", "tmpfs", {"size=1m"});

  auto check_host = [&](const std::string& when) {
    EXPECT_EQ(ListDir(host_dir), before) << when << ": host directory changed";
    EXPECT_EQ(ListDir(host_dir2), before2) << when << ": host directory changed";
    EXPECT_EQ(HostMountsContaining(host_dir), std::vector<std::string>{}) << when;
    EXPECT_EQ(HostMountsContaining(host_dir2), std::vector<std::string>{}) << when;
    EXPECT_EQ(HostMountsContaining(b.dir), std::vector<std::string>{}) << when;
  };

  // Phase 1: created (all mounts done, the init waits): the host is intact.
  b.SetArgs({"/test_init", "sleep", "1000"});
  b.Write();
  std::string id = NewId();
  ProcResult c = rt().Run({"create", "--bundle", b.dir, id});
  if (c.exit_code != 0) {
    // Failing is acceptable if it says why; landing on the host is not.
    EXPECT_FALSE(c.err.empty());
    check_host("after a refused create");
    return;
  }
  check_host("while created");
  json seen = Exec(id, {"/test_init", "cat-file", host_dir + "/payload"});
  // The mount landed inside the rootfs, at the in-root resolution.
  if (seen.is_object()) {
    EXPECT_EQ(seen["content"], "payload") << seen.dump();
  }
  ProcResult d = rt().Run({"delete", "--force", id});
  EXPECT_EQ(d.exit_code, 0) << d.Describe();
  check_host("after delete");

  // Phase 2: a container that writes through the mounts.
  b.SetArgs({"/bin/sh", "-c",
             "echo x > /evil_abs/written && echo x > /evil_rel/written2 && echo x > /evil_tmpfs/written3 && "
             "/test_init mounts"});
  json m = RunJson(rt(), b);
  check_host("after a run writing through the mounts");
  if (m.is_object()) {
    bool tmpfs_seen = false;
    for (const json& mnt : m["mounts"]) {
      if (mnt["mount_point"] == host_dir2 && mnt["fstype"] == "tmpfs") tmpfs_seen = true;
    }
    EXPECT_TRUE(tmpfs_seen) << "tmpfs through /evil_tmpfs should be at " << host_dir2 << " in the container";
  }
}

// The race itself: while the runtime creates the container, entries on the
// mounts' destination paths are swapped, atomically and without pause,
// between a directory and a symlink to a host directory, as a second
// container sharing that volume could do. The host directory is a shared
// mount and the container's tree is rshared, so a mount that followed the
// symlink out of the rootfs would propagate back to the host's mount table
// (checked first with a mount made on purpose). Every create must either
// succeed with its mounts inside the rootfs or fail saying why; the host
// must not change.
TEST_F(HardeningTest, Cve202130465SymlinkSwapRaceStaysInRootfs) {
  std::string victim = NewDir("race-victim");
  WriteFile(victim + "/orig", "orig");
  fs::create_directories(victim + "/canary");
  ASSERT_EQ(::mount(victim.c_str(), victim.c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{victim};
  ASSERT_EQ(::mount(nullptr, victim.c_str(), nullptr, MS_SHARED, nullptr), 0) << strerror(errno);
  const std::vector<std::string> mounts_before = HostMountsContaining(victim);
  const std::vector<std::string> files_before = ListDir(victim);

  // The detector works: a mount made on the victim from another mount
  // namespace with shared propagation shows up here.
  const std::string canary = victim + "/canary";
  pid_t child = ::fork();
  if (child == 0) {
    bool ok = ::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_SHARED | MS_REC, nullptr) == 0 &&
              ::mount("tmpfs", canary.c_str(), "tmpfs", 0, "size=1m") == 0;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(HostMountsContaining(victim).size(), mounts_before.size() + 1) << "the propagation detector is blind";
  ::umount2(canary.c_str(), MNT_DETACH);
  ASSERT_EQ(HostMountsContaining(victim), mounts_before);

  std::string src = NewDir("race-src");
  WriteFile(src + "/payload", "payload");
  Bundle b = AttackBundle();
  b.spec["linux"]["rootfsPropagation"] = "rshared";
  std::string up;
  for (int i = 0; i < 12; ++i) up += "../";
  fs::create_directories(b.rootfs + "/vol/a");
  fs::create_symlink(victim, b.rootfs + "/vol/a.link");  // absolute
  fs::create_directories(b.rootfs + "/vol/b");
  fs::create_symlink(up + victim.substr(1), b.rootfs + "/vol/b.link");  // relative, climbing out
  b.AddMount("/vol/a", "bind", src, {"bind"});
  b.AddMount("/vol/b", "tmpfs", "tmpfs", {"size=1m"});
  b.AddMount("/vol/a/deeper", "tmpfs", "tmpfs", {"size=1m"});  // through the swapped entry
  b.SetArgs({"/test_init", "sleep", "1000"});
  b.Write();

  std::atomic<bool> stop{false};
  std::atomic<long> swaps{0};
  std::thread racer([&] {
    const std::string a = b.rootfs + "/vol/a", b_dir = b.rootfs + "/vol/b";
    const std::string a_link = a + ".link", b_link = b_dir + ".link";
    while (!stop) {
      if (::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, a_link.c_str(), RENAME_EXCHANGE) == 0) ++swaps;
      if (::syscall(SYS_renameat2, AT_FDCWD, b_dir.c_str(), AT_FDCWD, b_link.c_str(), RENAME_EXCHANGE) == 0)
        ++swaps;
    }
  });
  constexpr int kRounds = 40;
  int created = 0, refused = 0;
  std::string first_refusal;
  for (int i = 0; i < kRounds && !HasFailure(); ++i) {
    std::string id = NewId();
    ProcResult c = rt().Run({"create", "--bundle", b.dir, id}, 30s);
    if (c.exit_code == 0) {
      ++created;
      // The container's root is still the rootfs.
      int pid = State(rt(), id).value("pid", -1);
      EXPECT_TRUE(fs::exists("/proc/" + std::to_string(pid) + "/root/attack_helper")) << "round " << i;
    } else {
      ++refused;
      EXPECT_FALSE(c.err.empty()) << "round " << i << ": a refused create must say why";
      if (first_refusal.empty()) first_refusal = c.err;
    }
    EXPECT_EQ(HostMountsContaining(victim), mounts_before) << "round " << i << ": a mount escaped the rootfs";
    ProcResult d = rt().Run({"delete", "--force", id}, 30s);
    if (c.exit_code == 0) {
      EXPECT_EQ(d.exit_code, 0) << d.Describe();
    }
  }
  stop = true;
  racer.join();
  EXPECT_EQ(ListDir(victim), files_before) << "the host directory changed";
  EXPECT_GT(swaps.load(), 0);
  std::cerr << "[ info ] symlink-swap race: " << created << " created, " << refused << " refused, " << swaps.load()
            << " swaps; first refusal: " << first_refusal << "\n";
}

// ---------------------------------------------------------------------------
// CVE-2024-21626

class LeakedFds {
 public:
  explicit LeakedFds(const std::string& dir) {
    dir_fd_ = OpenNoCloexec(dir, O_RDONLY | O_DIRECTORY);
    file_fd_ = OpenNoCloexec(dir + "/marker", O_RDONLY);
    root_fd_ = OpenNoCloexec("/", O_RDONLY | O_DIRECTORY);
  }
  ~LeakedFds() {
    for (int fd : {dir_fd_, file_fd_, root_fd_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  // fds 3 (host dir), 4 (host file), 5 (host /) in the runtime.
  SpawnOptions Options() const {
    SpawnOptions o;
    o.extra_fds = {dir_fd_, file_fd_, root_fd_};
    return o;
  }

 private:
  int dir_fd_ = -1, file_fd_ = -1, root_fd_ = -1;
};

TEST_F(HardeningTest, Cve202421626LeakedFdsNotInherited) {
  WriteFile(tmp_ + "/marker", "HOST-MARKER");
  LeakedFds leaked(tmp_);
  Bundle b = AttackBundle();
  b.SetArgs({"/test_init", "fds"});
  ProcResult r = RunContainer(rt(), b, "", {}, 30s, leaked.Options());
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json fds = ParseJson(r.out);
  EXPECT_EQ(FdNumbers(fds), (std::vector<int>{0, 1, 2})) << fds.dump();

  r = RunContainer(rt(), b, "", {"--preserve-fds", "1"}, 30s, leaked.Options());
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  fds = ParseJson(r.out);
  EXPECT_EQ(FdNumbers(fds), (std::vector<int>{0, 1, 2, 3})) << fds.dump();

  // exec, with and without --preserve-fds.
  Bundle s = AttackBundle();
  std::string id = CreateSleeping(s);
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  fds = Exec(id, {"/test_init", "fds"}, {}, leaked.Options());
  if (fds.is_object()) {
    EXPECT_EQ(FdNumbers(fds), (std::vector<int>{0, 1, 2})) << fds.dump();
  }
  fds = Exec(id, {"/test_init", "fds"}, {"--preserve-fds", "2"}, leaked.Options());
  if (fds.is_object()) {
    EXPECT_EQ(FdNumbers(fds), (std::vector<int>{0, 1, 2, 3, 4})) << fds.dump();
  }
}

// A cwd of /proc/self/fd/N names whatever fd N is in the runtime while it
// sets the process up (runc leaked a host cgroup dir fd there): the process
// must not start with a cwd outside its root.
TEST_F(HardeningTest, Cve202421626CwdProcSelfFd) {
  WriteFile(tmp_ + "/marker", "HOST-MARKER");
  LeakedFds leaked(tmp_);
  // From a cwd anywhere on the host this reaches the marker; from a cwd in
  // the container's root, ".." stops at its root.
  std::string rel;
  for (int i = 0; i < 16; ++i) rel += "../";
  rel += tmp_.substr(1) + "/marker";
  auto check = [&](const std::string& what, const ProcResult& r) {
    if (r.exit_code != 0) {
      EXPECT_FALSE(r.err.empty()) << what << ": failed without an error message";
      return;
    }
    json j = ParseJson(r.out);
    EXPECT_NE(j["content"], "HOST-MARKER") << what << ": the process reached the host: " << j.dump();
    EXPECT_EQ(j["cwd_errno"], 0) << what << ": cwd outside the container root: " << j.dump();
  };
  for (int n = 3; n <= 12; ++n) {
    Bundle b = AttackBundle();
    b.spec["process"]["cwd"] = "/proc/self/fd/" + std::to_string(n);
    b.SetArgs({"/attack_helper", "escape-cwd", rel});
    check("run with cwd /proc/self/fd/" + std::to_string(n), RunContainer(rt(), b, "", {}, 30s, leaked.Options()));
  }
  Bundle s = AttackBundle();
  std::string id = CreateSleeping(s);
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  for (int n = 3; n <= 12; ++n) {
    std::string cwd = "/proc/self/fd/" + std::to_string(n);
    check("exec --cwd " + cwd,
          rt().Run({"exec", "--cwd", cwd, id, "/attack_helper", "escape-cwd", rel}, 30s, leaked.Options()));
  }
}

// ---------------------------------------------------------------------------
// CVE-2019-16884 class

// A fake /proc tree: files the runtime would write if it trusted any /proc.
std::string MakeFakeProc(const std::string& dir) {
  fs::create_directories(dir + "/sys/net/ipv4");
  fs::create_directories(dir + "/self/attr");
  fs::create_directories(dir + "/sys/kernel");
  WriteFile(dir + "/sys/net/ipv4/ip_forward", "fake\n");
  WriteFile(dir + "/sys/kernel/cap_last_cap", "40\n");
  WriteFile(dir + "/self/oom_score_adj", "fake\n");
  WriteFile(dir + "/self/attr/exec", "fake\n");
  WriteFile(dir + "/self/attr/current", "fake\n");
  return dir;
}

void ExpectFakeProcUntouched(const std::string& dir, const std::string& when) {
  for (const char* f : {"/sys/net/ipv4/ip_forward", "/self/oom_score_adj", "/self/attr/exec", "/self/attr/current"}) {
    EXPECT_EQ(ReadFile(dir + f), "fake\n") << when << ": the runtime wrote " << f << " of a fake /proc";
  }
}

// Writes rune makes to /proc (sysctl, oom_score_adj) in a spec.
void AddProcWrites(Bundle& b) {
  b.spec["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  b.spec["process"]["oomScoreAdj"] = 100;
}

TEST_F(HardeningTest, Cve201916884TmpfsOverProcRefused) {
  Bundle b = AttackBundle();
  b.AddMount("/proc", "tmpfs", "tmpfs", {"size=1m"});
  AddProcWrites(b);
  b.SetArgs({"/attack_helper", "statfs", "/proc"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_NE(r.exit_code, 0) << "a tmpfs over /proc was accepted: " << r.Describe();
  EXPECT_NE(r.err.find("/proc"), std::string::npos) << r.Describe();
}

TEST_F(HardeningTest, Cve201916884BindOverProcRefused) {
  std::string fake = MakeFakeProc(NewDir("fakeproc"));
  for (bool masked : {true, false}) {
    Bundle b = AttackBundle();
    b.AddMount("/proc", "bind", fake, {"rbind"});
    AddProcWrites(b);
    if (!masked) {
      b.spec["linux"].erase("maskedPaths");
      b.spec["linux"].erase("readonlyPaths");
    }
    b.SetArgs({"/attack_helper", "statfs", "/proc"});
    ProcResult r = RunContainer(rt(), b);
    EXPECT_NE(r.exit_code, 0) << "a fake dir bound over /proc was accepted (masked paths: " << masked
                              << "): " << r.Describe();
    EXPECT_NE(r.err.find("/proc"), std::string::npos) << r.Describe();
    ExpectFakeProcUntouched(fake, "bind over /proc");
  }
}

// The rootfs's /proc is a symlink to a fake tree: proc may be mounted at
// the symlink's in-root target, or refused, but the container's /proc must
// be a real procfs and the fake files untouched.
TEST_F(HardeningTest, Cve201916884ProcSymlinkInRootfs) {
  Bundle b = AttackBundle();
  fs::remove(b.rootfs + "/proc");
  MakeFakeProc(b.rootfs + "/fakeproc");
  fs::create_symlink("/fakeproc", b.rootfs + "/proc");
  AddProcWrites(b);
  b.SetArgs({"/attack_helper", "statfs", "/proc"});
  ProcResult r = RunContainer(rt(), b);
  if (r.exit_code == 0) {
    json j = ParseJson(r.out);
    EXPECT_EQ(j["is_procfs"], true) << j.dump();
  } else {
    EXPECT_NE(r.err.find("proc"), std::string::npos) << r.Describe();
  }
  // The files are not visible while procfs is mounted over the directory,
  // so the check after the run means nothing was written to them.
  ExpectFakeProcUntouched(b.rootfs + "/fakeproc", "/proc symlink");
}

// No proc mount at all: the rootfs's plain /proc dir is not a procfs, and
// the runtime must not "apply" sysctls and oom_score_adj to its files.
TEST_F(HardeningTest, Cve201916884NoProcMountRefusesProcWrites) {
  Bundle b = AttackBundle();
  MakeFakeProc(b.rootfs + "/proc");
  json mounts = json::array();
  for (const json& m : b.spec["mounts"]) {
    if (m["destination"] != "/proc") mounts.push_back(m);
  }
  b.spec["mounts"] = mounts;
  b.spec["linux"].erase("maskedPaths");
  b.spec["linux"].erase("readonlyPaths");
  AddProcWrites(b);
  b.SetArgs({"/test_init", "exit", "0"});
  ProcResult r = RunContainer(rt(), b);
  // runc 1.1.5 writes the sysctl into the image's plain /proc/sys file.
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.exit_code, 0) << "sysctl/oom_score_adj written without a procfs: " << r.Describe();
    EXPECT_NE(r.err.find("procfs"), std::string::npos) << r.Describe();
    ExpectFakeProcUntouched(b.rootfs + "/proc", "no proc mount");
  }
}

// ---------------------------------------------------------------------------
// Capabilities

json CapsOf(const json& report) { return report.is_object() ? report["caps"] : json(); }

TEST_F(HardeningTest, ReducedCapabilitySetIsExact) {
  Bundle b = AttackBundle();
  std::vector<std::string> bnd = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"};
  std::vector<std::string> eff = {"CAP_CHOWN", "CAP_KILL"};
  b.spec["process"]["capabilities"] = {{"bounding", bnd}, {"effective", eff}, {"permitted", eff}};
  json caps = CapsOf(RunJson(rt(), b));
  EXPECT_EQ(caps["bounding"], CapMask(bnd));
  EXPECT_EQ(caps["effective"], CapMask(eff));
  EXPECT_EQ(caps["permitted"], CapMask(eff));
  EXPECT_EQ(caps["inheritable"], CapMask({}));
  EXPECT_EQ(caps["ambient"], CapMask({}));

  // Inheritable and ambient only when asked (ambient needs both).
  std::vector<std::string> amb = {"CAP_NET_BIND_SERVICE"};
  std::vector<std::string> prm = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  b.spec["process"]["capabilities"] = {
      {"bounding", bnd}, {"effective", prm}, {"permitted", prm}, {"inheritable", amb}, {"ambient", amb}};
  b.spec["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  caps = CapsOf(RunJson(rt(), b));
  EXPECT_EQ(caps["bounding"], CapMask(bnd));
  EXPECT_EQ(caps["inheritable"], CapMask(amb));
  EXPECT_EQ(caps["ambient"], CapMask(amb));
  // A non-root process keeps exactly its ambient set across execve.
  EXPECT_EQ(caps["permitted"], CapMask(amb));
  EXPECT_EQ(caps["effective"], CapMask(amb));
}

TEST_F(HardeningTest, ExecCapabilities) {
  Bundle b = AttackBundle();
  std::vector<std::string> bnd = {"CAP_KILL", "CAP_NET_BIND_SERVICE"};
  std::vector<std::string> eff = {"CAP_KILL"};
  b.spec["process"]["capabilities"] = {{"bounding", bnd}, {"effective", eff}, {"permitted", eff}};
  std::string id = CreateSleeping(b);
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  json caps = CapsOf(Exec(id, {"/test_init", "report"}));
  EXPECT_EQ(caps["bounding"], CapMask(bnd));
  EXPECT_EQ(caps["effective"], CapMask(eff));
  EXPECT_EQ(caps["permitted"], CapMask(eff));
  EXPECT_EQ(caps["inheritable"], CapMask({}));
  EXPECT_EQ(caps["ambient"], CapMask({}));

  caps = CapsOf(Exec(id, {"/test_init", "report"}, {"--cap", "CAP_CHOWN"}));
  EXPECT_EQ(caps["bounding"], CapMask({"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"}));
  EXPECT_EQ(caps["effective"], CapMask({"CAP_KILL", "CAP_CHOWN"}));
  EXPECT_EQ(caps["permitted"], CapMask({"CAP_KILL", "CAP_CHOWN"}));
  // The spec asked for no inheritable/ambient set: --cap adds none.
  EXPECT_EQ(caps["ambient"], CapMask({}));
}

// noNewPrivileges: a setuid-root binary run by uid 1000 stays uid 1000 with
// no capabilities; without it (the control) it becomes root.
TEST_F(HardeningTest, NoNewPrivilegesBlocksSetuid) {
  for (bool nnp : {true, false}) {
    Bundle b = AttackBundle();
    std::string suid = b.rootfs + "/suid_init";
    fs::copy_file(TestInitPath(), suid);
    ASSERT_EQ(::chown(suid.c_str(), 0, 0), 0);
    ASSERT_EQ(::chmod(suid.c_str(), 04755), 0);
    b.spec["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    b.spec["process"]["noNewPrivileges"] = nnp;
    b.spec["process"]["capabilities"] = {{"bounding", {"CAP_KILL", "CAP_SETUID"}}};
    b.SetArgs({"/suid_init", "report"});
    json r = RunJson(rt(), b);
    ASSERT_TRUE(r.is_object());
    if (nnp) {
      EXPECT_EQ(r["no_new_privs"], 1);
      EXPECT_EQ(r["euid"], 1000) << r.dump();
      EXPECT_EQ(r["caps"]["effective"], CapMask({})) << r.dump();
      EXPECT_EQ(r["caps"]["permitted"], CapMask({})) << r.dump();
    } else {
      EXPECT_EQ(r["no_new_privs"], 0);
      EXPECT_EQ(r["euid"], 0) << "control: setuid should work without noNewPrivileges: " << r.dump();
      EXPECT_EQ(r["caps"]["effective"], CapMask({"CAP_KILL", "CAP_SETUID"})) << r.dump();
    }
  }
}

}  // namespace
}  // namespace itest
