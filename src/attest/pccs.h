// A client for Intel's Provisioning Certification Service (PCS) and its
// caching service (PCCS): fetches the DCAP collateral a quote is verified
// against, over HTTP(S) with libcurl, with an in-memory and an optional
// on-disk cache.
//
//   IC_ASSIGN_OR_RETURN(CollateralQuery q, CollateralQueryForQuote(quote));
//   IC_ASSIGN_OR_RETURN(PccsClient pccs, PccsClient::Create({.url = "https://pccs:8081"}));
//   IC_ASSIGN_OR_RETURN(Collateral c, pccs.Fetch(q));
//   IC_ASSIGN_OR_RETURN(Verdict v, VerifyQuote(quote, c, options));
//
// Requests (API v4; v3 has the same paths under /v3/):
//   GET {url}/{sgx|tdx}/certification/v4/tcb?fmspc=<hex>[&update=...]
//       body: {"tcbInfo":...,"signature":...}; chain in the header
//       TCB-Info-Issuer-Chain (v4) or SGX-TCB-Info-Issuer-Chain (v3)
//   GET {url}/{sgx|tdx}/certification/v4/qe/identity[?update=...]
//       chain in SGX-Enclave-Identity-Issuer-Chain
//   GET {url}/sgx/certification/v4/pckcrl?ca=platform|processor&encoding=der
//   GET {url}/sgx/certification/v4/rootcacrl   (PCCS only; hex, DER or PEM)
// Issuer chains come URL-encoded in the headers. Intel's PCS has no
// rootcacrl endpoint: when it answers 404 the Root CA CRL stays empty and
// the verifier warns (VerifyOptions::require_root_crl makes that an error).
//
// Nothing fetched is trusted: the collateral is verified by DcapVerifier
// (signatures chained to the configured root, dates, CRLs). TLS to the
// server protects availability and freshness (a man in the middle could
// replay old but still valid collateral), so server certificates are
// verified by default; `insecure` exists for a PCCS with a self-signed
// certificate when no CA file is at hand, as Intel's QCNL USE_SECURE_CERT.
//
// Cache: an entry is reused until the earlier of its document's nextUpdate
// (CRL nextUpdate) and `max_cache_age` after it was fetched, both against
// the verification time given to Fetch. Entries are keyed by URL. The disk
// cache (cache_dir, created 0700) holds one JSON file per URL; a corrupt
// file is ignored and refetched.
//
// Thread-safety: a PccsClient may be used from several threads (a mutex
// serialises requests and the cache).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "attest/collateral.h"
#include "common/error.h"

namespace inclavare::attest {

enum class PcsTee { kSgx, kTdx };

struct CollateralQuery {
  PcsTee tee = PcsTee::kSgx;
  std::array<uint8_t, 6> fmspc{};
  // The CA that issued the PCK certificate: "platform" or "processor".
  std::string ca = "platform";
};

// What to ask for a quote: the TEE from its header, FMSPC and PCK CA from
// the PCK certificate in its certification data (type 5). Parses only.
Result<CollateralQuery> CollateralQueryForQuote(std::span<const uint8_t> quote);

struct PccsOptions {
  // Base URL: scheme, host, optional port and path prefix, e.g.
  // "https://localhost:8081" or "https://api.trustedservices.intel.com".
  std::string url;
  int api_version = 4;  // 3 or 4
  // v4 "update" parameter for TCB Info and QE Identity: "" (server default),
  // "early" or "standard".
  std::string update;
  // PEM file of CA certificates for the server's TLS certificate (e.g. a
  // PCCS's self-signed one); empty: the system store.
  std::string ca_file;
  bool insecure = false;  // skip TLS server verification (see above)
  std::string cache_dir;  // empty: memory cache only
  int64_t max_cache_age = 24 * 3600;  // seconds
  long timeout_ms = 30000;
  size_t max_response_bytes = 4 << 20;
  // Transient failures (no connection, timeouts, HTTP 408, 429, 500, 502,
  // 503, 504) are retried this many times, as Intel's QCNL RETRY_TIMES;
  // anything else (404, a TLS verification failure) fails at once.
  int retries = 0;
  // Wait before each retry; negative: 1 s, doubled for each further retry
  // (QCNL's default when RETRY_DELAY is not set).
  long retry_delay_ms = -1;
};

class PccsClient {
 public:
  static Result<PccsClient> Create(const PccsOptions& options);

  // Collateral for `query`, valid for verification at `now` (Unix seconds)
  // as far as the cache can tell; the verifier decides.
  Result<Collateral> Fetch(const CollateralQuery& query, int64_t now);
  Result<Collateral> Fetch(const CollateralQuery& query);  // now

  struct Stats {
    int http_requests = 0;
    int memory_hits = 0;
    int disk_hits = 0;
    int retries = 0;  // requests repeated after a transient failure
  };
  Stats stats() const;

  PccsClient(PccsClient&&) noexcept;
  PccsClient& operator=(PccsClient&&) noexcept;
  ~PccsClient();

 private:
  struct State;
  PccsClient() = default;
  std::unique_ptr<State> state_;
};

// Intel's QCNL configuration: the file with which the DCAP quote provider
// library (libdcap_quoteprov) is pointed at a PCCS, so that a machine set
// up for DCAP verification needs no further settings here.
//
//   JSON (DCAP 1.14 and later; // comments allowed):
//     {"pccs_url": "https://pccs:8081/sgx/certification/v4/",
//      "use_secure_cert": false, "collateral_service": "https://...",
//      "retry_times": 6, "retry_delay": 10,
//      "verify_collateral_cache_expire_hours": 168, ...}
//   legacy "KEY=VALUE" lines (# comments, blanks ignored):
//     PCCS_URL=... USE_SECURE_CERT=FALSE COLLATERAL_SERVICE=...
//     RETRY_TIMES=... RETRY_DELAY=... VERIFY_COLLATERAL_CACHE_EXPIRE_HOURS=...
//
// Collateral comes from collateral_service when set, else from pccs_url;
// the URL must end in /sgx/certification/v3/ or /v4/ (or /tdx/...), which
// gives the API version (QCNL derives the TDX paths from it the same way).
// pccs_api_version ("3.0" hex CRLs, "3.1" DER) needs nothing: both CRL
// encodings are accepted. Keys about PCK certificate retrieval
// (local_pck_url, pck_cache_expire_hours, custom_request_options,
// local_cache_only) do not apply to verification and are ignored; a key of
// the wrong type or a bad URL is an error naming it.
Result<PccsOptions> ParseQcnlConfig(std::string_view text);

// Where QCNL reads it: $QCNL_CONF_PATH, else /etc/sgx_default_qcnl.conf.
std::string QcnlConfigPath();

// Reads and parses the file at `path`; refuses a symbolic link, as QCNL.
// NotFound when there is no such file.
Result<PccsOptions> LoadQcnlConfig(const std::string& path);

// Percent-decoding of an issuer-chain header value ("%20" -> ' ', and '+'
// left alone as PCS encodes spaces as %20). InvalidArgument on a bad escape.
Result<std::string> PercentDecode(std::string_view text);

}  // namespace inclavare::attest
