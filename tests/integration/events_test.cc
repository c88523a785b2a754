// `events`: cgroup statistics (--stats and the periodic stream) and OOM
// notifications of a running container, checked against what the test set
// up (processes, limits) and, for the JSON shape, against runc itself.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>

#include "tests/integration/harness.h"

namespace itest {
namespace {

class EventsTest : public IntegrationTest {
 protected:
  std::string Start(Runtime& r, Bundle& b, const std::vector<std::string>& args) {
    b.SetArgs(args);
    b.Write();
    std::string id = NewId();
    ProcResult res = r.Run({"run", "-d", "--bundle", b.dir, id}, 15s);
    EXPECT_EQ(res.exit_code, 0) << res.Describe();
    return id;
  }
  // Waits until the spawned command's stdout contains needle (bounded: a
  // failure, not a timing assertion).
  static bool WaitForOutput(const Proc& p, const std::string& needle,
                            std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (p.Stdout().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  // Polls `ps -f json` until the container has n processes.
  bool WaitForPids(Runtime& r, const std::string& id, size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      ProcResult ps = r.Run({"ps", "-f", "json", id});
      json pids = json::parse(ps.out, nullptr, false);
      if (ps.exit_code == 0 && pids.is_array() && pids.size() == n) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  // `events --stats` parsed; checks the envelope.
  json Stats(Runtime& r, const std::string& id) {
    ProcResult res = r.Run({"events", "--stats", id});
    EXPECT_EQ(res.exit_code, 0) << res.Describe();
    std::vector<json> lines = ParseJsonLines(res.out);
    EXPECT_EQ(lines.size(), 1u) << res.out;
    if (lines.empty()) return json();
    EXPECT_EQ(lines[0].value("type", ""), "stats");
    EXPECT_EQ(lines[0].value("id", ""), id);
    return lines[0].value("data", json());
  }
  static std::set<std::string> Keys(const json& j) {
    std::set<std::string> out;
    if (j.is_object())
      for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
    return out;
  }
  static std::string Show(const std::set<std::string>& s) {
    std::string out;
    for (const auto& k : s) out += k + " ";
    return out;
  }

  static constexpr int64_t kMemLimit = 64 << 20;
};

TEST_F(EventsTest, StatsReportPidsMemoryAndLimits) {
  Bundle b = NewBundle();
  b.spec["linux"]["resources"]["memory"] = {{"limit", kMemLimit}};
  b.spec["linux"]["resources"]["pids"] = {{"limit", 50}};
  std::string id = Start(rt(), b, {"sh", "-c", "sleep 1000 & exec sleep 1000"});
  ASSERT_TRUE(WaitForPids(rt(), id, 2));

  json d = Stats(rt(), id);
  ASSERT_TRUE(d.is_object()) << d;
  EXPECT_EQ(d["pids"].value("current", 0), 2) << d["pids"];
  EXPECT_EQ(d["pids"].value("limit", 0), 50) << d["pids"];
  EXPECT_EQ(d["memory"]["usage"].value("limit", int64_t{0}), kMemLimit) << d["memory"]["usage"];
  EXPECT_GT(d["memory"]["usage"].value("usage", int64_t{0}), 0) << d["memory"]["usage"];
  EXPECT_TRUE(d["memory"]["raw"].is_object() && !d["memory"]["raw"].empty()) << d["memory"];
  EXPECT_GT(d["cpu"]["usage"].value("total", int64_t{0}), 0) << d["cpu"];
  EXPECT_TRUE(d["cpu"]["usage"].contains("kernel") && d["cpu"]["usage"].contains("user")) << d["cpu"];
  EXPECT_TRUE(d["hugetlb"].is_object());
  EXPECT_TRUE(d["intel_rdt"].is_object());
  EXPECT_TRUE(d.contains("network_interfaces"));
}

// The same container under runc and under the runtime being tested: the
// JSON has the same members (names and omitempty behaviour) where the
// values are alike.
TEST_F(EventsTest, StatsShapeMatchesRunc) {
  if (!Exists(runc().binary)) GTEST_SKIP() << "no runc baseline at " << runc().binary;
  std::vector<json> data;
  for (Runtime* r : {&rt(), &runc()}) {
    Bundle b = NewBundle();
    b.spec["linux"]["resources"]["memory"] = {{"limit", kMemLimit}};
    b.spec["linux"]["resources"]["pids"] = {{"limit", 50}};
    std::string id = Start(*r, b, {"sleep", "1000"});
    ASSERT_TRUE(WaitForPids(*r, id, 1));
    data.push_back(Stats(*r, id));
    ASSERT_TRUE(data.back().is_object());
  }
  const json& mine = data[0];
  const json& theirs = data[1];
  EXPECT_EQ(Keys(mine), Keys(theirs)) << Show(Keys(mine)) << "vs runc " << Show(Keys(theirs));
  for (const char* part : {"cpu", "cpuset", "memory", "pids", "hugetlb", "intel_rdt"}) {
    std::set<std::string> a = Keys(mine[part]), b = Keys(theirs[part]);
    if (std::string(part) == "memory") {
      // "cache" is omitempty in runc (types.Memory): present only when the
      // cgroup has page cache charged, which differs between two containers.
      // Compare the rest, and check each side follows the rule.
      a.erase("cache");
      b.erase("cache");
    }
    EXPECT_EQ(a, b) << part << ": " << Show(a) << "vs runc " << Show(b);
  }
  for (const json* d : {&mine, &theirs}) {
    const json& mem = (*d)["memory"];
    // v1 names it "cache" in memory.stat, v2 "file".
    const char* key = mem["raw"].contains("cache") ? "cache" : "file";
    uint64_t raw_cache = mem["raw"].value(key, uint64_t{0});
    EXPECT_EQ(mem.contains("cache"), raw_cache != 0) << (d == &mine ? "rune" : "runc") << ": " << mem.dump();
    if (mem.contains("cache")) {
      EXPECT_EQ(mem["cache"].get<uint64_t>(), raw_cache);
    }
  }
  for (const char* entry : {"usage", "swap", "kernel", "kernelTCP"}) {
    // usage/max are omitted when 0: compare the always-present members.
    for (const char* k : {"limit", "failcnt"})
      EXPECT_EQ(mine["memory"][entry].contains(k), theirs["memory"][entry].contains(k)) << entry << "." << k;
  }
  EXPECT_EQ(Keys(mine["memory"]["raw"]), Keys(theirs["memory"]["raw"]));
  EXPECT_EQ(Keys(mine["cpu"]["usage"]), Keys(theirs["cpu"]["usage"]));
  EXPECT_EQ(mine["network_interfaces"], theirs["network_interfaces"]);
}

TEST_F(EventsTest, OomEventWhenTheLimitIsHit) {
  Bundle b = NewBundle();
  constexpr int64_t kSmall = 16 << 20;
  // Memory and memory+swap limited alike: no swap to escape to.
  b.spec["linux"]["resources"]["memory"] = {{"limit", kSmall}, {"swap", kSmall}};
  // The allocation starts once `events` is watching (the file appears);
  // the shell survives the OOM kill of its child and keeps the container up.
  std::string id = Start(rt(), b,
                         {"sh", "-c",
                          "while [ ! -e /tmp/go ]; do sleep 0.05; done; /test_init alloc; "
                          "echo survived > /tmp/after; exec sleep 1000"});
  Proc ev = rt().Spawn({"events", "--interval", "100ms", id});
  // The first stats event comes after the OOM watch is registered.
  ASSERT_TRUE(WaitForOutput(ev, "\"type\":\"stats\"")) << ev.Stdout();
  WriteFile(b.rootfs + "/tmp/go", "");
  ASSERT_TRUE(WaitForOutput(ev, "\"type\":\"oom\"")) << ev.Stdout();
  ASSERT_TRUE(WaitForFile(b.rootfs + "/tmp/after"));

  ASSERT_EQ(rt().Run({"kill", id, "KILL"}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  if (UnderTestIsRunc()) (void)rt().Run({"delete", id});  // runc on v1 stops only when the cgroup goes
  ProcResult res = ev.Wait(30s);
  EXPECT_FALSE(res.timed_out) << res.Describe();
  EXPECT_EQ(res.exit_code, 0) << res.Describe();
  int ooms = 0;
  for (const json& e : ParseJsonLines(res.out)) {
    EXPECT_EQ(e.value("id", ""), id);
    if (e.value("type", "") == "oom") {
      ++ooms;
      EXPECT_EQ(e, (json{{"type", "oom"}, {"id", id}})) << "an oom event carries no data";
    } else {
      EXPECT_EQ(e.value("type", ""), "stats") << e;
    }
  }
  EXPECT_GE(ooms, 1) << res.out;
}

TEST_F(EventsTest, StreamEndsWhenTheContainerStops) {
  Bundle b = NewBundle();
  std::string id = Start(rt(), b, {"sleep", "1000"});
  Proc ev = rt().Spawn({"events", "--interval", "100ms", id});
  ASSERT_TRUE(WaitForOutput(ev, "\"type\":\"stats\"")) << ev.Stdout();
  ASSERT_EQ(rt().Run({"kill", id, "KILL"}).exit_code, 0);
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  if (UnderTestIsRunc()) (void)rt().Run({"delete", id});  // runc on v1 stops only when the cgroup goes
  ProcResult res = ev.Wait(30s);
  EXPECT_FALSE(res.timed_out) << "events kept running after the container stopped: " << res.Describe();
  EXPECT_EQ(res.exit_code, 0) << res.Describe();
  std::vector<json> lines = ParseJsonLines(res.out);
  ASSERT_FALSE(lines.empty());
  for (const json& e : lines) {
    EXPECT_EQ(e.value("type", ""), "stats");
    EXPECT_TRUE(e["data"].is_object());
  }
}

TEST_F(EventsTest, MissingContainerFails) {
  ProcResult res = rt().Run({"events", "--stats", "no-such-container"});
  EXPECT_NE(res.exit_code, 0) << res.Describe();
  EXPECT_NE(res.err.find("does not exist"), std::string::npos) << res.Describe();
  EXPECT_TRUE(res.out.empty()) << res.Describe();
  res = rt().Run({"events", "no-such-container"}, 10s);
  EXPECT_NE(res.exit_code, 0) << res.Describe();
  EXPECT_FALSE(res.timed_out);
}

TEST_F(EventsTest, StoppedContainerFails) {
  Bundle b = NewBundle();
  std::string id = Start(rt(), b, {"/test_init", "exit", "0"});
  ASSERT_TRUE(WaitStatus(rt(), id, "stopped"));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"events", "--stats", id}, std::vector<std::string>{"events", id}}) {
    ProcResult res = rt().Run(args, 10s);
    EXPECT_NE(res.exit_code, 0) << res.Describe();
    EXPECT_NE(res.err.find("is not running"), std::string::npos) << res.Describe();
  }
}

TEST_F(EventsTest, InvalidIntervalIsRejected) {
  Bundle b = NewBundle();
  std::string id = Start(rt(), b, {"sleep", "1000"});
  for (const char* bad : {"0", "5x", "abc"}) {
    ProcResult res = rt().Run({"events", "--interval", bad, id}, 10s);
    EXPECT_NE(res.exit_code, 0) << bad << ": " << res.Describe();
    EXPECT_FALSE(res.timed_out) << bad;
    EXPECT_NE(res.err.find("interval"), std::string::npos) << bad << ": " << res.Describe();
  }
}

}  // namespace
}  // namespace itest
