// Container lifecycle as the OCI runtime spec defines it (runtime.md
// "Lifecycle" and "Operations"): create, start, state, kill, delete, run,
// plus pid files and serialisation of concurrent commands on one container.
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <future>
#include <thread>

#include "tests/integration/harness.h"

namespace itest {
namespace {

class LifecycleTest : public IntegrationTest {
 protected:
  // Creates (not starts) a container running args; returns its id.
  std::string Create(Bundle& b, const std::vector<std::string>& args,
                     const std::vector<std::string>& flags = {}) {
    b.SetArgs(args);
    b.Write();
    std::string id = NewId();
    std::vector<std::string> cmd = {"create", "--bundle", b.dir};
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    cmd.push_back(id);
    ProcResult r = rt().Run(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return id;
  }
};

TEST_F(LifecycleTest, CreateStartStateDelete) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "wait-signal", "/ready"});

  json s = State(rt(), id);
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(s["status"], "created");
  EXPECT_EQ(s["id"], id);
  EXPECT_GT(s["pid"].get<int>(), 0);

  ProcResult st = rt().Run({"start", id});
  ASSERT_EQ(st.exit_code, 0) << st.Describe();
  ASSERT_TRUE(WaitForFile(b.rootfs + "/ready"));
  EXPECT_EQ(State(rt(), id)["status"], "running");

  ASSERT_EQ(rt().Run({"kill", id, "USR1"}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));

  ProcResult del = rt().Run({"delete", id});
  EXPECT_EQ(del.exit_code, 0) << del.Describe();
  EXPECT_TRUE(State(rt(), id).is_null()) << "state still answers after delete";
  EXPECT_FALSE(Exists(rt().root + "/" + id)) << "state dir left behind";
}

TEST_F(LifecycleTest, CreateDoesNotExecUserProcess) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "write-file", "/started"});
  json s = State(rt(), id);
  ASSERT_FALSE(s.is_null());
  int pid = s["pid"].get<int>();
  ASSERT_TRUE(Exists("/proc/" + std::to_string(pid))) << "init process not alive after create";
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(Exists(b.rootfs + "/started")) << "user process ran before start";
  char exe[4096] = {};
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), exe, sizeof exe - 1);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(exe).find("test_init"), std::string::npos)
      << "pid " << pid << " already executes " << exe;

  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  EXPECT_TRUE(WaitForFile(b.rootfs + "/started"));
  EXPECT_TRUE(WaitStatus(rt(), id, "stopped"));
}

TEST_F(LifecycleTest, StateJsonFieldsMatchRunc) {
  Bundle b = NewBundle();
  b.spec["annotations"] = {{"org.example.key", "value"}};
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"create", "--bundle", b.dir, id}).exit_code, 0);
  ASSERT_EQ(runc().Run({"create", "--bundle", b.dir, id}).exit_code, 0);
  json mine = State(rt(), id), theirs = State(runc(), id);
  ASSERT_FALSE(mine.is_null());
  ASSERT_FALSE(theirs.is_null());
  for (const char* key : {"ociVersion", "id", "status", "pid", "bundle", "annotations"}) {
    EXPECT_TRUE(mine.contains(key)) << "state lacks " << key << ": " << mine.dump();
    EXPECT_TRUE(theirs.contains(key)) << "runc state lacks " << key;
  }
  for (auto& [key, value] : theirs.items()) {
    EXPECT_TRUE(mine.contains(key)) << "runc's state has " << key << ", ours not: " << mine.dump();
  }
  EXPECT_EQ(mine["id"], id);
  EXPECT_EQ(mine["status"], "created");
  EXPECT_EQ(mine["bundle"], b.dir);
  EXPECT_EQ(mine["annotations"], b.spec["annotations"]);
  EXPECT_TRUE(mine["ociVersion"].is_string());
  EXPECT_EQ(mine["pid"].type(), theirs["pid"].type());
}

TEST_F(LifecycleTest, StoppedStateHasZeroPidLikeRunc) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "exit", "0"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  json s = State(rt(), id);
  ASSERT_FALSE(s.is_null());
  // Runtime spec: pid is REQUIRED only while created or running; runc shows 0.
  EXPECT_EQ(s.value("pid", 0), 0) << s.dump();
}

TEST_F(LifecycleTest, RunExitCodeZero) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "exit", "0"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

TEST_F(LifecycleTest, RunPropagatesExitCode) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "exit", "3"});
  ProcResult mine = RunContainer(rt(), b);
  ProcResult theirs = RunContainer(runc(), b);
  EXPECT_EQ(mine.exit_code, 3) << mine.Describe();
  EXPECT_EQ(theirs.exit_code, 3) << theirs.Describe();
}

