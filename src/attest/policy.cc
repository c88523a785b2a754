#include "attest/policy.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "attest/dcap_verify.h"
#include "attest/x509.h"
#include "enclave/sgx/hex.h"

namespace inclavare::attest {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Result<> Expect(const char* what, const std::optional<std::vector<uint8_t>>& want, const std::vector<uint8_t>& got) {
  if (!want) return {};
  if (*want != got) {
    return Error(ErrorCode::kPermissionDenied, std::string("policy: ") + what + " is " + sgx::HexEncode(got) +
                                                   ", expected " + sgx::HexEncode(*want));
  }
  return {};
}

std::string Hex(const std::vector<uint8_t>& v) { return sgx::HexEncode(v); }

ordered_json ClaimsJson(const Claims& c) {
  ordered_json j;
  j["tee"] = TeeKindName(c.tee);
  j["evidence_version"] = c.evidence_version;
  j["debug"] = c.debug;
  switch (c.tee) {
    case TeeKind::kSgx:
      j["mr_enclave"] = Hex(c.mr_enclave);
      j["mr_signer"] = Hex(c.mr_signer);
      j["isv_prod_id"] = c.isv_prod_id;
      j["isv_svn"] = c.isv_svn;
      j["attributes"] = c.attributes;
      j["xfrm"] = c.xfrm;
      j["misc_select"] = c.misc_select;
      break;
    case TeeKind::kTdx:
      j["mr_td"] = Hex(c.mr_td);
      j["mr_config_id"] = Hex(c.mr_config_id);
      j["mr_owner"] = Hex(c.mr_owner);
      j["mr_owner_config"] = Hex(c.mr_owner_config);
      j["mr_seam"] = Hex(c.mr_seam);
      for (size_t i = 0; i < 4; ++i) j["rtmr" + std::to_string(i)] = Hex(c.rtmr[i]);
      j["td_attributes"] = c.td_attributes;
      j["xfam"] = c.xfam;
      j["tee_tcb_svn"] = Hex(c.tee_tcb_svn);
      break;
    case TeeKind::kSevSnp:
      j["measurement"] = Hex(c.measurement);
      j["host_data"] = Hex(c.host_data);
      j["chip_id"] = Hex(c.chip_id);
      j["policy"] = c.snp_policy;
      j["vmpl"] = c.vmpl;
      break;
  }
  j["report_data"] = Hex(c.report_data);
  if (!c.fmspc.empty()) j["fmspc"] = Hex(c.fmspc);
  if (!c.pce_id.empty()) j["pce_id"] = Hex(c.pce_id);
  return j;
}

ordered_json MatchJson(const TcbMatch& m) {
  ordered_json j;
  if (!m.id.empty()) j["id"] = m.id;
  j["status"] = TcbStatusName(m.status);
  j["tcb_date"] = m.tcb_date;
  j["advisories"] = m.advisories;
  return j;
}

}  // namespace

const char* TeeKindName(TeeKind k) {
  switch (k) {
    case TeeKind::kSgx: return "sgx";
    case TeeKind::kTdx: return "tdx";
    case TeeKind::kSevSnp: return "sev-snp";
  }
  return "unknown";
}

Result<> CheckPolicy(const Policy& p, const Claims& c, TcbStatus status) {
  if (c.debug && !p.allow_debug) {
    return Error(ErrorCode::kPermissionDenied, "policy: debug enclave/guest refused (allow_debug not set)");
  }
  if (p.accepted_statuses.empty()) {
    if (status == TcbStatus::kRevoked) return Error(ErrorCode::kPermissionDenied, "policy: TCB status Revoked");
  } else if (std::find(p.accepted_statuses.begin(), p.accepted_statuses.end(), status) == p.accepted_statuses.end()) {
    return Error(ErrorCode::kPermissionDenied,
                 std::string("policy: TCB status ") + TcbStatusName(status) + " is not accepted");
  }
  IC_TRY(Expect("MRENCLAVE", p.mr_enclave, c.mr_enclave));
  IC_TRY(Expect("MRSIGNER", p.mr_signer, c.mr_signer));
  if (p.isv_prod_id && *p.isv_prod_id != c.isv_prod_id) {
    return Error(ErrorCode::kPermissionDenied, "policy: ISVPRODID is " + std::to_string(c.isv_prod_id) +
                                                   ", expected " + std::to_string(*p.isv_prod_id));
  }
  if (p.min_isv_svn && c.isv_svn < *p.min_isv_svn) {
    return Error(ErrorCode::kPermissionDenied, "policy: ISVSVN " + std::to_string(c.isv_svn) + " is below " +
                                                   std::to_string(*p.min_isv_svn));
  }
  IC_TRY(Expect("MRTD", p.mr_td, c.mr_td));
  for (size_t i = 0; i < 4; ++i) {
    const std::string name = "RTMR" + std::to_string(i);
    IC_TRY(Expect(name.c_str(), p.rtmr[i], c.rtmr[i]));
  }
  IC_TRY(Expect("SNP measurement", p.snp_measurement, c.measurement));
  if (p.report_data_prefix) {
    const auto& want = *p.report_data_prefix;
    if (want.size() > c.report_data.size() || !std::equal(want.begin(), want.end(), c.report_data.begin())) {
      return Error(ErrorCode::kPermissionDenied, "policy: report data does not start with " + sgx::HexEncode(want));
    }
  }
  return {};
}

