// The cryptography an SGX CPU performs, as the SGX model needs it:
//
//   SHA-256            ECREATE/EADD/EEXTEND measurements, MRSIGNER
//   RSA-3072 verify    EINIT's check of a SIGSTRUCT (PKCS#1 v1.5, SHA-256,
//                      e = 3), and its Q1/Q2 helper values
//   AES-128-CMAC       EGETKEY derivation, EREPORT MACs
//   random bytes       KEYID of a REPORT
//
//   IC_ASSIGN_OR_RETURN(Sha256Hasher h, Sha256Hasher::Create());
//   IC_TRY(h.Update(page));
//   IC_ASSIGN_OR_RETURN(Measurement256 m, h.Final());
//   IC_TRY(RsaVerify3072Sha256(ss.key.modulus, 3, data, signature_be));
//
// One interface, two builds, and a binary links exactly one of them:
//  - OpenSSL (ic::sgx_prim_openssl): everything by default, alongside the
//    rest of the project's OpenSSL use (keys, X.509, ECDSA).
//  - GNU Nettle with GMP (ic::sgx_prim_nettle): chosen by a target that sets
//    the property IC_SGX_PRIMITIVES to "nettle" — the skeleton enclave
//    runtime, which is loaded into every enclave container's init: its three
//    small libraries load in ~0.4 ms and need no set-up, where libcrypto
//    takes ~1.6 ms to load and relocate plus ~1 ms of provider set-up.
// Both are checked against the same known-answer vectors, and against each
// other end to end (an enclave measured by one is loaded by the other).
// Nothing here is written by hand beyond calling the library.
//
// Thread-compatible: a Sha256Hasher is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/error.h"
#include "enclave/sgx/arch.h"

namespace inclavare::sgx {

using Key128 = std::array<uint8_t, 16>;

class Sha256Hasher {
 public:
  static Result<Sha256Hasher> Create();
  Sha256Hasher(Sha256Hasher&&) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept;
  ~Sha256Hasher();

  Result<> Update(std::span<const uint8_t> data);
  // Finishes the digest; the hasher cannot be used afterwards.
  Result<Measurement256> Final();

 private:
  struct State;
  explicit Sha256Hasher(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

Result<Measurement256> Sha256(std::span<const uint8_t> data);

// Checks a big-endian, 384-byte PKCS#1 v1.5 SHA-256 signature of data under
// the RSA-3072 key (modulus little-endian, as SIGSTRUCT stores it). A
// mismatch is a PermissionDenied error "signature does not verify"; a
// malformed key is InvalidArgument.
Result<> RsaVerify3072Sha256(std::span<const uint8_t, kRsa3072Bytes> modulus_le, uint32_t exponent,
                             std::span<const uint8_t> data, std::span<const uint8_t> signature_be);

// SIGSTRUCT's Q1 = floor(S^2 / M) and Q2 = floor((S^3 - Q1*S*M) / M), all
// little-endian 384-byte numbers. InvalidArgument when M is zero or a
// result does not fit (S not below M).
Result<> SigStructQ1Q2(std::span<const uint8_t, kRsa3072Bytes> sig_le, std::span<const uint8_t, kRsa3072Bytes> mod_le,
                       std::array<uint8_t, kRsa3072Bytes>& q1_le, std::array<uint8_t, kRsa3072Bytes>& q2_le);

// AES-128-CMAC (NIST SP 800-38B) of data under key.
Result<Key128> AesCmac128(std::span<const uint8_t, 16> key, std::span<const uint8_t> data);

// Cryptographically random bytes.
Result<> RandomBytes(std::span<uint8_t> out);

// Which build this binary links: "openssl" or "nettle".
const char* PrimitivesBackend();

// Compares MACs in time independent of where they differ.
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Zeroes secrets in a way the compiler keeps.
void SecureWipe(std::span<uint8_t> bytes);
template <typename T, size_t N>
void SecureWipe(std::array<T, N>& a) {
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(a.data()), sizeof(T) * N));
}
inline void SecureWipe(std::string& s) {
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()));
}

}  // namespace inclavare::sgx
