// Real cgroups on this host (ctest label "root"). Each test skips itself when
// not root or when a needed controller is missing, creates a uniquely named
// cgroup (pid + counter, so parallel runs do not collide) and removes it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "common/cleanup.h"
#include "common/fs.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/internal.h"

namespace inclavare::runtime::cgroup {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::string UniqueName() {
  static std::atomic<int> n{0};
  return "ic-cgroup-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

std::string ReadTrim(const std::string& path) {
  auto r = fs::ReadFile(path);
  return r ? internal::Trim(*r) : "<" + r.error().ToString() + ">";
}

// A child that blocks until killed, reaped by the destructor.
class Sleeper {
 public:
  Sleeper() {
    pid_ = ::fork();
    if (pid_ == 0) {
      for (;;) ::pause();
    }
  }
  ~Sleeper() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
  }
  pid_t pid() const { return pid_; }
  int Wait() {
    int status = 0;
    if (pid_ > 0) ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

class CgroupRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    auto mode = DetectMode();
    if (!mode) GTEST_SKIP() << "no cgroup root: " << mode.error().ToString();
    mode_ = *mode;
  }

  // Skips unless every controller is available to the manager.
  bool Have(const Manager& m, std::initializer_list<const char*> controllers) {
    if (m.IsUnified()) {
      auto avail = fs::ReadFile("/sys/fs/cgroup/cgroup.controllers");
      if (!avail) return false;
      for (const char* c : controllers) {
        if (avail->find(c) == std::string::npos) return false;
      }
      return true;
    }
    for (const char* c : controllers) {
      if (!m.GetPaths().count(c)) return false;
    }
    return true;
  }

  Mode mode_ = Mode::kLegacy;
};

TEST_F(CgroupRootTest, LifecycleMemoryCpuPids) {
  auto made = NewManager({.container_id = UniqueName()});
  ASSERT_TRUE(made) << made.error().ToString();
  auto& mgr = *made;
  if (!Have(*mgr, {"memory", "cpu", "pids", "cpuset"}))
    GTEST_SKIP() << "memory, cpu, pids or cpuset controller missing";
  Cleanup cleanup([&] {
    (void)mgr->KillAll(SIGKILL);
    (void)mgr->Destroy();
  });
  std::printf("mode %s, paths:\n", ModeName(mode_));
  for (const auto& [c, d] : mgr->GetPaths()) std::printf("  %s -> %s\n", c.c_str(), d.c_str());

  ASSERT_TRUE(mgr->Create()) << "create";
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 64 << 20, .reservation = 32 << 20};
  r.cpu = oci::LinuxCpu{.shares = 512, .quota = 50000, .period = 100000, .cpus = "0", .mems = "0"};
  r.pids = oci::LinuxPids{64};
  auto applied = mgr->Apply(r);
  ASSERT_TRUE(applied) << applied.error().ToString();

  Sleeper child;
  ASSERT_GT(child.pid(), 0);
  auto added = mgr->AddProcess(child.pid());
  ASSERT_TRUE(added) << added.error().ToString();

  const Paths& p = mgr->GetPaths();
  if (mgr->IsUnified()) {
    const std::string& d = p.at("");
    EXPECT_EQ(ReadTrim(d + "/memory.max"), "67108864");
    EXPECT_EQ(ReadTrim(d + "/memory.low"), "33554432");
    EXPECT_EQ(ReadTrim(d + "/cpu.max"), "50000 100000");
    EXPECT_EQ(ReadTrim(d + "/cpu.weight"), std::to_string(ConvertCpuSharesToWeight(512)));
    EXPECT_EQ(ReadTrim(d + "/pids.max"), "64");
    EXPECT_EQ(ReadTrim(d + "/cpuset.cpus"), "0");
  } else {
    EXPECT_EQ(ReadTrim(p.at("memory") + "/memory.limit_in_bytes"), "67108864");
    EXPECT_EQ(ReadTrim(p.at("memory") + "/memory.soft_limit_in_bytes"), "33554432");
    EXPECT_EQ(ReadTrim(p.at("cpu") + "/cpu.shares"), "512");
    EXPECT_EQ(ReadTrim(p.at("cpu") + "/cpu.cfs_quota_us"), "50000");
    EXPECT_EQ(ReadTrim(p.at("cpu") + "/cpu.cfs_period_us"), "100000");
    EXPECT_EQ(ReadTrim(p.at("pids") + "/pids.max"), "64");
    EXPECT_EQ(ReadTrim(p.at("cpuset") + "/cpuset.cpus"), "0");
    EXPECT_EQ(ReadTrim(p.at("cpuset") + "/cpuset.mems"), "0");
    // The child is in every hierarchy.
    std::string pid = std::to_string(child.pid());
    for (const auto& [c, d] : p) EXPECT_THAT(ReadTrim(d + "/cgroup.procs"), HasSubstr(pid)) << c;
  }
  auto own = fs::ReadFile("/proc/" + std::to_string(child.pid()) + "/cgroup");
  ASSERT_TRUE(own);
  EXPECT_THAT(*own, HasSubstr(p.begin()->second.substr(p.begin()->second.find_last_of('/'))));

