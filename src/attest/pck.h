// The Intel SGX PCK certificate extension (OID 1.2.840.113741.1.13.1), read
// with OpenSSL's ASN.1 APIs (Intel "SGX PCK Certificate and CRL Profile").
//
//   IC_ASSIGN_OR_RETURN(PckInfo pck, ParsePckExtensions(leaf));
//   if (pck.fmspc != tcb_info.fmspc) ...
//
// The extension is SEQUENCE OF SEQUENCE { OID, value }: PPID (.1, OCTET
// STRING 16), TCB (.2, SEQUENCE of {.2.1..2.16 INTEGER component SVNs, .2.17
// PCESVN INTEGER, .2.18 CPUSVN OCTET STRING}), PCE-ID (.3, OCTET STRING 2),
// FMSPC (.4, OCTET STRING 6), SGX type (.5, ENUMERATED). Missing TCB,
// PCE-ID or FMSPC is an InvalidArgument error; other members are optional.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>

#include "common/error.h"

namespace inclavare::attest {

inline constexpr char kSgxExtensionsOid[] = "1.2.840.113741.1.13.1";

struct PckInfo {
  std::array<uint8_t, 16> ppid{};
  std::array<uint8_t, 16> tcb_components{};  // SGX TCB component SVNs 1..16
  uint16_t pce_svn = 0;
  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 2> pce_id{};
  std::array<uint8_t, 6> fmspc{};
  int sgx_type = 0;  // 0 Standard, 1 Scalable, 2 Scalable with integrity
};

Result<PckInfo> ParsePckExtensions(X509* cert);

}  // namespace inclavare::attest
