// Rootless mode: the runtime started by an unprivileged user (runc's
// rootless support). The tests run as root and drop to an unused uid for
// each runtime invocation (Runtime::uid/gid/env): the bundle and a private
// XDG_RUNTIME_DIR are chowned to it, nothing is added to the system.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "tests/integration/harness.h"

namespace itest {
namespace {

namespace fs = std::filesystem;

constexpr int kUid = 60000;  // no passwd entry needed

void ChownTree(const std::string& path, int id) {
  ASSERT_EQ(::lchown(path.c_str(), id, id), 0) << path << ": " << strerror(errno);
  if (!fs::is_directory(fs::symlink_status(path))) return;
  for (const auto& e : fs::recursive_directory_iterator(path))
    ASSERT_EQ(::lchown(e.path().c_str(), id, id), 0) << e.path() << ": " << strerror(errno);
}

// runc's specconv.ToRootless applied to the harness's spec.
void MakeRootless(Bundle& b) {
  b.RemoveNamespace("network");
  b.SetNamespace("user");
  b.spec["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", kUid}, {"size", 1}}});
  b.spec["linux"]["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", kUid}, {"size", 1}}});
  b.spec["linux"].erase("resources");
  for (auto& m : b.spec["mounts"]) {
    if (m["destination"] == "/sys") {
      m = {{"destination", "/sys"},
           {"type", "none"},
           {"source", "/sys"},
           {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}};
      continue;
    }
    if (!m.contains("options")) continue;
    json opts = json::array();
    for (const auto& o : m["options"])
      if (o != "gid=5") opts.push_back(o);
    m["options"] = opts;
  }
}

class RootlessTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (ReadFile("/proc/sys/user/max_user_namespaces").rfind("0", 0) == 0)
      GTEST_SKIP() << "user namespaces are disabled (user.max_user_namespaces = 0)";
    if (::getpwuid(kUid)) GTEST_SKIP() << "uid " << kUid << " is in use on this host";
    xdg_ = NewDir("xdg");
    ASSERT_EQ(::chown(xdg_.c_str(), kUid, kUid), 0);
    ASSERT_EQ(::chmod(xdg_.c_str(), 0700), 0);
    name_ = UnderTestIsRunc() ? "runc" : "rune";
  }

  void TearDown() override {
    for (const std::string& id : mine_) (void)User().Run({"delete", "--force", id}, 10s);
    IntegrationTest::TearDown();
  }

  // The runtime under test as uid kUid with XDG_RUNTIME_DIR = xdg_ (or
  // unset) and no --root.
  Runtime User(bool with_xdg = true) {
    Runtime r = rt();
    r.root.clear();
    r.uid = kUid;
    r.gid = kUid;
    r.env = std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/"};
    if (with_xdg) r.env->push_back("XDG_RUNTIME_DIR=" + xdg_);
    return r;
  }

  std::string UserId() {
    std::string id = NewId("rl");
    mine_.push_back(id);
    return id;
  }

  // A rootless busybox bundle owned by kUid.
  Bundle UserBundle(const std::vector<std::string>& args) {
    Bundle b = NewBundle();
    MakeRootless(b);
    b.SetArgs(args);
    b.Write();
    ChownTree(b.dir, kUid);
    return b;
  }

  std::string StateRoot() const { return xdg_ + "/" + name_; }

  std::string xdg_;
  std::string name_;
  std::vector<std::string> mine_;
};

// `spec --rootless` as the user: runc's rootless template (ociVersion aside),
// mapping the caller's uid and gid to 0.
TEST_F(RootlessTest, SpecRootlessMatchesRunc) {
  if (!Exists(runc().binary)) GTEST_SKIP() << "runc not found";
  std::string mine = NewDir("spec-ut"), theirs = NewDir("spec-runc");
  ChownTree(mine, kUid);
  ChownTree(theirs, kUid);
  Runtime them = User();
  them.binary = runc().binary;
  ProcResult a = User().Run({"spec", "--rootless", "--bundle", mine});
  ProcResult b = them.Run({"spec", "--rootless", "--bundle", theirs});
  ASSERT_EQ(a.exit_code, 0) << a.Describe();
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  json m = ParseJson(ReadFile(mine + "/config.json"));
  json r = ParseJson(ReadFile(theirs + "/config.json"));
  EXPECT_EQ(m["linux"]["uidMappings"], json::parse(R"([{"containerID":0,"hostID":60000,"size":1}])"));
  EXPECT_EQ(m["linux"]["gidMappings"], json::parse(R"([{"containerID":0,"hostID":60000,"size":1}])"));
  EXPECT_FALSE(m["linux"].contains("resources"));
  m.erase("ociVersion");
  r.erase("ociVersion");
  EXPECT_EQ(m, r) << "mine:\n" << m.dump(1) << "\nrunc:\n" << r.dump(1);
}

