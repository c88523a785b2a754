// cgroup v2 manager against a fake unified tree (see fake_cgroup_fs.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/devices_bpf.h"
#include "runtime/cgroup/fake_cgroup_fs.h"

namespace inclavare::runtime::cgroup {
namespace {

using ::testing::ElementsAre;
using testing::FakeCgroupTree;
using ::testing::HasSubstr;

class CgroupV2Test : public ::testing::Test {
 protected:
  void SetUp() override { Init(FakeCgroupTree::V2()); }

  void Init(std::unique_ptr<FakeCgroupTree> tree) {
    tree_ = std::move(tree);
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

TEST_F(CgroupV2Test, CreateEnablesControllers) {
  EXPECT_EQ(Read("cgroup.subtree_control"), "cpu cpuset hugetlb io memory misc pids rdma");
  EXPECT_EQ(Read("c1/memory.max"), "max");  // the fake kernel populated c1
  EXPECT_EQ(mgr_->GetPaths(), (Paths{{"", tree_->Path("c1")}}));
}

TEST_F(CgroupV2Test, CreateNestedEnablesEveryAncestorOnce) {
  auto m = NewManager({.cgroups_path = "/a/b/c2"}, tree_->options());
  ASSERT_TRUE(m);
  ASSERT_TRUE((*m)->Create());
  EXPECT_EQ(Read("a/cgroup.subtree_control"), "cpu cpuset hugetlb io memory misc pids rdma");
  EXPECT_EQ(Read("a/b/cgroup.subtree_control"), "cpu cpuset hugetlb io memory misc pids rdma");
  EXPECT_EQ(Read("a/b/c2/pids.max"), "max");
  // The root already had everything enabled: no write there (a write walks
  // the whole subtree in the kernel).
  auto w = tree_->fs.WritesTo("cgroup.subtree_control");
  EXPECT_EQ(w.size(), 2u);
  ASSERT_TRUE((*m)->Create());
  EXPECT_EQ(tree_->fs.WritesTo("cgroup.subtree_control").size(), 2u);
}

TEST_F(CgroupV2Test, CreateFallsBackToOneControllerAtATime) {
  auto m = NewManager({.cgroups_path = "/x/c3"}, tree_->options());
  ASSERT_TRUE(m);
  ASSERT_TRUE((*m)->Create());
  // Simulate a controller that cannot be enabled at /x (EINVAL on a combined
  // write, and for "+cpu" alone): the others still get enabled.
  auto m2 = NewManager({.cgroups_path = "/y/c4"}, tree_->options());
  tree_->fs.write_faults.push_back({"y/cgroup.subtree_control", EINVAL, 2});
  ASSERT_TRUE((*m2)->Create());
  EXPECT_EQ(Read("y/cgroup.subtree_control"), "cpuset hugetlb io memory misc pids rdma");
  EXPECT_FALSE(tree_->Exists("y/c4/cpu.weight"));
  oci::LinuxResources r;
  r.cpu = oci::LinuxCpu{.shares = 1024};
  auto res = (*m2)->Apply(r);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().message(), "linux.resources.cpu.shares: " + tree_->Path("y/c4/cpu.weight") +
                                       " does not exist (controller or kernel feature not available)");
}

TEST_F(CgroupV2Test, CreatePermissionDenied) {
  auto m = NewManager({.container_id = "c2"}, tree_->options());
  tree_->fs.mkdir_faults.push_back({"/c2", EACCES, 1});
  auto r = (*m)->Create();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(r.error().message(), HasSubstr("rootless"));
}

TEST_F(CgroupV2Test, Memory) {
  oci::LinuxResources r;
  r.memory =
      oci::LinuxMemory{.limit = 1048576, .reservation = 524288, .swap = 3145728, .use_hierarchy = true};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/memory.max"), "1048576");
  EXPECT_EQ(Read("c1/memory.swap.max"), "2097152");  // swap - limit
  EXPECT_EQ(Read("c1/memory.low"), "524288");

  r.memory = oci::LinuxMemory{.limit = -1};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/memory.max"), "max");
  EXPECT_EQ(Read("c1/memory.swap.max"), "max");

  r.memory = oci::LinuxMemory{.limit = 1048576, .swap = -1, .disable_oom_killer = false};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/memory.swap.max"), "max");
  EXPECT_EQ(Read("c1/memory.max"), "1048576");
}

TEST_F(CgroupV2Test, MemoryErrors) {
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.swappiness = 60};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.memory.swappiness: not supported"));
  r.memory = oci::LinuxMemory{.disable_oom_killer = true};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.memory.disableOOMKiller"));
  r.memory = oci::LinuxMemory{.kernel_tcp = 1024};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.memory.kernelTCP"));
  r.memory = oci::LinuxMemory{.use_hierarchy = false};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.memory.useHierarchy"));
  r.memory = oci::LinuxMemory{.limit = 2097152, .swap = 1048576};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("must be >= memory.limit"));
  r.memory = oci::LinuxMemory{.swap = 1048576};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("needs a memory limit"));
  EXPECT_TRUE(tree_->fs.writes.empty());  // nothing half-applied

