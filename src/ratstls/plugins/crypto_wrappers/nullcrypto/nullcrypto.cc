// Crypto wrapper "nullcrypto" (include/rats-tls/plugin.h): makes no key and
// no certificate (empty buffers) and computes no digests.
//
// As upstream's nullcrypto, it exists for the null pipeline: nulltls +
// nullattester + nullverifier, i.e. tests of the plumbing. Our core hashes
// the claims of every certificate it makes, so hash() fails with a clear
// reason rather than returning a fake digest: an application that pairs
// nullcrypto with a real TLS wrapper or attester gets an error at init, not
// an unauthenticated connection.
#include <rats-tls/plugin.h>

#include <cerrno>

namespace inclavare::ratstls::nullcrypto {
namespace {

int Init(const rats_tls_plugin_env_t* /*env*/, void** state, rats_tls_error_t* err) noexcept {
  if (state == nullptr) return rats_tls_error_set(err, EINVAL, "nullcrypto init: state is NULL");
  *state = nullptr;
  return 0;
}

int GenKey(void* /*state*/, rats_tls_cert_algo_t /*algo*/, rats_tls_bytes_t* key_der,
           rats_tls_bytes_t* spki_der, rats_tls_error_t* err) noexcept {
  if (key_der == nullptr || spki_der == nullptr)
    return rats_tls_error_set(err, EINVAL, "gen_key: output buffer is NULL");
  *key_der = {};
  *spki_der = {};
  return 0;
}

int Hash(void* /*state*/, int /*hash_alg*/, const uint8_t* /*data*/, size_t /*size*/, uint8_t* /*out*/,
         size_t* /*out_size*/, rats_tls_error_t* err) noexcept {
  return rats_tls_error_set(err, ENOTSUP,
                            "nullcrypto computes no digests (it is only usable with the nulltls TLS wrapper "
                            "and no evidence; choose the openssl crypto wrapper)");
}

int GenCert(void* /*state*/, const rats_tls_cert_request_t* /*req*/, rats_tls_bytes_t* cert_der,
            rats_tls_error_t* err) noexcept {
  if (cert_der == nullptr) return rats_tls_error_set(err, EINVAL, "gen_cert: output buffer is NULL");
  *cert_der = {};
  return 0;
}

void Cleanup(void* /*state*/) noexcept {}

const rats_tls_crypto_ops_t kOps = {
    .init = Init,
    .gen_key = GenKey,
    .hash = Hash,
    .gen_cert = GenCert,
    .cleanup = Cleanup,
};

const rats_tls_plugin_t kPlugin = {
    .abi_version = RATS_TLS_PLUGIN_ABI_VERSION,
    .kind = RATS_TLS_PLUGIN_CRYPTO_WRAPPER,
    .name = "nullcrypto",
    .type = "nullcrypto",
    .priority = 0,
    .ops = &kOps,
};

}  // namespace
}  // namespace inclavare::ratstls::nullcrypto

extern "C" const rats_tls_plugin_t* rats_tls_plugin_crypto_wrapper_nullcrypto(void) {
  return &inclavare::ratstls::nullcrypto::kPlugin;
}
