// The DCAP quote verification behind the sgx_ecdsa and tdx_ecdsa verifier
// plugins: chooses the collateral and trust anchors from the plugin settings,
// keeps attest::DcapVerifier instances (each validates its collateral once
// and caches PCK chains and QE reports), and fills the verified evidence.
//
// Collateral, in order:
//  1. the endorsements that came with the evidence (the certificate's
//     endorsements extension): DecodeDcapEndorsements -> ToCollateral;
//     verifiers are cached by the endorsement bytes (at most
//     kMaxEndorsementVerifiers, least recently used evicted);
//  2. settings.collateral: a dcap-qvl collateral JSON file, a directory
//     (LoadDcapEndorsementsDir), or the base URL of an Intel PCS/PCCS
//     ("https://..." or "http://...", attest/pccs.h): the collateral for the
//     quote's FMSPC and PCK CA is fetched (and cached until its nextUpdate);
//     verifiers are kept per (TEE, FMSPC, CA), at most
//     kMaxEndorsementVerifiers;
//  3. <sim_dir>/collateral when the sim platform is configured;
//  else the error "no collateral for the quote: ...".
// Trust anchors: settings.root_ca_file; else, with sim_dir, the sim root
// <sim_dir>/root_ca.pem; else the built-in Intel SGX Root CA. Quotes from the
// simulated QE are accepted only when sim_dir is set (and must still chain to
// the anchors); otherwise they fail first, before any collateral is read:
// "the quote comes from the SIMULATED quoting enclave, ...".
// Time: settings.verify_time, else now; with "now" a cached verifier is
// rebuilt every kRefreshSeconds and once its collateral's earliest nextUpdate
// has passed, so expiry and renewed collateral files are noticed.
//
// Thread-compatible (plugin.h: a state is used by one thread at a time).
#pragma once

#include <rats-tls/plugin.h>

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "attest/dcap_verify.h"
#include "attest/pccs.h"
#include "common/error.h"
#include "ratstls/plugins/verifiers/common/verifier_util.h"

namespace inclavare::ratstls::verifiers {

class DcapQuoteVerifier {
 public:
  enum class Tee { kSgx, kTdx };
  static constexpr size_t kMaxEndorsementVerifiers = 16;
  static constexpr int64_t kRefreshSeconds = 60;

  // Reads the trust anchors now (errors name the file), and Intel's QCNL
  // configuration ($QCNL_CONF_PATH or /etc/sgx_default_qcnl.conf) when
  // neither conf.ext.collateral nor sim_dir is set: a machine set up for
  // DCAP gets its collateral from its PCCS, as with Intel's libraries. A
  // malformed QCNL file, or a non-empty $QCNL_CONF_PATH naming no file, is an error
  // here. Collateral is fetched when first needed.
  static Result<std::unique_ptr<DcapQuoteVerifier>> Create(const rats_tls_plugin_env_t* env, Tee tee);

  // Verifies the quote (SGX for kSgx, TDX v4/v5 for kTdx) with the
  // collateral above, applies the policy and fills out. Does not check the
  // report data binding (the core does).
  Result<> Verify(std::span<const uint8_t> quote, std::span<const uint8_t> endorsements,
                  rats_tls_verified_evidence_t* out);

  // Counters for tests: how many DcapVerifiers were built.
  size_t verifiers_built() const { return built_; }

 private:
  struct Cached {
    std::string key;  // the endorsement bytes ("" for the configured source)
    attest::DcapVerifier verifier;
    int64_t valid_until = 0;  // earliest nextUpdate of the collateral, 0: unknown
    int64_t built_at = 0;
  };

  DcapQuoteVerifier(VerifierSettings settings, Tee tee) : settings_(std::move(settings)), tee_(tee) {}
  bool Stale(const Cached& c) const;
  Result<Cached> Build(const attest::Collateral& collateral, std::string key) const;
  Result<const Cached*> ForEndorsements(std::span<const uint8_t> endorsements);
  Result<const Cached*> ForConfigured();
  Result<const Cached*> ForPccs(std::span<const uint8_t> quote);
  // Looks key up in list (most recently used first), dropping a stale hit.
  const Cached* Find(std::list<Cached>& list, std::string_view key);
  const Cached* Insert(std::list<Cached>& list, Cached built);
  Result<attest::Collateral> ConfiguredCollateral() const;

  VerifierSettings settings_;
  Tee tee_;
  attest::VerifyOptions options_;  // trust anchors and sim QE; time set per build
  std::optional<Cached> configured_;
  std::list<Cached> by_endorsements_;  // most recently used first
  // When settings.collateral is a URL, or, with no collateral and no
  // sim_dir set, when Intel's QCNL configuration names a PCCS.
  std::optional<attest::PccsClient> pccs_;
  std::string pccs_source_;  // for errors: the URL or the QCNL file
  std::list<Cached> by_pccs_;               // keyed by TEE, FMSPC and CA
  size_t built_ = 0;
};

// The earliest nextUpdate of the collateral's TCB Info, QE identity and
// CRLs (0 when none can be read).
int64_t CollateralValidUntil(const attest::Collateral& c);

}  // namespace inclavare::ratstls::verifiers
