// Rats-TLS verifier "sgx_la": SGX local attestation on the SIMULATED SGX
// platform. The evidence (tag 60002) is a 432-byte EREPORT REPORT targeted at
// this verifier's own stub enclave (common/sgx_stub_host.h, production
// signature); its MAC is checked with the stub's report key, which only an
// enclave on the same platform can produce. No TCB status: tcb_status "".
#include <rats-tls/plugin.h>

#include <cstring>
#include <memory>

#include "ratstls/plugins/common/sgx_stub_host.h"
#include "ratstls/plugins/verifiers/common/verifier_util.h"

namespace inclavare::ratstls::verifiers {
namespace {

struct LaState {
  VerifierSettings settings;
  std::unique_ptr<SimStubEnclave> stub;  // loaded on first use
};

Result<> Verify(LaState& st, std::span<const uint8_t> evidence, rats_tls_verified_evidence_t* out) {
  if (evidence.size() != sizeof(sgx::Report)) {
    return InvalidArgument("sgx_la: evidence of " + std::to_string(evidence.size()) + " bytes, expected a " +
                           std::to_string(sizeof(sgx::Report)) + "-byte SGX REPORT");
  }
  if (st.settings.sim_dir.empty()) {
    return FailedPrecondition(
        "sgx_la: local attestation is only available on the simulated SGX platform and conf.ext.sim_dir is "
        "not set");
  }
  if (!st.stub) {
    IC_ASSIGN_OR_RETURN(st.stub,
                        SimStubEnclave::Load(st.settings.sim_dir, st.settings.plugin_dir, /*debug=*/false)
                            .Wrap("sgx_la: the verifier's stub enclave"));
  }
  sgx::Report report;
  std::memcpy(&report, evidence.data(), sizeof report);
  IC_TRY(st.stub->VerifyReport(report).Wrap(
      "sgx_la: REPORT MAC (not made on this platform for this verifier's stub enclave, or tampered with)"));
  const attest::Claims c = ClaimsFromReportBody(report.body);
  IC_TRY(st.settings.CheckPolicy(c, attest::TcbStatus::kUpToDate));
  return FillVerifiedEvidence(c, "sgx_la", "", 0, nlohmann::ordered_json::object(), out);
}

int Init(const rats_tls_plugin_env_t* env, void** state, rats_tls_error_t* err) {
  return CallPlugin(err, [&]() -> Result<> {
    if (!state) return InvalidArgument("no state pointer");
    auto st = std::make_unique<LaState>();
    IC_ASSIGN_OR_RETURN(st->settings, VerifierSettings::FromEnv(env));
    *state = st.release();
    return {};
  });
}

int VerifyEvidence(void* state, uint64_t tag, const uint8_t* evidence, size_t evidence_size,
                   const uint8_t* /*endorsements*/, size_t /*endorsements_size*/,
                   rats_tls_verified_evidence_t* out, rats_tls_error_t* err) {
  return CallPlugin(err, [&]() -> Result<> {
    if (!state) return InvalidArgument("sgx_la: not initialised");
    if (tag != RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT) {
      return InvalidArgument("sgx_la: evidence tag " + std::to_string(tag) +
                             " is not an SGX REPORT (expected 60002)");
    }
    if (!evidence && evidence_size) return InvalidArgument("sgx_la: evidence is NULL");
    return Verify(*static_cast<LaState*>(state), {evidence, evidence_size}, out);
  });
}

void Cleanup(void* state) { delete static_cast<LaState*>(state); }

const rats_tls_verifier_ops_t kOps = {Init, VerifyEvidence, Cleanup};
const rats_tls_plugin_t kPlugin = {
    RATS_TLS_PLUGIN_ABI_VERSION, RATS_TLS_PLUGIN_VERIFIER, "sgx_la", "sgx_la", 15, &kOps};

}  // namespace
}  // namespace inclavare::ratstls::verifiers

extern "C" const rats_tls_plugin_t* rats_tls_plugin_verifier_sgx_la(void) {
  return &inclavare::ratstls::verifiers::kPlugin;
}
