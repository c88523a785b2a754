// nullattester: no evidence (upstream rats-tls's nullattester). The
// certificate then carries no evidence extension; only a nullverifier peer
// accepts it.
#include <rats-tls/plugin.h>

namespace {

int Probe(const rats_tls_plugin_env_t*, rats_tls_error_t*) noexcept { return 0; }

int Init(const rats_tls_plugin_env_t*, void** state, rats_tls_error_t*) noexcept {
  *state = nullptr;
  return 0;
}

int CollectEvidence(void*, const uint8_t[64], uint64_t* tag, rats_tls_bytes_t* evidence,
                    rats_tls_error_t*) noexcept {
  *tag = 0;
  evidence->data = nullptr;
  evidence->size = 0;
  return 0;
}

void Cleanup(void*) noexcept {}

const rats_tls_attester_ops_t kOps = {
    Probe, Init, CollectEvidence, /*collect_endorsements=*/nullptr, Cleanup,
};

const rats_tls_plugin_t kPlugin = {
    RATS_TLS_PLUGIN_ABI_VERSION, RATS_TLS_PLUGIN_ATTESTER, "nullattester", "nullattester", 0, &kOps,
};

}  // namespace

extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_nullattester(void) { return &kPlugin; }
