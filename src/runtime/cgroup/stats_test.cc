// cgroup statistics (stats.h) from fabricated v1 and v2 control files in a
// fake tree (see fake_cgroup_fs.h), and their runc-shaped JSON.
#include "runtime/cgroup/stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/fake_cgroup_fs.h"
#include "runtime/cgroup/stats_internal.h"

namespace inclavare::runtime::cgroup {
namespace {

using ::testing::ElementsAre;
using testing::FakeCgroupTree;
using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

class StatsTest : public ::testing::Test {
 protected:
  void Init(std::unique_ptr<FakeCgroupTree> tree) {
    tree_ = std::move(tree);
    auto m = NewManager({.container_id = "c1"}, tree_->options());
    ASSERT_TRUE(m) << m.error().ToString();
    mgr_ = std::move(*m);
    auto created = mgr_->Create();
    ASSERT_TRUE(created) << created.error().ToString();
  }
  // Writes a control file of the container's cgroup in hierarchy `controller`
  // (v1) or in the unified directory (controller "").
  void Put(const std::string& controller, const std::string& file, const std::string& content) {
    const std::string& dir = mgr_->GetPaths().at(controller);
    ASSERT_TRUE(fs::WriteFile(fs::Join(dir, file), content, true));
  }
  void Remove(const std::string& controller, const std::string& file) {
    ASSERT_TRUE(fs::RemoveAll(fs::Join(mgr_->GetPaths().at(controller), file)));
  }
  Result<Stats> V1(const std::vector<std::string>& sizes = {}) {
    return internal::ReadV1Stats(tree_->fs, mgr_->GetPaths(), sizes);
  }
  Result<Stats> V2(const std::vector<std::string>& sizes = {}) {
    return internal::ReadV2Stats(tree_->fs, mgr_->GetPaths().at(""), sizes);
  }

  // The files every v1 read needs (the fake kernel creates only a few).
  void PutV1Basics() {
    Put("cpuacct", "cpuacct.stat", "user 150\nsystem 50\n");
    Put("cpuacct", "cpuacct.usage", "123456789\n");
    Put("cpuacct", "cpuacct.usage_percpu", "100 200 \n");
    Put("memory", "memory.stat", "cache 4096\nrss 8192\ntotal_cache 4096\n");
    Put("memory", "memory.usage_in_bytes", "12288\n");
    Put("memory", "memory.max_usage_in_bytes", "20480\n");
    Put("memory", "memory.failcnt", "3\n");
    Put("memory", "memory.limit_in_bytes", "8388608\n");
    Put("pids", "pids.current", "3\n");
  }

