#include "enclave/sgx/dump.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "enclave/sgx/crypto.h"
#include "enclave/sgx/hex.h"

namespace inclavare::sgx {

namespace {

using nlohmann::ordered_json;

// By value: fields of packed structures cannot bind to references.
template <class T>
std::string Hex(T field) {
  return HexEncode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&field), sizeof field));
}

std::string U64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

ordered_json AttributesJson(const Attributes& a) {
  ordered_json j;
  j["flags"] = U64(a.flags);
  j["xfrm"] = U64(a.xfrm);
  ordered_json names = ordered_json::array();
  const uint64_t flags = a.flags;
  static constexpr struct {
    uint64_t bit;
    const char* name;
  } kNames[] = {{kAttrInit, "INIT"},
                {kAttrDebug, "DEBUG"},
                {kAttrMode64Bit, "MODE64BIT"},
                {kAttrProvisionKey, "PROVISIONKEY"},
                {kAttrEinitTokenKey, "EINITTOKENKEY"},
                {kAttrCet, "CET"},
                {kAttrKss, "KSS"},
                {kAttrAexNotify, "AEXNOTIFY"}};
  for (const auto& n : kNames) {
    if (flags & n.bit) names.push_back(n.name);
  }
  j["flag_names"] = names;
  return j;
}

ordered_json ReportBodyJ(const ReportBody& b) {
  ordered_json j;
  j["cpu_svn"] = Hex(b.cpu_svn);
  j["misc_select"] = static_cast<uint32_t>(b.misc_select);
  j["isv_ext_prod_id"] = Hex(b.isv_ext_prod_id);
  j["attributes"] = AttributesJson(b.attributes);
  j["mr_enclave"] = Hex(b.mr_enclave);
  j["mr_signer"] = Hex(b.mr_signer);
  j["config_id"] = Hex(b.config_id);
  j["isv_prod_id"] = static_cast<uint16_t>(b.isv_prod_id);
  j["isv_svn"] = static_cast<uint16_t>(b.isv_svn);
  j["config_svn"] = static_cast<uint16_t>(b.config_svn);
  j["isv_family_id"] = Hex(b.isv_family_id);
  j["report_data"] = Hex(b.report_data);
  return j;
}

