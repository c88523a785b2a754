// sgx_la attester: SGX local attestation evidence, as upstream rats-tls's
// sgx_la: the 432-byte EREPORT REPORT of the sgx stub enclave, targeted at
// the stub's own TARGETINFO, with the requested REPORTDATA. Only an enclave
// on the same platform can check its MAC: the peer's sgx_la verifier runs
// the same stub (common/sgx_stub_host.h) on the same SIMULATED platform
// (env->sim_dir). Evidence tag 60002.
#include <rats-tls/plugin.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/fs.h"
#include "ratstls/plugins/attesters/attester_util.h"
#include "ratstls/plugins/common/sgx_stub_host.h"

namespace inclavare::ratstls::attesters {
namespace {

struct SgxLaState {
  std::unique_ptr<SimStubEnclave> stub;
  sgx::TargetInfo self{};
};

Result<> ProbeSim(const rats_tls_plugin_env_t* env) {
  const std::string sim_dir = Str(env->sim_dir);
  if (sim_dir.empty()) {
    return NotFound(
        "sgx_la needs the sim platform (conf.ext.sim_dir): local attestation is implemented on the SIMULATED "
        "SGX platform only");
  }
  if (!fs::Exists(sim_dir)) {
    return NotFound("sim platform directory " + sim_dir + " does not exist (run `sgx-tools sim init --dir " +
                    sim_dir + "`)");
  }
  const std::string image = fs::Join(fs::Join(Str(env->plugin_dir), "sgx-stub"), "enclave.so");
  if (!fs::Exists(image)) return NotFound("sgx stub enclave " + image + " is missing");
  return {};
}

int Probe(const rats_tls_plugin_env_t* env, rats_tls_error_t* err) noexcept {
  return Guard(
      err, [&] { return ProbeSim(env); }, ENODEV);
}

int Init(const rats_tls_plugin_env_t* env, void** state, rats_tls_error_t* err) noexcept {
  *state = nullptr;
  return Guard(err, [&]() -> Result<> {
    IC_TRY(ProbeSim(env));
    auto s = std::make_unique<SgxLaState>();
    IC_ASSIGN_OR_RETURN(s->stub,
                        SimStubEnclave::Load(Str(env->sim_dir), Str(env->plugin_dir), env->debug_enclave));
    IC_ASSIGN_OR_RETURN(s->self, s->stub->SelfTarget());
    *state = s.release();
    return {};
  });
}

int CollectEvidence(void* state, const uint8_t report_data[64], uint64_t* tag, rats_tls_bytes_t* evidence,
                    rats_tls_error_t* err) noexcept {
  return Guard(err, [&]() -> Result<> {
    const auto* s = static_cast<const SgxLaState*>(state);
    std::array<uint8_t, 64> data;
    std::memcpy(data.data(), report_data, data.size());
    IC_ASSIGN_OR_RETURN(sgx::Report report, s->stub->CreateReport(s->self, data));
    static_assert(sizeof report == 432);
    IC_TRY(CopyOut({reinterpret_cast<const uint8_t*>(&report), sizeof report}, evidence));
    *tag = RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT;
    return {};
  });
}

void Cleanup(void* state) noexcept { delete static_cast<SgxLaState*>(state); }

const rats_tls_attester_ops_t kOps = {
    Probe, Init, CollectEvidence, /*collect_endorsements=*/nullptr, Cleanup,
};

const rats_tls_plugin_t kPlugin = {
    RATS_TLS_PLUGIN_ABI_VERSION, RATS_TLS_PLUGIN_ATTESTER, "sgx_la", "sgx_la", 15, &kOps,
};

}  // namespace
}  // namespace inclavare::ratstls::attesters

extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_sgx_la(void) {
  return &inclavare::ratstls::attesters::kPlugin;
}
