#include "oci/resources.h"

#include "oci/json_util.h"

namespace inclavare::oci {

using json::Optional;
using json::Required;

namespace {

template <class T>
void Put(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

template <class T>
void PutStructs(nlohmann::json& j, const char* key, const std::vector<T>& v) {
  if (v.empty()) return;
  auto arr = nlohmann::json::array();
  for (const auto& e : v) arr.push_back(ToJson(e));
  j[key] = std::move(arr);
}

template <class T>
void PutStruct(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = ToJson(*v);
}

}  // namespace

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxDeviceCgroup* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Required(j, path, "allow", &out->allow));
  IC_TRY(Optional(j, path, "type", &out->type));
  IC_TRY(Optional(j, path, "major", &out->major));
  IC_TRY(Optional(j, path, "minor", &out->minor));
  IC_TRY(Optional(j, path, "access", &out->access));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxMemory* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Optional(j, path, "limit", &out->limit));
  IC_TRY(Optional(j, path, "reservation", &out->reservation));
  IC_TRY(Optional(j, path, "swap", &out->swap));
  IC_TRY(Optional(j, path, "kernel", &out->kernel));
  IC_TRY(Optional(j, path, "kernelTCP", &out->kernel_tcp));
  IC_TRY(Optional(j, path, "swappiness", &out->swappiness));
  IC_TRY(Optional(j, path, "disableOOMKiller", &out->disable_oom_killer));
  IC_TRY(Optional(j, path, "useHierarchy", &out->use_hierarchy));
  IC_TRY(Optional(j, path, "checkBeforeUpdate", &out->check_before_update));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxCpu* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Optional(j, path, "shares", &out->shares));
  IC_TRY(Optional(j, path, "quota", &out->quota));
  IC_TRY(Optional(j, path, "burst", &out->burst));
  IC_TRY(Optional(j, path, "period", &out->period));
  IC_TRY(Optional(j, path, "realtimeRuntime", &out->realtime_runtime));
  IC_TRY(Optional(j, path, "realtimePeriod", &out->realtime_period));
  IC_TRY(Optional(j, path, "cpus", &out->cpus));
  IC_TRY(Optional(j, path, "mems", &out->mems));
  IC_TRY(Optional(j, path, "idle", &out->idle));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxPids* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Optional(j, path, "limit", &out->limit));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxWeightDevice* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Required(j, path, "major", &out->major));
  IC_TRY(Required(j, path, "minor", &out->minor));
  IC_TRY(Optional(j, path, "weight", &out->weight));
  IC_TRY(Optional(j, path, "leafWeight", &out->leaf_weight));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxThrottleDevice* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Required(j, path, "major", &out->major));
  IC_TRY(Required(j, path, "minor", &out->minor));
  IC_TRY(Required(j, path, "rate", &out->rate));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxBlockIo* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Optional(j, path, "weight", &out->weight));
  IC_TRY(Optional(j, path, "leafWeight", &out->leaf_weight));
  IC_TRY(Optional(j, path, "weightDevice", &out->weight_device));
  IC_TRY(Optional(j, path, "throttleReadBpsDevice", &out->throttle_read_bps_device));
  IC_TRY(Optional(j, path, "throttleWriteBpsDevice", &out->throttle_write_bps_device));
  IC_TRY(Optional(j, path, "throttleReadIOPSDevice", &out->throttle_read_iops_device));
  IC_TRY(Optional(j, path, "throttleWriteIOPSDevice", &out->throttle_write_iops_device));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxHugepageLimit* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Required(j, path, "pageSize", &out->page_size));
  IC_TRY(Required(j, path, "limit", &out->limit));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxInterfacePriority* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Required(j, path, "name", &out->name));
  IC_TRY(Required(j, path, "priority", &out->priority));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxNetwork* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Optional(j, path, "classID", &out->class_id));
  IC_TRY(Optional(j, path, "priorities", &out->priorities));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxRdma* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Optional(j, path, "hcaHandles", &out->hca_handles));
  IC_TRY(Optional(j, path, "hcaObjects", &out->hca_objects));
  return {};
}

Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxResources* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(Optional(j, path, "devices", &out->devices));
  IC_TRY(Optional(j, path, "memory", &out->memory));
  IC_TRY(Optional(j, path, "cpu", &out->cpu));
  IC_TRY(Optional(j, path, "pids", &out->pids));
  IC_TRY(Optional(j, path, "blockIO", &out->block_io));
  IC_TRY(Optional(j, path, "hugepageLimits", &out->hugepage_limits));
  IC_TRY(Optional(j, path, "network", &out->network));
  IC_TRY(Optional(j, path, "rdma", &out->rdma));
  IC_TRY(Optional(j, path, "unified", &out->unified));
  return {};
}

