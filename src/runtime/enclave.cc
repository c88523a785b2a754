#include "runtime/enclave.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include "common/fs.h"

namespace inclavare::runtime {
namespace {

struct Setting {
  const char* env;
  const char* annotation;
};
constexpr Setting kType{"ENCLAVE_TYPE", "enclave.type"};
constexpr Setting kPath{"ENCLAVE_RUNTIME_PATH", "enclave.runtime.path"};
constexpr Setting kArgs{"ENCLAVE_RUNTIME_ARGS", "enclave.runtime.args"};
constexpr Setting kLogLevel{"ENCLAVE_RUNTIME_LOGLEVEL", "enclave.runtime.loglevel"};

constexpr std::array<const char*, 6> kLogLevels = {"off", "error", "warning", "info", "debug", "trace"};

// A value found, with where it came from (for error messages).
struct Found {
  std::string value;
  std::string source;
};

std::optional<Found> Take(oci::Spec& spec, const Setting& s) {
  std::optional<Found> out;
  if (spec.process) {
    auto& env = spec.process->env;
    std::string prefix = std::string(s.env) + "=";
    // The last definition wins, as for a process's environment; every one
    // is removed.
    for (const auto& e : env)
      if (e.compare(0, prefix.size(), prefix) == 0) out = Found{e.substr(prefix.size()), std::string("env ") + s.env};
    std::erase_if(env, [&](const std::string& e) { return e.compare(0, prefix.size(), prefix) == 0; });
  }
  if (!out) {
    auto it = spec.annotations.find(s.annotation);
    if (it != spec.annotations.end()) out = Found{it->second, std::string("annotation ") + s.annotation};
  }
  return out;
}

bool IsCharDevice(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

}  // namespace

const char* EnclaveTypeName(EnclaveType t) { return t == EnclaveType::kIntelSgx ? "intelSgx" : "sim"; }

Result<std::optional<EnclaveSettings>> TakeEnclaveSettings(oci::Spec& spec) {
  auto type = Take(spec, kType);
  auto path = Take(spec, kPath);
  auto args = Take(spec, kArgs);
  auto level = Take(spec, kLogLevel);
  if (!type || type->value.empty()) {
    for (const auto* other : {&path, &args, &level})
      if (*other) return InvalidArgument(other->value().source + " is set but no enclave type (ENCLAVE_TYPE)");
    return std::optional<EnclaveSettings>();
  }
  EnclaveSettings s;
  if (type->value == "intelSgx") {
    s.type = EnclaveType::kIntelSgx;
  } else if (type->value == "sim") {
    s.type = EnclaveType::kSim;
  } else {
    return InvalidArgument(type->source + ": unknown enclave type \"" + type->value + "\" (known: intelSgx, sim)");
  }
  if (!path || path->value.empty())
    return InvalidArgument(type->source + " is " + type->value +
                           " but no enclave runtime is given (ENCLAVE_RUNTIME_PATH or enclave.runtime.path)");
  s.runtime_path = path->value;
  if (args) s.runtime_args = args->value;
  if (level && !level->value.empty()) {
    s.log_level = level->value;
    if (std::find_if(kLogLevels.begin(), kLogLevels.end(), [&](const char* l) { return s.log_level == l; }) ==
        kLogLevels.end())
      return InvalidArgument(level->source + ": unknown log level \"" + s.log_level +
                             "\" (known: off, error, warning, info, debug, trace)");
  }
  return std::optional<EnclaveSettings>(std::move(s));
}

std::string SimStateDir(const EnclaveHost& host) {
  if (!host.sim_dir.empty()) return host.sim_dir;
  const char* env = ::getenv("INCLAVARE_SIM_DIR");
  return env && *env ? env : "/var/lib/inclavare/sim";
}

Result<> ValidateEnclaveSettings(const EnclaveSettings& s, const EnclaveHost& host) {
  if (s.runtime_path.empty() || s.runtime_path[0] != '/')
    return InvalidArgument("enclave runtime path \"" + s.runtime_path + "\" must be an absolute host path");
  struct stat st;
  if (::stat(s.runtime_path.c_str(), &st) != 0) return ErrnoError("enclave runtime " + s.runtime_path);
  if (!S_ISREG(st.st_mode)) return InvalidArgument("enclave runtime " + s.runtime_path + " is not a regular file");
  if (s.type == EnclaveType::kIntelSgx) {
    if (std::none_of(host.sgx_enclave_devices.begin(), host.sgx_enclave_devices.end(), IsCharDevice))
      return FailedPrecondition(
          "enclave type intelSgx needs an SGX device (/dev/sgx_enclave, /dev/sgx/enclave or /dev/isgx) and this "
          "host has none; use ENCLAVE_TYPE=sim for the simulated platform");
  } else {
    std::string dir = SimStateDir(host);
    if (::access((dir + "/VERSION").c_str(), F_OK) != 0)
      return FailedPrecondition("enclave type sim needs the simulated SGX platform, but " + dir +
                                " holds no sim state; create it with `sgx-tools sim init`");
  }
  return {};
}

Result<> ApplyEnclaveToSpec(const EnclaveSettings& s, const EnclaveHost& host, oci::Spec& spec) {
  if (!spec.linux) spec.linux.emplace();
  if (s.type == EnclaveType::kIntelSgx) {
    std::vector<std::string> nodes = host.sgx_enclave_devices;
    nodes.insert(nodes.end(), host.sgx_provision_devices.begin(), host.sgx_provision_devices.end());
    for (const auto& node : nodes) {
      struct stat st;
      if (::stat(node.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) continue;
      bool present = std::any_of(spec.linux->devices.begin(), spec.linux->devices.end(),
                                 [&](const oci::Device& d) { return d.path == node; });
      if (present) continue;
      spec.linux->devices.push_back({.path = node, .type = "c", .major = major(st.st_rdev), .minor = minor(st.st_rdev),
                                     .file_mode = st.st_mode & 07777, .uid = 0, .gid = 0});
    }
  }
  IC_TRY(fs::MkdirAll(host.aesm_dir, 0755).Wrap("create AESM socket directory"));
  bool mounted = std::any_of(spec.mounts.begin(), spec.mounts.end(),
                             [&](const oci::Mount& m) { return m.destination == host.aesm_dir; });
  if (!mounted)
    spec.mounts.push_back({.destination = host.aesm_dir, .type = "bind", .source = host.aesm_dir,
                           .options = {"rbind", "rw", "nosuid", "nodev", "noexec"}});
  return {};
}

nlohmann::json ToJson(const EnclaveSettings& s) {
  return {{"type", EnclaveTypeName(s.type)},
          {"runtimePath", s.runtime_path},
          {"runtimeArgs", s.runtime_args},
          {"logLevel", s.log_level}};
}

Result<EnclaveSettings> EnclaveSettingsFromJson(const nlohmann::json& j) {
  try {
    EnclaveSettings s;
    std::string type = j.at("type").get<std::string>();
    if (type == "intelSgx")
      s.type = EnclaveType::kIntelSgx;
    else if (type == "sim")
      s.type = EnclaveType::kSim;
    else
      return InvalidArgument("enclave.type: unknown \"" + type + "\"");
    s.runtime_path = j.at("runtimePath").get<std::string>();
    s.runtime_args = j.value("runtimeArgs", "");
    s.log_level = j.value("logLevel", "info");
    return s;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("enclave settings: ") + e.what());
  }
}

}  // namespace inclavare::runtime
