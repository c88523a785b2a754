// cgroup v1 manager against a fake hybrid tree (see fake_cgroup_fs.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/fake_cgroup_fs.h"

namespace inclavare::runtime::cgroup {
namespace {

using ::testing::ElementsAre;
using testing::FakeCgroupTree;
using ::testing::HasSubstr;

class CgroupV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = FakeCgroupTree::V1();
    auto m = NewManager({.container_id = "c1"}, tree_->options());
    ASSERT_TRUE(m) << m.error().ToString();
    mgr_ = std::move(*m);
    auto created = mgr_->Create();
    ASSERT_TRUE(created) << created.error().ToString();
    tree_->fs.writes.clear();
  }

  std::string Read(const std::string& rel) { return tree_->Read(rel); }
  Error ApplyError(const oci::LinuxResources& r) {
    auto res = mgr_->Apply(r);
    EXPECT_FALSE(res);
    return res ? Error(ErrorCode::kInternal, "no error") : res.error();
  }
  void ExpectApply(const oci::LinuxResources& r) {
    auto res = mgr_->Apply(r);
    ASSERT_TRUE(res) << res.error().ToString();
  }

  std::unique_ptr<FakeCgroupTree> tree_;
  std::unique_ptr<Manager> mgr_;
};

TEST_F(CgroupV1Test, CreateMakesEveryHierarchyAndInitsCpuset) {
  for (const char* h : {"cpu,cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb",
                        "net_cls,net_prio", "rdma", "systemd"})
    EXPECT_TRUE(tree_->Exists(std::string(h) + "/c1")) << h;
  EXPECT_FALSE(tree_->Exists("unified/c1"));  // hybrid: unified not joined
  EXPECT_EQ(Read("cpuset/c1/cpuset.cpus"), "0-1");
  EXPECT_EQ(Read("cpuset/c1/cpuset.mems"), "0");
  // Idempotent.
  ASSERT_TRUE(mgr_->Create());
}

TEST_F(CgroupV1Test, NestedCpusetLevelsInheritParent) {
  auto m = NewManager({.cgroups_path = "/a/b/c2"}, tree_->options());
  ASSERT_TRUE(m);
  ASSERT_TRUE((*m)->Create());
  for (const char* d : {"cpuset/a", "cpuset/a/b", "cpuset/a/b/c2"}) {
    EXPECT_EQ(Read(std::string(d) + "/cpuset.cpus"), "0-1") << d;
    EXPECT_EQ(Read(std::string(d) + "/cpuset.mems"), "0") << d;
  }
  EXPECT_TRUE(tree_->Exists("memory/a/b/c2"));
}

TEST_F(CgroupV1Test, CreatePermissionDenied) {
  auto m = NewManager({.container_id = "c2"}, tree_->options());
  ASSERT_TRUE(m);
  tree_->fs.mkdir_faults.push_back({"/c2", EACCES, 100});
  auto r = (*m)->Create();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(r.error().sys_errno(), EACCES);
  EXPECT_THAT(r.error().message(), HasSubstr("rootless"));
}

TEST_F(CgroupV1Test, MemoryLimits) {
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 1048576,
                              .reservation = 524288,
                              .swap = 2097152,
                              .kernel = 4096,  // deprecated: ignored with a warning
                              .kernel_tcp = 65536,
                              .swappiness = 10,
                              .disable_oom_killer = true,
                              .use_hierarchy = true};
  ExpectApply(r);
  EXPECT_EQ(Read("memory/c1/memory.limit_in_bytes"), "1048576");
  EXPECT_EQ(Read("memory/c1/memory.memsw.limit_in_bytes"), "2097152");
  EXPECT_EQ(Read("memory/c1/memory.soft_limit_in_bytes"), "524288");
  EXPECT_EQ(Read("memory/c1/memory.kmem.tcp.limit_in_bytes"), "65536");
  EXPECT_EQ(Read("memory/c1/memory.swappiness"), "10");
  EXPECT_EQ(Read("memory/c1/memory.oom_control"), "1");
  EXPECT_EQ(Read("memory/c1/memory.use_hierarchy"), "1");
  EXPECT_FALSE(tree_->Exists("memory/c1/memory.kmem.limit_in_bytes"));
  // Fresh cgroup (limit = max): memory first, then memory+swap.
  ASSERT_GE(tree_->fs.writes.size(), 2u);
  EXPECT_THAT(tree_->fs.writes[0].first, HasSubstr("memory.limit_in_bytes"));
  EXPECT_THAT(tree_->fs.writes[1].first, HasSubstr("memory.memsw.limit_in_bytes"));
}

