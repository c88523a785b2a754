#include "attest/collateral.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "attest/x509.h"
#include "common/fs.h"
#include "enclave/sgx/hex.h"

namespace inclavare::attest {

namespace {

using nlohmann::json;

size_t SkipWs(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// End (exclusive) of the JSON string starting at s[i] == '"'.
Result<size_t> StringEnd(std::string_view s, size_t i) {
  for (size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == '"') {
      return j + 1;
    }
  }
  return InvalidArgument("collateral: unterminated JSON string");
}

// End (exclusive) of the JSON value starting at s[i].
Result<size_t> ValueEnd(std::string_view s, size_t i) {
  if (i >= s.size()) return InvalidArgument("collateral: truncated JSON");
  if (s[i] == '"') return StringEnd(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    for (size_t j = i; j < s.size(); ++j) {
      char c = s[j];
      if (c == '"') {
        IC_ASSIGN_OR_RETURN(size_t e, StringEnd(s, j));
        j = e - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return j + 1;
      }
    }
    return InvalidArgument("collateral: unbalanced JSON");
  }
  size_t j = i;
  while (j < s.size() && s[j] != ',' && s[j] != '}' && s[j] != ']') ++j;
  return j;
}

Result<std::vector<uint8_t>> BytesField(const json& v, const std::string& what) {
  if (v.is_string()) {
    auto r = sgx::HexDecode(v.get<std::string>());
    if (!r) return InvalidArgument("collateral: " + what + ": " + r.error().message());
    return *r;
  }
  if (v.is_array()) {
    std::vector<uint8_t> out;
    for (const auto& b : v) {
      if (!b.is_number_unsigned() || b.get<unsigned>() > 255) {
        return InvalidArgument("collateral: " + what + ": byte array holds a non-byte");
      }
      out.push_back(static_cast<uint8_t>(b.get<unsigned>()));
    }
    return out;
  }
  return InvalidArgument("collateral: " + what + " is neither hex nor a byte array");
}

Result<std::vector<uint8_t>> NormalizeSignature(std::vector<uint8_t> sig, const std::string& what) {
  if (sig.size() == 64) return sig;
  auto rs = EcdsaDerToRs(sig, 32);
  if (!rs) return InvalidArgument("collateral: " + what + ": " + rs.error().message());
  return *rs;
}

std::string JoinChain(const json& chain) {
  std::string out;
  if (chain.is_array()) {
    for (const auto& c : chain) {
      if (c.is_string()) out += c.get<std::string>() + "\n";
    }
  } else if (chain.is_string()) {
    out = chain.get<std::string>();
  }
  return out;
}

Result<json> ParseJson(std::string_view text, const std::string& what) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("collateral: " + what + " is not valid JSON");
  return j;
}

Result<std::string> ReadInput(const std::string& path, const std::string& what) {
  auto r = fs::ReadFile(path);
  if (!r) return std::move(r).Wrap("read " + what);
  return *r;
}

}  // namespace

Result<std::string_view> RawJsonMember(std::string_view s, std::string_view key) {
  size_t i = SkipWs(s, 0);
  if (i >= s.size() || s[i] != '{') return InvalidArgument("collateral: document is not a JSON object");
  i = SkipWs(s, i + 1);
  while (i < s.size() && s[i] != '}') {
    if (s[i] != '"') return InvalidArgument("collateral: malformed JSON object");
    IC_ASSIGN_OR_RETURN(size_t kend, StringEnd(s, i));
    std::string_view k = s.substr(i + 1, kend - i - 2);
    i = SkipWs(s, kend);
    if (i >= s.size() || s[i] != ':') return InvalidArgument("collateral: malformed JSON object");
    i = SkipWs(s, i + 1);
    IC_ASSIGN_OR_RETURN(size_t vend, ValueEnd(s, i));
    if (k == key) return s.substr(i, vend - i);
    i = SkipWs(s, vend);
    if (i < s.size() && s[i] == ',') i = SkipWs(s, i + 1);
  }
  return InvalidArgument("collateral: no \"" + std::string(key) + "\" member");
}

Result<SignedDocument> ParseSignedDocument(std::string_view doc, std::string_view key) {
  IC_ASSIGN_OR_RETURN(json j, ParseJson(doc, std::string(key) + " document"));
  if (!j.is_object()) return InvalidArgument("collateral: " + std::string(key) + " document is not an object");
  SignedDocument out;
  const std::string raw_key = key == "tcbInfo" ? "raw_tcb_info" : "raw_enclave_identity";
  if (j.contains(raw_key)) {  // Fortanix wrapper
    if (!j[raw_key].is_string()) return InvalidArgument("collateral: " + raw_key + " is not a string");
    out.body = j[raw_key].get<std::string>();
    if (!j.contains("signature")) return InvalidArgument("collateral: " + raw_key + " without signature");
    IC_ASSIGN_OR_RETURN(auto sig, BytesField(j["signature"], "signature"));
    IC_ASSIGN_OR_RETURN(out.signature, NormalizeSignature(std::move(sig), "signature"));
    if (j.contains("ca_chain")) out.issuer_chain = JoinChain(j["ca_chain"]);
    return out;
  }
  IC_ASSIGN_OR_RETURN(std::string_view body, RawJsonMember(doc, key));
  if (body.empty() || body.front() != '{') {
    return InvalidArgument("collateral: " + std::string(key) + " is not an object");
  }
  out.body = std::string(body);
  if (!j.contains("signature")) return InvalidArgument("collateral: " + std::string(key) + " without signature");
  IC_ASSIGN_OR_RETURN(auto sig, BytesField(j["signature"], "signature"));
  IC_ASSIGN_OR_RETURN(out.signature, NormalizeSignature(std::move(sig), "signature"));
  return out;
}

