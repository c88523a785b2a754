// Device access control on cgroup v2 (an eBPF program per container, see
// src/runtime/cgroup/devices_bpf.h), on this hybrid host's cgroup2 mount:
//
//  * Direct: a v2 manager on /sys/fs/cgroup/unified attaches the program to
//    a fresh cgroup; a forked prober placed in it opens device nodes made in
//    a temp dir. An allowed node without a driver (c 240:*) fails with ENXIO
//    after the permission check, a denied one with EPERM, so every decision
//    is visible. Also: update replaces the program (one stays attached),
//    never leaves a window without a filter, removes extra programs; the
//    verifier log reaches the error; the v1 devices controller of this host
//    decides every probe exactly like the generated program (the v1 kernel
//    is the oracle for the emulated semantics).
//  * End to end: rune (or runc, RUNE_BINARY=/usr/bin/runc) in a private
//    mount namespace where cgroup2 is mounted at /sys/fs/cgroup, i.e. what a
//    pure-v2 host looks like, runs containers whose test_init opens devices.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/devices_bpf.h"
#include "tests/integration/harness.h"

namespace itest {
namespace {

namespace cg = inclavare::runtime::cgroup;
using Rule = inclavare::oci::LinuxDeviceCgroup;

constexpr const char kUnified[] = "/sys/fs/cgroup/unified";

bool IsCgroup2(const std::string& path) {
  struct statfs st;
  return ::statfs(path.c_str(), &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

Rule Allow(const char* type, std::optional<int64_t> major, std::optional<int64_t> minor, const char* access) {
  return Rule{true, std::string(type), major, minor, std::string(access)};
}
Rule Deny(const char* type, std::optional<int64_t> major, std::optional<int64_t> minor, const char* access) {
  return Rule{false, std::string(type), major, minor, std::string(access)};
}
const Rule kDenyAll{false, "a", std::nullopt, std::nullopt, "rwm"};
const Rule kAllowAll{true, "a", std::nullopt, std::nullopt, "rwm"};

// One access a prober tries: open(path, flags), or mknod of dev when mknod.
struct Probe {
  std::string name;
  int flags = O_RDONLY;
  bool mknod = false;
  dev_t dev = 0;
};

// Device nodes in a temp dir, and the probes over them.
class Nodes {
 public:
  Nodes() {
    char tmpl[] = "/tmp/ic-devbpf-XXXXXX";
    if (::mkdtemp(tmpl)) dir_ = tmpl;
  }
  ~Nodes() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  bool Make(const std::string& name, mode_t type, unsigned major, unsigned minor) {
    std::string p = dir_ + "/" + name;
    return ::mknod(p.c_str(), type | 0666, makedev(major, minor)) == 0;
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// A forked child that runs probes on request, from inside whatever cgroup
// the parent moves it into. Commands and results travel over pipes.
class Prober {
 public:
  Prober(const Nodes& nodes, std::vector<Probe> probes) : probes_(std::move(probes)) {
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) != 0 || ::pipe2(from, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(to[1]);
      ::close(from[0]);
      Serve(nodes, to[0], from[1]);
      ::_exit(0);
    }
    ::close(to[0]);
    ::close(from[1]);
    cmd_ = to[1];
    res_ = from[0];
  }
  ~Prober() {
    if (pid_ > 0) {
      char q = 'q';
      (void)!::write(cmd_, &q, 1);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (cmd_ >= 0) ::close(cmd_);
    if (res_ >= 0) ::close(res_);
  }
  pid_t pid() const { return pid_; }

  // errno per probe (0: allowed and succeeded).
  std::vector<int> Run() {
    std::vector<int> out(probes_.size(), -1);
    char c = 'p';
    if (::write(cmd_, &c, 1) != 1) return out;
    size_t want = out.size() * sizeof(int), got = 0;
    while (got < want) {
      ssize_t n = ::read(res_, reinterpret_cast<char*>(out.data()) + got, want - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    return out;
  }

  // Opens probe 0 in a loop until Stop(); returns how many opens succeeded.
  void StartHammer() {
    char c = 'h';
    (void)!::write(cmd_, &c, 1);
  }
  long StopHammer() {
    char c = 's';
    (void)!::write(cmd_, &c, 1);
    long n = -1;
    (void)!::read(res_, &n, sizeof n);
    return n;
  }

 private:
  void Serve(const Nodes& nodes, int in, int out) {
    for (char c; ::read(in, &c, 1) == 1;) {
      if (c == 'q') return;
      if (c == 'p') {
        std::vector<int> errs;
        for (const Probe& p : probes_) errs.push_back(Try(nodes, p));
        (void)!::write(out, errs.data(), errs.size() * sizeof(int));
      } else if (c == 'h') {
        long ok = 0;
        for (;;) {
          if (Try(nodes, probes_[0]) == 0) ++ok;
          struct pollfd pfd = {in, POLLIN, 0};
          if (::poll(&pfd, 1, 0) > 0) break;
        }
        char s;
        (void)!::read(in, &s, 1);
        (void)!::write(out, &ok, sizeof ok);
      }
    }
  }
  static int Try(const Nodes& nodes, const Probe& p) {
    std::string path = nodes.Path(p.name);
    if (p.mknod) {
      int r = ::mknod(path.c_str(), S_IFCHR | 0600, p.dev);
      int err = r == 0 ? 0 : errno;
      if (r == 0) ::unlink(path.c_str());
      return err;
    }
    int fd = ::open(path.c_str(), p.flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return errno;
    ::close(fd);
    return 0;
  }

  std::vector<Probe> probes_;
  pid_t pid_ = -1;
  int cmd_ = -1;
  int res_ = -1;
};

// Nodes: null 1:3, zero 1:5, full 1:7, and driverless c 240:0, c 240:1,
// b 240:0 (ENXIO when allowed).
std::vector<Probe> StandardProbes() {
  std::vector<Probe> out;
  for (const char* n : {"null", "zero", "full", "c240_0", "c240_1", "b240_0"}) {
    for (int flags : {O_RDONLY, O_WRONLY, O_RDWR}) out.push_back({n, flags});
  }
  out.push_back({"mk_c1_3", 0, true, makedev(1, 3)});
  out.push_back({"mk_c240_1", 0, true, makedev(240, 1)});
  return out;
}

std::string Describe(const std::vector<Probe>& probes, const std::vector<int>& errs) {
  std::string s;
  for (size_t i = 0; i < probes.size() && i < errs.size(); ++i) {
    const char* mode = probes[i].mknod               ? "mknod"
                       : probes[i].flags == O_RDWR   ? "rw"
                       : probes[i].flags == O_WRONLY ? "w"
                                                     : "r";
    s += probes[i].name + ":" + mode + "=" + (errs[i] ? strerrorname_np(errs[i]) : "ok") + " ";
  }
  return s;
}

class CgroupV2DevicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!IsCgroup2(kUnified)) GTEST_SKIP() << "needs a cgroup2 mount at " << kUnified;
    ASSERT_FALSE(nodes_.dir().empty());
    ASSERT_TRUE(nodes_.Make("null", S_IFCHR, 1, 3) && nodes_.Make("zero", S_IFCHR, 1, 5) &&
                nodes_.Make("full", S_IFCHR, 1, 7) && nodes_.Make("c240_0", S_IFCHR, 240, 0) &&
                nodes_.Make("c240_1", S_IFCHR, 240, 1) && nodes_.Make("b240_0", S_IFBLK, 240, 0))
        << strerror(errno);
  }
  void TearDown() override {
    for (auto& m : managers_) (void)m->Destroy();
  }

  // A new v2 cgroup below the unified mount.
  cg::Manager& NewCgroup() {
    static int n = 0;
    std::string path = "/ic-devbpf-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    auto m = cg::NewManager({.cgroups_path = path}, {.root = kUnified});
    EXPECT_TRUE(m) << m.error().ToString();
    EXPECT_TRUE((*m)->IsUnified());
    auto created = (*m)->Create();
    EXPECT_TRUE(created) << created.error().ToString();
    managers_.push_back(std::move(*m));
    return *managers_.back();
  }
  std::string Dir(cg::Manager& m) { return m.GetPaths().at(""); }

  static void Apply(cg::Manager& m, const std::vector<Rule>& rules) {
    inclavare::oci::LinuxResources r;
    r.devices = rules;
    auto applied = m.Apply(r);
    ASSERT_TRUE(applied) << applied.error().ToString();
  }

  Nodes nodes_;
  std::vector<std::unique_ptr<cg::Manager>> managers_;
};

TEST_F(CgroupV2DevicesTest, AllowedOpensDeniedFails) {
  cg::Manager& m = NewCgroup();
  // Only /dev/null and c 240:1 for reading, plus mknod of char devices.
  Apply(m, {kDenyAll, Allow("c", 1, 3, "rwm"), Allow("c", 240, 1, "r"),
            Allow("c", std::nullopt, std::nullopt, "m")});
  auto ids = cg::QueryDeviceFilters(Dir(m));
  ASSERT_TRUE(ids) << ids.error().ToString();
  EXPECT_EQ(ids->size(), 1u);

  std::vector<Probe> probes = {{"null", O_RDWR},
                               {"zero", O_RDONLY},
                               {"full", O_WRONLY},
                               {"c240_1", O_RDONLY},
                               {"c240_1", O_WRONLY},
                               {"b240_0", O_RDONLY},
                               {"mk", 0, true, makedev(1, 7)}};
  Prober p(nodes_, probes);
  ASSERT_GT(p.pid(), 0);
  ASSERT_TRUE(m.AddProcess(p.pid()));
  std::vector<int> got = p.Run();
  EXPECT_EQ(got, (std::vector<int>{0, EPERM, EPERM, ENXIO, EPERM, EPERM, 0})) << Describe(probes, got);
}

TEST_F(CgroupV2DevicesTest, UpdateReplacesTheProgram) {
  cg::Manager& m = NewCgroup();
  Apply(m, {kDenyAll, Allow("c", 1, 3, "rw")});
  std::vector<uint32_t> before = *cg::QueryDeviceFilters(Dir(m));
  ASSERT_EQ(before.size(), 1u);
  std::vector<Probe> probes = {{"null", O_RDWR}, {"full", O_RDWR}};
  Prober p(nodes_, probes);
  ASSERT_TRUE(m.AddProcess(p.pid()));
  EXPECT_EQ(p.Run(), (std::vector<int>{0, EPERM}));

  // What `update` does: the running process sees the new rules at once.
  Apply(m, {kDenyAll, Allow("c", 1, 7, "rw")});
  std::vector<uint32_t> after = *cg::QueryDeviceFilters(Dir(m));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0], before[0]);
  EXPECT_EQ(p.Run(), (std::vector<int>{EPERM, 0}));

  // No device rules: the program stays as it is.
  Apply(m, {});
  EXPECT_EQ(*cg::QueryDeviceFilters(Dir(m)), after);
  EXPECT_EQ(p.Run(), (std::vector<int>{EPERM, 0}));
}

TEST_F(CgroupV2DevicesTest, NoWindowWithoutFilterDuringUpdates) {
  // /dev/zero is denied by both rule sets; a moment with no program attached
  // (detach before attach) would let the hammering prober open it.
  cg::Manager& m = NewCgroup();
  std::vector<Rule> a = {kDenyAll, Allow("c", 1, 3, "rw")};
  std::vector<Rule> b = {kDenyAll, Allow("c", 1, 7, "rw")};
  Apply(m, a);
  Prober p(nodes_, {{"zero", O_RDONLY}});
  ASSERT_TRUE(m.AddProcess(p.pid()));
  p.StartHammer();
  for (int i = 0; i < 200; ++i) Apply(m, i % 2 ? a : b);
  EXPECT_EQ(p.StopHammer(), 0);
  EXPECT_EQ(cg::QueryDeviceFilters(Dir(m))->size(), 1u);
}

// Raw bpf(2) for a program that is not ours: "return 1", attached with
// BPF_F_ALLOW_MULTI.
int AttachForeignAllowAll(const std::string& dir) {
  struct bpf_insn prog[2];
  std::memset(prog, 0, sizeof prog);
  prog[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
  prog[0].imm = 1;
  prog[1].code = BPF_JMP | BPF_EXIT;
  union bpf_attr a;
  std::memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = reinterpret_cast<uintptr_t>(prog);
  a.insn_cnt = 2;
  a.license = reinterpret_cast<uintptr_t>("MIT");
  int prog_fd = static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a));
  if (prog_fd < 0) return -1;
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  std::memset(&a, 0, sizeof a);
  a.target_fd = static_cast<uint32_t>(dir_fd);
  a.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  int r = static_cast<int>(::syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a));
  ::close(dir_fd);
  ::close(prog_fd);
  return r;
}

TEST_F(CgroupV2DevicesTest, RemovesEveryEarlierProgram) {
  cg::Manager& m = NewCgroup();
  ASSERT_EQ(AttachForeignAllowAll(Dir(m)), 0) << strerror(errno);
  ASSERT_EQ(AttachForeignAllowAll(Dir(m)), 0) << strerror(errno);
  ASSERT_EQ(cg::QueryDeviceFilters(Dir(m))->size(), 2u);
  Apply(m, {kDenyAll, Allow("c", 1, 3, "rw")});
  EXPECT_EQ(cg::QueryDeviceFilters(Dir(m))->size(), 1u);
  Prober p(nodes_, {{"null", O_RDWR}, {"zero", O_RDONLY}});
  ASSERT_TRUE(m.AddProcess(p.pid()));
  EXPECT_EQ(p.Run(), (std::vector<int>{0, EPERM}));
}

TEST_F(CgroupV2DevicesTest, VerifierRejectionCarriesTheLog) {
  cg::Manager& m = NewCgroup();
  cg::DeviceFilter bad;
  bpf_insn i;
  std::memset(&i, 0, sizeof i);
  i.code = BPF_ALU64 | BPF_MOV | BPF_X;  // r0 = r6: r6 was never written
  i.dst_reg = 0;
  i.src_reg = 6;
  bad.insns.push_back(i);
  std::memset(&i, 0, sizeof i);
  i.code = BPF_JMP | BPF_EXIT;
  bad.insns.push_back(i);
  auto r = cg::AttachDeviceFilter(Dir(m), bad);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), ::testing::HasSubstr("bpf(BPF_PROG_LOAD) of 2 instructions rejected"));
  EXPECT_THAT(r.error().message(), ::testing::HasSubstr("verifier log:"));
  EXPECT_THAT(r.error().message(), ::testing::HasSubstr("R6 !read_ok"));
  EXPECT_TRUE(cg::QueryDeviceFilters(Dir(m))->empty());
}