ordered_json TdReportJ(const TdReport10& t) {
  ordered_json j;
  j["tee_tcb_svn"] = Hex(t.tee_tcb_svn);
  j["mr_seam"] = Hex(t.mr_seam);
  j["mr_signer_seam"] = Hex(t.mr_signer_seam);
  j["seam_attributes"] = Hex(t.seam_attributes);
  j["td_attributes"] = Hex(t.td_attributes);
  j["xfam"] = Hex(t.xfam);
  j["mr_td"] = Hex(t.mr_td);
  j["mr_config_id"] = Hex(t.mr_config_id);
  j["mr_owner"] = Hex(t.mr_owner);
  j["mr_owner_config"] = Hex(t.mr_owner_config);
  j["rtmr0"] = Hex(t.rtmr0);
  j["rtmr1"] = Hex(t.rtmr1);
  j["rtmr2"] = Hex(t.rtmr2);
  j["rtmr3"] = Hex(t.rtmr3);
  j["report_data"] = Hex(t.report_data);
  return j;
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if ((c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

// Never throws: any non-UTF-8 byte that slipped through is replaced.
std::string Dump(const ordered_json& j) { return j.dump(2, ' ', false, ordered_json::error_handler_t::replace); }

const char* BodyTypeName(BodyType t) {
  switch (t) {
    case BodyType::kSgxReport: return "SGX_REPORT";
    case BodyType::kTdReport10: return "TD_REPORT_1_0";
    case BodyType::kTdReport15: return "TD_REPORT_1_5";
  }
  return "UNKNOWN";
}

}  // namespace

std::string ReportBodyToJson(const ReportBody& body) { return Dump(ReportBodyJ(body)); }

std::string QuoteToJson(const QuoteView& q) {
  ordered_json j;
  ordered_json h;
  h["version"] = static_cast<uint16_t>(q.header.version);
  h["att_key_type"] = static_cast<uint16_t>(q.header.att_key_type);
  h["tee_type"] = q.is_tdx() ? "TDX" : "SGX";
  h["qe_svn"] = static_cast<uint16_t>(q.header.qe_svn);
  h["pce_svn"] = static_cast<uint16_t>(q.header.pce_svn);
  h["qe_vendor_id"] = Hex(q.header.qe_vendor_id);
  h["user_data"] = Hex(q.header.user_data);
  j["header"] = h;
  j["body_type"] = BodyTypeName(q.body_type);
  if (const auto* sgx = q.sgx_report()) {
    j["body"] = ReportBodyJ(*sgx);
  } else if (const auto* td = q.td_report()) {
    ordered_json b = TdReportJ(*td);
    if (const auto* td15 = q.td_report15()) {
      b["tee_tcb_svn2"] = Hex(td15->tee_tcb_svn2);
      b["mr_service_td"] = Hex(td15->mr_service_td);
    }
    j["body"] = b;
  }
  j["signature"] = Hex(q.signature);
  j["attestation_key"] = Hex(q.attestation_key);
  j["qe_report"] = ReportBodyJ(q.qe_report);
  j["qe_report_signature"] = Hex(q.qe_report_signature);
  j["qe_auth_data"] = HexEncode(q.qe_auth_data);
  j["outer_cert_data_type"] = q.outer_cert_data_type;
  j["cert_data_type"] = q.cert_data_type;
  j["cert_data_type_name"] = CertDataTypeName(q.cert_data_type);
  j["cert_data_size"] = q.cert_data.size();
  // Quotes are untrusted: the chain is shown as text only when it is plain
  // ASCII (as PEM is), otherwise as hex like other certification data.
  auto pem = q.PckChainPem();
  if (pem && IsPrintableAscii(*pem)) {
    j["pck_cert_chain"] = std::string(*pem);
  } else {
    j["cert_data"] = HexEncode(q.cert_data);
  }
  j["quote_size"] = q.size;
  return Dump(j);
}

std::string SigStructToJson(const SigStruct& ss) {
  ordered_json j;
  ordered_json h;
  h["header"] = Hex(ss.header.header);
  h["type"] = static_cast<uint32_t>(ss.header.type);
  h["debug_signed"] = (ss.header.type & kSigStructTypeDebug) != 0;
  h["vendor"] = static_cast<uint32_t>(ss.header.vendor);
  char date[16];
  std::snprintf(date, sizeof date, "%08x", static_cast<uint32_t>(ss.header.date));
  h["date"] = date;
  h["header2"] = Hex(ss.header.header2);
  h["hw_version"] = static_cast<uint32_t>(ss.header.hw_version);
  j["header"] = h;
  ordered_json k;
  k["modulus"] = Hex(ss.key.modulus);
  k["exponent"] = static_cast<uint32_t>(ss.key.exponent);
  k["signature"] = Hex(ss.key.signature);
  j["key"] = k;
  ordered_json b;
  b["misc_select"] = static_cast<uint32_t>(ss.body.misc_select);
  b["misc_mask"] = static_cast<uint32_t>(ss.body.misc_mask);
  b["isv_family_id"] = Hex(ss.body.isv_family_id);
  b["attributes"] = AttributesJson(ss.body.attributes);
  b["attribute_mask"] = AttributesJson(ss.body.attribute_mask);
  b["enclave_hash"] = Hex(ss.body.enclave_hash);
  b["isv_ext_prod_id"] = Hex(ss.body.isv_ext_prod_id);
  b["isv_prod_id"] = static_cast<uint16_t>(ss.body.isv_prod_id);
  b["isv_svn"] = static_cast<uint16_t>(ss.body.isv_svn);
  j["body"] = b;
  j["q1"] = Hex(ss.buffer.q1);
  j["q2"] = Hex(ss.buffer.q2);
  j["mr_signer"] = "";
  auto mrsigner = Sha256(ss.key.modulus);
  if (mrsigner) j["mr_signer"] = HexEncode(*mrsigner);
  return Dump(j);
}

}  // namespace inclavare::sgx
