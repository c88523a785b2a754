// X.509, CRL and signature helpers for the attestation verifiers, on OpenSSL 3.
//
//   IC_ASSIGN_OR_RETURN(std::vector<X509Ptr> chain, ParseCertChain(pem_or_der));
//   IC_ASSIGN_OR_RETURN(X509CrlPtr crl, ParseCrl(der_or_pem));
//   IC_ASSIGN_OR_RETURN(EvpPkeyPtr key, P256KeyFromXy(quote.attestation_key));
//   IC_TRY(VerifyEcdsaRs(key.get(), EVP_sha256(), data, rs));   // raw r||s
//   IC_TRY(VerifyChain(leaf, intermediates, anchors, crls, time));
//
// Contract: every OpenSSL object is owned by a unique_ptr (reusing the deleters
// of enclave/sgx/crypto.h where they exist). Signature mismatches are
// PermissionDenied errors; malformed input is InvalidArgument. Times are Unix
// seconds (UTC). Nothing here is hand-rolled crypto: ECDSA, RSA-PSS, X.509
// path validation and CRL checks are OpenSSL's.
#pragma once

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "enclave/sgx/crypto.h"

namespace inclavare::attest {

using sgx::EvpPkeyPtr;

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
struct X509StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;

// RFC 3339 "2025-07-19T10:01:17Z" (fraction and numeric offsets accepted;
// "2020-06-05T12:00Z" without seconds too) <-> Unix seconds.
Result<int64_t> ParseRfc3339(std::string_view text);
std::string FormatRfc3339(int64_t t);
int64_t NowUnix();

// One or more certificates: PEM (any number of blocks) or a single DER cert.
Result<std::vector<X509Ptr>> ParseCertChain(std::string_view pem_or_der);
Result<X509Ptr> ParseCert(std::string_view pem_or_der);
// A CRL in DER or PEM.
Result<X509CrlPtr> ParseCrl(std::string_view der_or_pem);
// An ASN.1 UTCTime/GeneralizedTime as Unix seconds.
Result<int64_t> Asn1TimeToUnix(const ASN1_TIME* t);
// The nextUpdate of a CRL (DER or PEM).
Result<int64_t> CrlNextUpdate(std::string_view der_or_pem);
X509Ptr DupCert(X509* cert);
std::string SubjectName(X509* cert);

// Raw P-256 public key (x || y, big-endian) as an EVP_PKEY.
Result<EvpPkeyPtr> P256KeyFromXy(std::span<const uint8_t, 64> xy);

// ECDSA over data with the digest; the signature as raw big-endian r || s of
// equal halves (64 bytes for P-256). Mismatch -> PermissionDenied "<what>
// signature does not verify".
Result<> VerifyEcdsaRs(EVP_PKEY* key, const EVP_MD* md, std::span<const uint8_t> data,
                       std::span<const uint8_t> rs, const std::string& what);
// The same with a DER ECDSA-Sig-Value.
Result<> VerifyEcdsaDer(EVP_PKEY* key, const EVP_MD* md, std::span<const uint8_t> data,
                        std::span<const uint8_t> der, const std::string& what);
// DER ECDSA-Sig-Value -> r || s with each half padded to half_len bytes.
Result<std::vector<uint8_t>> EcdsaDerToRs(std::span<const uint8_t> der, size_t half_len);

// A set of trust anchors and CRLs to validate chains at one point in time.
// Build once and reuse: validation needs no re-parsing. Thread-compatible.
class ChainVerifier {
 public:
  // roots: trusted self-signed CAs (both issues of a root may be given; the
  // one valid at `time` is used). crls: every CRL to apply; when
  // check_all_crls, each certificate in the path must have a CRL from its
  // issuer (X509_V_FLAG_CRL_CHECK_ALL), else only the leaf's issuer's CRL is
  // required (X509_V_FLAG_CRL_CHECK) — used when no Root CA CRL is supplied.
  static Result<ChainVerifier> Create(std::vector<X509Ptr> roots, std::vector<X509CrlPtr> crls,
                                      int64_t time, bool check_all_crls);
  // Validates leaf via the untrusted intermediates to a root. Errors:
  // PermissionDenied "<what>: certificate revoked" / "...: certificate has
  // expired" etc. (OpenSSL's verify error string), naming the subject.
  Result<> Verify(X509* leaf, const std::vector<X509Ptr>& intermediates, const std::string& what) const;
  int64_t time() const { return time_; }

 private:
  ChainVerifier() = default;
  X509StorePtr store_;
  int64_t time_ = 0;
  unsigned long flags_ = 0;
};

}  // namespace inclavare::attest
