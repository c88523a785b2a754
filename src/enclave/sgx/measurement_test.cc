#include "enclave/sgx/measurement.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "enclave/sgx/hex.h"

namespace inclavare::sgx {
namespace {

// Little-endian bytes of an integer, built arithmetically (not by memcpy as
// the library does), so the expected value comes from a second code path.
std::string Le(uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string Tag(const char* t) {
  std::string out(t);
  out.resize(8, '\0');
  return out;
}

std::string Page(uint8_t seed) {
  std::string p(kPageSize, '\0');
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>((i * 31 + seed) & 0xff);
  return p;
}

SecInfo MakeSecInfo(PageType type, uint64_t perms) {
  SecInfo s{};
  s.flags = SecInfoFlags(type, perms);
  return s;
}

// The whole SDM record stream for a layout, hashed in one go.
Measurement256 ExpectedFromRecords(uint32_t ssa, uint64_t size,
                                   const std::vector<std::tuple<uint64_t, uint64_t, std::string, bool>>& pages) {
  std::string stream;
  stream += Tag("ECREATE") + Le(ssa, 4) + Le(size, 8) + std::string(44, '\0');
  for (const auto& [offset, flags, data, extend] : pages) {
    stream += Tag("EADD") + Le(offset, 8) + Le(flags, 8) + std::string(40, '\0');
    if (!extend) continue;
    for (size_t i = 0; i < kPageSize; i += 256) {
      stream += Tag("EEXTEND") + Le(offset + i, 8) + std::string(48, '\0');
      stream += data.substr(i, 256);
    }
  }
  auto h = Sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(stream.data()), stream.size()));
  EXPECT_TRUE(h);
  return *h;
}

std::span<const uint8_t, kPageSize> AsPage(const std::string& s) {
  return std::span<const uint8_t, kPageSize>(reinterpret_cast<const uint8_t*>(s.data()), kPageSize);
}

TEST(MeasurementTest, MatchesLiteralRecordStream) {
  const std::string tcs = Page(1), code = Page(2), heap = Page(3);
  const uint64_t tcs_flags = SecInfoFlags(PageType::kTcs, 0);
  const uint64_t code_flags = SecInfoFlags(PageType::kReg, kSecInfoR | kSecInfoX);
  const uint64_t heap_flags = SecInfoFlags(PageType::kReg, kSecInfoR | kSecInfoW);

  auto m = Measurement::Create();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->Ecreate(2, 0x10000));
  ASSERT_TRUE(m->AddPage(0x0, AsPage(tcs), MakeSecInfo(PageType::kTcs, 0), true));
  ASSERT_TRUE(m->AddPage(0x1000, AsPage(code), MakeSecInfo(PageType::kReg, kSecInfoR | kSecInfoX), true));
  // A heap page added but not extended (as SDKs do for zeroed heap).
  ASSERT_TRUE(m->AddPage(0x8000, AsPage(heap), MakeSecInfo(PageType::kReg, kSecInfoR | kSecInfoW), false));
  auto got = m->Finalize();
  ASSERT_TRUE(got) << got.error().ToString();

  auto want = ExpectedFromRecords(2, 0x10000,
                                  {{0x0, tcs_flags, tcs, true},
                                   {0x1000, code_flags, code, true},
                                   {0x8000, heap_flags, heap, false}});
  EXPECT_EQ(HexEncode(*got), HexEncode(want));
  // The same layout hashed by Python's hashlib from struct.pack'ed records.
  EXPECT_EQ(HexEncode(*got), "3a32c1019b1fa383e4ea576e5fcf4a17dc79a6ab09df05df76ed90025df9e88d");
}

TEST(MeasurementTest, EmptyEnclaveKnownAnswer) {
  // Only ECREATE(ssa=1, size=4096): SHA-256 of the one 64-byte record, as
  // computed by Python: sha256(b"ECREATE\0" + pack("<IQ", 1, 4096) + 44 * b"\0").
  auto m = Measurement::Create();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->Ecreate(1, 4096));
  auto got = m->Finalize();
  ASSERT_TRUE(got);
  EXPECT_EQ(HexEncode(*got), "3cc716a42c8d707da48a173278d39d80855ee5f77b881eeba5810349e50127c2");
  EXPECT_EQ(HexEncode(*got), HexEncode(ExpectedFromRecords(1, 4096, {})));
}

