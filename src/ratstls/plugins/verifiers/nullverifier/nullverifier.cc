// Rats-TLS verifier "nullverifier": accepts any evidence, including none, and
// checks nothing. It refuses to run under an appraisal policy: a policy
// promises checks that this verifier cannot make.
#include <rats-tls/plugin.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

struct NullState {
  bool has_policy;
};

int Init(const rats_tls_plugin_env_t* env, void** state, rats_tls_error_t* err) {
  if (!state) return rats_tls_error_set(err, EINVAL, "no state pointer");
  if (!env || env->size < sizeof(rats_tls_plugin_env_t)) {
    return rats_tls_error_set(err, EINVAL, "nullverifier: plugin settings missing or too small");
  }
  auto* st = static_cast<NullState*>(std::malloc(sizeof(NullState)));
  if (!st) return rats_tls_error_set(err, ENOMEM, "out of memory");
  st->has_policy = env->policy_json && env->policy_json[0] != '\0';
  *state = st;
  return 0;
}

int VerifyEvidence(void* state, uint64_t /*tag*/, const uint8_t* /*evidence*/, size_t /*evidence_size*/,
                   const uint8_t* /*endorsements*/, size_t /*endorsements_size*/,
                   rats_tls_verified_evidence_t* out, rats_tls_error_t* err) {
  const auto* st = static_cast<const NullState*>(state);
  if (!st) return rats_tls_error_set(err, EINVAL, "nullverifier: not initialised");
  if (st->has_policy) {
    return rats_tls_error_set(err, EPERM, "a policy is configured but nullverifier checks no evidence");
  }
  if (!out) return rats_tls_error_set(err, EINVAL, "nullverifier: out is NULL");
  std::memset(out, 0, sizeof *out);
  std::snprintf(out->evidence_type, sizeof out->evidence_type, "%s", "nullverifier");
  static const char kClaims[] = "{\"evidence_type\":\"nullverifier\",\"verified\":false}";
  out->claims_json = static_cast<char*>(std::malloc(sizeof kClaims));
  if (!out->claims_json) return rats_tls_error_set(err, ENOMEM, "out of memory");
  std::memcpy(out->claims_json, kClaims, sizeof kClaims);
  return 0;
}

void Cleanup(void* state) { std::free(state); }

const rats_tls_verifier_ops_t kOps = {Init, VerifyEvidence, Cleanup};
const rats_tls_plugin_t kPlugin = {
    RATS_TLS_PLUGIN_ABI_VERSION, RATS_TLS_PLUGIN_VERIFIER, "nullverifier", "nullverifier", 0, &kOps};

}  // namespace

extern "C" const rats_tls_plugin_t* rats_tls_plugin_verifier_nullverifier(void) { return &kPlugin; }
