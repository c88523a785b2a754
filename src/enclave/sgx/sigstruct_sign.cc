// Signing a SIGSTRUCT (sgx-tools sign, catsig): RSA private-key and PEM work
// on OpenSSL. Kept apart from sigstruct.cc, whose verification needs only
// primitives.h, so a binary that only loads enclaves does not link libcrypto.
#include <algorithm>
#include <cstring>
#include <vector>

#include "enclave/sgx/crypto.h"
#include "enclave/sgx/sigstruct.h"

namespace inclavare::sgx {
namespace {

using Num384 = std::array<uint8_t, kRsa3072Bytes>;

Num384 Reversed(std::span<const uint8_t> be) {
  Num384 out{};
  std::reverse_copy(be.begin(), be.end(), out.begin());
  return out;
}

// Stores a verified signature and key into ss.
Result<> Install(SigStruct& ss, const Num384& mod_le, std::span<const uint8_t> signature_be) {
  Num384 sig_le = Reversed(signature_be);
  Num384 q1{}, q2{};
  IC_TRY(SigStructQ1Q2(sig_le, mod_le, q1, q2));
  ss.key.modulus = mod_le;
  ss.key.exponent = kSigStructExponent;
  ss.key.signature = sig_le;
  std::memset(ss.buffer.reserved, 0, sizeof ss.buffer.reserved);
  ss.buffer.q1 = q1;
  ss.buffer.q2 = q2;
  return {};
}

}  // namespace

Result<> SignSigStruct(SigStruct& ss, const RsaKey& key) {
  IC_ASSIGN_OR_RETURN(Num384 mod_le, key.ModulusLe());
  auto data = SigningData(ss);
  IC_ASSIGN_OR_RETURN(std::vector<uint8_t> sig, RsaSignSha256(key, data));
  if (sig.size() != kRsa3072Bytes) return Internal("sigstruct: RSA signature is not 384 bytes");
  return Install(ss, mod_le, sig);
}

Result<> CatSig(SigStruct& ss, const RsaKey& public_key, std::span<const uint8_t> signature_be) {
  if (signature_be.size() != kRsa3072Bytes) {
    return InvalidArgument("sigstruct: signature is " + std::to_string(signature_be.size()) +
                           " bytes, RSA-3072 needs 384");
  }
  auto data = SigningData(ss);
  IC_TRY(RsaVerifySha256(public_key, data, signature_be).Wrap("sigstruct: catsig"));
  IC_ASSIGN_OR_RETURN(Num384 mod_le, public_key.ModulusLe());
  SigStruct out = ss;
  IC_TRY(Install(out, mod_le, signature_be));
  // The whole result, header constants included, must be what EINIT accepts.
  IC_TRY(VerifySigStruct(out).Wrap("catsig"));
  ss = out;
  return {};
}

}  // namespace inclavare::sgx