  auto pids = mgr->GetPids();
  ASSERT_TRUE(pids);
  EXPECT_THAT(*pids, Contains(child.pid()));

  // Freeze / thaw when the host has a freezer.
  auto state = mgr->GetFreezerState();
  ASSERT_TRUE(state);
  if (*state != FreezerState::kUndefined) {
    auto frozen = mgr->Freeze();
    ASSERT_TRUE(frozen) << frozen.error().ToString();
    EXPECT_EQ(*mgr->GetFreezerState(), FreezerState::kFrozen);
    ASSERT_TRUE(mgr->Thaw());
    EXPECT_EQ(*mgr->GetFreezerState(), FreezerState::kThawed);
  }

  // A re-opened manager (as `rune kill`/`delete` would) kills and removes.
  auto loaded = LoadManager(p);
  ASSERT_TRUE(loaded);
  ASSERT_TRUE((*loaded)->KillAll(SIGKILL));
  int status = child.Wait();
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto destroyed = (*loaded)->Destroy();
  ASSERT_TRUE(destroyed) << destroyed.error().ToString();
  for (const auto& [c, d] : p) EXPECT_FALSE(fs::Exists(d)) << c << " left behind: " << d;
  ASSERT_TRUE(mgr->Destroy());  // idempotent
}

TEST_F(CgroupRootTest, SwapAndLimitsRoundTrip) {
  auto made = NewManager({.container_id = UniqueName()});
  ASSERT_TRUE(made);
  auto& mgr = *made;
  if (mgr->IsUnified() || !Have(*mgr, {"memory"})) GTEST_SKIP() << "v1 memory only";
  if (!fs::Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) GTEST_SKIP() << "no swap accounting";
  Cleanup cleanup([&] { (void)mgr->Destroy(); });
  ASSERT_TRUE(mgr->Create());
  const std::string& d = mgr->GetPaths().at("memory");
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 16 << 20, .swap = 32 << 20, .swappiness = 10};
  auto applied = mgr->Apply(r);
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_EQ(ReadTrim(d + "/memory.limit_in_bytes"), "16777216");
  EXPECT_EQ(ReadTrim(d + "/memory.memsw.limit_in_bytes"), "33554432");
  // Raise both above the current memsw: memsw must be written first.
  r.memory = oci::LinuxMemory{.limit = 64 << 20, .swap = 128 << 20};
  applied = mgr->Apply(r);
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_EQ(ReadTrim(d + "/memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(ReadTrim(d + "/memory.memsw.limit_in_bytes"), "134217728");
  // And lower both again: memory first.
  r.memory = oci::LinuxMemory{.limit = 8 << 20, .swap = 8 << 20};
  applied = mgr->Apply(r);
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_EQ(ReadTrim(d + "/memory.memsw.limit_in_bytes"), "8388608");
  r.memory = oci::LinuxMemory{.limit = -1};
  ASSERT_TRUE(mgr->Apply(r));
  EXPECT_EQ(ReadTrim(d + "/memory.limit_in_bytes"), ReadTrim("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
  ASSERT_TRUE(mgr->Destroy());
  EXPECT_FALSE(fs::Exists(d));
}

TEST_F(CgroupRootTest, V1DeviceRules) {
  auto made = NewManager({.container_id = UniqueName()});
  ASSERT_TRUE(made);
  auto& mgr = *made;
  if (mgr->IsUnified() || !Have(*mgr, {"devices"})) GTEST_SKIP() << "v1 devices only";
  Cleanup cleanup([&] { (void)mgr->Destroy(); });
  ASSERT_TRUE(mgr->Create());
  oci::LinuxResources r;
  r.devices = {{false, std::nullopt, std::nullopt, std::nullopt, "rwm"}};
  auto defaults = DefaultAllowedDevices();
  r.devices.insert(r.devices.end(), defaults.begin(), defaults.end());
  auto applied = mgr->Apply(r);
  ASSERT_TRUE(applied) << applied.error().ToString();
  std::string list = ReadTrim(mgr->GetPaths().at("devices") + "/devices.list");
  EXPECT_THAT(list, HasSubstr("c 1:3 rwm"));
  EXPECT_THAT(list, HasSubstr("c 136:* rwm"));
  EXPECT_THAT(list, HasSubstr("b *:* m"));
  EXPECT_THAT(list, ::testing::Not(HasSubstr("a *:* rwm")));
}

TEST_F(CgroupRootTest, NestedPathAndSubCgroupsAreRemoved) {
  std::string name = UniqueName();
  auto made = NewManager({.cgroups_path = "/" + name + "/inner/c"});
  ASSERT_TRUE(made);
  auto& mgr = *made;
  if (!Have(*mgr, {"pids"})) GTEST_SKIP() << "no pids controller";
  Cleanup cleanup([&] {
    (void)mgr->Destroy();
    for (const auto& [c, d] : mgr->GetPaths()) {
      std::string top = d.substr(0, d.find(name) + name.size());
      (void)::rmdir((top + "/inner").c_str());
      (void)::rmdir(top.c_str());
    }
  });
  auto created = mgr->Create();
  ASSERT_TRUE(created) << created.error().ToString();
  // A sub-cgroup made by the container (e.g. systemd inside it).
  for (const auto& [c, d] : mgr->GetPaths()) (void)::mkdir((d + "/sub").c_str(), 0755);
  Sleeper child;
  ASSERT_TRUE(mgr->AddProcess(child.pid()));
  ASSERT_TRUE(mgr->KillAll(SIGKILL));
  child.Wait();
  auto destroyed = mgr->Destroy();
  ASSERT_TRUE(destroyed) << destroyed.error().ToString();
  for (const auto& [c, d] : mgr->GetPaths()) EXPECT_FALSE(fs::Exists(d)) << d;
}

TEST_F(CgroupRootTest, RootlessCreateIsPermissionDenied) {
  // A child drops to nobody and tries; the error must be kPermissionDenied
  // with a message the caller can show.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    auto made = NewManager({.container_id = UniqueName()});
    if (!made) ::_exit(3);
    auto r = (*made)->Create();
    if (r) {
      (void)(*made)->Destroy();
      ::_exit(4);
    }
    bool ok = r.error().code() == ErrorCode::kPermissionDenied &&
              r.error().message().find("rootless") != std::string::npos;
    ::_exit(ok ? 0 : 5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(CgroupRootTest, CreateApplyIsCheap) {
  // Not a benchmark: a guard against accidental O(n) scans or sleeps.
  constexpr int kRounds = 20;
  int64_t start = internal::NowMicros();
  for (int i = 0; i < kRounds; ++i) {
    auto made = NewManager({.container_id = UniqueName()});
    ASSERT_TRUE(made);
    ASSERT_TRUE((*made)->Create());
    oci::LinuxResources r;
    r.pids = oci::LinuxPids{100};
    ASSERT_TRUE((*made)->Apply(r));
    ASSERT_TRUE((*made)->Destroy());
  }
  int64_t per = (internal::NowMicros() - start) / kRounds;
  std::printf("new+create+apply+destroy: %lld us per container\n", static_cast<long long>(per));
  EXPECT_LT(per, 50000);
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
