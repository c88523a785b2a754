// Statistics and OOM watching on this host's real cgroups (ctest label
// "root"): the kernel's own file formats, not fabricated ones. Each test
// skips itself when not root or when what it needs is missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/cleanup.h"
#include "common/fs.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/oom.h"

namespace inclavare::runtime::cgroup {
namespace {

std::string UniqueName() {
  static std::atomic<int> n{0};
  return "ic-stats-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

// A child that blocks until killed; killed and reaped on destruction.
class Sleeper {
 public:
  Sleeper() {
    pid_ = ::fork();
    if (pid_ == 0) {
      for (;;) ::pause();
    }
  }
  ~Sleeper() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

class StatsRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    auto mode = DetectMode();
    if (!mode) GTEST_SKIP() << "no cgroup root: " << mode.error().ToString();
    mode_ = *mode;
  }
  Mode mode_ = Mode::kLegacy;
};

TEST_F(StatsRootTest, MemoryAndPidsOfAProcess) {
  auto m = NewManager({.cgroups_path = "/" + UniqueName()});
  ASSERT_TRUE(m) << m.error().ToString();
  auto& mgr = *m;
  const Paths& paths = mgr->GetPaths();
  if (!mgr->IsUnified() && (!paths.count("memory") || !paths.count("pids")))
    GTEST_SKIP() << "v1 memory or pids hierarchy missing";
  if (mgr->IsUnified()) {
    auto avail = fs::ReadFile("/sys/fs/cgroup/cgroup.controllers");
    if (!avail || avail->find("memory") == std::string::npos || avail->find("pids") == std::string::npos)
      GTEST_SKIP() << "memory or pids controller missing";
  }
  ASSERT_TRUE(mgr->Create());
  Cleanup destroy([&] { (void)mgr->Destroy(); });
  oci::LinuxResources r;
  r.memory.emplace().limit = 64 << 20;
  r.pids.emplace().limit = 20;
  auto applied = mgr->Apply(r);
  ASSERT_TRUE(applied) << applied.error().ToString();
  {
    Sleeper s;
    ASSERT_TRUE(mgr->AddProcess(s.pid()));
    auto st = mgr->GetStats();
    ASSERT_TRUE(st) << st.error().ToString();
    EXPECT_EQ(st->pids.current, 1u);
    EXPECT_EQ(st->pids.limit, 20u);
    EXPECT_EQ(st->memory.usage.limit, uint64_t{64} << 20);
    EXPECT_FALSE(st->memory.raw.empty());
    // The swap entry is memory+swap on both versions: never below memory.
    EXPECT_GE(st->memory.swap.usage, st->memory.usage.usage);
    auto w = OomWatcher::Open(*mgr);
    ASSERT_TRUE(w) << w.error().ToString();
    auto u = (*w)->Read();
    ASSERT_TRUE(u) << u.error().ToString();
    EXPECT_EQ(u->ooms, 0u);
    EXPECT_FALSE(u->gone);
  }
  auto st = mgr->GetStats();
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_EQ(st->pids.current, 0u);
}

// Hybrid hosts: the cgroup2 side has few controllers, but its generic files
// (cpu.stat, cgroup.procs) are real v2 formats.
TEST_F(StatsRootTest, HybridUnifiedSideWithoutControllers) {
  if (mode_ != Mode::kHybrid) GTEST_SKIP() << "not a hybrid host";
  std::string dir = "/sys/fs/cgroup/unified/" + UniqueName();
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << strerror(errno);
  auto m = LoadManager({{"", dir}});
  ASSERT_TRUE(m) << m.error().ToString();
  Cleanup destroy([&] { (void)(*m)->Destroy(); });
  {
    Sleeper s;
    ASSERT_TRUE((*m)->AddProcess(s.pid()));
    auto st = (*m)->GetStats();
    ASSERT_TRUE(st) << st.error().ToString();
    if (!fs::Exists(dir + "/pids.current")) {
      EXPECT_EQ(st->pids.current, 1u);  // counted from cgroup.procs
    }
    if (!fs::Exists(dir + "/memory.events")) {
      auto w = OomWatcher::Open(**m);
      ASSERT_FALSE(w);
      EXPECT_EQ(w.error().code(), ErrorCode::kFailedPrecondition);
    }
  }
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
