#include "attest/tcb.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "attest/x509.h"
#include "enclave/sgx/hex.h"

namespace inclavare::attest {

namespace {

using nlohmann::json;

struct StatusName {
  TcbStatus status;
  const char* name;
};
constexpr StatusName kStatusNames[] = {
    {TcbStatus::kUpToDate, "UpToDate"},
    {TcbStatus::kSWHardeningNeeded, "SWHardeningNeeded"},
    {TcbStatus::kConfigurationNeeded, "ConfigurationNeeded"},
    {TcbStatus::kConfigurationAndSWHardeningNeeded, "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::kOutOfDate, "OutOfDate"},
    {TcbStatus::kOutOfDateConfigurationNeeded, "OutOfDateConfigurationNeeded"},
    {TcbStatus::kRevoked, "Revoked"},
    {TcbStatus::kTDRelaunchAdvised, "TDRelaunchAdvised"},
    {TcbStatus::kTDRelaunchAdvisedConfigurationNeeded, "TDRelaunchAdvisedConfigurationNeeded"},
};

// Field access that turns every type or presence mismatch into an error
// naming the field (the document is untrusted even once signed).
class Obj {
 public:
  Obj(const json& j, std::string where) : j_(j), where_(std::move(where)) {}
  Result<const json*> Get(const char* k) const {
    if (!j_.is_object() || !j_.contains(k)) return InvalidArgument(where_ + ": missing \"" + k + "\"");
    return &j_[k];
  }
  bool Has(const char* k) const { return j_.is_object() && j_.contains(k); }
  Result<std::string> Str(const char* k) const {
    IC_ASSIGN_OR_RETURN(const json* v, Get(k));
    if (!v->is_string()) return InvalidArgument(where_ + ": \"" + k + "\" is not a string");
    return v->get<std::string>();
  }
  Result<int64_t> Int(const char* k, int64_t max) const {
    IC_ASSIGN_OR_RETURN(const json* v, Get(k));
    if (!v->is_number_integer() || v->get<int64_t>() < 0 || v->get<int64_t>() > max) {
      return InvalidArgument(where_ + ": \"" + k + "\" is not an integer in 0.." + std::to_string(max));
    }
    return v->get<int64_t>();
  }
  Result<std::vector<uint8_t>> Hex(const char* k, size_t n) const {
    IC_ASSIGN_OR_RETURN(std::string s, Str(k));
    auto b = sgx::HexDecode(s);
    if (!b || b->size() != n) {
      return InvalidArgument(where_ + ": \"" + k + "\" is not " + std::to_string(n) + " hex bytes");
    }
    return *b;
  }
  Result<int64_t> Time(const char* k) const {
    IC_ASSIGN_OR_RETURN(std::string s, Str(k));
    return ParseRfc3339(s).Wrap(where_ + ": \"" + k + "\"");
  }
  Result<const json*> Array(const char* k) const {
    IC_ASSIGN_OR_RETURN(const json* v, Get(k));
    if (!v->is_array()) return InvalidArgument(where_ + ": \"" + k + "\" is not an array");
    return v;
  }
  const std::string& where() const { return where_; }

 private:
  const json& j_;
  std::string where_;
};

template <size_t N>
std::array<uint8_t, N> ToArray(const std::vector<uint8_t>& v) {
  std::array<uint8_t, N> a{};
  std::memcpy(a.data(), v.data(), N);
  return a;
}

Result<std::vector<std::string>> Advisories(const Obj& o) {
  std::vector<std::string> out;
  if (!o.Has("advisoryIDs")) return out;
  IC_ASSIGN_OR_RETURN(const json* a, o.Array("advisoryIDs"));
  for (const auto& v : *a) {
    if (!v.is_string()) return InvalidArgument(o.where() + ": advisory id is not a string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::array<uint8_t, 16>> Components(const Obj& tcb, const char* key) {
  IC_ASSIGN_OR_RETURN(const json* a, tcb.Array(key));
  if (a->size() != 16) return InvalidArgument(tcb.where() + ": \"" + key + "\" needs 16 entries");
  std::array<uint8_t, 16> out{};
  for (size_t i = 0; i < 16; ++i) {
    Obj c((*a)[i], tcb.where() + "." + key);
    IC_ASSIGN_OR_RETURN(int64_t svn, c.Int("svn", 255));
    out[i] = static_cast<uint8_t>(svn);
  }
  return out;
}

Result<std::vector<IsvLevel>> IsvLevels(const Obj& o) {
  std::vector<IsvLevel> out;
  IC_ASSIGN_OR_RETURN(const json* levels, o.Array("tcbLevels"));
  for (const auto& l : *levels) {
    Obj lo(l, o.where() + ".tcbLevels");
    IC_ASSIGN_OR_RETURN(const json* t, lo.Get("tcb"));
    Obj to(*t, lo.where() + ".tcb");
    IsvLevel lvl;
    IC_ASSIGN_OR_RETURN(int64_t isvsvn, to.Int("isvsvn", 65535));
    lvl.isv_svn = static_cast<uint16_t>(isvsvn);
    IC_ASSIGN_OR_RETURN(lvl.tcb_date, lo.Str("tcbDate"));
    IC_ASSIGN_OR_RETURN(std::string st, lo.Str("tcbStatus"));
    IC_ASSIGN_OR_RETURN(lvl.status, ParseTcbStatus(st));
    IC_ASSIGN_OR_RETURN(lvl.advisories, Advisories(lo));
    out.push_back(std::move(lvl));
  }
  return out;
}

Result<TdxModuleIdentity> ModuleIdentity(const Obj& o, bool with_levels) {
  TdxModuleIdentity m;
  if (o.Has("id")) {
    IC_ASSIGN_OR_RETURN(m.id, o.Str("id"));
  }
  IC_ASSIGN_OR_RETURN(m.mrsigner, o.Hex("mrsigner", 48));
  IC_ASSIGN_OR_RETURN(m.attributes, o.Hex("attributes", 8));
  IC_ASSIGN_OR_RETURN(m.attributes_mask, o.Hex("attributesMask", 8));
  if (with_levels) {
    IC_ASSIGN_OR_RETURN(m.levels, IsvLevels(o));
  }
  return m;
}

Result<json> Parse(std::string_view body, const char* what) {
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument(std::string(what) + " is not a JSON object");
  return j;
}


}  // namespace

const char* TcbStatusName(TcbStatus s) {
  for (const auto& n : kStatusNames) {
    if (n.status == s) return n.name;
  }
  return "Unknown";
}

Result<TcbStatus> ParseTcbStatus(std::string_view name) {
  for (const auto& n : kStatusNames) {
    if (name == n.name) return n.status;
  }
  return InvalidArgument("unknown TCB status \"" + std::string(name) + "\"");
}

Result<TcbInfo> ParseTcbInfo(std::string_view body) {
  IC_ASSIGN_OR_RETURN(json j, Parse(body, "tcbInfo"));
  Obj o(j, "tcbInfo");
  TcbInfo info;
  IC_ASSIGN_OR_RETURN(int64_t version, o.Int("version", 1000));
  info.version = static_cast<int>(version);
  if (info.version != 2 && info.version != 3) {
    return InvalidArgument("tcbInfo: unsupported version " + std::to_string(info.version));
  }
  info.id = "SGX";
  if (o.Has("id")) {
    IC_ASSIGN_OR_RETURN(info.id, o.Str("id"));
  }
  if (info.id != "SGX" && info.id != "TDX") return InvalidArgument("tcbInfo: unknown id \"" + info.id + "\"");
  IC_ASSIGN_OR_RETURN(info.issue_date, o.Time("issueDate"));
  IC_ASSIGN_OR_RETURN(info.next_update, o.Time("nextUpdate"));
  IC_ASSIGN_OR_RETURN(auto fmspc, o.Hex("fmspc", 6));
  info.fmspc = ToArray<6>(fmspc);
  IC_ASSIGN_OR_RETURN(auto pce_id, o.Hex("pceId", 2));
  info.pce_id = ToArray<2>(pce_id);
  IC_ASSIGN_OR_RETURN(int64_t tcb_type, o.Int("tcbType", 1000));
  info.tcb_type = static_cast<int>(tcb_type);
  IC_ASSIGN_OR_RETURN(int64_t eval, o.Int("tcbEvaluationDataNumber", INT32_MAX));
  info.eval_num = static_cast<int>(eval);
  if (o.Has("tdxModule")) {
    IC_ASSIGN_OR_RETURN(const json* m, o.Get("tdxModule"));
    IC_ASSIGN_OR_RETURN(auto mod, ModuleIdentity(Obj(*m, "tcbInfo.tdxModule"), false));
    info.tdx_module = std::move(mod);
  }
  if (o.Has("tdxModuleIdentities")) {
    IC_ASSIGN_OR_RETURN(const json* ids, o.Array("tdxModuleIdentities"));
    for (const auto& m : *ids) {
      IC_ASSIGN_OR_RETURN(auto mod, ModuleIdentity(Obj(m, "tcbInfo.tdxModuleIdentities"), true));
      info.module_identities.push_back(std::move(mod));
    }
  }
  IC_ASSIGN_OR_RETURN(const json* levels, o.Array("tcbLevels"));
  for (const auto& l : *levels) {
    Obj lo(l, "tcbInfo.tcbLevels");
    IC_ASSIGN_OR_RETURN(const json* t, lo.Get("tcb"));
    Obj to(*t, "tcbInfo.tcbLevels.tcb");
    TcbLevel lvl;
    if (info.version == 2) {
      for (int i = 0; i < 16; ++i) {
        char key[32];
        std::snprintf(key, sizeof key, "sgxtcbcomp%02dsvn", i + 1);
        IC_ASSIGN_OR_RETURN(int64_t svn, to.Int(key, 255));
        lvl.sgx_components[static_cast<size_t>(i)] = static_cast<uint8_t>(svn);
      }
    } else {
      IC_ASSIGN_OR_RETURN(lvl.sgx_components, Components(to, "sgxtcbcomponents"));
      if (info.id == "TDX") {
        IC_ASSIGN_OR_RETURN(lvl.tdx_components, Components(to, "tdxtcbcomponents"));
        lvl.has_tdx = true;
      }
    }
    IC_ASSIGN_OR_RETURN(int64_t pcesvn, to.Int("pcesvn", 65535));
    lvl.pce_svn = static_cast<uint16_t>(pcesvn);
    IC_ASSIGN_OR_RETURN(lvl.tcb_date, lo.Str("tcbDate"));
    IC_ASSIGN_OR_RETURN(std::string st, lo.Str("tcbStatus"));
    IC_ASSIGN_OR_RETURN(lvl.status, ParseTcbStatus(st));
    IC_ASSIGN_OR_RETURN(lvl.advisories, Advisories(lo));
    info.levels.push_back(std::move(lvl));
  }
  return info;
}

Result<EnclaveIdentity> ParseEnclaveIdentity(std::string_view body) {
  IC_ASSIGN_OR_RETURN(json j, Parse(body, "enclaveIdentity"));
  Obj o(j, "enclaveIdentity");
  EnclaveIdentity id;
  IC_ASSIGN_OR_RETURN(id.id, o.Str("id"));
  IC_ASSIGN_OR_RETURN(int64_t version, o.Int("version", 1000));
  id.version = static_cast<int>(version);
  if (id.version != 2) return InvalidArgument("enclaveIdentity: unsupported version " + std::to_string(id.version));
  IC_ASSIGN_OR_RETURN(id.issue_date, o.Time("issueDate"));
  IC_ASSIGN_OR_RETURN(id.next_update, o.Time("nextUpdate"));
  IC_ASSIGN_OR_RETURN(int64_t eval, o.Int("tcbEvaluationDataNumber", INT32_MAX));
  id.eval_num = static_cast<int>(eval);
  auto u32 = [](const std::vector<uint8_t>& b) {  // hex as written: big-endian text
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  };
  IC_ASSIGN_OR_RETURN(auto ms, o.Hex("miscselect", 4));
  IC_ASSIGN_OR_RETURN(auto msm, o.Hex("miscselectMask", 4));
  id.miscselect = u32(ms);
  id.miscselect_mask = u32(msm);
  IC_ASSIGN_OR_RETURN(auto attr, o.Hex("attributes", 16));
  IC_ASSIGN_OR_RETURN(auto attrm, o.Hex("attributesMask", 16));
  id.attributes = ToArray<16>(attr);
  id.attributes_mask = ToArray<16>(attrm);
  IC_ASSIGN_OR_RETURN(auto mrsigner, o.Hex("mrsigner", 32));
  id.mrsigner = ToArray<32>(mrsigner);
  IC_ASSIGN_OR_RETURN(int64_t prod, o.Int("isvprodid", 65535));
  id.isv_prod_id = static_cast<uint16_t>(prod);
  IC_ASSIGN_OR_RETURN(id.levels, IsvLevels(o));
  return id;
}

Result<TcbMatch> MatchPlatformTcb(const TcbInfo& info, const PckInfo& pck, const sgx::TdReport10* td) {
  const bool tdx = td != nullptr;
  for (const auto& l : info.levels) {
    bool ok = pck.pce_svn >= l.pce_svn;
    for (size_t i = 0; ok && i < 16; ++i) ok = pck.tcb_components[i] >= l.sgx_components[i];
    if (ok && tdx) {
      if (!l.has_tdx) continue;
      size_t start = td->tee_tcb_svn[1] > 0 ? 2 : 0;
      for (size_t i = start; ok && i < 16; ++i) ok = td->tee_tcb_svn[i] >= l.tdx_components[i];
    }
    if (ok) return TcbMatch{l.status, l.tcb_date, l.advisories, {}};
  }
  return Error(ErrorCode::kPermissionDenied, "no matching TCB level (platform TCB is below every level of the " +
                                                 info.id + " TCB Info for FMSPC " +
                                                 sgx::HexEncode(info.fmspc) + ")");
}

Result<std::optional<TcbMatch>> MatchTdxModule(const TcbInfo& info, const sgx::TdReport10& td) {
  if (info.module_identities.empty()) {
    if (info.tdx_module) {
      const auto& m = *info.tdx_module;
      if (!std::equal(m.mrsigner.begin(), m.mrsigner.end(), td.mr_signer_seam.begin())) {
        return Error(ErrorCode::kPermissionDenied, "TDX module MRSIGNER_SEAM does not match tcbInfo.tdxModule");
      }
    }
    return std::optional<TcbMatch>();
  }
  const uint8_t major = td.tee_tcb_svn[1];
  if (major == 0) return std::optional<TcbMatch>();
  char idbuf[16];
  std::snprintf(idbuf, sizeof idbuf, "TDX_%02X", major);
  for (const auto& m : info.module_identities) {
    if (m.id != idbuf) continue;
    if (!std::equal(m.mrsigner.begin(), m.mrsigner.end(), td.mr_signer_seam.begin())) {
      return Error(ErrorCode::kPermissionDenied, std::string("TDX module ") + idbuf + ": MRSIGNER_SEAM mismatch");
    }
    for (size_t i = 0; i < 8; ++i) {
      if ((td.seam_attributes[i] & m.attributes_mask[i]) != (m.attributes[i] & m.attributes_mask[i])) {
        return Error(ErrorCode::kPermissionDenied, std::string("TDX module ") + idbuf + ": SEAM attributes mismatch");
      }
    }
    for (const auto& l : m.levels) {
      if (td.tee_tcb_svn[0] >= l.isv_svn) return std::optional<TcbMatch>(TcbMatch{l.status, l.tcb_date, l.advisories, idbuf});
    }
    return Error(ErrorCode::kPermissionDenied, std::string("no matching TDX module TCB level for ") + idbuf);
  }
  return Error(ErrorCode::kPermissionDenied, std::string("no TDX module identity ") + idbuf + " in tcbInfo");
}

Result<TcbMatch> MatchQeIdentity(const EnclaveIdentity& id, const sgx::ReportBody& qe) {
  if (qe.mr_signer != id.mrsigner) {
    return Error(ErrorCode::kPermissionDenied, "QE identity: MRSIGNER " + sgx::HexEncode(qe.mr_signer) +
                                                   " is not " + sgx::HexEncode(id.mrsigner));
  }
  if (qe.isv_prod_id != id.isv_prod_id) {
    return Error(ErrorCode::kPermissionDenied, "QE identity: ISVPRODID " + std::to_string(qe.isv_prod_id) +
                                                   " is not " + std::to_string(id.isv_prod_id));
  }
  if ((qe.misc_select & id.miscselect_mask) != (id.miscselect & id.miscselect_mask)) {
    return Error(ErrorCode::kPermissionDenied, "QE identity: MISCSELECT mismatch under mask");
  }
  std::array<uint8_t, 16> attr{};
  std::memcpy(attr.data(), &qe.attributes, 16);
  for (size_t i = 0; i < 16; ++i) {
    if ((attr[i] & id.attributes_mask[i]) != (id.attributes[i] & id.attributes_mask[i])) {
      return Error(ErrorCode::kPermissionDenied, "QE identity: ATTRIBUTES mismatch under mask");
    }
  }
  for (const auto& l : id.levels) {
    if (qe.isv_svn >= l.isv_svn) return TcbMatch{l.status, l.tcb_date, l.advisories, id.id};
  }
  return Error(ErrorCode::kPermissionDenied, "QE identity: no TCB level for ISVSVN " + std::to_string(qe.isv_svn));
}

Result<std::optional<TcbStatus>> TdRelaunchStatus(const TcbInfo& info, const PckInfo& pck,
                                                  const std::array<uint8_t, 16>& svn2, TcbStatus tdx_status,
                                                  std::optional<TcbStatus> module_status, TcbStatus qe_status) {
  using S = TcbStatus;
  const std::optional<TcbStatus> none;
  auto config_needed = [](S s) {
    return s == S::kConfigurationNeeded || s == S::kOutOfDateConfigurationNeeded ||
           s == S::kConfigurationAndSWHardeningNeeded || s == S::kTDRelaunchAdvisedConfigurationNeeded;
  };
  if (qe_status == S::kOutOfDate || qe_status == S::kOutOfDateConfigurationNeeded || qe_status == S::kRevoked) {
    return none;
  }
  const TcbLevel* sgx_level = nullptr;
  for (const auto& l : info.levels) {
    bool ok = pck.pce_svn >= l.pce_svn;
    for (size_t i = 0; ok && i < 16; ++i) ok = pck.tcb_components[i] >= l.sgx_components[i];
    if (ok) {
      sgx_level = &l;
      break;
    }
  }
  if (!sgx_level) return none;
  const S sgx = sgx_level->status;
  if (sgx != S::kUpToDate && sgx != S::kSWHardeningNeeded && sgx != S::kConfigurationNeeded &&
      sgx != S::kConfigurationAndSWHardeningNeeded) {
    return none;
  }
  if (tdx_status != S::kOutOfDate && tdx_status != S::kOutOfDateConfigurationNeeded) return none;
  if (module_status != S::kOutOfDate) return none;
  if (info.levels.empty() || !info.levels.front().has_tdx) return none;
  const TcbLevel& latest = info.levels.front();
  uint8_t needed0 = latest.tdx_components[0];
  if (svn2[1] != 0) {
    char idbuf[16];
    std::snprintf(idbuf, sizeof idbuf, "TDX_%02X", svn2[1]);
    const TdxModuleIdentity* id = nullptr;
    for (const auto& m : info.module_identities) {
      if (m.id == idbuf) id = &m;
    }
    if (!id) {
      return Error(ErrorCode::kPermissionDenied,
                   std::string("TEE_TCB_SVN2: no TDX module identity ") + idbuf + " in tcbInfo");
    }
    if (id->levels.empty()) return none;
    needed0 = static_cast<uint8_t>(std::min<uint16_t>(id->levels.front().isv_svn, 255));
  }
  if (svn2[0] < needed0 || svn2[2] < latest.tdx_components[2]) return none;
  return std::optional<TcbStatus>(config_needed(sgx) || config_needed(tdx_status)
                                      ? S::kTDRelaunchAdvisedConfigurationNeeded
                                      : S::kTDRelaunchAdvised);
}

TcbStatus MergeWithModule(TcbStatus platform, TcbStatus module) {
  if (module == TcbStatus::kRevoked || platform == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  if (module == TcbStatus::kOutOfDate || module == TcbStatus::kOutOfDateConfigurationNeeded) {
    switch (platform) {
      case TcbStatus::kUpToDate:
      case TcbStatus::kSWHardeningNeeded:
        return TcbStatus::kOutOfDate;
      case TcbStatus::kConfigurationNeeded:
      case TcbStatus::kConfigurationAndSWHardeningNeeded:
        return TcbStatus::kOutOfDateConfigurationNeeded;
      default:
        return platform;
    }
  }
  return platform;
}

TcbStatus MergeWithQe(TcbStatus platform, TcbStatus qe) { return MergeWithModule(platform, qe); }

}  // namespace inclavare::attest
