#include "enclave/sgx/sigstruct.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "common/fs.h"
#include "enclave/sgx/dump.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/measurement.h"

namespace inclavare::sgx {
namespace {

// Key generation takes a moment; share one key across the tests.
const RsaKey& TestKey() {
  static const RsaKey* key = [] {
    auto k = RsaKey::Generate();
    if (!k) {
      ADD_FAILURE() << k.error().ToString();
      std::abort();
    }
    return new RsaKey(std::move(*k));
  }();
  return *key;
}

SigStructParams Params() {
  SigStructParams p;
  p.enclave_hash = *HexDecodeFixed<32>("a4f45c39dac622cb1dd32ddb35a52ec92db41d0fa88a1c911c49e59c534f61cd");
  p.date = *BcdDate(2026, 11, 27);
  p.isv_prod_id = 7;
  p.isv_svn = 3;
  return p;
}

TEST(SigStructTest, BcdDate) {
  EXPECT_EQ(*BcdDate(2026, 11, 27), 0x20261127u);
  EXPECT_EQ(*BcdDate(1999, 1, 9), 0x19990109u);
  EXPECT_FALSE(BcdDate(2026, 13, 1));
}

TEST(SigStructTest, NewSigStructHasHeaderConstants) {
  SigStruct ss = NewSigStruct(Params());
  auto bytes = SigStructBytes(ss);
  EXPECT_EQ(HexEncode(bytes.subspan(0, 12)), "06000000e100000000000100");
  EXPECT_EQ(HexEncode(bytes.subspan(24, 16)), "01010000600000006000000001000000");
  EXPECT_EQ(HexEncode(bytes.subspan(20, 4)), "27112620");  // date, little-endian BCD
  EXPECT_EQ(HexEncode(bytes.subspan(960, 32)), HexEncode(Params().enclave_hash));
  auto data = SigningData(ss);
  EXPECT_TRUE(std::equal(data.begin(), data.begin() + 128, bytes.begin()));
  EXPECT_TRUE(std::equal(data.begin() + 128, data.end(), bytes.begin() + 900));
}

TEST(SigStructTest, SignAndVerify) {
  SigStruct ss = NewSigStruct(Params());
  ASSERT_TRUE(SignSigStruct(ss, TestKey()));
  EXPECT_EQ(ss.key.exponent, 3u);
  auto ok = VerifySigStruct(ss, Params().enclave_hash);
  EXPECT_TRUE(ok) << ok.error().ToString();
  EXPECT_TRUE(VerifySigStruct(ss));

  // MRSIGNER is SHA-256 of the little-endian modulus; cross-check against the
  // big-endian modulus from OpenSSL, reversed here.
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(TestKey().get(), OSSL_PKEY_PARAM_RSA_N, &n), 1);
  BnPtr owned(n);
  std::array<uint8_t, 384> be{};
  ASSERT_EQ(BN_bn2binpad(n, be.data(), 384), 384);
  std::array<uint8_t, 384> le{};
  std::reverse_copy(be.begin(), be.end(), le.begin());
  EXPECT_EQ(le, ss.key.modulus);
  EXPECT_EQ(*SigStructMrSigner(ss), *ComputeMrSigner(le));
}

// Q1 and Q2 satisfy the identities EINIT relies on:
//   S^2 = Q1*M + R1,  S*R1 = Q2*M + R2,  0 <= R1, R2 < M,
// and R2 = S^3 mod M is the PKCS#1 v1.5 encoding of SHA-256(header||body).
TEST(SigStructTest, Q1Q2Identities) {
  SigStruct ss = NewSigStruct(Params());
  ASSERT_TRUE(SignSigStruct(ss, TestKey()));
  BnCtxPtr ctx(BN_CTX_new());
  auto le = [](const std::array<uint8_t, 384>& a) { return BnPtr(BN_lebin2bn(a.data(), 384, nullptr)); };
  BnPtr s = le(ss.key.signature), m = le(ss.key.modulus), q1 = le(ss.buffer.q1), q2 = le(ss.buffer.q2);
  BnPtr r1(BN_new()), r2(BN_new()), t(BN_new());
  ASSERT_TRUE(BN_sqr(r1.get(), s.get(), ctx.get()));
  ASSERT_TRUE(BN_mul(t.get(), q1.get(), m.get(), ctx.get()));
  ASSERT_TRUE(BN_sub(r1.get(), r1.get(), t.get()));
  EXPECT_FALSE(BN_is_negative(r1.get()));
  EXPECT_LT(BN_cmp(r1.get(), m.get()), 0);
  ASSERT_TRUE(BN_mul(r2.get(), s.get(), r1.get(), ctx.get()));
  ASSERT_TRUE(BN_mul(t.get(), q2.get(), m.get(), ctx.get()));
  ASSERT_TRUE(BN_sub(r2.get(), r2.get(), t.get()));
  EXPECT_FALSE(BN_is_negative(r2.get()));
  EXPECT_LT(BN_cmp(r2.get(), m.get()), 0);
  // R2 = 00 01 FF..FF 00 || DigestInfo(SHA-256) || hash (RFC 8017, 9.2).
  std::array<uint8_t, 384> em{};
  ASSERT_EQ(BN_bn2binpad(r2.get(), em.data(), 384), 384);
  auto data = SigningData(ss);
  auto hash = *Sha256(data);
  const std::string digest_info = "3031300d060960864801650304020105000420";
  std::string expected = "0001" + std::string(2 * (384 - 3 - 19 - 32), 'f') + "00" + digest_info + HexEncode(hash);
  EXPECT_EQ(HexEncode(em), expected);
}

TEST(SigStructTest, VerifyRejectsTampering) {
  SigStruct good = NewSigStruct(Params());
  ASSERT_TRUE(SignSigStruct(good, TestKey()));

  Measurement256 other{};
  other[0] = 1;
  auto r = VerifySigStruct(good, other);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);

