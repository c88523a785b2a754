#include "ratstls/plugins/verifiers/common/dcap_quote_verifier.h"

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

#include "attest/collateral.h"
#include "attest/tcb.h"
#include "attest/x509.h"
#include "common/fs.h"
#include "enclave/sgx/quote.h"
#include "ratstls/plugins/common/dcap_endorsements.h"

namespace inclavare::ratstls::verifiers {

namespace {

bool IsUrl(const std::string& s) { return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0; }

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void Earliest(int64_t& acc, int64_t t) {
  if (t > 0 && (acc == 0 || t < acc)) acc = t;
}

int64_t CrlNextUpdate(const std::string& crl) {
  if (crl.empty()) return 0;
  auto t = attest::CrlNextUpdate(crl);
  return t ? *t : 0;
}

Result<attest::Collateral> FromDirectory(const std::string& dir) {
  IC_ASSIGN_OR_RETURN(DcapEndorsements e, LoadDcapEndorsementsDir(dir));
  return ToCollateral(e).Wrap("collateral directory " + dir);
}

}  // namespace

int64_t CollateralValidUntil(const attest::Collateral& c) {
  int64_t until = 0;
  if (auto t = attest::ParseTcbInfo(c.tcb_info.body)) Earliest(until, t->next_update);
  if (auto q = attest::ParseEnclaveIdentity(c.qe_identity.body)) Earliest(until, q->next_update);
  Earliest(until, CrlNextUpdate(c.pck_crl));
  Earliest(until, CrlNextUpdate(c.root_ca_crl));
  return until;
}

Result<std::unique_ptr<DcapQuoteVerifier>> DcapQuoteVerifier::Create(const rats_tls_plugin_env_t* env,
                                                                     Tee tee) {
  IC_ASSIGN_OR_RETURN(VerifierSettings s, VerifierSettings::FromEnv(env));
  std::unique_ptr<DcapQuoteVerifier> v(new DcapQuoteVerifier(std::move(s), tee));
  const VerifierSettings& st = v->settings_;
  if (!st.root_ca_file.empty()) {
    IC_ASSIGN_OR_RETURN(v->options_.root_ca_pem,
                        ReadSettingFile(st.root_ca_file, "trust anchor file (root_ca_file)"));
    IC_TRY(attest::ParseCertChain(v->options_.root_ca_pem).Wrap("trust anchor file " + st.root_ca_file));
  } else if (!st.sim_dir.empty()) {
    IC_ASSIGN_OR_RETURN(v->options_.root_ca_pem,
                        ReadSettingFile(fs::Join(st.sim_dir, "root_ca.pem"), "the sim platform's root CA"));
  }
  // Only sim_dir makes sim quotes acceptable; they must still chain to the
  // anchors (the sim root unless root_ca_file names others).
  v->options_.accept_sim_qe = !st.sim_dir.empty();
  if (IsUrl(st.collateral)) {
    attest::PccsOptions po;
    po.url = st.collateral;
    IC_ASSIGN_OR_RETURN(attest::PccsClient client,
                        attest::PccsClient::Create(po).Wrap("conf.ext.collateral (PCCS URL)"));
    v->pccs_.emplace(std::move(client));
    v->pccs_source_ = st.collateral;
  } else if (st.collateral.empty() && st.sim_dir.empty()) {
    const std::string path = attest::QcnlConfigPath();
    auto qcnl = attest::LoadQcnlConfig(path);
    if (qcnl) {
      IC_ASSIGN_OR_RETURN(attest::PccsClient client,
                          attest::PccsClient::Create(*qcnl).Wrap("QCNL configuration " + path));
      v->pccs_.emplace(std::move(client));
      v->pccs_source_ = qcnl->url + " (from " + path + ")";
    } else if (qcnl.error().code() != ErrorCode::kNotFound) {
      return qcnl.error();
    } else if (const char* env = std::getenv("QCNL_CONF_PATH"); env != nullptr && env[0] != '\0') {
      return qcnl.error().Wrap("QCNL_CONF_PATH");
    }
  }
  return v;
}

bool DcapQuoteVerifier::Stale(const Cached& c) const {
  if (settings_.verify_time != 0) return false;  // a pinned time never moves
  const int64_t now = attest::NowUnix();
  return now - c.built_at >= kRefreshSeconds || (c.valid_until != 0 && now > c.valid_until);
}

Result<DcapQuoteVerifier::Cached> DcapQuoteVerifier::Build(const attest::Collateral& collateral,
                                                           std::string key) const {
  attest::VerifyOptions o = options_;
  o.time = settings_.Now();
  IC_ASSIGN_OR_RETURN(attest::DcapVerifier dv, attest::DcapVerifier::Create(collateral, o));
  return Cached{std::move(key), std::move(dv), CollateralValidUntil(collateral), attest::NowUnix()};
}

Result<attest::Collateral> DcapQuoteVerifier::ConfiguredCollateral() const {
  const std::string& path = settings_.collateral;
  if (!path.empty()) {
    if (IsDirectory(path)) return FromDirectory(path);
    IC_ASSIGN_OR_RETURN(std::string json, ReadSettingFile(path, "collateral file (conf.ext.collateral)"));
    return attest::ParseDcapQvlCollateral(json).Wrap("collateral file " + path);
  }
  if (!settings_.sim_dir.empty()) return FromDirectory(fs::Join(settings_.sim_dir, "collateral"));
  return FailedPrecondition(
      "no collateral for the quote: the certificate carries no endorsements, conf.ext.collateral is not "
      "set and there is no QCNL configuration (" +
      attest::QcnlConfigPath() + ")");
}

Result<const DcapQuoteVerifier::Cached*> DcapQuoteVerifier::ForConfigured() {
  if (configured_ && !Stale(*configured_)) return &*configured_;
  configured_.reset();
  IC_ASSIGN_OR_RETURN(attest::Collateral c, ConfiguredCollateral());
  IC_ASSIGN_OR_RETURN(Cached built, Build(c, std::string()));
  ++built_;
  configured_.emplace(std::move(built));
  return &*configured_;
}

const DcapQuoteVerifier::Cached* DcapQuoteVerifier::Find(std::list<Cached>& list, std::string_view key) {
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->key.size() != key.size() || it->key != key) continue;
    if (Stale(*it)) {
      list.erase(it);
      return nullptr;
    }
    list.splice(list.begin(), list, it);
    return &list.front();
  }
  return nullptr;
}