TEST_F(CgroupV2DevicesTest, LargeRuleSetsPassTheVerifier) {
  // 1000 exceptions: ~13000 instructions, past the 4096 an unprivileged
  // program may have, and past what the verifier accepts when registers
  // carry facts from block to block (devices_bpf.h).
  std::vector<Rule> rules = {kDenyAll};
  for (int i = 0; i < 1000; ++i) rules.push_back(Allow(i % 2 ? "c" : "b", 300 + i, i, i % 3 ? "rw" : "r"));
  rules.push_back(Allow("c", 1, 3, "rw"));
  cg::Manager& m = NewCgroup();
  Apply(m, rules);
  Prober p(nodes_, {{"null", O_RDWR}, {"zero", O_RDONLY}});
  ASSERT_TRUE(m.AddProcess(p.pid()));
  EXPECT_EQ(p.Run(), (std::vector<int>{0, EPERM}));
}

TEST_F(CgroupV2DevicesTest, BadRulesAttachNothing) {
  cg::Manager& m = NewCgroup();
  inclavare::oci::LinuxResources r;
  r.devices = {kDenyAll, Allow("c", 1, std::nullopt, "rw"), Deny("c", 1, 3, "w")};
  auto applied = m.Apply(r);
  ASSERT_FALSE(applied);
  EXPECT_THAT(applied.error().message(), ::testing::HasSubstr("cannot punch a hole"));
  EXPECT_TRUE(cg::QueryDeviceFilters(Dir(m))->empty());
}