TEST_F(LifecycleTest, RunRemovesContainerAfterExit) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "exit", "0"});
  std::string id = NewId();
  ASSERT_EQ(RunContainer(rt(), b, id).exit_code, 0);
  EXPECT_TRUE(State(rt(), id).is_null()) << "foreground run left the container behind";
}

TEST_F(LifecycleTest, RunKilledContainerExits128PlusSignal) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  std::string id = NewId();
  Proc run = rt().Spawn({"run", "--bundle", b.dir, id});
  ASSERT_TRUE(WaitStatus(rt(), id, "running"));
  ProcResult k = rt().Run({"kill", id, "KILL"});
  EXPECT_EQ(k.exit_code, 0) << k.Describe();
  ProcResult r = run.Wait(10s);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL) << r.Describe();
}

TEST_F(LifecycleTest, RunForwardsSignalsToContainer) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "wait-signal", "/ready"});
  b.Write();
  std::string id = NewId();
  Proc run = rt().Spawn({"run", "--bundle", b.dir, id});
  ASSERT_TRUE(WaitForFile(b.rootfs + "/ready"));
  ASSERT_EQ(::kill(run.pid(), SIGUSR1), 0);
  ProcResult r = run.Wait(10s);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["signal"], SIGUSR1);
}

TEST_F(LifecycleTest, RunDetach) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "wait-signal", "/ready"});
  b.Write();
  std::string id = NewId();
  ProcResult r = rt().Run({"run", "--detach", "--bundle", b.dir, id}, 10s);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_TRUE(WaitForFile(b.rootfs + "/ready"));
  EXPECT_EQ(State(rt(), id)["status"], "running");
  ASSERT_EQ(rt().Run({"kill", id, "KILL"}).exit_code, 0);
  EXPECT_TRUE(WaitStatus(rt(), id, "stopped"));
  EXPECT_EQ(rt().Run({"delete", id}).exit_code, 0);
}

TEST_F(LifecycleTest, RunDetachShortFlag) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  std::string id = NewId();
  ProcResult r = rt().Run({"run", "-d", "-b", b.dir, id}, 10s);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(State(rt(), id)["status"], "running");
}

TEST_F(LifecycleTest, PidFileHoldsInitPid) {
  Bundle b = NewBundle();
  std::string pid_file = tmp_ + "/container.pid";
  std::string id = Create(b, {"/test_init", "sleep", "30"}, {"--pid-file", pid_file});
  json s = State(rt(), id);
  ASSERT_FALSE(s.is_null());
  std::string content = ReadFile(pid_file);
  ASSERT_FALSE(content.empty()) << "no pid file";
  EXPECT_EQ(std::stoi(content), s["pid"].get<int>());
}

TEST_F(LifecycleTest, PidFileOnRunDetach) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  std::string id = NewId();
  std::string pid_file = tmp_ + "/run.pid";
  ASSERT_EQ(rt().Run({"run", "-d", "--pid-file", pid_file, "--bundle", b.dir, id}).exit_code, 0);
  json s = State(rt(), id);
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(std::stoi(ReadFile(pid_file)), s["pid"].get<int>());
}

TEST_F(LifecycleTest, StartOfRunningContainerFails) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "sleep", "30"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ProcResult again = rt().Run({"start", id});
  EXPECT_NE(again.exit_code, 0) << again.Describe();
  EXPECT_FALSE(again.err.empty());
}

TEST_F(LifecycleTest, CreateDuplicateIdFails) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "sleep", "30"});
  ProcResult dup = rt().Run({"create", "--bundle", b.dir, id});
  EXPECT_NE(dup.exit_code, 0) << dup.Describe();
  EXPECT_EQ(State(rt(), id)["status"], "created") << "duplicate create disturbed the original";
}

TEST_F(LifecycleTest, DeleteRunningFailsWithoutForce) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "sleep", "30"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ProcResult del = rt().Run({"delete", id});
  EXPECT_NE(del.exit_code, 0) << del.Describe();
  EXPECT_NE(del.err.find("stopped"), std::string::npos) << del.err;
  EXPECT_EQ(State(rt(), id)["status"], "running");
}

