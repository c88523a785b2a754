// Helpers for the verifier plugin tests: plugin settings, a verifier
// instance driven through its C ops, temp directories, the MANIFEST's
// collateral laid out as a directory or as endorsements, and a sim platform.
#pragma once

#include <gtest/gtest.h>
#include <rats-tls/plugin.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attest/attest_test_util.h"
#include "ratstls/plugins/common/dcap_endorsements.h"

extern "C" {
const rats_tls_plugin_t* rats_tls_plugin_verifier_nullverifier(void);
const rats_tls_plugin_t* rats_tls_plugin_verifier_sgx_ecdsa(void);
const rats_tls_plugin_t* rats_tls_plugin_verifier_tdx_ecdsa(void);
const rats_tls_plugin_t* rats_tls_plugin_verifier_sev_snp(void);
const rats_tls_plugin_t* rats_tls_plugin_verifier_sgx_la(void);
}

namespace inclavare::ratstls::testing {

namespace at = attest::testing;

// Owned strings behind a rats_tls_plugin_env_t ("" = NULL).
struct Settings {
  std::string sim_dir, root_ca_file, collateral, snp_vcek_file, snp_ask_ark_file, policy_json, plugin_dir;
  int64_t verify_time = 0;
  rats_tls_plugin_env_t Env() const;
};

struct Outcome {
  int rc = 0;
  std::string error;
  rats_tls_verified_evidence_t out{};
  std::string claims_json;
};

// One initialised verifier; cleanup on destruction.
class Verifier {
 public:
  Verifier(const rats_tls_plugin_t* plugin, const Settings& s);
  ~Verifier();
  int init_rc() const { return init_rc_; }
  const std::string& init_error() const { return init_error_; }
  void* state() const { return state_; }
  Outcome Verify(uint64_t tag, const std::vector<uint8_t>& evidence,
                 const std::vector<uint8_t>& endorsements = {}) const;

 private:
  const rats_tls_verifier_ops_t* ops_;
  void* state_ = nullptr;
  int init_rc_ = 0;
  std::string init_error_;
};

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& data) const;  // returns the path

 private:
  std::string path_;
};

int64_t T(const char* rfc3339);
std::string Hex(const uint8_t* p, size_t n);
std::string DerToPem(const std::string& der);

// The MANIFEST's SGX-C collateral (quote_v3.bin, 0825) as a collateral
// directory in dir, and as endorsements.
void WriteSgxCCollateralDir(const TempDir& dir);
DcapEndorsements SgxCEndorsements();
// The TDX-G / TDX-F collateral (0625) as endorsements.
DcapEndorsements TdxEndorsements(const std::string& tcb_info_rel);

// A sim platform in a temp dir and a quote from its QE for a sample enclave.
struct SimQuote {
  std::unique_ptr<TempDir> dir;
  std::vector<uint8_t> quote;
  std::vector<uint8_t> mr_enclave;
};
SimQuote MakeSimQuote(bool debug);

}  // namespace inclavare::ratstls::testing
