// The sgx_ecdsa verifier plugin through its C ops: the MANIFEST's real quote
// (SGX-C, SGX-B) with collateral from a directory, endorsements and a
// dcap-qvl file; expiry, policy, sim quotes, caching and throughput.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <optional>

#include "common/fs.h"
#include "ratstls/plugins/verifiers/common/dcap_quote_verifier.h"
#include "ratstls/plugins/verifiers/tests/verifier_test_util.h"
#include "tools/pccs-sim/server.h"

namespace inclavare::ratstls::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kQuoteV3MrEnclave[] = "a4f45c39dac622cb1dd32ddb35a52ec92db41d0fa88a1c911c49e59c534f61cd";
constexpr char kQuoteV3MrSigner[] = "8f2dbc0f9c5d3378d596974b2deed1f93223cc49242899f83809bcc92546132c";
constexpr size_t kSgxReportDataOffset = 48 + 320;  // header + REPORTBODY.report_data

const rats_tls_plugin_t* Sgx() { return rats_tls_plugin_verifier_sgx_ecdsa(); }

Settings SgxCAt(const char* time) {
  Settings s;
  s.verify_time = T(time);
  return s;
}

void ExpectSgxCVerified(const Outcome& o, const std::vector<uint8_t>& quote) {
  ASSERT_EQ(o.rc, 0) << o.error;
  EXPECT_STREQ(o.out.evidence_type, "sgx_ecdsa");
  EXPECT_STREQ(o.out.tcb_status, "SWHardeningNeeded");
  EXPECT_FALSE(o.out.debug);
  EXPECT_EQ(Hex(o.out.mr_enclave, 32), kQuoteV3MrEnclave);
  EXPECT_EQ(Hex(o.out.mr_signer, 32), kQuoteV3MrSigner);
  EXPECT_EQ(0, std::memcmp(o.out.report_data, quote.data() + kSgxReportDataOffset, 64));
  // Earliest nextUpdate of the 0825 set: the QE identity's.
  EXPECT_EQ(o.out.valid_until, T("2025-09-14T04:36:46Z"));
  EXPECT_THAT(o.claims_json, HasSubstr("\"tcb_status\":\"SWHardeningNeeded\""));
  EXPECT_THAT(o.claims_json, HasSubstr("\"advisories\":[\"INTEL-SA-00615\"]"));
  EXPECT_THAT(o.claims_json, HasSubstr(std::string("\"mr_enclave\":\"") + kQuoteV3MrEnclave));
  EXPECT_THAT(o.claims_json, HasSubstr("\"fmspc\":\"00606a000000\""));
}

TEST(SgxEcdsaVerifier, Descriptor) {
  const rats_tls_plugin_t* p = Sgx();
  EXPECT_EQ(p->abi_version, RATS_TLS_PLUGIN_ABI_VERSION);
  EXPECT_EQ(p->kind, RATS_TLS_PLUGIN_VERIFIER);
  EXPECT_STREQ(p->name, "sgx_ecdsa");
  EXPECT_STREQ(p->type, "sgx_ecdsa");
  EXPECT_EQ(p->priority, 52);
}

TEST(SgxEcdsaVerifier, QuoteV3WithCollateralDirectory) {
  IC_REQUIRE_EVIDENCE();
  TempDir d;
  WriteSgxCCollateralDir(d);
  Settings s = SgxCAt("2025-08-15T05:45:00Z");
  s.collateral = d.path();
  Verifier v(Sgx(), s);
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  const auto quote = at::ReadBytes("sgx/automata/quote_v3.bin");
  ExpectSgxCVerified(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote), quote);
  // The legacy raw-quote extension (tag 0) is the same quote.
  ExpectSgxCVerified(v.Verify(RATS_TLS_TAG_LEGACY_QUOTE, quote), quote);
  EXPECT_EQ(static_cast<verifiers::DcapQuoteVerifier*>(v.state())->verifiers_built(), 1u);
}

