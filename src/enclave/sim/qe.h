// The simulated quoting enclave (QE): turns an application enclave's REPORT,
// targeted at the QE, into a DCAP quote v3 (Intel "SGX ECDSA Quote Library
// API", "Quote Format"), signed as Intel's QE3 signs it, with the sim
// platform's keys:
//
//   header (48)        version 3, att_key_type 2 (ECDSA-256-with-P-256),
//                      tee_type 0, qe_svn = the QE's ISVSVN, pce_svn = the
//                      platform's PCESVN, qe_vendor_id = kSimQeVendorId,
//                      user_data[0..16) = the platform's QE-ID (see below)
//   body (384)         the application's REPORT body, unchanged
//   sig_len (u32)      then the signature data:
//     signature (64)   ECDSA P-256 r||s by the attestation key over header||body
//     att key (64)     the attestation public key x||y
//     QE report (384)  the QE's own REPORT body; report_data =
//                      SHA-256(att key || QE auth data) || 32 zero bytes
//     QE report sig    ECDSA P-256 r||s by the PCK key over the QE report body
//     QE auth data     u16 size (32) + bytes 00 01 .. 1f (as Intel's QE3)
//     cert data        type 5 (PCK cert chain, PEM: PCK, Platform CA, Root),
//                      u32 size, bytes
//
// Identity: the sim QE is a real sim enclave built by ECREATE/EADD/EINIT from
// a fixed layout, its SIGSTRUCT signed with the state's qe_signing_key, so
// MRSIGNER = SHA-256(that modulus), ISVPRODID 1 (as Intel's QE3), ISVSVN from
// platform.json, ATTRIBUTES MODE64BIT|PROVISIONKEY. QE Identity collateral
// describes exactly this.
//
// QE vendor id: Intel's QE3 writes 939a7233-f79c-4ca9-940a-0db3957f0607.
// The sim QE writes its own id instead (kSimQeVendorId, a random UUID chosen
// for this project), so a sim quote can never be taken for one from Intel's
// QE even before its chain is checked; a verifier configured with the sim
// root accepts this id with it.
//
// GetQuote() first checks the REPORT's MAC the way the QE does on hardware
// (EGETKEY(REPORT) with the report's KEYID): a report targeted at another
// enclave, or tampered with, is refused with PermissionDenied.
//
//   IC_ASSIGN_OR_RETURN(QuotingEnclave qe, QuotingEnclave::Create(state));
//   IC_ASSIGN_OR_RETURN(TargetInfo ti, qe.GetTargetInfo());
//   ... app: IC_ASSIGN_OR_RETURN(Report r, app.CreateReport(ti, data));
//   IC_ASSIGN_OR_RETURN(std::vector<uint8_t> quote, qe.GetQuote(r));
//
// Thread-safe after Create(): GetQuote only reads the shared state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sgx/quote.h"
#include "enclave/sim/enclave.h"
#include "enclave/sim/state.h"

namespace inclavare::sgx::sim {

// The sim QE's vendor id is sgx::kSimQeVendorId (enclave/sgx/quote.h).
inline constexpr uint16_t kSimQeIsvProdId = 1;
// SECS attributes of the sim QE (INIT is added by EINIT).
inline constexpr Attributes kSimQeAttributes{kAttrMode64Bit | kAttrProvisionKey, kXfrmLegacy};
// The QE Identity mask Intel publishes: every flag but MODE64BIT, no XFRM.
inline constexpr Attributes kSimQeAttributesMask{0xfffffffffffffffbull, 0};

class QuotingEnclave {
 public:
  // Builds, signs and initialises the sim QE from the state.
  static Result<QuotingEnclave> Create(std::shared_ptr<const State> state);
  // The QE's MRSIGNER for a QE signing key (what QE Identity lists).
  static Result<Measurement256> MrSignerFor(const RsaKey& qe_signing_key);

  Result<TargetInfo> GetTargetInfo() const { return enclave_->GetTargetInfo(); }
  const Enclave& enclave() const { return *enclave_; }
  // The attestation key's id as AESM reports it: SHA-256 of its x || y.
  Result<Measurement256> PubKeyId() const;
  // The size of every quote this QE makes (the chain length is fixed).
  size_t QuoteSize() const;
  Result<std::vector<uint8_t>> GetQuote(const Report& app_report) const;
  // The QE's REPORT for the application enclave after a quote (the
  // qe_report_info of GetQuoteEx): report_data = SHA-256(nonce || quote) ||
  // 32 zero bytes, MACed for `app_target`, so the app can check that the
  // quote came from the platform's QE.
  Result<Report> ReportForApp(const TargetInfo& app_target, std::span<const uint8_t, 16> nonce,
                              std::span<const uint8_t> quote) const;

 private:
  QuotingEnclave(std::shared_ptr<const State> state, std::unique_ptr<Enclave> enclave)
      : state_(std::move(state)), enclave_(std::move(enclave)) {}
  std::shared_ptr<const State> state_;
  std::unique_ptr<Enclave> enclave_;
  std::array<uint8_t, 16> qe_id_{};  // header user_data[0..16)
  EcPublicKey att_pub_{};
};

}  // namespace inclavare::sgx::sim
