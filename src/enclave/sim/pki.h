// The sim platform's X.509 side: the Intel SGX PCK certificate extension
// (OID 1.2.840.113741.1.13.1), certificate and CRL issuing.
//
// The SGX extension follows Intel's "SGX PCK Certificate and CRL Profile":
// a SEQUENCE of SEQUENCE { OID, value }:
//
//   .1  PPID                 OCTET STRING (16)
//   .2  TCB                  SEQUENCE OF SEQUENCE { OID, value }:
//         .2.1 .. .2.16      SGX TCB component SVNs, INTEGER
//         .2.17              PCESVN, INTEGER
//         .2.18              CPUSVN, OCTET STRING (16)
//   .3  PCE-ID               OCTET STRING (2)
//   .4  FMSPC                OCTET STRING (6)
//   .5  SGX Type             ENUMERATED (0 Standard, 1 Scalable,
//                            2 Scalable with integrity)
//   .6  Platform Instance ID OCTET STRING (16)   } only in certificates
//   .7  Configuration        SEQUENCE OF {OID,   } issued by the PCK
//         .7.1 dynamic platform, .7.2 cached     } Platform CA
//         keys, .7.3 SMT enabled: BOOLEAN }      }
//
// (all OIDs under 1.2.840.113741.1.13.1). The DER is built and parsed with
// OpenSSL's ASN1_TYPE / ASN1_SEQUENCE_ANY APIs, never by concatenating bytes.
//
//   IC_ASSIGN_OR_RETURN(std::vector<uint8_t> der, EncodeSgxExtension(ext));
//   CertSpec spec;  spec.common_name = "...";  spec.sgx_extension = der; ...
//   IC_ASSIGN_OR_RETURN(X509Ptr cert, IssueCertificate(spec));
//
// Thread-compatible, no global state.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sim/ossl.h"

namespace inclavare::sgx::sim {

inline constexpr char kSgxExtensionsOid[] = "1.2.840.113741.1.13.1";

enum class SgxType : uint32_t { kStandard = 0, kScalable = 1, kScalableWithIntegrity = 2 };

struct SgxPlatformConfiguration {
  bool dynamic_platform = false;
  bool cached_keys = false;
  bool smt_enabled = false;
};

struct SgxExtension {
  std::array<uint8_t, 16> ppid{};
  std::array<uint8_t, 16> tcb_comp_svn{};  // SGX TCB components 1..16
  uint16_t pce_svn = 0;
  CpuSvn cpu_svn{};
  std::array<uint8_t, 2> pce_id{};
  std::array<uint8_t, 6> fmspc{};
  SgxType sgx_type = SgxType::kStandard;
  std::optional<std::array<uint8_t, 16>> platform_instance_id;
  std::optional<SgxPlatformConfiguration> configuration;
};

// DER of the extension value (the SEQUENCE above).
Result<std::vector<uint8_t>> EncodeSgxExtension(const SgxExtension& ext);
// Parses the extension value; InvalidArgument naming what is missing or
// malformed. Unknown OIDs are ignored (newer profiles add fields).
Result<SgxExtension> DecodeSgxExtension(std::span<const uint8_t> der);
// The SGX extension of a certificate; NotFound when it has none.
Result<SgxExtension> CertSgxExtension(X509* cert);

struct CertSpec {
  std::string common_name;                    // CN
  std::string organization = "Inclavare Containers (SIMULATED)";
  EVP_PKEY* subject_key = nullptr;            // public half is certified
  X509* issuer = nullptr;                     // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;             // signs (ECDSA-SHA256)
  bool ca = false;
  int path_len = -1;                          // CA only; -1: no limit
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  std::optional<std::vector<uint8_t>> sgx_extension;  // EncodeSgxExtension()
};

// An X.509 v3 certificate with a random 20-byte serial, SKI (and AKI when
// issued), critical basicConstraints and keyUsage (keyCertSign+cRLSign for
// CAs, digitalSignature+nonRepudiation otherwise, as Intel's profile has),
// and the SGX extension when given (non-critical).
Result<X509Ptr> IssueCertificate(const CertSpec& spec);

// An empty v2 CRL (no revoked certificates) with CRL number 1 and AKI.
Result<X509CrlPtr> IssueCrl(X509* issuer, EVP_PKEY* issuer_key, std::time_t this_update,
                            std::time_t next_update);

}  // namespace inclavare::sgx::sim