TEST(MeasurementTest, PartialEextendOrderMatters) {
  // Individually issued EEXTENDs in a non-sequential order give a different
  // (but deterministic) measurement than the sequential one.
  const std::string page = Page(7);
  auto run = [&](bool reverse) {
    auto m = Measurement::Create();
    EXPECT_TRUE(m);
    EXPECT_TRUE(m->Ecreate(1, 0x2000));
    EXPECT_TRUE(m->Eadd(0x1000, MakeSecInfo(PageType::kReg, kSecInfoR)));
    for (int k = 0; k < 16; ++k) {
      int i = reverse ? 15 - k : k;
      auto chunk = AsPage(page).subspan(static_cast<size_t>(i) * 256).first<256>();
      EXPECT_TRUE(m->Eextend(0x1000 + static_cast<uint64_t>(i) * 256, chunk));
    }
    return *m->Finalize();
  };
  EXPECT_NE(run(false), run(true));
  EXPECT_EQ(HexEncode(run(false)), HexEncode(ExpectedFromRecords(1, 0x2000, {{0x1000, SecInfoFlags(PageType::kReg, kSecInfoR), page, true}})));
}

TEST(MeasurementTest, EnforcesHardwareOrderAndBounds) {
  const std::string page = Page(0);
  std::array<uint8_t, 256> chunk{};
  SecInfo reg = MakeSecInfo(PageType::kReg, kSecInfoR);
  auto m = Measurement::Create();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->Eadd(0, reg).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(m->Ecreate(1, 0x3000).error().code(), ErrorCode::kInvalidArgument);  // not a power of two
  EXPECT_EQ(m->Ecreate(0, 0x4000).error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(m->Ecreate(1, 0x4000));
  EXPECT_FALSE(m->Ecreate(1, 0x4000));
  EXPECT_EQ(m->Eadd(0x10, reg).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(m->Eadd(0x4000, reg).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(m->Eextend(0x1000, chunk).error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(m->Eadd(0x1000, reg));
  EXPECT_EQ(m->Eadd(0x1000, reg).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(m->Eextend(0x1080, chunk).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(m->Eextend(0x1f00, chunk));
  ASSERT_TRUE(m->Finalize());
  EXPECT_FALSE(m->Finalize());
  EXPECT_FALSE(m->Eadd(0x2000, reg));
}

TEST(MeasurementTest, SecInfoChecksAndTcsPermissions) {
  auto measure_tcs = [](uint64_t perms) {
    auto m = Measurement::Create();
    EXPECT_TRUE(m);
    EXPECT_TRUE(m->Ecreate(1, 0x2000));
    EXPECT_TRUE(m->Eadd(0, MakeSecInfo(PageType::kTcs, perms)));
    return *m->Finalize();
  };
  // The CPU clears a TCS page's R/W/X before measuring.
  EXPECT_EQ(measure_tcs(kSecInfoR | kSecInfoW), measure_tcs(0));

  auto m = Measurement::Create();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->Ecreate(1, 0x4000));
  EXPECT_EQ(m->Eadd(0, MakeSecInfo(PageType::kReg, kSecInfoW)).error().message(),
            "measurement: SECINFO at 0x0 is writable but not readable");
  EXPECT_FALSE(m->Eadd(0, MakeSecInfo(PageType::kVa, kSecInfoR)));
  EXPECT_FALSE(m->Eadd(0, MakeSecInfo(PageType::kReg, kSecInfoR | kSecInfoPending)));
  SecInfo reserved = MakeSecInfo(PageType::kReg, kSecInfoR);
  reserved.reserved[3] = 1;
  EXPECT_EQ(m->Eadd(0, reserved).error().message(), "measurement: SECINFO at 0x0 has reserved bits set");
  // None of the refused EADDs was recorded.
  EXPECT_TRUE(m->Eadd(0, MakeSecInfo(PageType::kReg, kSecInfoR)));
}

TEST(MeasurementTest, MrSignerIsSha256OfLittleEndianModulus) {
  std::array<uint8_t, kRsa3072Bytes> modulus{};
  for (size_t i = 0; i < modulus.size(); ++i) modulus[i] = static_cast<uint8_t>(i);
  auto mr = ComputeMrSigner(modulus);
  ASSERT_TRUE(mr);
  auto direct = Sha256(modulus);
  ASSERT_TRUE(direct);
  EXPECT_EQ(*mr, *direct);
}

}  // namespace
}  // namespace inclavare::sgx
