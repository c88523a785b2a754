#include "enclave/sgx/sigstruct.h"

#include <openssl/bn.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace inclavare::sgx {

namespace {

using Num384 = std::array<uint8_t, kRsa3072Bytes>;

// Q1 = floor(S^2 / M), Q2 = floor((S^3 - Q1*S*M) / M), little-endian.
Result<> ComputeQ1Q2(const Num384& sig_le, const Num384& mod_le, Num384& q1_le, Num384& q2_le) {
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr s(BN_lebin2bn(sig_le.data(), static_cast<int>(sig_le.size()), nullptr));
  BnPtr m(BN_lebin2bn(mod_le.data(), static_cast<int>(mod_le.size()), nullptr));
  BnPtr t1(BN_new()), t2(BN_new()), q1(BN_new()), q2(BN_new());
  if (!ctx || !s || !m || !t1 || !t2 || !q1 || !q2) return OpensslError("BIGNUM allocation");
  if (BN_is_zero(m.get())) return InvalidArgument("sigstruct: modulus is zero");
  // t1 = S^2; q1 = t1 / M
  if (BN_sqr(t1.get(), s.get(), ctx.get()) != 1 ||
      BN_div(q1.get(), nullptr, t1.get(), m.get(), ctx.get()) != 1) {
    return OpensslError("Q1");
  }
  // t1 = S^3; t2 = Q1 * S * M; t1 = t1 - t2; q2 = t1 / M
  if (BN_mul(t1.get(), t1.get(), s.get(), ctx.get()) != 1 ||
      BN_mul(t2.get(), q1.get(), s.get(), ctx.get()) != 1 ||
      BN_mul(t2.get(), t2.get(), m.get(), ctx.get()) != 1 || BN_sub(t1.get(), t1.get(), t2.get()) != 1 ||
      BN_div(q2.get(), nullptr, t1.get(), m.get(), ctx.get()) != 1) {
    return OpensslError("Q2");
  }
  if (BN_bn2lebinpad(q1.get(), q1_le.data(), static_cast<int>(q1_le.size())) < 0 ||
      BN_bn2lebinpad(q2.get(), q2_le.data(), static_cast<int>(q2_le.size())) < 0) {
    return InvalidArgument("sigstruct: Q1/Q2 do not fit in 384 bytes (signature not below the modulus)");
  }
  return {};
}

Num384 Reversed(std::span<const uint8_t> be) {
  Num384 out{};
  std::reverse_copy(be.begin(), be.end(), out.begin());
  return out;
}

// Stores a verified signature and key into ss.
Result<> Install(SigStruct& ss, const Num384& mod_le, std::span<const uint8_t> signature_be) {
  Num384 sig_le = Reversed(signature_be);
  Num384 q1{}, q2{};
  IC_TRY(ComputeQ1Q2(sig_le, mod_le, q1, q2));
  ss.key.modulus = mod_le;
  ss.key.exponent = kSigStructExponent;
  ss.key.signature = sig_le;
  std::memset(ss.buffer.reserved, 0, sizeof ss.buffer.reserved);
  ss.buffer.q1 = q1;
  ss.buffer.q2 = q2;
  return {};
}

bool AllZero(const uint8_t* p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

}  // namespace

Result<uint32_t> BcdDate(int year, int month, int day) {
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) {
    return InvalidArgument("sigstruct: date out of range");
  }
  auto bcd = [](int v, int digits) {
    uint32_t out = 0;
    for (int i = 0; i < digits; ++i) {
      out |= static_cast<uint32_t>(v % 10) << (4 * i);
      v /= 10;
    }
    return out;
  };
  return bcd(year, 4) << 16 | bcd(month, 2) << 8 | bcd(day, 2);
}

