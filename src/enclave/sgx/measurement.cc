#include "enclave/sgx/measurement.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <cstring>
#include <string>

namespace inclavare::sgx {

namespace {

using Record64 = std::array<uint8_t, 64>;

Record64 MakeRecord(const char (&tag)[8], uint64_t offset_field) {
  Record64 r{};
  std::memcpy(r.data(), tag, 8);
  std::memcpy(r.data() + 8, &offset_field, 8);
  return r;
}

std::string Hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Result<Measurement> Measurement::Create() {
  IC_ASSIGN_OR_RETURN(Sha256Hasher h, Sha256Hasher::Create());
  return Measurement(std::move(h));
}

Result<> Measurement::Record(std::span<const uint8_t, 64> record) { return hasher_.Update(record); }

Result<> Measurement::Ecreate(uint32_t ssa_frame_size, uint64_t enclave_size) {
  if (state_ != State::kNew) return FailedPrecondition("measurement: ECREATE must come first and only once");
  if (enclave_size < kPageSize || (enclave_size & (enclave_size - 1)) != 0) {
    return InvalidArgument("measurement: enclave size " + Hex64(enclave_size) +
                           " is not a power of two of at least one page");
  }
  if (ssa_frame_size == 0) return InvalidArgument("measurement: SSA frame size must be at least one page");
  static constexpr char kTag[8] = {'E', 'C', 'R', 'E', 'A', 'T', 'E', '\0'};
  Record64 r{};
  std::memcpy(r.data(), kTag, 8);
  std::memcpy(r.data() + 8, &ssa_frame_size, 4);
  std::memcpy(r.data() + 12, &enclave_size, 8);
  IC_TRY(Record(r));
  state_ = State::kCreated;
  size_ = enclave_size;
  return {};
}

Result<> Measurement::Eadd(uint64_t offset, const SecInfo& secinfo) {
  if (state_ != State::kCreated) return FailedPrecondition("measurement: EADD before ECREATE or after EINIT");
  if (offset % kPageSize != 0) return InvalidArgument("measurement: EADD offset " + Hex64(offset) + " not page aligned");
  if (offset >= size_) {
    return InvalidArgument("measurement: EADD offset " + Hex64(offset) + " outside the enclave size " + Hex64(size_));
  }
  if (added_pages_.count(offset) != 0) {
    return FailedPrecondition("measurement: page at " + Hex64(offset) + " already added");
  }
  const uint64_t flags = secinfo.flags;
  const auto type = static_cast<PageType>((flags >> 8) & 0xff);
  if (type != PageType::kReg && type != PageType::kTcs) {
    return InvalidArgument("measurement: EADD of page type " + std::to_string((flags >> 8) & 0xff) +
                           " (only REG and TCS)");
  }
  if ((flags & kSecInfoW) && !(flags & kSecInfoR)) {
    return InvalidArgument("measurement: SECINFO at " + Hex64(offset) + " is writable but not readable");
  }
  constexpr uint64_t kAllowed = kSecInfoR | kSecInfoW | kSecInfoX | 0xff00;
  if ((flags & ~kAllowed) != 0 || !std::all_of(std::begin(secinfo.reserved), std::end(secinfo.reserved),
                                                [](uint8_t b) { return b == 0; })) {
    return InvalidArgument("measurement: SECINFO at " + Hex64(offset) + " has reserved bits set");
  }
  SecInfo measured = secinfo;
  // EADD clears R/W/X of a TCS page before measuring it (the Linux driver
  // notes the CPU silently overwrites them), so a TCS measures as perms 0.
  if (type == PageType::kTcs) measured.flags = flags & ~(kSecInfoR | kSecInfoW | kSecInfoX);
  static constexpr char kTag[8] = {'E', 'A', 'D', 'D', '\0', '\0', '\0', '\0'};
  Record64 r = MakeRecord(kTag, offset);
  // The SDM measures the first 48 bytes of SECINFO.
  std::memcpy(r.data() + 16, &measured, 48);
  IC_TRY(Record(r));
  added_pages_.insert(offset);
  return {};
}

Result<> Measurement::Eextend(uint64_t offset, std::span<const uint8_t, kEextendChunk> chunk) {
  if (state_ != State::kCreated) return FailedPrecondition("measurement: EEXTEND before ECREATE or after EINIT");
  if (offset % kEextendChunk != 0) {
    return InvalidArgument("measurement: EEXTEND offset " + Hex64(offset) + " not 256-byte aligned");
  }
  if (added_pages_.count(offset - offset % kPageSize) == 0) {
    return FailedPrecondition("measurement: EEXTEND at " + Hex64(offset) + " of a page that was not added");
  }
  static constexpr char kTag[8] = {'E', 'E', 'X', 'T', 'E', 'N', 'D', '\0'};
  IC_TRY(Record(MakeRecord(kTag, offset)));
  return hasher_.Update(chunk);
}

Result<> Measurement::AddPage(uint64_t offset, std::span<const uint8_t, kPageSize> page, const SecInfo& secinfo,
                              bool extend) {
  IC_TRY(Eadd(offset, secinfo));
  if (!extend) return {};
  for (size_t i = 0; i < kPageSize; i += kEextendChunk) {
    IC_TRY(Eextend(offset + i, page.subspan(i).first<kEextendChunk>()));
  }
  return {};
}

Result<Measurement256> Measurement::Finalize() {
  if (state_ != State::kCreated) return FailedPrecondition("measurement: EINIT before ECREATE or twice");
  state_ = State::kFinalized;
  return hasher_.Final();
}

Result<Measurement256> ComputeMrSigner(std::span<const uint8_t, kRsa3072Bytes> modulus_le) {
  return Sha256(modulus_le);
}

}  // namespace inclavare::sgx
