// TLS wrapper "openssl" (priority 25): the SSL_CTX of a Rats-TLS handle, its
// callbacks, and the plugin descriptor. Connections: openssl_session.cc.
#include "openssl_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <rats-tls/plugin.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace inclavare::ratstls::tls_openssl {
namespace {

struct FreeFn {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, FreeFn>;

Session* SessionOf(SSL* ssl) { return static_cast<Session*>(SSL_get_app_data(ssl)); }

const char* LastOpenSslError(char* buf, size_t size) {
  unsigned long e = ERR_peek_last_error();
  buf[0] = '\0';
  if (e != 0) ERR_error_string_n(e, buf, size);
  ERR_clear_error();
  return buf;
}

int Fail(Session* s, int errnum, const char* reason) {
  s->failure_rc = rats_tls_error_set(&s->failure, errnum, "%s", reason);
  return 0;
}

// Replaces OpenSSL's chain verification (X509_verify_cert). RA-TLS
// certificates are self-signed leaves whose trust comes from the evidence
// they carry, not from a CA, so the chain is not built; the core's
// verify_peer checks the leaf instead (evidence, key binding, policy,
// freshness, the user's callback). This hook only replaces the certificate
// PATH check: OpenSSL still verifies the peer's CertificateVerify signature
// over the handshake transcript with the leaf's public key, which is what
// proves that the peer holds the attested key.
int VerifyCertCallback(X509_STORE_CTX* xs, void* /*arg*/) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx()));
  Session* s = ssl != nullptr ? SessionOf(ssl) : nullptr;
  if (s == nullptr) return 0;
  if (!s->verify_peer) {
    X509_STORE_CTX_set_error(xs, X509_V_OK);
    return 1;
  }
  X509* leaf = X509_STORE_CTX_get0_cert(xs);
  unsigned char* der = nullptr;
  int len = leaf != nullptr ? i2d_X509(leaf, &der) : -1;
  int rc;
  if (len <= 0) {
    Fail(s, EPROTO, "cannot encode the peer's certificate");
    rc = s->failure_rc;
  } else {
    const uint8_t* chal = s->own_challenge.empty() ? nullptr : s->own_challenge.data();
    rc = s->callbacks.verify_peer(s->callbacks.core, der, static_cast<size_t>(len), chal,
                                  s->own_challenge.size(), &s->failure);
    OPENSSL_free(der);
    if (rc != 0) {
      s->failure_rc = rc < 0 ? rc : -rc;
      if (s->failure.msg[0] == '\0')
        rats_tls_error_set(&s->failure, EACCES, "the peer's certificate was refused");
    }
  }
  if (rc != 0) {
    // CERT_REJECTED: the peer gets a bad_certificate alert.
    X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  X509_STORE_CTX_set_error(xs, X509_V_OK);
  return 1;
}

// This side is about to send its Certificate (server: after the
// ClientHello was parsed; client: after a CertificateRequest). When the peer
// sent a challenge, present the certificate made for it, for this
// connection only; otherwise the context's certificate.
int CertCallback(SSL* ssl, void* /*arg*/) {
  Session* s = SessionOf(ssl);
  if (s == nullptr) return 0;
  if (s->peer_challenge.empty() || s->callbacks.cert_for_challenge == nullptr) return 1;
  rats_tls_bytes_t der{};
  int rc = s->callbacks.cert_for_challenge(s->callbacks.core, s->peer_challenge.data(),
                                           s->peer_challenge.size(), &der, &s->failure);
  if (rc != 0) {
    free(der.data);
    s->failure_rc = rc < 0 ? rc : -rc;
    if (s->failure.msg[0] == '\0')
      rats_tls_error_set(&s->failure, EIO, "no certificate for the peer's challenge");
    return 0;
  }
  if (der.data == nullptr || der.size == 0 || der.size > INT32_MAX) {
    free(der.data);
    return Fail(s, EINVAL, "cert_for_challenge returned no certificate");
  }
  const unsigned char* p = der.data;
  Ptr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size)));
  bool whole = x && p == der.data + der.size;
  free(der.data);
  if (!whole) {
    ERR_clear_error();
    return Fail(s, EINVAL, "cert_for_challenge returned bytes that are not one DER X.509 certificate");
  }
  if (SSL_use_certificate(ssl, x.get()) != 1 || SSL_check_private_key(ssl) != 1) {
    ERR_clear_error();
    return Fail(s, EINVAL, "the certificate from cert_for_challenge is not for this side's private key");
  }
  return 1;
}

