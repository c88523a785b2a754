// A simulated SGX enclave: the life cycle ECREATE -> EADD/EEXTEND -> EINIT,
// then EREPORT and EGETKEY, with the real measurement (enclave/sgx/
// measurement.h), the real SIGSTRUCT check (enclave/sgx/sigstruct.h) and the
// sim platform's key derivation (keys.h).
//
//   Secs secs{};  secs.size = 0x10000;  secs.ssa_frame_size = 1;
//   secs.attributes = {kAttrMode64Bit, kXfrmLegacy};
//   IC_ASSIGN_OR_RETURN(Enclave e, Enclave::Create(platform_keys, secs));   // ECREATE
//   IC_TRY(e.AddPage(0x0, tcs_page, tcs_secinfo, /*extend=*/true));        // EADD + EEXTEND
//   IC_TRY(e.Init(sigstruct));                                             // EINIT
//   IC_ASSIGN_OR_RETURN(Report r, e.CreateReport(qe_target_info, data));   // EREPORT
//
// EINIT refuses (PermissionDenied) an enclave whose measurement differs from
// SIGSTRUCT.ENCLAVEHASH, a SIGSTRUCT whose signature or Q1/Q2 do not check,
// ATTRIBUTES that differ from SIGSTRUCT.ATTRIBUTES under ATTRIBUTEMASK, or
// MISCSELECT that differs under MISCMASK; the enclave then stays
// uninitialised and may not report or get keys. The sim platform models
// Flexible Launch Control as the Linux SGX driver uses it (the launch-enclave
// key hash MSRs set to each enclave's MRSIGNER before EINIT): no EINITTOKEN
// is needed and none is checked, which is why
// aesmd-sim's GetLaunchToken hands out an all-zero token (as Intel's AESM does
// on FLC machines). EGETKEY still derives the EINITTOKEN key for an enclave
// with the EINITTOKENKEY attribute, so a launch enclave can be simulated. Pages are measured, not kept: the sim
// platform does not execute enclave code (that is the enclave runtime's job).
//
// Not thread-safe while being built; after Init() the const methods may be
// called from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sgx/measurement.h"
#include "enclave/sim/keys.h"

namespace inclavare::sgx::sim {

// What EINIT fixes about an enclave: the fields of its REPORT body.
struct EnclaveIdentity {
  Measurement256 mr_enclave{};
  Measurement256 mr_signer{};
  Attributes attributes{};  // includes INIT after EINIT
  MiscSelect misc_select = 0;
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  ConfigId config_id{};
  uint16_t config_svn = 0;
  IsvFamilyId isv_family_id{};
  IsvExtProdId isv_ext_prod_id{};
};

class Enclave {
 public:
  // ECREATE. Checks SIZE (power of two, >= 2 pages), SSAFRAMESIZE >= 1,
  // MODE64BIT set, INIT clear, XFRM includes x87|SSE, reserved attribute bits
  // clear. InvalidArgument otherwise.
  static Result<Enclave> Create(const PlatformKeys& platform, const Secs& secs);

  // EADD of one page at `offset` from the base, then EEXTEND of its sixteen
  // 256-byte chunks when `extend` is set.
  Result<> AddPage(uint64_t offset, std::span<const uint8_t, kPageSize> page, const SecInfo& secinfo,
                   bool extend);
  // EADD / EEXTEND separately (offsets relative to the enclave base).
  Result<> Eadd(uint64_t offset, const SecInfo& secinfo);
  Result<> Eextend(uint64_t offset, std::span<const uint8_t, kEextendChunk> chunk);

  // EINIT: see the file comment. FailedPrecondition after a successful EINIT.
  // The first EINIT finalises the measurement: a refused EINIT may be retried
  // with another SIGSTRUCT, but no page can be added afterwards.
  Result<> Init(const SigStruct& sigstruct);

  bool initialized() const { return initialized_; }
  const EnclaveIdentity& identity() const { return identity_; }

  // This enclave as a report target (TARGETINFO for other enclaves' EREPORT).
  // FailedPrecondition before Init().
  Result<TargetInfo> GetTargetInfo() const;

  // EREPORT: a REPORT about this enclave, MACed for `target` with a fresh
  // random KEYID.
  Result<Report> CreateReport(const TargetInfo& target, const ReportData& report_data) const;

  // EGETKEY for every KEYNAME: REPORT, SEAL, PROVISION, PROVISION_SEAL and
  // EINITTOKEN (keys.h says what each binds). InvalidArgument for unknown key
  // names, reserved bits or an ISVSVN/CPUSVN/CONFIGSVN above the enclave's or
  // platform's (the hardware's SGX_INVALID_ISVSVN/CPUSVN); PermissionDenied
  // (SGX_INVALID_ATTRIBUTE) for PROVISION/PROVISION_SEAL without the
  // PROVISIONKEY attribute and EINITTOKEN without EINITTOKENKEY.
  Result<Key128> GetKey(const KeyRequest& request) const;

  // What a target enclave does with a REPORT it receives: EGETKEY(REPORT,
  // KEYID = report.key_id) and compare the MAC. PermissionDenied when the MAC
  // does not match (tampered, or MACed for another target).
  Result<> VerifyReport(const Report& report) const;

 private:
  Enclave(const PlatformKeys& platform, const Secs& secs, Measurement m)
      : platform_(platform), secs_(secs), measurement_(std::move(m)) {}
  Result<> RequireInit() const;

  PlatformKeys platform_;
  Secs secs_;
  std::optional<Measurement> measurement_;    // until the first EINIT
  std::optional<Measurement256> final_mrenclave_;
  bool initialized_ = false;
  EnclaveIdentity identity_;
};

}  // namespace inclavare::sgx::sim
