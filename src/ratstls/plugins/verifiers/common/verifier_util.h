// Shared by the Rats-TLS verifier plugins (plugin.h rats_tls_verifier_ops_t):
// the plugin settings as owned C++ values, the appraisal policy, filling
// rats_tls_verified_evidence_t, and the C ABI boundary (errors, exceptions).
//
//   IC_ASSIGN_OR_RETURN(VerifierSettings s, VerifierSettings::FromEnv(env));
//   ... verify, giving attest::Claims c ...
//   IC_TRY(s.CheckPolicy(c, status));
//   IC_TRY(FillVerifiedEvidence(c, "sgx_ecdsa", "UpToDate", valid_until, extra_json, out));
//
//   static int VerifyEvidence(void* state, ..., rats_tls_error_t* err) {
//     return CallPlugin(err, [&]() -> Result<> { ... });
//   }
#pragma once

#include <rats-tls/plugin.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "attest/policy.h"
#include "common/error.h"
#include "enclave/sgx/arch.h"

namespace inclavare::ratstls::verifiers {

// The verifier-relevant part of rats_tls_plugin_env_t, copied (the core's
// strings need not outlive init). Empty strings mean "not set".
struct VerifierSettings {
  std::string sim_dir;
  std::string root_ca_file;
  std::string collateral;
  std::string snp_vcek_file;
  std::string snp_ask_ark_file;
  std::string plugin_dir;
  std::string policy_json;  // the text, "" when none
  attest::Policy policy;    // parsed policy_json, or the default Policy{}
  int64_t verify_time = 0;  // 0: now

  // Copies env and parses the policy. InvalidArgument for a NULL or too
  // small env, or a policy that does not parse ("policy: ...").
  static Result<VerifierSettings> FromEnv(const rats_tls_plugin_env_t* env);

  // verify_time when set, else the current time.
  int64_t Now() const;
  // attest::CheckPolicy with this policy.
  Result<> CheckPolicy(const attest::Claims& claims, attest::TcbStatus status) const;
};

// Claims of an SGX REPORT body (the fields a quote or a local REPORT carries).
attest::Claims ClaimsFromReportBody(const sgx::ReportBody& body);

// Fills every common field of out (zeroing it first): evidence_type,
// report_data, debug, tcb_status, valid_until, the SGX/TDX/SNP fields present
// in claims, and claims_json = ClaimsToJson(claims) merged with `extra`
// (e.g. {"tcb_status": ..., "advisories": [...]}), malloc()ed.
Result<> FillVerifiedEvidence(const attest::Claims& claims, const char* evidence_type,
                              const std::string& tcb_status, int64_t valid_until,
                              const nlohmann::ordered_json& extra, rats_tls_verified_evidence_t* out);

// The C boundary: runs fn, turns its error (or any exception) into
// rats_tls_error_set(err, -errno, "message") and returns the plugin result.
int CallPlugin(rats_tls_error_t* err, const std::function<Result<>()>& fn);
// errno for an Error (its sys_errno when set, else by code).
int ErrnoFor(const Error& e);

// A file's contents; errors name `what` and the path.
Result<std::string> ReadSettingFile(const std::string& path, const std::string& what);

}  // namespace inclavare::ratstls::verifiers
