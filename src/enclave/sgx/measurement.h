// MRENCLAVE and MRSIGNER computation (SDM vol. 3D, 38.4: ECREATE, EADD,
// EEXTEND and EINIT update SECS.MRENCLAVE; 34.13: MRSIGNER).
//
// MRENCLAVE is SHA-256 over 64-byte records, one per measuring instruction:
//
//   ECREATE: "ECREATE\0" | SSAFRAMESIZE u32 | SIZE u64          | 44 zero bytes
//   EADD:    "EADD\0\0\0\0" | page offset u64 | SECINFO[0..48)
//   EEXTEND: "EEXTEND\0" | chunk offset u64 | 48 zero bytes, then the 256 data bytes
//
// Offsets are relative to the enclave base (the hardware measures
// linear address - SECS.BASEADDR), so MRENCLAVE does not depend on where the
// enclave is loaded. EINIT finalises the hash.
//
//   IC_ASSIGN_OR_RETURN(Measurement m, Measurement::Create());
//   IC_TRY(m.Ecreate(/*ssa_frame_size=*/1, /*enclave_size=*/0x10000));
//   IC_TRY(m.AddPage(0x1000, tcs_page, tcs_secinfo, /*extend=*/true));
//   IC_ASSIGN_OR_RETURN(Measurement256 mrenclave, m.Finalize());
//
// EADD takes REG and TCS pages. Like the hardware it refuses a SECINFO with
// reserved bits set or W without R (the SGX2 PENDING/MODIFIED/PR bits count
// as reserved here, as in the Linux driver), and it clears R/W/X of a TCS
// page before measuring, so a TCS always measures with permissions 0.
//
// The class enforces the hardware's order and bounds: ECREATE first and once;
// EADD at a page-aligned offset inside SIZE, at most once per page; EEXTEND at
// a 256-byte-aligned offset inside an added page; nothing after Finalize.
// Violations are FailedPrecondition/InvalidArgument errors and leave the
// measurement unchanged. Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_set>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sgx/primitives.h"

namespace inclavare::sgx {

class Measurement {
 public:
  static Result<Measurement> Create();

  // ssa_frame_size in pages; enclave_size a power of two >= one page.
  Result<> Ecreate(uint32_t ssa_frame_size, uint64_t enclave_size);
  Result<> Eadd(uint64_t offset, const SecInfo& secinfo);
  Result<> Eextend(uint64_t offset, std::span<const uint8_t, kEextendChunk> chunk);
  // EADD of one page, then, when extend is set, EEXTEND of its 16 chunks.
  Result<> AddPage(uint64_t offset, std::span<const uint8_t, kPageSize> page, const SecInfo& secinfo,
                   bool extend);
  // EINIT: the final MRENCLAVE.
  Result<Measurement256> Finalize();

 private:
  explicit Measurement(Sha256Hasher h) : hasher_(std::move(h)) {}
  Result<> Record(std::span<const uint8_t, 64> record);

  enum class State { kNew, kCreated, kFinalized };
  Sha256Hasher hasher_;
  State state_ = State::kNew;
  uint64_t size_ = 0;
  std::unordered_set<uint64_t> added_pages_;
};

// SHA-256 over the modulus exactly as SIGSTRUCT stores it (little-endian).
Result<Measurement256> ComputeMrSigner(std::span<const uint8_t, kRsa3072Bytes> modulus_le);

}  // namespace inclavare::sgx