// The template itself runs: /sys as an rbind, the read-only cgroup mount,
// devpts without gid=5, and /dev nodes bind-mounted from the host (an
// unprivileged user namespace cannot mknod) that work.
TEST_F(RootlessTest, SpecRootlessTemplateRuns) {
  Bundle b = NewBundle();
  ::unlink((b.dir + "/config.json").c_str());  // NewBundle writes none yet
  ChownTree(b.dir, kUid);
  ProcResult r = User().Run({"spec", "--rootless", "--bundle", b.dir});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json spec = ParseJson(ReadFile(b.dir + "/config.json"));
  spec["process"]["terminal"] = false;
  spec["process"]["args"] = {"/bin/sh", "-c",
                             "echo x > /dev/null && head -c 4 /dev/zero | wc -c && "
                             "grep -c ' /sys/fs/cgroup/' /proc/self/mounts && "
                             "grep ' /sys ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1"};
  WriteFile(b.dir + "/config.json", spec.dump());
  ChownTree(b.dir + "/config.json", kUid);
  r = User().Run({"run", "--bundle", b.dir, UserId()});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::istringstream in(r.out);
  std::string zeros, cgroup_mounts, sys_mode;
  in >> zeros >> cgroup_mounts >> sys_mode;
  EXPECT_EQ(zeros, "4") << r.out;
  EXPECT_GT(std::stoi(cgroup_mounts.empty() ? "0" : cgroup_mounts), 0) << r.out;
  EXPECT_EQ(sys_mode, "ro") << r.out;
}

