// Handle creation: configuration, plugin selection, this side's identity
// (key, evidence, certificate), and the connection.
#include "ratstls/core/core.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <rats-tls/log.h>

#include "attest/policy.h"
#include "common/fs.h"
#include "ratstls/format/cert_format.h"

namespace inclavare::ratstls {

namespace {

constexpr char kSubjectCn[] = "Inclavare Rats-TLS";
constexpr char kSubjectOrg[] = "Inclavare Containers";
// Certificates start a little in the past: peers' clocks differ.
constexpr int64_t kClockSkew = 300;

std::string Field(const char* s, size_t cap) { return std::string(s, strnlen(s, cap)); }
std::string Str(const char* s) { return s ? s : ""; }
const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

Error PluginError(const Plugin& p, uint32_t kind, const char* what, const rats_tls_error_t& e, int rc) {
  std::string msg = std::string(PluginKindName(kind)) + " " + p.name() + ": " + what + ": " +
                    (e.msg[0] ? e.msg : strerror(rc < 0 ? -rc : EINVAL));
  return Error(ErrorCode::kFailedPrecondition, msg);
}

template <typename Ops>
Result<> InitInstance(Instance<Ops>& inst, const Plugin& p, uint32_t kind, const rats_tls_plugin_env_t& env) {
  inst.plugin = p;
  inst.ops = static_cast<const Ops*>(p.desc->ops);
  if (inst.ops->init) {
    rats_tls_error_t e{};
    int rc = inst.ops->init(&env, &inst.state, &e);
    if (rc != 0) {
      inst.ops = nullptr;  // nothing to clean up
      return PluginError(p, kind, "init", e, rc);
    }
  }
  return {};
}

// The named plugin, or the highest-priority one (for attesters: the first
// whose probe passes).
Result<Plugin> Choose(uint32_t kind, const std::string& name, const rats_tls_plugin_env_t& env) {
  Registry& r = Registry::Get();
  if (!name.empty()) {
    IC_ASSIGN_OR_RETURN(Plugin p, r.Find(kind, name));
    if (kind == RATS_TLS_PLUGIN_ATTESTER) {
      auto* ops = static_cast<const rats_tls_attester_ops_t*>(p.desc->ops);
      rats_tls_error_t e{};
      if (ops->probe) {
        if (int rc = ops->probe(&env, &e); rc != 0) return PluginError(p, kind, "unavailable", e, rc);
      }
    }
    return p;
  }
  std::vector<Plugin> all = r.OfKind(kind);
  std::string skipped;
  for (const Plugin& p : all) {
    // nulltls and nullcrypto mean no TLS at all: only when asked for by name,
    // never as the fallback when the real wrapper failed to load.
    if ((kind == RATS_TLS_PLUGIN_TLS_WRAPPER || kind == RATS_TLS_PLUGIN_CRYPTO_WRAPPER) &&
        strncmp(p.name(), "null", 4) == 0) {
      skipped += std::string("; ") + p.name() + ": used only when named";
      continue;
    }
    if (kind == RATS_TLS_PLUGIN_ATTESTER) {
      auto* ops = static_cast<const rats_tls_attester_ops_t*>(p.desc->ops);
      rats_tls_error_t e{};
      if (ops->probe && ops->probe(&env, &e) != 0) {
        RTLS_DEBUG("attester %s unavailable: %s\n", p.name(), e.msg);
        skipped += std::string("; ") + p.name() + ": " + e.msg;
        continue;
      }
    }
    return p;
  }
  return NotFound(std::string("no ") + PluginKindName(kind) + " available (plugin directory " + env.plugin_dir +
                  ")" + skipped);
}

Result<std::string> ReadConfFile(const std::string& path, const char* what) {
  auto r = fs::ReadFile(path);
  if (!r) return std::move(r.error()).Wrap(std::string("conf.ext.") + what);
  return std::move(*r);
}

Result<> CheckConf(const rats_tls_conf_t& conf) {
  if (conf.api_version > RATS_TLS_API_VERSION_MAX) {
    return InvalidArgument("api_version " + std::to_string(conf.api_version) + " is newer than this library's " +
                           std::to_string(RATS_TLS_API_VERSION_MAX));
  }
  if (conf.log_level < RATS_TLS_LOG_LEVEL_DEBUG || conf.log_level >= RATS_TLS_LOG_LEVEL_MAX) {
    return InvalidArgument("log_level " + std::to_string(conf.log_level) + " out of range");
  }
  if (conf.cert_algo != RATS_TLS_CERT_ALGO_DEFAULT && conf.cert_algo >= RATS_TLS_CERT_ALGO_MAX) {
    return InvalidArgument("cert_algo " + std::to_string(conf.cert_algo) + " is not supported");
  }
  if (conf.quote_sgx_epid.valid) return InvalidArgument("SGX EPID attestation is not supported (quote_sgx_epid.valid)");
  if (conf.custom_claims_length > 0 && conf.custom_claims == nullptr) {
    return InvalidArgument("custom_claims_length is " + std::to_string(conf.custom_claims_length) +
                           " but custom_claims is NULL");
  }
  return {};
}

}  // namespace

int64_t NowSeconds() { return static_cast<int64_t>(time(nullptr)); }

Result<std::unique_ptr<rtls_core_context_t>> CreateContext(const rats_tls_conf_t& conf) {
  IC_TRY(CheckConf(conf));
  auto c = std::make_unique<rtls_core_context_t>();
  c->flags = conf.flags & RATS_TLS_CONF_FLAGS_GLOBAL_MASK;
  c->log_level = conf.log_level;
  // The operator's RATS_TLS_GLOBAL_LOG_LEVEL wins over the program's choice
  // (conf.log_level, or global_log_level set directly as upstream's samples do).
  global_log_level = EnvLogLevel().value_or(conf.log_level);
  c->cert_algo = conf.cert_algo == RATS_TLS_CERT_ALGO_DEFAULT ? RATS_TLS_CERT_ALGO_ECC_256_SHA256 : conf.cert_algo;
  c->attester_name = Field(conf.attester_type, sizeof conf.attester_type);
  c->verifier_name = Field(conf.verifier_type, sizeof conf.verifier_type);
  c->tls_name = Field(conf.tls_type, sizeof conf.tls_type);
  c->crypto_name = Field(conf.crypto_type, sizeof conf.crypto_type);
  for (size_t i = 0; i < conf.custom_claims_length; ++i) {
    const claim_t& cl = conf.custom_claims[i];
    if (cl.name == nullptr || cl.name[0] == '\0') {
      return InvalidArgument("custom claim " + std::to_string(i) + " has no name");
    }
    if (cl.value_size > 0 && cl.value == nullptr) {
      return InvalidArgument(std::string("custom claim '") + cl.name + "' has value_size but no value");
    }
    c->custom_claims.emplace_back(cl.name, Bytes(cl.value, cl.value + cl.value_size));
  }
  c->aesm_socket = "/var/run/aesmd/aesm.socket";
  if (conf.api_version >= RATS_TLS_API_VERSION_2) {
    const rats_tls_ext_conf_t& x = conf.ext;
    if (x.policy_file && *x.policy_file) {
      IC_ASSIGN_OR_RETURN(c->policy_json, ReadConfFile(x.policy_file, "policy_file"));
      // A policy with a typo must fail here, not at the first handshake.
      if (auto p = attest::ParsePolicyJson(c->policy_json); !p) {
        return std::move(p.error()).Wrap(std::string("conf.ext.policy_file ") + x.policy_file);
      }
    }
    c->root_ca_file = Str(x.root_ca_file);
    c->collateral = Str(x.collateral);
    c->sim_dir = Str(x.sim_dir);
    if (x.aesm_socket && *x.aesm_socket) c->aesm_socket = x.aesm_socket;
    c->snp_vcek_file = Str(x.snp_vcek_file);
    c->snp_ask_ark_file = Str(x.snp_ask_ark_file);
    c->plugin_dir = Str(x.plugin_dir);
    if (x.evidence_lifetime) c->evidence_lifetime = x.evidence_lifetime;
    c->freshness = x.freshness;
    c->debug_enclave = x.debug_enclave;
    c->verify_time = x.verify_time;
  }
  if (c->plugin_dir.empty()) c->plugin_dir = DefaultPluginDir();

  rats_tls_plugin_env_t& env = c->env;
  env.size = sizeof env;
  env.log_level = c->log_level;
  env.cert_algo = c->cert_algo;
  env.debug_enclave = c->debug_enclave;
  env.sim_dir = OrNull(c->sim_dir);
  env.aesm_socket = c->aesm_socket.c_str();
  env.root_ca_file = OrNull(c->root_ca_file);
  env.collateral = OrNull(c->collateral);
  env.snp_vcek_file = OrNull(c->snp_vcek_file);
  env.snp_ask_ark_file = OrNull(c->snp_ask_ark_file);
  env.policy_json = OrNull(c->policy_json);
  env.plugin_dir = c->plugin_dir.c_str();
  env.verify_time = c->verify_time;

  Registry::Get().LoadDir(c->plugin_dir);

  IC_ASSIGN_OR_RETURN(Plugin crypto, Choose(RATS_TLS_PLUGIN_CRYPTO_WRAPPER, c->crypto_name, env));
  IC_TRY(InitInstance(c->crypto, crypto, RATS_TLS_PLUGIN_CRYPTO_WRAPPER, env));
  IC_ASSIGN_OR_RETURN(Plugin tls, Choose(RATS_TLS_PLUGIN_TLS_WRAPPER, c->tls_name, env));

  if (c->attests()) {
    IC_ASSIGN_OR_RETURN(Plugin att, Choose(RATS_TLS_PLUGIN_ATTESTER, c->attester_name, env));
    if (c->attester_name.empty() && std::string(att.name()) == "nullattester") {
      RTLS_WARN("rats-tls: no TEE attester is available here: presenting no evidence (nullattester)\n");
    }
    c->attester = std::make_unique<Instance<rats_tls_attester_ops_t>>();
    IC_TRY(InitInstance(*c->attester, att, RATS_TLS_PLUGIN_ATTESTER, env));
    RTLS_INFO("rats-tls: attester %s, crypto %s, tls %s\n", att.name(), crypto.name(), tls.name());
    IC_TRY(MakeIdentity(*c));
  }
  if (c->verifies() && !c->verifier_name.empty()) {
    // A named verifier is enforced: check it exists now.
    IC_TRY(Registry::Get().Find(RATS_TLS_PLUGIN_VERIFIER, c->verifier_name));
  }
  if (c->verifies() && !c->policy_json.empty() && c->verifier_name == "nullverifier") {
    return InvalidArgument("conf.ext.policy_file is set but verifier_type is nullverifier, which checks no evidence");
  }

  rats_tls_tls_config_t tc{};
  tc.server = c->is_server();
  tc.mutual = c->is_mutual();
  tc.verify_peer = c->verifies();
  tc.freshness = c->freshness;
  tc.cert_der = c->cert_der.data();
  tc.cert_size = c->cert_der.size();
  tc.key_der = c->key_der.data();
  tc.key_size = c->key_der.size();
  tc.callbacks.core = c.get();
  tc.callbacks.verify_peer = [](void* core, const uint8_t* der, size_t size, const uint8_t* ch, size_t ch_size,
                                rats_tls_error_t* err) -> int {
    auto* ctx = static_cast<rtls_core_context_t*>(core);
    auto r = VerifyPeerCertificate(*ctx, {der, size}, {ch, ch ? ch_size : 0});
    if (r) return 0;
    return rats_tls_error_set(err, EPERM, "%s", r.error().ToString().c_str());
  };
  tc.callbacks.cert_for_challenge = [](void* core, const uint8_t* ch, size_t ch_size, rats_tls_bytes_t* out,
                                       rats_tls_error_t* err) -> int {
    auto* ctx = static_cast<rtls_core_context_t*>(core);
    if (!ctx->attester) return rats_tls_error_set(err, EINVAL, "this side makes no evidence");
    // Without freshness this side does not answer challenges (a quote per
    // handshake on any client's request would be a cheap way to load it):
    // it presents its usual certificate, which a freshness-requiring peer
    // then refuses with the reason.
    Bytes answer;
    if (!ctx->freshness) {
      answer = ctx->cert_der;
    } else {
      auto r = CertificateFor(*ctx, ctx->key_der, ctx->spki_der, Bytes(ch, ch + ch_size));
      if (!r) return rats_tls_error_set(err, EIO, "%s", r.error().ToString().c_str());
      answer = std::move(*r);
    }
    out->data = static_cast<uint8_t*>(malloc(answer.size()));
    if (out->data == nullptr) return rats_tls_error_set(err, ENOMEM, "out of memory");
    memcpy(out->data, answer.data(), answer.size());
    out->size = answer.size();
    return 0;
  };
  c->tls.plugin = tls;
  c->tls.ops = static_cast<const rats_tls_tls_ops_t*>(tls.desc->ops);
  {
    rats_tls_error_t e{};
    int rc = c->tls.ops->init(&env, &tc, &c->tls.state, &e);
    if (rc != 0) {
      c->tls.ops = nullptr;
      return PluginError(tls, RATS_TLS_PLUGIN_TLS_WRAPPER, "init", e, rc);
    }
  }
  return c;
}

Result<Bytes> CertificateFor(rtls_core_context_t& c, const Bytes& key_der, const Bytes& spki_der,
                             const std::optional<Bytes>& nonce) {
  const Plugin& cp = c.crypto.plugin;
  rats_tls_error_t e{};
  // Claims and their digest: the report data of the evidence.
  uint8_t digest[64];
  size_t digest_size = sizeof digest;
  if (int rc = c.crypto.ops->hash(c.crypto.state, RATS_TLS_HASH_SHA256, spki_der.data(), spki_der.size(), digest,
                                  &digest_size, &e);
      rc != 0) {
    return PluginError(cp, RATS_TLS_PLUGIN_CRYPTO_WRAPPER, "hash", e, rc);
  }
  ClaimsBuffer claims;
  claims.hash_alg = RATS_TLS_HASH_SHA256;
  claims.pubkey_hash.assign(digest, digest + digest_size);
  claims.nonce = nonce;
  claims.custom = c.custom_claims;
  IC_ASSIGN_OR_RETURN(Bytes claims_buffer, EncodeClaims(claims));
  digest_size = sizeof digest;
  if (int rc = c.crypto.ops->hash(c.crypto.state, RATS_TLS_HASH_SHA256, claims_buffer.data(), claims_buffer.size(),
                                  digest, &digest_size, &e);
      rc != 0) {
    return PluginError(cp, RATS_TLS_PLUGIN_CRYPTO_WRAPPER, "hash", e, rc);
  }
  uint8_t report_data[64] = {};
  memcpy(report_data, digest, std::min<size_t>(digest_size, 32));

  const Plugin& ap = c.attester->plugin;
  uint64_t tag = 0;
  rats_tls_bytes_t ev{};
  if (int rc = c.attester->ops->collect_evidence(c.attester->state, report_data, &tag, &ev, &e); rc != 0) {
    free(ev.data);
    return PluginError(ap, RATS_TLS_PLUGIN_ATTESTER, "collect evidence", e, rc);
  }
  Bytes evidence(ev.data, ev.data + ev.size);
  free(ev.data);

  std::vector<Bytes> values;
  std::vector<rats_tls_cert_extension_t> exts;
  if (!evidence.empty()) {
    IC_ASSIGN_OR_RETURN(Bytes tagged, EncodeTaggedEvidence(tag, evidence, claims_buffer));
    values.push_back(std::move(tagged));
    if ((c.flags & RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS) && c.attester->ops->collect_endorsements) {
      rats_tls_bytes_t en{};
      if (int rc = c.attester->ops->collect_endorsements(c.attester->state, tag, evidence.data(), evidence.size(),
                                                         &en, &e);
          rc != 0) {
        free(en.data);
        return PluginError(ap, RATS_TLS_PLUGIN_ATTESTER, "collect endorsements", e, rc);
      }
      Bytes item(en.data, en.data + en.size);
      free(en.data);
      IC_ASSIGN_OR_RETURN(Bytes tagged_en, EncodeTaggedEndorsements(tag, item));
      values.push_back(std::move(tagged_en));
    }
    exts.push_back({kTaggedEvidenceOid, false, values[0].data(), values[0].size()});
    if (values.size() > 1) exts.push_back({kEndorsementsOid, false, values[1].data(), values[1].size()});
  }
  int64_t now = NowSeconds();
  rats_tls_cert_request_t req{};
  req.key_der = key_der.data();
  req.key_size = key_der.size();
  req.subject_cn = kSubjectCn;
  req.subject_org = kSubjectOrg;
  req.not_before = now - kClockSkew;
  req.not_after = now + c.evidence_lifetime + kClockSkew;
  req.extensions = exts.data();
  req.extensions_count = exts.size();
  rats_tls_bytes_t cert{};
  if (int rc = c.crypto.ops->gen_cert(c.crypto.state, &req, &cert, &e); rc != 0) {
    free(cert.data);
    return PluginError(cp, RATS_TLS_PLUGIN_CRYPTO_WRAPPER, "make certificate", e, rc);
  }
  Bytes out(cert.data, cert.data + cert.size);
  free(cert.data);
  return out;
}

Result<> MakeIdentity(rtls_core_context_t& c) {
  rats_tls_error_t e{};
  rats_tls_bytes_t key{}, spki{};
  if (int rc = c.crypto.ops->gen_key(c.crypto.state, c.cert_algo, &key, &spki, &e); rc != 0) {
    free(key.data);
    free(spki.data);
    return PluginError(c.crypto.plugin, RATS_TLS_PLUGIN_CRYPTO_WRAPPER, "make key", e, rc);
  }
  Bytes key_der(key.data, key.data + key.size), spki_der(spki.data, spki.data + spki.size);
  OPENSSL_cleanse(key.data, key.size);
  free(key.data);
  free(spki.data);
  Bytes cert;
  if (!key_der.empty()) {
    IC_ASSIGN_OR_RETURN(cert, CertificateFor(c, key_der, spki_der, std::nullopt));
  }
  if (!c.key_der.empty()) OPENSSL_cleanse(c.key_der.data(), c.key_der.size());
  c.key_der = std::move(key_der);
  c.spki_der = std::move(spki_der);
  c.cert_der = std::move(cert);
  c.identity_expires = NowSeconds() + c.evidence_lifetime;
  return {};
}

Result<> Negotiate(rtls_core_context_t& c, int fd) {
  if (fd < 0) return InvalidArgument("negotiate: invalid file descriptor " + std::to_string(fd));
  if (c.session) {
    c.tls.ops->close_session(c.session);
    c.session = nullptr;
  }
  c.peer.reset();
  free_claims_list(c.peer_claims, c.peer_claims_length);
  c.peer_claims = nullptr;
  c.peer_claims_length = 0;
  rats_tls_error_t e{};
  if (c.attester && NowSeconds() >= c.identity_expires) {
    RTLS_INFO("rats-tls: evidence lifetime over: new key and evidence\n");
    IC_TRY(MakeIdentity(c));
    if (c.tls.ops->set_certificate) {
      if (int rc = c.tls.ops->set_certificate(c.tls.state, c.cert_der.data(), c.cert_der.size(), c.key_der.data(),
                                              c.key_der.size(), &e);
          rc != 0) {
        return PluginError(c.tls.plugin, RATS_TLS_PLUGIN_TLS_WRAPPER, "renew certificate", e, rc);
      }
    }
  }
  c.challenge.clear();
  if (c.freshness && c.verifies()) {
    c.challenge.resize(RATS_TLS_CHALLENGE_SIZE);
    if (RAND_bytes(c.challenge.data(), static_cast<int>(c.challenge.size())) != 1) {
      return Internal("freshness: no random bytes for the challenge");
    }
  }
  c.fd = fd;
  int rc = c.tls.ops->negotiate(c.tls.state, fd, c.challenge.empty() ? nullptr : c.challenge.data(),
                                c.challenge.size(), &c.session, &e);
  if (rc != 0) {
    c.session = nullptr;
    return Error(ErrorCode::kPermissionDenied, std::string("handshake: ") + e.msg);
  }
  return {};
}

}  // namespace inclavare::ratstls

rtls_core_context_t::~rtls_core_context_t() {
  if (session && tls.ops) tls.ops->close_session(session);
  free_claims_list(peer_claims, peer_claims_length);
  if (!key_der.empty()) OPENSSL_cleanse(key_der.data(), key_der.size());
}
