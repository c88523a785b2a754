#include "ratstls/plugins/verifiers/tests/verifier_test_util.h"

#include <openssl/pem.h>
#include <stdlib.h>

#include <cstdlib>

#include "attest/x509.h"
#include "common/fs.h"
#include "enclave/sgx/crypto.h"
#include "enclave/sgx/hex.h"
#include "enclave/sim/qe.h"
#include "enclave/sim/sample.h"
#include "enclave/sim/state.h"

namespace inclavare::ratstls::testing {

namespace {
const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }
}  // namespace

rats_tls_plugin_env_t Settings::Env() const {
  rats_tls_plugin_env_t e{};
  e.size = sizeof e;
  e.log_level = RATS_TLS_LOG_LEVEL_ERROR;
  e.sim_dir = OrNull(sim_dir);
  e.aesm_socket = "/var/run/aesmd/aesm.socket";
  e.root_ca_file = OrNull(root_ca_file);
  e.collateral = OrNull(collateral);
  e.snp_vcek_file = OrNull(snp_vcek_file);
  e.snp_ask_ark_file = OrNull(snp_ask_ark_file);
  e.policy_json = OrNull(policy_json);
  e.plugin_dir = OrNull(plugin_dir);
  e.verify_time = verify_time;
  return e;
}

Verifier::Verifier(const rats_tls_plugin_t* plugin, const Settings& s)
    : ops_(static_cast<const rats_tls_verifier_ops_t*>(plugin->ops)) {
  const rats_tls_plugin_env_t env = s.Env();
  rats_tls_error_t err{};
  init_rc_ = ops_->init(&env, &state_, &err);
  if (init_rc_ != 0) {
    init_error_ = err.msg;
    state_ = nullptr;
  }
}

Verifier::~Verifier() {
  if (state_) ops_->cleanup(state_);
}

Outcome Verifier::Verify(uint64_t tag, const std::vector<uint8_t>& evidence,
                         const std::vector<uint8_t>& endorsements) const {
  Outcome o;
  rats_tls_error_t err{};
  o.rc = ops_->verify_evidence(state_, tag, evidence.data(), evidence.size(), endorsements.data(),
                               endorsements.size(), &o.out, &err);
  if (o.rc != 0) o.error = err.msg;
  if (o.rc == 0 && o.out.claims_json) {
    o.claims_json = o.out.claims_json;
    std::free(o.out.claims_json);
    o.out.claims_json = nullptr;
  }
  return o;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/ratstls_verifiers_XXXXXX";
  const char* p = mkdtemp(tmpl);
  EXPECT_NE(p, nullptr);
  path_ = p ? p : "/nonexistent";
}

TempDir::~TempDir() { (void)fs::RemoveAll(path_); }

std::string TempDir::Write(const std::string& name, const std::string& data) const {
  const std::string p = fs::Join(path_, name);
  auto r = fs::WriteFile(p, data, /*create=*/true);
  EXPECT_TRUE(r.has_value()) << p << ": " << (r ? "" : r.error().ToString());
  return p;
}

int64_t T(const char* s) { return *attest::ParseRfc3339(s); }

std::string Hex(const uint8_t* p, size_t n) { return sgx::HexEncode({p, n}); }

std::string DerToPem(const std::string& der) {
  auto cert = attest::ParseCert(der);
  EXPECT_TRUE(cert.has_value());
  if (!cert) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert->get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

void WriteSgxCCollateralDir(const TempDir& d) {
  d.Write("tcb_info.json", at::ReadText("sgx/automata/0825/sgx_tcbinfov3_00606a000000.json"));
  d.Write("qe_identity.json", at::ReadText("sgx/automata/0825/sgx_qeidentity_v4.json"));
  d.Write("pck_platform_ca.crl.der", at::ReadText("sgx/automata/0825/platform_crl.der"));
  d.Write("root_ca.crl.der", at::ReadText("sgx/automata/intel_sgx_root_ca.crl.der"));
  d.Write("tcb_signing_chain.pem", DerToPem(at::ReadText("sgx/automata/intel_sgx_tcb_signing.der")) +
                                       DerToPem(at::ReadText("sgx/automata/intel_sgx_root_ca.der")));
}

namespace {

DcapEndorsements Common0825Chains(DcapEndorsements e) {
  const std::string root = DerToPem(at::ReadText("sgx/automata/intel_sgx_root_ca.der"));
  e.tcb_issuer_chain = DerToPem(at::ReadText("sgx/automata/intel_sgx_tcb_signing.der")) + root;
  e.qe_identity_issuer_chain = e.tcb_issuer_chain;
  e.root_ca_crl = at::ReadText("sgx/automata/intel_sgx_root_ca.crl.der");
  e.pck_crl_issuer_chain = DerToPem(at::ReadText("sgx/automata/intel_sgx_pck_platform_ca.der")) + root;
  return e;
}

}  // namespace

DcapEndorsements SgxCEndorsements() {
  DcapEndorsements e;
  e.tcb_info = at::ReadText("sgx/automata/0825/sgx_tcbinfov3_00606a000000.json");
  e.qe_identity = at::ReadText("sgx/automata/0825/sgx_qeidentity_v4.json");
  e.pck_crl = at::ReadText("sgx/automata/0825/platform_crl.der");
  e.creation_datetime = "2025-08-15T05:45:00Z";
  return Common0825Chains(std::move(e));
}

DcapEndorsements TdxEndorsements(const std::string& tcb_info_rel) {
  DcapEndorsements e;
  e.tcb_info = at::ReadText(tcb_info_rel);
  e.qe_identity = at::ReadText("tdx/automata/0625/qe_td.json");
  e.pck_crl = at::ReadText("sgx/automata/platform_crl_0625.der");
  return Common0825Chains(std::move(e));
}

SimQuote MakeSimQuote(bool debug) {
  namespace sim = sgx::sim;
  SimQuote q;
  q.dir = std::make_unique<TempDir>();
  const std::string state_dir = fs::Join(q.dir->path(), "sim");
  auto init = sim::State::Init(state_dir, {});
  EXPECT_TRUE(init.has_value()) << init.error().ToString();
  auto st = sim::State::Load(state_dir);
  EXPECT_TRUE(st.has_value()) << st.error().ToString();
  if (!st) return q;
  auto qe = sim::QuotingEnclave::Create(*st);
  EXPECT_TRUE(qe.has_value()) << qe.error().ToString();
  auto key = sgx::RsaKey::Generate();
  EXPECT_TRUE(key.has_value());
  if (!qe || !key) return q;
  sim::SampleEnclaveOptions o;
  o.debug = debug;
  auto app = sim::BuildSampleEnclave((*st)->keys(), *key, o);
  EXPECT_TRUE(app.has_value()) << app.error().ToString();
  auto ti = qe->GetTargetInfo();
  if (!app || !ti) return q;
  sgx::ReportData rd{};
  for (size_t i = 0; i < rd.size(); ++i) rd[i] = static_cast<uint8_t>(i);
  auto report = app->CreateReport(*ti, rd);
  EXPECT_TRUE(report.has_value());
  if (!report) return q;
  auto quote = qe->GetQuote(*report);
  EXPECT_TRUE(quote.has_value()) << quote.error().ToString();
  if (quote) q.quote = *quote;
  q.mr_enclave.assign(report->body.mr_enclave.begin(), report->body.mr_enclave.end());
  return q;
}

}  // namespace inclavare::ratstls::testing
