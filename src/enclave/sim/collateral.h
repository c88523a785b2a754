// Collateral for sim quotes in Intel's PCS JSON formats, so a DCAP verifier
// checks sim quotes exactly as it checks real ones once the sim root CA is
// configured as a trust anchor:
//
//   TCB Info v3 (SGX):  {"tcbInfo":{"id":"SGX","version":3,"issueDate":...,
//                        "nextUpdate":...,"fmspc":"...","pceId":"0000",
//                        "tcbType":0,"tcbEvaluationDataNumber":N,
//                        "tcbLevels":[{"tcb":{"sgxtcbcomponents":[{"svn":..}
//                        x16],"pcesvn":..},"tcbDate":...,"tcbStatus":
//                        "UpToDate"}]},"signature":"<hex r||s>"}
//   QE Identity v2:     {"enclaveIdentity":{"id":"QE","version":2,...,
//                        "miscselect","miscselectMask","attributes",
//                        "attributesMask","mrsigner","isvprodid","tcbLevels":
//                        [{"tcb":{"isvsvn":..},"tcbDate":..,"tcbStatus":
//                        "UpToDate"}]},"signature":"<hex r||s>"}
//
// As in Intel's PCS, the signature is ECDSA P-256 with SHA-256 by the TCB
// signing key over the exact bytes of the "tcbInfo" / "enclaveIdentity"
// value as it appears in the document (compact JSON, no whitespace), given
// as 128 lowercase hex digits r || s. Byte fields are uppercase hex except
// fmspc/pceId (lowercase, as Intel writes them). Times are
// "YYYY-MM-DDThh:mm:ssZ".
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <string>

#include "common/error.h"
#include "enclave/sgx/arch.h"

namespace inclavare::sgx::sim {

struct TcbInfoParams {
  std::array<uint8_t, 6> fmspc{};
  std::array<uint8_t, 2> pce_id{};
  std::array<uint8_t, 16> tcb_comp_svn{};
  uint16_t pce_svn = 0;
  uint32_t tcb_evaluation_data_number = 1;
  std::time_t issue_date = 0;
  std::time_t next_update = 0;
  std::time_t tcb_date = 0;
};

struct QeIdentityParams {
  Measurement256 mr_signer{};
  uint16_t isv_prod_id = 1;
  uint16_t isv_svn = 0;
  MiscSelect misc_select = 0;
  uint32_t misc_select_mask = 0xffffffff;
  Attributes attributes{};       // written masked, as Intel does
  Attributes attributes_mask{};
  uint32_t tcb_evaluation_data_number = 1;
  std::time_t issue_date = 0;
  std::time_t next_update = 0;
  std::time_t tcb_date = 0;
};

// "2026-11-27T14:00:00Z"
std::string IsoTime(std::time_t t);

Result<std::string> MakeTcbInfoJson(const TcbInfoParams& params, EVP_PKEY* tcb_signing_key);
Result<std::string> MakeQeIdentityJson(const QeIdentityParams& params, EVP_PKEY* tcb_signing_key);

}  // namespace inclavare::sgx::sim