// Freshness challenge out: the client's in its ClientHello, the server's in
// its CertificateRequest (mutual mode). Nothing when this side has none.
int AddChallenge(SSL* ssl, unsigned int /*ext_type*/, unsigned int context, const unsigned char** out,
                 size_t* outlen, X509* /*x*/, size_t /*chainidx*/, int* /*al*/, void* /*arg*/) {
  Session* s = SessionOf(ssl);
  if (s == nullptr || s->own_challenge.empty()) return 0;
  unsigned int mine = s->server ? SSL_EXT_TLS1_3_CERTIFICATE_REQUEST : SSL_EXT_CLIENT_HELLO;
  if ((context & mine) == 0) return 0;
  *out = s->own_challenge.data();
  *outlen = s->own_challenge.size();
  return 1;
}

// Freshness challenge in (ClientHello on the server, CertificateRequest on
// the client); CertCallback answers it.
int ParseChallenge(SSL* ssl, unsigned int /*ext_type*/, unsigned int /*context*/, const unsigned char* in,
                   size_t inlen, X509* /*x*/, size_t /*chainidx*/, int* al, void* /*arg*/) {
  Session* s = SessionOf(ssl);
  if (s == nullptr) return 0;
  if (inlen == 0 || inlen > kMaxChallenge) {
    *al = SSL_AD_ILLEGAL_PARAMETER;
    s->failure_rc = rats_tls_error_set(&s->failure, EPROTO,
                                       "the peer's freshness challenge is %zu bytes (allowed: 1..%zu)", inlen,
                                       kMaxChallenge);
    return 0;
  }
  s->peer_challenge.assign(in, in + inlen);
  return 1;
}

int Init(const rats_tls_plugin_env_t* /*env*/, const rats_tls_tls_config_t* config, void** state,
         rats_tls_error_t* err) noexcept {
  if (config == nullptr || state == nullptr)
    return rats_tls_error_set(err, EINVAL, "openssl tls init: NULL config");
  auto st = std::make_unique<State>();
  st->server = config->server;
  st->verify_peer = config->verify_peer;
  st->request_peer_cert = config->server && (config->mutual || config->verify_peer);
  st->callbacks = config->callbacks;
  if (st->verify_peer && st->callbacks.verify_peer == nullptr)
    return rats_tls_error_set(err, EINVAL,
                              "openssl tls init: peer verification requested without a verify_peer callback");
  int rc = 0;
  st->ctx = NewContext(*st, config->cert_der, config->cert_size, config->key_der, config->key_size, &rc, err);
  if (st->ctx == nullptr) return rc;
  *state = st.release();
  return 0;
}

int SetCertificate(void* state, const uint8_t* cert_der, size_t cert_size, const uint8_t* key_der,
                   size_t key_size, rats_tls_error_t* err) noexcept {
  auto* st = static_cast<State*>(state);
  if (st == nullptr) return rats_tls_error_set(err, EINVAL, "set_certificate: NULL state");
  // A fresh context rather than SSL_CTX_use_certificate on the old one: the
  // old key (maybe another type, hence another slot) must not stay
  // selectable. Live connections keep their reference to the old context.
  int rc = 0;
  SSL_CTX* ctx = NewContext(*st, cert_der, cert_size, key_der, key_size, &rc, err);
  if (ctx == nullptr) return rc;
  SSL_CTX_free(st->ctx);
  st->ctx = ctx;
  return 0;
}

void Cleanup(void* state) noexcept {
  auto* st = static_cast<State*>(state);
  if (st == nullptr) return;
  SSL_CTX_free(st->ctx);
  delete st;
}

const rats_tls_tls_ops_t kOps = {
    .init = Init,
    .set_certificate = SetCertificate,
    .negotiate = Negotiate,
    .transmit = Transmit,
    .receive = Receive,
    .close_session = CloseSession,
    .cleanup = Cleanup,
};

const rats_tls_plugin_t kPlugin = {
    .abi_version = RATS_TLS_PLUGIN_ABI_VERSION,
    .kind = RATS_TLS_PLUGIN_TLS_WRAPPER,
    .name = "openssl",
    .type = "openssl",
    .priority = 25,
    .ops = &kOps,
};

}  // namespace