// The v1 devices controller of this hybrid host as the oracle: the same rule
// list written to a v1 devices cgroup and compiled into a v2 program gives
// the same errno for every probe. (A prober in the v1 cgroup stays in the
// root v2 cgroup and vice versa, so only one mechanism decides each time.)
TEST_F(CgroupV2DevicesTest, SameDecisionsAsTheV1Kernel) {
  const std::string v1_root = "/sys/fs/cgroup/devices";
  if (IsCgroup2("/sys/fs/cgroup") || !Exists(v1_root + "/devices.allow"))
    GTEST_SKIP() << "needs the cgroup v1 devices controller (hybrid host)";
  const std::vector<std::vector<Rule>> rule_sets = {
      // The default spec's rules.
      [] {
        std::vector<Rule> r = {kDenyAll};
        for (auto& d : cg::DefaultAllowedDevices()) r.push_back(d);
        return r;
      }(),
      {kDenyAll, Allow("c", 1, std::nullopt, "r"), Allow("c", 1, 5, "w"),
       Allow("b", std::nullopt, std::nullopt, "m")},
      {kDenyAll, Allow("c", 1, 3, "rwm"), Deny("c", 1, 3, "w"), Allow("c", 240, 1, "rw"),
       Allow("c", 240, 0, "m")},
      {kDenyAll, Allow("c", std::nullopt, 0, "rw"), Allow("c", 240, std::nullopt, "r"),
       Allow("b", 240, 0, "rw")},
      // Deny lists, including an O_RDWR open against a "w" entry.
      {kAllowAll, Deny("c", 1, 3, "w"), Deny("b", 240, std::nullopt, "rwm")},
      {kAllowAll, Deny("c", std::nullopt, 5, "r"), Deny("c", std::nullopt, std::nullopt, "m"),
       Deny("c", 1, 3, "w"), Allow("c", 1, 3, "w")},
      {kAllowAll, Deny("c", 240, 1, "rw"), kDenyAll, Allow("c", 240, 1, "w")},
  };
  std::vector<Probe> probes = StandardProbes();
  for (size_t i = 0; i < rule_sets.size(); ++i) {
    const auto& rules = rule_sets[i];
    // v1: one write per rule, in order.
    std::string dir = v1_root + "/ic-devbpf-v1-" + std::to_string(::getpid()) + "-" + std::to_string(i);
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << dir << ": " << strerror(errno);
    for (size_t k = 0; k < rules.size(); ++k) {
      const Rule& r = rules[k];
      std::string type = r.type.value_or("a");
      std::string line = type == "a" ? "a"
                                     : type + " " + (r.major ? std::to_string(*r.major) : "*") + ":" +
                                           (r.minor ? std::to_string(*r.minor) : "*") + " " +
                                           r.access.value_or("rwm");
      WriteFile(dir + (r.allow ? "/devices.allow" : "/devices.deny"), line);
    }
    std::vector<int> v1;
    {
      Prober p(nodes_, probes);
      WriteFile(dir + "/cgroup.procs", std::to_string(p.pid()));
      v1 = p.Run();
    }
    for (int k = 0; k < 50 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++k) ::usleep(20000);

    cg::Manager& m = NewCgroup();
    Apply(m, rules);
    Prober p(nodes_, probes);
    ASSERT_TRUE(m.AddProcess(p.pid()));
    std::vector<int> v2 = p.Run();
    EXPECT_EQ(v2, v1) << "rule set " << i << "\n v1: " << Describe(probes, v1)
                      << "\n v2: " << Describe(probes, v2);
    // Every rule set allows something and denies something.
    EXPECT_NE(std::count(v2.begin(), v2.end(), EPERM), 0) << "rule set " << i;
    EXPECT_NE(std::count(v2.begin(), v2.end(), EPERM), static_cast<long>(v2.size())) << "rule set " << i;
  }
}

