// Key derivation of the sim platform: how EREPORT and EGETKEY turn the
// simulated fuse key into report and seal keys.
//
// The hardware (SDM vol. 3D, 38.4 EGETKEY/EREPORT pseudocode) derives every
// enclave key as AES-128-CMAC, keyed with a fused platform secret, over a
// "key derivation buffer" that holds the key name and the identity fields the
// key is bound to. The sim platform does the same, with the fuse key replaced
// by a random 128-bit platform secret from the state directory (state.h):
//
//   key = AES-128-CMAC(platform_secret, KeyDerivation{...})
//
// KeyDerivation (below, byte-exact, 320 bytes, little-endian) is shaped after
// KEYREQUEST and the SDM's derivation buffer. Which fields are filled:
//
//   REPORT key  (EREPORT for a target, or EGETKEY(REPORT) inside the target):
//     key_name=REPORT, owner_epoch, the seal fuses, cpu_svn (the platform's
//     current CPUSVN), key_id (REPORT.KEYID), and of the TARGET enclave:
//     mr_enclave, attributes, misc_select, config_id, config_svn. Nothing about the
//     reporting enclave: any enclave on the platform can MAC for any target,
//     only the target can check the MAC.
//   SEAL key    (EGETKEY(SEAL)):
//     key_name=SEAL, key_policy, owner_epoch, cpu_svn and isv_svn FROM THE
//     REQUEST (may not exceed the platform's / the enclave's: older keys stay
//     derivable, newer ones do not), key_id, mr_enclave if policy MRENCLAVE,
//     mr_signer if policy MRSIGNER, isv_prod_id unless NOISVPRODID,
//     attributes & (request mask | INIT | DEBUG) (so a debug enclave never
//     shares seal keys with a production one) and the request's
//     attribute_mask itself, misc_select & misc_mask and ~misc_mask, the seal
//     fuses, config_id/config_svn if policy CONFIGID, isv_family_id /
//     isv_ext_prod_id if those policies are set.
//   PROVISION / PROVISION_SEAL key  (EGETKEY; the enclave needs the
//     PROVISIONKEY attribute): key_name, cpu_svn and isv_svn FROM THE REQUEST
//     (same limits as for SEAL), isv_prod_id and mr_signer of the enclave
//     (never mr_enclave: every enclave of one signer shares the key across
//     versions), attributes & (request mask | INIT | DEBUG) with the request's
//     attribute_mask itself, misc_select & misc_mask with ~misc_mask; NO
//     owner_epoch and NO key_id (the key survives an owner change: it proves
//     the platform, not its owner). PROVISION_SEAL also binds the seal fuses.
//   EINITTOKEN key  (EGETKEY; needs the EINITTOKENKEY attribute): key_name,
//     cpu_svn, isv_svn and key_id from the request, isv_prod_id and mr_signer
//     of the enclave, owner_epoch, the seal fuses, attributes & (request mask
//     | INIT | DEBUG), misc_select & misc_mask.
//   KEYPOLICY is ignored for every key but SEAL, as on hardware.
//
// The "seal key fuses" (SEAL_KEY_FUSES) are a 128-bit value derived from the
// platform secret (SealKeyFuses below). Every key but PROVISION binds them,
// as the SDM's EGETKEY/EREPORT pseudocode does.
//
// Fields not bound are zero. Binding the owner epoch means re-running
// `sgx-tools sim init` (new secret, new epoch) invalidates every sealed blob,
// as an owner-epoch change does on hardware.
#pragma once

#include <array>
#include <cstdint>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sim/ossl.h"

namespace inclavare::sgx::sim {

using OwnerEpoch = std::array<uint8_t, 16>;

// The platform's secret material and its current security version.
struct PlatformKeys {
  Key128 root_key{};       // the simulated fuse key
  OwnerEpoch owner_epoch{};
  CpuSvn cpu_svn{};        // the platform's current CPUSVN
};

struct __attribute__((packed)) KeyDerivation {
  uint16_t key_name;
  uint16_t key_policy;
  uint16_t isv_svn;
  uint16_t isv_prod_id;
  uint16_t config_svn;
  uint8_t reserved1[6];
  CpuSvn cpu_svn;
  Attributes attributes;
  MiscSelect misc_select;
  uint8_t reserved2[12];
  Measurement256 mr_enclave;
  Measurement256 mr_signer;
  KeyId key_id;
  OwnerEpoch owner_epoch;
  ConfigId config_id;
  IsvFamilyId isv_family_id;
  IsvExtProdId isv_ext_prod_id;
  Attributes attribute_mask;               // SEAL, PROVISION keys: KEYREQUEST.ATTRIBUTEMASK
  MiscSelect misc_mask;                    // SEAL, PROVISION keys: ~KEYREQUEST.MISCMASK
  std::array<uint8_t, 16> seal_key_fuses;  // all keys but PROVISION
  uint8_t reserved3[12];
};
static_assert(sizeof(KeyDerivation) == 320);

// AES-128-CMAC(keys.root_key, derivation).
Result<Key128> DeriveKey(const PlatformKeys& keys, const KeyDerivation& derivation);

// The platform's simulated SEAL_KEY_FUSES: AES-128-CMAC(root_key, a fixed
// label), so they change with the platform secret only.
Result<std::array<uint8_t, 16>> SealKeyFuses(const PlatformKeys& keys);

// The report key for a target enclave (see above).
Result<Key128> DeriveReportKey(const PlatformKeys& keys, const TargetInfo& target, const KeyId& key_id);

// The MAC of a REPORT: AES-128-CMAC over its first 384 bytes (the body).
Result<Mac> ReportMac(const Key128& report_key, const ReportBody& body);

}  // namespace inclavare::sgx::sim
