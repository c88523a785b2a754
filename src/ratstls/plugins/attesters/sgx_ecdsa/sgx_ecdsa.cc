// sgx_ecdsa attester: a DCAP (ECDSA) SGX quote whose REPORTDATA is the
// requested report data. Report sources, in order:
//  (a) Gramine's /dev/attestation (gramine_attestation.h): real hardware,
//      this process running inside a Gramine enclave;
//  (b) the SIMULATED platform (env->sim_dir): the sgx stub enclave
//      (common/sgx_stub_host.h, DEBUG per env->debug_enclave) makes a REPORT
//      for the quoting enclave's TARGETINFO, which AESM (env->aesm_socket,
//      aesmd-sim) turns into a quote.
// Evidence tag 60000. Endorsements come from collateral files
// (common/dcap_endorsements.h).
#include <rats-tls/plugin.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/fs.h"
#include "enclave/aesm/client.h"
#include "enclave/sgx/quote.h"
#include "ratstls/plugins/attesters/attester_util.h"
#include "ratstls/plugins/attesters/sgx_ecdsa/gramine_attestation.h"
#include "ratstls/plugins/common/dcap_endorsements.h"
#include "ratstls/plugins/common/sgx_stub_host.h"

namespace inclavare::ratstls::attesters {
namespace {

struct SgxEcdsaState {
  bool gramine = false;
  // Sim platform.
  std::unique_ptr<SimStubEnclave> stub;
  std::unique_ptr<sgx::aesm::Client> aesm;
  sgx::TargetInfo qe_target{};
  // Endorsement sources.
  std::string sim_dir;
  std::string collateral;
};

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<> ProbeSources(const rats_tls_plugin_env_t* env) {
  if (GramineAvailable(kGramineAttestationDir)) return {};
  const std::string sim_dir = Str(env->sim_dir);
  if (sim_dir.empty()) {
    return NotFound("no SGX report source: no " + std::string(kGramineAttestationDir) +
                    " (Gramine) and no sim platform configured (conf.ext.sim_dir)");
  }
  if (!IsDirectory(sim_dir)) {
    return NotFound("sim platform directory " + sim_dir + " does not exist (run `sgx-tools sim init --dir " +
                    sim_dir + "`)");
  }
  const std::string socket = Str(env->aesm_socket);
  if (!fs::Exists(socket)) {
    return NotFound("no AESM service: socket " + socket + " does not exist (start aesmd-sim --dir " +
                    sim_dir + " --socket " + socket + ")");
  }
  return {};
}

int Probe(const rats_tls_plugin_env_t* env, rats_tls_error_t* err) noexcept {
  return Guard(
      err, [&] { return ProbeSources(env); }, ENODEV);
}

Result<> InitState(const rats_tls_plugin_env_t* env, SgxEcdsaState& s) {
  s.sim_dir = Str(env->sim_dir);
  s.collateral = Str(env->collateral);
  if (GramineAvailable(kGramineAttestationDir)) {
    s.gramine = true;
    return {};
  }
  IC_TRY(ProbeSources(env));
  IC_ASSIGN_OR_RETURN(s.stub, SimStubEnclave::Load(s.sim_dir, Str(env->plugin_dir), env->debug_enclave));
  s.aesm = std::make_unique<sgx::aesm::Client>(Str(env->aesm_socket));
  IC_ASSIGN_OR_RETURN(sgx::aesm::QeTarget qe,
                      s.aesm->InitQuoteEx().Wrap("AESM InitQuoteEx on " + s.aesm->socket_path()));
  s.qe_target = qe.target_info;
  return {};
}

int Init(const rats_tls_plugin_env_t* env, void** state, rats_tls_error_t* err) noexcept {
  *state = nullptr;
  return Guard(err, [&]() -> Result<> {
    auto s = std::make_unique<SgxEcdsaState>();
    IC_TRY(InitState(env, *s));
    *state = s.release();
    return {};
  });
}

Result<std::vector<uint8_t>> SimQuote(const SgxEcdsaState& s, const std::array<uint8_t, 64>& data) {
  IC_ASSIGN_OR_RETURN(sgx::Report report, s.stub->CreateReport(s.qe_target, data));
  IC_ASSIGN_OR_RETURN(std::vector<uint8_t> quote,
                      s.aesm->GetQuote(report).Wrap("AESM GetQuote on " + s.aesm->socket_path()));
  return quote;
}

int CollectEvidence(void* state, const uint8_t report_data[64], uint64_t* tag, rats_tls_bytes_t* evidence,
                    rats_tls_error_t* err) noexcept {
  return Guard(err, [&]() -> Result<> {
    const auto* s = static_cast<const SgxEcdsaState*>(state);
    std::array<uint8_t, 64> data;
    std::memcpy(data.data(), report_data, data.size());
    std::vector<uint8_t> quote;
    if (s->gramine) {
      IC_ASSIGN_OR_RETURN(quote, GramineQuote(kGramineAttestationDir, data));
    } else {
      IC_ASSIGN_OR_RETURN(quote, SimQuote(*s, data));
    }
    // What goes out must be an SGX quote of exactly this report data.
    IC_ASSIGN_OR_RETURN(sgx::QuoteView view,
                        sgx::ParseQuote(quote).Wrap("the quote the report source returned"));
    const sgx::ReportBody* body = view.sgx_report();
    if (body == nullptr) return Internal("the report source returned a TDX quote, not an SGX one");
    if (std::memcmp(body->report_data.data(), data.data(), data.size()) != 0) {
      return Internal("the quote's REPORTDATA differs from the requested report data");
    }
    IC_TRY(CopyOut(quote, evidence));
    *tag = RATS_TLS_TAG_INTEL_TEE_QUOTE;
    return {};
  });
}

Result<std::string> CollateralDir(const SgxEcdsaState& s) {
  if (!s.collateral.empty()) {
    if (IsDirectory(s.collateral)) return s.collateral;
    if (s.sim_dir.empty()) {
      return InvalidArgument("conf.ext.collateral " + s.collateral +
                             " is not a directory: endorsements need a collateral directory "
                             "(tcb_info.json, qe_identity.json, ...)");
    }
  }
  if (!s.sim_dir.empty()) return fs::Join(s.sim_dir, "collateral");
  return NotFound("no collateral source for endorsements: set conf.ext.collateral to a collateral directory");
}

int CollectEndorsements(void* state, uint64_t tag, const uint8_t*, size_t, rats_tls_bytes_t* endorsements,
                        rats_tls_error_t* err) noexcept {
  return Guard(err, [&]() -> Result<> {
    const auto* s = static_cast<const SgxEcdsaState*>(state);
    if (tag != RATS_TLS_TAG_INTEL_TEE_QUOTE) {
      return InvalidArgument("endorsements requested for evidence tag " + std::to_string(tag) +
                             ", sgx_ecdsa makes tag 60000");
    }
    IC_ASSIGN_OR_RETURN(std::string dir, CollateralDir(*s));
    IC_ASSIGN_OR_RETURN(DcapEndorsements e, LoadDcapEndorsementsDir(dir).Wrap("collateral " + dir));
    IC_ASSIGN_OR_RETURN(std::vector<uint8_t> encoded, EncodeDcapEndorsements(e));
    return CopyOut(encoded, endorsements);
  });
}

void Cleanup(void* state) noexcept { delete static_cast<SgxEcdsaState*>(state); }

const rats_tls_attester_ops_t kOps = {
    Probe, Init, CollectEvidence, CollectEndorsements, Cleanup,
};

const rats_tls_plugin_t kPlugin = {
    RATS_TLS_PLUGIN_ABI_VERSION, RATS_TLS_PLUGIN_ATTESTER, "sgx_ecdsa", "sgx_ecdsa", 52, &kOps,
};

}  // namespace
}  // namespace inclavare::ratstls::attesters

extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_sgx_ecdsa(void) {
  return &inclavare::ratstls::attesters::kPlugin;
}
