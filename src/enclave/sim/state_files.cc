#include "enclave/sim/state_files.h"

#include <sys/stat.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/primitives.h"

namespace inclavare::sgx::sim {
namespace internal {

Result<PlatformInfo> InfoFromJson(const std::string& text) {
  PlatformInfo i;
  try {
    auto j = nlohmann::json::parse(text);
    IC_ASSIGN_OR_RETURN(i.cpu_svn, HexDecodeFixed<16>(j.at("cpusvn").get<std::string>()));
    i.pce_svn = j.at("pcesvn").get<uint16_t>();
    IC_ASSIGN_OR_RETURN(i.pce_id, HexDecodeFixed<2>(j.at("pceid").get<std::string>()));
    IC_ASSIGN_OR_RETURN(i.fmspc, HexDecodeFixed<6>(j.at("fmspc").get<std::string>()));
    IC_ASSIGN_OR_RETURN(i.ppid, HexDecodeFixed<16>(j.at("ppid").get<std::string>()));
    IC_ASSIGN_OR_RETURN(i.platform_instance_id, HexDecodeFixed<16>(j.at("platform_instance_id").get<std::string>()));
    i.qe_isv_svn = j.at("qe_isvsvn").get<uint16_t>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("platform.json: ") + e.what());
  }
  return i;
}

Result<> CheckStateVersion(const std::string& dir) {
  auto version = fs::ReadFile(fs::Join(dir, "VERSION"));
  if (!version) {
    return FailedPrecondition("no sim platform state in " + dir + " (run `sgx-tools sim init --dir " + dir + "`)");
  }
  if (version->substr(0, version->find('\n')) != kStateVersion) {
    return FailedPrecondition("sim state in " + dir + " has unknown version '" + *version + "'");
  }
  return {};
}

// The platform secret (0600 required) into keys.
Result<> ReadSecret(const std::string& dir, PlatformKeys* keys) {
  const std::string secret_path = fs::Join(dir, kSecretFile);
  struct stat st;
  if (::stat(secret_path.c_str(), &st) != 0) return ErrnoError("stat " + secret_path);
  if (st.st_mode & 077) {
    return Error(ErrorCode::kPermissionDenied, secret_path + " is accessible by group or others (must be 0600)");
  }
  IC_ASSIGN_OR_RETURN(std::string secret, fs::ReadFile(secret_path));
  if (secret.size() != 32) {
    SecureWipe(secret);
    return FailedPrecondition(secret_path + ": expected 32 bytes");
  }
  std::memcpy(keys->root_key.data(), secret.data(), 16);
  std::memcpy(keys->owner_epoch.data(), secret.data() + 16, 16);
  SecureWipe(secret);
  return {};
}

}  // namespace internal

Result<PlatformKeys> State::LoadPlatformKeys(const std::string& dir) {
  IC_TRY(internal::CheckStateVersion(dir));
  PlatformKeys keys;
  IC_TRY(internal::ReadSecret(dir, &keys));
  IC_ASSIGN_OR_RETURN(std::string info_text, fs::ReadFile(fs::Join(dir, "platform.json")));
  IC_ASSIGN_OR_RETURN(PlatformInfo info, internal::InfoFromJson(info_text));
  keys.cpu_svn = info.cpu_svn;
  return keys;
}

}  // namespace inclavare::sgx::sim
