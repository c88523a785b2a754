// Known-answer tests of primitives.h, compiled twice: against the OpenSSL
// build (sgx_primitives_openssl_test) and the Nettle build
// (sgx_primitives_nettle_test). IC_EXPECT_BACKEND names the one linked.
#include "enclave/sgx/primitives.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/fs.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/sigstruct.h"

namespace inclavare::sgx {
namespace {

std::vector<uint8_t> Hex(std::string_view s) { return HexDecode(s).value(); }
std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(PrimitivesTest, LinksTheExpectedBuild) { EXPECT_STREQ(PrimitivesBackend(), IC_EXPECT_BACKEND); }

// FIPS 180-2 examples.
TEST(PrimitivesTest, Sha256KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256(Bytes("")).value()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256(Bytes("abc")).value()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Incremental, across block boundaries.
  const std::string msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  auto h = Sha256Hasher::Create();
  ASSERT_TRUE(h);
  for (size_t i = 0; i < msg.size(); i += 7) ASSERT_TRUE(h->Update(Bytes(msg.substr(i, 7))));
  auto d = h->Final();
  ASSERT_TRUE(d);
  EXPECT_EQ(HexEncode(*d), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Used up.
  EXPECT_FALSE(h->Update(Bytes("x")));
  EXPECT_FALSE(h->Final());
}

// RFC 4493, section 4.
TEST(PrimitivesTest, AesCmacRfc4493) {
  auto key = Hex("2b7e151628aed2a6abf7158809cf4f3c");
  std::span<const uint8_t, 16> k(key.data(), 16);
  auto m = Hex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  struct Case {
    size_t len;
    const char* mac;
  } cases[] = {{0, "bb1d6929e95937287fa37d129b756746"},
               {16, "070a16b46b4d4144f79bdd9dd04a287c"},
               {40, "dfa66747de9ae63030ca32611497c827"},
               {64, "51f0bebf7e3b9d92fc49741779363cfe"}};
  for (const auto& c : cases) {
    auto mac = AesCmac128(k, std::span<const uint8_t>(m.data(), c.len));
    ASSERT_TRUE(mac);
    EXPECT_EQ(HexEncode(*mac), c.mac) << "length " << c.len;
  }
}

TEST(PrimitivesTest, RandomBytesAndHelpers) {
  std::array<uint8_t, 64> a{}, b{};
  ASSERT_TRUE(RandomBytes(a));
  ASSERT_TRUE(RandomBytes(b));
  EXPECT_NE(a, b);
  EXPECT_TRUE(RandomBytes(std::span<uint8_t>()));
  std::array<uint8_t, 4> x = {1, 2, 3, 4}, y = {1, 2, 3, 4}, z = {1, 2, 3, 5};
  EXPECT_TRUE(ConstantTimeEqual(x, y));
  EXPECT_FALSE(ConstantTimeEqual(x, z));
  EXPECT_FALSE(ConstantTimeEqual(x, std::span<const uint8_t>(y.data(), 3)));
  SecureWipe(x);
  EXPECT_EQ(x, (std::array<uint8_t, 4>{}));
}

// A SIGSTRUCT signed at build time by sgx-tools (OpenSSL): RSA-3072
// verification and Q1/Q2 through whichever build is linked.
class SigStructVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bytes = fs::ReadFile(IC_SKELETON_SIGSTRUCT);
    ASSERT_TRUE(bytes) << IC_SKELETON_SIGSTRUCT;
    auto ss = SigStructFromBytes(Bytes(*bytes));
    ASSERT_TRUE(ss);
    ss_ = *ss;
  }
  SigStruct ss_{};
};

TEST_F(SigStructVerifyTest, SignedByTheBuildVerifies) {
  auto r = VerifySigStruct(ss_);
  EXPECT_TRUE(r) << r.error().ToString();
  // The helper values match a fresh computation.
  std::array<uint8_t, kRsa3072Bytes> q1{}, q2{};
  ASSERT_TRUE(SigStructQ1Q2(ss_.key.signature, ss_.key.modulus, q1, q2));
  EXPECT_EQ(q1, ss_.buffer.q1);
  EXPECT_EQ(q2, ss_.buffer.q2);
}

TEST_F(SigStructVerifyTest, TamperingIsRefused) {
  SigStruct bad = ss_;
  bad.body.isv_svn ^= 1;  // signed data
  auto r = VerifySigStruct(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied) << r.error().ToString();

  bad = ss_;
  bad.key.signature[17] ^= 0x40;
  r = VerifySigStruct(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied) << r.error().ToString();

  bad = ss_;
  bad.buffer.q2[3] ^= 1;
  r = VerifySigStruct(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("Q1/Q2"), std::string::npos) << r.error().ToString();
}

TEST_F(SigStructVerifyTest, MalformedKeysAreInvalid) {
  std::array<uint8_t, 1> data = {0};
  std::array<uint8_t, kRsa3072Bytes> sig_be{};
  auto r = RsaVerify3072Sha256(ss_.key.modulus, 65537, data, sig_be);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().ToString().find("needs 3"), std::string::npos) << r.error().ToString();

  auto short_mod = ss_.key.modulus;
  short_mod[kRsa3072Bytes - 1] = 0;  // 3064 bits or fewer
  r = RsaVerify3072Sha256(short_mod, 3, data, sig_be);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().ToString().find("3072"), std::string::npos) << r.error().ToString();

  // A signature of the wrong length, or not below the modulus, never verifies.
  r = RsaVerify3072Sha256(ss_.key.modulus, 3, data, std::span<const uint8_t>(sig_be.data(), 383));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  std::array<uint8_t, kRsa3072Bytes> big{};
  big.fill(0xff);
  r = RsaVerify3072Sha256(ss_.key.modulus, 3, data, big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);

  std::array<uint8_t, kRsa3072Bytes> zero{}, q1{}, q2{};
  EXPECT_FALSE(SigStructQ1Q2(ss_.key.signature, zero, q1, q2));
}

}  // namespace
}  // namespace inclavare::sgx