  SigStruct ss = good;
  ss.body.isv_svn = 4;
  r = VerifySigStruct(ss);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "sigstruct: signature does not verify");

  ss = good;
  ss.body.enclave_hash[5] ^= 1;
  EXPECT_FALSE(VerifySigStruct(ss));

  ss = good;
  ss.buffer.q1[0] ^= 1;
  r = VerifySigStruct(ss);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "sigstruct: Q1/Q2 do not match the signature");

  ss = good;
  ss.buffer.q2[383] ^= 1;
  EXPECT_FALSE(VerifySigStruct(ss));

  ss = good;
  ss.key.modulus[10] ^= 1;
  EXPECT_FALSE(VerifySigStruct(ss));

  ss = good;
  ss.key.exponent = 65537;
  r = VerifySigStruct(ss);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "sigstruct: exponent is 65537, must be 3");

  ss = good;
  ss.header.header[4] = 0xe2;
  EXPECT_EQ(VerifySigStruct(ss).error().message(), "sigstruct: bad HEADER constant");

  ss = good;
  ss.header.header2[0] = 0;
  EXPECT_EQ(VerifySigStruct(ss).error().message(), "sigstruct: bad HEADER2 constant");
}

TEST(SigStructTest, KeyPemRoundTrip) {
  auto pem = TestKey().PrivatePem();
  ASSERT_TRUE(pem);
  auto priv = RsaKey::FromPrivatePem(*pem);
  ASSERT_TRUE(priv) << priv.error().ToString();
  EXPECT_TRUE(priv->has_private());
  auto pub_pem = TestKey().PublicPem();
  ASSERT_TRUE(pub_pem);
  auto pub = RsaKey::FromPublicPem(*pub_pem);
  ASSERT_TRUE(pub) << pub.error().ToString();
  EXPECT_FALSE(pub->has_private());
  EXPECT_EQ(*pub->ModulusLe(), *TestKey().ModulusLe());
  // A private PEM serves as a public key too.
  EXPECT_TRUE(RsaKey::FromPublicPem(*pem));
  EXPECT_FALSE(RsaKey::FromPrivatePem("not a key"));
  EXPECT_FALSE(pub->PrivatePem());
}