SSL_CTX* NewContext(const State& state, const uint8_t* cert_der, size_t cert_size, const uint8_t* key_der,
                    size_t key_size, int* rc, rats_tls_error_t* err) {
  char buf[256];
  const bool has_cert = cert_der != nullptr && cert_size != 0;
  const bool has_key = key_der != nullptr && key_size != 0;
  if (has_cert != has_key) {
    *rc = rats_tls_error_set(err, EINVAL, "openssl tls: a %s without a %s",
                             has_cert ? "certificate" : "private key",
                             has_cert ? "private key" : "certificate");
    return nullptr;
  }
  if (state.server && !has_cert) {
    // TLS 1.3 without PSKs always authenticates the server by certificate.
    *rc = rats_tls_error_set(
        err, EINVAL,
        "openssl tls: a server needs a certificate (nullcrypto makes none: use the openssl "
        "crypto wrapper, or nulltls)");
    return nullptr;
  }
  if (cert_size > INT32_MAX || key_size > INT32_MAX) {
    *rc = rats_tls_error_set(err, EINVAL, "openssl tls: certificate or key too large");
    return nullptr;
  }
  ERR_clear_error();
  Ptr<SSL_CTX> ctx(SSL_CTX_new(state.server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) {
    *rc = rats_tls_error_set(err, ENOMEM, "SSL_CTX_new: %s", LastOpenSslError(buf, sizeof buf));
    return nullptr;
  }
  // TLS 1.3 only. The freshness challenge of a mutual handshake rides in the
  // CertificateRequest extensions, which TLS 1.2 does not have; 1.3 also
  // signs the whole transcript with the certificate key (CertificateVerify)
  // on both sides and hides the certificates from passive observers. Peers
  // limited to TLS 1.2 fail with "unsupported protocol".
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  // No tickets and no session cache: a resumed (PSK) handshake carries no
  // Certificate message, so it would skip the peer's attestation entirely
  // and keep trusting evidence that may have expired or been revoked.
  // (Tickets would also cost the server an encryption per handshake.)
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  // The certificate is self-signed: do not try to build a chain for it
  // from the (empty) store on every handshake.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_NO_AUTO_CHAIN);

  if (has_cert) {
    const unsigned char* p = cert_der;
    Ptr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(cert_size)));
    if (!x || p != cert_der + cert_size) {
      ERR_clear_error();
      *rc = rats_tls_error_set(err, EINVAL, "openssl tls: the certificate is not one DER X.509 certificate");
      return nullptr;
    }
    p = key_der;
    Ptr<EVP_PKEY> key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key_size)));
    if (!key || p != key_der + key_size) {
      ERR_clear_error();
      *rc = rats_tls_error_set(err, EINVAL, "openssl tls: the private key is not a PKCS#8 DER key");
      return nullptr;
    }
    if (SSL_CTX_use_certificate(ctx.get(), x.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 || SSL_CTX_check_private_key(ctx.get()) != 1) {
      *rc = rats_tls_error_set(err, EINVAL, "openssl tls: the certificate does not match the private key: %s",
                               LastOpenSslError(buf, sizeof buf));
      return nullptr;
    }
  }

  int mode = SSL_VERIFY_NONE;
  if (state.server && state.request_peer_cert) mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  if (!state.server && state.verify_peer) mode = SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx.get(), mode, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx.get(), VerifyCertCallback, nullptr);
  SSL_CTX_set_cert_cb(ctx.get(), CertCallback, nullptr);
  if (SSL_CTX_add_custom_ext(ctx.get(), RATS_TLS_CHALLENGE_EXTENSION,
                             SSL_EXT_TLS1_3_ONLY | SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_CERTIFICATE_REQUEST,
                             AddChallenge, nullptr, nullptr, ParseChallenge, nullptr) != 1) {
    *rc = rats_tls_error_set(err, EIO, "openssl tls: cannot register the challenge extension %#x: %s",
                             RATS_TLS_CHALLENGE_EXTENSION, LastOpenSslError(buf, sizeof buf));
    return nullptr;
  }
  return ctx.release();
}

}  // namespace inclavare::ratstls::tls_openssl

extern "C" const rats_tls_plugin_t* rats_tls_plugin_tls_wrapper_openssl(void) {
  return &inclavare::ratstls::tls_openssl::kPlugin;
}
