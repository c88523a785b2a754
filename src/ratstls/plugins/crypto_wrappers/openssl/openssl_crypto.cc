// Crypto wrapper "openssl" (include/rats-tls/plugin.h, rats_tls_crypto_ops_t):
// key pairs, SHA-2 digests and self-signed X.509 v3 certificates through
// OpenSSL 3's provider-based EVP APIs (no deprecated RSA_* / EC_KEY_* calls).
//
//  - gen_key: ECC_256_SHA256 and DEFAULT -> NIST P-256; RSA_3072_SHA256 ->
//    RSA 3072 bits, e = 65537. PKCS#8 DER private key + DER SPKI.
//  - hash: SHA-256/384/512 by their IANA Named Information ids (1, 7, 8).
//  - gen_cert: a self-signed leaf, signed with ECDSA-SHA256 or
//    RSA-PKCS#1v1.5-SHA256 according to the key type.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <rats-tls/plugin.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace inclavare::ratstls::crypto_openssl {
namespace {

struct FreeFn {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
  // ASN1_INTEGER and ASN1_OCTET_STRING are both ASN1_STRING.
  void operator()(ASN1_STRING* p) const { ASN1_STRING_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, FreeFn>;

struct State {
  EVP_MD* sha256 = nullptr;
  EVP_MD* sha384 = nullptr;
  EVP_MD* sha512 = nullptr;
};

// The reason of the last OpenSSL failure on this thread ("" when none), and
// clears the queue so that it cannot leak into a later call.
const char* OpenSslReason(char* buf, size_t size) {
  unsigned long e = ERR_peek_last_error();
  buf[0] = '\0';
  if (e != 0) ERR_error_string_n(e, buf, size);
  ERR_clear_error();
  return buf;
}

// err = "what: <OpenSSL's reason>"; returns -errnum.
int OsslFail(rats_tls_error_t* err, int errnum, const char* what) {
  char buf[256];
  return rats_tls_error_set(err, errnum, "%s: %s", what, OpenSslReason(buf, sizeof buf));
}

// Moves an OpenSSL-allocated DER buffer into a malloc()ed rats_tls_bytes_t.
int ToBytes(unsigned char* der, int len, rats_tls_bytes_t* out, rats_tls_error_t* err, const char* what) {
  if (len <= 0 || der == nullptr) return OsslFail(err, EIO, what);
  out->data = static_cast<uint8_t*>(malloc(static_cast<size_t>(len)));
  if (out->data == nullptr) {
    OPENSSL_free(der);
    return rats_tls_error_set(err, ENOMEM, "%s: out of memory", what);
  }
  memcpy(out->data, der, static_cast<size_t>(len));
  out->size = static_cast<size_t>(len);
  OPENSSL_free(der);
  return 0;
}

int Init(const rats_tls_plugin_env_t* /*env*/, void** state, rats_tls_error_t* err) noexcept {
  if (state == nullptr) return rats_tls_error_set(err, EINVAL, "openssl crypto init: state is NULL");
  auto* s = new State;
  s->sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  s->sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  s->sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  if (s->sha256 == nullptr || s->sha384 == nullptr || s->sha512 == nullptr) {
    EVP_MD_free(s->sha256);
    EVP_MD_free(s->sha384);
    EVP_MD_free(s->sha512);
    delete s;
    return OsslFail(err, ENOTSUP, "OpenSSL provides no SHA-256/384/512 (EVP_MD_fetch)");
  }
  *state = s;
  return 0;
}

void Cleanup(void* state) noexcept {
  auto* s = static_cast<State*>(state);
  if (s == nullptr) return;
  EVP_MD_free(s->sha256);
  EVP_MD_free(s->sha384);
  EVP_MD_free(s->sha512);
  delete s;
}

int GenKey(void* /*state*/, rats_tls_cert_algo_t algo, rats_tls_bytes_t* key_der, rats_tls_bytes_t* spki_der,
           rats_tls_error_t* err) noexcept {
  if (key_der == nullptr || spki_der == nullptr)
    return rats_tls_error_set(err, EINVAL, "gen_key: output buffer is NULL");
  *key_der = {};
  *spki_der = {};
  Ptr<EVP_PKEY> pkey;
  switch (algo) {
    case RATS_TLS_CERT_ALGO_ECC_256_SHA256:
    case RATS_TLS_CERT_ALGO_DEFAULT:
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      break;
    case RATS_TLS_CERT_ALGO_RSA_3072_SHA256:
      // EVP_PKEY_Q_keygen's RSA default public exponent is 65537.
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072)));
      break;
    default:
      return rats_tls_error_set(err, EINVAL, "gen_key: unsupported certificate algorithm %d",
                                static_cast<int>(algo));
  }
  if (!pkey) return OsslFail(err, EIO, "gen_key: key generation failed");

