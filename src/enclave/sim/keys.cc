#include "enclave/sim/keys.h"

#include <cstring>

namespace inclavare::sgx::sim {

Result<Key128> DeriveKey(const PlatformKeys& keys, const KeyDerivation& derivation) {
  return AesCmac(keys.root_key,
                 std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&derivation), sizeof derivation));
}

Result<std::array<uint8_t, 16>> SealKeyFuses(const PlatformKeys& keys) {
  static constexpr char kLabel[] = "inclavare sim platform SEAL_KEY_FUSES";
  return AesCmac(keys.root_key, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1));
}

Result<Key128> DeriveReportKey(const PlatformKeys& keys, const TargetInfo& target, const KeyId& key_id) {
  KeyDerivation d{};
  d.key_name = static_cast<uint16_t>(KeyName::kReport);
  d.cpu_svn = keys.cpu_svn;
  d.owner_epoch = keys.owner_epoch;
  d.key_id = key_id;
  d.mr_enclave = target.mr_enclave;
  d.attributes = target.attributes;
  d.misc_select = target.misc_select;
  d.config_id = target.config_id;
  d.config_svn = target.config_svn;
  IC_ASSIGN_OR_RETURN(d.seal_key_fuses, SealKeyFuses(keys));
  return DeriveKey(keys, d);
}

Result<Mac> ReportMac(const Key128& report_key, const ReportBody& body) {
  return AesCmac(report_key, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&body), sizeof body));
}

}  // namespace inclavare::sgx::sim
