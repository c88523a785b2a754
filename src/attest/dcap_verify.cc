#include "attest/dcap_verify.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <set>

#include "attest/roots.h"
#include "enclave/sgx/crypto.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/quote.h"

namespace inclavare::attest {

struct DcapVerifier::State {
  int64_t time = 0;
  bool accept_sim_qe = false;
  std::vector<std::string> warnings;
  TcbInfo tcb_info;
  EnclaveIdentity qe_identity;
  std::optional<ChainVerifier> pck_chain;
  std::vector<X509Ptr> roots;
  mutable std::mutex mu;
  // Validated PCK chains keyed by their exact PEM text.
  mutable std::map<std::string, std::unique_ptr<CachedPck>, std::less<>> pck_cache;  // GUARDED_BY(mu)
};

namespace {

// Bounds the per-PCK cache of verified QE reports (one QE normally has one).
constexpr size_t kMaxCachedQeReports = 64;

Result<std::vector<X509Ptr>> Roots(const VerifyOptions& o) {
  if (o.root_ca_pem.empty()) return IntelSgxRootCas();
  return ParseCertChain(o.root_ca_pem).Wrap("trust anchor");
}

Result<> CheckWindow(const std::string& what, int64_t from, int64_t until, const char* from_name,
                     const char* until_name, int64_t time) {
  if (time > until) {
    return Error(ErrorCode::kFailedPrecondition, "collateral expired: " + what + " " + until_name + " " +
                                                     FormatRfc3339(until) + " < verification time " +
                                                     FormatRfc3339(time));
  }
  if (time < from) {
    return Error(ErrorCode::kFailedPrecondition, "collateral not yet valid: " + what + " " + from_name + " " +
                                                     FormatRfc3339(from) + " > verification time " +
                                                     FormatRfc3339(time));
  }
  return {};
}

Result<> CheckCrlWindow(const std::string& what, const std::string& crl_text, int64_t time) {
  IC_ASSIGN_OR_RETURN(X509CrlPtr crl, ParseCrl(crl_text).Wrap(what));
  IC_ASSIGN_OR_RETURN(int64_t from, Asn1TimeToUnix(X509_CRL_get0_lastUpdate(crl.get())));
  IC_ASSIGN_OR_RETURN(int64_t until, Asn1TimeToUnix(X509_CRL_get0_nextUpdate(crl.get())));
  return CheckWindow(what, from, until, "thisUpdate", "nextUpdate", time);
}

bool SelfSigned(X509* c) { return X509_check_issued(c, c) == X509_V_OK; }

// Verifies a signed document with the leaf of its signing chain, which must
// itself chain to a trust anchor.
Result<> VerifySignedDocument(const SignedDocument& doc, const std::string& chain_text, const ChainVerifier& chains,
                              const std::string& what) {
  if (chain_text.empty()) return InvalidArgument(what + ": no signing certificate (TCB signing chain)");
  IC_ASSIGN_OR_RETURN(auto certs, ParseCertChain(chain_text).Wrap(what + " signing chain"));
  X509* leaf = nullptr;
  std::vector<X509Ptr> intermediates;
  for (auto& c : certs) {
    if (SelfSigned(c.get())) continue;
    if (!leaf) {
      leaf = c.get();
    } else {
      intermediates.push_back(DupCert(c.get()));
    }
  }
  if (!leaf) return InvalidArgument(what + ": signing chain has no signing certificate");
  IC_TRY(chains.Verify(leaf, intermediates, what + " signing certificate"));
  EVP_PKEY* key = X509_get0_pubkey(leaf);
  if (!key) return sgx::OpensslError(what + ": signing key");
  if (doc.signature.size() != 64) return InvalidArgument(what + ": signature is not 64 bytes r||s");
  return VerifyEcdsaRs(key, EVP_sha256(),
                       std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(doc.body.data()), doc.body.size()),
                       doc.signature, what);
}

std::vector<X509CrlPtr> ParseCrls(const std::vector<std::string>& crls, std::vector<std::string>* errors) {
  std::vector<X509CrlPtr> out;
  for (const auto& c : crls) {
    auto r = ParseCrl(c);
    if (r) {
      out.push_back(std::move(*r));
    } else if (errors) {
      errors->push_back(r.error().message());
    }
  }
  return out;
}

std::vector<uint8_t> Vec(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

void FillClaims(const sgx::QuoteView& q, const PckInfo* pck, Claims& c) {
  c.evidence_version = q.version();
  if (pck) {
    c.fmspc = Vec(pck->fmspc);
    c.pce_id = Vec(pck->pce_id);
  }
  if (const auto* r = q.sgx_report()) {
    c.tee = TeeKind::kSgx;
    c.mr_enclave = Vec(r->mr_enclave);
    c.mr_signer = Vec(r->mr_signer);
    c.isv_prod_id = r->isv_prod_id;
    c.isv_svn = r->isv_svn;
    c.attributes = r->attributes.flags;
    c.xfrm = r->attributes.xfrm;
    c.misc_select = r->misc_select;
    c.debug = (r->attributes.flags & sgx::kAttrDebug) != 0;
    c.report_data = Vec(r->report_data);
  } else if (const auto* td = q.td_report()) {
    c.tee = TeeKind::kTdx;
    c.mr_td = Vec(td->mr_td);
    c.mr_config_id = Vec(td->mr_config_id);
    c.mr_owner = Vec(td->mr_owner);
    c.mr_owner_config = Vec(td->mr_owner_config);
    c.mr_seam = Vec(td->mr_seam);
    c.rtmr = {Vec(td->rtmr0), Vec(td->rtmr1), Vec(td->rtmr2), Vec(td->rtmr3)};
    std::memcpy(&c.td_attributes, td->td_attributes.data(), 8);
    std::memcpy(&c.xfam, td->xfam.data(), 8);
    c.tee_tcb_svn = Vec(td->tee_tcb_svn);
    c.debug = (td->td_attributes[0] & 0x01) != 0;  // TUD.DEBUG, bit 0
    c.report_data = Vec(td->report_data);
  }
}

std::string StripWs(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') out.push_back(c);
  }
  return out;
}

// The certification data is exactly the PEM encoding of the parsed
// certificates (line breaks aside): no junk OpenSSL's PEM reader would skip.
Result<> CheckCanonicalPem(std::string_view pem, const std::vector<X509Ptr>& certs) {
  std::string expected;
  for (const auto& c : certs) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio || PEM_write_bio_X509(bio.get(), c.get()) != 1) return sgx::OpensslError("PEM_write_bio_X509");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    expected.append(data, static_cast<size_t>(len));
  }
  if (StripWs(expected) != StripWs(pem)) {
    return Error(ErrorCode::kPermissionDenied, "PCK chain: certification data is not a clean PEM chain");
  }
  return {};
}

