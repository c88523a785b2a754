// linux.resources parsing and serialisation (oci/resources.h).
#include "oci/resources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "oci/json_util.h"

namespace inclavare::oci {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

const char* kFull = R"({
  "devices": [
    {"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
    {"allow": true, "type": "c", "major": 136, "access": "rw"}
  ],
  "memory": {"limit": 536870912, "reservation": 268435456, "swap": 1073741824,
             "kernel": -1, "kernelTCP": 4194304, "swappiness": 60,
             "disableOOMKiller": false, "useHierarchy": true, "checkBeforeUpdate": true},
  "cpu": {"shares": 1024, "quota": 100000, "burst": 5000, "period": 100000,
          "realtimeRuntime": 950000, "realtimePeriod": 1000000,
          "cpus": "2-3", "mems": "0-7", "idle": 0},
  "pids": {"limit": 32771},
  "blockIO": {
    "weight": 10, "leafWeight": 10,
    "weightDevice": [{"major": 8, "minor": 0, "weight": 500, "leafWeight": 300},
                     {"major": 8, "minor": 16, "weight": 500}],
    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 600}],
    "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 700}],
    "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 800}],
    "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 300}]
  },
  "hugepageLimits": [{"pageSize": "2MB", "limit": 9223372036854772000}],
  "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500},
                                                 {"name": "eth1", "priority": 1000}]},
  "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}, "mlx4_0": {"hcaObjects": 1000}},
  "unified": {"io.max": "259:0 rbps=2097152 wiops=120", "memory.high": "1073741824"}
})";

Result<LinuxResources> Parse(const std::string& text) {
  LinuxResources r;
  IC_TRY(FromJson(Json::parse(text), "linux.resources", &r));
  return r;
}

TEST(OciResourcesTest, ParsesFullObject) {
  auto r = Parse(kFull);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->devices.size(), 3u);
  EXPECT_FALSE(r->devices[0].allow);
  EXPECT_EQ(r->devices[0].type, std::nullopt);
  EXPECT_EQ(r->devices[0].major, std::nullopt);
  EXPECT_EQ(r->devices[1].type, "c");
  EXPECT_EQ(r->devices[1].minor, 3);
  EXPECT_EQ(r->devices[2].minor, std::nullopt);
  EXPECT_EQ(r->devices[2].access, "rw");

  ASSERT_TRUE(r->memory);
  EXPECT_EQ(r->memory->limit, 536870912);
  EXPECT_EQ(r->memory->reservation, 268435456);
  EXPECT_EQ(r->memory->swap, 1073741824);
  EXPECT_EQ(r->memory->kernel, -1);
  EXPECT_EQ(r->memory->kernel_tcp, 4194304);
  EXPECT_EQ(r->memory->swappiness, 60u);
  EXPECT_EQ(r->memory->disable_oom_killer, false);
  EXPECT_EQ(r->memory->use_hierarchy, true);
  EXPECT_EQ(r->memory->check_before_update, true);

  ASSERT_TRUE(r->cpu);
  EXPECT_EQ(r->cpu->shares, 1024u);
  EXPECT_EQ(r->cpu->quota, 100000);
  EXPECT_EQ(r->cpu->burst, 5000u);
  EXPECT_EQ(r->cpu->period, 100000u);
  EXPECT_EQ(r->cpu->realtime_runtime, 950000);
  EXPECT_EQ(r->cpu->realtime_period, 1000000u);
  EXPECT_EQ(r->cpu->cpus, "2-3");
  EXPECT_EQ(r->cpu->mems, "0-7");
  EXPECT_EQ(r->cpu->idle, 0);

  ASSERT_TRUE(r->pids);
  EXPECT_EQ(r->pids->limit, 32771);

  ASSERT_TRUE(r->block_io);
  EXPECT_EQ(r->block_io->weight, 10);
  EXPECT_EQ(r->block_io->leaf_weight, 10);
  ASSERT_EQ(r->block_io->weight_device.size(), 2u);
  EXPECT_EQ(r->block_io->weight_device[0].leaf_weight, 300);
  EXPECT_EQ(r->block_io->weight_device[1].leaf_weight, std::nullopt);
  EXPECT_EQ(r->block_io->throttle_read_bps_device[0].rate, 600u);
  EXPECT_EQ(r->block_io->throttle_write_bps_device[0].rate, 700u);
  EXPECT_EQ(r->block_io->throttle_read_iops_device[0].rate, 800u);
  EXPECT_EQ(r->block_io->throttle_write_iops_device[0].minor, 16);

  ASSERT_EQ(r->hugepage_limits.size(), 1u);
  EXPECT_EQ(r->hugepage_limits[0].page_size, "2MB");
  EXPECT_EQ(r->hugepage_limits[0].limit, 9223372036854772000u);

  ASSERT_TRUE(r->network);
  EXPECT_EQ(r->network->class_id, 1048577u);
  ASSERT_EQ(r->network->priorities.size(), 2u);
  EXPECT_EQ(r->network->priorities[1].name, "eth1");
  EXPECT_EQ(r->network->priorities[1].priority, 1000u);

  ASSERT_EQ(r->rdma.size(), 2u);
  EXPECT_EQ(r->rdma["mlx5_1"].hca_handles, 3u);
  EXPECT_EQ(r->rdma["mlx4_0"].hca_handles, std::nullopt);
  EXPECT_EQ(r->rdma["mlx4_0"].hca_objects, 1000u);

  EXPECT_EQ(r->unified.at("memory.high"), "1073741824");
}

