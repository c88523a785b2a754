// --systemd-cgroup: cgroupsPath validation and the systemd presence check.
#include "runtime/cgroup/systemd.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"

namespace inclavare::runtime::cgroup {
namespace {

using ::testing::HasSubstr;

TEST(SystemdCgroupTest, ExpandSlice) {
  EXPECT_EQ(*ExpandSlice("system.slice"), "/system.slice");
  EXPECT_EQ(*ExpandSlice("a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
  EXPECT_EQ(*ExpandSlice("-.slice"), "/");
  for (const char* bad : {"", ".slice", "system", "a--b.slice", "-a.slice", "a-.slice", "a/b.slice",
                          "a b.slice", "system.slice.x"}) {
    auto r = ExpandSlice(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(r.error().message(), HasSubstr("invalid systemd slice name \"" + std::string(bad) + "\""));
  }
}

TEST(SystemdCgroupTest, ParsePath) {
  SystemdUnit u = *ParseSystemdCgroupsPath("system.slice:docker:0123", "c1");
  EXPECT_EQ(u.slice, "system.slice");
  EXPECT_EQ(u.unit, "docker-0123.scope");
  EXPECT_EQ(u.cgroup_dir, "/system.slice/docker-0123.scope");
  // Empty path: runc's defaults with rune's prefix.
  u = *ParseSystemdCgroupsPath("", "c1");
  EXPECT_EQ(u.unit, "rune-c1.scope");
  EXPECT_EQ(u.cgroup_dir, "/system.slice/rune-c1.scope");
  // Empty slice and prefix.
  u = *ParseSystemdCgroupsPath("::web", "c1");
  EXPECT_EQ(u.unit, "web.scope");
  EXPECT_EQ(u.slice, "system.slice");
  // Nested slice; the root slice.
  EXPECT_EQ(ParseSystemdCgroupsPath("machine-pod.slice:rune:x", "c1")->cgroup_dir,
            "/machine.slice/machine-pod.slice/rune-x.scope");
  EXPECT_EQ(ParseSystemdCgroupsPath("-.slice:rune:x", "c1")->cgroup_dir, "/rune-x.scope");
  // A name that is itself a slice.
  u = *ParseSystemdCgroupsPath("system.slice:rune:pod-a.slice", "c1");
  EXPECT_EQ(u.unit, "pod-a.slice");
  EXPECT_EQ(u.cgroup_dir, "/pod.slice/pod-a.slice");
}

TEST(SystemdCgroupTest, ParsePathErrors) {
  auto err = [](const std::string& path, const std::string& id = "c1") {
    auto r = ParseSystemdCgroupsPath(path, id);
    EXPECT_FALSE(r) << path;
    if (r) return std::string();
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    return r.error().message();
  };
  EXPECT_THAT(
      err("/sys/fs/cgroup/c1"),
      HasSubstr("linux.cgroupsPath \"/sys/fs/cgroup/c1\": with --systemd-cgroup it must have the form "
                "\"slice:prefix:name\""));
  EXPECT_THAT(err("a:b"), HasSubstr("slice:prefix:name"));
  EXPECT_THAT(err("a.slice:b:c:d"), HasSubstr("slice:prefix:name"));
  EXPECT_THAT(err("system.slice:rune:"), HasSubstr("the name (after the second ':') is empty"));
  EXPECT_THAT(err("system.slice:rune:a/b"), HasSubstr("the name \"a/b\""));
  EXPECT_THAT(err("system.slice:ru ne:x"), HasSubstr("the prefix \"ru ne\""));
  EXPECT_THAT(err("system:rune:x"), HasSubstr("invalid systemd slice name \"system\""));
  EXPECT_THAT(err("system.slice:rune:a--b.slice"), HasSubstr("invalid systemd slice name \"a--b.slice\""));
  // The default path with an id systemd cannot take.
  EXPECT_THAT(err("", "a+b"), HasSubstr("the name \"a+b\""));
}

TEST(SystemdCgroupTest, CheckDriver) {
  char tmpl[] = "/tmp/ic-systemd-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string marker = dir + "/system";

  // No systemd: the clear reason, after the path checks.
  auto r = CheckSystemdDriver("system.slice:rune:c1", "c1", marker);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message(), "--systemd-cgroup: systemd is not running (no " + marker + ")");
  EXPECT_FALSE(SystemdRunning(marker));
  r = CheckSystemdDriver("bad", "c1", marker);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);

  // A file or a symlink is not sd_booted's directory.
  ASSERT_TRUE(fs::WriteFile(marker, "", true));
  EXPECT_FALSE(SystemdRunning(marker));
  ASSERT_EQ(::unlink(marker.c_str()), 0);
  ASSERT_EQ(::symlink(dir.c_str(), marker.c_str()), 0);
  EXPECT_FALSE(SystemdRunning(marker));
  ASSERT_EQ(::unlink(marker.c_str()), 0);

  // systemd running: the driver itself is what is missing.
  ASSERT_EQ(::mkdir(marker.c_str(), 0755), 0);
  EXPECT_TRUE(SystemdRunning(marker));
  r = CheckSystemdDriver("", "c1", marker);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnimplemented);
  EXPECT_THAT(r.error().message(), HasSubstr("unit rune-c1.scope in system.slice"));
  EXPECT_THAT(r.error().message(), HasSubstr("run without --systemd-cgroup"));
  (void)fs::RemoveAll(dir);
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
