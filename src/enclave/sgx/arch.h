// SGX architectural structures, byte-exact.
//
// The layouts follow the Intel SDM vol. 3D, ch. 34 ("Enclave access control
// and data structures") and ch. 38 ("Enclave instruction reference"), and
// match the structures of the Intel SGX SDK's public headers (arch.h,
// sgx_report.h, sgx_key.h). Every structure is packed, and its size and every
// field offset is pinned by a static_assert below, so a struct can be copied
// byte for byte to or from the hardware, a file or a quote:
//
//   SigStruct ss{};
//   std::memcpy(&ss, file_bytes.data(), sizeof ss);   // size checked first
//   if (ss.body.attributes.flags & kAttrDebug) ...
//
// All integers are little-endian, as on the hardware; this library targets
// x86-64 only (checked below). Reserved fields must be zero where the SDM says
// so; callers that build structures start from a value-initialised `T{}`.
//
// The structures hold plain bytes and integers: no invariants, no ownership.
// Validation of untrusted input happens in the parsers (quote.h, sigstruct.h).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace inclavare::sgx {

static_assert(std::endian::native == std::endian::little,
              "SGX structures are little-endian; this code assumes a little-endian host");

using Measurement256 = std::array<uint8_t, 32>;  // MRENCLAVE, MRSIGNER, ENCLAVEHASH
using CpuSvn = std::array<uint8_t, 16>;
using ConfigId = std::array<uint8_t, 64>;
using ReportData = std::array<uint8_t, 64>;
using KeyId = std::array<uint8_t, 32>;
using Mac = std::array<uint8_t, 16>;      // AES-128-CMAC
using IsvFamilyId = std::array<uint8_t, 16>;
using IsvExtProdId = std::array<uint8_t, 16>;

inline constexpr size_t kPageSize = 4096;
// EEXTEND measures 256 bytes at a time (SDM 38.4, EEXTEND).
inline constexpr size_t kEextendChunk = 256;

// --- ATTRIBUTES (SDM 34.7.1) -------------------------------------------------

// Bits of Attributes::flags.
inline constexpr uint64_t kAttrInit = 1ull << 0;           // set by EINIT
inline constexpr uint64_t kAttrDebug = 1ull << 1;
inline constexpr uint64_t kAttrMode64Bit = 1ull << 2;
inline constexpr uint64_t kAttrProvisionKey = 1ull << 4;
inline constexpr uint64_t kAttrEinitTokenKey = 1ull << 5;
inline constexpr uint64_t kAttrCet = 1ull << 6;
inline constexpr uint64_t kAttrKss = 1ull << 7;            // key separation and sharing
inline constexpr uint64_t kAttrAexNotify = 1ull << 10;

// XFRM bits every enclave must set (x87 and SSE state).
inline constexpr uint64_t kXfrmLegacy = 0x3;

struct __attribute__((packed)) Attributes {
  uint64_t flags;
  uint64_t xfrm;  // XSAVE feature request mask
};

// MISCSELECT (SDM 34.7.2): bit 0 = EXINFO (report #PF/#GP info in the SSA),
// bit 1 = CPINFO (CET state).
inline constexpr uint32_t kMiscExInfo = 1u << 0;
inline constexpr uint32_t kMiscCpInfo = 1u << 1;
using MiscSelect = uint32_t;

// --- SECS (SDM 34.7) ---------------------------------------------------------

struct __attribute__((packed)) Secs {
  uint64_t size;            // enclave size in bytes, a power of two
  uint64_t base_addr;       // naturally aligned to size
  uint32_t ssa_frame_size;  // in pages
  MiscSelect misc_select;
  uint8_t reserved1[24];
  Attributes attributes;
  Measurement256 mr_enclave;
  uint8_t reserved2[32];
  Measurement256 mr_signer;
  uint8_t reserved3[32];
  ConfigId config_id;
  uint16_t isv_prod_id;
  uint16_t isv_svn;
  uint16_t config_svn;
  uint8_t reserved4[3834];
};