SigStruct NewSigStruct(const SigStructParams& p) {
  SigStruct ss{};
  ss.header.header = kSigStructHeader1;
  ss.header.type = p.debug_signed ? kSigStructTypeDebug : 0;
  ss.header.vendor = p.vendor;
  ss.header.date = p.date;
  ss.header.header2 = kSigStructHeader2;
  ss.header.hw_version = p.hw_version;
  ss.body.misc_select = p.misc_select;
  ss.body.misc_mask = p.misc_mask;
  ss.body.isv_family_id = p.isv_family_id;
  ss.body.attributes = p.attributes;
  ss.body.attribute_mask = p.attribute_mask;
  ss.body.enclave_hash = p.enclave_hash;
  ss.body.isv_ext_prod_id = p.isv_ext_prod_id;
  ss.body.isv_prod_id = p.isv_prod_id;
  ss.body.isv_svn = p.isv_svn;
  return ss;
}

std::array<uint8_t, 256> SigningData(const SigStruct& ss) {
  std::array<uint8_t, 256> out{};
  std::memcpy(out.data(), &ss.header, sizeof ss.header);
  std::memcpy(out.data() + sizeof ss.header, &ss.body, sizeof ss.body);
  return out;
}

SigStruct SigStructFromSigningData(std::span<const uint8_t, 256> data) {
  SigStruct ss{};
  std::memcpy(&ss.header, data.data(), sizeof ss.header);
  std::memcpy(&ss.body, data.data() + sizeof ss.header, sizeof ss.body);
  return ss;
}

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

Result<> VerifySigStruct(const SigStruct& ss, std::optional<Measurement256> expected_mrenclave) {
  if (ss.header.header != kSigStructHeader1) return InvalidArgument("sigstruct: bad HEADER constant");
  if (ss.header.header2 != kSigStructHeader2) return InvalidArgument("sigstruct: bad HEADER2 constant");
  if (ss.header.type != 0 && ss.header.type != kSigStructTypeDebug) {
    return InvalidArgument("sigstruct: bad TYPE " + std::to_string(ss.header.type));
  }
  if (ss.header.vendor != kSigStructVendorOther && ss.header.vendor != kSigStructVendorIntel) {
    return InvalidArgument("sigstruct: bad VENDOR " + std::to_string(ss.header.vendor));
  }
  if (!AllZero(ss.header.reserved, sizeof ss.header.reserved) ||
      !AllZero(ss.body.reserved1, sizeof ss.body.reserved1) ||
      !AllZero(ss.body.reserved2, sizeof ss.body.reserved2)) {
    return InvalidArgument("sigstruct: reserved fields are not zero");
  }
  if (ss.key.exponent != kSigStructExponent) {
    return InvalidArgument("sigstruct: exponent is " + std::to_string(ss.key.exponent) + ", must be 3");
  }
  IC_ASSIGN_OR_RETURN(RsaKey key, RsaKey::FromModulus(ss.key.modulus, ss.key.exponent));
  Num384 sig_be{};
  std::reverse_copy(ss.key.signature.begin(), ss.key.signature.end(), sig_be.begin());
  auto data = SigningData(ss);
  IC_TRY(RsaVerifySha256(key, data, sig_be).Wrap("sigstruct"));
  Num384 q1{}, q2{};
  IC_TRY(ComputeQ1Q2(ss.key.signature, ss.key.modulus, q1, q2));
  if (q1 != ss.buffer.q1 || q2 != ss.buffer.q2) {
    return Error(ErrorCode::kPermissionDenied, "sigstruct: Q1/Q2 do not match the signature");
  }
  if (expected_mrenclave && *expected_mrenclave != ss.body.enclave_hash) {
    return Error(ErrorCode::kPermissionDenied, "sigstruct: ENCLAVEHASH does not match the enclave's MRENCLAVE");
  }
  return {};
}

Result<Measurement256> SigStructMrSigner(const SigStruct& ss) { return Sha256(ss.key.modulus); }

Result<SigStruct> SigStructFromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != sizeof(SigStruct)) {
    return InvalidArgument("sigstruct: " + std::to_string(bytes.size()) + " bytes, expected 1808");
  }
  SigStruct ss;
  std::memcpy(&ss, bytes.data(), sizeof ss);
  return ss;
}

std::span<const uint8_t, sizeof(SigStruct)> SigStructBytes(const SigStruct& ss) {
  return std::span<const uint8_t, sizeof(SigStruct)>(reinterpret_cast<const uint8_t*>(&ss), sizeof ss);
}

}  // namespace inclavare::sgx