// A busybox container run by the user: root inside, the user's uid outside,
// setgroups denied, state under $XDG_RUNTIME_DIR/<runtime>.
TEST_F(RootlessTest, RunReportsRootInUserNamespace) {
  Bundle b = UserBundle({"/test_init", "report"});
  std::string id = UserId();
  ProcResult r = User().Run({"run", "--bundle", b.dir, id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json j = ParseJson(r.out);
  EXPECT_EQ(j["uid"], 0);
  EXPECT_EQ(j["gid"], 0);
  EXPECT_EQ(j["hostname"], "itest");

  Bundle maps = UserBundle({"/bin/sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups"});
  r = User().Run({"run", "--bundle", maps.dir, UserId()});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::istringstream in(r.out);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  EXPECT_EQ(words, (std::vector<std::string>{"0", "60000", "1", "0", "60000", "1", "deny"})) << r.out;
  // The XDG root exists, owned by the user, 0700 with the sticky bit.
  struct stat st;
  ASSERT_EQ(::stat(StateRoot().c_str(), &st), 0) << StateRoot();
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(kUid));
  EXPECT_EQ(st.st_mode & 07777, 01700u);
}

// create / state / start / exec / ps / kill / delete, state under the XDG dir.
TEST_F(RootlessTest, LifecycleAndExec) {
  Bundle b = UserBundle({"/test_init", "sleep", "100"});
  std::string id = UserId();
  Runtime u = User();
  ProcResult r = u.Run({"create", "--bundle", b.dir, id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Exists(StateRoot() + "/" + id)) << "no state dir under " << StateRoot();
  json st = State(u, id);
  ASSERT_FALSE(st.is_null());
  EXPECT_EQ(st["status"], "created");
  int pid = st["pid"].get<int>();
  // The init runs as the user on the host.
  struct stat ps;
  ASSERT_EQ(::stat(("/proc/" + std::to_string(pid)).c_str(), &ps), 0);
  EXPECT_EQ(ps.st_uid, static_cast<uid_t>(kUid));

  r = u.Run({"list", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find(id), std::string::npos) << r.out;

  r = u.Run({"start", id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_TRUE(WaitStatus(u, id, "running"));

  r = u.Run({"exec", id, "/test_init", "report"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["uid"], 0);

  // runc cannot list the processes of a container without a cgroup; rune
  // reads the container's pid namespace.
  if (!UnderTestIsRunc()) {
    r = u.Run({"ps", "-f", "json", id});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    json pids = ParseJson(r.out);
    EXPECT_NE(std::find(pids.begin(), pids.end(), json(pid)), pids.end()) << r.out;
  }

  r = u.Run({"kill", id, "KILL"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_TRUE(WaitStatus(u, id, "stopped"));
  r = u.Run({"delete", id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_FALSE(Exists(StateRoot() + "/" + id));
  EXPECT_TRUE(State(u, id).is_null());
}

// rune only (runc fails without a cgroup): kill --all signals every process
// of the container's pid namespace.
TEST_F(RootlessTest, KillAllWithoutCgroup) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc's kill --all needs a cgroup";
  Bundle b = UserBundle({"/test_init", "sleep", "100"});
  std::string id = UserId();
  Runtime u = User();
  ProcResult r = u.Run({"run", "-d", "--bundle", b.dir, id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = u.Run({"exec", "-d", id, "/test_init", "sleep", "100"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = u.Run({"ps", "-f", "json", id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out).size(), 2u) << r.out;
  r = u.Run({"kill", "--all", id, "KILL"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_TRUE(WaitStatus(u, id, "stopped"));
}

// Limits need a cgroup the user cannot create: a clear error, nothing left.
TEST_F(RootlessTest, LimitsWithoutDelegatedCgroupFail) {
  Bundle b = UserBundle({"/test_init", "report"});
  b.spec["linux"]["resources"] = {{"memory", {{"limit", 100 << 20}}}, {"pids", {{"limit", 20}}}};
  b.Write();
  std::string id = UserId();
  ProcResult r = User().Run({"run", "--bundle", b.dir, id});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("cgroup"), std::string::npos) << r.err;
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("linux.resources"), std::string::npos) << r.err;
  }
  Runtime u = User();
  EXPECT_TRUE(State(u, id).is_null());
  EXPECT_FALSE(Exists(StateRoot() + "/" + id));
}

// pause needs a freezer cgroup: without one it fails clearly (runc too).
TEST_F(RootlessTest, PauseWithoutCgroupFails) {
  Bundle b = UserBundle({"/test_init", "sleep", "100"});
  std::string id = UserId();
  Runtime u = User();
  ProcResult r = u.Run({"run", "-d", "--bundle", b.dir, id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = u.Run({"pause", id});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("no cgroup"), std::string::npos) << r.err;
  }
  EXPECT_EQ(State(u, id)["status"], "running");
  r = u.Run({"update", "--pids-limit", "10", id});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
}

// No XDG_RUNTIME_DIR: a clear error (runc: permission denied on /run/runc);
// --root still works.
TEST_F(RootlessTest, MissingXdgRuntimeDir) {
  ProcResult r = User(/*with_xdg=*/false).Run({"list"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  if (UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("/run/runc"), std::string::npos) << r.err;
  } else {
    EXPECT_NE(r.err.find("XDG_RUNTIME_DIR"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--root"), std::string::npos) << r.err;
  }
  Runtime with_root = User(/*with_xdg=*/false);
  with_root.root = NewDir("user-root");
  ChownTree(with_root.root, kUid);
  r = with_root.Run({"list", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

// A spec without a user namespace, or mapping ids other than the user's own,
// fails before anything is created (rune names newuidmap as unsupported).
TEST_F(RootlessTest, UnwritableMappingsFail) {
  Bundle b = UserBundle({"/test_init", "report"});
  b.spec["linux"]["uidMappings"] = json::parse(R"([{"containerID":0,"hostID":100000,"size":65536}])");
  b.Write();
  std::string id = UserId();
  ProcResult r = User().Run({"run", "--bundle", b.dir, id});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("newuidmap"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(Exists(StateRoot() + "/" + id));

  Bundle no_userns = UserBundle({"/test_init", "report"});
  no_userns.RemoveNamespace("user");
  no_userns.spec["linux"].erase("uidMappings");
  no_userns.spec["linux"].erase("gidMappings");
  no_userns.Write();
  r = User().Run({"run", "--bundle", no_userns.dir, UserId()});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("user namespace"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace itest