  // No swap accounting: an explicit swap limit fails, "max" is skipped.
  tree_->Remove("c1/memory.swap.max");
  r.memory = oci::LinuxMemory{.limit = 1048576, .swap = 2097152};
  EXPECT_THAT(ApplyError(r).message(),
              HasSubstr("linux.resources.memory.swap: " + tree_->Path("c1/memory.swap.max")));
  r.memory = oci::LinuxMemory{.limit = -1};
  ExpectApply(r);
}

TEST_F(CgroupV2Test, MemoryCheckBeforeUpdate) {
  tree_->Write("c1/memory.current", "2097152\n");
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 1048576, .check_before_update = true};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("below the current usage 2097152"));
}

TEST_F(CgroupV2Test, Cpu) {
  oci::LinuxResources r;
  r.cpu = oci::LinuxCpu{
      .shares = 1024, .quota = 50000, .burst = 2000, .period = 100000, .cpus = "0-1", .mems = "0", .idle = 1};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/cpu.weight"), "100");
  EXPECT_EQ(Read("c1/cpu.max"), "50000 100000");
  EXPECT_EQ(Read("c1/cpu.max.burst"), "2000");
  EXPECT_EQ(Read("c1/cpu.idle"), "1");
  EXPECT_EQ(Read("c1/cpuset.cpus"), "0-1");
  EXPECT_EQ(Read("c1/cpuset.mems"), "0");

  r.cpu = oci::LinuxCpu{.shares = 2, .quota = 25000};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/cpu.weight"), "1");
  EXPECT_EQ(Read("c1/cpu.max"), "25000");  // period left to the kernel
  r.cpu = oci::LinuxCpu{.quota = -1, .period = 50000};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/cpu.max"), "max 50000");
  r.cpu = oci::LinuxCpu{.period = 20000};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/cpu.max"), "max 20000");
}

TEST_F(CgroupV2Test, CpuErrors) {
  oci::LinuxResources r;
  r.cpu = oci::LinuxCpu{.realtime_runtime = 950};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.cpu.realtimeRuntime"));
  r.cpu = oci::LinuxCpu{.realtime_period = 1000000};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.cpu.realtimePeriod"));
  r.cpu = oci::LinuxCpu{.shares = 300000};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.cpu.shares"));
  r.cpu = oci::LinuxCpu{.realtime_runtime = 0, .realtime_period = 0};  // zero is fine
  ExpectApply(r);
}

TEST_F(CgroupV2Test, PidsHugetlbRdma) {
  oci::LinuxResources r;
  r.pids = oci::LinuxPids{64};
  r.hugepage_limits = {{"2MB", 2097152}};
  r.rdma = {{"mlx5_1", {3, std::nullopt}}};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/pids.max"), "64");
  EXPECT_EQ(Read("c1/hugetlb.2MB.max"), "2097152");
  EXPECT_EQ(Read("c1/hugetlb.2MB.rsvd.max"), "2097152");
  EXPECT_EQ(Read("c1/rdma.max"), "mlx5_1 hca_handle=3");
  r = {};
  r.pids = oci::LinuxPids{0};
  ExpectApply(r);
  EXPECT_EQ(Read("c1/pids.max"), "max");
}