// Validates a quote's PCK chain: the leaf through its CA to a trust anchor.
// A self-signed certificate in the chain must be one of the anchors byte for
// byte (the quote's copy of the root is not trusted, but it must not be
// damaged either).
Result<X509Ptr> CheckPckChain(std::string_view chain_pem, const ChainVerifier& chain,
                              const std::vector<X509Ptr>& roots) {
  IC_ASSIGN_OR_RETURN(auto certs, ParseCertChain(chain_pem).Wrap("PCK chain"));
  IC_TRY(CheckCanonicalPem(chain_pem, certs));
  if (certs.size() < 2 || !SelfSigned(certs.back().get())) {
    return Error(ErrorCode::kPermissionDenied, "PCK chain: does not end with a root certificate");
  }
  // The quote's chain must be intact as a whole: each certificate signed by
  // the next, the last one self-signed with the name and key of a trust
  // anchor (either issue of Intel's root). Path validation itself uses the
  // configured anchors only.
  for (size_t i = 0; i + 1 < certs.size(); ++i) {
    EVP_PKEY* issuer_key = X509_get0_pubkey(certs[i + 1].get());
    if (!issuer_key || X509_verify(certs[i].get(), issuer_key) != 1) {
      ERR_clear_error();
      return Error(ErrorCode::kPermissionDenied, "PCK chain: certificate " + std::to_string(i) +
                                                     " is not signed by the next one");
    }
  }
  std::vector<X509Ptr> rest;
  for (size_t i = 1; i < certs.size(); ++i) {
    X509* c = certs[i].get();
    if (i + 1 == certs.size() && SelfSigned(c)) {
      EVP_PKEY* key = X509_get0_pubkey(c);
      bool anchor = key && X509_verify(c, key) == 1 &&
                    std::any_of(roots.begin(), roots.end(), [&](const X509Ptr& r) {
                      return X509_NAME_cmp(X509_get_subject_name(r.get()), X509_get_subject_name(c)) == 0 &&
                             EVP_PKEY_eq(X509_get0_pubkey(r.get()), key) == 1;
                    });
      ERR_clear_error();
      if (!anchor) return Error(ErrorCode::kPermissionDenied, "PCK chain: its root is not a configured trust anchor");
    } else {
      rest.push_back(DupCert(c));
    }
  }
  auto ok = chain.Verify(certs[0].get(), rest, "PCK certificate");
  if (!ok) {
    if (ok.error().message().find("certificate revoked") != std::string::npos) {
      return Error(ErrorCode::kPermissionDenied, "PCK certificate revoked (" + ok.error().message() + ")");
    }
    return ok.error();
  }
  return std::move(certs[0]);
}

}  // namespace

