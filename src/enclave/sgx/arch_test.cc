// Layout checks beyond arch.h's static_asserts: named constants and the
// placement of fields in real evidence.
#include "enclave/sgx/arch.h"

#include <gtest/gtest.h>

#include <cstring>

#include "enclave/sgx/hex.h"
#include "enclave/sgx/testdata.h"

namespace inclavare::sgx {
namespace {

TEST(ArchTest, AttributeBits) {
  EXPECT_EQ(kAttrInit, 0x1u);
  EXPECT_EQ(kAttrDebug, 0x2u);
  EXPECT_EQ(kAttrMode64Bit, 0x4u);
  EXPECT_EQ(kAttrProvisionKey, 0x10u);
  EXPECT_EQ(kAttrEinitTokenKey, 0x20u);
  EXPECT_EQ(kAttrKss, 0x80u);
  EXPECT_EQ(kAttrAexNotify, 0x400u);
}

TEST(ArchTest, SecInfoFlags) {
  EXPECT_EQ(SecInfoFlags(PageType::kTcs, 0), 0x100u);
  EXPECT_EQ(SecInfoFlags(PageType::kReg, kSecInfoR | kSecInfoW | kSecInfoX), 0x207u);
  EXPECT_EQ(SecInfoFlags(PageType::kSsFirst, kSecInfoR | kSecInfoW), 0x503u);
}

TEST(ArchTest, ReportBodyFieldsInRealQuote) {
  auto bytes = testing::LoadEvidence("sgx/automata/quote_v3.bin");
  if (!bytes) GTEST_SKIP() << testing::EvidenceMissingMessage();
  ASSERT_GE(bytes->size(), 48 + sizeof(ReportBody));
  ReportBody body;
  std::memcpy(&body, bytes->data() + 48, sizeof body);
  EXPECT_EQ(HexEncode(body.mr_enclave), "a4f45c39dac622cb1dd32ddb35a52ec92db41d0fa88a1c911c49e59c534f61cd");
  EXPECT_EQ(HexEncode(body.mr_signer), "8f2dbc0f9c5d3378d596974b2deed1f93223cc49242899f83809bcc92546132c");
  // A production enclave of a 64-bit SDK: INIT and MODE64BIT set, DEBUG clear.
  const uint64_t flags = body.attributes.flags;
  EXPECT_TRUE(flags & kAttrInit);
  EXPECT_TRUE(flags & kAttrMode64Bit);
  EXPECT_FALSE(flags & kAttrDebug);
  const uint64_t xfrm = body.attributes.xfrm;
  EXPECT_EQ(xfrm & kXfrmLegacy, kXfrmLegacy);
}

TEST(ArchTest, TargetInfoFromReport) {
  // TARGETINFO takes MRENCLAVE, ATTRIBUTES, CONFIGSVN, MISCSELECT, CONFIGID of
  // the target's REPORT; the fields line up as the SDM places them.
  ReportBody r{};
  r.mr_enclave[0] = 0xaa;
  r.attributes.flags = kAttrInit | kAttrMode64Bit;
  r.misc_select = kMiscExInfo;
  TargetInfo t{};
  t.mr_enclave = r.mr_enclave;
  t.attributes = r.attributes;
  t.misc_select = r.misc_select;
  auto raw = reinterpret_cast<const uint8_t*>(&t);
  EXPECT_EQ(raw[0], 0xaa);
  EXPECT_EQ(raw[32], 0x05);
  EXPECT_EQ(raw[52], 0x01);
}

}  // namespace
}  // namespace inclavare::sgx
