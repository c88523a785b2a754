// Certificates made by other implementations (../shared/testdata/evidence/
// ratls: upstream rats-tls's legacy certificates, Gramine, the Intel SGX
// SDK, rats-tls on Occlum) through the whole verification pipeline of the
// core (extraction, key binding, the sgx_ecdsa verifier with the 2025-08
// collateral of FMSPC 00606a000000, the policy), at the collateral's time.
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "ratstls/core/core.h"
#include "ratstls/tests/sim_env.h"

namespace ratstls_test {
namespace {

using ::testing::HasSubstr;
namespace rt = inclavare::ratstls;

constexpr int64_t kCollateralTime = 1755236700;  // 2025-08-15T05:45:00Z

std::string Evidence(const std::string& rel) { return std::string(IC_EVIDENCE_DIR) + "/" + rel; }

std::vector<uint8_t> PemToDer(const std::string& path) {
  std::string pem = ReadText(path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  std::vector<uint8_t> out;
  if (!c) return out;
  unsigned char* der = nullptr;
  int n = i2d_X509(c, &der);
  out.assign(der, der + n);
  OPENSSL_free(der);
  X509_free(c);
  return out;
}

std::string DerToPem(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* c = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, c);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  X509_free(c);
  return out;
}

class Certs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(IC_EVIDENCE_DIR)) {
      GTEST_SKIP() << "no evidence folder at " << IC_EVIDENCE_DIR << " (../shared/testdata is absent)";
    }
    dir_ = "/tmp/ratstls-certs-" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
    auto put = [&](const char* name, const std::string& data) { std::ofstream(dir_ + "/" + name) << data; };
    put("tcb_info.json", ReadText(Evidence("sgx/automata/0825/sgx_tcbinfov3_00606a000000.json")));
    put("qe_identity.json", ReadText(Evidence("sgx/automata/0825/sgx_qeidentity_v4.json")));
    put("pck_platform_ca.crl.der", ReadText(Evidence("sgx/automata/0825/platform_crl.der")));
    put("root_ca.crl.der", ReadText(Evidence("sgx/automata/intel_sgx_root_ca.crl.der")));
    put("tcb_signing_chain.pem", DerToPem(ReadText(Evidence("sgx/automata/intel_sgx_tcb_signing.der"))) +
                                     DerToPem(ReadText(Evidence("sgx/automata/intel_sgx_root_ca.der"))));
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  // "" when the certificate verifies, else the reason.
  std::string Verify(const std::string& rel, const std::string& policy = "", int64_t at = kCollateralTime) {
    std::string policy_path;
    rats_tls_conf_t conf;
    memset(&conf, 0, sizeof conf);
    conf.api_version = RATS_TLS_API_VERSION_2;
    conf.log_level = RATS_TLS_LOG_LEVEL_NONE;
    conf.ext.plugin_dir = RATSTLS_PLUGIN_DIR;
    conf.ext.collateral = dir_.c_str();
    conf.ext.verify_time = at;
    if (!policy.empty()) {
      policy_path = dir_ + "/policy.json";
      std::ofstream(policy_path) << policy;
      conf.ext.policy_file = policy_path.c_str();
    }
    auto ctx = rt::CreateContext(conf);
    if (!ctx) return "context: " + ctx.error().ToString();
    auto der = PemToDer(Evidence(rel));
    if (der.empty()) return "unreadable certificate";
    auto r = rt::VerifyPeerCertificate(**ctx, der, {});
    if (!r) return r.error().ToString();
    last_json_ = rt::PeerToJson(*(*ctx)->peer);
    return "";
  }
  std::string dir_, last_json_;
};

TEST_F(Certs, UpstreamRatsTlsLegacyCertificatesVerify) {
  // Raw quote in 1.2.840.113741.1337.6, bound to the PKCS#1 RSA key.
  EXPECT_EQ(Verify("ratls/rats-tls/rats-tls-cert-sample.pem"), "");
  EXPECT_THAT(last_json_, HasSubstr("144e8148"));  // MRENCLAVE per MANIFEST
  EXPECT_THAT(last_json_, HasSubstr("\"debug\":false"));
  EXPECT_EQ(Verify("ratls/rats-tls/rats-tls-cert-openssl-sample.pem"), "");
  EXPECT_THAT(last_json_, HasSubstr("d74f2eb8"));
}

TEST_F(Certs, GramineDebugEnclaveRefusedByDefaultAcceptedWhenDebugAllowed) {
  EXPECT_THAT(Verify("ratls/interoperable-ra-tls/gramine-cert.pem"), HasSubstr("debug"));
  EXPECT_EQ(Verify("ratls/interoperable-ra-tls/gramine-cert.pem", R"({"allow_debug": true})"), "");
  EXPECT_THAT(last_json_, HasSubstr("0866e7ca"));
  EXPECT_THAT(last_json_, HasSubstr("\"debug\":true"));
}

TEST_F(Certs, IntelSgxSdkCertificateNeedsItsProcessorCaCollateral) {
  // FMSPC 00706a100000 under the PCK Processor CA: the collateral here is
  // for another platform, so verification must fail, and not silently.
  std::string why = Verify("ratls/interoperable-ra-tls/intel-sgxsdk-cert.pem", R"({"allow_debug": true})");
  EXPECT_NE(why, "");
  EXPECT_THAT(why, HasSubstr("verifier sgx_ecdsa"));
}

TEST_F(Certs, OcclumRatsTlsCertificateExpired) {
  // Valid 2023-02-22..2024-02-22 only.
  EXPECT_THAT(Verify("ratls/interoperable-ra-tls/rats-tls-cert.pem", R"({"allow_debug": true})"),
              HasSubstr("expired"));
  // Within its validity the debug enclave is refused by the default policy
  // unless the collateral (2025) fails first: either way it is refused.
  EXPECT_NE(Verify("ratls/interoperable-ra-tls/rats-tls-cert.pem", "", 1690000000), "");
}

}  // namespace
}  // namespace ratstls_test
