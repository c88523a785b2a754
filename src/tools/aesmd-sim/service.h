// The request handler of aesmd-sim: one serialized aesm.message.Request in,
// one serialized aesm.message.Response out, answered by the sim platform's
// quoting enclave (enclave/sim/qe.h).
//
// Messages (field numbers of aesm.proto):
//   InitQuoteEx (15)            QE TARGETINFO; pub_key_id = SHA-256(att key x||y)
//   GetQuoteSizeEx (16)         the QE's quote size
//   GetQuoteEx (17)             DCAP quote v3 for a REPORT targeted at the QE;
//                               with qe_report_info, the QE's REPORT for the app
//   SelectAttKeyID (19)         our id, if the request's att_key_id_list is
//                               absent/empty or names it; else PARAMETER
//   GetSupportedAttKeyIDNum (21) / GetSupportedAttKeyIDs (22)
//                               one id: ECDSA P-256 of the sim QE
//   InitQuote (1)               legacy: QE TARGETINFO, zero EPID group id
//   GetQuote (2)                legacy EPID quote: refused, EPID is not supported
//   GetLaunchToken (3)          an all-zero (invalid) EINITTOKEN: the sim
//                               platform has flexible launch control
//   anything else               unsupportedRequestResponse (20)
//
// Error codes: AESM_PARAMETER_ERROR (3) for malformed or missing fields, a
// too small buffer, an unknown attestation key id, or a REPORT the QE refuses
// (wrong target or bad MAC); AESM_UNEXPECTED_ERROR (1) otherwise.
//
// Thread-safe: Handle() only reads shared, immutable state.
#pragma once

#include <memory>
#include <string>

#include "common/error.h"
#include "enclave/aesm/wire.h"
#include "enclave/sim/qe.h"
#include "enclave/sim/state.h"

namespace inclavare::sgx::aesmd_sim {

class Service {
 public:
  static Result<std::unique_ptr<Service>> Create(std::shared_ptr<const sim::State> state);

  // Never fails: errors become AESM error codes in the response. An
  // unparsable request gets an empty-but-valid unsupported response.
  std::string Handle(const std::string& request_bytes) const;

  // The attestation key id this daemon supports.
  const aesm::AttKeyId& att_key_id() const { return att_key_id_; }

 private:
  explicit Service(sim::QuotingEnclave qe) : qe_(std::move(qe)) {}
  sim::QuotingEnclave qe_;
  aesm::AttKeyId att_key_id_{};
};

}  // namespace inclavare::sgx::aesmd_sim
