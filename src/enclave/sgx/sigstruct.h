// SIGSTRUCT creation, signing and verification (SDM vol. 3D, 34.13; 38.4 EINIT).
//
// The signature is RSA-3072 with public exponent 3, PKCS#1 v1.5 with SHA-256,
// over the 256 bytes header (bytes 0..127) || body (bytes 900..1027). SIGSTRUCT
// stores the modulus, the signature and the helper values
//   Q1 = floor(S^2 / M),  Q2 = floor((S^3 - Q1 * S * M) / M)
// as little-endian 384-byte numbers; EINIT uses Q1/Q2 to check the signature
// without a division.
//
// One step, with the private key at hand:
//
//   SigStruct ss = NewSigStruct(params);                 // header + body
//   IC_TRY(SignSigStruct(ss, key));                      // modulus, sig, Q1, Q2
//   IC_TRY(VerifySigStruct(ss, mrenclave));
//
// Two steps, as sgx_sign's gendata/catsig (the key lives in an HSM or a
// signing service):
//
//   auto data = SigningData(ss);                         // 256 bytes to sign
//   // ... elsewhere: openssl dgst -sha256 -sign key.pem data > sig
//   IC_TRY(CatSig(ss, public_key, sig));                 // verifies before storing
//
// All functions are pure over their arguments and thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sgx/crypto.h"

namespace inclavare::sgx {

// What the enclave author chooses; the rest of SIGSTRUCT is fixed or derived.
struct SigStructParams {
  Measurement256 enclave_hash{};  // MRENCLAVE
  uint32_t vendor = kSigStructVendorOther;
  uint32_t date = 0;              // BCD yyyymmdd; see BcdDate()
  bool debug_signed = false;      // header type bit 31 (not the DEBUG attribute)
  uint32_t hw_version = 0;
  MiscSelect misc_select = 0;
  uint32_t misc_mask = 0xffffffff;
  // Defaults: require MODE64BIT and enforce every flag bit (so DEBUG and
  // PROVISIONKEY must be clear: a production enclave); require x87+SSE in
  // XFRM and leave the other XFRM bits to the platform. EINIT checks
  // (SECS.ATTRIBUTES & mask) == (attributes & mask).
  Attributes attributes{kAttrMode64Bit, kXfrmLegacy};
  Attributes attribute_mask{~0ull, kXfrmLegacy};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  IsvFamilyId isv_family_id{};
  IsvExtProdId isv_ext_prod_id{};
};

// The BCD date SIGSTRUCT stores, e.g. BcdDate(2026, 11, 27) == 0x20261127.
// InvalidArgument for out-of-range fields.
Result<uint32_t> BcdDate(int year, int month, int day);

// A SIGSTRUCT with the fixed header constants, the date/vendor/type and the
// body filled in; key, signature and Q1/Q2 zero.
SigStruct NewSigStruct(const SigStructParams& params);

// The 256 bytes that are signed: header || body.
std::array<uint8_t, 256> SigningData(const SigStruct& ss);

// The unsigned SIGSTRUCT whose SigningData() is `data`: the inverse of
// SigningData, for catsig when only gendata's output is at hand. No field is
// checked here; CatSig/VerifySigStruct check the header constants.
SigStruct SigStructFromSigningData(std::span<const uint8_t, 256> data);

// Signs with a private RSA-3072 e=3 key: fills modulus, exponent, signature
// and Q1/Q2.
Result<> SignSigStruct(SigStruct& ss, const RsaKey& key);

// Combines an externally made signature (big-endian, as `openssl dgst
// -sha256 -sign` writes it, 384 bytes) and the public key into ss. The
// signature is verified over SigningData(ss), and the result as a whole with
// VerifySigStruct: a wrong signature or key leaves ss unchanged and returns
// PermissionDenied; bad header constants return InvalidArgument.
Result<> CatSig(SigStruct& ss, const RsaKey& public_key, std::span<const uint8_t> signature_be);

// Checks what EINIT checks about SIGSTRUCT itself: header constants,
// exponent 3, the signature over header||body with the embedded modulus, Q1
// and Q2; and, when given, that ENCLAVEHASH equals expected_mrenclave.
// InvalidArgument for malformed fields, PermissionDenied for a bad signature
// or a mismatched measurement.
Result<> VerifySigStruct(const SigStruct& ss, std::optional<Measurement256> expected_mrenclave = std::nullopt);

// MRSIGNER of a SIGSTRUCT: SHA-256 of its modulus field.
Result<Measurement256> SigStructMrSigner(const SigStruct& ss);

// Copies exactly 1808 bytes into a SigStruct (InvalidArgument otherwise).
Result<SigStruct> SigStructFromBytes(std::span<const uint8_t> bytes);
std::span<const uint8_t, sizeof(SigStruct)> SigStructBytes(const SigStruct& ss);

}  // namespace inclavare::sgx