// ---------------------------------------------------------------------------
// End to end: rune on a pure-v2 view of this host. The test process enters a
// private mount namespace with cgroup2 mounted over /sys/fs/cgroup; the
// runtime it spawns inherits it. Device nodes are made in the rootfs
// (c 240:0, c 240:1: no driver, so ENXIO when allowed, EPERM when denied).

class V2ViewTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    if (IsCgroup2("/sys/fs/cgroup")) return;  // already a pure-v2 host
    if (!IsCgroup2(kUnified)) GTEST_SKIP() << "needs cgroup2 at /sys/fs/cgroup or " << kUnified;
    old_ns_ = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(old_ns_, 0) << strerror(errno);
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << strerror(errno);
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0) << strerror(errno);
    ASSERT_EQ(::mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), 0)
        << strerror(errno);
    ASSERT_TRUE(IsCgroup2("/sys/fs/cgroup"));
  }
  void TearDown() override {
    // Delete the containers in the v2 view (their saved cgroup paths are
    // /sys/fs/cgroup/<id>), then return to the host's namespace.
    IntegrationTest::TearDown();
    if (old_ns_ >= 0) {
      EXPECT_EQ(::setns(old_ns_, CLONE_NEWNS), 0) << strerror(errno);
      ::close(old_ns_);
      for (const std::string& id : ids_) ::rmdir((std::string(kUnified) + "/" + id).c_str());
    }
  }
  std::string NewId() {
    std::string id = IntegrationTest::NewId("v2");
    ids_.push_back(id);
    return id;
  }
  // A bundle whose rootfs holds /testdev/{c240_0,c240_1}.
  Bundle DevBundle() {
    Bundle b = NewBundle();
    std::string d = b.rootfs + "/testdev";
    std::filesystem::create_directories(d);
    EXPECT_EQ(::mknod((d + "/c240_0").c_str(), S_IFCHR | 0666, makedev(240, 0)), 0) << strerror(errno);
    EXPECT_EQ(::mknod((d + "/c240_1").c_str(), S_IFCHR | 0666, makedev(240, 1)), 0) << strerror(errno);
    return b;
  }
  // Runs test_init open and returns path:mode -> errno.
  std::map<std::string, int> Opens(Bundle& b, const std::vector<std::string>& what) {
    std::vector<std::string> args = {"/test_init", "open"};
    args.insert(args.end(), what.begin(), what.end());
    b.SetArgs(args);
    std::string id = NewId();
    ProcResult r = RunContainer(rt(), b, id);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::map<std::string, int> out;
    json j = ParseJson(r.out);
    if (j.is_object() && j.contains("opens")) {
      for (const json& o : j["opens"])
        out[o["path"].get<std::string>() + ":" + o["mode"].get<std::string>()] = o["errno"];
    }
    return out;
  }

  int old_ns_ = -1;
  std::vector<std::string> ids_;
};

