// Intel TCB Info (v2, v3; SGX and TDX) and Enclave Identity (QE, TD_QE v2):
// models, parsers and the TCB level evaluation Intel's QVL performs.
//
//   IC_ASSIGN_OR_RETURN(TcbInfo info, ParseTcbInfo(collateral.tcb_info.body));
//   IC_ASSIGN_OR_RETURN(TcbMatch m, MatchPlatformTcb(info, pck, td_report));
//   IC_ASSIGN_OR_RETURN(EnclaveIdentity qe, ParseEnclaveIdentity(body));
//   IC_ASSIGN_OR_RETURN(TcbMatch q, MatchQeIdentity(qe, quote.qe_report));
//   TcbStatus s = MergeWithQe(MergeWithModule(m.status, module), q.status);
//
// Semantics (Intel "TCB Info" / "Enclave Identity" PCS API v3/v4 and the
// QVL's TCB level check):
//  * platform: the first TCB level (in document order, which Intel sorts
//    newest first) whose 16 SGX component SVNs and PCESVN are all <= the PCK
//    certificate's; for TDX additionally the 16 TDX components <= the TD
//    report's TEE_TCB_SVN (the first two bytes are skipped when the TDX
//    module major version, TEE_TCB_SVN[1], is non-zero). None: error
//    "no matching TCB level".
//  * TDX module (TCB Info v3 tdxModuleIdentities): the identity "TDX_%02X"
//    of TEE_TCB_SVN[1]; MRSIGNER_SEAM and SEAM attributes under the mask must
//    match; its level is the first whose isvsvn <= TEE_TCB_SVN[0].
//  * QE identity: MRSIGNER and ISVPRODID equal, MISCSELECT and ATTRIBUTES
//    equal under their masks, then the first level whose isvsvn <= ISVSVN.
//  * merge: a module or QE status OutOfDate turns UpToDate/SWHardeningNeeded
//    into OutOfDate and the Configuration* statuses into
//    OutOfDateConfigurationNeeded; Revoked anywhere is Revoked.
//  * TDX 1.5 (TD report 1.5, quote v5 body type 3): the levels above are
//    matched with TEE_TCB_SVN (the TDX module the TD was launched on);
//    TEE_TCB_SVN2 (the module it runs on now, after TD-preserving updates)
//    only feeds Intel's TD relaunch check, TdRelaunchStatus below.
// Parsers take untrusted text (InvalidArgument naming the field); they do not
// check signatures or dates (dcap_verify.cc does).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/pck.h"
#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sgx/quote.h"

namespace inclavare::attest {

enum class TcbStatus {
  kUpToDate,
  kSWHardeningNeeded,
  kConfigurationNeeded,
  kConfigurationAndSWHardeningNeeded,
  kOutOfDate,
  kOutOfDateConfigurationNeeded,
  kRevoked,
  kTDRelaunchAdvised,  // TDX 1.5: relaunching the TD brings it up to date
  kTDRelaunchAdvisedConfigurationNeeded,
};
// Intel's spelling: "UpToDate", "SWHardeningNeeded", ...
const char* TcbStatusName(TcbStatus s);
Result<TcbStatus> ParseTcbStatus(std::string_view name);

struct TcbLevel {
  std::array<uint8_t, 16> sgx_components{};
  uint16_t pce_svn = 0;
  bool has_tdx = false;
  std::array<uint8_t, 16> tdx_components{};
  std::string tcb_date;
  TcbStatus status = TcbStatus::kOutOfDate;
  std::vector<std::string> advisories;
};

struct IsvLevel {
  uint16_t isv_svn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kOutOfDate;
  std::vector<std::string> advisories;
};

struct TdxModuleIdentity {
  std::string id;  // "TDX_01"
  std::vector<uint8_t> mrsigner;  // 48 bytes
  std::vector<uint8_t> attributes, attributes_mask;  // 8 bytes each
  std::vector<IsvLevel> levels;
};

struct TcbInfo {
  std::string id;  // "SGX" or "TDX" (v2 has no id: "SGX")
  int version = 0;
  int64_t issue_date = 0, next_update = 0;
  std::array<uint8_t, 6> fmspc{};
  std::array<uint8_t, 2> pce_id{};
  int tcb_type = 0;
  int eval_num = 0;
  std::vector<TcbLevel> levels;
  std::optional<TdxModuleIdentity> tdx_module;  // v3 "tdxModule" (no levels)
  std::vector<TdxModuleIdentity> module_identities;
};
Result<TcbInfo> ParseTcbInfo(std::string_view body);

struct EnclaveIdentity {
  std::string id;  // "QE", "QVE" or "TD_QE"
  int version = 0;
  int64_t issue_date = 0, next_update = 0;
  int eval_num = 0;
  uint32_t miscselect = 0, miscselect_mask = 0;
  std::array<uint8_t, 16> attributes{}, attributes_mask{};
  std::array<uint8_t, 32> mrsigner{};
  uint16_t isv_prod_id = 0;
  std::vector<IsvLevel> levels;
};
Result<EnclaveIdentity> ParseEnclaveIdentity(std::string_view body);

struct TcbMatch {
  TcbStatus status = TcbStatus::kOutOfDate;
  std::string tcb_date;
  std::vector<std::string> advisories;
  std::string id;  // module id for module matches
};

Result<TcbMatch> MatchPlatformTcb(const TcbInfo& info, const PckInfo& pck, const sgx::TdReport10* td);
// nullopt when the TCB Info has no module identities or the module version
// is 0 (TDX 1.0 modules before identities were introduced).
Result<std::optional<TcbMatch>> MatchTdxModule(const TcbInfo& info, const sgx::TdReport10& td);
Result<TcbMatch> MatchQeIdentity(const EnclaveIdentity& id, const sgx::ReportBody& qe);

// Intel's TD relaunch check (QVL, TD report 1.5 only). It applies when the
// QE is not OutOfDate/Revoked, the SGX part of the platform (the first
// level whose SGX components and PCESVN the PCK meets) is UpToDate,
// SWHardeningNeeded or Configuration(AndSWHardening)Needed, the TDX level
// matched with TEE_TCB_SVN is OutOfDate(ConfigurationNeeded) and the TDX
// module level is OutOfDate. Then, when TEE_TCB_SVN2 reaches the newest TCB
// level (TEE_TCB_SVN2[2] >= its TDX component 2, and TEE_TCB_SVN2[0] >= its
// TDX component 0, or for a module major version TEE_TCB_SVN2[1] > 0 the
// newest isvsvn of identity "TDX_%02X" of it), the status is
// TDRelaunchAdvised, or TDRelaunchAdvisedConfigurationNeeded when the SGX or
// TDX status needed configuration. nullopt: the check does not apply.
// Error: TEE_TCB_SVN2's module has no identity in the TCB Info.
Result<std::optional<TcbStatus>> TdRelaunchStatus(const TcbInfo& info, const PckInfo& pck,
                                                  const std::array<uint8_t, 16>& tee_tcb_svn2, TcbStatus tdx_status,
                                                  std::optional<TcbStatus> module_status, TcbStatus qe_status);

TcbStatus MergeWithModule(TcbStatus platform, TcbStatus module);
TcbStatus MergeWithQe(TcbStatus platform, TcbStatus qe);

}  // namespace inclavare::attest
