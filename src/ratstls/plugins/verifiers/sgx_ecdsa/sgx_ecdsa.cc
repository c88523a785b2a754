// Rats-TLS verifier "sgx_ecdsa": SGX DCAP quotes (v3), from the Interoperable
// RA-TLS evidence (tag 60000) or a legacy raw-quote extension (tag 0).
// The work is DcapQuoteVerifier's (verifiers/common/dcap_quote_verifier.h).
#include <rats-tls/plugin.h>

#include <memory>

#include "ratstls/plugins/verifiers/common/dcap_quote_verifier.h"

namespace inclavare::ratstls::verifiers {
namespace {

using Dcap = DcapQuoteVerifier;

int Init(const rats_tls_plugin_env_t* env, void** state, rats_tls_error_t* err) {
  return CallPlugin(err, [&]() -> Result<> {
    if (!state) return InvalidArgument("no state pointer");
    IC_ASSIGN_OR_RETURN(std::unique_ptr<Dcap> v, Dcap::Create(env, Dcap::Tee::kSgx));
    *state = v.release();
    return {};
  });
}

int VerifyEvidence(void* state, uint64_t tag, const uint8_t* evidence, size_t evidence_size,
                   const uint8_t* endorsements, size_t endorsements_size, rats_tls_verified_evidence_t* out,
                   rats_tls_error_t* err) {
  return CallPlugin(err, [&]() -> Result<> {
    if (!state) return InvalidArgument("sgx_ecdsa: not initialised");
    if (tag != RATS_TLS_TAG_INTEL_TEE_QUOTE && tag != RATS_TLS_TAG_LEGACY_QUOTE) {
      return InvalidArgument("sgx_ecdsa: evidence tag " + std::to_string(tag) +
                             " is not an SGX quote (expected 60000 or a legacy quote extension)");
    }
    if (!evidence && evidence_size) return InvalidArgument("sgx_ecdsa: evidence is NULL");
    if (!endorsements && endorsements_size) return InvalidArgument("sgx_ecdsa: endorsements are NULL");
    return static_cast<Dcap*>(state)->Verify({evidence, evidence_size}, {endorsements, endorsements_size},
                                             out);
  });
}

void Cleanup(void* state) { delete static_cast<Dcap*>(state); }

const rats_tls_verifier_ops_t kOps = {Init, VerifyEvidence, Cleanup};
const rats_tls_plugin_t kPlugin = {
    RATS_TLS_PLUGIN_ABI_VERSION, RATS_TLS_PLUGIN_VERIFIER, "sgx_ecdsa", "sgx_ecdsa", 52, &kOps};

}  // namespace
}  // namespace inclavare::ratstls::verifiers

extern "C" const rats_tls_plugin_t* rats_tls_plugin_verifier_sgx_ecdsa(void) {
  return &inclavare::ratstls::verifiers::kPlugin;
}