TEST(OciResourcesTest, ParsesEmptyObject) {
  auto r = Parse("{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, LinuxResources{});
  EXPECT_EQ(ToJson(*r), Json::object());
}

TEST(OciResourcesTest, NullMeansAbsent) {
  // Go encoders emit null for nil slices, maps and pointers.
  auto r = Parse(R"({"devices": null, "memory": {"limit": null, "swap": 5},
                    "cpu": null, "pids": null, "blockIO": {"weightDevice": null},
                    "hugepageLimits": null, "network": {"priorities": null},
                    "rdma": null, "unified": null})");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->devices.empty());
  ASSERT_TRUE(r->memory);
  EXPECT_EQ(r->memory->limit, std::nullopt);
  EXPECT_EQ(r->memory->swap, 5);
  EXPECT_FALSE(r->cpu);
  EXPECT_FALSE(r->pids);
  ASSERT_TRUE(r->block_io);
  EXPECT_TRUE(r->block_io->weight_device.empty());
  ASSERT_TRUE(r->network);
  EXPECT_TRUE(r->network->priorities.empty());
  EXPECT_TRUE(r->rdma.empty());
  EXPECT_TRUE(r->unified.empty());
}

TEST(OciResourcesTest, UnknownKeysIgnored) {
  auto r = Parse(R"({"memory": {"limit": 1, "futureField": "x"}, "futureObject": {}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->memory->limit, 1);
}

TEST(OciResourcesTest, PidsLimitOptional) {
  // Required in v1.1, optional in later versions: accepted either way.
  auto r = Parse(R"({"pids": {}})");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->pids);
  EXPECT_EQ(r->pids->limit, std::nullopt);
  EXPECT_EQ(ToJson(*r), Json::parse(R"({"pids": {}})"));
}

struct BadCase {
  const char* json;
  const char* message;
};

TEST(OciResourcesTest, TypeErrorsNameThePath) {
  const BadCase cases[] = {
      {R"({"memory": {"limit": "1g"}})", "linux.resources.memory.limit: expected an integer, got string"},
      {R"({"memory": {"swappiness": -1}})",
       "linux.resources.memory.swappiness: value -1 must not be negative"},
      {R"({"memory": {"disableOOMKiller": 1}})",
       "linux.resources.memory.disableOOMKiller: expected a boolean, got number"},
      {R"({"memory": []})", "linux.resources.memory: expected an object, got array"},
      {R"({"cpu": {"shares": 1.5}})", "linux.resources.cpu.shares: expected an integer, got number"},
      {R"({"cpu": {"cpus": 3}})", "linux.resources.cpu.cpus: expected a string, got number"},
      {R"({"cpu": {"period": -100}})", "linux.resources.cpu.period: value -100 must not be negative"},
      {R"({"pids": {"limit": true}})", "linux.resources.pids.limit: expected an integer, got boolean"},
      {R"({"devices": [{"allow": true}, {"type": "c"}]})",
       "linux.resources.devices[1].allow: required field is missing"},
      {R"({"devices": {"allow": true}})", "linux.resources.devices: expected an array, got object"},
      {R"({"devices": [{"allow": true, "major": "1"}]})",
       "linux.resources.devices[0].major: expected an integer, got string"},
      {R"({"blockIO": {"weight": 70000}})", "linux.resources.blockIO.weight: value 70000 out of range"},
      {R"({"blockIO": {"weightDevice": [{"major": 8, "weight": 5}]}})",
       "linux.resources.blockIO.weightDevice[0].minor: required field is missing"},
      {R"({"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}})",
       "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required field is missing"},
      {R"({"hugepageLimits": [{"pageSize": "2MB"}]})",
       "linux.resources.hugepageLimits[0].limit: required field is missing"},
      {R"({"network": {"classID": -1}})", "linux.resources.network.classID: value -1 must not be negative"},
      {R"({"network": {"priorities": [{"name": "eth0", "priority": "high"}]}})",
       "linux.resources.network.priorities[0].priority: expected an integer, got string"},
      {R"({"rdma": {"mlx5_1": {"hcaHandles": "3"}}})",
       "linux.resources.rdma.mlx5_1.hcaHandles: expected an integer, got string"},
      {R"({"unified": {"memory.high": 5}})",
       "linux.resources.unified.memory.high: expected a string, got number"},
      {R"("nope")", "linux.resources: expected an object, got string"},
  };
  for (const auto& c : cases) {
    auto r = Parse(c.json);
    ASSERT_FALSE(r) << c.json;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << c.json;
    EXPECT_EQ(r.error().message(), c.message) << c.json;
  }
}

TEST(OciResourcesTest, RoundTrip) {
  auto r = Parse(kFull);
  ASSERT_TRUE(r);
  Json j = ToJson(*r);
  auto back = Parse(j.dump());
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, *r);
  // And the same JSON as the input: every field is modelled.
  EXPECT_EQ(j, Json::parse(kFull));
}

TEST(OciResourcesTest, ToJsonOmitsAbsentFields) {
  LinuxResources r;
  r.memory = LinuxMemory{};
  r.memory->limit = 0;  // explicit zero is kept
  r.cpu = LinuxCpu{};
  r.cpu->cpus = "";
  EXPECT_EQ(ToJson(r), Json::parse(R"({"memory": {"limit": 0}, "cpu": {"cpus": ""}})"));
}

TEST(OciResourcesTest, ConvertFindsFromJsonByAdl) {
  // The spec model reads linux.resources through json::Optional.
  Json linux = Json::parse(R"({"resources": {"pids": {"limit": 10}}})");
  std::optional<LinuxResources> r;
  ASSERT_TRUE(json::Optional(linux, "linux", "resources", &r));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pids->limit, 10);
  auto bad =
      json::Optional(Json::parse(R"({"resources": {"pids": {"limit": "x"}}})"), "linux", "resources", &r);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "linux.resources.pids.limit: expected an integer, got string");
}

}  // namespace
}  // namespace inclavare::oci
