// The OCI runtime-spec `linux.resources` object (config-linux.md, "Control
// groups"), shared by the spec model (spec.h) and the cgroup managers.
//
// Target: runtime-spec v1.1, plus what v1.2 adds cheaply (memory.checkBeforeUpdate,
// cpu.burst, cpu.idle). Members are the JSON names in snake_case. Every optional
// scalar is a std::optional, so "absent" (leave the host default alone) is
// distinguishable from an explicit zero; absent objects are std::nullopt and
// absent arrays/maps are empty. JSON null is read as absent, since Go encoders
// (containerd, podman) emit null for nil slices, maps and pointers.
//
//   LinuxResources r;
//   IC_TRY(FromJson(config["linux"]["resources"], "linux.resources", &r));
//   if (r.memory && r.memory->limit) ...;
//   nlohmann::json back = ToJson(r);   // absent fields are omitted
//
// Parsing is strict about types and names the path of a bad field:
//   "linux.resources.memory.limit: expected an integer, got string".
// Unknown keys are ignored (forward compatibility). Parsing does not check
// semantics (e.g. that swap >= limit); the cgroup managers do, when applying.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace inclavare::oci {

// One device-cgroup allow/deny rule (`devices[]`).
struct LinuxDeviceCgroup {
  bool allow = false;                 // "allow", REQUIRED
  std::optional<std::string> type;    // "type": "a" (all, the default), "c", "b"
  std::optional<int64_t> major;       // "major": absent = all majors ("*")
  std::optional<int64_t> minor;       // "minor": absent = all minors ("*")
  std::optional<std::string> access;  // "access": subset of "rwm"; absent = "rwm"
  bool operator==(const LinuxDeviceCgroup&) const = default;
};

// `memory`: all values in bytes except swappiness. -1 means "unlimited".
struct LinuxMemory {
  std::optional<int64_t> limit;             // "limit"
  std::optional<int64_t> reservation;       // "reservation" (soft limit / memory.low)
  std::optional<int64_t> swap;              // "swap": memory + swap total (v1 memsw semantics)
  std::optional<int64_t> kernel;            // "kernel": deprecated; kmem, v1 only
  std::optional<int64_t> kernel_tcp;        // "kernelTCP": v1 only
  std::optional<uint64_t> swappiness;       // "swappiness": 0..100
  std::optional<bool> disable_oom_killer;   // "disableOOMKiller"
  std::optional<bool> use_hierarchy;        // "useHierarchy"
  std::optional<bool> check_before_update;  // "checkBeforeUpdate" (v1.2)
  bool operator==(const LinuxMemory&) const = default;
};

// `cpu`: times in microseconds.
struct LinuxCpu {
  std::optional<uint64_t> shares;           // "shares" (v1 cpu.shares; v2 converted to weight)
  std::optional<int64_t> quota;             // "quota": -1 / absent = no limit
  std::optional<uint64_t> burst;            // "burst" (v1.2)
  std::optional<uint64_t> period;           // "period"
  std::optional<int64_t> realtime_runtime;  // "realtimeRuntime"
  std::optional<uint64_t> realtime_period;  // "realtimePeriod"
  std::optional<std::string> cpus;          // "cpus": cpuset list, e.g. "0-3,7"
  std::optional<std::string> mems;          // "mems": memory node list
  std::optional<int64_t> idle;              // "idle" (v1.2): 0 default, 1 SCHED_IDLE
  bool operator==(const LinuxCpu&) const = default;
};

// `pids`. v1.1 marks "limit" REQUIRED; later spec versions make it optional,
// so it is read leniently. 0 or -1 means "max" (no limit), as runc does.
struct LinuxPids {
  std::optional<int64_t> limit;  // "limit"
  bool operator==(const LinuxPids&) const = default;
};

// `blockIO.weightDevice[]`.
struct LinuxWeightDevice {
  int64_t major = 0;                    // "major", REQUIRED
  int64_t minor = 0;                    // "minor", REQUIRED
  std::optional<uint16_t> weight;       // "weight"
  std::optional<uint16_t> leaf_weight;  // "leafWeight" (CFQ only)
  bool operator==(const LinuxWeightDevice&) const = default;
};