// --- TCS (SDM 34.8) ----------------------------------------------------------

// Bits of Tcs::flags.
inline constexpr uint64_t kTcsDbgOptIn = 1ull << 0;
inline constexpr uint64_t kTcsAexNotify = 1ull << 1;

struct __attribute__((packed)) Tcs {
  uint64_t state;        // reserved to the hardware (busy flag)
  uint64_t flags;
  uint64_t ossa;         // offset of the SSA stack from the enclave base
  uint32_t cssa;         // current SSA slot
  uint32_t nssa;         // number of SSA frames
  uint64_t oentry;       // entry point offset
  uint64_t aep;          // reserved to the hardware (AEX handler)
  uint64_t ofs_base;     // FS base offset
  uint64_t ogs_base;     // GS base offset
  uint32_t ofs_limit;
  uint32_t ogs_limit;
  uint8_t reserved[4024];
};

// --- SECINFO (SDM 34.11) -----------------------------------------------------

// Permission bits of SecInfo::flags.
inline constexpr uint64_t kSecInfoR = 1ull << 0;
inline constexpr uint64_t kSecInfoW = 1ull << 1;
inline constexpr uint64_t kSecInfoX = 1ull << 2;
inline constexpr uint64_t kSecInfoPending = 1ull << 3;
inline constexpr uint64_t kSecInfoModified = 1ull << 4;
inline constexpr uint64_t kSecInfoPr = 1ull << 5;

// Page types, stored in bits 15:8 of SecInfo::flags (SDM 34.12.2).
enum class PageType : uint8_t {
  kSecs = 0,
  kTcs = 1,
  kReg = 2,
  kVa = 3,
  kTrim = 4,
  kSsFirst = 5,
  kSsRest = 6,
};

constexpr uint64_t SecInfoFlags(PageType type, uint64_t permissions) {
  return (static_cast<uint64_t>(type) << 8) | permissions;
}

struct __attribute__((packed)) SecInfo {
  uint64_t flags;
  uint8_t reserved[56];
};

// --- PAGEINFO (SDM 34.10) ----------------------------------------------------

struct __attribute__((packed)) PageInfo {
  uint64_t lin_addr;  // enclave linear address
  uint64_t src_page;  // source page address
  uint64_t secinfo;   // SECINFO (EADD) or PCMD (EWB/ELDU) address
  uint64_t secs;      // SECS address
};

// --- SIGSTRUCT (SDM 34.13) ---------------------------------------------------

// Fixed header bytes 0..11: HEADER (first 12 of 16 bytes).
inline constexpr std::array<uint8_t, 12> kSigStructHeader1 = {0x06, 0x00, 0x00, 0x00, 0xE1, 0x00,
                                                              0x00, 0x00, 0x00, 0x00, 0x01, 0x00};
// Bytes 24..39: HEADER2.
inline constexpr std::array<uint8_t, 16> kSigStructHeader2 = {0x01, 0x01, 0x00, 0x00, 0x60, 0x00,
                                                              0x00, 0x00, 0x60, 0x00, 0x00, 0x00,
                                                              0x01, 0x00, 0x00, 0x00};
// SigStructHeader::type: bit 31 marks a debug-signed (non-production) enclave.
inline constexpr uint32_t kSigStructTypeDebug = 1u << 31;
// SigStructHeader::vendor values.
inline constexpr uint32_t kSigStructVendorOther = 0;
inline constexpr uint32_t kSigStructVendorIntel = 0x8086;
inline constexpr uint32_t kSigStructExponent = 3;
inline constexpr size_t kRsa3072Bytes = 384;

