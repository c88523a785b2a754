// The Rats-TLS handle (rats_tls_handle = rtls_core_context_t *): the
// configuration, the chosen plugins with their states, this side's key,
// evidence and certificate, the current connection, and the peer
// verification pipeline (verify.cc).
#pragma once

#include <rats-tls/api.h>
#include <rats-tls/plugin.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "ratstls/core/internal.h"

namespace inclavare::ratstls {

using Bytes = std::vector<uint8_t>;

// A plugin chosen for a handle, with its state; cleans up on destruction.
template <typename Ops>
struct Instance {
  Plugin plugin;
  const Ops* ops = nullptr;
  void* state = nullptr;
  Instance() = default;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance() {
    if (ops && ops->cleanup && state) ops->cleanup(state);
  }
};

// What verification of a peer certificate established.
struct VerifiedPeer {
  rats_tls_verified_evidence_t v{};
  std::string evidence_type;  // "sgx_ecdsa", ..., "none"
  std::string verifier;       // the verifier plugin's name
  Bytes evidence;             // the raw evidence (quote, report)
  std::vector<std::pair<std::string, Bytes>> custom_claims;
  std::optional<Bytes> nonce;
  std::string claims_json;    // the verifier's claims JSON ("null" when none)
  int64_t cache_until = 0;
};

}  // namespace inclavare::ratstls

struct rtls_core_context_t {
  using Bytes = inclavare::ratstls::Bytes;

  // configuration
  unsigned long flags = 0;
  rats_tls_log_level_t log_level = RATS_TLS_LOG_LEVEL_DEFAULT;
  rats_tls_cert_algo_t cert_algo = RATS_TLS_CERT_ALGO_ECC_256_SHA256;
  std::string attester_name, verifier_name, tls_name, crypto_name;
  std::vector<std::pair<std::string, Bytes>> custom_claims;
  std::string policy_json, root_ca_file, collateral, sim_dir, aesm_socket, snp_vcek_file, snp_ask_ark_file,
      plugin_dir;
  unsigned int evidence_lifetime = 3600;
  bool freshness = false;
  bool debug_enclave = false;
  int64_t verify_time = 0;
  rats_tls_plugin_env_t env{};

  // plugins
  inclavare::ratstls::Instance<rats_tls_crypto_ops_t> crypto;
  std::unique_ptr<inclavare::ratstls::Instance<rats_tls_attester_ops_t>> attester;  // null: no identity needed
  std::map<std::string, std::unique_ptr<inclavare::ratstls::Instance<rats_tls_verifier_ops_t>>> verifiers;
  inclavare::ratstls::Instance<rats_tls_tls_ops_t> tls;

  // this side's identity
  Bytes key_der, spki_der, cert_der;
  int64_t identity_expires = 0;

  // the current connection
  void* session = nullptr;
  int fd = -1;
  Bytes challenge;  // what this side sent (freshness)
  std::optional<inclavare::ratstls::VerifiedPeer> peer;
  claim_t* peer_claims = nullptr;  // for the callback, owned
  size_t peer_claims_length = 0;

  rats_tls_callback_t user_callback = nullptr;
  std::string last_error;
  std::map<Bytes, inclavare::ratstls::VerifiedPeer> verify_cache;  // by SHA-256 of the cert

  ~rtls_core_context_t();

  bool is_server() const { return flags & RATS_TLS_CONF_FLAGS_SERVER; }
  bool is_mutual() const { return flags & RATS_TLS_CONF_FLAGS_MUTUAL; }
  // This side presents attested certificates.
  bool attests() const { return is_server() || is_mutual(); }
  // This side verifies the peer.
  bool verifies() const { return !is_server() || is_mutual(); }
};

namespace inclavare::ratstls {

Result<std::unique_ptr<rtls_core_context_t>> CreateContext(const rats_tls_conf_t& conf);
// A new key, evidence and certificate (nonce: the peer's challenge).
Result<> MakeIdentity(rtls_core_context_t& c);
Result<Bytes> CertificateFor(rtls_core_context_t& c, const Bytes& key_der, const Bytes& spki_der,
                             const std::optional<Bytes>& nonce);
Result<> Negotiate(rtls_core_context_t& c, int fd);
// verify.cc
Result<> VerifyPeerCertificate(rtls_core_context_t& c, std::span<const uint8_t> cert_der,
                               std::span<const uint8_t> challenge);
std::string PeerToJson(const VerifiedPeer& p);
int64_t NowSeconds();

}  // namespace inclavare::ratstls
