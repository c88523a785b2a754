#include "tools/sgx-tools/commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/fs.h"
#include "enclave/sgx/testdata.h"

namespace inclavare::sgx::tools {
namespace {

constexpr char kMr[] = "a4f45c39dac622cb1dd32ddb35a52ec92db41d0fa88a1c911c49e59c534f61cd";

class SgxToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sgx-tools-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)fs::RemoveAll(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // One key for the fixture's tests (generation takes a moment).
  static const std::string& KeyPem() {
    static const std::string pem = [] {
      auto k = RsaKey::Generate();
      return k ? *k->PrivatePem() : std::string();
    }();
    return pem;
  }
  std::string WriteKey() {
    EXPECT_TRUE(fs::WriteFile(Path("key.pem"), KeyPem(), true, 0600));
    return Path("key.pem");
  }

  std::string dir_;
};

TEST_F(SgxToolsTest, DumpQuoteV3AndHex) {
  auto json = DumpQuoteFile(testing::EvidencePath("sgx/automata/quote_v3.bin"));
  if (!json && json.error().code() == ErrorCode::kNotFound) GTEST_SKIP() << testing::EvidenceMissingMessage();
  ASSERT_TRUE(json) << json.error().ToString();
  EXPECT_NE(json->find("\"version\": 3"), std::string::npos);
  EXPECT_NE(json->find("\"tee_type\": \"SGX\""), std::string::npos);
  EXPECT_NE(json->find(std::string("\"mr_enclave\": \"") + kMr), std::string::npos);
  EXPECT_NE(json->find("\"cert_data_type\": 5"), std::string::npos);
  EXPECT_NE(json->find("\"pck_cert_chain\": \"-----BEGIN CERTIFICATE-----"), std::string::npos);

  auto tdx = DumpQuoteFile(testing::EvidencePath("tdx/dcap-qvl/tdx-quote.hex"));
  ASSERT_TRUE(tdx) << tdx.error().ToString();
  EXPECT_NE(tdx->find("\"tee_type\": \"TDX\""), std::string::npos);
  EXPECT_NE(tdx->find("\"mr_td\": \"7ba9e262ce6979087e34632603f354dd"), std::string::npos);
  EXPECT_NE(tdx->find("\"outer_cert_data_type\": 6"), std::string::npos);
}

TEST_F(SgxToolsTest, DumpQuoteErrors) {
  auto r = DumpQuoteFile(Path("missing"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(fs::WriteFile(Path("short"), std::string(100, '\x03'), true));
  r = DumpQuoteFile(Path("short"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("quote: "), std::string::npos) << r.error().message();
}

TEST_F(SgxToolsTest, GenKeyIsPrivateAndShaped) {
  ASSERT_TRUE(GenKey(Path("k.pem")));
  struct stat st {};
  ASSERT_EQ(stat(Path("k.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto pem = fs::ReadFile(Path("k.pem"));
  ASSERT_TRUE(pem);
  EXPECT_TRUE(RsaKey::FromPrivatePem(*pem));
}

TEST_F(SgxToolsTest, SignDumpVerify) {
  SigStructOptions o;
  o.mrenclave_hex = kMr;
  o.isv_prod_id = "0x10";
  o.isv_svn = "2";
  o.date = "20261127";
  ASSERT_TRUE(Sign(o, WriteKey(), Path("ss.bin")));
  auto bytes = fs::ReadFile(Path("ss.bin"));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 1808u);

  auto json = DumpSigStructFile(Path("ss.bin"));
  ASSERT_TRUE(json);
  EXPECT_NE(json->find("\"isv_prod_id\": 16"), std::string::npos);
  EXPECT_NE(json->find("\"isv_svn\": 2"), std::string::npos);

  auto ok = VerifySigStructFile(Path("ss.bin"), std::string(kMr));
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->rfind(std::string("OK mrenclave=") + kMr + " mrsigner=", 0), 0u);

  auto wrong = VerifySigStructFile(Path("ss.bin"), std::string(64, '0'));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(SgxToolsTest, FlagErrorsNameTheFlag) {
  SigStructOptions o;
  auto r = ParseSigStructOptions(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "--mrenclave is required");
  o.mrenclave_hex = kMr;
  o.isv_svn = "70000";
  r = ParseSigStructOptions(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "--isvsvn: 70000 is out of range");
  o.isv_svn = "1";
  o.attributes = "0xzz";
  EXPECT_EQ(ParseSigStructOptions(o).error().message(), "--attributes: not a number: '0xzz'");
  o.attributes = "0x6";
  o.date = "2026-1-1";
  EXPECT_FALSE(ParseSigStructOptions(o));
  o.date = "";
  auto p = ParseSigStructOptions(o);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->attributes.flags, 6u);
  EXPECT_NE(p->date, 0u);
}

TEST_F(SgxToolsTest, GendataOpensslCatsig) {
  if (std::system("openssl version > /dev/null 2>&1") != 0) GTEST_SKIP() << "openssl CLI not installed";
  SigStructOptions o;
  o.mrenclave_hex = kMr;
  o.date = "20261127";
  ASSERT_TRUE(GenData(o, Path("data.bin")));
  std::string key = WriteKey();
  std::string cmd = "openssl dgst -sha256 -sign " + key + " -out " + Path("sig.bin") + " " + Path("data.bin");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  cmd = "openssl pkey -in " + key + " -pubout -out " + Path("pub.pem");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto r = CatSig(Path("data.bin"), Path("sig.bin"), Path("pub.pem"), Path("ss.bin"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(VerifySigStructFile(Path("ss.bin"), std::string(kMr)));

  // The one-step result is byte-identical (PKCS#1 v1.5 is deterministic).
  ASSERT_TRUE(Sign(o, key, Path("ss1.bin")));
  EXPECT_EQ(*fs::ReadFile(Path("ss.bin")), *fs::ReadFile(Path("ss1.bin")));

  // A signature over other data is refused and nothing is written.
  o.isv_svn = "9";
  ASSERT_TRUE(GenData(o, Path("data2.bin")));
  r = CatSig(Path("data2.bin"), Path("sig.bin"), Path("pub.pem"), Path("ss2.bin"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_FALSE(fs::Exists(Path("ss2.bin")));
}

}  // namespace
}  // namespace inclavare::sgx::tools