TEST_F(CgroupV1Test, MemorySwapFirstWhenRaising) {
  tree_->Write("memory/c1/memory.limit_in_bytes", "1048576\n");
  tree_->Write("memory/c1/memory.memsw.limit_in_bytes", "1048576\n");
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 4194304, .swap = 8388608};
  ExpectApply(r);
  EXPECT_THAT(tree_->fs.WritesTo("limit_in_bytes"), ElementsAre("8388608", "4194304"));
}

TEST_F(CgroupV1Test, MemoryUnlimited) {
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = -1};
  ExpectApply(r);
  EXPECT_EQ(Read("memory/c1/memory.limit_in_bytes"), "-1");
  EXPECT_EQ(Read("memory/c1/memory.memsw.limit_in_bytes"), "-1");  // implied
  // Without swap accounting the implied -1 is skipped.
  tree_->Remove("memory/c1/memory.memsw.limit_in_bytes");
  ExpectApply(r);
}

TEST_F(CgroupV1Test, MemoryZeroMeansUnset) {
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 0, .reservation = 0, .swap = 0};
  ExpectApply(r);
  EXPECT_TRUE(tree_->fs.writes.empty());
}

TEST_F(CgroupV1Test, MemoryErrors) {
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 2097152, .swap = 1048576};
  Error e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("linux.resources.memory.swap"));

  r.memory = oci::LinuxMemory{.swappiness = 101};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.memory.swappiness"));

  // No swap accounting: an explicit swap limit is an error naming the file.
  tree_->Remove("memory/c1/memory.memsw.limit_in_bytes");
  r.memory = oci::LinuxMemory{.limit = 1048576, .swap = 2097152};
  e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message(), HasSubstr("linux.resources.memory.swap: "));
  EXPECT_THAT(e.message(), HasSubstr(tree_->Path("memory/c1/memory.memsw.limit_in_bytes")));
  EXPECT_THAT(e.message(), HasSubstr("does not exist"));
}

TEST_F(CgroupV1Test, MemoryCheckBeforeUpdate) {
  tree_->Write("memory/c1/memory.usage_in_bytes", "2097152\n");
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 1048576, .check_before_update = true};
  Error e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message(), HasSubstr("below the current usage"));
  r.memory->limit = 4194304;
  ExpectApply(r);
}

TEST_F(CgroupV1Test, MissingFileNamesFieldAndFile) {
  tree_->Remove("memory/c1/memory.swappiness");
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.swappiness = 0};
  Error e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(e.message(), "linux.resources.memory.swappiness: " + tree_->Path("memory/c1/memory.swappiness") +
                             " does not exist (controller or kernel feature not available)");
}

TEST_F(CgroupV1Test, Cpu) {
  oci::LinuxResources r;
  r.cpu = oci::LinuxCpu{.shares = 512,
                        .quota = 50000,
                        .burst = 1000,
                        .period = 100000,
                        .realtime_runtime = 950,
                        .realtime_period = 1000000,
                        .cpus = "1",
                        .mems = "0",
                        .idle = 1};
  ExpectApply(r);
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.shares"), "512");
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.cfs_burst_us"), "1000");
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.rt_period_us"), "1000000");
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.rt_runtime_us"), "950");
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.idle"), "1");
  EXPECT_EQ(Read("cpuset/c1/cpuset.cpus"), "1");
  EXPECT_EQ(Read("cpuset/c1/cpuset.mems"), "0");
  // rt period before rt runtime (a runtime must fit the period).
  EXPECT_THAT(tree_->fs.WritesTo("_us"), ElementsAre("100000", "50000", "1000", "1000000", "950"));
}

TEST_F(CgroupV1Test, CpuQuotaUnlimitedAndErrors) {
  oci::LinuxResources r;
  r.cpu = oci::LinuxCpu{.quota = -1};
  ExpectApply(r);
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.cfs_quota_us"), "-1");
  r.cpu = oci::LinuxCpu{.shares = 1};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.cpu.shares: 1 is not in"));
  r.cpu = oci::LinuxCpu{.shares = 0, .quota = 0, .period = 0};  // runc: 0 = unset
  tree_->fs.writes.clear();
  ExpectApply(r);
  EXPECT_TRUE(tree_->fs.writes.empty());
}

