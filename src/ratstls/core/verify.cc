// Verification of the peer's certificate, in this order:
//  1. the certificate: parse, validity window, find the evidence;
//  2. key binding, part 1: the claims' pubkey-hash is the hash of the
//     certificate's SubjectPublicKeyInfo (tagged evidence);
//  3. the verifier for the evidence's type (or the enforced one) checks the
//     evidence, its collateral (endorsements from the certificate when it
//     carries them) and the appraisal policy;
//  4. key binding, part 2: the verified report data starts with SHA-256 of
//     the claims buffer (legacy raw quotes: of the SubjectPublicKeyInfo or
//     the PKCS#1 RSA key);
//  5. freshness: the "nonce" claim equals the challenge this side sent;
//  6. the application's callback.
// A certificate verified once (same bytes, no challenge) is remembered
// until its verifier's result expires, so a client that reconnects to the
// same server pays for the evidence once.
#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <rats-tls/log.h>

#include "enclave/sgx/hex.h"
#include "ratstls/core/core.h"
#include "ratstls/format/cert_format.h"

namespace inclavare::ratstls {

namespace {

constexpr size_t kCacheMax = 64;

// SHA-256 through the format library (the digest the RA-TLS format uses).
Bytes Sha256(std::span<const uint8_t> d) {
  auto h = HashWithAlg(RATS_TLS_HASH_SHA256, d);
  return h ? std::move(*h) : Bytes();
}

bool Equal32(const uint8_t* a, const Bytes& b) { return b.size() >= 32 && CRYPTO_memcmp(a, b.data(), 32) == 0; }

Error Denied(std::string msg) { return Error(ErrorCode::kPermissionDenied, std::move(msg)); }

Result<Instance<rats_tls_verifier_ops_t>*> VerifierFor(rtls_core_context_t& c, const std::string& evidence_type) {
  std::string name = c.verifier_name;
  Plugin p;
  if (!name.empty()) {
    IC_ASSIGN_OR_RETURN(p, Registry::Get().Find(RATS_TLS_PLUGIN_VERIFIER, name));
    if (std::string(p.type()) != "nullverifier" && p.type() != evidence_type) {
      return Denied("verifier " + name + " (for " + p.type() + " evidence) cannot verify the peer's " + evidence_type +
                    " evidence");
    }
  } else {
    if (evidence_type == "none") {
      return Denied("the peer presented no evidence (nullattester?); set verifier_type to nullverifier to accept "
                    "unattested peers");
    }
    bool found = false;
    for (const Plugin& cand : Registry::Get().OfKind(RATS_TLS_PLUGIN_VERIFIER)) {
      if (cand.type() == evidence_type) {
        p = cand;
        found = true;
        break;
      }
    }
    if (!found) return Denied("no verifier for the peer's " + evidence_type + " evidence");
  }
  auto& slot = c.verifiers[p.name()];
  if (!slot) {
    auto inst = std::make_unique<Instance<rats_tls_verifier_ops_t>>();
    inst->plugin = p;
    inst->ops = static_cast<const rats_tls_verifier_ops_t*>(p.desc->ops);
    if (inst->ops->init) {
      rats_tls_error_t e{};
      if (int rc = inst->ops->init(&c.env, &inst->state, &e); rc != 0) {
        inst->ops = nullptr;
        return Error(ErrorCode::kFailedPrecondition, std::string("verifier ") + p.name() + ": init: " + e.msg);
      }
    }
    slot = std::move(inst);
  }
  return slot.get();
}

void FillCallbackEvidence(const VerifiedPeer& p, rtls_evidence_t& ev, claim_t* claims, size_t n) {
  memset(&ev, 0, sizeof ev);
  ev.custom_claims = claims;
  ev.custom_claims_length = n;
  ev.quote = const_cast<char*>(reinterpret_cast<const char*>(p.evidence.data()));
  ev.quote_size = static_cast<int>(p.evidence.size());
  auto& v = const_cast<rats_tls_verified_evidence_t&>(p.v);
  if (p.evidence_type == "sgx_ecdsa" || p.evidence_type == "sgx_la") {
    ev.type = p.evidence_type == "sgx_la" ? SGX_LA : SGX_ECDSA;
    ev.sgx.mr_enclave = v.mr_enclave;
    ev.sgx.mr_signer = v.mr_signer;
    ev.sgx.product_id = v.isv_prod_id;
    ev.sgx.security_version = v.isv_svn;
    ev.sgx.attributes = v.attributes;
  } else if (p.evidence_type == "tdx_ecdsa") {
    ev.type = TDX_ECDSA;
    ev.tdx.mrseam = v.mr_seam;
    ev.tdx.mrseamsigner = v.mr_signer_seam;
    ev.tdx.tcb_svns = v.tee_tcb_svn;
    ev.tdx.mrtd = v.mr_td;
    ev.tdx.rtmr = &v.rtmr[0][0];
  } else if (p.evidence_type == "sev_snp") {
    ev.type = SEV_SNP;
  } else {
    ev.type = NO_EVIDENCE;
  }
}

claim_t* ClaimList(const std::vector<std::pair<std::string, Bytes>>& in) {
  if (in.empty()) return nullptr;
  std::vector<claim_t> tmp(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    tmp[i].name = const_cast<char*>(in[i].first.c_str());
    tmp[i].value = const_cast<uint8_t*>(in[i].second.data());
    tmp[i].value_size = in[i].second.size();
  }
  return clone_claims_list(tmp.data(), tmp.size());
}

Result<VerifiedPeer> VerifyUncached(rtls_core_context_t& c, std::span<const uint8_t> cert_der, int64_t now) {
  IC_ASSIGN_OR_RETURN(CertEvidence ce, ExtractCertEvidence(cert_der).Wrap("peer certificate"));
  if (now < ce.not_before) return Denied("peer certificate is not valid yet (notBefore is in the future)");
  if (now > ce.not_after) return Denied("peer certificate expired (notAfter is in the past)");

  VerifiedPeer p;
  std::optional<ClaimsBuffer> claims;
  uint64_t tag = 0;
  const Bytes* endorsements = nullptr;
  switch (ce.source) {
    case EvidenceSource::kNone:
      p.evidence_type = "none";
      break;
    case EvidenceSource::kTagged: {
      tag = ce.tagged.tag;
      p.evidence = ce.tagged.evidence;
      IC_ASSIGN_OR_RETURN(p.evidence_type, EvidenceTypeOf(tag, p.evidence).Wrap("peer evidence"));
      IC_ASSIGN_OR_RETURN(ClaimsBuffer cb, DecodeClaims(ce.tagged.claims_buffer).Wrap("peer claims"));
      IC_ASSIGN_OR_RETURN(Bytes h, HashWithAlg(cb.hash_alg, ce.spki_der));
      if (h.size() != cb.pubkey_hash.size() || CRYPTO_memcmp(h.data(), cb.pubkey_hash.data(), h.size()) != 0) {
        return Denied("key binding: the claims' pubkey-hash is not the hash of the certificate's public key");
      }
      if (ce.endorsements) {
        if (ce.endorsements->tag != tag) {
          return Denied("endorsements tag " + std::to_string(ce.endorsements->tag) + " differs from the evidence tag " +
                        std::to_string(tag));
        }
        endorsements = &ce.endorsements->item;
      }
      p.custom_claims = cb.custom;
      p.nonce = cb.nonce;
      claims = std::move(cb);
      break;
    }
    case EvidenceSource::kLegacy:
      tag = RATS_TLS_TAG_LEGACY_QUOTE;
      p.evidence = ce.legacy_quote;
      IC_ASSIGN_OR_RETURN(p.evidence_type, EvidenceTypeOf(tag, p.evidence).Wrap("peer legacy quote"));
      break;
  }

  IC_ASSIGN_OR_RETURN(Instance<rats_tls_verifier_ops_t>* ver, VerifierFor(c, p.evidence_type));
  p.verifier = ver->plugin.name();
  rats_tls_error_t e{};
  int rc = ver->ops->verify_evidence(ver->state, tag, p.evidence.data(), p.evidence.size(),
                                     endorsements ? endorsements->data() : nullptr,
                                     endorsements ? endorsements->size() : 0, &p.v, &e);
  if (p.v.claims_json) {
    p.claims_json = p.v.claims_json;
    free(p.v.claims_json);
    p.v.claims_json = nullptr;
  }
  if (rc != 0) return Denied(std::string("verifier ") + p.verifier + ": " + e.msg);

  if (std::string(ver->plugin.type()) != "nullverifier") {
    if (ce.source == EvidenceSource::kTagged) {
      if (!Equal32(p.v.report_data, Sha256(ce.tagged.claims_buffer))) {
        return Denied("key binding: the evidence's report data is not the hash of its claims (evidence made for "
                      "another key?)");
      }
    } else if (ce.source == EvidenceSource::kLegacy) {
      bool ok = Equal32(p.v.report_data, Sha256(ce.spki_der)) ||
                (!ce.rsa_pkcs1_der.empty() && Equal32(p.v.report_data, Sha256(ce.rsa_pkcs1_der)));
      if (!ok) return Denied("key binding: the quote's report data is not the hash of the certificate's public key");
    }
  }
  p.cache_until = std::min<int64_t>(p.v.valid_until, ce.not_after);
  return p;
}

}  // namespace

Result<> VerifyPeerCertificate(rtls_core_context_t& c, std::span<const uint8_t> cert_der,
                               std::span<const uint8_t> challenge) {
  int64_t now = c.verify_time ? c.verify_time : NowSeconds();
  Bytes key = Sha256(cert_der);
  VerifiedPeer p;
  auto hit = c.verify_cache.find(key);
  if (hit != c.verify_cache.end() && hit->second.cache_until > now) {
    p = hit->second;
  } else {
    if (hit != c.verify_cache.end()) c.verify_cache.erase(hit);
    IC_ASSIGN_OR_RETURN(p, VerifyUncached(c, cert_der, now));
    // Certificates made for a challenge are used once: not worth keeping.
    if (p.cache_until > now && !p.nonce) {
      if (c.verify_cache.size() >= kCacheMax) c.verify_cache.erase(c.verify_cache.begin());
      c.verify_cache[key] = p;
    }
  }
  if (!challenge.empty()) {
    if (!p.nonce) {
      return Denied("freshness: the peer's evidence carries no nonce for this side's challenge (a recorded or "
                    "stale certificate?)");
    }
    if (p.nonce->size() != challenge.size() ||
        CRYPTO_memcmp(p.nonce->data(), challenge.data(), challenge.size()) != 0) {
      return Denied("freshness: the peer's evidence answers another challenge (a replayed certificate?)");
    }
  }
  free_claims_list(c.peer_claims, c.peer_claims_length);
  c.peer_claims = ClaimList(p.custom_claims);
  c.peer_claims_length = c.peer_claims ? p.custom_claims.size() : 0;
  if (c.user_callback) {
    rtls_evidence_t ev;
    FillCallbackEvidence(p, ev, c.peer_claims, c.peer_claims_length);
    if (c.user_callback(&ev) == 0) return Denied("the application's verification callback refused the peer");
  }
  c.peer = std::move(p);
  return {};
}

std::string PeerToJson(const VerifiedPeer& p) {
  nlohmann::ordered_json j;
  j["evidence_type"] = p.evidence_type;
  j["verifier"] = p.verifier;
  j["tcb_status"] = std::string(p.v.tcb_status, strnlen(p.v.tcb_status, sizeof p.v.tcb_status));
  j["debug"] = p.v.debug;
  j["report_data"] = sgx::HexEncode({p.v.report_data, sizeof p.v.report_data});
  if (!p.claims_json.empty()) {
    auto parsed = nlohmann::ordered_json::parse(p.claims_json, nullptr, false);
    j["claims"] = parsed.is_discarded() ? nlohmann::ordered_json(p.claims_json) : parsed;
  } else {
    j["claims"] = nullptr;
  }
  nlohmann::ordered_json cc = nlohmann::ordered_json::object();
  for (const auto& [k, v] : p.custom_claims) cc[k] = sgx::HexEncode(v);
  j["custom_claims"] = cc;
  if (p.nonce) j["nonce"] = sgx::HexEncode(*p.nonce);
  return j.dump();
}

}  // namespace inclavare::ratstls
