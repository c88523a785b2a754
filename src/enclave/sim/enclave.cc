#include "enclave/sim/enclave.h"

#include <bit>
#include <cstring>

#include "enclave/sgx/sigstruct.h"

namespace inclavare::sgx::sim {

namespace {

// ATTRIBUTES.FLAGS bits the SDM defines (34.7.1); others are reserved.
constexpr uint64_t kKnownAttrFlags = kAttrInit | kAttrDebug | kAttrMode64Bit | kAttrProvisionKey |
                                     kAttrEinitTokenKey | kAttrCet | kAttrKss | kAttrAexNotify;
constexpr uint16_t kKnownKeyPolicy = kKeyPolicyMrEnclave | kKeyPolicyMrSigner | kKeyPolicyNoIsvProdId |
                                     kKeyPolicyConfigId | kKeyPolicyIsvFamilyId | kKeyPolicyIsvExtProdId;

bool AllZero(std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

// CPUSVN as 16 component SVNs: a request may not exceed the platform in any.
bool CpuSvnAbove(const CpuSvn& requested, const CpuSvn& platform) {
  for (size_t i = 0; i < requested.size(); ++i) {
    if (requested[i] > platform[i]) return true;
  }
  return false;
}

}  // namespace

Result<Enclave> Enclave::Create(const PlatformKeys& platform, const Secs& secs) {
  if (secs.size < 2 * kPageSize || !std::has_single_bit(secs.size)) {
    return InvalidArgument("ECREATE: SECS.SIZE must be a power of two of at least two pages");
  }
  if (secs.base_addr % secs.size != 0) return InvalidArgument("ECREATE: SECS.BASEADDR not aligned to SIZE");
  if (secs.ssa_frame_size == 0) return InvalidArgument("ECREATE: SECS.SSAFRAMESIZE must be at least 1");
  if ((secs.attributes.flags & kAttrMode64Bit) == 0) {
    return InvalidArgument("ECREATE: only 64-bit enclaves are supported (MODE64BIT)");
  }
  if (secs.attributes.flags & kAttrInit) return InvalidArgument("ECREATE: ATTRIBUTES.INIT must be clear");
  if (secs.attributes.flags & ~kKnownAttrFlags) return InvalidArgument("ECREATE: reserved ATTRIBUTES bits set");
  if ((secs.attributes.xfrm & kXfrmLegacy) != kXfrmLegacy) {
    return InvalidArgument("ECREATE: XFRM must include x87 and SSE");
  }
  IC_ASSIGN_OR_RETURN(Measurement m, Measurement::Create());
  IC_TRY(m.Ecreate(secs.ssa_frame_size, secs.size).Wrap("ECREATE"));
  return Enclave(platform, secs, std::move(m));
}

Result<> Enclave::AddPage(uint64_t offset, std::span<const uint8_t, kPageSize> page, const SecInfo& secinfo,
                          bool extend) {
  if (initialized_ || !measurement_) return FailedPrecondition("EADD: enclave measurement is final (EINIT)");
  return measurement_->AddPage(offset, page, secinfo, extend).Wrap("EADD");
}

Result<> Enclave::Eadd(uint64_t offset, const SecInfo& secinfo) {
  if (initialized_ || !measurement_) return FailedPrecondition("EADD: enclave measurement is final (EINIT)");
  return measurement_->Eadd(offset, secinfo).Wrap("EADD");
}

Result<> Enclave::Eextend(uint64_t offset, std::span<const uint8_t, kEextendChunk> chunk) {
  if (initialized_ || !measurement_) return FailedPrecondition("EEXTEND: enclave measurement is final (EINIT)");
  return measurement_->Eextend(offset, chunk).Wrap("EEXTEND");
}

Result<> Enclave::Init(const SigStruct& ss) {
  if (initialized_) return FailedPrecondition("EINIT: enclave already initialised");
  // The measurement is final from the first EINIT on; a refused EINIT may be
  // retried with another SIGSTRUCT, but no page can be added any more.
  if (measurement_) {
    IC_ASSIGN_OR_RETURN(Measurement256 m, measurement_->Finalize());
    measurement_.reset();
    final_mrenclave_ = m;
  }
  const Measurement256 mrenclave = *final_mrenclave_;
  IC_TRY(VerifySigStruct(ss, mrenclave).Wrap("EINIT"));
  const Attributes& a = secs_.attributes;
  const SigStructBody& b = ss.body;
  if ((a.flags & b.attribute_mask.flags) != (b.attributes.flags & b.attribute_mask.flags) ||
      (a.xfrm & b.attribute_mask.xfrm) != (b.attributes.xfrm & b.attribute_mask.xfrm)) {
    return Error(ErrorCode::kPermissionDenied,
                 "EINIT: enclave ATTRIBUTES do not match SIGSTRUCT.ATTRIBUTES under ATTRIBUTEMASK");
  }
  if ((secs_.misc_select & b.misc_mask) != (b.misc_select & b.misc_mask)) {
    return Error(ErrorCode::kPermissionDenied, "EINIT: MISCSELECT does not match SIGSTRUCT under MISCMASK");
  }
  IC_ASSIGN_OR_RETURN(Measurement256 mrsigner, SigStructMrSigner(ss));
  identity_.mr_enclave = mrenclave;
  identity_.mr_signer = mrsigner;
  identity_.attributes = {a.flags | kAttrInit, a.xfrm};
  identity_.misc_select = secs_.misc_select;
  identity_.isv_prod_id = b.isv_prod_id;
  identity_.isv_svn = b.isv_svn;
  identity_.config_id = secs_.config_id;
  identity_.config_svn = secs_.config_svn;
  if (a.flags & kAttrKss) {
    identity_.isv_family_id = b.isv_family_id;
    identity_.isv_ext_prod_id = b.isv_ext_prod_id;
  }
  initialized_ = true;
  return {};
}

Result<> Enclave::RequireInit() const {
  if (!initialized_) return FailedPrecondition("enclave is not initialised (EINIT)");
  return {};
}

Result<TargetInfo> Enclave::GetTargetInfo() const {
  IC_TRY(RequireInit());
  TargetInfo t{};
  t.mr_enclave = identity_.mr_enclave;
  t.attributes = identity_.attributes;
  t.misc_select = identity_.misc_select;
  t.config_svn = identity_.config_svn;
  t.config_id = identity_.config_id;
  return t;
}

Result<Report> Enclave::CreateReport(const TargetInfo& target, const ReportData& report_data) const {
  IC_TRY(RequireInit().Wrap("EREPORT"));
  Report r{};
  ReportBody& b = r.body;
  b.cpu_svn = platform_.cpu_svn;
  b.misc_select = identity_.misc_select;
  b.isv_ext_prod_id = identity_.isv_ext_prod_id;
  b.attributes = identity_.attributes;
  b.mr_enclave = identity_.mr_enclave;
  b.mr_signer = identity_.mr_signer;
  b.config_id = identity_.config_id;
  b.isv_prod_id = identity_.isv_prod_id;
  b.isv_svn = identity_.isv_svn;
  b.config_svn = identity_.config_svn;
  b.isv_family_id = identity_.isv_family_id;
  b.report_data = report_data;
  IC_TRY(RandomBytes(r.key_id));
  IC_ASSIGN_OR_RETURN(Key128 key, DeriveReportKey(platform_, target, r.key_id));
  IC_ASSIGN_OR_RETURN(r.mac, ReportMac(key, b));
  SecureWipe(key);
  return r;
}

Result<Key128> Enclave::GetKey(const KeyRequest& req) const {
  IC_TRY(RequireInit().Wrap("EGETKEY"));
  if (req.key_policy & ~kKnownKeyPolicy) return InvalidArgument("EGETKEY: reserved KEYPOLICY bits set");
  if (!AllZero(req.reserved1) || !AllZero(req.reserved2)) {
    return InvalidArgument("EGETKEY: reserved KEYREQUEST fields must be zero");
  }
  switch (static_cast<KeyName>(req.key_name)) {
    case KeyName::kReport: {
      TargetInfo self{};
      IC_ASSIGN_OR_RETURN(self, GetTargetInfo());
      return DeriveReportKey(platform_, self, req.key_id);
    }
    case KeyName::kSeal:
      break;
    case KeyName::kProvision:
    case KeyName::kProvisionSeal:
      if (!(identity_.attributes.flags & kAttrProvisionKey)) {
        return Error(ErrorCode::kPermissionDenied,
                     "EGETKEY: provisioning keys need the PROVISIONKEY attribute (INVALID_ATTRIBUTE)");
      }
      break;
    case KeyName::kEinitToken:
      if (!(identity_.attributes.flags & kAttrEinitTokenKey)) {
        return Error(ErrorCode::kPermissionDenied,
                     "EGETKEY: the EINITTOKEN key needs the EINITTOKENKEY attribute (INVALID_ATTRIBUTE)");
      }
      break;
    default:
      return InvalidArgument("EGETKEY: unknown KEYNAME " + std::to_string(req.key_name));
  }
  if (req.isv_svn > identity_.isv_svn) return InvalidArgument("EGETKEY: ISVSVN above the enclave's (INVALID_ISVSVN)");
  if (req.config_svn > identity_.config_svn) {
    return InvalidArgument("EGETKEY: CONFIGSVN above the enclave's (INVALID_ISVSVN)");
  }
  if (CpuSvnAbove(req.cpu_svn, platform_.cpu_svn)) {
    return InvalidArgument("EGETKEY: CPUSVN above the platform's (INVALID_CPUSVN)");
  }
  const auto name = static_cast<KeyName>(req.key_name);
  KeyDerivation d{};
  d.key_name = req.key_name;
  d.isv_svn = req.isv_svn;
  d.cpu_svn = req.cpu_svn;
  d.attributes.flags = identity_.attributes.flags & (req.attribute_mask.flags | kAttrInit | kAttrDebug);
  d.attributes.xfrm = identity_.attributes.xfrm & req.attribute_mask.xfrm;
  d.misc_select = identity_.misc_select & req.misc_mask;
  if (name != KeyName::kSeal) {
    // PROVISION, PROVISION_SEAL, EINITTOKEN: bound to the signer and product,
    // never to MRENCLAVE; KEYPOLICY and CONFIGSVN are not used (keys.h).
    d.mr_signer = identity_.mr_signer;
    d.isv_prod_id = identity_.isv_prod_id;
    if (name == KeyName::kEinitToken) {
      d.key_id = req.key_id;
      d.owner_epoch = platform_.owner_epoch;
    } else {
      d.attribute_mask = req.attribute_mask;
      d.misc_mask = ~req.misc_mask;
    }
    if (name != KeyName::kProvision) {
      IC_ASSIGN_OR_RETURN(d.seal_key_fuses, SealKeyFuses(platform_));
    }
    return DeriveKey(platform_, d);
  }
  d.key_policy = req.key_policy;
  d.key_id = req.key_id;
  d.owner_epoch = platform_.owner_epoch;
  d.attribute_mask = req.attribute_mask;
  d.misc_mask = ~req.misc_mask;
  IC_ASSIGN_OR_RETURN(d.seal_key_fuses, SealKeyFuses(platform_));
  if (req.key_policy & kKeyPolicyMrEnclave) d.mr_enclave = identity_.mr_enclave;
  if (req.key_policy & kKeyPolicyMrSigner) d.mr_signer = identity_.mr_signer;
  if (!(req.key_policy & kKeyPolicyNoIsvProdId)) d.isv_prod_id = identity_.isv_prod_id;
  if (req.key_policy & kKeyPolicyConfigId) {
    d.config_id = identity_.config_id;
    d.config_svn = req.config_svn;
  }
  if (req.key_policy & kKeyPolicyIsvFamilyId) d.isv_family_id = identity_.isv_family_id;
  if (req.key_policy & kKeyPolicyIsvExtProdId) d.isv_ext_prod_id = identity_.isv_ext_prod_id;
  return DeriveKey(platform_, d);
}

Result<> Enclave::VerifyReport(const Report& report) const {
  KeyRequest req{};
  req.key_name = static_cast<uint16_t>(KeyName::kReport);
  req.key_id = report.key_id;
  IC_ASSIGN_OR_RETURN(Key128 key, GetKey(req));
  IC_ASSIGN_OR_RETURN(Mac mac, ReportMac(key, report.body));
  SecureWipe(key);
  if (!ConstantTimeEqual(mac, report.mac)) {
    return Error(ErrorCode::kPermissionDenied, "REPORT MAC does not verify (tampered, or targeted elsewhere)");
  }
  return {};
}

}  // namespace inclavare::sgx::sim