TEST_F(V2ViewTest, SpecRulesAllowAndDeny) {
  Bundle b = DevBundle();
  // The default spec denies everything, the runtime appends the default
  // devices (/dev/full among them); the spec allows c 240:1 for reading.
  b.spec["linux"]["resources"]["devices"] =
      json::array({{{"allow", false}, {"access", "rwm"}},
                   {{"allow", true}, {"type", "c"}, {"major", 240}, {"minor", 1}, {"access", "r"}}});
  auto got = Opens(
      b, {"/dev/full:rw", "/dev/null:rw", "/testdev/c240_1:r", "/testdev/c240_1:w", "/testdev/c240_0:r"});
  EXPECT_EQ(got, (std::map<std::string, int>{{"/dev/full:rw", 0},
                                             {"/dev/null:rw", 0},
                                             {"/testdev/c240_1:r", ENXIO},
                                             {"/testdev/c240_1:w", EPERM},
                                             {"/testdev/c240_0:r", EPERM}}));
}

TEST_F(V2ViewTest, NoDenyAllRuleStillDenies) {
  // runc's emulator starts from deny-all on v2 (a v1 cgroup would inherit
  // its parent's allow-all): without rules only the defaults are allowed.
  Bundle b = DevBundle();
  b.spec["linux"]["resources"]["devices"] = json::array();
  auto got = Opens(b, {"/dev/zero:r", "/testdev/c240_0:r"});
  EXPECT_EQ(got, (std::map<std::string, int>{{"/dev/zero:r", 0}, {"/testdev/c240_0:r", EPERM}}));
}

