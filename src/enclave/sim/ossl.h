// OpenSSL 3 helpers the sim platform needs beyond enclave/sgx/crypto.h:
// AES-128-CMAC (EVP_MAC "CMAC"), ECDSA P-256 keys with the raw r||s and x||y
// encodings SGX quotes use, PEM I/O for any EVP_PKEY, random bytes, and owned
// X509/X509_CRL handles.
//
//   IC_ASSIGN_OR_RETURN(Key128 k, AesCmac(key, data));
//   IC_ASSIGN_OR_RETURN(EvpPkeyPtr ec, GenerateP256());
//   IC_ASSIGN_OR_RETURN(auto sig, EcdsaSignRaw(ec.get(), bytes));   // r || s, 64 B
//   IC_TRY(EcdsaVerifyRaw(ec.get(), bytes, sig));
//
// Only EVP-level APIs are used. Functions are thread-compatible; a const
// EVP_PKEY may be used by several threads at once (OpenSSL 3).
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "enclave/sgx/crypto.h"

namespace inclavare::sgx::sim {

using Key128 = std::array<uint8_t, 16>;
using EcSignature = std::array<uint8_t, 64>;  // r || s, big-endian each
using EcPublicKey = std::array<uint8_t, 64>;  // x || y, big-endian each

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;

// AES-128-CMAC of data under key (NIST SP 800-38B): primitives.h.
inline Result<Key128> AesCmac(std::span<const uint8_t, 16> key, std::span<const uint8_t> data) {
  return AesCmac128(key, data);
}

// RandomBytes: primitives.h (sgx::RandomBytes).

// A fresh NIST P-256 key pair.
Result<EvpPkeyPtr> GenerateP256();
// PKCS#8 PEM of a private key; SubjectPublicKeyInfo PEM of a public key.
Result<std::string> PrivateKeyPem(EVP_PKEY* key);
Result<std::string> PublicKeyPem(EVP_PKEY* key);
// Reads an unencrypted PEM private key of any type.
Result<EvpPkeyPtr> PrivateKeyFromPem(std::string_view pem);

// The P-256 public point as quotes store it: x || y (no 0x04 prefix).
Result<EcPublicKey> P256PublicRaw(EVP_PKEY* key);
// The P-256 public key for x || y; InvalidArgument when not on the curve.
Result<EvpPkeyPtr> P256FromRaw(std::span<const uint8_t, 64> xy);

// ECDSA with SHA-256 over data, returned as r || s (each left-padded to 32).
Result<EcSignature> EcdsaSignRaw(EVP_PKEY* key, std::span<const uint8_t> data);
// Checks an r || s signature; PermissionDenied "signature does not verify".
Result<> EcdsaVerifyRaw(EVP_PKEY* key, std::span<const uint8_t> data, std::span<const uint8_t, 64> sig);

// PEM <-> X509 / X509_CRL.
Result<std::string> CertPem(X509* cert);
Result<X509Ptr> CertFromPem(std::string_view pem);
// All certificates of a PEM bundle, in order.
Result<std::vector<X509Ptr>> CertsFromPem(std::string_view pem);
Result<std::string> CrlPem(X509_CRL* crl);
Result<std::string> CrlDer(X509_CRL* crl);

}  // namespace inclavare::sgx::sim
