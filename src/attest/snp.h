// AMD SEV-SNP attestation reports: parsing and verification against the
// VCEK (or VLEK) certificate and the AMD ASK/ARK chain.
//
//   IC_ASSIGN_OR_RETURN(SnpReport r, ParseSnpReport(report_bytes));
//   SnpVerifyOptions o;  o.required_stepping = 0;
//   IC_ASSIGN_OR_RETURN(SnpVerdict v, VerifySnpReport(report_bytes, vcek_der, ask_ark_pem, o));
//   IC_TRY(CheckPolicy(policy, v.claims, TcbStatus::kUpToDate));
//
// Facts from AMD's "SEV Secure Nested Paging Firmware ABI Specification"
// (ATTESTATION_REPORT structure) and "Versioned Chip Endorsement Key (VCEK)
// Certificate and KDS Interface Specification":
//  * the report is 0x4A0 bytes; version (u32 at 0x00) >= 2; SIGNATURE_ALGO
//    (u32 at 0x34) 1 = ECDSA P-384 with SHA-384; the signature covers bytes
//    0x000..0x29F; at 0x2A0 R and S, each a 72-byte little-endian integer.
//  * TCB_VERSION (u64) for Milan/Genoa: byte 0 boot loader, 1 TEE, 6 SNP,
//    7 microcode; Turin: 0 FMC, 1 boot loader, 2 TEE, 3 SNP, 7 microcode.
//  * VCEK extensions under 1.3.6.1.4.1.3704.1: .2 productName ("Milan-B0"),
//    .3.1 blSPL, .3.2 teeSPL, .3.3 snpSPL, .3.8 ucodeSPL, .3.9 fmcSPL,
//    .4 hwID (chip id); the chain VCEK -> ASK -> ARK is RSA-PSS (SHA-384).
// Verification: ARK self-signed, ASK by ARK, VCEK/VLEK by ASK, all valid at
// the verification time; report signature by the VCEK; the VCEK's SPLs equal
// the report's REPORTED_TCB; hwID equals CHIP_ID (VCEK only, unless the
// report masks the chip id); product name of the VCEK matches the ARK's
// ("ARK-Milan"); optional required product and stepping ("expected product
// stepping 12, got 0").
//
// Trust anchors: the AMD ARKs built in (roots.h: Milan, Genoa, Turin) unless
// SnpVerifyOptions::ark_pem is given, which then replaces them (as
// VerifyOptions::root_ca_pem does for Intel's root). The ASK/ARK passed with
// the report is optional: an ASK (or ASVK) there is tried before the
// built-in one, and an ARK there must be byte-identical to a trust anchor
// ("... is not a trusted AMD root"). The product is chosen by, in order: the
// explicit option; the report's CPUID family/model (report version >= 3,
// SnpProductFromCpuid); else every trust anchor is tried and the one the
// VCEK chains to wins.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "attest/policy.h"
#include "common/error.h"

namespace inclavare::attest {

inline constexpr size_t kSnpReportSize = 0x4A0;
inline constexpr size_t kSnpSignedSize = 0x2A0;

struct SnpReport {
  uint32_t version = 0;
  uint32_t guest_svn = 0;
  uint64_t policy = 0;
  uint32_t vmpl = 0;
  uint32_t signature_algo = 0;
  uint64_t current_tcb = 0;
  uint64_t platform_info = 0;
  uint32_t key_info = 0;  // bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{}, author_key_digest{};
  std::array<uint8_t, 32> report_id{};
  uint64_t reported_tcb = 0;
  // Report version >= 3 only (0 before): CPUID family, model, stepping.
  uint8_t cpuid_fam_id = 0, cpuid_mod_id = 0, cpuid_step = 0;
  std::array<uint8_t, 64> chip_id{};
  uint64_t committed_tcb = 0, launch_tcb = 0;
  std::array<uint8_t, 72> sig_r_le{}, sig_s_le{};

  bool debug_allowed() const { return (policy >> 19) & 1; }
  int signing_key() const { return static_cast<int>((key_info >> 2) & 7); }  // 0 VCEK, 1 VLEK
  bool chip_id_masked() const { return (key_info >> 1) & 1; }
};

Result<SnpReport> ParseSnpReport(std::span<const uint8_t> bytes);

// The product line of an AMD CPU family/model (CPUID Fn0000_0001_EAX,
// extended family + base family, extended model << 4 | base model):
// family 19h models 00h-0Fh Milan, 10h-1Fh and A0h-AFh Genoa (Genoa,
// Bergamo, Siena share Genoa's keys); family 1Ah models 00h-1Fh Turin.
std::optional<std::string> SnpProductFromCpuid(uint8_t family, uint8_t model);

struct SnpVerifyOptions {
  std::optional<int64_t> time;  // default now
  std::optional<std::string> product;  // "Milan", "Genoa", "Turin"
  std::optional<int> required_stepping;
  // PEM of one or more self-signed ARKs that replace the built-in AMD roots
  // (a test root, or to pin a single product). Empty: built-in roots.
  std::string ark_pem;
};

struct SnpVerdict {
  SnpReport report;
  std::string product;  // "Milan"
  int stepping = 0;
  bool vlek = false;
  Claims claims;
};

// vcek: DER or PEM; ask_ark: PEM with the ASK (or ASVK) and/or the ARK, or
// empty to use the built-in ones.
Result<SnpVerdict> VerifySnpReport(std::span<const uint8_t> report, std::string_view vcek, std::string_view ask_ark,
                                   const SnpVerifyOptions& options = {});

}  // namespace inclavare::attest