Result<PckInfo> VerifyPckCertChain(std::string_view chain_pem, std::vector<X509Ptr> roots,
                                   const std::vector<std::string>& crls, int64_t time) {
  std::vector<X509Ptr> anchors;
  for (auto& r : roots) anchors.push_back(DupCert(r.get()));
  IC_ASSIGN_OR_RETURN(auto chain, ChainVerifier::Create(std::move(roots), ParseCrls(crls, nullptr), time,
                                                        /*check_all_crls=*/crls.size() > 1));
  IC_ASSIGN_OR_RETURN(X509Ptr leaf, CheckPckChain(chain_pem, chain, anchors));
  return ParsePckExtensions(leaf.get());
}

DcapVerifier::DcapVerifier(DcapVerifier&&) noexcept = default;
DcapVerifier& DcapVerifier::operator=(DcapVerifier&&) noexcept = default;
DcapVerifier::~DcapVerifier() = default;

Result<DcapVerifier> DcapVerifier::Create(const Collateral& c, const VerifyOptions& o) {
  DcapVerifier v;
  v.state_ = std::make_unique<State>();
  State& s = *v.state_;
  s.time = o.time ? *o.time : NowUnix();
  if (o.accept_sim_qe && o.root_ca_pem.empty())
    return InvalidArgument("accepting the simulated QE needs an explicitly configured trust anchor (the sim root)");
  s.accept_sim_qe = o.accept_sim_qe;

  // Documents: parse first so date errors name the document.
  IC_ASSIGN_OR_RETURN(s.tcb_info, ParseTcbInfo(c.tcb_info.body));
  IC_ASSIGN_OR_RETURN(s.qe_identity, ParseEnclaveIdentity(c.qe_identity.body));

  // Signing chain for the collateral (root CRL only).
  std::vector<std::string> root_crls;
  if (!c.root_ca_crl.empty()) {
    root_crls.push_back(c.root_ca_crl);
    IC_TRY(CheckCrlWindow("Root CA CRL", c.root_ca_crl, s.time));
  } else if (o.require_root_crl) {
    return FailedPrecondition("collateral has no Root CA CRL");
  } else {
    s.warnings.push_back("no Root CA CRL supplied: intermediate CA revocation not checked");
  }
  std::vector<std::string> errs;
  auto root_crl_objs = ParseCrls(root_crls, &errs);
  if (!errs.empty()) return InvalidArgument("Root CA CRL: " + errs.front());
  IC_ASSIGN_OR_RETURN(auto roots, Roots(o));
  IC_ASSIGN_OR_RETURN(auto signing, ChainVerifier::Create(std::move(roots), std::move(root_crl_objs), s.time,
                                                          /*check_all_crls=*/true));
  const std::string tcb_chain = c.tcb_signing_chain.empty() ? c.tcb_info.issuer_chain : c.tcb_signing_chain;
  const std::string qe_chain = c.tcb_signing_chain.empty() ? c.qe_identity.issuer_chain : c.tcb_signing_chain;
  IC_TRY(VerifySignedDocument(c.tcb_info, tcb_chain, signing, "tcbInfo"));
  IC_TRY(VerifySignedDocument(c.qe_identity, qe_chain, signing, "enclaveIdentity"));
  IC_TRY(CheckWindow("tcbInfo", s.tcb_info.issue_date, s.tcb_info.next_update, "issueDate", "nextUpdate", s.time));
  IC_TRY(CheckWindow("enclaveIdentity", s.qe_identity.issue_date, s.qe_identity.next_update, "issueDate",
                     "nextUpdate", s.time));

  // PCK chain verifier: roots + PCK CA CRL (+ Root CA CRL).
  if (c.pck_crl.empty()) return InvalidArgument("collateral has no PCK CA CRL");
  IC_TRY(CheckCrlWindow("PCK CRL", c.pck_crl, s.time));
  std::vector<std::string> pck_crls = {c.pck_crl};
  if (!c.root_ca_crl.empty()) pck_crls.push_back(c.root_ca_crl);
  auto crl_objs = ParseCrls(pck_crls, &errs);
  if (!errs.empty()) return InvalidArgument("PCK CRL: " + errs.front());
  IC_ASSIGN_OR_RETURN(auto roots2, Roots(o));
  for (auto& r : roots2) s.roots.push_back(DupCert(r.get()));
  IC_ASSIGN_OR_RETURN(auto pck_chain, ChainVerifier::Create(std::move(roots2), std::move(crl_objs), s.time,
                                                            /*check_all_crls=*/!c.root_ca_crl.empty()));
  s.pck_chain.emplace(std::move(pck_chain));
  return v;
}