TEST_F(CgroupV1Test, CpuPeriodRetriedAfterQuotaOnEinval) {
  tree_->fs.write_faults.push_back({"cpu.cfs_period_us", EINVAL, 1});
  oci::LinuxResources r;
  r.cpu = oci::LinuxCpu{.quota = 20000, .period = 50000};
  ExpectApply(r);
  EXPECT_THAT(tree_->fs.WritesTo("_us"), ElementsAre("20000", "50000"));
  EXPECT_EQ(Read("cpu,cpuacct/c1/cpu.cfs_period_us"), "50000");
  // Without a quota to write, EINVAL is returned.
  tree_->fs.write_faults.push_back({"cpu.cfs_period_us", EINVAL, 1});
  r.cpu = oci::LinuxCpu{.period = 50000};
  Error e = ApplyError(r);
  EXPECT_EQ(e.sys_errno(), EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("linux.resources.cpu.period: write \"50000\" to "));
}

TEST_F(CgroupV1Test, CpuBurstZeroSkippedWhenUnsupported) {
  tree_->Remove("cpu,cpuacct/c1/cpu.cfs_burst_us");
  oci::LinuxResources r;
  r.cpu = oci::LinuxCpu{.burst = 0};
  ExpectApply(r);
  r.cpu = oci::LinuxCpu{.burst = 10};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.cpu.burst: "));
}

TEST_F(CgroupV1Test, Pids) {
  oci::LinuxResources r;
  r.pids = oci::LinuxPids{100};
  ExpectApply(r);
  EXPECT_EQ(Read("pids/c1/pids.max"), "100");
  r.pids = oci::LinuxPids{0};
  ExpectApply(r);
  EXPECT_EQ(Read("pids/c1/pids.max"), "max");
  r.pids = oci::LinuxPids{-1};
  ExpectApply(r);
  EXPECT_EQ(Read("pids/c1/pids.max"), "max");
}

TEST_F(CgroupV1Test, BlockIo) {
  oci::LinuxResources r;
  r.block_io = oci::LinuxBlockIo{
      .weight = 300,
      .weight_device = {{8, 0, 400, std::nullopt}},
      .throttle_read_bps_device = {{8, 0, 1048576}},
      .throttle_write_bps_device = {{8, 16, 2097152}},
      .throttle_read_iops_device = {{8, 0, 100}},
      .throttle_write_iops_device = {{8, 0, 200}, {8, 16, 300}},
  };
  ExpectApply(r);
  EXPECT_EQ(Read("blkio/c1/blkio.bfq.weight"), "300");
  EXPECT_EQ(Read("blkio/c1/blkio.bfq.weight_device"), "8:0 400");
  EXPECT_EQ(Read("blkio/c1/blkio.throttle.read_bps_device"), "8:0 1048576");
  EXPECT_EQ(Read("blkio/c1/blkio.throttle.write_bps_device"), "8:16 2097152");
  EXPECT_EQ(Read("blkio/c1/blkio.throttle.read_iops_device"), "8:0 100");
  EXPECT_THAT(tree_->fs.WritesTo("blkio.throttle.write_iops_device"), ElementsAre("8:0 200", "8:16 300"));

  // CFQ files on a kernel without BFQ.
  tree_->Remove("blkio/c1/blkio.bfq.weight");
  tree_->Write("blkio/c1/blkio.weight", "500\n");
  r.block_io = oci::LinuxBlockIo{.weight = 700};
  ExpectApply(r);
  EXPECT_EQ(Read("blkio/c1/blkio.weight"), "700");

  r.block_io = oci::LinuxBlockIo{.leaf_weight = 100};
  Error e = ApplyError(r);
  EXPECT_THAT(e.message(), HasSubstr("linux.resources.blockIO.leafWeight: "));
  EXPECT_THAT(e.message(), HasSubstr("blkio.leaf_weight does not exist"));
}