Result<std::string> UnwrapCrl(std::string_view data) {
  size_t i = SkipWs(data, 0);
  if (i < data.size() && data[i] == '{') {
    IC_ASSIGN_OR_RETURN(json j, ParseJson(data, "CRL wrapper"));
    if (!j.is_object() || !j.contains("crl") || !j["crl"].is_string()) {
      return InvalidArgument("collateral: CRL wrapper without a \"crl\" string");
    }
    return j["crl"].get<std::string>();
  }
  // Hex of the DER, as Intel's PCCS answers /rootcacrl and as dcap-qvl
  // stores CRLs. DER starts with 0x30 0x8x, never two hex digits.
  std::string_view trimmed = data.substr(i);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.remove_suffix(1);
  if (!trimmed.empty() && std::all_of(trimmed.begin(), trimmed.end(),
                                      [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    IC_ASSIGN_OR_RETURN(std::vector<uint8_t> der, sgx::HexDecode(trimmed).Wrap("CRL in hex"));
    return std::string(der.begin(), der.end());
  }
  return std::string(data);
}

Result<Collateral> ParseDcapQvlCollateral(std::string_view text) {
  IC_ASSIGN_OR_RETURN(json j, ParseJson(text, "dcap-qvl collateral"));
  if (!j.is_object()) return InvalidArgument("collateral: dcap-qvl collateral is not an object");
  auto str = [&](const char* k) -> Result<std::string> {
    if (!j.contains(k) || !j[k].is_string()) return InvalidArgument(std::string("collateral: missing string ") + k);
    return j[k].get<std::string>();
  };
  auto bytes = [&](const char* k) -> Result<std::vector<uint8_t>> {
    if (!j.contains(k)) return InvalidArgument(std::string("collateral: missing ") + k);
    return BytesField(j[k], k);
  };
  Collateral c;
  IC_ASSIGN_OR_RETURN(c.tcb_info.body, str("tcb_info"));
  IC_ASSIGN_OR_RETURN(auto tsig, bytes("tcb_info_signature"));
  IC_ASSIGN_OR_RETURN(c.tcb_info.signature, NormalizeSignature(std::move(tsig), "tcb_info_signature"));
  IC_ASSIGN_OR_RETURN(c.tcb_info.issuer_chain, str("tcb_info_issuer_chain"));
  IC_ASSIGN_OR_RETURN(c.qe_identity.body, str("qe_identity"));
  IC_ASSIGN_OR_RETURN(auto qsig, bytes("qe_identity_signature"));
  IC_ASSIGN_OR_RETURN(c.qe_identity.signature, NormalizeSignature(std::move(qsig), "qe_identity_signature"));
  IC_ASSIGN_OR_RETURN(c.qe_identity.issuer_chain, str("qe_identity_issuer_chain"));
  IC_ASSIGN_OR_RETURN(auto pck_crl, bytes("pck_crl"));
  c.pck_crl.assign(pck_crl.begin(), pck_crl.end());
  IC_ASSIGN_OR_RETURN(auto root_crl, bytes("root_ca_crl"));
  c.root_ca_crl.assign(root_crl.begin(), root_crl.end());
  return c;
}

Result<Collateral> LoadCollateralFiles(const CollateralFiles& f) {
  Collateral c;
  IC_ASSIGN_OR_RETURN(std::string tcb, ReadInput(f.tcb_info, "TCB info " + f.tcb_info));
  IC_ASSIGN_OR_RETURN(c.tcb_info, ParseSignedDocument(tcb, "tcbInfo").Wrap(f.tcb_info));
  IC_ASSIGN_OR_RETURN(std::string qe, ReadInput(f.qe_identity, "QE identity " + f.qe_identity));
  IC_ASSIGN_OR_RETURN(c.qe_identity, ParseSignedDocument(qe, "enclaveIdentity").Wrap(f.qe_identity));
  IC_ASSIGN_OR_RETURN(std::string pck_crl, ReadInput(f.pck_crl, "PCK CRL " + f.pck_crl));
  IC_ASSIGN_OR_RETURN(c.pck_crl, UnwrapCrl(pck_crl).Wrap(f.pck_crl));
  if (!f.root_ca_crl.empty()) {
    IC_ASSIGN_OR_RETURN(std::string root_crl, ReadInput(f.root_ca_crl, "root CA CRL " + f.root_ca_crl));
    IC_ASSIGN_OR_RETURN(c.root_ca_crl, UnwrapCrl(root_crl).Wrap(f.root_ca_crl));
  }
  if (!f.tcb_signing_chain.empty()) {
    IC_ASSIGN_OR_RETURN(c.tcb_signing_chain, ReadInput(f.tcb_signing_chain, "TCB signing chain"));
  }
  return c;
}

}  // namespace inclavare::attest
