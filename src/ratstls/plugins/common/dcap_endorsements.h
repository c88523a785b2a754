// SGX/TDX endorsements in the Interoperable RA-TLS endorsements extension:
// the CBOR array (inside the extension's tag 60000) of Open Enclave's
// oe_sgx_endorsements_fields_t order, 8 or 9 entries:
//   [ VERSION uint, TCB_INFO bstr, TCB_ISSUER_CHAIN bstr, CRL_PCK_CERT bstr,
//     CRL_PCK_PROC_CA bstr, CRL_ISSUER_CHAIN_PCK_CERT bstr, QE_ID_INFO bstr,
//     QE_ID_ISSUER_CHAIN bstr, ? CREATION_DATETIME bstr ]
// CRL_PCK_CERT is the CRL of the CA that issued the PCK certificate (PCK
// Platform/Processor CA), CRL_PCK_PROC_CA the Intel Root CA's CRL. Text
// entries (JSON, PEM) may carry a trailing NUL, as Open Enclave writes them;
// it is stripped when decoding.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "common/error.h"

namespace inclavare::ratstls {

struct DcapEndorsements {
  uint32_t version = 1;
  std::string tcb_info;              // PCS JSON {"tcbInfo":...,"signature":...}
  std::string tcb_issuer_chain;      // PEM
  std::string pck_crl;               // DER or PEM
  std::string root_ca_crl;           // DER or PEM
  std::string pck_crl_issuer_chain;  // PEM
  std::string qe_identity;           // PCS JSON {"enclaveIdentity":...,"signature":...}
  std::string qe_identity_issuer_chain;
  std::optional<std::string> creation_datetime;
};

// The encoded CBOR array (untagged).
Result<std::vector<uint8_t>> EncodeDcapEndorsements(const DcapEndorsements& e);
// Strict: exactly 8 or 9 entries of the types above.
Result<DcapEndorsements> DecodeDcapEndorsements(std::span<const uint8_t> item);
// As collateral for attest::DcapVerifier.
Result<attest::Collateral> ToCollateral(const DcapEndorsements& e);
// From collateral files in a directory laid out like the sim platform's
// collateral/ (tcb_info.json, qe_identity.json, tcb_signing_chain.pem,
// pck_platform_ca.crl.der, root_ca.crl.der).
Result<DcapEndorsements> LoadDcapEndorsementsDir(const std::string& dir);

}  // namespace inclavare::ratstls
