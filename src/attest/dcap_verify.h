// DCAP quote verification: SGX quote v3, TDX quote v4 and v5, against Intel
// collateral, in process on OpenSSL (no QVL).
//
//   IC_ASSIGN_OR_RETURN(Collateral c, ParseDcapQvlCollateral(json));  // collateral.h
//   VerifyOptions o;
//   o.time = *ParseRfc3339("2025-07-19T10:01:17Z");   // collateral expires; default now
//   IC_ASSIGN_OR_RETURN(Verdict v, VerifyQuote(quote_bytes, c, o));
//   // v.status == TcbStatus::kConfigurationAndSWHardeningNeeded, v.advisories...
//
// For many quotes against the same collateral build the verifier once: it
// validates the collateral (signing chain, signatures, dates, CRLs) in
// Create() and caches the parsed documents, the X.509 store and every PCK
// chain it has validated, and each QE report it has verified under a PCK key
// (exact bytes, with the imported attestation key), so a further quote from a
// known platform costs one ECDSA verify (the quote by the attestation key)
// plus the SHA-256 of the key binding:
//
//   IC_ASSIGN_OR_RETURN(DcapVerifier v, DcapVerifier::Create(c, o));
//   for (auto& q : quotes) IC_ASSIGN_OR_RETURN(Verdict r, v.Verify(q));
//
// What Verify checks, in order (any failure is an error; nothing is
// "verified with warnings" except a missing Root CA CRL, see below):
//  1. structure (enclave/sgx/quote.h ParseQuote), Intel QE vendor id, TEE
//     type vs the TCB Info id (SGX/TDX) and QE identity id (QE/TD_QE);
//  2. PCK chain (quote certification data type 5) to a trust anchor at the
//     verification time with the PCK CA CRL (and Root CA CRL) -> "PCK
//     certificate revoked" etc.;
//  3. QE report signature by the PCK key; attestation key binding: QE
//     REPORTDATA = SHA-256(attestation key || QE auth data) || 32 zero bytes;
//  4. quote signature by the attestation key over header || body;
//  5. PCK FMSPC / PCE-ID equal the TCB Info's; TCB level (tcb.h), TDX module
//     identity, QE identity; merged status and the union of advisory IDs.
// Create checks the collateral: TCB Info and QE identity signatures by the
// TCB signing certificate (chained to a trust anchor, Root CA CRL applied),
// issueDate <= time <= nextUpdate for both documents and thisUpdate <= time
// <= nextUpdate for the CRLs: "collateral expired: tcbInfo nextUpdate
// 2025-07-19T10:56:11Z < verification time 2025-08-01T00:00:00Z".
// Trust anchors: the built-in Intel SGX Root CA (roots.h) unless
// root_ca_pem is given, which then replaces it (a test CA, the simulated
// platform's root, or the 2033 issue of Intel's root).
// Thread-safety: a DcapVerifier may be used from several threads (its PCK
// cache is guarded by a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/pck.h"
#include "attest/policy.h"
#include "attest/tcb.h"
#include "attest/x509.h"
#include "common/error.h"
#include "enclave/sgx/quote.h"

namespace inclavare::attest {

struct VerifyOptions {
  std::optional<int64_t> time;  // Unix seconds; default now
  // One or more trust anchor certificates (PEM or DER); empty: built-in Intel root.
  std::string root_ca_pem;
  // Fail when the collateral has no Root CA CRL (default: warn and check only
  // the PCK CA CRL).
  bool require_root_crl = false;
  // Accept quotes from the simulated QE (sgx::kSimQeVendorId). Only together
  // with an explicit root_ca_pem (the sim root): sim evidence never verifies
  // against the built-in Intel root, and the chain must still verify.
  bool accept_sim_qe = false;
};

struct Verdict {
  TcbStatus status = TcbStatus::kOutOfDate;  // merged platform + module + QE
  TcbStatus platform_status = TcbStatus::kOutOfDate;
  std::string tcb_date;
  std::vector<std::string> advisories;  // union, sorted, unique
  std::optional<TcbMatch> tdx_module;
  TcbMatch qe;
  PckInfo pck;
  int tcb_eval_num = 0;
  int64_t verified_at = 0;
  std::vector<std::string> warnings;
  Claims claims;
};

// Verdict as JSON: status, platform/module/QE statuses, advisories, claims.
std::string VerdictToJson(const Verdict& v, int indent = 2);

// Validates a PCK chain (PEM: PCK cert, CA, root) at `time` against roots and
// CRLs and returns the leaf's SGX extensions. Used by the verifier; public
// for tests and tools.
Result<PckInfo> VerifyPckCertChain(std::string_view chain_pem, std::vector<X509Ptr> roots,
                                   const std::vector<std::string>& crls, int64_t time);

class DcapVerifier {
 public:
  static Result<DcapVerifier> Create(const Collateral& collateral, const VerifyOptions& options = {});
  Result<Verdict> Verify(std::span<const uint8_t> quote) const;

  DcapVerifier(DcapVerifier&&) noexcept;
  DcapVerifier& operator=(DcapVerifier&&) noexcept;
  ~DcapVerifier();

 private:
  struct CachedPck {
    EvpPkeyPtr key;
    PckInfo info;
    // QE reports already verified under this PCK key, keyed by QE report ||
    // its signature || attestation key, with the imported attestation key:
    // a quote from a known QE then costs one ECDSA verify. GUARDED_BY(mu).
    mutable std::map<std::string, EvpPkeyPtr, std::less<>> qe_reports;
  };
  struct State;
  DcapVerifier() = default;
  Result<const CachedPck*> CheckPck(std::string_view chain_pem) const;

  std::unique_ptr<State> state_;
};

// The claims of a quote that has only been parsed, NOT verified: for tools
// that display evidence and for policy checks in tests.
Claims UnverifiedQuoteClaims(const sgx::QuoteView& quote);

// One-shot convenience: DcapVerifier::Create(collateral, options)->Verify(quote).
Result<Verdict> VerifyQuote(std::span<const uint8_t> quote, const Collateral& collateral,
                            const VerifyOptions& options = {});

}  // namespace inclavare::attest