nlohmann::json ToJson(const LinuxDeviceCgroup& v) {
  nlohmann::json j = nlohmann::json::object();
  j["allow"] = v.allow;
  Put(j, "type", v.type);
  Put(j, "major", v.major);
  Put(j, "minor", v.minor);
  Put(j, "access", v.access);
  return j;
}

nlohmann::json ToJson(const LinuxMemory& v) {
  nlohmann::json j = nlohmann::json::object();
  Put(j, "limit", v.limit);
  Put(j, "reservation", v.reservation);
  Put(j, "swap", v.swap);
  Put(j, "kernel", v.kernel);
  Put(j, "kernelTCP", v.kernel_tcp);
  Put(j, "swappiness", v.swappiness);
  Put(j, "disableOOMKiller", v.disable_oom_killer);
  Put(j, "useHierarchy", v.use_hierarchy);
  Put(j, "checkBeforeUpdate", v.check_before_update);
  return j;
}

nlohmann::json ToJson(const LinuxCpu& v) {
  nlohmann::json j = nlohmann::json::object();
  Put(j, "shares", v.shares);
  Put(j, "quota", v.quota);
  Put(j, "burst", v.burst);
  Put(j, "period", v.period);
  Put(j, "realtimeRuntime", v.realtime_runtime);
  Put(j, "realtimePeriod", v.realtime_period);
  Put(j, "cpus", v.cpus);
  Put(j, "mems", v.mems);
  Put(j, "idle", v.idle);
  return j;
}

nlohmann::json ToJson(const LinuxPids& v) {
  nlohmann::json j = nlohmann::json::object();
  Put(j, "limit", v.limit);
  return j;
}

nlohmann::json ToJson(const LinuxWeightDevice& v) {
  nlohmann::json j = nlohmann::json::object();
  j["major"] = v.major;
  j["minor"] = v.minor;
  Put(j, "weight", v.weight);
  Put(j, "leafWeight", v.leaf_weight);
  return j;
}

nlohmann::json ToJson(const LinuxThrottleDevice& v) {
  return nlohmann::json{{"major", v.major}, {"minor", v.minor}, {"rate", v.rate}};
}

nlohmann::json ToJson(const LinuxBlockIo& v) {
  nlohmann::json j = nlohmann::json::object();
  Put(j, "weight", v.weight);
  Put(j, "leafWeight", v.leaf_weight);
  PutStructs(j, "weightDevice", v.weight_device);
  PutStructs(j, "throttleReadBpsDevice", v.throttle_read_bps_device);
  PutStructs(j, "throttleWriteBpsDevice", v.throttle_write_bps_device);
  PutStructs(j, "throttleReadIOPSDevice", v.throttle_read_iops_device);
  PutStructs(j, "throttleWriteIOPSDevice", v.throttle_write_iops_device);
  return j;
}

nlohmann::json ToJson(const LinuxHugepageLimit& v) {
  return nlohmann::json{{"pageSize", v.page_size}, {"limit", v.limit}};
}

nlohmann::json ToJson(const LinuxInterfacePriority& v) {
  return nlohmann::json{{"name", v.name}, {"priority", v.priority}};
}

nlohmann::json ToJson(const LinuxNetwork& v) {
  nlohmann::json j = nlohmann::json::object();
  Put(j, "classID", v.class_id);
  PutStructs(j, "priorities", v.priorities);
  return j;
}

nlohmann::json ToJson(const LinuxRdma& v) {
  nlohmann::json j = nlohmann::json::object();
  Put(j, "hcaHandles", v.hca_handles);
  Put(j, "hcaObjects", v.hca_objects);
  return j;
}

nlohmann::json ToJson(const LinuxResources& v) {
  nlohmann::json j = nlohmann::json::object();
  PutStructs(j, "devices", v.devices);
  PutStruct(j, "memory", v.memory);
  PutStruct(j, "cpu", v.cpu);
  PutStruct(j, "pids", v.pids);
  PutStruct(j, "blockIO", v.block_io);
  PutStructs(j, "hugepageLimits", v.hugepage_limits);
  PutStruct(j, "network", v.network);
  if (!v.rdma.empty()) {
    nlohmann::json rdma = nlohmann::json::object();
    for (const auto& [dev, lim] : v.rdma) rdma[dev] = ToJson(lim);
    j["rdma"] = std::move(rdma);
  }
  if (!v.unified.empty()) j["unified"] = v.unified;
  return j;
}

}  // namespace inclavare::oci