TEST(SgxEcdsaVerifier, QuoteV3WithEndorsements) {
  IC_REQUIRE_EVIDENCE();
  auto enc = EncodeDcapEndorsements(SgxCEndorsements());
  ASSERT_TRUE(enc.has_value());
  Verifier v(Sgx(), SgxCAt("2025-08-15T05:45:00Z"));  // no collateral configured
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  const auto quote = at::ReadBytes("sgx/automata/quote_v3.bin");
  for (int i = 0; i < 3; ++i) ExpectSgxCVerified(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, *enc), quote);
  auto* dv = static_cast<verifiers::DcapQuoteVerifier*>(v.state());
  EXPECT_EQ(dv->verifiers_built(), 1u);  // cached by the endorsement bytes

  // Other endorsement bytes (no creation time): another verifier.
  DcapEndorsements e = SgxCEndorsements();
  e.creation_datetime.reset();
  auto enc2 = EncodeDcapEndorsements(e);
  ASSERT_TRUE(enc2.has_value());
  ExpectSgxCVerified(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, *enc2), quote);
  EXPECT_EQ(dv->verifiers_built(), 2u);

  // Broken endorsements: a clear error, never a fallback.
  auto bad = *enc;
  bad.resize(bad.size() / 2);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, bad);
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("endorsements: malformed CBOR"));
}

TEST(SgxEcdsaVerifier, EndorsementCacheIsBounded) {
  IC_REQUIRE_EVIDENCE();
  Verifier v(Sgx(), SgxCAt("2025-08-15T05:45:00Z"));
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  const auto quote = at::ReadBytes("sgx/automata/quote_v3.bin");
  auto* dv = static_cast<verifiers::DcapQuoteVerifier*>(v.state());
  const size_t n = verifiers::DcapQuoteVerifier::kMaxEndorsementVerifiers + 1;
  std::vector<std::vector<uint8_t>> encs;
  for (size_t i = 0; i < n; ++i) {
    DcapEndorsements e = SgxCEndorsements();
    e.creation_datetime = "2025-08-15T05:45:" + std::to_string(10 + i) + "Z";  // distinct bytes
    encs.push_back(*EncodeDcapEndorsements(e));
    ASSERT_EQ(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, encs.back()).rc, 0);
  }
  EXPECT_EQ(dv->verifiers_built(), n);
  // The most recent is cached; the first was evicted and is built again.
  ASSERT_EQ(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, encs.back()).rc, 0);
  EXPECT_EQ(dv->verifiers_built(), n);
  ASSERT_EQ(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, encs.front()).rc, 0);
  EXPECT_EQ(dv->verifiers_built(), n + 1);
}

TEST(SgxEcdsaVerifier, AfterCollateralExpiryFailsNamingNextUpdate) {
  IC_REQUIRE_EVIDENCE();
  TempDir d;
  WriteSgxCCollateralDir(d);
  Settings s = SgxCAt("2025-09-14T05:00:00Z");  // QE identity expired at 04:36:46Z
  s.collateral = d.path();
  const auto quote = at::ReadBytes("sgx/automata/quote_v3.bin");
  {
    Verifier v(Sgx(), s);
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote);
    EXPECT_NE(o.rc, 0);
    EXPECT_THAT(o.error, HasSubstr("collateral expired: enclaveIdentity nextUpdate 2025-09-14T04:36:46Z"));
  }
  s.collateral.clear();
  Verifier v(Sgx(), s);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, *EncodeDcapEndorsements(SgxCEndorsements()));
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("nextUpdate"));
}

TEST(SgxEcdsaVerifier, PolicyWithWrongMrEnclaveFails) {
  IC_REQUIRE_EVIDENCE();
  TempDir d;
  WriteSgxCCollateralDir(d);
  Settings s = SgxCAt("2025-08-15T05:45:00Z");
  s.collateral = d.path();
  s.policy_json = R"({"mr_enclave": ")" + std::string(64, '0') + "\"}";
  const auto quote = at::ReadBytes("sgx/automata/quote_v3.bin");
  {
    Verifier v(Sgx(), s);
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote);
    EXPECT_EQ(o.rc, -EPERM);
    EXPECT_THAT(o.error, HasSubstr("policy: MRENCLAVE is a4f45c39"));
  }
  {
    s.policy_json = std::string(R"({"mr_enclave": ")") + kQuoteV3MrEnclave + R"(", "mr_signer": ")" +
                    kQuoteV3MrSigner + R"("})";
    Verifier v(Sgx(), s);
    EXPECT_EQ(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote).rc, 0);
  }
  {
    s.policy_json = R"({"accepted_statuses": ["UpToDate"]})";
    Verifier v(Sgx(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote);
    EXPECT_NE(o.rc, 0);
    EXPECT_THAT(o.error, HasSubstr("SWHardeningNeeded"));
  }
  {
    s.policy_json = R"({"mr_enclav": "00"})";  // a typo must not weaken the policy
    Verifier v(Sgx(), s);
    EXPECT_NE(v.init_rc(), 0);
    EXPECT_THAT(v.init_error(), HasSubstr("mr_enclav"));
  }
}