// `blockIO.throttle*Device[]`: rate in bytes/s or IO/s.
struct LinuxThrottleDevice {
  int64_t major = 0;  // "major", REQUIRED
  int64_t minor = 0;  // "minor", REQUIRED
  uint64_t rate = 0;  // "rate", REQUIRED
  bool operator==(const LinuxThrottleDevice&) const = default;
};

// `blockIO`.
struct LinuxBlockIo {
  std::optional<uint16_t> weight;                               // "weight": 10..1000
  std::optional<uint16_t> leaf_weight;                          // "leafWeight"
  std::vector<LinuxWeightDevice> weight_device;                 // "weightDevice"
  std::vector<LinuxThrottleDevice> throttle_read_bps_device;    // "throttleReadBpsDevice"
  std::vector<LinuxThrottleDevice> throttle_write_bps_device;   // "throttleWriteBpsDevice"
  std::vector<LinuxThrottleDevice> throttle_read_iops_device;   // "throttleReadIOPSDevice"
  std::vector<LinuxThrottleDevice> throttle_write_iops_device;  // "throttleWriteIOPSDevice"
  bool operator==(const LinuxBlockIo&) const = default;
};

// `hugepageLimits[]`.
struct LinuxHugepageLimit {
  std::string page_size;  // "pageSize", REQUIRED: "<size><unit-prefix>B", e.g. "2MB"
  uint64_t limit = 0;     // "limit", REQUIRED, bytes
  bool operator==(const LinuxHugepageLimit&) const = default;
};

// `network.priorities[]`.
struct LinuxInterfacePriority {
  std::string name;       // "name", REQUIRED
  uint32_t priority = 0;  // "priority", REQUIRED
  bool operator==(const LinuxInterfacePriority&) const = default;
};

// `network` (v1 net_cls / net_prio).
struct LinuxNetwork {
  std::optional<uint32_t> class_id;                // "classID"
  std::vector<LinuxInterfacePriority> priorities;  // "priorities"
  bool operator==(const LinuxNetwork&) const = default;
};

// `rdma.<device>`.
struct LinuxRdma {
  std::optional<uint32_t> hca_handles;  // "hcaHandles"
  std::optional<uint32_t> hca_objects;  // "hcaObjects"
  bool operator==(const LinuxRdma&) const = default;
};

// `linux.resources`.
struct LinuxResources {
  std::vector<LinuxDeviceCgroup> devices;           // "devices"
  std::optional<LinuxMemory> memory;                // "memory"
  std::optional<LinuxCpu> cpu;                      // "cpu"
  std::optional<LinuxPids> pids;                    // "pids"
  std::optional<LinuxBlockIo> block_io;             // "blockIO"
  std::vector<LinuxHugepageLimit> hugepage_limits;  // "hugepageLimits"
  std::optional<LinuxNetwork> network;              // "network"
  std::map<std::string, LinuxRdma> rdma;            // "rdma": device name -> limits
  std::map<std::string, std::string> unified;       // "unified": cgroup v2 file -> value
  bool operator==(const LinuxResources&) const = default;
};

// Readers (found by ADL from oci::json::Convert). `path` is the JSON path of
// `j`, used in error messages. On error *out may be partly filled.
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxDeviceCgroup* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxMemory* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxCpu* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxPids* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxWeightDevice* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxThrottleDevice* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxBlockIo* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxHugepageLimit* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxInterfacePriority* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxNetwork* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxRdma* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, LinuxResources* out);

// Writers: spec JSON names, absent optionals and empty arrays/maps omitted
// (like Go's omitempty), so FromJson(ToJson(x)) == x.
nlohmann::json ToJson(const LinuxDeviceCgroup& v);
nlohmann::json ToJson(const LinuxMemory& v);
nlohmann::json ToJson(const LinuxCpu& v);
nlohmann::json ToJson(const LinuxPids& v);
nlohmann::json ToJson(const LinuxWeightDevice& v);
nlohmann::json ToJson(const LinuxThrottleDevice& v);
nlohmann::json ToJson(const LinuxBlockIo& v);
nlohmann::json ToJson(const LinuxHugepageLimit& v);
nlohmann::json ToJson(const LinuxInterfacePriority& v);
nlohmann::json ToJson(const LinuxNetwork& v);
nlohmann::json ToJson(const LinuxRdma& v);
nlohmann::json ToJson(const LinuxResources& v);

}  // namespace inclavare::oci