Result<Policy> ParsePolicyJson(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("policy: not a JSON object");
  Policy p;
  auto hex = [&](const std::string& k, size_t n) -> Result<std::vector<uint8_t>> {
    if (!j[k].is_string()) return InvalidArgument("policy: " + k + " is not a hex string");
    auto b = sgx::HexDecode(j[k].get<std::string>());
    if (!b || (n && b->size() != n)) return InvalidArgument("policy: " + k + " is not " + std::to_string(n) + " hex bytes");
    return *b;
  };
  auto u16 = [&](const std::string& k) -> Result<uint16_t> {
    if (!j[k].is_number_unsigned() || j[k].get<uint64_t>() > 65535) return InvalidArgument("policy: bad " + k);
    return static_cast<uint16_t>(j[k].get<uint64_t>());
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "mr_enclave") {
      IC_ASSIGN_OR_RETURN(p.mr_enclave, hex(k, 32));
    } else if (k == "mr_signer") {
      IC_ASSIGN_OR_RETURN(p.mr_signer, hex(k, 32));
    } else if (k == "isv_prod_id") {
      IC_ASSIGN_OR_RETURN(p.isv_prod_id, u16(k));
    } else if (k == "min_isv_svn") {
      IC_ASSIGN_OR_RETURN(p.min_isv_svn, u16(k));
    } else if (k == "mr_td") {
      IC_ASSIGN_OR_RETURN(p.mr_td, hex(k, 48));
    } else if (k.size() == 5 && k.rfind("rtmr", 0) == 0 && k[4] >= '0' && k[4] <= '3') {
      IC_ASSIGN_OR_RETURN(p.rtmr[static_cast<size_t>(k[4] - '0')], hex(k, 48));
    } else if (k == "snp_measurement") {
      IC_ASSIGN_OR_RETURN(p.snp_measurement, hex(k, 48));
    } else if (k == "report_data_prefix") {
      IC_ASSIGN_OR_RETURN(p.report_data_prefix, hex(k, 0));
    } else if (k == "allow_debug") {
      if (!it->is_boolean()) return InvalidArgument("policy: allow_debug is not a boolean");
      p.allow_debug = it->get<bool>();
    } else if (k == "accepted_statuses") {
      if (!it->is_array()) return InvalidArgument("policy: accepted_statuses is not an array");
      for (const auto& s : *it) {
        if (!s.is_string()) return InvalidArgument("policy: accepted_statuses holds a non-string");
        IC_ASSIGN_OR_RETURN(TcbStatus st, ParseTcbStatus(s.get<std::string>()));
        p.accepted_statuses.push_back(st);
      }
    } else {
      return InvalidArgument("policy: unknown key \"" + k + "\"");
    }
  }
  return p;
}

std::string ClaimsToJson(const Claims& claims, int indent) { return ClaimsJson(claims).dump(indent); }

std::string VerdictToJson(const Verdict& v, int indent) {
  ordered_json j;
  j["status"] = TcbStatusName(v.status);
  j["platform_status"] = TcbStatusName(v.platform_status);
  j["tcb_date"] = v.tcb_date;
  j["advisories"] = v.advisories;
  if (v.tdx_module) j["tdx_module"] = MatchJson(*v.tdx_module);
  j["qe_identity"] = MatchJson(v.qe);
  j["tcb_evaluation_data_number"] = v.tcb_eval_num;
  j["verified_at"] = FormatRfc3339(v.verified_at);
  j["pck"] = {{"fmspc", sgx::HexEncode(v.pck.fmspc)},
              {"pce_id", sgx::HexEncode(v.pck.pce_id)},
              {"pce_svn", v.pck.pce_svn},
              {"tcb_components", sgx::HexEncode(v.pck.tcb_components)},
              {"sgx_type", v.pck.sgx_type}};
  if (!v.warnings.empty()) j["warnings"] = v.warnings;
  j["claims"] = ClaimsJson(v.claims);
  return j.dump(indent);
}

}  // namespace inclavare::attest
