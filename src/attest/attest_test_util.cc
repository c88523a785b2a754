#include "attest/attest_test_util.h"

#include "attest/x509.h"
#include "common/fs.h"

namespace inclavare::attest::testing {

std::string EvidenceDir() { return IC_EVIDENCE_DIR; }
bool HaveEvidence() { return fs::Exists(EvidenceDir() + "/MANIFEST.md"); }
std::string Ev(const std::string& rel) { return EvidenceDir() + "/" + rel; }

std::string ReadText(const std::string& rel) {
  auto r = fs::ReadFile(Ev(rel));
  EXPECT_TRUE(r.has_value()) << rel << ": " << (r ? "" : r.error().ToString());
  return r ? *r : std::string();
}

std::vector<uint8_t> ReadBytes(const std::string& rel) {
  std::string s = ReadText(rel);
  return {s.begin(), s.end()};
}

namespace {

int64_t T(const char* s) { return *ParseRfc3339(s); }

Collateral Files(const std::string& tcb, const std::string& qe, const std::string& pck_crl,
                 const std::string& root_crl, const std::string& signing) {
  CollateralFiles f;
  f.tcb_info = Ev(tcb);
  f.qe_identity = Ev(qe);
  f.pck_crl = Ev(pck_crl);
  if (!root_crl.empty()) f.root_ca_crl = Ev(root_crl);
  if (!signing.empty()) f.tcb_signing_chain = Ev(signing);
  auto c = LoadCollateralFiles(f);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().ToString());
  return c ? *c : Collateral{};
}

Collateral QvlJson(const std::string& rel) {
  auto c = ParseDcapQvlCollateral(ReadText(rel));
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().ToString());
  return c ? *c : Collateral{};
}

}  // namespace

E2eSet LoadSet(const std::string& name) {
  E2eSet s;
  s.name = name;
  if (name == "SGX-B") {
    s.quote = ReadBytes("sgx/dcap-qvl/sgx_quote");
    s.collateral = QvlJson("sgx/dcap-qvl/sgx_quote_collateral.json");
    s.options.time = T("2025-07-19T10:01:17Z");
  } else if (name == "SGX-C") {
    s.quote = ReadBytes("sgx/automata/quote_v3.bin");
    s.collateral = Files("sgx/automata/0825/sgx_tcbinfov3_00606a000000.json", "sgx/automata/0825/sgx_qeidentity_v4.json",
                         "sgx/automata/0825/platform_crl.der", "sgx/automata/intel_sgx_root_ca.crl.der",
                         "sgx/automata/intel_sgx_tcb_signing.der");
    s.options.time = T("2025-08-15T05:45:00Z");
  } else if (name == "SGX-F2020") {
    s.quote = ReadBytes("sgx/fortanix-pcs/quote.bin");
    // Its only Root CA CRL is dated 2026 (MANIFEST): verified without it.
    s.collateral = Files("sgx/fortanix-pcs/00906ea10000.tcb", "sgx/fortanix-pcs/qe3_identity.id",
                         "sgx/fortanix-pcs/processor.crl", "", "");
    s.options.time = T("2020-06-05T12:00:00Z");
  } else if (name == "TDX-D") {
    s.quote = ReadBytes("tdx/dcap-qvl/tdx_quote");
    s.collateral = QvlJson("tdx/dcap-qvl/tdx_quote_collateral.json");
    s.options.time = T("2025-07-19T10:00:34Z");
  } else if (name == "TDX-F") {
    s.quote = ReadBytes("tdx/automata/quotes/alibaba_quote_5.dat");
    s.collateral = Files("tdx/automata/0625/tcbinfov3_90C06F000000.json", "tdx/automata/0625/qe_td.json",
                         "sgx/automata/platform_crl_0625.der", "sgx/automata/intel_sgx_root_ca.crl.der",
                         "sgx/automata/intel_sgx_tcb_signing.der");
    s.options.time = T("2025-06-15T00:00:00Z");
  } else if (name == "TDX-G") {
    s.quote = ReadBytes("tdx/automata/quote_v4.bin");
    s.collateral = Files("tdx/automata/0625/tcbinfov3_00806f050000.json", "tdx/automata/0625/qe_td.json",
                         "sgx/automata/platform_crl_0625.der", "sgx/automata/intel_sgx_root_ca.crl.der",
                         "sgx/automata/intel_sgx_tcb_signing.der");
    s.options.time = T("2025-06-05T03:45:00Z");
  } else if (name == "TDX-N2") {
    s.quote = ReadBytes("tdx/dcap-qvl/tdx_quote_outdated");
    s.collateral = QvlJson("tdx/dcap-qvl/tdx_quote_outdated_collateral.json");
    s.options.time = T("2026-03-01T00:00:00Z");
  } else {
    ADD_FAILURE() << "unknown set " << name;
  }
  return s;
}

}  // namespace inclavare::attest::testing