  void PutV2Basics() {
    Put("", "cpu.stat",
        "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 5\nnr_throttled 1\nthrottled_usec 20\n");
    Put("", "memory.stat", "anon 4096\nfile 8192\nkernel 1024\n");
    Put("", "memory.current", "12288\n");
    Put("", "memory.swap.current", "4096\n");
    Put("", "pids.current", "2\n");
    Put("", "io.stat",
        "8:16 rbytes=1024 wbytes=2048 rios=3 wios=4 dbytes=0 dios=0\n"
        "253:0 rbytes=1 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
  }

  std::unique_ptr<FakeCgroupTree> tree_;
  std::unique_ptr<Manager> mgr_;
};

TEST_F(StatsTest, V1ReadsEveryController) {
  Init(FakeCgroupTree::V1());
  PutV1Basics();
  Put("cpuacct", "cpuacct.usage_all", "cpu user system\n0 60 40\n1 120 80\n");
  Put("cpu", "cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 3000\nnr_bursts 0\n");
  Put("cpuset", "cpuset.cpus", "0-2,5\n");
  Put("cpuset", "cpuset.mems", "0\n");
  Put("cpuset", "cpuset.sched_load_balance", "1\n");
  Put("cpuset", "cpuset.sched_relax_domain_level", "-1\n");
  Put("memory", "memory.memsw.usage_in_bytes", "16384\n");
  Put("memory", "memory.memsw.max_usage_in_bytes", "24576\n");
  Put("memory", "memory.memsw.failcnt", "1\n");
  Put("memory", "memory.memsw.limit_in_bytes", "9223372036854771712\n");
  Put("pids", "pids.max", "64\n");
  Put("blkio", "blkio.throttle.io_service_bytes",
      "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Total 12288\nTotal 12288\n");
  Put("blkio", "blkio.throttle.io_serviced", "8:0 Read 1\n8:0 Write 2\nTotal 3\n");
  Put("hugetlb", "hugetlb.2MB.usage_in_bytes", "2097152\n");
  Put("hugetlb", "hugetlb.2MB.max_usage_in_bytes", "4194304\n");
  Put("hugetlb", "hugetlb.2MB.failcnt", "7\n");

  auto s = V1({"2MB"});
  ASSERT_TRUE(s) << s.error().ToString();
  // cpuacct.stat is in USER_HZ (100/s) ticks: 150 ticks = 1.5 s.
  EXPECT_EQ(s->cpu.usage.user, 1500000000u);
  EXPECT_EQ(s->cpu.usage.kernel, 500000000u);
  EXPECT_EQ(s->cpu.usage.total, 123456789u);
  EXPECT_THAT(s->cpu.usage.percpu, ElementsAre(100, 200));
  EXPECT_THAT(s->cpu.usage.percpu_user, ElementsAre(60, 120));
  EXPECT_THAT(s->cpu.usage.percpu_kernel, ElementsAre(40, 80));
  EXPECT_EQ(s->cpu.throttling.periods, 10u);
  EXPECT_EQ(s->cpu.throttling.throttled_periods, 2u);
  EXPECT_EQ(s->cpu.throttling.throttled_time, 3000u);
  EXPECT_THAT(s->cpuset.cpus, ElementsAre(0, 1, 2, 5));
  EXPECT_THAT(s->cpuset.mems, ElementsAre(0));
  EXPECT_EQ(s->cpuset.sched_load_balance, 1u);
  EXPECT_EQ(s->cpuset.sched_relax_domain_level, -1);
  EXPECT_EQ(s->memory.cache, 4096u);
  EXPECT_EQ(s->memory.raw.at("rss"), 8192u);
  EXPECT_EQ(s->memory.usage.usage, 12288u);
  EXPECT_EQ(s->memory.usage.max_usage, 20480u);
  EXPECT_EQ(s->memory.usage.failcnt, 3u);
  EXPECT_EQ(s->memory.usage.limit, 8388608u);
  EXPECT_EQ(s->memory.swap.usage, 16384u);
  EXPECT_EQ(s->memory.swap.limit, 9223372036854771712u);
  EXPECT_TRUE(s->memory.use_hierarchy);
  // No memory.kmem.usage_in_bytes in this kernel: zero, not an error.
  EXPECT_EQ(s->memory.kernel.usage, 0u);
  EXPECT_EQ(s->pids.current, 3u);
  EXPECT_EQ(s->pids.limit, 64u);
  EXPECT_THAT(s->blkio.io_service_bytes_recursive,
              ElementsAre(BlkioEntry{8, 0, "Read", 4096}, BlkioEntry{8, 0, "Write", 8192},
                          BlkioEntry{8, 0, "Sync", 0}, BlkioEntry{8, 0, "Async", 12288},
                          BlkioEntry{8, 0, "Total", 12288}));
  EXPECT_THAT(s->blkio.io_serviced_recursive,
              ElementsAre(BlkioEntry{8, 0, "Read", 1}, BlkioEntry{8, 0, "Write", 2}));
  ASSERT_EQ(s->hugetlb.count("2MB"), 1u);
  EXPECT_EQ(s->hugetlb["2MB"].usage, 2097152u);
  EXPECT_EQ(s->hugetlb["2MB"].max_usage, 4194304u);
  EXPECT_EQ(s->hugetlb["2MB"].failcnt, 7u);
}

TEST_F(StatsTest, V1SeparateCpuAndCpuacctHierarchies) {
  Init(FakeCgroupTree::V1(/*hybrid=*/true, /*comount_cpu=*/false));
  ASSERT_NE(mgr_->GetPaths().at("cpu"), mgr_->GetPaths().at("cpuacct"));
  PutV1Basics();
  Put("cpu", "cpu.stat", "nr_periods 4\nnr_throttled 1\nthrottled_time 99\n");
  auto s = V1();
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->cpu.usage.total, 123456789u);
  EXPECT_EQ(s->cpu.throttling.periods, 4u);
  EXPECT_EQ(s->cpu.throttling.throttled_time, 99u);
}

TEST_F(StatsTest, V1PidsMaxIsNoLimit) {
  Init(FakeCgroupTree::V1());
  PutV1Basics();  // pids.max keeps the kernel default "max"
  auto s = V1();
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->pids.limit, 0u);
  EXPECT_EQ(s->pids.current, 3u);
}

TEST_F(StatsTest, V1WithoutUsageAllHasNoPerCpuModes) {
  Init(FakeCgroupTree::V1());
  PutV1Basics();
  auto s = V1();
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_TRUE(s->cpu.usage.percpu_kernel.empty());
  Json j = StatsToJson(*s);
  EXPECT_FALSE(j["cpu"]["usage"].contains("percpu_kernel"));
  EXPECT_EQ(j["cpu"]["usage"]["percpu"], Json::parse("[100,200]"));
}

TEST_F(StatsTest, V1PrefersCfqFilesOverThrottleFiles) {
  Init(FakeCgroupTree::V1());
  PutV1Basics();
  // An empty BFQ file (scheduler without I/O yet) is skipped as runc does.
  Put("blkio", "blkio.bfq.io_serviced_recursive", "Total 0\n");
  Put("blkio", "blkio.io_service_bytes_recursive", "8:16 Read 512\nTotal 512\n");
  Put("blkio", "blkio.sectors_recursive", "8:16 1\n");
  Put("blkio", "blkio.throttle.io_service_bytes", "8:0 Read 4096\n");
  auto s = V1();
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_THAT(s->blkio.sectors_recursive, ElementsAre(BlkioEntry{8, 16, "", 1}));
  EXPECT_THAT(s->blkio.io_service_bytes_recursive, ElementsAre(BlkioEntry{8, 16, "Read", 512}));
}

TEST_F(StatsTest, V1MalformedFileIsNamed) {
  Init(FakeCgroupTree::V1());
  PutV1Basics();
  Put("memory", "memory.stat", "cache 4096\nrss lots\n");
  auto s = V1();
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().ToString(), HasSubstr("memory.stat"));
  EXPECT_THAT(s.error().ToString(), HasSubstr("rss lots"));

