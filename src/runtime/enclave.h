// Enclave settings of a container: whether its workload runs inside an
// enclave, through which enclave runtime (PAL), with what arguments.
//
// Each setting is read from the process environment first, then from an
// annotation (ARCHITECTURE.md, "Enclave settings"):
//
//   ENCLAVE_TYPE              enclave.type              intelSgx | sim
//   ENCLAVE_RUNTIME_PATH      enclave.runtime.path      the PAL (.so), host path
//   ENCLAVE_RUNTIME_ARGS      enclave.runtime.args      passed to pal_init
//   ENCLAVE_RUNTIME_LOGLEVEL  enclave.runtime.loglevel  off error warning info debug trace
//
// The environment variables are removed from the workload's environment.
// No type (and no other setting) means a plain container. A setting without
// a type, or a type without a runtime path, is an error.
//
//   IC_ASSIGN_OR_RETURN(std::optional<EnclaveSettings> enc, TakeEnclaveSettings(spec));
//   if (enc) { IC_TRY(ValidateEnclaveSettings(*enc, host)); ApplyEnclaveToSpec(*enc, host, spec); }
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "oci/spec.h"

namespace inclavare::runtime {

enum class EnclaveType { kIntelSgx, kSim };
const char* EnclaveTypeName(EnclaveType t);  // "intelSgx", "sim"

struct EnclaveSettings {
  EnclaveType type = EnclaveType::kSim;
  std::string runtime_path;  // absolute host path of the PAL
  std::string runtime_args;
  std::string log_level = "info";
  bool operator==(const EnclaveSettings&) const = default;
};

// Host facts the settings are checked against (paths, so tests can point
// them at a fake tree).
struct EnclaveHost {
  // SGX device nodes: the in-kernel driver's, the DCAP driver's, the
  // out-of-tree driver's. intelSgx needs one of the enclave devices.
  std::vector<std::string> sgx_enclave_devices = {"/dev/sgx_enclave", "/dev/sgx/enclave", "/dev/isgx"};
  std::vector<std::string> sgx_provision_devices = {"/dev/sgx_provision", "/dev/sgx/provision"};
  // The sim platform's state directory (sgx-tools sim init); its VERSION
  // file marks a complete state.
  std::string sim_dir;  // empty: $INCLAVARE_SIM_DIR or /var/lib/inclavare/sim
  // The AESM socket's directory, mounted into the container (aesmd on
  // hardware, aesmd-sim for sim).
  std::string aesm_dir = "/var/run/aesmd";
};

// Reads the settings from spec.process.env and spec.annotations and removes
// the environment variables from spec.process.env. nullopt: no enclave.
Result<std::optional<EnclaveSettings>> TakeEnclaveSettings(oci::Spec& spec);

// The type needs its platform (an SGX device; the sim state), the PAL is an
// absolute path to a regular file, the log level is known. Errors name the
// setting and its source.
Result<> ValidateEnclaveSettings(const EnclaveSettings& s, const EnclaveHost& host = {});

// What the enclave needs inside the container: intelSgx gets the SGX device
// nodes (linux.devices, so the cgroup allows them) and the AESM socket
// directory; sim gets the AESM socket directory (where aesmd-sim listens).
// The directory is bind-mounted read-write (clients connect to the socket)
// and created on the host if missing, so a daemon started later is seen.
Result<> ApplyEnclaveToSpec(const EnclaveSettings& s, const EnclaveHost& host, oci::Spec& spec);

std::string SimStateDir(const EnclaveHost& host);

nlohmann::json ToJson(const EnclaveSettings& s);
Result<EnclaveSettings> EnclaveSettingsFromJson(const nlohmann::json& j);

}  // namespace inclavare::runtime
