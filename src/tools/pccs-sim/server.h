// pccs-sim: an HTTP(S) server that answers the Intel PCS/PCCS collateral API
// (versions 3 and 4) with the SIMULATED SGX platform's collateral, so the
// PCCS client (attest/pccs.h) fetches sim collateral exactly as it fetches
// real collateral from a PCCS on SGX hardware.
//
//   PccsSimOptions o;
//   o.dir = "/var/lib/inclavare/sim";   // made by `sgx-tools sim init`
//   o.port = 0;                          // ephemeral
//   IC_ASSIGN_OR_RETURN(std::unique_ptr<PccsSim> pccs, PccsSim::Start(o));
//   // GET http://127.0.0.1:<pccs->port()>/sgx/certification/v4/qe/identity
//   pccs.reset();                        // stops the server
//
// Routes, for P in {/sgx/certification/v3, /sgx/certification/v4}; every
// file is relative to the state directory (enclave/sim/state.h):
//
//   GET P/tcb?fmspc=<12 hex digits>[&update=early|standard]
//       collateral/tcb_info.json; header TCB-Info-Issuer-Chain (v4) or
//       SGX-TCB-Info-Issuer-Chain (v3) = collateral/tcb_signing_chain.pem.
//       A malformed fmspc or update is 400; an FMSPC other than the sim
//       platform's (platform.json) is 404.
//   GET P/qe/identity[?update=early|standard]
//       collateral/qe_identity.json; header SGX-Enclave-Identity-Issuer-Chain
//       = collateral/tcb_signing_chain.pem.
//   GET P/pckcrl?ca=platform|processor[&encoding=pem|der]
//       collateral/pck_platform_ca.crl.pem, or .der for encoding=der;
//       header SGX-PCK-CRL-Issuer-Chain = pck_platform_ca.pem || root_ca.pem.
//       ca=processor is 404: the sim platform has only a Platform CA.
//   GET P/rootcacrl
//       the lowercase hex of collateral/root_ca.crl.der (as Intel's PCCS
//       answers, "for backward compatibility").
//   /tdx/certification/v4/...  404: the sim platform has no TDX.
//
// Issuer-chain headers are percent-encoded like JavaScript's
// encodeURIComponent (PCS does so: PEM has newlines). Values of ca and
// encoding are case-insensitive, as are the fmspc hex digits. Unknown query
// parameters are ignored (as PCCS does); a known one given twice is 400.
// Methods other than GET and HEAD are 405 (with Allow), other paths 404.
// Error bodies are a short plain-text reason.
//
// All files are read once by Start(); re-run Start after `sim init --force`.
// The server only reads public files: it needs no access to the platform's
// secret or private keys.
//
// Threading: requests are served by libmicrohttpd's internal polling thread;
// the loaded collateral is immutable. port() is safe from any thread; the
// destructor stops the server and waits for its thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"

struct MHD_Daemon;

namespace inclavare::sgx::pccs_sim {

// Connections are bounded and idle ones dropped, so a slow or stuck client
// cannot hold the server.
inline constexpr unsigned kConnectionLimit = 64;
inline constexpr unsigned kConnectionTimeoutSeconds = 10;

struct PccsSimOptions {
  std::string dir;                    // sim platform state directory
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 0;                  // 0: an ephemeral port (see port())
  // Both or neither: with both the server speaks HTTPS only.
  std::string tls_cert_file;          // PEM certificate (chain)
  std::string tls_key_file;           // PEM private key of that certificate
};

// The collateral as served; loaded from the state directory.
struct Collateral;

class PccsSim {
 public:
  // Loads every file (errors name the missing or bad file), binds and
  // starts serving. InvalidArgument for a bad address or a lone cert/key,
  // Unimplemented when libmicrohttpd lacks TLS but HTTPS was asked for,
  // Unavailable when the address cannot be bound.
  static Result<std::unique_ptr<PccsSim>> Start(const PccsSimOptions& options);
  ~PccsSim();
  PccsSim(const PccsSim&) = delete;
  PccsSim& operator=(const PccsSim&) = delete;

  // The bound port (the ephemeral one when options.port was 0).
  uint16_t port() const { return port_; }
  bool tls() const { return tls_; }

 private:
  PccsSim() = default;

  std::unique_ptr<const Collateral> collateral_;
  // Kept alive while the daemon runs: libmicrohttpd keeps the pointers.
  std::string tls_cert_pem_;
  std::string tls_key_pem_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
  bool tls_ = false;
};

// encodeURIComponent: keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ) and writes every
// other byte as %XX (uppercase hex). Exposed for tests.
std::string UriComponentEncode(std::string_view text);

}  // namespace inclavare::sgx::pccs_sim