// Bytes 0..127: signed together with the body.
struct __attribute__((packed)) SigStructHeader {
  std::array<uint8_t, 12> header;  // kSigStructHeader1
  uint32_t type;                   // 0 or kSigStructTypeDebug
  uint32_t vendor;                 // kSigStructVendorIntel or 0
  uint32_t date;                   // BCD yyyymmdd, e.g. 0x20261127
  std::array<uint8_t, 16> header2; // kSigStructHeader2
  uint32_t hw_version;             // non-zero only for Intel's hardware enclaves
  uint8_t reserved[84];
};

// Bytes 128..899: not signed.
struct __attribute__((packed)) SigStructKey {
  std::array<uint8_t, kRsa3072Bytes> modulus;    // little-endian
  uint32_t exponent;                             // must be 3
  std::array<uint8_t, kRsa3072Bytes> signature;  // little-endian
};

// Bytes 900..1027: signed together with the header.
struct __attribute__((packed)) SigStructBody {
  MiscSelect misc_select;
  uint32_t misc_mask;
  uint8_t reserved1[4];
  IsvFamilyId isv_family_id;
  Attributes attributes;
  Attributes attribute_mask;
  Measurement256 enclave_hash;  // the expected MRENCLAVE
  uint8_t reserved2[16];
  IsvExtProdId isv_ext_prod_id;
  uint16_t isv_prod_id;
  uint16_t isv_svn;
};

// Bytes 1028..1807: not signed; Q1/Q2 speed up the hardware's RSA check.
struct __attribute__((packed)) SigStructBuffer {
  uint8_t reserved[12];
  std::array<uint8_t, kRsa3072Bytes> q1;  // little-endian
  std::array<uint8_t, kRsa3072Bytes> q2;  // little-endian
};

struct __attribute__((packed)) SigStruct {
  SigStructHeader header;
  SigStructKey key;
  SigStructBody body;
  SigStructBuffer buffer;
};

// --- EINITTOKEN (SDM 34.14) --------------------------------------------------

struct __attribute__((packed)) EinitToken {
  uint32_t valid;  // bit 0: the token is valid
  uint8_t reserved1[44];
  Attributes attributes;
  Measurement256 mr_enclave;
  uint8_t reserved2[32];
  Measurement256 mr_signer;
  uint8_t reserved3[32];
  // Bytes 192..: not covered by the MAC.
  CpuSvn cpu_svn_le;
  uint16_t isv_prod_id_le;
  uint16_t isv_svn_le;
  uint8_t reserved4[24];
  MiscSelect masked_misc_select_le;
  Attributes masked_attributes_le;
  KeyId key_id;
  Mac mac;
};
// The MAC of an EINITTOKEN covers its first 192 bytes.
inline constexpr size_t kEinitTokenMacedSize = 192;

// --- REPORT and TARGETINFO (SDM 34.18, 34.17) --------------------------------

struct __attribute__((packed)) ReportBody {
  CpuSvn cpu_svn;
  MiscSelect misc_select;
  uint8_t reserved1[12];
  IsvExtProdId isv_ext_prod_id;
  Attributes attributes;
  Measurement256 mr_enclave;
  uint8_t reserved2[32];
  Measurement256 mr_signer;
  uint8_t reserved3[32];
  ConfigId config_id;
  uint16_t isv_prod_id;
  uint16_t isv_svn;
  uint16_t config_svn;
  uint8_t reserved4[42];
  IsvFamilyId isv_family_id;
  ReportData report_data;
};

struct __attribute__((packed)) Report {
  ReportBody body;  // the MAC covers exactly these 384 bytes
  KeyId key_id;
  Mac mac;
};

struct __attribute__((packed)) TargetInfo {
  Measurement256 mr_enclave;
  Attributes attributes;
  uint8_t reserved1[2];
  uint16_t config_svn;
  MiscSelect misc_select;
  uint8_t reserved2[8];
  ConfigId config_id;
  uint8_t reserved3[384];
};

// --- KEYREQUEST (SDM 34.19) --------------------------------------------------

