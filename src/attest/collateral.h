// DCAP collateral: the signed documents and CRLs a quote is verified against,
// and loaders for the three encodings the ecosystem uses.
//
//   // Intel PCS/PCCS files:
//   CollateralFiles f{.tcb_info = "tcbinfo.json", .qe_identity = "qe.json",
//                     .pck_crl = "pck.crl", .root_ca_crl = "root.crl",
//                     .tcb_signing_chain = "tcb_signing.der"};
//   IC_ASSIGN_OR_RETURN(Collateral c, LoadCollateralFiles(f));
//   // dcap-qvl's QuoteCollateralV3 JSON (what Phala's samples store):
//   IC_ASSIGN_OR_RETURN(Collateral c, ParseDcapQvlCollateral(json_text));
//
// Encodings (see the evidence MANIFEST, "Pitfalls"):
//  * Intel PCS JSON: {"tcbInfo":{...},"signature":"<hex r||s>"} and
//    {"enclaveIdentity":{...},"signature":...}. The signature covers the raw
//    text of the tcbInfo / enclaveIdentity value exactly as it appears in the
//    document (no re-serialisation), so the body is cut out byte for byte.
//  * Fortanix wrappers: {"raw_tcb_info": "<text>", "signature": [DER bytes],
//    "ca_chain": [PEM...]} (and raw_enclave_identity); CRLs as {"crl": PEM,
//    "ca_chain": [...]}. DER signatures are converted to r||s.
//  * dcap-qvl JSON: tcb_info / qe_identity as raw strings, signatures and
//    CRLs as hex (or byte arrays), issuer chains as PEM.
// A loader checks encoding only; signatures and contents are checked by the
// verifier (dcap_verify.h). Input is untrusted: errors are InvalidArgument
// naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace inclavare::attest {

// A signed JSON document: the exact signed text and its ECDSA P-256
// signature as raw r || s (64 bytes).
struct SignedDocument {
  std::string body;
  std::vector<uint8_t> signature;
  // Certificates that came with the document (PEM), possibly empty.
  std::string issuer_chain;
};

struct Collateral {
  SignedDocument tcb_info;
  SignedDocument qe_identity;
  // The TCB signing certificate (and optionally the root), PEM or DER. When
  // empty, the issuer chains carried by the documents are used.
  std::string tcb_signing_chain;
  // CRL of the PCK CA that issued the quote's PCK certificate (DER or PEM).
  std::string pck_crl;
  // CRL of the Intel SGX Root CA (DER or PEM); may be empty, in which case
  // only the PCK CA CRL is enforced and the verdict carries a warning.
  std::string root_ca_crl;
};

// Cuts the value of the top-level `key` ("tcbInfo", "enclaveIdentity") out of
// a JSON document exactly as written, plus the top-level hex "signature".
// Also accepts the Fortanix wrapper (raw_tcb_info / raw_enclave_identity with
// a DER byte-array signature and ca_chain).
Result<SignedDocument> ParseSignedDocument(std::string_view doc, std::string_view key);

// The raw text of a top-level member's value; InvalidArgument when absent.
Result<std::string_view> RawJsonMember(std::string_view doc, std::string_view key);

// A CRL file: DER, PEM, hex of the DER (Intel PCCS's /rootcacrl), or a
// Fortanix {"crl": PEM} wrapper -> DER or PEM text usable by ParseCrl.
Result<std::string> UnwrapCrl(std::string_view data);

// dcap-qvl QuoteCollateralV3 JSON.
Result<Collateral> ParseDcapQvlCollateral(std::string_view json);

struct CollateralFiles {
  std::string tcb_info;
  std::string qe_identity;
  std::string pck_crl;
  std::string root_ca_crl;        // optional
  std::string tcb_signing_chain;  // optional when the documents carry a chain
};
Result<Collateral> LoadCollateralFiles(const CollateralFiles& files);

}  // namespace inclavare::attest