TEST(SgxEcdsaVerifier, NoCollateralIsAClearError) {
  IC_REQUIRE_EVIDENCE();
  if (::getenv("QCNL_CONF_PATH") != nullptr || fs::Exists("/etc/sgx_default_qcnl.conf"))
    GTEST_SKIP() << "this host has a QCNL configuration, which supplies collateral";
  Verifier v(Sgx(), SgxCAt("2025-08-15T05:45:00Z"));
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, at::ReadBytes("sgx/automata/quote_v3.bin"));
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("no collateral for the quote: the certificate carries no endorsements, "
                                 "conf.ext.collateral is not set and there is no QCNL configuration"));
}

TEST(SgxEcdsaVerifier, DcapQvlCollateralFile) {
  IC_REQUIRE_EVIDENCE();
  Settings s = SgxCAt("2025-07-19T10:01:17Z");
  s.collateral = at::Ev("sgx/dcap-qvl/sgx_quote_collateral.json");
  Verifier v(Sgx(), s);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, at::ReadBytes("sgx/dcap-qvl/sgx_quote"));
  ASSERT_EQ(o.rc, 0) << o.error;
  EXPECT_STREQ(o.out.tcb_status, "ConfigurationAndSWHardeningNeeded");
  EXPECT_THAT(o.claims_json, HasSubstr("\"advisories\":[\"INTEL-SA-00289\",\"INTEL-SA-00615\"]"));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(o.out.report_data), 13), "Hello, world!");
}

TEST(SgxEcdsaVerifier, WrongInputsAreNamed) {
  IC_REQUIRE_EVIDENCE();
  Settings s = SgxCAt("2025-07-19T10:00:34Z");
  s.collateral = at::Ev("tdx/dcap-qvl/tdx_quote_collateral.json");
  Verifier v(Sgx(), s);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, at::ReadBytes("tdx/dcap-qvl/tdx_quote"));
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("TDX quote"));
  EXPECT_THAT(o.error, HasSubstr("tdx_ecdsa"));
  o = v.Verify(RATS_TLS_TAG_SEV_SNP, at::ReadBytes("sgx/automata/quote_v3.bin"));
  EXPECT_THAT(o.error, HasSubstr("evidence tag 1733892 is not an SGX quote"));
  o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, {});
  EXPECT_THAT(o.error, HasSubstr("empty evidence"));
  o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, {1, 2, 3});
  EXPECT_NE(o.rc, 0);
  EXPECT_FALSE(o.error.empty());
  // A tampered quote body fails the quote signature.
  TempDir d;
  WriteSgxCCollateralDir(d);
  Settings c = SgxCAt("2025-08-15T05:45:00Z");
  c.collateral = d.path();
  Verifier v2(Sgx(), c);
  auto quote = at::ReadBytes("sgx/automata/quote_v3.bin");
  quote[kSgxReportDataOffset] ^= 1;
  o = v2.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote);
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("quote signature does not verify"));
}

TEST(SgxEcdsaVerifier, MissingTrustAnchorFileFailsInit) {
  Settings s;
  s.root_ca_file = "/nonexistent/root.pem";
  Verifier v(Sgx(), s);
  EXPECT_NE(v.init_rc(), 0);
  EXPECT_THAT(v.init_error(), HasSubstr("/nonexistent/root.pem"));
}

