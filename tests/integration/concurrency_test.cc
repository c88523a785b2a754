// Concurrency: many containers driven in parallel through one --root, and
// racing commands on one container id. Afterwards nothing may be left: no
// state file, cgroup dir, process or host mount.
#include <signal.h>

#include <atomic>
#include <barrier>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/leaks.h"

namespace itest {
namespace {

constexpr int kContainers = 50;

class ConcurrencyTest : public IntegrationTest {
 protected:
  // A bundle for id whose process sleeps, with cgroupsPath "/<id>".
  Bundle SleepingBundle(const std::string& id) {
    Bundle b = NewBundle();
    b.spec["linux"]["cgroupsPath"] = "/" + id;
    TrackCgroup("/" + id);
    b.SetArgs({"/test_init", "sleep", "1000"});
    b.Write();
    return b;
  }

  // Polls `state` (without gtest assertions: called from worker threads).
  static std::string StatusOf(const Runtime& r, const std::string& id) {
    ProcResult p = r.Run({"state", id});
    if (p.exit_code != 0) return "";
    json s = json::parse(p.out, nullptr, false);
    return s.is_object() ? s.value("status", "") : "";
  }
};

// Collects failure messages from worker threads; reported by the main one.
class Failures {
 public:
  void Add(const std::string& s) {
    std::lock_guard<std::mutex> l(mu_);
    msgs_.push_back(s);
  }
  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> l(mu_);
    return std::move(msgs_);
  }

 private:
  std::mutex mu_;
  std::vector<std::string> msgs_;
};

TEST_F(ConcurrencyTest, FiftyLifecyclesInParallel) {
  std::vector<std::string> ids;
  std::vector<Bundle> bundles;
  for (int i = 0; i < kContainers; ++i) {
    ids.push_back(NewId("par"));
    bundles.push_back(SleepingBundle(ids.back()));
  }
  Failures failures;
  std::barrier sync(kContainers);
  const Runtime& r = rt();
  auto lifecycle = [&](int i) {
    const std::string& id = ids[i];
    sync.arrive_and_wait();  // every create at once
    auto step = [&](const std::vector<std::string>& args) {
      ProcResult p = r.Run(args);
      if (p.exit_code != 0) failures.Add(id + ": " + args[0] + ": " + p.Describe());
      return p.exit_code == 0;
    };
    if (!step({"create", "--bundle", bundles[i].dir, id})) return;
    if (!step({"start", id})) return;
    if (std::string s = StatusOf(r, id); s != "running") failures.Add(id + ": status after start: " + s);
    if (!step({"kill", id, "KILL"})) return;
    std::string s;
    for (int k = 0; k < 500 && (s = StatusOf(r, id)) != "stopped"; ++k) std::this_thread::sleep_for(20ms);
    if (s != "stopped") failures.Add(id + ": not stopped after SIGKILL: " + s);
    step({"delete", id});
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kContainers; ++i) threads.emplace_back(lifecycle, i);
  for (auto& t : threads) t.join();
  for (const std::string& f : failures.Take()) ADD_FAILURE() << f;
  for (int i = 0; i < kContainers; ++i) {
    EXPECT_EQ(ContainerLeaks(rt(), ids[i], bundles[i].dir, "/" + ids[i]), "") << ids[i];
  }
  ProcResult list = rt().Run({"list", "-q"});
  EXPECT_EQ(list.exit_code, 0) << list.Describe();
  EXPECT_EQ(list.out, "") << "containers left in the root";
  EXPECT_EQ(HostMountsContaining(tmp_), std::vector<std::string>{});
}

TEST_F(ConcurrencyTest, TwoCreatesWithOneIdExactlyOneSucceeds) {
  for (int round = 0; round < 10; ++round) {
    std::string id = NewId("dup");
    Bundle a = SleepingBundle(id);
    Bundle b = NewBundle();
    b.spec = a.spec;
    b.Write();
    std::barrier sync(2);
    ProcResult res[2];
    std::thread ta([&] {
      sync.arrive_and_wait();
      res[0] = rt().Run({"create", "--bundle", a.dir, id});
    });
    std::thread tb([&] {
      sync.arrive_and_wait();
      res[1] = rt().Run({"create", "--bundle", b.dir, id});
    });
    ta.join();
    tb.join();
    int ok = (res[0].exit_code == 0) + (res[1].exit_code == 0);
    if (UnderTestIsRunc()) {
      // runc 1.1.5 races on its exec.fifo: both creates may fail ("exec
      // fifo ... already exists" / "chown .../exec.fifo: no such file"),
      // and the loser's cleanup may remove the winner's state dir.
      EXPECT_LE(ok, 1) << res[0].Describe() << res[1].Describe();
      (void)rt().Run({"delete", "--force", id});
      continue;
    }
    ASSERT_EQ(ok, 1) << "round " << round << "\nA: " << res[0].Describe() << "\nB: " << res[1].Describe();
    const ProcResult& loser = res[0].exit_code == 0 ? res[1] : res[0];
    EXPECT_NE(loser.err.find("already exists"), std::string::npos) << loser.Describe();
    // The winner's container is intact and works.
    std::string winner_bundle = res[0].exit_code == 0 ? a.dir : b.dir;
    json st = State(rt(), id);
    ASSERT_FALSE(st.is_null());
    EXPECT_EQ(st["status"], "created");
    EXPECT_EQ(st["bundle"], winner_bundle);
    ProcResult s = rt().Run({"start", id});
    EXPECT_EQ(s.exit_code, 0) << s.Describe();
    EXPECT_TRUE(WaitStatus(rt(), id, "running"));
    ProcResult d = rt().Run({"delete", "--force", id});
    EXPECT_EQ(d.exit_code, 0) << d.Describe();
    EXPECT_EQ(ContainerLeaks(rt(), id, a.dir, "/" + id), "");
    EXPECT_EQ(ContainerLeaks(rt(), id, b.dir, "/" + id), "");
  }
}

// start, state, kill, ps and two delete --force racing on one created
// container: each either succeeds or fails with an error message (never a
// crash), and afterwards the container is gone without leaks.
TEST_F(ConcurrencyTest, RacingCommandsOnOneContainer) {
  for (int round = 0; round < 5; ++round) {
    std::string id = NewId("race");
    Bundle b = SleepingBundle(id);
    ProcResult c = rt().Run({"create", "--bundle", b.dir, id});
    ASSERT_EQ(c.exit_code, 0) << c.Describe();
    std::vector<std::vector<std::string>> cmds = {
        {"start", id}, {"state", id}, {"kill", id, "KILL"}, {"delete", "--force", id}, {"delete", "--force", id}};
    std::vector<ProcResult> res(cmds.size());
    std::barrier sync(static_cast<std::ptrdiff_t>(cmds.size()));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < cmds.size(); ++i) {
      threads.emplace_back([&, i] {
        sync.arrive_and_wait();
        res[i] = rt().Run(cmds[i]);
      });
    }
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < cmds.size(); ++i) {
      // exit 0, or 1 with a message; a signal/abort would be 128+N.
      EXPECT_TRUE(res[i].exit_code == 0 || (res[i].exit_code == 1 && !res[i].err.empty()))
          << cmds[i][0] << ": " << res[i].Describe();
    }
    EXPECT_EQ(res[3].exit_code, 0) << res[3].Describe();
    EXPECT_EQ(res[4].exit_code, 0) << res[4].Describe();
    EXPECT_EQ(ContainerLeaks(rt(), id, b.dir, "/" + id), "");
  }
}

}  // namespace
}  // namespace itest