  Ptr<PKCS8_PRIV_KEY_INFO> p8(EVP_PKEY2PKCS8(pkey.get()));
  if (!p8) return OsslFail(err, EIO, "gen_key: PKCS#8 conversion failed");
  unsigned char* der = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  if (int rc = ToBytes(der, len, key_der, err, "gen_key: PKCS#8 encoding failed"); rc != 0) return rc;

  der = nullptr;
  len = i2d_PUBKEY(pkey.get(), &der);
  if (int rc = ToBytes(der, len, spki_der, err, "gen_key: SubjectPublicKeyInfo encoding failed"); rc != 0) {
    OPENSSL_cleanse(key_der->data, key_der->size);
    free(key_der->data);
    *key_der = {};
    return rc;
  }
  return 0;
}

int Hash(void* state, int hash_alg, const uint8_t* data, size_t size, uint8_t* out, size_t* out_size,
         rats_tls_error_t* err) noexcept {
  auto* s = static_cast<State*>(state);
  if (s == nullptr || out == nullptr || out_size == nullptr || (data == nullptr && size != 0))
    return rats_tls_error_set(err, EINVAL, "hash: NULL state, data or output");
  const EVP_MD* md = nullptr;
  switch (hash_alg) {
    case RATS_TLS_HASH_SHA256:
      md = s->sha256;
      break;
    case RATS_TLS_HASH_SHA384:
      md = s->sha384;
      break;
    case RATS_TLS_HASH_SHA512:
      md = s->sha512;
      break;
    default:
      return rats_tls_error_set(
          err, EINVAL, "hash: unsupported hash algorithm id %d (supported: 1 sha-256, 7 sha-384, 8 sha-512)",
          hash_alg);
  }
  size_t need = static_cast<size_t>(EVP_MD_get_size(md));
  if (*out_size < need)
    return rats_tls_error_set(err, ENOSPC, "hash: output room %zu bytes, digest needs %zu", *out_size, need);
  unsigned int len = 0;
  if (EVP_Digest(data, size, out, &len, md, nullptr) != 1)
    return OsslFail(err, EIO, "hash: EVP_Digest failed");
  *out_size = len;
  return 0;
}

int AddNameEntry(X509_NAME* name, const char* field, const char* value, rats_tls_error_t* err) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value),
                                 -1, -1, 0) != 1) {
    char buf[256];
    return rats_tls_error_set(err, EINVAL, "gen_cert: bad subject %s \"%s\": %s", field, value,
                              OpenSslReason(buf, sizeof buf));
  }
  return 0;
}

bool HasExtension(const rats_tls_cert_request_t* req, int nid) {
  for (size_t i = 0; i < req->extensions_count; ++i) {
    Ptr<ASN1_OBJECT> obj(OBJ_txt2obj(req->extensions[i].oid, 1));
    if (obj && OBJ_obj2nid(obj.get()) == nid) return true;
  }
  return false;
}

