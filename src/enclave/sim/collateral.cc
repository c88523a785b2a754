#include "enclave/sim/collateral.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

#include "enclave/sgx/hex.h"
#include "enclave/sim/ossl.h"

namespace inclavare::sgx::sim {

namespace {

using nlohmann::ordered_json;

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string HexUpper(std::span<const uint8_t> b) { return Upper(HexEncode(b)); }

template <class T>
std::span<const uint8_t> Bytes(const T& v) {
  return {reinterpret_cast<const uint8_t*>(&v), sizeof v};
}

// {"<name>":<body>,"signature":"<hex>"} with the signature over body's bytes.
Result<std::string> Signed(const std::string& name, const ordered_json& body, EVP_PKEY* key) {
  const std::string text = body.dump();
  IC_ASSIGN_OR_RETURN(EcSignature sig,
                      EcdsaSignRaw(key, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  return "{\"" + name + "\":" + text + ",\"signature\":\"" + HexEncode(sig) + "\"}";
}

}  // namespace

std::string IsoTime(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::string> MakeTcbInfoJson(const TcbInfoParams& p, EVP_PKEY* key) {
  ordered_json comps = ordered_json::array();
  for (uint8_t svn : p.tcb_comp_svn) comps.push_back({{"svn", svn}});
  ordered_json level;
  level["tcb"] = {{"sgxtcbcomponents", comps}, {"pcesvn", p.pce_svn}};
  level["tcbDate"] = IsoTime(p.tcb_date);
  level["tcbStatus"] = "UpToDate";
  ordered_json body;
  body["id"] = "SGX";
  body["version"] = 3;
  body["issueDate"] = IsoTime(p.issue_date);
  body["nextUpdate"] = IsoTime(p.next_update);
  body["fmspc"] = HexEncode(p.fmspc);
  body["pceId"] = HexEncode(p.pce_id);
  body["tcbType"] = 0;
  body["tcbEvaluationDataNumber"] = p.tcb_evaluation_data_number;
  body["tcbLevels"] = ordered_json::array({level});
  return Signed("tcbInfo", body, key);
}

Result<std::string> MakeQeIdentityJson(const QeIdentityParams& p, EVP_PKEY* key) {
  Attributes masked{p.attributes.flags & p.attributes_mask.flags, p.attributes.xfrm & p.attributes_mask.xfrm};
  ordered_json level;
  level["tcb"] = {{"isvsvn", p.isv_svn}};
  level["tcbDate"] = IsoTime(p.tcb_date);
  level["tcbStatus"] = "UpToDate";
  ordered_json body;
  body["id"] = "QE";
  body["version"] = 2;
  body["issueDate"] = IsoTime(p.issue_date);
  body["nextUpdate"] = IsoTime(p.next_update);
  body["tcbEvaluationDataNumber"] = p.tcb_evaluation_data_number;
  // MISCSELECT and its mask are little-endian 32-bit values, written as the
  // bytes appear in the REPORT (Intel's hex strings are byte dumps).
  uint32_t misc = p.misc_select & p.misc_select_mask;
  body["miscselect"] = HexUpper(Bytes(misc));
  body["miscselectMask"] = HexUpper(Bytes(p.misc_select_mask));
  body["attributes"] = HexUpper(Bytes(masked));
  body["attributesMask"] = HexUpper(Bytes(p.attributes_mask));
  body["mrsigner"] = HexUpper(p.mr_signer);
  body["isvprodid"] = p.isv_prod_id;
  body["tcbLevels"] = ordered_json::array({level});
  return Signed("enclaveIdentity", body, key);
}

}  // namespace inclavare::sgx::sim