TEST_F(CgroupV1Test, Hugetlb) {
  oci::LinuxResources r;
  r.hugepage_limits = {{"2MB", 4194304}, {"1GB", 0}};
  ExpectApply(r);
  EXPECT_EQ(Read("hugetlb/c1/hugetlb.2MB.limit_in_bytes"), "4194304");
  EXPECT_EQ(Read("hugetlb/c1/hugetlb.2MB.rsvd.limit_in_bytes"), "4194304");
  EXPECT_EQ(Read("hugetlb/c1/hugetlb.1GB.limit_in_bytes"), "0");
  r.hugepage_limits = {{"64KB", 1}};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.hugepageLimits[0]: "));
  r.hugepage_limits = {{"2M", 1}};
  Error e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("hugepageLimits[0].pageSize"));
}

TEST_F(CgroupV1Test, NetworkAndRdma) {
  oci::LinuxResources r;
  r.network = oci::LinuxNetwork{.class_id = 0x100001, .priorities = {{"eth0", 5}, {"lo", 1}}};
  r.rdma = {{"mlx5_1", {3, 10000}}, {"mlx4_0", {std::nullopt, 5}}};
  ExpectApply(r);
  EXPECT_EQ(Read("net_cls,net_prio/c1/net_cls.classid"), "1048577");
  EXPECT_THAT(tree_->fs.WritesTo("net_prio.ifpriomap"), ElementsAre("eth0 5", "lo 1"));
  EXPECT_THAT(tree_->fs.WritesTo("rdma.max"),
              ElementsAre("mlx4_0 hca_object=5", "mlx5_1 hca_handle=3 hca_object=10000"));
}

TEST_F(CgroupV1Test, UnifiedIsAnError) {
  oci::LinuxResources r;
  r.unified = {{"memory.high", "1000"}};
  Error e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("linux.resources.unified: only supported on cgroup v2"));
}

TEST_F(CgroupV1Test, Devices) {
  oci::LinuxResources r;
  r.devices = {{false, std::nullopt, std::nullopt, std::nullopt, "rwm"},
               {true, "c", 1, 3, "rwm"},
               {true, "c", 136, std::nullopt, "rwm"},
               {false, "c", 1, 3, "w"}};
  ExpectApply(r);
  EXPECT_THAT(tree_->fs.WritesTo("devices.deny"), ElementsAre("a", "c 1:3 w"));
  EXPECT_THAT(tree_->fs.WritesTo("devices.allow"), ElementsAre("c 1:3 rwm", "c 136:* rwm"));
  // Order across both files is the rule order.
  std::vector<std::string> all;
  for (const auto& [p, v] : tree_->fs.writes) all.push_back(v);
  EXPECT_THAT(all, ElementsAre("a", "c 1:3 rwm", "c 136:* rwm", "c 1:3 w"));
  r.devices = {{true, "x", 1, 3, "rwm"}};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.devices[0].type"));
}

TEST_F(CgroupV1Test, MissingHierarchyIsAnError) {
  Paths p = mgr_->GetPaths();
  p.erase("hugetlb");
  auto m = LoadManager(p, tree_->options());
  ASSERT_TRUE(m);
  oci::LinuxResources r;
  r.hugepage_limits = {{"2MB", 1}};
  auto res = (*m)->Apply(r);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(res.error().message(),
            "linux.resources.hugepageLimits: the cgroup v1 \"hugetlb\" controller is not "
            "mounted on this host");
}

TEST_F(CgroupV1Test, AddProcessWritesEveryHierarchyOnce) {
  ASSERT_TRUE(mgr_->AddProcess(4242));
  auto w = tree_->fs.WritesTo("cgroup.procs");
  EXPECT_EQ(w.size(), 11u);  // 13 controllers; cpu+cpuacct and net_cls+net_prio share one
  for (const auto& v : w) EXPECT_EQ(v, "4242");
  EXPECT_EQ(Read("systemd/c1/cgroup.procs"), "4242");
  EXPECT_EQ(Read("cpu,cpuacct/c1/cgroup.procs"), "4242");
}