Result<const DcapVerifier::CachedPck*> DcapVerifier::CheckPck(std::string_view chain_pem) const {
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.pck_cache.find(chain_pem);
    if (it != s.pck_cache.end()) return it->second.get();
  }
  IC_ASSIGN_OR_RETURN(X509Ptr leaf, CheckPckChain(chain_pem, *s.pck_chain, s.roots));
  auto entry = std::make_unique<CachedPck>();
  IC_ASSIGN_OR_RETURN(entry->info, ParsePckExtensions(leaf.get()));
  EVP_PKEY* key = X509_get0_pubkey(leaf.get());
  if (!key) return sgx::OpensslError("PCK public key");
  EVP_PKEY_up_ref(key);
  entry->key.reset(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto [it, inserted] = s.pck_cache.emplace(std::string(chain_pem), std::move(entry));
  return it->second.get();
}

Result<Verdict> DcapVerifier::Verify(std::span<const uint8_t> bytes) const {
  const State& s = *state_;
  IC_ASSIGN_OR_RETURN(sgx::QuoteView q, sgx::ParseQuote(bytes));
  // No unsigned slack inside the signature data: the certification data ends
  // where the quote's own length fields say it does.
  if (q.cert_data.data() + q.cert_data.size() != bytes.data() + q.size) {
    return InvalidArgument("quote: bytes after the certification data inside the signature data");
  }
  if (q.header.qe_vendor_id != sgx::kIntelQeVendorId &&
      !(s.accept_sim_qe && q.header.qe_vendor_id == sgx::kSimQeVendorId)) {
    return Error(ErrorCode::kPermissionDenied,
                 q.header.qe_vendor_id == sgx::kSimQeVendorId
                     ? "quote: from the simulated QE, which is not accepted (sim platform not configured as trusted)"
                     : "quote: QE vendor id is not Intel's");
  }
  const bool tdx = q.is_tdx();
  if ((s.tcb_info.id == "TDX") != tdx) {
    return InvalidArgument(std::string("collateral: ") + s.tcb_info.id + " TCB Info for a " + (tdx ? "TDX" : "SGX") +
                           " quote");
  }
  if ((s.qe_identity.id == "TD_QE") != tdx) {
    return InvalidArgument("collateral: " + s.qe_identity.id + " identity for a " + (tdx ? "TDX" : "SGX") +
                           " quote");
  }
  IC_ASSIGN_OR_RETURN(std::string_view pem, q.PckChainPem());
  IC_ASSIGN_OR_RETURN(const CachedPck* pck, CheckPck(pem));

  // QE report signed by the PCK key, and the attestation key bound to it.
  IC_ASSIGN_OR_RETURN(auto hasher, sgx::Sha256Hasher::Create());
  IC_TRY(hasher.Update(q.attestation_key));
  IC_TRY(hasher.Update(q.qe_auth_data));
  IC_ASSIGN_OR_RETURN(auto digest, hasher.Final());
  const auto& rd = q.qe_report.report_data;
  if (!std::equal(digest.begin(), digest.end(), rd.begin()) ||
      !std::all_of(rd.begin() + 32, rd.end(), [](uint8_t b) { return b == 0; })) {
    return Error(ErrorCode::kPermissionDenied,
                 "QE report data does not bind the attestation key (SHA-256(key || QE auth data) || zeros)");
  }
  std::string qe_key;
  qe_key.reserve(q.qe_report_bytes.size() + 128);
  qe_key.append(reinterpret_cast<const char*>(q.qe_report_bytes.data()), q.qe_report_bytes.size());
  qe_key.append(reinterpret_cast<const char*>(q.qe_report_signature.data()), q.qe_report_signature.size());
  qe_key.append(reinterpret_cast<const char*>(q.attestation_key.data()), q.attestation_key.size());
  // A reference of our own: another thread may evict the cache entry.
  auto ref = [](EVP_PKEY* k) {
    EVP_PKEY_up_ref(k);
    return EvpPkeyPtr(k);
  };
  EvpPkeyPtr att_key;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = pck->qe_reports.find(qe_key);
    if (it != pck->qe_reports.end()) att_key = ref(it->second.get());
  }
  if (!att_key) {
    IC_TRY(VerifyEcdsaRs(pck->key.get(), EVP_sha256(), q.qe_report_bytes, q.qe_report_signature, "QE report"));
    IC_ASSIGN_OR_RETURN(EvpPkeyPtr imported, P256KeyFromXy(q.attestation_key));
    std::lock_guard<std::mutex> lock(s.mu);
    if (pck->qe_reports.size() >= kMaxCachedQeReports) pck->qe_reports.clear();
    att_key = ref(pck->qe_reports.emplace(std::move(qe_key), std::move(imported)).first->second.get());
  }
  IC_TRY(VerifyEcdsaRs(att_key.get(), EVP_sha256(), q.signed_data, q.signature, "quote"));

  // Collateral applies to this platform.
  if (pck->info.fmspc != s.tcb_info.fmspc) {
    return InvalidArgument("collateral: TCB Info FMSPC " + sgx::HexEncode(s.tcb_info.fmspc) +
                           " does not match the PCK certificate's " + sgx::HexEncode(pck->info.fmspc));
  }
  if (pck->info.pce_id != s.tcb_info.pce_id) {
    return InvalidArgument("collateral: TCB Info PCE-ID does not match the PCK certificate's");
  }

  Verdict v;
  v.verified_at = s.time;
  v.warnings = s.warnings;
  v.pck = pck->info;
  v.tcb_eval_num = s.tcb_info.eval_num;
  IC_ASSIGN_OR_RETURN(TcbMatch platform, MatchPlatformTcb(s.tcb_info, pck->info, q.td_report()));
  v.platform_status = platform.status;
  v.tcb_date = platform.tcb_date;
  TcbStatus status = platform.status;
  std::set<std::string> adv(platform.advisories.begin(), platform.advisories.end());
  IC_ASSIGN_OR_RETURN(v.qe, MatchQeIdentity(s.qe_identity, q.qe_report));
  if (tdx) {
    IC_ASSIGN_OR_RETURN(v.tdx_module, MatchTdxModule(s.tcb_info, *q.td_report()));
    if (v.tdx_module) {
      status = MergeWithModule(status, v.tdx_module->status);
      adv.insert(v.tdx_module->advisories.begin(), v.tdx_module->advisories.end());
    }
    // TDX 1.5: the module the TD runs on now (TEE_TCB_SVN2) may advise a relaunch.
    if (const sgx::TdReport15* td15 = q.td_report15()) {
      std::optional<TcbStatus> module_status;
      if (v.tdx_module) module_status = v.tdx_module->status;
      IC_ASSIGN_OR_RETURN(auto relaunch, TdRelaunchStatus(s.tcb_info, pck->info, td15->tee_tcb_svn2,
                                                          platform.status, module_status, v.qe.status));
      if (relaunch) status = *relaunch;
    }
  }
  status = MergeWithQe(status, v.qe.status);
  adv.insert(v.qe.advisories.begin(), v.qe.advisories.end());
  v.status = status;
  v.advisories.assign(adv.begin(), adv.end());
  FillClaims(q, &pck->info, v.claims);
  return v;
}

Claims UnverifiedQuoteClaims(const sgx::QuoteView& quote) {
  Claims c;
  FillClaims(quote, nullptr, c);
  return c;
}

Result<Verdict> VerifyQuote(std::span<const uint8_t> quote, const Collateral& collateral,
                            const VerifyOptions& options) {
  IC_ASSIGN_OR_RETURN(DcapVerifier v, DcapVerifier::Create(collateral, options));
  return v.Verify(quote);
}

}  // namespace inclavare::attest
