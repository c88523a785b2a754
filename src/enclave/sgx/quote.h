// Intel DCAP quotes: SGX quote v3, TDX quote v4 and v5 (ECDSA attestation).
//
// Layouts follow Intel's "SGX ECDSA Quote Library API" (quote v3) and "TDX
// DCAP Quoting Library API" (quote v4, v5, appendix A) documents:
//
//   v3:  header(48) | SGX report body(384)             | sig_len u32 | sig data
//   v4:  header(48) | TD report(584) (SGX: 384)         | sig_len u32 | sig data
//   v5:  header(48) | body type u16 | body size u32 | body | sig_len u32 | sig data
//
//   sig data v3:    ECDSA sig(64) | attestation key(64) | QE report(384)
//                   | QE report sig(64) | QE auth (u16 size + data)
//                   | cert data (u16 type + u32 size + data)
//   sig data v4/v5: ECDSA sig(64) | attestation key(64)
//                   | cert data type 6 (u16 + u32 size) wrapping:
//                       QE report(384) | QE report sig(64) | QE auth | cert data
//
// Usage:
//
//   IC_ASSIGN_OR_RETURN(QuoteView q, ParseQuote(bytes));   // bytes outlive q
//   if (const auto* td = q.td_report()) Use(td->mr_td);
//   IC_ASSIGN_OR_RETURN(std::string_view pem, q.PckChainPem());
//
// ParseQuote takes untrusted bytes. It checks every length against what is
// left of the buffer before reading, copies fixed-size structures out with
// memcpy (no alignment assumptions), and returns InvalidArgument errors that
// name the field, e.g. "quote: certification data size 5000 exceeds remaining
// 120 bytes". It takes all lengths from the quote's own fields: bytes after
// the signature data (padding some TDX stacks add) are ignored, and
// QuoteView::size is the length the fields give. Accepted: versions 3..5,
// attestation key type 2 (ECDSA-256-with-P-256), TEE type SGX or TDX (v3:
// SGX only; v5: body type must match the TEE type and its size); v4/v5 must
// carry certification data type 6. Bytes inside the signature data after the
// certification data are tolerated. It checks structure only: no signature,
// certificate or policy check happens here (that is the verifier's job).
//
// A QuoteView borrows: its spans and string_views point into the parsed
// buffer, which must outlive it. Fixed-size parts are copies.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "common/error.h"
#include "enclave/sgx/arch.h"

namespace inclavare::sgx {

enum class TeeType : uint32_t { kSgx = 0x00000000, kTdx = 0x00000081 };

enum class AttestationKeyType : uint16_t {
  kEcdsa256P256 = 2,
  kEcdsa384P384 = 3,  // defined by the spec, not produced by Intel's QE
};

// Certification data types (Quote Library API, "Certification Data").
enum class CertDataType : uint16_t {
  kPpidCleartext = 1,
  kPpidRsa2048Oaep = 2,
  kPpidRsa3072Oaep = 3,
  kPckLeafCert = 4,
  kPckCertChain = 5,      // PEM: PCK cert, intermediate CA, root CA
  kQeReportCertData = 6,  // v4/v5: QE report + sig + auth data + inner cert data
  kPlatformManifest = 7,
};
// "PCK_CERT_CHAIN" etc.; "UNKNOWN" for other values.
const char* CertDataTypeName(uint16_t type);

// Quote v5 body descriptor types.
enum class BodyType : uint16_t {
  kSgxReport = 1,   // 384 bytes
  kTdReport10 = 2,  // TDX 1.0, 584 bytes
  kTdReport15 = 3,  // TDX 1.5, 648 bytes
};

// Intel's QE vendor id 939a7233-f79c-4ca9-940a-0db3957f0607.
inline constexpr std::array<uint8_t, 16> kIntelQeVendorId = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c,
                                                             0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3,
                                                             0x95, 0x7f, 0x06, 0x07};
// The QE vendor id of the simulated quoting enclave (src/enclave/sim):
// 5c1e7a0d-3b52-4f5e-9d2a-51b0c0de51a0. Never Intel's, so a sim quote cannot
// pass for one from Intel's QE; verifiers accept it only when told to and
// with the sim root as an explicitly configured trust anchor.
inline constexpr std::array<uint8_t, 16> kSimQeVendorId = {0x5c, 0x1e, 0x7a, 0x0d, 0x3b, 0x52, 0x4f, 0x5e,
                                                           0x9d, 0x2a, 0x51, 0xb0, 0xc0, 0xde, 0x51, 0xa0};

struct __attribute__((packed)) QuoteHeader {
  uint16_t version;        // 3, 4 or 5
  uint16_t att_key_type;   // AttestationKeyType
  uint32_t tee_type;       // TeeType; reserved (0) in v3
  uint16_t qe_svn;         // v3; reserved (0) in v4/v5
  uint16_t pce_svn;        // v3; reserved (0) in v4/v5
  std::array<uint8_t, 16> qe_vendor_id;
  std::array<uint8_t, 20> user_data;  // first 16 bytes: platform identifier
};