// runtime.md says deleting a container that is not stopped is an error, but
// runc deletes a *created* container without --force (killing its waiting
// init), and containerd's shim relies on that: its createdState.Delete calls
// `runc delete` without --force for a task that was never started. rune
// follows runc; both runtimes must pass this.
TEST_F(LifecycleTest, DeleteCreatedWithoutForceKillsIt) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "sleep", "30"});
  int pid = State(rt(), id)["pid"].get<int>();
  ProcResult del = rt().Run({"delete", id});
  EXPECT_EQ(del.exit_code, 0) << del.Describe();
  EXPECT_NE(rt().Run({"state", id}).exit_code, 0);
  // The waiting init is gone (a zombie at most, until its parent reaps it).
  std::string stat;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::getline(in, stat);
  size_t close = stat.rfind(')');
  EXPECT_TRUE(stat.empty() || (close != std::string::npos && stat[close + 2] == 'Z')) << stat;
}

TEST_F(LifecycleTest, DeleteForceRunning) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "sleep", "30"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  int pid = State(rt(), id)["pid"].get<int>();
  ProcResult del = rt().Run({"delete", "--force", id});
  EXPECT_EQ(del.exit_code, 0) << del.Describe();
  EXPECT_TRUE(State(rt(), id).is_null());
  EXPECT_FALSE(Exists(rt().root + "/" + id));
  // The init may linger as a zombie only until its parent reaps it.
  std::this_thread::sleep_for(100ms);
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << "init still alive: " << stat;
}

TEST_F(LifecycleTest, DeleteForceCreatedShortFlag) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "sleep", "30"});
  int pid = State(rt(), id)["pid"].get<int>();
  ProcResult del = rt().Run({"delete", "-f", id});
  EXPECT_EQ(del.exit_code, 0) << del.Describe();
  EXPECT_TRUE(State(rt(), id).is_null());
  std::this_thread::sleep_for(100ms);
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << "init still alive: " << stat;
}

TEST_F(LifecycleTest, DeleteStopped) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "exit", "0"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  EXPECT_EQ(rt().Run({"delete", id}).exit_code, 0);
  EXPECT_TRUE(State(rt(), id).is_null());
}

// kill with the signal given as a name, SIG-name and number: the container
// (blocking all signals) reports which one arrived.
class KillSignalTest : public LifecycleTest,
                       public ::testing::WithParamInterface<std::string> {};

TEST_P(KillSignalTest, DeliversSignal) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "wait-signal", "/ready"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_TRUE(WaitForFile(b.rootfs + "/ready"));
  ProcResult k = rt().Run({"kill", id, GetParam()});
  ASSERT_EQ(k.exit_code, 0) << k.Describe();
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
}

INSTANTIATE_TEST_SUITE_P(Forms, KillSignalTest, ::testing::Values("USR1", "SIGUSR1", "10"));

TEST_F(LifecycleTest, KillSignalReachesProcess) {
  // Same as above, but checks which signal arrived, via create's stdout.
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "wait-signal", "/ready"});
  b.Write();
  std::string id = NewId();
  Proc create = rt().Spawn({"create", "--bundle", b.dir, id});
  ProcResult cr = create.Wait();
  ASSERT_EQ(cr.exit_code, 0) << cr.Describe();
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_TRUE(WaitForFile(b.rootfs + "/ready"));
  ASSERT_EQ(rt().Run({"kill", id, "SIGUSR2"}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  // The container wrote to the stdout create handed down: the file Proc kept.
  EXPECT_EQ(ParseJson(create.Stdout())["signal"], SIGUSR2);
}

TEST_F(LifecycleTest, KillDefaultIsSigterm) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "wait-signal", "/ready"});
  b.Write();
  std::string id = NewId();
  Proc create = rt().Spawn({"create", "--bundle", b.dir, id});
  ProcResult cr = create.Wait();
  ASSERT_EQ(cr.exit_code, 0) << cr.Describe();
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_TRUE(WaitForFile(b.rootfs + "/ready"));
  ASSERT_EQ(rt().Run({"kill", id}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  EXPECT_EQ(ParseJson(create.Stdout())["signal"], SIGTERM);
}

TEST_F(LifecycleTest, KillUnknownSignalFails) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "sleep", "30"});
  ProcResult k = rt().Run({"kill", id, "NOSUCHSIG"});
  EXPECT_NE(k.exit_code, 0) << k.Describe();
  EXPECT_NE(k.err.find("NOSUCHSIG"), std::string::npos) << k.err;
}

TEST_F(LifecycleTest, KillStoppedContainerFails) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/test_init", "exit", "0"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  ProcResult k = rt().Run({"kill", id, "KILL"});
  EXPECT_NE(k.exit_code, 0) << k.Describe();
}

