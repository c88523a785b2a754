// Rats-TLS verifier "sev_snp": AMD SEV-SNP attestation reports (tag
// 0x1a7504), verified against the configured VCEK and ASK/ARK chain
// (conf.ext.snp_vcek_file, conf.ext.snp_ask_ark_file) with attest::
// VerifySnpReport, then the policy. SNP has no TCB status: tcb_status "".
#include <rats-tls/plugin.h>

#include <memory>

#include "attest/snp.h"
#include "ratstls/plugins/verifiers/common/verifier_util.h"

namespace inclavare::ratstls::verifiers {
namespace {

struct SnpState {
  VerifierSettings settings;
  std::string vcek;     // DER or PEM, "" when not configured
  std::string ask_ark;  // PEM
};

Result<std::unique_ptr<SnpState>> CreateState(const rats_tls_plugin_env_t* env) {
  auto st = std::make_unique<SnpState>();
  IC_ASSIGN_OR_RETURN(st->settings, VerifierSettings::FromEnv(env));
  const VerifierSettings& s = st->settings;
  // The VCEK is needed; the ASK/ARK are optional (the AMD roots of Milan,
  // Genoa and Turin are built in, attest/roots.h). An ASK/ARK without a VCEK
  // is half a configuration, worth naming now.
  if (s.snp_vcek_file.empty() && !s.snp_ask_ark_file.empty()) {
    return InvalidArgument("sev_snp: conf.ext.snp_ask_ark_file is set but conf.ext.snp_vcek_file is not");
  }
  if (!s.snp_vcek_file.empty()) {
    IC_ASSIGN_OR_RETURN(st->vcek, ReadSettingFile(s.snp_vcek_file, "SEV-SNP VCEK (snp_vcek_file)"));
  }
  if (!s.snp_ask_ark_file.empty()) {
    IC_ASSIGN_OR_RETURN(st->ask_ark,
                        ReadSettingFile(s.snp_ask_ark_file, "SEV-SNP ASK/ARK chain (snp_ask_ark_file)"));
  }
  return st;
}

Result<> Verify(const SnpState& st, std::span<const uint8_t> report, rats_tls_verified_evidence_t* out) {
  if (st.vcek.empty()) {
    return FailedPrecondition(
        "sev_snp: no VCEK to verify the report with: set conf.ext.snp_vcek_file (and optionally "
        "conf.ext.snp_ask_ark_file; AMD's roots are built in)");
  }
  attest::SnpVerifyOptions o;
  o.time = st.settings.Now();
  IC_ASSIGN_OR_RETURN(attest::SnpVerdict v, attest::VerifySnpReport(report, st.vcek, st.ask_ark, o));
  attest::Claims c = v.claims;
  c.debug = v.report.debug_allowed();  // guest policy bit 19 (DEBUG)
  IC_TRY(st.settings.CheckPolicy(c, attest::TcbStatus::kUpToDate));
  nlohmann::ordered_json extra;
  extra["product"] = v.product;
  extra["stepping"] = v.stepping;
  extra["signing_key"] = v.vlek ? "VLEK" : "VCEK";
  return FillVerifiedEvidence(c, "sev_snp", "", 0, extra, out);
}

int Init(const rats_tls_plugin_env_t* env, void** state, rats_tls_error_t* err) {
  return CallPlugin(err, [&]() -> Result<> {
    if (!state) return InvalidArgument("no state pointer");
    IC_ASSIGN_OR_RETURN(auto st, CreateState(env));
    *state = st.release();
    return {};
  });
}

int VerifyEvidence(void* state, uint64_t tag, const uint8_t* evidence, size_t evidence_size,
                   const uint8_t* /*endorsements*/, size_t /*endorsements_size*/,
                   rats_tls_verified_evidence_t* out, rats_tls_error_t* err) {
  return CallPlugin(err, [&]() -> Result<> {
    if (!state) return InvalidArgument("sev_snp: not initialised");
    if (tag != RATS_TLS_TAG_SEV_SNP) {
      return InvalidArgument("sev_snp: evidence tag " + std::to_string(tag) +
                             " is not an SEV-SNP report (expected 0x1a7504)");
    }
    if (!evidence || evidence_size == 0) return InvalidArgument("sev_snp: empty evidence (no report)");
    return Verify(*static_cast<SnpState*>(state), {evidence, evidence_size}, out);
  });
}

void Cleanup(void* state) { delete static_cast<SnpState*>(state); }

const rats_tls_verifier_ops_t kOps = {Init, VerifyEvidence, Cleanup};
const rats_tls_plugin_t kPlugin = {
    RATS_TLS_PLUGIN_ABI_VERSION, RATS_TLS_PLUGIN_VERIFIER, "sev_snp", "sev_snp", 42, &kOps};

}  // namespace
}  // namespace inclavare::ratstls::verifiers

extern "C" const rats_tls_plugin_t* rats_tls_plugin_verifier_sev_snp(void) {
  return &inclavare::ratstls::verifiers::kPlugin;
}
