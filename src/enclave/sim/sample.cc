#include "enclave/sim/sample.h"

#include <cstring>

#include "enclave/sgx/measurement.h"

namespace inclavare::sgx::sim {

namespace {

constexpr uint64_t kSize = 0x4000;
constexpr uint64_t kCode = 0x1000;
constexpr uint64_t kSsa = 0x2000;
constexpr uint32_t kDate = 0x20261127;

template <class Target>
Result<> AddPages(Target& target, const SampleEnclaveOptions& o) {
  if (o.content.size() > kPageSize) return InvalidArgument("sample enclave: content exceeds one page");
  std::array<uint8_t, kPageSize> page{};
  Tcs tcs{};
  tcs.ossa = kSsa;
  tcs.nssa = 1;
  tcs.oentry = kCode;
  std::memcpy(page.data(), &tcs, sizeof tcs);
  SecInfo si{};
  si.flags = SecInfoFlags(PageType::kTcs, 0);
  IC_TRY(target.AddPage(0, page, si, true));
  page.fill(0);
  std::memcpy(page.data(), o.content.data(), o.content.size());
  si.flags = SecInfoFlags(PageType::kReg, kSecInfoR | kSecInfoX);
  IC_TRY(target.AddPage(kCode, page, si, true));
  page.fill(0);
  si.flags = SecInfoFlags(PageType::kReg, kSecInfoR | kSecInfoW);
  return target.AddPage(kSsa, page, si, true);
}

}  // namespace

Result<SampleEnclaveParts> SignSampleEnclave(const RsaKey& signer, const SampleEnclaveOptions& o) {
  SampleEnclaveParts parts;
  parts.secs.size = kSize;
  parts.secs.ssa_frame_size = 1;
  parts.secs.misc_select = o.misc_select;
  parts.secs.attributes = {kAttrMode64Bit | (o.debug ? kAttrDebug : 0) | o.extra_flags, kXfrmLegacy};
  IC_ASSIGN_OR_RETURN(Measurement m, Measurement::Create());
  IC_TRY(m.Ecreate(1, kSize));
  IC_TRY(AddPages(m, o));
  SigStructParams p;
  IC_ASSIGN_OR_RETURN(p.enclave_hash, m.Finalize());
  p.date = kDate;
  p.attributes = parts.secs.attributes;
  p.misc_select = o.misc_select;
  p.isv_prod_id = o.isv_prod_id;
  p.isv_svn = o.isv_svn;
  parts.sigstruct = NewSigStruct(p);
  IC_TRY(SignSigStruct(parts.sigstruct, signer));
  return parts;
}

Result<Enclave> CreateSampleEnclave(const PlatformKeys& platform, const Secs& secs,
                                    const SampleEnclaveOptions& options) {
  IC_ASSIGN_OR_RETURN(Enclave e, Enclave::Create(platform, secs));
  IC_TRY(AddPages(e, options));
  return e;
}

Result<Enclave> BuildSampleEnclave(const PlatformKeys& platform, const RsaKey& signer,
                                   const SampleEnclaveOptions& options) {
  IC_ASSIGN_OR_RETURN(SampleEnclaveParts parts, SignSampleEnclave(signer, options));
  IC_ASSIGN_OR_RETURN(Enclave e, CreateSampleEnclave(platform, parts.secs, options));
  IC_TRY(e.Init(parts.sigstruct));
  return e;
}

}  // namespace inclavare::sgx::sim
