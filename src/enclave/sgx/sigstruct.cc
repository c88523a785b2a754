#include "enclave/sgx/sigstruct.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace inclavare::sgx {

namespace {

using Num384 = std::array<uint8_t, kRsa3072Bytes>;

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
  Num384 sig_be{};
  std::reverse_copy(ss.key.signature.begin(), ss.key.signature.end(), sig_be.begin());
  auto data = SigningData(ss);
  IC_TRY(RsaVerify3072Sha256(ss.key.modulus, ss.key.exponent, data, sig_be).Wrap("sigstruct"));
  Num384 q1{}, q2{};
  IC_TRY(SigStructQ1Q2(ss.key.signature, ss.key.modulus, q1, q2));
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