TEST(SigStructTest, RejectsWrongKeyShapes) {
  auto gen = [](int bits, unsigned e) {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EXPECT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits), 1);
    BnPtr bn(BN_new());
    BN_set_word(bn.get(), e);
    EXPECT_EQ(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), bn.get()), 1);
    EVP_PKEY* raw = nullptr;
    EXPECT_EQ(EVP_PKEY_generate(ctx.get(), &raw), 1);
    EvpPkeyPtr key(raw);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(len));
    BIO_free(bio);
    return pem;
  };
  auto r = RsaKey::FromPrivatePem(gen(2048, 3));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "RSA key has 2048 bits; SGX needs 3072");
  r = RsaKey::FromPrivatePem(gen(3072, 65537));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "RSA public exponent must be 3 for SGX");
}

// sgx_sign's two-step flow with the real openssl CLI as the "signing service".
TEST(SigStructTest, GendataOpensslCatsig) {
  if (std::system("openssl version > /dev/null 2>&1") != 0) GTEST_SKIP() << "openssl CLI not installed";
  char tmpl[] = "/tmp/sgx-sigstruct-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  SigStruct ss = NewSigStruct(Params());
  auto data = SigningData(ss);
  ASSERT_TRUE(fs::WriteFile(dir + "/key.pem", *TestKey().PrivatePem(), true, 0600));
  ASSERT_TRUE(fs::WriteFile(dir + "/data.bin", std::string_view(reinterpret_cast<const char*>(data.data()), 256), true));
  std::string cmd = "openssl dgst -sha256 -sign " + dir + "/key.pem -out " + dir + "/sig.bin " + dir + "/data.bin";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto sig = fs::ReadFile(dir + "/sig.bin");
  ASSERT_TRUE(sig);
  ASSERT_EQ(sig->size(), 384u);
  auto pub = RsaKey::FromPublicPem(*TestKey().PublicPem());
  ASSERT_TRUE(pub);
  std::span<const uint8_t> sig_bytes(reinterpret_cast<const uint8_t*>(sig->data()), sig->size());

  // A wrong signature is refused and leaves ss unchanged.
  std::vector<uint8_t> bad(sig_bytes.begin(), sig_bytes.end());
  bad[100] ^= 1;
  SigStruct before = ss;
  auto r = CatSig(ss, *pub, bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(std::memcmp(&before, &ss, sizeof ss), 0);

  r = CatSig(ss, *pub, sig_bytes);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(VerifySigStruct(ss, Params().enclave_hash));
  // PKCS#1 v1.5 is deterministic: one-step signing gives the same bytes.
  SigStruct one_step = NewSigStruct(Params());
  ASSERT_TRUE(SignSigStruct(one_step, TestKey()));
  EXPECT_EQ(std::memcmp(&one_step, &ss, sizeof ss), 0);
  ASSERT_TRUE(fs::RemoveAll(dir));
}

TEST(SigStructTest, BytesRoundTripAndDump) {
  SigStruct ss = NewSigStruct(Params());
  ASSERT_TRUE(SignSigStruct(ss, TestKey()));
  auto bytes = SigStructBytes(ss);
  auto back = SigStructFromBytes(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::memcmp(&*back, &ss, sizeof ss), 0);
  EXPECT_FALSE(SigStructFromBytes(bytes.first(1807)));
  std::string json = SigStructToJson(ss);
  EXPECT_NE(json.find("\"enclave_hash\": \"a4f45c39"), std::string::npos);
  EXPECT_NE(json.find("\"date\": \"20261127\""), std::string::npos);
  EXPECT_NE(json.find("\"MODE64BIT\""), std::string::npos);
}

}  // namespace
}  // namespace inclavare::sgx
