#include "enclave/sgx/hex.h"

#include <gtest/gtest.h>

namespace inclavare::sgx {
namespace {

TEST(HexTest, RoundTrip) {
  std::vector<uint8_t> bytes = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(bytes), "0001abff");
  auto back = HexDecode("0001ABff");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, bytes);
}

TEST(HexTest, PrefixAndWhitespace) {
  auto v = HexDecode("  0x01 02\n03\r\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, (std::vector<uint8_t>{1, 2, 3}));
}

TEST(HexTest, Errors) {
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
  EXPECT_FALSE(HexDecode("0x0g"));
  auto fixed = HexDecodeFixed<4>("010203");
  ASSERT_FALSE(fixed);
  EXPECT_EQ(fixed.error().message(), "hex: expected 4 bytes, got 3");
  EXPECT_TRUE(HexDecodeFixed<3>("010203"));
}

}  // namespace
}  // namespace inclavare::sgx