TEST_F(V2ViewTest, AllowAllThenDeny) {
  Bundle b = DevBundle();
  b.spec["linux"]["resources"]["devices"] =
      json::array({{{"allow", true}, {"access", "rwm"}},
                   {{"allow", false}, {"type", "c"}, {"major", 240}, {"minor", 0}, {"access", "w"}}});
  auto got = Opens(b, {"/testdev/c240_0:r", "/testdev/c240_0:w", "/testdev/c240_0:rw", "/testdev/c240_1:rw"});
  EXPECT_EQ(got["/testdev/c240_0:r"], ENXIO);
  EXPECT_EQ(got["/testdev/c240_0:w"], EPERM);
  EXPECT_EQ(got["/testdev/c240_1:rw"], ENXIO);
  // O_RDWR asks for r and w at once; v1 denies it on the "w" entry, and so
  // does rune. runc 1.1.5's program requires every requested bit in a deny
  // entry and lets it through (a runc deviation from v1).
  if (UnderTestIsRunc()) {
    EXPECT_EQ(got["/testdev/c240_0:rw"], ENXIO);
  } else {
    EXPECT_EQ(got["/testdev/c240_0:rw"], EPERM);
  }
}

TEST_F(V2ViewTest, LinuxDevicesAreAllowed) {
  // rune creates linux.devices entries in /dev and allows them rwm (on v1
  // too, see container_create.cc). runc 1.1.5 gives their rules no access
  // bits, so without a matching linux.resources.devices rule they stay
  // denied (EPERM), on v1 and v2 alike.
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc does not allow linux.devices entries by itself";
  Bundle b = DevBundle();
  b.spec["linux"]["devices"] = json::array({{{"path", "/dev/nodrv"},
                                             {"type", "c"},
                                             {"major", 240},
                                             {"minor", 0},
                                             {"fileMode", 0666},
                                             {"uid", 0},
                                             {"gid", 0}}});
  auto got = Opens(b, {"/dev/nodrv:rw", "/testdev/c240_0:rw", "/testdev/c240_1:r"});
  EXPECT_EQ(got, (std::map<std::string, int>{
                     {"/dev/nodrv:rw", ENXIO}, {"/testdev/c240_0:rw", ENXIO}, {"/testdev/c240_1:r", EPERM}}));
}