enum class KeyName : uint16_t {
  kEinitToken = 0,
  kProvision = 1,
  kProvisionSeal = 2,
  kReport = 3,
  kSeal = 4,
};

// Bits of KeyRequest::key_policy.
inline constexpr uint16_t kKeyPolicyMrEnclave = 1u << 0;
inline constexpr uint16_t kKeyPolicyMrSigner = 1u << 1;
inline constexpr uint16_t kKeyPolicyNoIsvProdId = 1u << 2;
inline constexpr uint16_t kKeyPolicyConfigId = 1u << 3;
inline constexpr uint16_t kKeyPolicyIsvFamilyId = 1u << 4;
inline constexpr uint16_t kKeyPolicyIsvExtProdId = 1u << 5;

struct __attribute__((packed)) KeyRequest {
  uint16_t key_name;    // KeyName
  uint16_t key_policy;
  uint16_t isv_svn;
  uint8_t reserved1[2];
  CpuSvn cpu_svn;
  Attributes attribute_mask;
  KeyId key_id;
  uint32_t misc_mask;
  uint16_t config_svn;
  uint8_t reserved2[434];
};

// --- Layout checks -----------------------------------------------------------

#define IC_SGX_OFFSET(type, field, off) \
  static_assert(offsetof(type, field) == (off), #type "." #field " offset")

static_assert(sizeof(Attributes) == 16);

static_assert(sizeof(Secs) == 4096);
IC_SGX_OFFSET(Secs, size, 0);
IC_SGX_OFFSET(Secs, base_addr, 8);
IC_SGX_OFFSET(Secs, ssa_frame_size, 16);
IC_SGX_OFFSET(Secs, misc_select, 20);
IC_SGX_OFFSET(Secs, attributes, 48);
IC_SGX_OFFSET(Secs, mr_enclave, 64);
IC_SGX_OFFSET(Secs, mr_signer, 128);
IC_SGX_OFFSET(Secs, config_id, 192);
IC_SGX_OFFSET(Secs, isv_prod_id, 256);
IC_SGX_OFFSET(Secs, isv_svn, 258);
IC_SGX_OFFSET(Secs, config_svn, 260);
IC_SGX_OFFSET(Secs, reserved4, 262);

static_assert(sizeof(Tcs) == 4096);
IC_SGX_OFFSET(Tcs, flags, 8);
IC_SGX_OFFSET(Tcs, ossa, 16);
IC_SGX_OFFSET(Tcs, cssa, 24);
IC_SGX_OFFSET(Tcs, nssa, 28);
IC_SGX_OFFSET(Tcs, oentry, 32);
IC_SGX_OFFSET(Tcs, ofs_base, 48);
IC_SGX_OFFSET(Tcs, ogs_base, 56);
IC_SGX_OFFSET(Tcs, ofs_limit, 64);
IC_SGX_OFFSET(Tcs, ogs_limit, 68);
IC_SGX_OFFSET(Tcs, reserved, 72);

static_assert(sizeof(SecInfo) == 64);
static_assert(sizeof(PageInfo) == 32);
IC_SGX_OFFSET(PageInfo, secinfo, 16);
IC_SGX_OFFSET(PageInfo, secs, 24);

static_assert(sizeof(SigStructHeader) == 128);
static_assert(sizeof(SigStructKey) == 772);
static_assert(sizeof(SigStructBody) == 128);
static_assert(sizeof(SigStructBuffer) == 780);
static_assert(sizeof(SigStruct) == 1808);
IC_SGX_OFFSET(SigStruct, header.type, 12);
IC_SGX_OFFSET(SigStruct, header.vendor, 16);
IC_SGX_OFFSET(SigStruct, header.date, 20);
IC_SGX_OFFSET(SigStruct, header.header2, 24);
IC_SGX_OFFSET(SigStruct, header.hw_version, 40);
IC_SGX_OFFSET(SigStruct, key.modulus, 128);
IC_SGX_OFFSET(SigStruct, key.exponent, 512);
IC_SGX_OFFSET(SigStruct, key.signature, 516);
IC_SGX_OFFSET(SigStruct, body.misc_select, 900);
IC_SGX_OFFSET(SigStruct, body.misc_mask, 904);
IC_SGX_OFFSET(SigStruct, body.isv_family_id, 912);
IC_SGX_OFFSET(SigStruct, body.attributes, 928);
IC_SGX_OFFSET(SigStruct, body.attribute_mask, 944);
IC_SGX_OFFSET(SigStruct, body.enclave_hash, 960);
IC_SGX_OFFSET(SigStruct, body.isv_ext_prod_id, 1008);
IC_SGX_OFFSET(SigStruct, body.isv_prod_id, 1024);
IC_SGX_OFFSET(SigStruct, body.isv_svn, 1026);
IC_SGX_OFFSET(SigStruct, buffer.q1, 1040);
IC_SGX_OFFSET(SigStruct, buffer.q2, 1424);

static_assert(sizeof(EinitToken) == 304);
IC_SGX_OFFSET(EinitToken, attributes, 48);
IC_SGX_OFFSET(EinitToken, mr_enclave, 64);
IC_SGX_OFFSET(EinitToken, mr_signer, 128);
IC_SGX_OFFSET(EinitToken, cpu_svn_le, 192);
IC_SGX_OFFSET(EinitToken, isv_prod_id_le, 208);
IC_SGX_OFFSET(EinitToken, isv_svn_le, 210);
IC_SGX_OFFSET(EinitToken, masked_misc_select_le, 236);
IC_SGX_OFFSET(EinitToken, masked_attributes_le, 240);
IC_SGX_OFFSET(EinitToken, key_id, 256);
IC_SGX_OFFSET(EinitToken, mac, 288);

static_assert(sizeof(ReportBody) == 384);
IC_SGX_OFFSET(ReportBody, misc_select, 16);
IC_SGX_OFFSET(ReportBody, isv_ext_prod_id, 32);
IC_SGX_OFFSET(ReportBody, attributes, 48);
IC_SGX_OFFSET(ReportBody, mr_enclave, 64);
IC_SGX_OFFSET(ReportBody, mr_signer, 128);
IC_SGX_OFFSET(ReportBody, config_id, 192);
IC_SGX_OFFSET(ReportBody, isv_prod_id, 256);
IC_SGX_OFFSET(ReportBody, isv_svn, 258);
IC_SGX_OFFSET(ReportBody, config_svn, 260);
IC_SGX_OFFSET(ReportBody, isv_family_id, 304);
IC_SGX_OFFSET(ReportBody, report_data, 320);
static_assert(sizeof(Report) == 432);
IC_SGX_OFFSET(Report, key_id, 384);
IC_SGX_OFFSET(Report, mac, 416);

static_assert(sizeof(TargetInfo) == 512);
IC_SGX_OFFSET(TargetInfo, attributes, 32);
IC_SGX_OFFSET(TargetInfo, config_svn, 50);
IC_SGX_OFFSET(TargetInfo, misc_select, 52);
IC_SGX_OFFSET(TargetInfo, config_id, 64);
IC_SGX_OFFSET(TargetInfo, reserved3, 128);

static_assert(sizeof(KeyRequest) == 512);
IC_SGX_OFFSET(KeyRequest, key_policy, 2);
IC_SGX_OFFSET(KeyRequest, isv_svn, 4);
IC_SGX_OFFSET(KeyRequest, cpu_svn, 8);
IC_SGX_OFFSET(KeyRequest, attribute_mask, 24);
IC_SGX_OFFSET(KeyRequest, key_id, 40);
IC_SGX_OFFSET(KeyRequest, misc_mask, 72);
IC_SGX_OFFSET(KeyRequest, config_svn, 76);
IC_SGX_OFFSET(KeyRequest, reserved2, 78);

}  // namespace inclavare::sgx