TEST(SgxEcdsaVerifier, SimQuoteVerifiesOnlyWithSimDir) {
  SimQuote q = MakeSimQuote(/*debug=*/false);
  ASSERT_FALSE(q.quote.empty());
  const std::string sim_dir = q.dir->path() + "/sim";
  {
    Settings s;
    s.sim_dir = sim_dir;  // sim root, sim collateral, sim QE accepted
    Verifier v(Sgx(), s);
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, q.quote);
    ASSERT_EQ(o.rc, 0) << o.error;
    EXPECT_STREQ(o.out.tcb_status, "UpToDate");
    EXPECT_EQ(Hex(o.out.mr_enclave, 32), Hex(q.mr_enclave.data(), q.mr_enclave.size()));
    EXPECT_GT(o.out.valid_until, attest::NowUnix());
  }
  {
    // The sim collateral given explicitly, but the built-in Intel root: refused.
    Settings s;
    s.collateral = sim_dir + "/collateral";
    Verifier v(Sgx(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, q.quote);
    EXPECT_EQ(o.rc, -EPERM);
    EXPECT_THAT(o.error, HasSubstr("SIMULATED quoting enclave"));
    EXPECT_THAT(o.error, HasSubstr("conf.ext.sim_dir"));
  }
  {
    // The sim root as an explicit anchor is not enough either: only sim_dir
    // makes sim quotes acceptable.
    Settings s;
    s.collateral = sim_dir + "/collateral";
    s.root_ca_file = sim_dir + "/root_ca.pem";
    Verifier v(Sgx(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, q.quote);
    EXPECT_NE(o.rc, 0);
    EXPECT_THAT(o.error, HasSubstr("SIMULATED quoting enclave"));
  }
  {
    // A real Intel quote under the sim configuration fails its chain.
    Settings s;
    s.sim_dir = sim_dir;
    Verifier v(Sgx(), s);
    if (at::HaveEvidence()) {
      Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, at::ReadBytes("sgx/automata/quote_v3.bin"),
                           *EncodeDcapEndorsements(SgxCEndorsements()));
      EXPECT_NE(o.rc, 0);
    }
  }
}

// conf.ext.collateral may name a PCS/PCCS: the collateral for the quote's
// FMSPC is fetched from it (here pccs-sim, the sim platform's PCCS).
TEST(SgxEcdsaVerifier, CollateralFromAPccsUrl) {
  SimQuote q = MakeSimQuote(/*debug=*/false);
  ASSERT_FALSE(q.quote.empty());
  const std::string sim_dir = q.dir->path() + "/sim";
  auto server = sgx::pccs_sim::PccsSim::Start({.dir = sim_dir});
  ASSERT_TRUE(server) << server.error().ToString();
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
  {
    Settings s;
    s.sim_dir = sim_dir;  // trust the sim root and QE ...
    s.collateral = url;   // ... but take the collateral from the PCCS
    Verifier v(Sgx(), s);
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    for (int i = 0; i < 2; ++i) {
      Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, q.quote);
      ASSERT_EQ(o.rc, 0) << o.error;
      EXPECT_STREQ(o.out.tcb_status, "UpToDate");
      EXPECT_GT(o.out.valid_until, attest::NowUnix());
    }
  }
  {
    // A PCCS that serves nothing for this FMSPC: the error names the URL.
    Settings s;
    s.sim_dir = sim_dir;
    s.collateral = url + "/nothing-here";
    Verifier v(Sgx(), s);
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, q.quote);
    EXPECT_NE(o.rc, 0);
    EXPECT_THAT(o.error, HasSubstr(url + "/nothing-here/sgx/certification/v4/tcb"));
    EXPECT_THAT(o.error, HasSubstr("HTTP 404"));
  }
  {
    // With the PCCS but the built-in Intel root: still refused.
    Settings s;
    s.collateral = url;
    Verifier v(Sgx(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, q.quote);
    EXPECT_EQ(o.rc, -EPERM);
    EXPECT_THAT(o.error, HasSubstr("SIMULATED quoting enclave"));
  }
}

// Sets QCNL_CONF_PATH for the scope.
class ScopedQcnlPath {
 public:
  explicit ScopedQcnlPath(const std::string& path) {
    if (const char* old = ::getenv("QCNL_CONF_PATH")) saved_ = old;
    ::setenv("QCNL_CONF_PATH", path.c_str(), 1);
  }
  ~ScopedQcnlPath() {
    if (saved_) {
      ::setenv("QCNL_CONF_PATH", saved_->c_str(), 1);
    } else {
      ::unsetenv("QCNL_CONF_PATH");
    }
  }

 private:
  std::optional<std::string> saved_;
};

