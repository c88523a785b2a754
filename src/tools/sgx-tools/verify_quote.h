// `sgx-tools verify-quote`: verifies a DCAP quote (SGX v3, TDX v4/v5) with
// collateral from files and an optional appraisal policy; the logic is in
// ic::attest, this only maps flags to it.
//
//   VerifyQuoteOptions o;
//   o.quote = "quote.bin";  o.collateral_json = "collateral.json";
//   o.at = "2025-07-19T10:01:17Z";
//   IC_ASSIGN_OR_RETURN(std::string json, VerifyQuoteCommand(o));
//
// Collateral is one dcap-qvl JSON (--collateral-json), the Intel PCS files
// (--tcb-info, --qe-identity, --pck-crl, optional --root-crl and
// --tcb-signing-cert; Fortanix wrappers accepted too), or fetched from a
// PCS/PCCS (--pccs-url, or the one an Intel QCNL configuration names:
// --qcnl-conf; attest/pccs.h) for the quote's FMSPC and PCK CA. --root-ca replaces the
// built-in Intel SGX Root CA (e.g. with a test or simulated root). The
// result is the verdict JSON plus "policy": "accepted"; any failure
// (signature, chain, collateral, TCB, policy) is an error naming the reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace inclavare::sgx::tools {

struct VerifyQuoteOptions {
  std::string quote;
  std::string collateral_json;
  std::string tcb_info, qe_identity, pck_crl, root_crl, tcb_signing_cert;
  std::string root_ca;
  // PCS/PCCS: base URL, API version, TLS CA file, skip TLS verification,
  // on-disk cache directory.
  std::string pccs_url;
  int pccs_api_version = 4;
  std::string pccs_ca, pccs_cache;
  bool pccs_insecure = false;
  std::string qcnl_conf;  // Intel QCNL configuration naming the PCCS
  std::string at;      // RFC 3339; empty: now
  std::string policy;  // JSON policy file (attest/policy.h ParsePolicyJson)
  bool allow_debug = false;
  bool accept_sim_qe = false;  // --sim: trust the simulated QE (needs --root-ca = the sim root)
  std::vector<std::string> accept_status;
};

Result<std::string> VerifyQuoteCommand(const VerifyQuoteOptions& options);

}  // namespace inclavare::sgx::tools