  Put("memory", "memory.stat", "cache 4096\n");
  Put("cpuacct", "cpuacct.stat", "system 1\nuser 2\n");
  s = V1();
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().ToString(), HasSubstr("cpuacct.stat"));
}

TEST_F(StatsTest, V1MissingCgroupIsNotFound) {
  Init(FakeCgroupTree::V1());
  PutV1Basics();
  ASSERT_TRUE(mgr_->Destroy());
  auto s = V1();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(s.error().ToString(), HasSubstr("does not exist"));
}

TEST_F(StatsTest, V1ManagerGetStats) {
  Init(FakeCgroupTree::V1());
  PutV1Basics();
  auto s = mgr_->GetStats();
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->memory.usage.usage, 12288u);
  EXPECT_EQ(s->pids.current, 3u);
}

TEST_F(StatsTest, V2ReadsEveryController) {
  Init(FakeCgroupTree::V2());
  PutV2Basics();
  Put("", "hugetlb.2MB.current", "2097152\n");
  Put("", "hugetlb.2MB.events", "max 1\n");
  auto s = V2({"2MB", "1GB"});
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->cpu.usage.total, 1000000u);
  EXPECT_EQ(s->cpu.usage.user, 600000u);
  EXPECT_EQ(s->cpu.usage.kernel, 400000u);
  EXPECT_EQ(s->cpu.throttling.periods, 5u);
  EXPECT_EQ(s->cpu.throttling.throttled_periods, 1u);
  EXPECT_EQ(s->cpu.throttling.throttled_time, 20000u);
  EXPECT_EQ(s->memory.cache, 8192u);  // "file" on v2
  EXPECT_EQ(s->memory.raw.at("anon"), 4096u);
  EXPECT_EQ(s->memory.usage.usage, 12288u);
  EXPECT_EQ(s->memory.usage.limit, kMax);  // memory.max "max"
  // Swap as v1's memsw: swap + memory; "max" stays unlimited.
  EXPECT_EQ(s->memory.swap.usage, 16384u);
  EXPECT_EQ(s->memory.swap.limit, kMax);
  EXPECT_EQ(s->pids.current, 2u);
  EXPECT_EQ(s->pids.limit, 0u);  // pids.max "max"
  EXPECT_THAT(s->blkio.io_service_bytes_recursive,
              ElementsAre(BlkioEntry{8, 16, "Read", 1024}, BlkioEntry{8, 16, "Write", 2048},
                          BlkioEntry{253, 0, "Read", 1}, BlkioEntry{253, 0, "Write", 0}));
  EXPECT_THAT(s->blkio.io_serviced_recursive,
              ElementsAre(BlkioEntry{8, 16, "Read", 3}, BlkioEntry{8, 16, "Write", 4},
                          BlkioEntry{253, 0, "Read", 1}, BlkioEntry{253, 0, "Write", 0}));
  ASSERT_EQ(s->hugetlb.count("2MB"), 1u);
  EXPECT_EQ(s->hugetlb["2MB"].usage, 2097152u);
  EXPECT_EQ(s->hugetlb["2MB"].failcnt, 1u);
}