TEST_F(CgroupV1Test, FreezeThawState) {
  EXPECT_EQ(*mgr_->GetFreezerState(), FreezerState::kThawed);
  ASSERT_TRUE(mgr_->Freeze());
  EXPECT_EQ(Read("freezer/c1/freezer.state"), "FROZEN");
  EXPECT_EQ(*mgr_->GetFreezerState(), FreezerState::kFrozen);
  ASSERT_TRUE(mgr_->Thaw());
  EXPECT_EQ(*mgr_->GetFreezerState(), FreezerState::kThawed);

  Paths p = mgr_->GetPaths();
  p.erase("freezer");
  auto m = LoadManager(p, tree_->options());
  EXPECT_EQ(*(*m)->GetFreezerState(), FreezerState::kUndefined);
  EXPECT_EQ((*m)->Freeze().error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(CgroupV1Test, GetPids) {
  tree_->Write("pids/c1/cgroup.procs", "10\n11\n");
  ASSERT_TRUE(tree_->fs.Mkdir(tree_->Path("pids/c1/sub"), 0755));
  tree_->Write("pids/c1/sub/cgroup.procs", "12\n");
  EXPECT_THAT(*mgr_->GetPids(), ElementsAre(10, 11));
  EXPECT_THAT(*mgr_->GetAllPids(), ElementsAre(10, 11, 12));
}

TEST_F(CgroupV1Test, DestroyRemovesEverythingAndIsIdempotent) {
  ASSERT_TRUE(tree_->fs.Mkdir(tree_->Path("memory/c1/child"), 0755));  // made by the container
  ASSERT_TRUE(mgr_->Destroy());
  for (const auto& [c, dir] : mgr_->GetPaths()) EXPECT_FALSE(RealCgroupFs().Exists(dir)) << c;
  EXPECT_TRUE(tree_->Exists("memory"));
  ASSERT_TRUE(mgr_->Destroy());
}

TEST_F(CgroupV1Test, DestroyRetriesBusy) {
  tree_->fs.rmdir_faults.push_back({"memory/c1", EBUSY, 3});
  ASSERT_TRUE(mgr_->Destroy());
  EXPECT_FALSE(tree_->Exists("memory/c1"));
}

TEST_F(CgroupV1Test, DestroyGivesUpOnPersistentBusy) {
  tree_->Write("pids/c1/cgroup.procs", "1\n");
  auto r = mgr_->Destroy();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno(), EBUSY);
  EXPECT_THAT(r.error().message(), HasSubstr("remove cgroup " + tree_->Path("pids/c1")));
  EXPECT_FALSE(tree_->Exists("memory/c1"));  // the others are still removed
}

TEST_F(CgroupV1Test, KillAllSignalsEveryProcessAndThaws) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  tree_->Write("pids/c1/cgroup.procs", std::to_string(child) + "\n");
  ASSERT_TRUE(mgr_->KillAll(SIGKILL));
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_THAT(tree_->fs.WritesTo("freezer.state"), ElementsAre("FROZEN", "THAWED"));
}

TEST_F(CgroupV1Test, LoadFromSavedPaths) {
  auto loaded = LoadManager(mgr_->GetPaths(), tree_->options());
  ASSERT_TRUE(loaded);
  oci::LinuxResources r;
  r.pids = oci::LinuxPids{7};
  ASSERT_TRUE((*loaded)->Apply(r));
  EXPECT_EQ(Read("pids/c1/pids.max"), "7");
  EXPECT_EQ((*loaded)->OpenCgroupDir().error().code(), ErrorCode::kUnimplemented);
}

TEST(CgroupV1SeparateCpuTest, CpuAndCpuacctMountedApart) {
  auto tree = FakeCgroupTree::V1(/*hybrid=*/true, /*comount_cpu=*/false);  // this host's layout
  auto m = NewManager({.container_id = "c1"}, tree->options());
  ASSERT_TRUE(m);
  ASSERT_TRUE((*m)->Create());
  EXPECT_EQ((*m)->GetPaths().at("cpu"), tree->Path("cpu/c1"));
  EXPECT_EQ((*m)->GetPaths().at("cpuacct"), tree->Path("cpuacct/c1"));
  oci::LinuxResources r;
  r.cpu = oci::LinuxCpu{.shares = 256};
  ASSERT_TRUE((*m)->Apply(r));
  EXPECT_EQ(tree->Read("cpu/c1/cpu.shares"), "256");
  ASSERT_TRUE((*m)->AddProcess(7));
  EXPECT_EQ(tree->fs.WritesTo("cgroup.procs").size(), 12u);
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
