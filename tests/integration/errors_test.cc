// Error paths: clear messages for bad bundles and configs, and a failed
// create leaves nothing behind (no state dir, mounts, cgroups, processes).
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "tests/integration/harness.h"

namespace itest {
namespace {

class ErrorsTest : public IntegrationTest {
 protected:
  // Everything a failed create might leak, checked at once.
  void ExpectNothingLeft(const Bundle& b, const std::string& id, const std::string& cgroup = "") {
    EXPECT_FALSE(Exists(rt().root + "/" + id)) << "state dir left behind";
    EXPECT_TRUE(State(rt(), id).is_null()) << "state still answers";
    EXPECT_TRUE(HostMountsContaining(b.dir).empty()) << "mounts left behind";
    EXPECT_TRUE(PidsRootedUnder(b.rootfs).empty()) << "processes left behind";
    ProcResult list = rt().Run({"list", "-q"});
    EXPECT_EQ(list.out.find(id), std::string::npos) << "listed: " << list.out;
    if (!cgroup.empty()) {
      for (const char* ctrl : {"memory", "cpu", "pids", "devices", "freezer", "blkio"}) {
        EXPECT_FALSE(Exists(std::string("/sys/fs/cgroup/") + ctrl + cgroup))
            << ctrl << " cgroup left behind";
      }
    }
  }
};

TEST_F(ErrorsTest, MissingConfig) {
  std::string dir = NewDir("empty-bundle");
  std::string id = NewId();
  ProcResult r = rt().Run({"create", "--bundle", dir, id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("config.json"), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(rt().root + "/" + id));
}

TEST_F(ErrorsTest, MissingBundleDir) {
  std::string id = NewId();
  ProcResult r = rt().Run({"create", "--bundle", tmp_ + "/no-such-bundle", id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
  EXPECT_FALSE(Exists(rt().root + "/" + id));
}

TEST_F(ErrorsTest, BadJson) {
  Bundle b = NewBundle();
  WriteFile(b.dir + "/config.json", "{\"ociVersion\": \"1.0.2\", \"process\": {not json");
  std::string id = NewId();
  ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
  // runc names only the JSON error ("invalid character ..."); rune names the
  // file too.
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("config.json"), std::string::npos) << r.err;
  }
  ExpectNothingLeft(b, id);
}

TEST_F(ErrorsTest, WrongFieldType) {
  Bundle b = NewBundle();
  b.spec["process"]["args"] = "not-an-array";
  b.Write();
  std::string id = NewId();
  ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
  EXPECT_NE(r.exit_code, 0);
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("args"), std::string::npos) << "error does not name the field: " << r.err;
  }
  ExpectNothingLeft(b, id);
}

TEST_F(ErrorsTest, MissingArgsBinary) {
  Bundle b = NewBundle();
  b.SetArgs({"/no/such/binary"});
  b.Write();
  std::string id = NewId();
  ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/no/such/binary"), std::string::npos) << r.err;
  ExpectNothingLeft(b, id);
}

TEST_F(ErrorsTest, MissingArgsBinaryOnRun) {
  Bundle b = NewBundle();
  b.SetArgs({"no-such-command-in-path"});
  std::string id = NewId();
  ProcResult r = RunContainer(rt(), b, id);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no-such-command-in-path"), std::string::npos) << r.err;
  ExpectNothingLeft(b, id);
}

TEST_F(ErrorsTest, NonExecutableArgs) {
  Bundle b = NewBundle();
  b.SetArgs({"/etc/passwd"});
  std::string id = NewId();
  ProcResult r = RunContainer(rt(), b, id);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/etc/passwd"), std::string::npos) << r.err;
  ExpectNothingLeft(b, id);
}

TEST_F(ErrorsTest, MissingRootfs) {
  Bundle b = NewBundle();
  b.spec["root"]["path"] = "no-such-rootfs";
  b.Write();
  std::string id = NewId();
  ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no-such-rootfs"), std::string::npos) << r.err;
  ExpectNothingLeft(b, id);
}

// Failures at different depths of create, each with a cgroup to clean up.
struct FailureCase {
  std::string name;
  std::function<void(Bundle&, IntegrationTest&)> break_it;
  std::string must_mention;
};

void PrintTo(const FailureCase& c, std::ostream* os) { *os << c.name; }

class FailedCreateTest : public ErrorsTest, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(FailedCreateTest, LeavesNothingBehind) {
  Bundle b = NewBundle();
  std::string id = NewId();
  std::string cgroup = "/ic-itest-" + id;
  b.spec["linux"]["cgroupsPath"] = cgroup;
  TrackCgroup(cgroup);
  b.spec["linux"]["resources"]["pids"] = {{"limit", 100}};
  b.SetArgs({"/test_init", "sleep", "30"});
  GetParam().break_it(b, *this);
  b.Write();
  ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find(GetParam().must_mention), std::string::npos) << r.err;
  ExpectNothingLeft(b, id, cgroup);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FailedCreateTest,
    ::testing::Values(
        FailureCase{"MissingBinary", [](Bundle& b, IntegrationTest&) { b.SetArgs({"/nope"}); },
                    "/nope"},
        FailureCase{"BadMountSource",
                    [](Bundle& b, IntegrationTest&) {
                      b.AddMount("/data", "bind", b.dir + "/missing-src", {"bind"});
                    },
                    "missing-src"},
        FailureCase{"BadFsType",
                    [](Bundle& b, IntegrationTest&) {
                      b.AddMount("/weird", "nosuchfs", "none", {});
                    },
                    "/weird"},
        FailureCase{"BadCwd",
                    [](Bundle& b, IntegrationTest&) {
                      WriteFile(b.rootfs + "/afile", "x");
                      b.spec["process"]["cwd"] = "/afile";
                    },
                    "afile"},
        FailureCase{"BadNamespacePath",
                    [](Bundle& b, IntegrationTest&) {
                      b.SetNamespace("ipc", "/proc/999999999/ns/ipc");
                    },
                    "/proc/999999999/ns/ipc"},
        FailureCase{"FailingHook",
                    [](Bundle& b, IntegrationTest&) {
                      WriteFile(b.dir + "/fail.sh", "#!/bin/sh\nexit 1\n", 0755);
                      b.spec["hooks"] = {{"createRuntime", {{{"path", b.dir + "/fail.sh"}}}}};
                    },
                    "hook"}),
    [](const ::testing::TestParamInfo<FailureCase>& info) { return info.param.name; });

}  // namespace
}  // namespace itest
