// sgx-tools measure and sign --enclave, on the sim test enclave image.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/measurement.h"
#include "enclave/sgx/sigstruct.h"
#include "enclave/sim/image.h"
#include "tools/sgx-tools/commands.h"

namespace inclavare::sgx::tools {
namespace {

class MeasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sgx-tools-measure-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)fs::RemoveAll(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Write(const std::string& name, const std::string& data) {
    EXPECT_TRUE(fs::WriteFileAtomic(Path(name), data));
    return Path(name);
  }
  // The MRENCLAVE computed by the image library directly.
  static std::string ExpectedMr(const std::string& config_json) {
    auto elf = fs::ReadFile(IC_TEST_ENCLAVE);
    EXPECT_TRUE(elf);
    auto cfg = config_json.empty() ? Result<sim::EnclaveConfig>(sim::EnclaveConfig{})
                                   : sim::ParseEnclaveConfig(config_json);
    EXPECT_TRUE(cfg);
    auto layout = sim::BuildEnclaveLayout({reinterpret_cast<const uint8_t*>(elf->data()), elf->size()}, *cfg);
    EXPECT_TRUE(layout);
    auto mr = sim::MeasureLayout(*layout);
    EXPECT_TRUE(mr);
    return HexEncode(*mr);
  }
  std::string dir_;
};

TEST_F(MeasureTest, PrintsMrEnclave) {
  auto mr = Measure(IC_TEST_ENCLAVE, "", false);
  ASSERT_TRUE(mr) << mr.error().ToString();
  EXPECT_EQ(*mr, ExpectedMr(""));
  const std::string cfg_json = R"({"heap_size": "0x4000", "isv_prod_id": 9, "debug": true})";
  const std::string cfg = Write("c.json", cfg_json);
  auto with_cfg = Measure(IC_TEST_ENCLAVE, cfg, false);
  ASSERT_TRUE(with_cfg);
  EXPECT_EQ(*with_cfg, ExpectedMr(cfg_json));
  EXPECT_NE(*with_cfg, *mr);

  auto json = Measure(IC_TEST_ENCLAVE, cfg, true);
  ASSERT_TRUE(json);
  auto j = nlohmann::json::parse(*json);
  EXPECT_EQ(j["mr_enclave"], *with_cfg);
  EXPECT_EQ(j["isv_prod_id"], 9);
  EXPECT_EQ(j["attributes"]["flags"], "0x6");  // MODE64BIT | DEBUG
  EXPECT_EQ(j["heap_size"], "0x4000");
  EXPECT_EQ(j["ssa_frame_size"], 1);
}

TEST_F(MeasureTest, ErrorsNameTheFile) {
  auto missing = Measure(Path("nope.so"), "", false);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().ToString().find("nope.so"), std::string::npos);
  auto bad = Measure(Write("bad.so", "not an elf"), "", false);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().ToString().find("bad.so: enclave image: not an ELF file"), std::string::npos)
      << bad.error().ToString();
  auto cfg = Measure(IC_TEST_ENCLAVE, Write("c.json", R"({"stack": 1})"), false);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().ToString().find("c.json: enclave config: unknown key 'stack'"), std::string::npos);
}

TEST_F(MeasureTest, SignEnclaveTakesTheIdentityFromImageAndConfig) {
  ASSERT_TRUE(GenKey(Path("key.pem")));
  const std::string cfg_json = R"({"isv_prod_id": 3, "isv_svn": 4, "misc_select": 1, "debug": true})";
  const std::string cfg = Write("c.json", cfg_json);
  SigStructOptions o;
  o.date = "20261127";
  ASSERT_TRUE(SignEnclave(o, IC_TEST_ENCLAVE, cfg, Path("key.pem"), Path("encl.sig")));
  auto bytes = fs::ReadFile(Path("encl.sig"));
  ASSERT_TRUE(bytes);
  auto ss = SigStructFromBytes({reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()});
  ASSERT_TRUE(ss);
  EXPECT_EQ(HexEncode(ss->body.enclave_hash), ExpectedMr(cfg_json));
  EXPECT_EQ(ss->body.isv_prod_id, 3);
  EXPECT_EQ(ss->body.isv_svn, 4);
  EXPECT_EQ(ss->body.misc_select, 1u);
  EXPECT_EQ(ss->body.attributes.flags, kAttrMode64Bit | kAttrDebug);
  EXPECT_EQ(ss->header.date, 0x20261127u);
  auto verified = VerifySigStructFile(Path("encl.sig"), ExpectedMr(cfg_json));
  EXPECT_TRUE(verified) << verified.error().ToString();
  // A bad config is an error, not a signature over the defaults.
  EXPECT_FALSE(SignEnclave(o, IC_TEST_ENCLAVE, Write("bad.json", "{"), Path("key.pem"), Path("x.sig")));
}

}  // namespace
}  // namespace inclavare::sgx::tools