TEST_F(CgroupV2Test, Io) {
  oci::LinuxResources r;
  r.block_io = oci::LinuxBlockIo{
      .weight = 500,
      .weight_device = {{8, 0, 1000, std::nullopt}},
      .throttle_read_bps_device = {{8, 0, 1048576}},
      .throttle_write_bps_device = {{8, 0, 2097152}},
      .throttle_read_iops_device = {{8, 16, 100}},
      .throttle_write_iops_device = {{8, 16, 200}},
  };
  ExpectApply(r);
  EXPECT_THAT(tree_->fs.WritesTo("io.weight"),
              ElementsAre(std::to_string(ConvertBlkioWeightToIoWeight(500)), "8:0 10000"));
  EXPECT_THAT(tree_->fs.WritesTo("io.max"),
              ElementsAre("8:0 rbps=1048576", "8:0 wbps=2097152", "8:16 riops=100", "8:16 wiops=200"));
  // With BFQ, weights go to io.bfq.weight unconverted.
  tree_->Write("c1/io.bfq.weight", "default 100\n");
  tree_->fs.writes.clear();
  ExpectApply(r);
  EXPECT_THAT(tree_->fs.WritesTo("io.bfq.weight"), ElementsAre("500", "8:0 1000"));
  r.block_io = oci::LinuxBlockIo{.leaf_weight = 10};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.blockIO.leafWeight"));
}

TEST_F(CgroupV2Test, NetworkIsAnError) {
  oci::LinuxResources r;
  r.network = oci::LinuxNetwork{.class_id = 1};
  EXPECT_THAT(ApplyError(r).message(), HasSubstr("linux.resources.network"));
  r.network = oci::LinuxNetwork{};
  ExpectApply(r);
}

