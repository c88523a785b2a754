#include "tools/sgx-tools/verify_quote.h"

#include <nlohmann/json.hpp>

#include <cctype>

#include "attest/collateral.h"
#include "attest/dcap_verify.h"
#include "attest/pccs.h"
#include "attest/policy.h"
#include "attest/x509.h"
#include "common/fs.h"
#include "enclave/sgx/hex.h"

namespace inclavare::sgx::tools {

namespace {

// Binary, or hex text as some tools store quotes.
Result<std::vector<uint8_t>> ReadQuote(const std::string& path) {
  IC_ASSIGN_OR_RETURN(std::string data, fs::ReadFile(path).Wrap("read quote"));
  bool hex = !data.empty();
  for (unsigned char c : data) {
    if (!std::isxdigit(c) && !std::isspace(c) && c != 'x') {
      hex = false;
      break;
    }
  }
  if (hex) return HexDecode(data).Wrap(path);
  return std::vector<uint8_t>(data.begin(), data.end());
}

}  // namespace

Result<std::string> VerifyQuoteCommand(const VerifyQuoteOptions& o) {
  using namespace inclavare::attest;
  if (o.quote.empty()) return InvalidArgument("--quote is required");
  IC_ASSIGN_OR_RETURN(auto quote, ReadQuote(o.quote));
  Collateral c;
  const int sources = !o.collateral_json.empty() + !o.pccs_url.empty() + !o.qcnl_conf.empty() +
                      (!o.tcb_info.empty() || !o.qe_identity.empty() || !o.pck_crl.empty());
  if (sources > 1) {
    return InvalidArgument(
        "give one collateral source: --collateral-json, --pccs-url, --qcnl-conf, or the PCS files");
  }
  std::optional<int64_t> at;
  if (!o.at.empty()) {
    IC_ASSIGN_OR_RETURN(at, ParseRfc3339(o.at).Wrap("--at"));
  }
  if (!o.pccs_url.empty() || !o.qcnl_conf.empty()) {
    PccsOptions po;
    if (!o.qcnl_conf.empty()) {
      IC_ASSIGN_OR_RETURN(po, LoadQcnlConfig(o.qcnl_conf).Wrap("--qcnl-conf"));
      po.insecure = po.insecure || o.pccs_insecure;
    } else {
      po.url = o.pccs_url;
      po.api_version = o.pccs_api_version;
      po.insecure = o.pccs_insecure;
    }
    po.ca_file = o.pccs_ca;
    po.cache_dir = o.pccs_cache;
    IC_ASSIGN_OR_RETURN(PccsClient pccs, PccsClient::Create(po));
    IC_ASSIGN_OR_RETURN(CollateralQuery q, CollateralQueryForQuote(quote));
    IC_ASSIGN_OR_RETURN(c, pccs.Fetch(q, at.value_or(NowUnix())));
  } else if (!o.collateral_json.empty()) {
    IC_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(o.collateral_json).Wrap("read --collateral-json"));
    IC_ASSIGN_OR_RETURN(c, ParseDcapQvlCollateral(text).Wrap(o.collateral_json));
  } else {
    if (o.tcb_info.empty() || o.qe_identity.empty() || o.pck_crl.empty()) {
      return InvalidArgument(
          "give --collateral-json, --pccs-url, --qcnl-conf, or --tcb-info, --qe-identity and --pck-crl");
    }
    CollateralFiles f{o.tcb_info, o.qe_identity, o.pck_crl, o.root_crl, o.tcb_signing_cert};
    IC_ASSIGN_OR_RETURN(c, LoadCollateralFiles(f));
  }
  VerifyOptions vo;
  vo.time = at;
  if (!o.root_ca.empty()) {
    IC_ASSIGN_OR_RETURN(vo.root_ca_pem, fs::ReadFile(o.root_ca).Wrap("read --root-ca"));
  }
  Policy policy;
  if (!o.policy.empty()) {
    IC_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(o.policy).Wrap("read --policy"));
    IC_ASSIGN_OR_RETURN(policy, ParsePolicyJson(text).Wrap(o.policy));
  }
  if (o.allow_debug) policy.allow_debug = true;
  vo.accept_sim_qe = o.accept_sim_qe;
  for (const auto& s : o.accept_status) {
    IC_ASSIGN_OR_RETURN(TcbStatus st, ParseTcbStatus(s).Wrap("--accept-status"));
    policy.accepted_statuses.push_back(st);
  }
  IC_ASSIGN_OR_RETURN(Verdict v, VerifyQuote(quote, c, vo));
  IC_TRY(CheckPolicy(policy, v.claims, v.status));
  auto j = nlohmann::ordered_json::parse(VerdictToJson(v, -1));
  j["policy"] = "accepted";
  return j.dump(2);
}

}  // namespace inclavare::sgx::tools