// Standard extensions the request did not supply itself. The certificate is
// a self-signed LEAF: basicConstraints CA:FALSE (non-critical), plus subject
// and authority key identifiers. That is what the other Interoperable RA-TLS
// producers emit (Gramine, the Intel SGX SDK's attested TLS and rats-tls on
// Occlum all carry CA:FALSE + SKI + AKI; see shared/testdata/evidence/ratls),
// and verifiers accept it: they check the evidence and the key binding, not a
// chain, and OpenSSL/mbedTLS accept a self-signed CA:FALSE certificate used
// directly as its own trust anchor. CA:TRUE would let anyone who trusts the
// certificate as an anchor (e.g. a pinned-cert client) also accept
// certificates signed by the enclave key, which it never means to issue.
int AddStandardExtensions(X509* x, const rats_tls_cert_request_t* req, rats_tls_error_t* err) {
  static const struct {
    int nid;
    const char* value;
  } kStd[] = {
      {NID_basic_constraints, "CA:FALSE"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},  // needs the SKI first
  };
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (const auto& e : kStd) {
    if (HasExtension(req, e.nid)) continue;
    Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, e.nid, e.value));
    if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
      char buf[256];
      return rats_tls_error_set(err, EIO, "gen_cert: cannot add %s: %s", OBJ_nid2sn(e.nid),
                                OpenSslReason(buf, sizeof buf));
    }
  }
  return 0;
}

int AddRequestExtensions(X509* x, const rats_tls_cert_request_t* req, rats_tls_error_t* err) {
  for (size_t i = 0; i < req->extensions_count; ++i) {
    const rats_tls_cert_extension_t& e = req->extensions[i];
    if (e.oid == nullptr) return rats_tls_error_set(err, EINVAL, "gen_cert: extension %zu has no OID", i);
    if (e.value == nullptr && e.value_size != 0)
      return rats_tls_error_set(err, EINVAL, "gen_cert: extension %s has a NULL value of %zu bytes", e.oid,
                                e.value_size);
    if (e.value_size > INT32_MAX)
      return rats_tls_error_set(err, EINVAL, "gen_cert: extension %s value too large (%zu bytes)", e.oid,
                                e.value_size);
    // no_name = 1: the text must be a dotted OID, never a short/long name.
    Ptr<ASN1_OBJECT> obj(OBJ_txt2obj(e.oid, 1));
    if (!obj) {
      ERR_clear_error();
      return rats_tls_error_set(err, EINVAL,
                                "gen_cert: extension OID \"%s\" is not a dotted object identifier", e.oid);
    }
    Ptr<ASN1_OCTET_STRING> os(ASN1_OCTET_STRING_new());
    if (!os || ASN1_OCTET_STRING_set(os.get(), e.value, static_cast<int>(e.value_size)) != 1)
      return OsslFail(err, ENOMEM, "gen_cert: extension value");
    Ptr<X509_EXTENSION> ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), e.critical ? 1 : 0, os.get()));
    if (!ext || X509_add_ext(x, ext.get(), -1) != 1)
      return OsslFail(err, EIO, "gen_cert: cannot add extension");
  }
  return 0;
}

// A random positive 128-bit serial (RFC 5280 4.1.2.2: at most 20 octets,
// positive; random so that two certificates never share issuer+serial).
int SetRandomSerial(X509* x, rats_tls_error_t* err) {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return OsslFail(err, EIO, "gen_cert: RAND_bytes");
  raw[0] &= 0x7f;  // positive
  raw[0] |= 0x40;  // full length: never zero, never shortened
  Ptr<BIGNUM> bn(BN_bin2bn(raw, sizeof raw, nullptr));
  if (!bn) return OsslFail(err, ENOMEM, "gen_cert: serial");
  Ptr<ASN1_INTEGER> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial || X509_set_serialNumber(x, serial.get()) != 1) return OsslFail(err, EIO, "gen_cert: serial");
  return 0;
}

