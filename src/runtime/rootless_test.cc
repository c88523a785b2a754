// Rootless cgroup decisions (runtime/rootless.h) against a scripted manager;
// no root and no real cgroups needed.
#include "runtime/rootless.h"

#include <gtest/gtest.h>

namespace inclavare::runtime {
namespace {

// Records calls; Create() fails with the given error (or succeeds).
class FakeManager : public cgroup::Manager {
 public:
  struct Log {
    int destroyed = 0;
    std::vector<oci::LinuxResources> applied;
  };
  FakeManager(std::optional<Error> create_error, Log* log) : create_error_(std::move(create_error)), log_(log) {
    paths_["memory"] = "/sys/fs/cgroup/memory/c1";
  }
  bool IsUnified() const override { return false; }
  Result<> Create() override {
    if (create_error_) return *create_error_;
    return {};
  }
  Result<> Apply(const oci::LinuxResources& r) override {
    log_->applied.push_back(r);
    return {};
  }
  Result<> AddProcess(pid_t) override { return {}; }
  Result<> Freeze() override { return {}; }
  Result<> Thaw() override { return {}; }
  Result<cgroup::FreezerState> GetFreezerState() override { return cgroup::FreezerState::kThawed; }
  Result<std::vector<pid_t>> GetPids() override { return std::vector<pid_t>{}; }
  Result<std::vector<pid_t>> GetAllPids() override { return std::vector<pid_t>{}; }
  Result<> KillAll(int) override { return {}; }
  Result<> Destroy() override {
    ++log_->destroyed;
    return {};
  }
  const cgroup::Paths& GetPaths() const override { return paths_; }
  Result<UniqueFd> OpenCgroupDir() override { return Unimplemented("fake"); }
  Result<cgroup::Stats> GetStats() override { return Unimplemented("fake"); }

 private:
  std::optional<Error> create_error_;
  Log* log_;
  cgroup::Paths paths_;
};

Error Denied() { return Error(ErrorCode::kPermissionDenied, "create cgroup /sys/fs/cgroup/memory/c1", EACCES); }

oci::LinuxResources DevicesOnly() {
  oci::LinuxResources r;
  r.devices = {oci::LinuxDeviceCgroup{.allow = false, .access = "rwm"}};
  return r;
}

TEST(HasCgroupLimits, DevicesAndEmptySectionsAreNoLimits) {
  EXPECT_FALSE(HasCgroupLimits(oci::LinuxResources{}));
  EXPECT_FALSE(HasCgroupLimits(DevicesOnly()));
  oci::LinuxResources empty_memory;
  empty_memory.memory = oci::LinuxMemory{};
  EXPECT_FALSE(HasCgroupLimits(empty_memory));
  oci::LinuxResources pids;
  pids.pids = oci::LinuxPids{.limit = 10};
  EXPECT_TRUE(HasCgroupLimits(pids));
  oci::LinuxResources unified;
  unified.unified["memory.max"] = "1G";
  EXPECT_TRUE(HasCgroupLimits(unified));
}

TEST(CreateRootlessCgroup, NoPermissionAndNoLimitsRunsWithoutCgroup) {
  FakeManager::Log log;
  auto cg = CreateRootlessCgroup(std::make_unique<FakeManager>(Denied(), &log), "", DevicesOnly());
  ASSERT_TRUE(cg) << cg.error().ToString();
  EXPECT_EQ(log.destroyed, 1);  // partial directories removed
  EXPECT_TRUE((*cg)->GetPaths().empty());
  EXPECT_TRUE((*cg)->Apply(DevicesOnly()));
  EXPECT_TRUE((*cg)->AddProcess(1));
  auto frozen = (*cg)->Freeze();
  ASSERT_FALSE(frozen);
  EXPECT_NE(frozen.error().ToString().find("without a cgroup"), std::string::npos);
  oci::LinuxResources pids;
  pids.pids = oci::LinuxPids{.limit = 10};
  EXPECT_FALSE((*cg)->Apply(pids));
}

TEST(CreateRootlessCgroup, NoPermissionWithLimitsFailsNamingThem) {
  FakeManager::Log log;
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 1 << 20};
  auto cg = CreateRootlessCgroup(std::make_unique<FakeManager>(Denied(), &log), "", r);
  ASSERT_FALSE(cg);
  EXPECT_EQ(cg.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(cg.error().ToString().find("linux.resources"), std::string::npos) << cg.error().ToString();
}

TEST(CreateRootlessCgroup, NoPermissionWithCgroupsPathFails) {
  FakeManager::Log log;
  auto cg = CreateRootlessCgroup(std::make_unique<FakeManager>(Denied(), &log), "/mine/c1", DevicesOnly());
  ASSERT_FALSE(cg);
  EXPECT_NE(cg.error().ToString().find("/mine/c1"), std::string::npos) << cg.error().ToString();
}

TEST(CreateRootlessCgroup, OtherErrorsAreNotIgnored) {
  FakeManager::Log log;
  auto cg = CreateRootlessCgroup(
      std::make_unique<FakeManager>(Error(ErrorCode::kFailedPrecondition, "no such hierarchy"), &log), "",
      DevicesOnly());
  ASSERT_FALSE(cg);
  EXPECT_EQ(cg.error().code(), ErrorCode::kFailedPrecondition);
}

TEST(CreateRootlessCgroup, DelegatedCgroupIsUsedWithoutDeviceRules) {
  FakeManager::Log log;
  auto cg = CreateRootlessCgroup(std::make_unique<FakeManager>(std::nullopt, &log), "", DevicesOnly());
  ASSERT_TRUE(cg) << cg.error().ToString();
  EXPECT_EQ((*cg)->GetPaths().size(), 1u);
  oci::LinuxResources r = DevicesOnly();
  r.pids = oci::LinuxPids{.limit = 10};
  ASSERT_TRUE((*cg)->Apply(r));
  ASSERT_EQ(log.applied.size(), 1u);
  EXPECT_TRUE(log.applied[0].devices.empty());
  EXPECT_EQ(log.applied[0].pids, r.pids);
  EXPECT_EQ(log.destroyed, 0);
}

}  // namespace
}  // namespace inclavare::runtime
