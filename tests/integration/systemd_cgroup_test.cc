// --systemd-cgroup (runc's systemd cgroup driver flag). rune has no D-Bus
// driver (src/runtime/cgroup/systemd.h); `create`/`run` fail with the most
// specific reason and leave nothing behind. runc 1.1.5 fails in the same
// cases ("expected cgroupsPath to be of format \"slice:prefix:name\"...",
// "systemd not running on this host, cannot use systemd cgroups manager");
// only the exit status is compared with it, the wording is rune's.
#include <sys/stat.h>

#include <filesystem>

#include "tests/integration/harness.h"

namespace itest {
namespace {

bool SystemdRunning() {
  struct stat st;
  return ::lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

class SystemdCgroupTest : public IntegrationTest {
 protected:
  // Nothing of the container exists: no state, no cgroup in any hierarchy,
  // no process.
  void ExpectNothingLeft(Runtime& r, const std::string& id) {
    EXPECT_FALSE(Exists(r.root + "/" + id)) << "state dir left behind";
    for (const auto& e : std::filesystem::directory_iterator("/sys/fs/cgroup")) {
      EXPECT_FALSE(Exists(e.path().string() + "/" + id)) << "cgroup left in " << e.path();
    }
    ProcResult list = r.Run({"list", "-q"});
    EXPECT_EQ(list.exit_code, 0) << list.Describe();
    EXPECT_EQ(list.out.find(id), std::string::npos) << list.out;
    EXPECT_TRUE(PidsRootedUnder(tmp_).empty());
  }
  Runtime WithFlag(Runtime r) {
    r.global_args.push_back("--systemd-cgroup");
    return r;
  }
};

TEST_F(SystemdCgroupTest, RunFailsWithoutSystemd) {
  if (SystemdRunning()) GTEST_SKIP() << "systemd runs here; the test is for hosts without it";
  for (Runtime* base : {&rt(), &runc()}) {
    Runtime r = WithFlag(*base);
    Bundle b = NewBundle();
    std::string id = NewId();
    ProcResult res = RunContainer(r, b, id);
    EXPECT_EQ(res.exit_code, 1) << r.binary << ": " << res.Describe();
    if (base == &rt() && !UnderTestIsRunc()) {
      EXPECT_NE(res.err.find("rune: run: --systemd-cgroup: systemd is not running (no /run/systemd/system)"),
                std::string::npos)
          << res.Describe();
    }
    ExpectNothingLeft(r, id);
  }
}

TEST_F(SystemdCgroupTest, CreateFailsWithoutSystemd) {
  if (SystemdRunning()) GTEST_SKIP() << "systemd runs here; the test is for hosts without it";
  Runtime r = WithFlag(rt());
  Bundle b = NewBundle();
  b.spec["linux"]["cgroupsPath"] = "system.slice:rune:web";
  b.Write();
  std::string id = NewId();
  ProcResult res = r.Run({"create", "--bundle", b.dir, id});
  EXPECT_EQ(res.exit_code, 1) << res.Describe();
  if (!UnderTestIsRunc()) {
    EXPECT_NE(res.err.find("systemd is not running"), std::string::npos) << res.Describe();
  }
  ExpectNothingLeft(r, id);
  // The same bundle without the flag would be a cgroupfs path "system.slice:rune:web"
  // relative to rune's cgroup; nothing to check there.
}

TEST_F(SystemdCgroupTest, BadCgroupsPathIsReportedFirst) {
  for (Runtime* base : {&rt(), &runc()}) {
    Runtime r = WithFlag(*base);
    for (const std::string path : {"/sys/fs/cgroup/ic-x", "a:b", "system:rune:x"}) {
      Bundle b = NewBundle();
      b.spec["linux"]["cgroupsPath"] = path;
      std::string id = NewId();
      ProcResult res = RunContainer(r, b, id);
      EXPECT_EQ(res.exit_code, 1) << r.binary << " " << path << ": " << res.Describe();
      if (base == &rt() && !UnderTestIsRunc()) {
        std::string want = path == "system:rune:x"
                               ? "invalid systemd slice name \"system\""
                               : "with --systemd-cgroup it must have the form \"slice:prefix:name\"";
        EXPECT_NE(res.err.find("linux.cgroupsPath \"" + path + "\""), std::string::npos) << res.Describe();
        EXPECT_NE(res.err.find(want), std::string::npos) << res.Describe();
      }
      ExpectNothingLeft(r, id);
    }
  }
}

TEST_F(SystemdCgroupTest, JsonLogCarriesTheError) {
  if (SystemdRunning()) GTEST_SKIP() << "systemd runs here; the test is for hosts without it";
  if (UnderTestIsRunc()) GTEST_SKIP() << "rune's message";
  Runtime r = WithFlag(rt());
  std::string log = tmp_ + "/log.json";
  r.global_args.insert(r.global_args.begin(), {"--log", log, "--log-format", "json"});
  Bundle b = NewBundle();
  std::string id = NewId();
  ProcResult res = RunContainer(r, b, id);
  EXPECT_EQ(res.exit_code, 1) << res.Describe();
  bool found = false;
  for (const json& line : ParseJsonLines(ReadFile(log))) {
    if (line.value("level", "") == "error" &&
        line.value("msg", "").find("--systemd-cgroup: systemd is not running") != std::string::npos)
      found = true;
  }
  EXPECT_TRUE(found) << ReadFile(log);
}

TEST_F(SystemdCgroupTest, OtherCommandsIgnoreTheFlag) {
  // A container made with cgroupfs can be inspected and deleted with the
  // flag given (containerd passes it to every command).
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "sleep", "30"});
  std::string id = NewId();
  ProcResult res = RunContainer(rt(), b, id, {"-d"});
  ASSERT_EQ(res.exit_code, 0) << res.Describe();
  Runtime r = WithFlag(rt());
  ProcResult st = r.Run({"state", id});
  EXPECT_EQ(st.exit_code, 0) << st.Describe();
  ProcResult del = r.Run({"delete", "--force", id});
  EXPECT_EQ(del.exit_code, 0) << del.Describe();
  ExpectNothingLeft(r, id);
}

}  // namespace
}  // namespace itest