int GenCert(void* /*state*/, const rats_tls_cert_request_t* req, rats_tls_bytes_t* cert_der,
            rats_tls_error_t* err) noexcept {
  if (req == nullptr || cert_der == nullptr)
    return rats_tls_error_set(err, EINVAL, "gen_cert: NULL request or output");
  *cert_der = {};
  if (req->key_der == nullptr || req->key_size == 0 || req->key_size > INT32_MAX)
    return rats_tls_error_set(err, EINVAL, "gen_cert: the request has no private key");
  if (req->subject_cn == nullptr || req->subject_cn[0] == '\0')
    return rats_tls_error_set(err, EINVAL, "gen_cert: the request has no subject common name");
  if (req->not_after <= req->not_before)
    return rats_tls_error_set(err, EINVAL, "gen_cert: validity ends (%lld) before it begins (%lld)",
                              static_cast<long long>(req->not_after),
                              static_cast<long long>(req->not_before));
  if (req->extensions == nullptr && req->extensions_count != 0)
    return rats_tls_error_set(err, EINVAL, "gen_cert: %zu extensions but a NULL array",
                              req->extensions_count);

  const unsigned char* p = req->key_der;
  Ptr<EVP_PKEY> pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(req->key_size)));
  if (!pkey) return OsslFail(err, EINVAL, "gen_cert: the private key is not a PKCS#8 DER key");
  if (p != req->key_der + req->key_size) {
    return rats_tls_error_set(err, EINVAL, "gen_cert: %zu trailing bytes after the PKCS#8 private key",
                              static_cast<size_t>(req->key_der + req->key_size - p));
  }
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_EC && EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA)
    return rats_tls_error_set(err, EINVAL, "gen_cert: unsupported key type %s (need EC or RSA)",
                              OBJ_nid2sn(EVP_PKEY_get_base_id(pkey.get())));

  Ptr<X509> x(X509_new());
  if (!x) return OsslFail(err, ENOMEM, "gen_cert: X509_new");
  if (X509_set_version(x.get(), X509_VERSION_3) != 1) return OsslFail(err, EIO, "gen_cert: version");
  if (int rc = SetRandomSerial(x.get(), err); rc != 0) return rc;

  X509_NAME* name = X509_get_subject_name(x.get());
  if (int rc = AddNameEntry(name, "CN", req->subject_cn, err); rc != 0) return rc;
  if (req->subject_org != nullptr && req->subject_org[0] != '\0') {
    if (int rc = AddNameEntry(name, "O", req->subject_org, err); rc != 0) return rc;
  }
  if (X509_set_issuer_name(x.get(), name) != 1) return OsslFail(err, EIO, "gen_cert: issuer");

  if (ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(req->not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(req->not_after)) == nullptr) {
    return rats_tls_error_set(err, EINVAL, "gen_cert: validity %lld..%lld is not representable",
                              static_cast<long long>(req->not_before),
                              static_cast<long long>(req->not_after));
  }
  if (X509_set_pubkey(x.get(), pkey.get()) != 1) return OsslFail(err, EIO, "gen_cert: public key");

  if (int rc = AddStandardExtensions(x.get(), req, err); rc != 0) return rc;
  if (int rc = AddRequestExtensions(x.get(), req, err); rc != 0) return rc;

  // ECDSA-with-SHA256 for EC keys, sha256WithRSAEncryption for RSA keys.
  if (X509_sign(x.get(), pkey.get(), EVP_sha256()) <= 0)
    return OsslFail(err, EIO, "gen_cert: signing failed");

  unsigned char* der = nullptr;
  int len = i2d_X509(x.get(), &der);
  return ToBytes(der, len, cert_der, err, "gen_cert: DER encoding failed");
}

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
    .name = "openssl",
    .type = "openssl",
    .priority = 25,
    .ops = &kOps,
};

}  // namespace
}  // namespace inclavare::ratstls::crypto_openssl

extern "C" const rats_tls_plugin_t* rats_tls_plugin_crypto_wrapper_openssl(void) {
  return &inclavare::ratstls::crypto_openssl::kPlugin;
}
