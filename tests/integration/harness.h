// Integration-test harness: runs an OCI runtime binary (rune, or runc as the
// baseline) on generated busybox bundles and lets tests inspect what the
// container saw through the static test_init helper.
//
//   TEST_F(IntegrationTest, Hostname) {
//     Bundle b = NewBundle();
//     b.spec["hostname"] = "box";
//     b.SetArgs({"/test_init", "report"});
//     nlohmann::json r = RunJson(rt(), b);   // `run` in the foreground
//     EXPECT_EQ(r["hostname"], "box");
//   }
//
// Binaries: RUNE_BINARY (default: the build tree's src/rune/rune) is the
// runtime under test, rt(); RUNC_BINARY (default /usr/bin/runc) is the
// baseline, runc(). Each test gets a private temp dir holding a private
// --root per runtime and its bundles; container ids are unique per process
// and test, so tests run in parallel (ctest -j). TearDown force-deletes every
// container id handed out, kills leftover processes, unmounts leftovers under
// the temp dir, removes cgroup dirs the test named, then the temp dir.
//
// ITEST_STRICT=1 disables the runc exemptions (UnderTestIsRunc() is false),
// to list where runc itself deviates.
//
// Tests skip (GTEST_SKIP) when not root or when the binary under test does
// not exist.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace itest {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Outcome of one runtime invocation.
struct ProcResult {
  int exit_code = -1;  // exit status; 128+N when killed by signal N
  bool timed_out = false;
  std::string out;
  std::string err;
  // "exit=N stdout=... stderr=..." for assertion messages.
  std::string Describe() const;
};

struct SpawnOptions {
  std::string stdin_path = "/dev/null";
  int stdin_fd = -1;            // overrides stdin_path when >= 0
  std::vector<int> extra_fds;   // become fds 3, 4, ... in the child
};

// A running child process whose stdout/stderr go to files (not pipes: a
// detached container inheriting them must not block the harness).
class Proc {
 public:
  Proc() = default;
  Proc(pid_t pid, std::string out_path, std::string err_path)
      : pid_(pid), out_path_(std::move(out_path)), err_path_(std::move(err_path)) {}
  Proc(Proc&& o) noexcept;
  Proc& operator=(Proc&& o) noexcept;
  ~Proc();
  pid_t pid() const { return pid_; }
  // Waits for exit; SIGKILLs the child after `timeout` (timed_out = true).
  ProcResult Wait(std::chrono::milliseconds timeout = 30s);
  // Current contents of the child's stdout file.
  std::string Stdout() const;

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
};

// An OCI runtime binary bound to a private --root.
struct Runtime {
  std::string binary;
  std::string root;
  std::string io_dir;  // where Spawn puts stdout/stderr files
  std::vector<std::string> global_args;
  // Rootless tests: uid/gid >= 0 run the binary as that identity (no
  // supplementary groups); env, when set, replaces the inherited
  // environment. An empty root passes no --root.
  int uid = -1;
  int gid = -1;
  std::optional<std::vector<std::string>> env;

  // `binary --root root <global_args> args...`
  Proc Spawn(const std::vector<std::string>& args, const SpawnOptions& opts = {}) const;
  ProcResult Run(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 30s,
                 const SpawnOptions& opts = {}) const;
  // Runs with exactly these argv[1..] (no --root added).
  ProcResult RunRaw(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = 30s) const;
};

// A bundle directory with a busybox + test_init rootfs and a config.json
// written by Write() from `spec`.
struct Bundle {
  std::string dir;
  std::string rootfs;
  json spec;

  void Write() const;
  void SetArgs(const std::vector<std::string>& args);
  // Adds an OCI mount entry.
  void AddMount(const std::string& dest, const std::string& type, const std::string& source,
                const std::vector<std::string>& options);
  // Removes the namespace entry of this type (shares the host's).
  void RemoveNamespace(const std::string& type);
  // Adds {type, path?}, replacing an existing entry of that type.
  void SetNamespace(const std::string& type, const std::string& path = "");
};

// A config.json like `runc spec` writes, adapted for tests: no terminal,
// args = /test_init report, PATH covering /bin, writable rootfs.
json DefaultSpec();

// Parses the first JSON value in text (after any leading noise); on failure
// records a test failure and returns null.
json ParseJson(const std::string& text);

// Parses every line of text that holds a JSON object.
std::vector<json> ParseJsonLines(const std::string& text);

// Path of the test_init binary built alongside the tests.
std::string TestInitPath();

// Reads a whole file; "" when missing.
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data, mode_t mode = 0644);
bool Exists(const std::string& path);

// Hex capability mask as shown in /proc/<pid>/status for these names.
std::string CapMask(const std::vector<std::string>& names);

// "/proc/self/mountinfo" lines containing needle.
std::vector<std::string> HostMountsContaining(const std::string& needle);
// Pids whose /proc/<pid>/root or cwd lies under prefix.
std::vector<pid_t> PidsRootedUnder(const std::string& prefix);

class IntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // The runtime under test and the runc baseline, each with a private root.
  Runtime& rt() { return rt_; }
  Runtime& runc() { return runc_; }
  // True when the runtime under test is runc itself (validation run); guards
  // assertions on behaviour runc is known not to have.
  bool UnderTestIsRunc() const { return under_test_is_runc_; }

  // A unique container id; TearDown force-deletes it in both runtimes.
  std::string NewId(const std::string& hint = "c");
  // A new bundle under the test's temp dir.
  Bundle NewBundle();
  // A scratch directory under the test's temp dir.
  std::string NewDir(const std::string& name);
  // Marks a cgroup path (as in linux.cgroupsPath) for removal in TearDown.
  void TrackCgroup(const std::string& cgroups_path) { cgroups_.push_back(cgroups_path); }

  // `run --bundle dir id` in the foreground.
  ProcResult RunContainer(Runtime& r, Bundle& b, const std::string& id = "",
                          const std::vector<std::string>& extra_flags = {},
                          std::chrono::milliseconds timeout = 30s, const SpawnOptions& opts = {});
  // RunContainer and parse stdout; expects exit 0.
  json RunJson(Runtime& r, Bundle& b, const std::vector<std::string>& extra_flags = {});
  // `state id` parsed; null (and no failure) when the command fails.
  json State(Runtime& r, const std::string& id);
  // Polls `state` until status == want (or the container vanished when want
  // is "" ); false on timeout.
  bool WaitStatus(Runtime& r, const std::string& id, const std::string& want,
                  std::chrono::milliseconds timeout = 10s);
  // Polls until path exists.
  static bool WaitForFile(const std::string& path, std::chrono::milliseconds timeout = 10s);

  std::string tmp_;

 private:
  Runtime rt_;
  Runtime runc_;
  bool under_test_is_runc_ = false;
  bool active_ = false;
  std::vector<std::string> ids_;
  std::vector<std::string> cgroups_;
  int bundles_ = 0;
};

}  // namespace itest
