// Verification results as structured claims, the appraisal policy, and the
// readable JSON of both.
//
//   IC_ASSIGN_OR_RETURN(Verdict v, VerifyQuote(quote, collateral));   // dcap_verify.h
//   Policy p;
//   p.mr_enclave = HexDecode("a4f4...");
//   p.accepted_statuses = {TcbStatus::kUpToDate, TcbStatus::kSWHardeningNeeded};
//   IC_TRY(CheckPolicy(p, v.claims, v.status));         // PermissionDenied names the mismatch
//   std::string json = VerdictToJson(v);
//
// Claims are copies of the verified evidence fields (for Rats-TLS and Shelter),
// filled only after every signature and chain check passed. A Policy field
// left empty is not checked; debug enclaves / TDs are refused unless
// allow_debug; accepted_statuses empty means "any status except Revoked".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attest/tcb.h"
#include "common/error.h"

namespace inclavare::attest {

enum class TeeKind { kSgx, kTdx, kSevSnp };
const char* TeeKindName(TeeKind k);  // "sgx", "tdx", "sev-snp"

struct Claims {
  TeeKind tee = TeeKind::kSgx;
  int evidence_version = 0;
  bool debug = false;
  std::vector<uint8_t> report_data;  // 64 bytes
  // SGX enclave
  std::vector<uint8_t> mr_enclave, mr_signer;  // 32 bytes each
  uint16_t isv_prod_id = 0, isv_svn = 0;
  uint64_t attributes = 0, xfrm = 0;
  uint32_t misc_select = 0;
  // TDX
  std::vector<uint8_t> mr_td, mr_config_id, mr_owner, mr_owner_config, mr_seam;  // 48 bytes
  std::array<std::vector<uint8_t>, 4> rtmr;
  uint64_t td_attributes = 0, xfam = 0;
  std::vector<uint8_t> tee_tcb_svn;
  // SEV-SNP
  std::vector<uint8_t> measurement, host_data, chip_id;
  uint64_t snp_policy = 0;
  uint32_t vmpl = 0;
  // platform (DCAP: from the PCK certificate)
  std::vector<uint8_t> fmspc, pce_id;
};

struct Policy {
  std::optional<std::vector<uint8_t>> mr_enclave, mr_signer;
  std::optional<uint16_t> isv_prod_id;
  std::optional<uint16_t> min_isv_svn;
  std::optional<std::vector<uint8_t>> mr_td;
  std::array<std::optional<std::vector<uint8_t>>, 4> rtmr;
  std::optional<std::vector<uint8_t>> snp_measurement;
  // A prefix the report data must start with (nonce or key hash binding).
  std::optional<std::vector<uint8_t>> report_data_prefix;
  bool allow_debug = false;
  std::vector<TcbStatus> accepted_statuses;  // empty: all but Revoked
};

// PermissionDenied "policy: <what>" on the first mismatch. For SEV-SNP pass
// the status as kUpToDate (SNP has no Intel TCB status).
Result<> CheckPolicy(const Policy& policy, const Claims& claims, TcbStatus status);

// A policy from JSON: {"mr_enclave": hex, "mr_signer": hex, "isv_prod_id": n,
// "min_isv_svn": n, "mr_td": hex, "rtmr0".."rtmr3": hex, "snp_measurement":
// hex, "report_data_prefix": hex, "allow_debug": bool, "accepted_statuses":
// ["UpToDate", ...]}; unknown keys are errors (a typo must not weaken it).
Result<Policy> ParsePolicyJson(std::string_view text);

// JSON object of the claims (hex strings for byte fields; TEE-specific
// fields only for their TEE).
std::string ClaimsToJson(const Claims& claims, int indent = 2);

}  // namespace inclavare::attest
