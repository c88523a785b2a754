// Path resolution, detection, conversions and device-rule helpers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/magic.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/fake_cgroup_fs.h"
#include "runtime/cgroup/internal.h"

namespace inclavare::runtime::cgroup {
namespace {

using internal::CleanCgroupPath;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CleanCgroupPathTest, NormalisesAndRejectsDotDot) {
  EXPECT_EQ(*CleanCgroupPath("/a/b"), "/a/b");
  EXPECT_EQ(*CleanCgroupPath("//a/./b/"), "/a/b");
  EXPECT_EQ(*CleanCgroupPath("a/b"), "a/b");
  EXPECT_EQ(*CleanCgroupPath("./a"), "a");
  EXPECT_EQ(*CleanCgroupPath("/k8s.io/abc:def"), "/k8s.io/abc:def");
  for (const char* bad : {"/a/../b", "..", "../x", "a/..", "/.."}) {
    auto r = CleanCgroupPath(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(r.error().message(), HasSubstr("\"..\""));
  }
  for (const char* none : {"", "/", ".", "//./"}) EXPECT_FALSE(CleanCgroupPath(none)) << none;
}

TEST(CgroupParseTest, Mountinfo) {
  std::string mi =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:1 master:2 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
      "rw,xattr,release_agent=/x,name=systemd\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "42 31 0:39 / /other/memory rw - cgroup cgroup rw,memory\n"
      "43 31 0:40 / /sys/fs/cgroup/weird\\040name rw - cgroup cgroup rw,pids\n"
      "44 31 0:41 / /sys/fs/cgroup/dbg rw - cgroup cgroup rw,debug\n";
  auto mounts = internal::ParseV1Mounts(mi, "/sys/fs/cgroup");
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_THAT(mounts[0].controllers, ElementsAre("cpu", "cpuacct"));
  EXPECT_EQ(mounts[1].root, "/docker/abc");
  EXPECT_THAT(mounts[2].controllers, ElementsAre("name=systemd"));
  EXPECT_EQ(mounts[3].mount_point, "/sys/fs/cgroup/weird name");
}

TEST(CgroupParseTest, ProcCgroup) {
  auto m = internal::ParseProcCgroup(
      "12:cpu,cpuacct:/a\n1:name=systemd:/init.scope\n0::/user.slice\n4:memory:/process_api/x\n");
  EXPECT_EQ(m["cpu"], "/a");
  EXPECT_EQ(m["cpuacct"], "/a");
  EXPECT_EQ(m["name=systemd"], "/init.scope");
  EXPECT_EQ(m["memory"], "/process_api/x");
  EXPECT_EQ(m[""], "/user.slice");
}

TEST(CgroupParseTest, Pids) {
  auto p = internal::ParsePids("1\n23\n456\n", "x");
  ASSERT_TRUE(p);
  EXPECT_THAT(*p, ElementsAre(1, 23, 456));
  EXPECT_FALSE(internal::ParsePids("1\nab\n", "x"));
  EXPECT_EQ(internal::ParseInt64(" -1\n"), -1);
  EXPECT_EQ(internal::ParseInt64("9223372036854771712\n"), 9223372036854771712LL);
  EXPECT_EQ(internal::ParseInt64("max"), std::nullopt);
}

TEST(CgroupResolveTest, V1AbsoluteRelativeAndMountRoot) {
  std::vector<internal::V1Mount> mounts = {
      {"/cg/cpu,cpuacct", "/", {"cpu", "cpuacct"}},
      {"/cg/memory", "/docker/abc", {"memory"}},
  };
  std::map<std::string, std::string> self = {
      {"cpu", "/user"}, {"cpuacct", "/user"}, {"memory", "/docker/abc/sub"}};
  auto abs = internal::ResolveV1Paths(mounts, "/a/b", self);
  ASSERT_TRUE(abs);
  EXPECT_EQ((*abs)["cpu"], "/cg/cpu,cpuacct/a/b");
  EXPECT_EQ((*abs)["cpuacct"], "/cg/cpu,cpuacct/a/b");
  EXPECT_EQ((*abs)["memory"], "/cg/memory/a/b");
  auto rel = internal::ResolveV1Paths(mounts, "c1", self);
  ASSERT_TRUE(rel);
  EXPECT_EQ((*rel)["cpu"], "/cg/cpu,cpuacct/user/c1");
  // The mount's root (/docker/abc) is stripped from our own path.
  EXPECT_EQ((*rel)["memory"], "/cg/memory/sub/c1");
  EXPECT_FALSE(internal::ResolveV1Paths({}, "/a", self));
  EXPECT_FALSE(internal::ResolveV1Paths(mounts, "c1", {}));
}

TEST(CgroupResolveTest, V2RelativeUsesParentOfOwnCgroup) {
  std::map<std::string, std::string> self = {{"", "/user.slice/rune.scope"}};
  EXPECT_EQ(*internal::ResolveV2Path("/cg", "/a/b", self), "/cg/a/b");
  EXPECT_EQ(*internal::ResolveV2Path("/cg", "c1", self), "/cg/user.slice/c1");
  std::map<std::string, std::string> at_root = {{"", "/"}};
  EXPECT_EQ(*internal::ResolveV2Path("/cg", "c1", at_root), "/cg/c1");
}

TEST(CgroupDetectModeTest, FakeTrees) {
  auto hybrid = testing::FakeCgroupTree::V1(/*hybrid=*/true);
  EXPECT_EQ(*DetectMode(hybrid->options()), Mode::kHybrid);
  auto legacy = testing::FakeCgroupTree::V1(/*hybrid=*/false);
  EXPECT_EQ(*DetectMode(legacy->options()), Mode::kLegacy);
  auto v2 = testing::FakeCgroupTree::V2();
  EXPECT_EQ(*DetectMode(v2->options()), Mode::kUnified);
  testing::FakeCgroupTree other;
  auto r = DetectMode(other.options());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(r.error().message(), HasSubstr("neither cgroup2 nor tmpfs"));
}

TEST(CgroupDetectModeTest, ThisHost) {
  auto r = DetectMode();
  if (!r) GTEST_SKIP() << "no cgroup root: " << r.error().ToString();
  std::printf("host cgroup mode: %s\n", ModeName(*r));
}

TEST(CgroupNewManagerTest, DefaultPathIsSlashId) {
  auto t = testing::FakeCgroupTree::V1();
  auto m = NewManager({.container_id = "c1"}, t->options());
  ASSERT_TRUE(m) << m.error().ToString();
  const Paths& p = (*m)->GetPaths();
  EXPECT_EQ(p.at("memory"), t->Path("memory/c1"));
  EXPECT_EQ(p.at("cpu"), t->Path("cpu,cpuacct/c1"));
  EXPECT_EQ(p.at("cpuacct"), t->Path("cpu,cpuacct/c1"));
  EXPECT_EQ(p.at("name=systemd"), t->Path("systemd/c1"));
  EXPECT_EQ(p.count("unified"), 0u);
  EXPECT_EQ(p.size(), 13u);
  EXPECT_FALSE((*m)->IsUnified());

  auto v2 = testing::FakeCgroupTree::V2();
  auto m2 = NewManager({.container_id = "c1"}, v2->options());
  ASSERT_TRUE(m2);
  EXPECT_EQ((*m2)->GetPaths(), (Paths{{"", v2->Path("c1")}}));
  EXPECT_TRUE((*m2)->IsUnified());
}

TEST(CgroupNewManagerTest, RelativeAndBadPaths) {
  auto t = testing::FakeCgroupTree::V1();
  auto m = NewManager({.cgroups_path = "rune/c1", .container_id = "x"}, t->options());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ((*m)->GetPaths().at("memory"), t->Path("memory/user/rune/rune/c1"));
  EXPECT_EQ((*m)->GetPaths().at("cpuset"), t->Path("cpuset/rune/c1"));

  EXPECT_EQ(NewManager({.cgroups_path = "/a/../../etc"}, t->options()).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(NewManager({.cgroups_path = "/"}, t->options()).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NewManager({}, t->options()).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NewManager({.container_id = "a/b"}, t->options()).error().code(), ErrorCode::kInvalidArgument);
}

TEST(CgroupLoadManagerTest, V1V2AndValidation) {
  auto v1 = LoadManager({{"memory", "/sys/fs/cgroup/memory/c1"}, {"pids", "/sys/fs/cgroup/pids/c1"}});
  ASSERT_TRUE(v1);
  EXPECT_FALSE((*v1)->IsUnified());
  EXPECT_EQ((*v1)->GetPaths().size(), 2u);
  auto v2 = LoadManager({{"", "/sys/fs/cgroup/c1"}});
  ASSERT_TRUE(v2);
  EXPECT_TRUE((*v2)->IsUnified());
  EXPECT_FALSE(LoadManager({}));
  EXPECT_FALSE(LoadManager({{"memory", "relative/c1"}}));
  EXPECT_FALSE(LoadManager({{"memory", "/sys/fs/cgroup/memory/../../etc"}}));
  EXPECT_FALSE(LoadManager({{"", "/a"}, {"memory", "/b"}}));
}

TEST(CgroupConvertTest, CpuSharesToWeight) {
  EXPECT_EQ(ConvertCpuSharesToWeight(0), 0u);
  EXPECT_EQ(ConvertCpuSharesToWeight(2), 1u);
  EXPECT_EQ(ConvertCpuSharesToWeight(1024), 100u);  // default maps to default
  EXPECT_EQ(ConvertCpuSharesToWeight(512), 59u);
  EXPECT_EQ(ConvertCpuSharesToWeight(2048), 174u);
  EXPECT_EQ(ConvertCpuSharesToWeight(262144), 10000u);
  EXPECT_EQ(ConvertCpuSharesToWeight(1u << 30), 10000u);
}

TEST(CgroupConvertTest, SwapToV2) {
  EXPECT_EQ(*ConvertSwapToV2(0, -1), -1);        // unlimited memory, swap unset
  EXPECT_EQ(*ConvertSwapToV2(-1, 1 << 20), -1);  // unlimited swap
  EXPECT_EQ(*ConvertSwapToV2(0, 1 << 20), 0);    // unset
  EXPECT_EQ(*ConvertSwapToV2(3 << 20, 1 << 20), 2 << 20);
  EXPECT_EQ(*ConvertSwapToV2(1 << 20, 1 << 20), 0);  // no swap at all
  auto below = ConvertSwapToV2(1 << 19, 1 << 20);
  ASSERT_FALSE(below);
  EXPECT_THAT(below.error().message(), HasSubstr("linux.resources.memory.swap"));
  EXPECT_FALSE(ConvertSwapToV2(1 << 20, 0));
  EXPECT_FALSE(ConvertSwapToV2(1 << 20, -1));
}

TEST(CgroupConvertTest, BlkioWeight) {
  EXPECT_EQ(ConvertBlkioWeightToIoWeight(0), 0u);
  EXPECT_EQ(ConvertBlkioWeightToIoWeight(10), 1u);
  EXPECT_EQ(ConvertBlkioWeightToIoWeight(1000), 10000u);
  EXPECT_EQ(ConvertBlkioWeightToIoWeight(500), 1 + 490u * 9999 / 990);
}

TEST(CgroupDevicesTest, RuleStrings) {
  using R = oci::LinuxDeviceCgroup;
  EXPECT_EQ(*internal::DeviceRuleString(R{false, std::nullopt, std::nullopt, std::nullopt, "rwm"}, "d"), "a");
  EXPECT_EQ(*internal::DeviceRuleString(R{true, "c", 1, 3, "rwm"}, "d"), "c 1:3 rwm");
  EXPECT_EQ(*internal::DeviceRuleString(R{true, "c", 136, std::nullopt, "rw"}, "d"), "c 136:* rw");
  EXPECT_EQ(*internal::DeviceRuleString(R{true, "b", std::nullopt, std::nullopt, std::nullopt}, "d"),
            "b *:* rwm");
  EXPECT_FALSE(internal::DeviceRuleString(R{true, "x", 1, 1, "rwm"}, "d"));
  EXPECT_FALSE(internal::DeviceRuleString(R{true, "c", 1, 1, "rwx"}, "d"));
  EXPECT_FALSE(internal::DeviceRuleString(R{true, "c", -1, 1, "rwm"}, "d"));
  EXPECT_FALSE(internal::DeviceRuleString(R{true, "a", 1, std::nullopt, "rwm"}, "d"));
}

TEST(CgroupDevicesTest, DefaultRules) {
  auto defaults = DefaultAllowedDevices();
  EXPECT_EQ(defaults.size(), 11u);
  for (const auto& d : defaults) EXPECT_TRUE(d.allow);
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