const DcapQuoteVerifier::Cached* DcapQuoteVerifier::Insert(std::list<Cached>& list, Cached built) {
  ++built_;
  list.push_front(std::move(built));
  while (list.size() > kMaxEndorsementVerifiers) list.pop_back();
  return &list.front();
}

Result<const DcapQuoteVerifier::Cached*> DcapQuoteVerifier::ForEndorsements(std::span<const uint8_t> e) {
  const std::string_view key(reinterpret_cast<const char*>(e.data()), e.size());
  if (const Cached* hit = Find(by_endorsements_, key)) return hit;
  IC_ASSIGN_OR_RETURN(DcapEndorsements decoded, DecodeDcapEndorsements(e));
  IC_ASSIGN_OR_RETURN(attest::Collateral c, ToCollateral(decoded));
  IC_ASSIGN_OR_RETURN(Cached built, Build(c, std::string(key)).Wrap("collateral from the endorsements"));
  return Insert(by_endorsements_, std::move(built));
}

Result<const DcapQuoteVerifier::Cached*> DcapQuoteVerifier::ForPccs(std::span<const uint8_t> quote) {
  IC_ASSIGN_OR_RETURN(attest::CollateralQuery q, attest::CollateralQueryForQuote(quote));
  const std::string key = std::string(q.tee == attest::PcsTee::kTdx ? "tdx/" : "sgx/") +
                          std::string(reinterpret_cast<const char*>(q.fmspc.data()), q.fmspc.size()) + "/" + q.ca;
  if (const Cached* hit = Find(by_pccs_, key)) return hit;
  IC_ASSIGN_OR_RETURN(attest::Collateral c, pccs_->Fetch(q, settings_.Now()));
  IC_ASSIGN_OR_RETURN(Cached built, Build(c, key).Wrap("collateral from " + pccs_source_));
  return Insert(by_pccs_, std::move(built));
}

Result<> DcapQuoteVerifier::Verify(std::span<const uint8_t> quote, std::span<const uint8_t> endorsements,
                                   rats_tls_verified_evidence_t* out) {
  const char* type = tee_ == Tee::kTdx ? "tdx_ecdsa" : "sgx_ecdsa";
  if (quote.empty()) return InvalidArgument(std::string(type) + ": empty evidence (no quote)");
  IC_ASSIGN_OR_RETURN(sgx::QuoteView q, sgx::ParseQuote(quote));
  if (tee_ == Tee::kSgx && q.is_tdx()) {
    return InvalidArgument(
        "sgx_ecdsa: the quote is a TDX quote (TEE type 0x81); the tdx_ecdsa verifier handles it");
  }
  if (tee_ == Tee::kTdx) {
    if (!q.is_tdx())
      return InvalidArgument("tdx_ecdsa: the quote is an SGX quote; the sgx_ecdsa verifier handles it");
    if (q.version() != 4 && q.version() != 5) {
      return InvalidArgument("tdx_ecdsa: TDX quote version " + std::to_string(q.version()) +
                             ", expected 4 or 5");
    }
  }
  // Said before any collateral is looked at: with sim collateral and the
  // Intel root, the first failure would otherwise be an opaque chain error.
  if (q.header.qe_vendor_id == sgx::kSimQeVendorId && !options_.accept_sim_qe) {
    return Error(ErrorCode::kPermissionDenied,
                 std::string(type) +
                     ": the quote comes from the SIMULATED quoting enclave, which is trusted only "
                     "when conf.ext.sim_dir is set");
  }
  const Cached* cached = nullptr;
  if (!endorsements.empty()) {
    IC_ASSIGN_OR_RETURN(cached, ForEndorsements(endorsements));
  } else if (pccs_) {
    IC_ASSIGN_OR_RETURN(cached, ForPccs(quote));
  } else {
    IC_ASSIGN_OR_RETURN(cached, ForConfigured());
  }
  IC_ASSIGN_OR_RETURN(attest::Verdict v, cached->verifier.Verify(quote));
  IC_TRY(settings_.CheckPolicy(v.claims, v.status));

  nlohmann::ordered_json extra;
  extra["tcb_status"] = attest::TcbStatusName(v.status);
  extra["advisories"] = v.advisories;
  extra["qe_status"] = attest::TcbStatusName(v.qe.status);
  if (v.tdx_module) extra["tdx_module_status"] = attest::TcbStatusName(v.tdx_module->status);
  if (!v.warnings.empty()) extra["warnings"] = v.warnings;
  IC_TRY(
      FillVerifiedEvidence(v.claims, type, attest::TcbStatusName(v.status), cached->valid_until, extra, out));
  if (const sgx::TdReport10* td = q.td_report()) {
    std::memcpy(out->mr_signer_seam, td->mr_signer_seam.data(), sizeof out->mr_signer_seam);
  }
  return {};
}

}  // namespace inclavare::ratstls::verifiers