using Mr384 = std::array<uint8_t, 48>;  // TDX measurements are SHA-384

// TDX 1.0 TD report body in a quote (TD quote body).
struct __attribute__((packed)) TdReport10 {
  std::array<uint8_t, 16> tee_tcb_svn;
  Mr384 mr_seam;
  Mr384 mr_signer_seam;
  std::array<uint8_t, 8> seam_attributes;
  std::array<uint8_t, 8> td_attributes;
  std::array<uint8_t, 8> xfam;
  Mr384 mr_td;
  Mr384 mr_config_id;
  Mr384 mr_owner;
  Mr384 mr_owner_config;
  Mr384 rtmr0;
  Mr384 rtmr1;
  Mr384 rtmr2;
  Mr384 rtmr3;
  ReportData report_data;
};

// TDX 1.5 adds two fields at the end.
struct __attribute__((packed)) TdReport15 {
  TdReport10 base;
  std::array<uint8_t, 16> tee_tcb_svn2;
  Mr384 mr_service_td;
};

static_assert(sizeof(QuoteHeader) == 48);
IC_SGX_OFFSET(QuoteHeader, tee_type, 4);
IC_SGX_OFFSET(QuoteHeader, qe_svn, 8);
IC_SGX_OFFSET(QuoteHeader, pce_svn, 10);
IC_SGX_OFFSET(QuoteHeader, qe_vendor_id, 12);
IC_SGX_OFFSET(QuoteHeader, user_data, 28);
static_assert(sizeof(TdReport10) == 584);
IC_SGX_OFFSET(TdReport10, mr_seam, 16);
IC_SGX_OFFSET(TdReport10, mr_signer_seam, 64);
IC_SGX_OFFSET(TdReport10, seam_attributes, 112);
IC_SGX_OFFSET(TdReport10, td_attributes, 120);
IC_SGX_OFFSET(TdReport10, xfam, 128);
IC_SGX_OFFSET(TdReport10, mr_td, 136);
IC_SGX_OFFSET(TdReport10, mr_config_id, 184);
IC_SGX_OFFSET(TdReport10, mr_owner, 232);
IC_SGX_OFFSET(TdReport10, mr_owner_config, 280);
IC_SGX_OFFSET(TdReport10, rtmr0, 328);
IC_SGX_OFFSET(TdReport10, rtmr3, 472);
IC_SGX_OFFSET(TdReport10, report_data, 520);
static_assert(sizeof(TdReport15) == 648);
IC_SGX_OFFSET(TdReport15, tee_tcb_svn2, 584);
IC_SGX_OFFSET(TdReport15, mr_service_td, 600);

using QuoteBody = std::variant<ReportBody, TdReport10, TdReport15>;

struct QuoteView {
  QuoteHeader header{};
  BodyType body_type = BodyType::kSgxReport;
  QuoteBody body;
  // Header and body bytes exactly as signed by the attestation key (for v5
  // including the body descriptor).
  std::span<const uint8_t> signed_data;

  std::array<uint8_t, 64> signature{};        // ECDSA r || s, big-endian each
  std::array<uint8_t, 64> attestation_key{};  // P-256 x || y, big-endian each
  ReportBody qe_report{};
  std::array<uint8_t, 64> qe_report_signature{};  // by the PCK key
  // The 384 bytes of the QE report as in the quote (what the PCK key signed).
  std::span<const uint8_t> qe_report_bytes;
  std::span<const uint8_t> qe_auth_data;

  // The outer certification data type: 6 for v4/v5, typically 5 for v3.
  uint16_t outer_cert_data_type = 0;
  // The certification data after unwrapping type 6: typically 5 (PCK chain).
  uint16_t cert_data_type = 0;
  std::span<const uint8_t> cert_data;

  // Bytes the quote occupies according to its own length fields; the input
  // may be longer (padding).
  size_t size = 0;

  uint16_t version() const { return header.version; }
  bool is_tdx() const { return header.tee_type == static_cast<uint32_t>(TeeType::kTdx); }
  // The SGX enclave report body, or nullptr for TDX quotes.
  const ReportBody* sgx_report() const { return std::get_if<ReportBody>(&body); }
  // The TDX 1.0 part of a TD report (also for TDX 1.5 bodies), or nullptr.
  const TdReport10* td_report() const;
  // The TDX 1.5 body, or nullptr.
  const TdReport15* td_report15() const { return std::get_if<TdReport15>(&body); }

  // The PCK certificate chain (PEM text, trailing NULs stripped) when the
  // certification data is type 5; otherwise a FailedPrecondition error.
  Result<std::string_view> PckChainPem() const;
};

Result<QuoteView> ParseQuote(std::span<const uint8_t> bytes);

}  // namespace inclavare::sgx
