// AESM wire format pieces shared by the client (client.h) and the sim daemon
// (tools/aesmd-sim): framing, error codes and the binary structures carried
// in `bytes` fields.
//
// Framing: every message is a 4-byte little-endian length, then that many
// bytes of a serialized aesm.message.Request or Response (aesm.proto).
//
//   IC_TRY(SendFrame(fd, request.SerializeAsString()));
//   IC_ASSIGN_OR_RETURN(std::string bytes, RecvFrame(fd, kMaxFrame));
//
// Thread-compatible free functions; fds are borrowed.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"
#include "enclave/sgx/arch.h"

namespace inclavare::sgx::aesm {

inline constexpr char kDefaultSocket[] = "/var/run/aesmd/aesm.socket";
// Upper bound for one message; quotes with a PEM chain are ~5 KiB.
inline constexpr size_t kMaxFrame = 1 << 20;

// aesm_error_t values this project produces or interprets (Intel's
// aesm_error.h); any other non-zero value is reported by number.
enum class AesmError : uint32_t {
  kSuccess = 0,
  kUnexpected = 1,
  kNoDevice = 2,
  kParameter = 3,
};
std::string AesmErrorName(uint32_t code);

// Writes one frame; retries short writes and EINTR.
Result<> SendFrame(int fd, std::string_view payload);
// Reads one frame. NotFound("connection closed") on EOF before the length,
// InvalidArgument for frames larger than max_size, Unavailable on timeout.
Result<std::string> RecvFrame(int fd, size_t max_size);

// sgx_att_key_id_ext_t (256 bytes): which quoting enclave and algorithm a
// quote-ex request means. Only the fields DCAP uses are named.
struct __attribute__((packed)) AttKeyId {
  uint16_t id;
  uint16_t version;
  uint16_t mrsigner_length;              // 32 for SHA-256 MRSIGNERs
  std::array<uint8_t, 48> mrsigner;      // the QE's MRSIGNER, zero-padded
  uint32_t prod_id;                      // the QE's ISVPRODID
  std::array<uint8_t, 16> extended_prod_id;
  std::array<uint8_t, 64> config_id;
  std::array<uint8_t, 16> family_id;
  uint32_t algorithm_id;                 // kAlgEcdsaP256 for DCAP
  std::array<uint8_t, 16> spid;          // EPID only
  uint16_t att_key_type;                 // EPID only
  uint8_t reserved[80];
};
static_assert(sizeof(AttKeyId) == 256);
IC_SGX_OFFSET(AttKeyId, algorithm_id, 154);
// sgx_ql_att_key_id_list_header_t: the start of an sgx_ql_att_key_id_list_t,
// followed by num_att_ids AttKeyIds (SelectAttKeyID's att_key_id_list).
struct __attribute__((packed)) AttKeyIdListHeader {
  uint16_t id;
  uint16_t version;
  uint32_t num_att_ids;
};
static_assert(sizeof(AttKeyIdListHeader) == 8);

inline constexpr uint32_t kAlgEpid = 0;
inline constexpr uint32_t kAlgEcdsaP256 = 2;

// sgx_ql_qe_report_info_t (960 bytes): a nonce and the app's TARGETINFO in,
// the QE's REPORT (report_data = SHA-256(nonce || quote) || 0^32) out.
struct __attribute__((packed)) QeReportInfo {
  std::array<uint8_t, 16> nonce;
  TargetInfo app_enclave_target_info;
  Report qe_report;
};
static_assert(sizeof(QeReportInfo) == 960);

}  // namespace inclavare::sgx::aesm