TEST_F(CgroupV2Test, Unified) {
  oci::LinuxResources r;
  r.memory = oci::LinuxMemory{.limit = 1048576};
  r.unified = {{"memory.max", "2097152"}, {"memory.high", "1000000"}};
  tree_->Write("c1/memory.high", "max\n");
  ExpectApply(r);
  EXPECT_EQ(Read("c1/memory.max"), "2097152");  // unified wins: written last
  EXPECT_EQ(Read("c1/memory.high"), "1000000");

  r = {};
  r.unified = {{"foo.bar", "1"}};
  Error e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message(), HasSubstr("linux.resources.unified.foo.bar: "));
  for (const char* bad : {"../x.y", "a/b.c", ".hidden", "noperiod", ""}) {
    r.unified = {{bad, "1"}};
    EXPECT_EQ(ApplyError(r).code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(CgroupV2Test, Devices) {
  // The rules become one eBPF program for the container's cgroup
  // (devices_bpf_test.cc checks what the programs do); no files are written.
  auto same = [](const DeviceFilter& a, const DeviceFilter& b) {
    return a.insns.size() == b.insns.size() &&
           std::memcmp(a.insns.data(), b.insns.data(), a.insns.size() * sizeof(bpf_insn)) == 0;
  };
  oci::LinuxResources r;
  r.devices = {{false, std::nullopt, std::nullopt, std::nullopt, "rwm"}};
  auto defaults = DefaultAllowedDevices();
  r.devices.insert(r.devices.end(), defaults.begin(), defaults.end());
  r.devices.push_back({true, "c", 10, 229, "rwm"});  // /dev/fuse: beyond the defaults
  ExpectApply(r);
  EXPECT_TRUE(tree_->fs.writes.empty());
  ASSERT_EQ(tree_->fs.device_filters.size(), 1u);
  EXPECT_EQ(tree_->fs.device_filters[0].first, tree_->Path("c1"));
  EXPECT_TRUE(same(tree_->fs.device_filters[0].second, *CompileDeviceFilter(r.devices)));
  // `update` without device rules leaves the program alone.
  ExpectApply(oci::LinuxResources{});
  EXPECT_EQ(tree_->fs.device_filters.size(), 1u);
  // Invalid rules fail before anything is attached.
  r.devices.push_back({true, "x", 1, 1, "rwm"});
  Error e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("linux.resources.devices[13].type"));
  EXPECT_EQ(tree_->fs.device_filters.size(), 1u);
  // Attach failures name the field.
  r.devices.pop_back();
  tree_->fs.device_filter_faults.push_back({"c1", EPERM, 1});
  e = ApplyError(r);
  EXPECT_EQ(e.code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(e.message(), HasSubstr("linux.resources.devices"));
}

TEST_F(CgroupV2Test, FreezeThawState) {
  EXPECT_EQ(*mgr_->GetFreezerState(), FreezerState::kThawed);
  ASSERT_TRUE(mgr_->Freeze());
  EXPECT_EQ(Read("c1/cgroup.freeze"), "1");
  EXPECT_EQ(*mgr_->GetFreezerState(), FreezerState::kFrozen);
  tree_->Write("c1/cgroup.events", "populated 1\nfrozen 0\n");
  EXPECT_EQ(*mgr_->GetFreezerState(), FreezerState::kFreezing);
  ASSERT_TRUE(mgr_->Thaw());
  EXPECT_EQ(*mgr_->GetFreezerState(), FreezerState::kThawed);
  tree_->Remove("c1/cgroup.freeze");  // kernel < 5.2
  EXPECT_EQ(*mgr_->GetFreezerState(), FreezerState::kUndefined);
  EXPECT_FALSE(mgr_->Freeze());
}

TEST_F(CgroupV2Test, AddProcessGetPids) {
  ASSERT_TRUE(mgr_->AddProcess(99));
  EXPECT_EQ(Read("c1/cgroup.procs"), "99");
  ASSERT_TRUE(tree_->fs.Mkdir(tree_->Path("c1/inner"), 0755));
  tree_->Write("c1/inner/cgroup.procs", "100\n101\n");
  EXPECT_THAT(*mgr_->GetPids(), ElementsAre(99));
  EXPECT_THAT(*mgr_->GetAllPids(), ElementsAre(99, 100, 101));
}

TEST_F(CgroupV2Test, KillAllUsesCgroupKill) {
  ASSERT_TRUE(mgr_->KillAll(SIGKILL));
  EXPECT_THAT(tree_->fs.WritesTo("cgroup.kill"), ElementsAre("1"));
}

TEST_F(CgroupV2Test, KillAllOtherSignalFreezesSignalsThaws) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  tree_->Write("c1/cgroup.procs", std::to_string(child) + "\n");
  ASSERT_TRUE(mgr_->KillAll(SIGTERM));
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_THAT(tree_->fs.WritesTo("cgroup.freeze"), ElementsAre("1", "0"));
}

TEST_F(CgroupV2Test, DestroyAndOpenDir) {
  auto fd = mgr_->OpenCgroupDir();
  ASSERT_TRUE(fd);
  EXPECT_TRUE(fd->Valid());
  ASSERT_TRUE(tree_->fs.Mkdir(tree_->Path("c1/inner"), 0755));
  ASSERT_TRUE(mgr_->Destroy());
  EXPECT_FALSE(tree_->Exists("c1"));
  ASSERT_TRUE(mgr_->Destroy());
  EXPECT_FALSE(mgr_->OpenCgroupDir());
}

TEST_F(CgroupV2Test, RelativePathUnderParentOfOwnCgroup) {
  tree_->fs.writes.clear();
  auto m = NewManager({.cgroups_path = "ctr/c9"}, tree_->options());
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->GetPaths().at(""), tree_->Path("user.slice/ctr/c9"));
  ASSERT_TRUE((*m)->Create());
  EXPECT_EQ(Read("user.slice/ctr/c9/cgroup.type"), "domain");
}

TEST_F(CgroupV2Test, LoadFromSavedPaths) {
  auto loaded = LoadManager(mgr_->GetPaths(), tree_->options());
  ASSERT_TRUE(loaded);
  ASSERT_TRUE((*loaded)->Create());  // knows the root from options
  oci::LinuxResources r;
  r.pids = oci::LinuxPids{5};
  ASSERT_TRUE((*loaded)->Apply(r));
  EXPECT_EQ(Read("c1/pids.max"), "5");
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
