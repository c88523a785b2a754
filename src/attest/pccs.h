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

// Percent-decoding of an issuer-chain header value ("%20" -> ' ', and '+'
// left alone as PCS encodes spaces as %20). InvalidArgument on a bad escape.
Result<std::string> PercentDecode(std::string_view text);

}  // namespace inclavare::attest