// kill --all signals every process of the container, not only init: the
// shell (pid 1, no handler) ignores SIGUSR1, its two children report it.
TEST_F(LifecycleTest, KillAllReachesEveryProcess) {
  Bundle b = NewBundle();
  std::string id =
      Create(b, {"/bin/sh", "-c",
                 "/test_init wait-signal /r1 > /o1 & /test_init wait-signal /r2 > /o2 & wait"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_TRUE(WaitForFile(b.rootfs + "/r1"));
  ASSERT_TRUE(WaitForFile(b.rootfs + "/r2"));
  ProcResult k = rt().Run({"kill", "--all", id, "USR1"});
  ASSERT_EQ(k.exit_code, 0) << k.Describe();
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  EXPECT_NE(ReadFile(b.rootfs + "/o1").find("\"signal\":10"), std::string::npos);
  EXPECT_NE(ReadFile(b.rootfs + "/o2").find("\"signal\":10"), std::string::npos);
}

TEST_F(LifecycleTest, KillAllShortFlag) {
  Bundle b = NewBundle();
  std::string id = Create(b, {"/bin/sh", "-c", "/test_init sleep 30 & /test_init sleep 30; wait"});
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_EQ(rt().Run({"kill", "-a", id, "KILL"}).exit_code, 0);
  EXPECT_TRUE(WaitStatus(rt(), id, "stopped"));
}

// Concurrent commands on one container are serialised: of two creates of
// one id exactly one wins; of parallel force-deletes none corrupts state.
TEST_F(LifecycleTest, ConcurrentCreateSameIdOneWins) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  for (int round = 0; round < 3; ++round) {
    std::string id = NewId("r" + std::to_string(round));
    Proc p1 = rt().Spawn({"create", "--bundle", b.dir, id});
    Proc p2 = rt().Spawn({"create", "--bundle", b.dir, id});
    ProcResult r1 = p1.Wait(), r2 = p2.Wait();
    int wins = (r1.exit_code == 0) + (r2.exit_code == 0);
    EXPECT_LE(wins, 1) << r1.Describe() << "\n" << r2.Describe();
    // runc 1.1.5 does not serialise create: both racers may fail ("exec
    // fifo already exists" / "unable to store init state"), the loser's
    // cleanup may delete the winner's state, and the loser's "runc init"
    // may be left running. So "exactly one wins, and its container is
    // intact" is checked for rune only.
    if (!UnderTestIsRunc()) {
      EXPECT_EQ(wins, 1) << "round " << round << "\n" << r1.Describe() << "\n" << r2.Describe();
      EXPECT_EQ(State(rt(), id)["status"], "created") << "the winner's container was disturbed";
    }
    (void)rt().Run({"delete", "--force", id});
    EXPECT_TRUE(State(rt(), id).is_null());
    EXPECT_FALSE(Exists(rt().root + "/" + id)) << "state dir left behind";
  }
}

TEST_F(LifecycleTest, ConcurrentStartRunsProcessOnce) {
  Bundle b = NewBundle();
  for (int round = 0; round < 3; ++round) {
    std::string marker = "/m" + std::to_string(round);
    std::string id = Create(b, {"/bin/sh", "-c", "echo x >> " + marker + "; sleep 30"});
    Proc p1 = rt().Spawn({"start", id});
    Proc p2 = rt().Spawn({"start", id});
    ProcResult r1 = p1.Wait(), r2 = p2.Wait();
    EXPECT_EQ((r1.exit_code == 0) + (r2.exit_code == 0), 1)
        << r1.Describe() << "\n" << r2.Describe();
    ASSERT_TRUE(WaitForFile(b.rootfs + marker));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(ReadFile(b.rootfs + marker), "x\n");
    EXPECT_EQ(rt().Run({"delete", "-f", id}).exit_code, 0);
  }
}

TEST_F(LifecycleTest, ConcurrentForceDeletesLeaveCleanState) {
  Bundle b = NewBundle();
  for (int round = 0; round < 3; ++round) {
    std::string id = Create(b, {"/test_init", "sleep", "30"});
    ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
    Proc p1 = rt().Spawn({"delete", "--force", id});
    Proc p2 = rt().Spawn({"delete", "--force", id});
    ProcResult r1 = p1.Wait(), r2 = p2.Wait();
    EXPECT_FALSE(r1.timed_out || r2.timed_out);
    EXPECT_GE((r1.exit_code == 0) + (r2.exit_code == 0), 1)
        << r1.Describe() << "\n" << r2.Describe();
    EXPECT_TRUE(State(rt(), id).is_null());
    EXPECT_FALSE(Exists(rt().root + "/" + id));
    // The id is free again: a new container with it can be created.
    ProcResult again = rt().Run({"create", "--bundle", b.dir, id});
    EXPECT_EQ(again.exit_code, 0) << again.Describe();
    EXPECT_EQ(rt().Run({"delete", "-f", id}).exit_code, 0);
  }
}

}  // namespace
}  // namespace itest