// With neither conf.ext.collateral nor sim_dir, Intel's QCNL configuration
// names the PCCS, as on a machine set up for DCAP.
TEST(SgxEcdsaVerifier, CollateralFromThePccsOfTheQcnlConfiguration) {
  TempDir d;
  SimQuote sim = MakeSimQuote(/*debug=*/false);
  ASSERT_FALSE(sim.quote.empty());
  const std::string sim_dir = sim.dir->path() + "/sim";
  auto server = sgx::pccs_sim::PccsSim::Start({.dir = sim_dir});
  ASSERT_TRUE(server) << server.error().ToString();
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
  const std::string conf = d.path() + "/qcnl.conf";
  ASSERT_TRUE(fs::WriteFile(conf, "{\n  // test PCCS\n  \"pccs_url\": \"" + url + "/sgx/certification/v4/\"\n}\n", true));
  ScopedQcnlPath env(conf);
  if (at::HaveEvidence()) {
    // A real quote: its FMSPC is asked of the configured PCCS, which has
    // only the sim platform's, and the error says where it asked.
    Verifier v(Sgx(), SgxCAt("2025-08-15T05:45:00Z"));
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, at::ReadBytes("sgx/automata/quote_v3.bin"));
    EXPECT_NE(o.rc, 0);
    EXPECT_THAT(o.error, HasSubstr(url + "/sgx/certification/v4/tcb?fmspc=00606A000000"));
    EXPECT_THAT(o.error, HasSubstr("HTTP 404"));
    // With endorsements in the certificate the PCCS is not asked.
    auto enc = EncodeDcapEndorsements(SgxCEndorsements());
    ExpectSgxCVerified(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, at::ReadBytes("sgx/automata/quote_v3.bin"), *enc),
                       at::ReadBytes("sgx/automata/quote_v3.bin"));
  }
  {
    // A sim quote is still refused without sim_dir, whatever serves it.
    Verifier v(Sgx(), Settings{});
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, sim.quote);
    EXPECT_EQ(o.rc, -EPERM);
  }
  {
    // sim_dir set: its collateral, and the QCNL file is not read at all.
    ASSERT_TRUE(fs::WriteFile(conf, "{ broken", false));
    Settings s;
    s.sim_dir = sim_dir;
    Verifier v(Sgx(), s);
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, sim.quote);
    EXPECT_EQ(o.rc, 0) << o.error;
  }
  {
    // A malformed QCNL file fails init, naming it.
    Verifier v(Sgx(), Settings{});
    EXPECT_NE(v.init_rc(), 0);
    EXPECT_THAT(v.init_error(), HasSubstr(conf));
    EXPECT_THAT(v.init_error(), HasSubstr("not valid JSON"));
  }
}

TEST(SgxEcdsaVerifier, AQcnlPathThatNamesNoFileFailsInit) {
  ScopedQcnlPath env("/nonexistent/qcnl.conf");
  Verifier v(Sgx(), Settings{});
  EXPECT_NE(v.init_rc(), 0);
  EXPECT_THAT(v.init_error(), HasSubstr("QCNL_CONF_PATH"));
  EXPECT_THAT(v.init_error(), HasSubstr("/nonexistent/qcnl.conf"));
}

TEST(SgxEcdsaVerifier, SimDebugEnclaveRefusedByDefaultPolicy) {
  SimQuote q = MakeSimQuote(/*debug=*/true);
  ASSERT_FALSE(q.quote.empty());
  Settings s;
  s.sim_dir = q.dir->path() + "/sim";
  {
    Verifier v(Sgx(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, q.quote);
    EXPECT_EQ(o.rc, -EPERM);
    EXPECT_THAT(o.error, HasSubstr("debug"));
  }
  s.policy_json = R"({"allow_debug": true})";
  Verifier v(Sgx(), s);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, q.quote);
  ASSERT_EQ(o.rc, 0) << o.error;
  EXPECT_TRUE(o.out.debug);
}

// Not a benchmark with thresholds: prints verify_evidence calls/s for the
// same quote, which a handshake-heavy server sees.
TEST(SgxEcdsaVerifier, ThroughputSameQuote) {
  IC_REQUIRE_EVIDENCE();
  TempDir d;
  WriteSgxCCollateralDir(d);
  Settings s = SgxCAt("2025-08-15T05:45:00Z");
  s.collateral = d.path();
  const auto quote = at::ReadBytes("sgx/automata/quote_v3.bin");
  const auto enc = *EncodeDcapEndorsements(SgxCEndorsements());
  const std::vector<uint8_t> none;
  for (bool with_endorsements : {false, true}) {
    const std::vector<uint8_t>& e = with_endorsements ? enc : none;
    Verifier v(Sgx(), s);
    ASSERT_EQ(v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, e).rc, 0);
    constexpr int kCalls = 2000;
    auto start = std::chrono::steady_clock::now();
    int ok = 0;
    for (int i = 0; i < kCalls; ++i) {
      ok += v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, e).rc == 0;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(ok, kCalls);
    std::printf(
        "sgx_ecdsa verify_evidence, same quote, collateral from %s: %.0f calls/s (%d calls, %.3f s)\n",
        with_endorsements ? "endorsements" : "a directory", kCalls / secs, kCalls, secs);
  }
}

}  // namespace
}  // namespace inclavare::ratstls::testing