TEST_F(V2ViewTest, ExecProcessesAreFiltered) {
  Bundle b = DevBundle();
  b.SetArgs({"/test_init", "sleep", "30"});
  std::string id = NewId();
  ProcResult r = RunContainer(rt(), b, id, {"-d"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ProcResult e = rt().Run({"exec", id, "/test_init", "open", "/dev/null:rw", "/testdev/c240_0:r"});
  ASSERT_EQ(e.exit_code, 0) << e.Describe();
  json j = ParseJson(e.out);
  ASSERT_TRUE(j.contains("opens")) << e.Describe();
  EXPECT_EQ(j["opens"][0]["errno"], 0);
  EXPECT_EQ(j["opens"][1]["errno"], EPERM);
  // The container's cgroup carries the program.
  if (!UnderTestIsRunc()) {
    auto ids = cg::QueryDeviceFilters("/sys/fs/cgroup/" + id);
    ASSERT_TRUE(ids) << ids.error().ToString();
    EXPECT_EQ(ids->size(), 1u);
  }
}

TEST_F(V2ViewTest, InvalidRuleFailsCreateCleanly) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "rune's validation message";
  Bundle b = DevBundle();
  b.spec["linux"]["resources"]["devices"] =
      json::array({{{"allow", false}, {"access", "rwm"}},
                   {{"allow", true}, {"type", "c"}, {"major", 240}, {"access", "rw"}},
                   {{"allow", false}, {"type", "c"}, {"major", 240}, {"minor", 1}, {"access", "w"}}});
  std::string id = NewId();
  ProcResult r = RunContainer(rt(), b, id);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("linux.resources.devices[2]"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("cannot punch a hole"), std::string::npos) << r.Describe();
  EXPECT_FALSE(Exists("/sys/fs/cgroup/" + id));
  EXPECT_FALSE(Exists(rt().root + "/" + id));
}

}  // namespace
}  // namespace itest