TEST_F(StatsTest, V2LimitsAndSwapConversion) {
  Init(FakeCgroupTree::V2());
  PutV2Basics();
  Put("", "memory.max", "8388608\n");
  Put("", "memory.swap.max", "0\n");
  Put("", "pids.max", "100\n");
  auto s = V2();
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->memory.usage.limit, 8388608u);
  EXPECT_EQ(s->memory.swap.limit, 8388608u);  // swap.max 0 + memory.max
  EXPECT_EQ(s->pids.limit, 100u);
}

TEST_F(StatsTest, V2WithoutPidsControllerCountsProcs) {
  Init(FakeCgroupTree::V2("cpu memory"));
  ASSERT_FALSE(tree_->Exists("c1/pids.current"));
  Put("", "cgroup.procs", "12\n34\n56\n");
  auto s = V2();
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->pids.current, 3u);
  EXPECT_EQ(s->pids.limit, 0u);
  // Neither memory.stat nor cpu.stat in this fake: those parts stay zero.
  EXPECT_TRUE(s->memory.raw.empty());
}

TEST_F(StatsTest, V2MalformedIoStatIsNamed) {
  Init(FakeCgroupTree::V2());
  PutV2Basics();
  Put("", "io.stat", "8:x rbytes=1\n");
  auto s = V2();
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().ToString(), HasSubstr("io.stat"));
}

TEST_F(StatsTest, JsonMatchesRuncShape) {
  Stats s;
  s.cpu.usage.total = 5;
  s.cpu.usage.percpu = {2, 3};
  s.cpu.usage.kernel = 1;
  s.cpuset.cpus = {0, 1};
  s.cpuset.sched_relax_domain_level = -1;
  s.memory.cache = 4096;
  s.memory.usage = {.usage = 8192, .max_usage = 0, .failcnt = 0, .limit = kMax};
  s.memory.raw["cache"] = 4096;
  s.pids.current = 1;
  s.blkio.io_service_bytes_recursive = {{8, 0, "Read", 512}, {8, 0, "Sync", 0}};
  s.hugetlb["2MB"] = {.usage = 0, .max_usage = 0, .failcnt = 0};
  Json j = StatsToJson(s);
  // Top-level keys in runc's order.
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_THAT(keys, ElementsAre("cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt",
                                "network_interfaces"));
  EXPECT_EQ(j["cpu"].dump(), R"({"usage":{"total":5,"percpu":[2,3],"kernel":1,"user":0},"throttling":{}})");
  EXPECT_EQ(j["cpuset"].dump(),
            R"({"cpus":[0,1],"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,)"
            R"("memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,)"
            R"("sched_relax_domain_level":-1})");
  EXPECT_EQ(j["memory"]["usage"].dump(), R"({"limit":18446744073709551615,"usage":8192,"failcnt":0})");
  EXPECT_EQ(j["memory"]["swap"].dump(), R"({"limit":0,"failcnt":0})");
  EXPECT_TRUE(j["memory"].contains("kernelTCP"));
  EXPECT_EQ(j["memory"]["raw"].dump(), R"({"cache":4096})");
  EXPECT_EQ(j["pids"].dump(), R"({"current":1})");
  EXPECT_EQ(j["blkio"].dump(),
            R"({"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":512},{"major":8,"op":"Sync"}]})");
  EXPECT_EQ(j["hugetlb"].dump(), R"({"2MB":{"failcnt":0}})");
  EXPECT_EQ(j["intel_rdt"].dump(), "{}");
  EXPECT_TRUE(j["network_interfaces"].is_null());

  // Empty parts: objects stay, omitempty members go.
  Json empty = StatsToJson(Stats{});
  EXPECT_EQ(empty["pids"].dump(), "{}");
  EXPECT_EQ(empty["blkio"].dump(), "{}");
  EXPECT_EQ(empty["hugetlb"].dump(), "{}");
  EXPECT_FALSE(empty["memory"].contains("raw"));
  EXPECT_FALSE(empty["memory"].contains("cache"));
}

