// A client of the AESM service (Intel's aesmd, or the project's aesmd-sim):
// the same code serves hardware and the sim platform, because both speak the
// AESM protocol on a unix socket (wire.h, aesm.proto).
//
//   aesm::Client aesm;                                   // /var/run/aesmd/aesm.socket
//   IC_ASSIGN_OR_RETURN(aesm::QeTarget qe, aesm.InitQuoteEx());
//   ... the enclave makes a REPORT targeted at qe.target_info ...
//   IC_ASSIGN_OR_RETURN(std::vector<uint8_t> quote, aesm.GetQuote(report));
//
// Each call opens its own connection (as Intel's uRTS does), sends one
// Request, reads one Response, and closes. A non-zero AESM error code becomes
// an Error whose message names it ("AESM_PARAMETER_ERROR"); a daemon that is
// not running is Unavailable. Only DCAP (ECDSA) quotes are supported: EPID
// quote types are refused by the client before anything is sent.
//
// Thread-safe: calls share no mutable state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "enclave/aesm/wire.h"
#include "enclave/sgx/arch.h"

namespace inclavare::sgx::aesm {

struct QeTarget {
  TargetInfo target_info{};
  std::vector<uint8_t> pub_key_id;  // SHA-256 of the attestation key (if asked)
};

struct QuoteWithQeReport {
  std::vector<uint8_t> quote;
  QeReportInfo qe_report_info{};
};

class Client {
 public:
  explicit Client(std::string socket_path = kDefaultSocket,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60))
      : socket_path_(std::move(socket_path)), timeout_(timeout) {}

  const std::string& socket_path() const { return socket_path_; }

  // InitQuoteEx: the quoting enclave's TARGETINFO for the given attestation
  // key id (empty: the daemon's default, ECDSA P-256); with want_pub_key_id
  // also the public key id.
  Result<QeTarget> InitQuoteEx(const std::optional<AttKeyId>& att_key_id = std::nullopt,
                               bool want_pub_key_id = false) const;
  // GetQuoteSizeEx.
  Result<uint32_t> GetQuoteSizeEx(const std::optional<AttKeyId>& att_key_id = std::nullopt) const;
  // GetQuoteEx with a buffer of buf_size bytes (use GetQuoteSizeEx()).
  Result<std::vector<uint8_t>> GetQuoteEx(const Report& report, uint32_t buf_size,
                                          const std::optional<AttKeyId>& att_key_id = std::nullopt) const;
  // GetQuoteEx with a QE report for the app enclave: qe_report_info carries
  // the app's TARGETINFO and a nonce in, the QE's REPORT out.
  Result<QuoteWithQeReport> GetQuoteExWithQeReport(const Report& report, uint32_t buf_size,
                                                   const QeReportInfo& qe_report_info,
                                                   const std::optional<AttKeyId>& att_key_id = std::nullopt) const;
  // GetSupportedAttKeyIDNum / GetSupportedAttKeyIDs.
  Result<std::vector<AttKeyId>> GetSupportedAttKeyIds() const;
  // SelectAttKeyID: the daemon picks the attestation key id to use among
  // `acceptable` (a verifier's list, sent as sgx_ql_att_key_id_list_t); an
  // empty list lets it pick any it supports. An AESM error when none fits.
  Result<AttKeyId> SelectAttKeyId(std::span<const AttKeyId> acceptable = {}) const;
  // Legacy InitQuote: the QE's TARGETINFO (and the EPID group id, which the
  // sim platform leaves zero).
  Result<TargetInfo> InitQuote() const;

  // Legacy GetLaunchToken: an EINITTOKEN for the enclave (platforms with
  // flexible launch control, like the sim one, hand out an all-zero token).
  Result<EinitToken> GetLaunchToken(const Measurement256& mr_enclave, const Measurement256& mr_signer,
                                    const Attributes& attributes) const;

  // GetQuoteSizeEx + GetQuoteEx.
  Result<std::vector<uint8_t>> GetQuote(const Report& report,
                                        const std::optional<AttKeyId>& att_key_id = std::nullopt) const;

  // One raw exchange: a serialized Request in, a serialized Response out.
  Result<std::string> Transact(const std::string& request) const;

 private:
  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace inclavare::sgx::aesm