TEST(StatsParseTest, Values) {
  using internal::ParseStatUint;
  EXPECT_EQ(ParseStatUint(" 42\n", "f").value(), 42u);
  EXPECT_EQ(ParseStatUint("max\n", "f").value(), kMax);
  EXPECT_EQ(ParseStatUint("-1", "f").value(), 0u);
  EXPECT_EQ(ParseStatUint("18446744073709551615", "f").value(), kMax);
  EXPECT_FALSE(ParseStatUint("18446744073709551616", "f"));
  EXPECT_FALSE(ParseStatUint("", "f"));
  auto bad = ParseStatUint("12abc", "memory.current");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().ToString(), HasSubstr("memory.current"));
}

TEST(StatsParseTest, CpuLists) {
  using internal::ParseCpuList;
  EXPECT_THAT(ParseCpuList("0-3,8,10-11\n", "f").value(), ElementsAre(0, 1, 2, 3, 8, 10, 11));
  EXPECT_TRUE(ParseCpuList("\n", "f").value().empty());
  EXPECT_FALSE(ParseCpuList("3-1", "f"));
  EXPECT_FALSE(ParseCpuList("1-2-3", "f"));
  EXPECT_FALSE(ParseCpuList("a", "f"));
  EXPECT_FALSE(ParseCpuList("70000", "f"));
}

TEST(StatsParseTest, BlkioLines) {
  using internal::ParseBlkioFile;
  EXPECT_FALSE(ParseBlkioFile("8:0 Read\n", "f"));
  EXPECT_FALSE(ParseBlkioFile("8:0 Read 1 2 3\n", "f"));
  EXPECT_TRUE(ParseBlkioFile("Total 0\n", "f").value().empty());
}

TEST(StatsParseTest, HugePageSizeNames) {
  using internal::HugePageSizeName;
  EXPECT_EQ(HugePageSizeName("hugepages-2048kB"), "2MB");
  EXPECT_EQ(HugePageSizeName("hugepages-1048576kB"), "1GB");
  EXPECT_EQ(HugePageSizeName("hugepages-64kB"), "64KB");
  EXPECT_EQ(HugePageSizeName("hugepages-32768kB"), "32MB");
  EXPECT_EQ(HugePageSizeName("hugepages-16777216kB"), "16GB");
  EXPECT_EQ(HugePageSizeName("hugepages-kB"), std::nullopt);
  EXPECT_EQ(HugePageSizeName("other"), std::nullopt);
}

TEST(StatsParseTest, HugePageSizesFromSysfs) {
  char tmpl[] = "/tmp/ic-hugepages-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  ASSERT_TRUE(fs::MkdirAll(dir + "/hugepages-2048kB"));
  ASSERT_TRUE(fs::MkdirAll(dir + "/hugepages-1048576kB"));
  auto sizes = HugePageSizes(dir);
  std::sort(sizes.begin(), sizes.end());
  EXPECT_THAT(sizes, ElementsAre("1GB", "2MB"));
  EXPECT_TRUE(HugePageSizes(dir + "/missing").empty());
  (void)fs::RemoveAll(dir);
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
