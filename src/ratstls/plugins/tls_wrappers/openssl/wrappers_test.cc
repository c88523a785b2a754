// Tests of the TLS wrappers "openssl" and "nulltls" through their plugin
// descriptors, with certificates from the "openssl" crypto wrapper and a
// fake core (the rats_tls_core_callbacks_t) that records what it is given.
// Both ends run in this process: the server in a thread, over a socketpair.
#include <dlfcn.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <rats-tls/plugin.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ratstls/plugins/tls_wrappers/openssl/openssl_tls.h"

extern "C" const rats_tls_plugin_t* rats_tls_plugin_tls_wrapper_openssl(void);
extern "C" const rats_tls_plugin_t* rats_tls_plugin_tls_wrapper_nulltls(void);
extern "C" const rats_tls_plugin_t* rats_tls_plugin_crypto_wrapper_openssl(void);

namespace {

using Bytes = std::vector<uint8_t>;
using ::testing::HasSubstr;

constexpr const char* kChallengeOid = "1.3.6.1.4.1.99999.1";  // test-only

const rats_tls_crypto_ops_t* Crypto() {
  return static_cast<const rats_tls_crypto_ops_t*>(rats_tls_plugin_crypto_wrapper_openssl()->ops);
}
const rats_tls_tls_ops_t* Tls() {
  return static_cast<const rats_tls_tls_ops_t*>(rats_tls_plugin_tls_wrapper_openssl()->ops);
}

Bytes Take(rats_tls_bytes_t* b) {
  Bytes out(b->data, b->data + b->size);
  free(b->data);
  *b = {};
  return out;
}

struct Identity {
  Bytes key, spki, cert;
};

// A self-signed certificate for key; extra extension (kChallengeOid) with
// `marker` when not empty.
Bytes MakeCert(const Bytes& key, const Bytes& marker) {
  void* st = nullptr;
  rats_tls_error_t err{};
  rats_tls_plugin_env_t env{};
  EXPECT_EQ(Crypto()->init(&env, &st, &err), 0) << err.msg;
  rats_tls_cert_extension_t ext{kChallengeOid, false, marker.data(), marker.size()};
  rats_tls_cert_request_t req{};
  req.key_der = key.data();
  req.key_size = key.size();
  req.subject_cn = "wrappers test";
  req.not_before = time(nullptr) - 60;
  req.not_after = time(nullptr) + 3600;
  req.extensions = marker.empty() ? nullptr : &ext;
  req.extensions_count = marker.empty() ? 0 : 1;
  rats_tls_bytes_t cert{};
  EXPECT_EQ(Crypto()->gen_cert(st, &req, &cert, &err), 0) << err.msg;
  Crypto()->cleanup(st);
  return Take(&cert);
}

Identity MakeIdentity(rats_tls_cert_algo_t algo = RATS_TLS_CERT_ALGO_ECC_256_SHA256) {
  Identity id;
  void* st = nullptr;
  rats_tls_error_t err{};
  rats_tls_plugin_env_t env{};
  EXPECT_EQ(Crypto()->init(&env, &st, &err), 0) << err.msg;
  rats_tls_bytes_t k{}, s{};
  EXPECT_EQ(Crypto()->gen_key(st, algo, &k, &s, &err), 0) << err.msg;
  Crypto()->cleanup(st);
  id.key = Take(&k);
  id.spki = Take(&s);
  id.cert = MakeCert(id.key, {});
  return id;
}

Bytes ExtensionValue(const Bytes& der, const char* oid) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) return {};
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  int i = X509_get_ext_by_OBJ(x, obj, -1);
  ASN1_OBJECT_free(obj);
  Bytes out;
  if (i >= 0) {
    ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(X509_get_ext(x, i));
    out.assign(ASN1_STRING_get0_data(v), ASN1_STRING_get0_data(v) + ASN1_STRING_length(v));
  }
  X509_free(x);
  return out;
}

// The core's side, recording every call.
struct FakeCore {
  // verify_peer
  int verify_calls = 0;
  Bytes seen_cert;
  Bytes seen_challenge;  // the challenge verify_peer was given
  bool seen_null_challenge = false;
  bool reject = false;
  std::string reject_reason = "evidence refused: MRENCLAVE mismatch";
  // cert_for_challenge
  const Identity* identity = nullptr;  // answers with a cert for this key
  bool wrong_key = false;              // ... or for another key
  bool fail_fresh = false;
  int fresh_calls = 0;
  Bytes fresh_challenge;
  Bytes fresh_cert;

  rats_tls_core_callbacks_t Callbacks() { return {this, &VerifyPeer, &CertForChallenge}; }

  static int VerifyPeer(void* core, const uint8_t* cert, size_t cert_size, const uint8_t* chal,
                        size_t chal_size, rats_tls_error_t* err) {
    auto* c = static_cast<FakeCore*>(core);
    ++c->verify_calls;
    c->seen_cert.assign(cert, cert + cert_size);
    c->seen_null_challenge = chal == nullptr;
    if (chal != nullptr) c->seen_challenge.assign(chal, chal + chal_size);
    if (c->reject) return rats_tls_error_set(err, EACCES, "%s", c->reject_reason.c_str());
    return 0;
  }

  static int CertForChallenge(void* core, const uint8_t* chal, size_t chal_size, rats_tls_bytes_t* out,
                              rats_tls_error_t* err) {
    auto* c = static_cast<FakeCore*>(core);
    ++c->fresh_calls;
    c->fresh_challenge.assign(chal, chal + chal_size);
    if (c->fail_fresh)
      return rats_tls_error_set(err, EIO, "quote for the challenge failed: AESM unavailable");
    Bytes cert;
    if (c->wrong_key) {
      cert = MakeIdentity().cert;
    } else {
      cert = MakeCert(c->identity->key, c->fresh_challenge);
    }
    c->fresh_cert = cert;
    out->data = static_cast<uint8_t*>(malloc(cert.size()));
    memcpy(out->data, cert.data(), cert.size());
    out->size = cert.size();
    return 0;
  }
};

struct Options {
  bool mutual = false;
  bool client_has_cert = true;
  Bytes client_challenge, server_challenge;
};

// One endpoint: a wrapper state built from an identity and a fake core.
class Endpoint {
 public:
  Endpoint(bool server, const Identity* id, const Options& o, const rats_tls_tls_ops_t* ops = Tls())
      : ops_(ops) {
    core.identity = id;
    rats_tls_tls_config_t cfg{};
    cfg.server = server;
    cfg.mutual = o.mutual;
    cfg.verify_peer = server ? o.mutual : true;
    cfg.freshness = !(server ? o.server_challenge : o.client_challenge).empty();
    if (id != nullptr && (server || o.client_has_cert)) {
      cfg.cert_der = id->cert.data();
      cfg.cert_size = id->cert.size();
      cfg.key_der = id->key.data();
      cfg.key_size = id->key.size();
    }
    cfg.callbacks = core.Callbacks();
    rats_tls_plugin_env_t env{};
    env.size = sizeof env;
    init_rc = ops_->init(&env, &cfg, &state_, &err);
  }
  ~Endpoint() {
    if (session != nullptr) ops_->close_session(session);
    if (state_ != nullptr) ops_->cleanup(state_);
  }
  int Negotiate(int fd, const Bytes& challenge) {
    if (session != nullptr) Close();
    return ops_->negotiate(state_, fd, challenge.empty() ? nullptr : challenge.data(), challenge.size(),
                           &session, &err);
  }
  void Close() {
    ops_->close_session(session);
    session = nullptr;
  }
  // Sends all of data.
  int Send(const Bytes& data) {
    size_t n = data.size();
    int rc = ops_->transmit(session, data.data(), &n, &err);
    if (rc == 0) {
      EXPECT_EQ(n, data.size());
    }
    return rc;
  }
  // Receives exactly size bytes (or until EOF / an error).
  int RecvAll(size_t size, Bytes* out) {
    out->clear();
    std::vector<uint8_t> buf(64 * 1024);
    while (out->size() < size) {
      size_t n = std::min(buf.size(), size - out->size());
      int rc = ops_->receive(session, buf.data(), &n, &err);
      if (rc != 0) return rc;
      if (n == 0) break;
      out->insert(out->end(), buf.begin(), buf.begin() + n);
    }
    return 0;
  }

  const rats_tls_tls_ops_t* ops_;
  FakeCore core;
  void* state_ = nullptr;
  void* session = nullptr;
  rats_tls_error_t err{};
  int init_rc = 0;
};

struct SocketPair {
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0); }
  ~SocketPair() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  void CloseEnd(int i) {
    close(fd[i]);
    fd[i] = -1;
  }
  int fd[2] = {-1, -1};
};

// Runs both handshakes (server in a thread); returns {server rc, client rc}.
std::pair<int, int> Handshake(Endpoint& server, Endpoint& client, SocketPair& sp, const Options& o) {
  int server_rc = 0;
  std::thread t([&] {
    server_rc = server.Negotiate(sp.fd[0], o.server_challenge);
    // On failure the client may still be waiting for a message: end it.
    if (server_rc != 0) shutdown(sp.fd[0], SHUT_RDWR);
  });
  int client_rc = client.Negotiate(sp.fd[1], o.client_challenge);
  if (client_rc != 0) shutdown(sp.fd[1], SHUT_RDWR);
  t.join();
  return {server_rc, client_rc};
}

Bytes RandomBytes(size_t n) {
  Bytes b(n);
  EXPECT_EQ(RAND_bytes(b.data(), static_cast<int>(n)), 1);
  return b;
}

class OpensslTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The default action: a SIGPIPE would kill the test.
    signal(SIGPIPE, SIG_DFL);
  }
  static void SetUpTestSuite() {
    server_id_ = new Identity(MakeIdentity());
    client_id_ = new Identity(MakeIdentity());
  }
  static void TearDownTestSuite() {
    delete server_id_;
    delete client_id_;
  }
  static Identity* server_id_;
  static Identity* client_id_;
};
Identity* OpensslTlsTest::server_id_ = nullptr;
Identity* OpensslTlsTest::client_id_ = nullptr;

TEST_F(OpensslTlsTest, DescriptorsMatchUpstream) {
  EXPECT_STREQ(rats_tls_plugin_tls_wrapper_openssl()->name, "openssl");
  EXPECT_STREQ(rats_tls_plugin_tls_wrapper_openssl()->type, "openssl");
  EXPECT_EQ(rats_tls_plugin_tls_wrapper_openssl()->priority, 25);
  EXPECT_EQ(rats_tls_plugin_tls_wrapper_openssl()->kind, RATS_TLS_PLUGIN_TLS_WRAPPER);
  EXPECT_STREQ(rats_tls_plugin_tls_wrapper_nulltls()->name, "nulltls");
  EXPECT_EQ(rats_tls_plugin_tls_wrapper_nulltls()->priority, 0);
}

// The shared objects the core loads export the same descriptors.
TEST(WrapperPluginsTest, SharedObjectsExportTheirDescriptors) {
  struct {
    const char* path;
    uint32_t kind;
    const char* name;
    uint8_t priority;
  } cases[] = {
      {"/tls-wrappers/libtls_wrapper_openssl.so", RATS_TLS_PLUGIN_TLS_WRAPPER, "openssl", 25},
      {"/tls-wrappers/libtls_wrapper_nulltls.so", RATS_TLS_PLUGIN_TLS_WRAPPER, "nulltls", 0},
      {"/crypto-wrappers/libcrypto_wrapper_openssl.so", RATS_TLS_PLUGIN_CRYPTO_WRAPPER, "openssl", 25},
      {"/crypto-wrappers/libcrypto_wrapper_nullcrypto.so", RATS_TLS_PLUGIN_CRYPTO_WRAPPER, "nullcrypto", 0},
  };
  for (const auto& c : cases) {
    std::string path = std::string(RATSTLS_PLUGIN_OUT) + c.path;
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(h, nullptr) << dlerror();
    auto entry = reinterpret_cast<rats_tls_plugin_entry_fn>(dlsym(h, RATS_TLS_PLUGIN_ENTRY));
    ASSERT_NE(entry, nullptr) << path;
    const rats_tls_plugin_t* p = entry();
    EXPECT_EQ(p->abi_version, RATS_TLS_PLUGIN_ABI_VERSION);
    EXPECT_EQ(p->kind, c.kind);
    EXPECT_STREQ(p->name, c.name);
    EXPECT_STREQ(p->type, c.name);
    EXPECT_EQ(p->priority, c.priority);
    EXPECT_NE(p->ops, nullptr);
    // Nothing else is exported (plugin.lds).
    EXPECT_EQ(dlsym(h, "rats_tls_error_set"), nullptr) << path;
    dlclose(h);
  }
}

TEST_F(OpensslTlsTest, OneWayHandshakeClientVerifiesServerLeaf) {
  Options o;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  ASSERT_EQ(server.init_rc, 0) << server.err.msg;
  ASSERT_EQ(client.init_rc, 0) << client.err.msg;
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  EXPECT_EQ(client.core.verify_calls, 1);
  EXPECT_EQ(client.core.seen_cert, server_id_->cert);  // the exact DER
  EXPECT_TRUE(client.core.seen_null_challenge);
  EXPECT_EQ(server.core.verify_calls, 0);
  EXPECT_EQ(server.core.fresh_calls, 0);
  SSL* ssl = static_cast<inclavare::ratstls::tls_openssl::Session*>(client.session)->ssl;
  EXPECT_STREQ(SSL_get_version(ssl), "TLSv1.3");
  EXPECT_EQ(SSL_session_reused(ssl), 0);
  // Data both ways, then a clean end of stream.
  Bytes ping = {'p', 'i', 'n', 'g'}, got;
  ASSERT_EQ(client.Send(ping), 0) << client.err.msg;
  ASSERT_EQ(server.RecvAll(4, &got), 0) << server.err.msg;
  EXPECT_EQ(got, ping);
  ASSERT_EQ(server.Send({'o', 'k'}), 0) << server.err.msg;
  ASSERT_EQ(client.RecvAll(2, &got), 0) << client.err.msg;
  EXPECT_EQ(got, Bytes({'o', 'k'}));
  client.Close();
  uint8_t buf[16];
  size_t n = sizeof buf;
  EXPECT_EQ(Tls()->receive(server.session, buf, &n, &server.err), 0) << server.err.msg;
  EXPECT_EQ(n, 0u);
}

TEST_F(OpensslTlsTest, RefusedServerFailsBothSidesWithTheReasonOnTheClient) {
  Options o;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  client.core.reject = true;
  auto [src, crc] = Handshake(server, client, sp, o);
  EXPECT_EQ(crc, -EACCES);
  EXPECT_STREQ(client.err.msg, "evidence refused: MRENCLAVE mismatch");
  EXPECT_EQ(client.session, nullptr);
  EXPECT_NE(src, 0);
  EXPECT_THAT(std::string(server.err.msg), HasSubstr("TLS handshake (server)"));
  EXPECT_THAT(std::string(server.err.msg), HasSubstr("the peer refused this side's certificate"));
  EXPECT_THAT(std::string(server.err.msg), HasSubstr("bad certificate")) << "the client's alert";
  EXPECT_EQ(server.session, nullptr);
}

TEST_F(OpensslTlsTest, MutualBothSidesVerifyThePeerLeaf) {
  Options o;
  o.mutual = true;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  EXPECT_EQ(server.core.verify_calls, 1);
  EXPECT_EQ(server.core.seen_cert, client_id_->cert);
  EXPECT_EQ(client.core.verify_calls, 1);
  EXPECT_EQ(client.core.seen_cert, server_id_->cert);
}

TEST_F(OpensslTlsTest, MutualRefusedClientLearnsAtItsFirstReceive) {
  Options o;
  o.mutual = true;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  server.core.reject = true;
  server.core.reject_reason = "client evidence is a debug enclave";
  auto [src, crc] = Handshake(server, client, sp, o);
  EXPECT_EQ(src, -EACCES);
  EXPECT_STREQ(server.err.msg, "client evidence is a debug enclave");
  // TLS 1.3: the client's handshake ends with its own Finished, before the
  // server has judged its certificate; the refusal arrives as an alert.
  if (crc == 0) {
    uint8_t buf[8];
    size_t n = sizeof buf;
    EXPECT_EQ(Tls()->receive(client.session, buf, &n, &client.err), -EACCES);
  }
  EXPECT_THAT(std::string(client.err.msg), HasSubstr("the peer refused this side's certificate"));
  EXPECT_THAT(std::string(client.err.msg), HasSubstr("bad certificate"));
}

TEST_F(OpensslTlsTest, MutualWithoutClientCertificateIsRefused) {
  Options o;
  o.mutual = true;
  o.client_has_cert = false;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  ASSERT_EQ(client.init_rc, 0) << client.err.msg;
  auto [src, crc] = Handshake(server, client, sp, o);
  EXPECT_NE(src, 0);
  EXPECT_THAT(std::string(server.err.msg), HasSubstr("peer did not return a certificate"));
  EXPECT_EQ(server.core.verify_calls, 0);
  (void)crc;
}

TEST_F(OpensslTlsTest, FreshnessClientChallengeReachesServer) {
  Options o;
  o.client_challenge = RandomBytes(RATS_TLS_CHALLENGE_SIZE);
  SocketPair sp;
  SocketPair sp2;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  EXPECT_EQ(server.core.fresh_calls, 1);
  EXPECT_EQ(server.core.fresh_challenge, o.client_challenge);
  // The client saw the certificate made for its challenge, not the static one.
  EXPECT_EQ(client.core.seen_cert, server.core.fresh_cert);
  EXPECT_NE(client.core.seen_cert, server_id_->cert);
  EXPECT_EQ(ExtensionValue(client.core.seen_cert, kChallengeOid), o.client_challenge);
  // ... and verify_peer got the challenge the client sent.
  EXPECT_EQ(client.core.seen_challenge, o.client_challenge);
  // The next connection without a challenge gets the static certificate.
  Options plain;
  Endpoint client2(false, client_id_, plain);
  auto [src2, crc2] = Handshake(server, client2, sp2, plain);
  ASSERT_EQ(src2, 0) << server.err.msg;
  ASSERT_EQ(crc2, 0) << client2.err.msg;
  EXPECT_EQ(client2.core.seen_cert, server_id_->cert);
  EXPECT_EQ(server.core.fresh_calls, 1);
}

TEST_F(OpensslTlsTest, FreshnessMutualBothDirections) {
  Options o;
  o.mutual = true;
  o.client_challenge = RandomBytes(RATS_TLS_CHALLENGE_SIZE);
  o.server_challenge = RandomBytes(RATS_TLS_CHALLENGE_SIZE);
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  // Server -> client challenge in the CertificateRequest.
  EXPECT_EQ(client.core.fresh_calls, 1);
  EXPECT_EQ(client.core.fresh_challenge, o.server_challenge);
  EXPECT_EQ(server.core.seen_cert, client.core.fresh_cert);
  EXPECT_EQ(ExtensionValue(server.core.seen_cert, kChallengeOid), o.server_challenge);
  EXPECT_EQ(server.core.seen_challenge, o.server_challenge);
  // Client -> server challenge in the ClientHello.
  EXPECT_EQ(server.core.fresh_challenge, o.client_challenge);
  EXPECT_EQ(ExtensionValue(client.core.seen_cert, kChallengeOid), o.client_challenge);
  EXPECT_EQ(client.core.seen_challenge, o.client_challenge);
}

TEST_F(OpensslTlsTest, FreshnessFailureInCertForChallengeIsReported) {
  Options o;
  o.client_challenge = RandomBytes(RATS_TLS_CHALLENGE_SIZE);
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  server.core.fail_fresh = true;
  auto [src, crc] = Handshake(server, client, sp, o);
  EXPECT_EQ(src, -EIO);
  EXPECT_STREQ(server.err.msg, "quote for the challenge failed: AESM unavailable");
  EXPECT_NE(crc, 0);
  EXPECT_EQ(client.core.verify_calls, 0);
}

TEST_F(OpensslTlsTest, FreshnessCertificateForAnotherKeyIsRefused) {
  Options o;
  o.client_challenge = RandomBytes(RATS_TLS_CHALLENGE_SIZE);
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  server.core.wrong_key = true;
  auto [src, crc] = Handshake(server, client, sp, o);
  EXPECT_EQ(src, -EINVAL);
  EXPECT_THAT(std::string(server.err.msg), HasSubstr("not for this side's private key"));
  EXPECT_NE(crc, 0);
}

TEST_F(OpensslTlsTest, TransfersOneMebibyteEachWay) {
  Options o;
  o.mutual = true;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  const Bytes data = RandomBytes(1 << 20);
  int echo_rc = -1;
  std::thread echo([&] {  // the server echoes the whole MiB back
    Bytes got;
    echo_rc = server.RecvAll(data.size(), &got);
    if (echo_rc == 0) echo_rc = got == data ? server.Send(got) : -EBADMSG;
  });
  int send_rc = client.Send(data);  // may block until the echo starts
  Bytes back;
  int recv_rc = client.RecvAll(data.size(), &back);
  echo.join();
  ASSERT_EQ(send_rc, 0) << client.err.msg;
  ASSERT_EQ(echo_rc, 0) << server.err.msg;
  ASSERT_EQ(recv_rc, 0) << client.err.msg;
  EXPECT_TRUE(back == data);
}

TEST_F(OpensslTlsTest, Rsa3072OneWayAndMutual) {
  Identity rsa_server = MakeIdentity(RATS_TLS_CERT_ALGO_RSA_3072_SHA256);
  Identity rsa_client = MakeIdentity(RATS_TLS_CERT_ALGO_RSA_3072_SHA256);
  for (bool mutual : {false, true}) {
    Options o;
    o.mutual = mutual;
    o.client_challenge = RandomBytes(RATS_TLS_CHALLENGE_SIZE);
    SocketPair sp;
    Endpoint server(true, &rsa_server, o), client(false, &rsa_client, o);
    auto [src, crc] = Handshake(server, client, sp, o);
    ASSERT_EQ(src, 0) << server.err.msg;
    ASSERT_EQ(crc, 0) << client.err.msg;
    EXPECT_EQ(ExtensionValue(client.core.seen_cert, kChallengeOid), o.client_challenge);
    if (mutual) {
      EXPECT_EQ(server.core.seen_cert, rsa_client.cert);
    }
    Bytes data = RandomBytes(100000), got;
    ASSERT_EQ(client.Send(data), 0) << client.err.msg;
    ASSERT_EQ(server.RecvAll(data.size(), &got), 0) << server.err.msg;
    EXPECT_TRUE(got == data);
  }
}

TEST_F(OpensslTlsTest, SetCertificateAppliesToLaterConnections) {
  Options o;
  SocketPair sp;
  Endpoint server(true, server_id_, o);
  Identity rsa = MakeIdentity(RATS_TLS_CERT_ALGO_RSA_3072_SHA256);  // another key type too
  ASSERT_EQ(Tls()->set_certificate(server.state_, rsa.cert.data(), rsa.cert.size(), rsa.key.data(),
                                   rsa.key.size(), &server.err),
            0)
      << server.err.msg;
  Endpoint client(false, client_id_, o);
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  EXPECT_EQ(client.core.seen_cert, rsa.cert);
  // A mismatched pair is refused and the current one stays.
  EXPECT_EQ(Tls()->set_certificate(server.state_, server_id_->cert.data(), server_id_->cert.size(),
                                   rsa.key.data(), rsa.key.size(), &server.err),
            -EINVAL);
  EXPECT_THAT(std::string(server.err.msg), HasSubstr("does not match the private key"));
}

TEST_F(OpensslTlsTest, NonBlockingSocketsStillHandshakeAndTransfer) {
  Options o;
  o.mutual = true;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  for (int fd : sp.fd) ASSERT_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  const Bytes data = RandomBytes(1 << 20);
  int recv_rc = -1;
  Bytes got;
  std::thread t([&] { recv_rc = server.RecvAll(data.size(), &got); });
  EXPECT_EQ(client.Send(data), 0) << client.err.msg;
  t.join();
  ASSERT_EQ(recv_rc, 0) << server.err.msg;
  EXPECT_TRUE(got == data);
}

TEST_F(OpensslTlsTest, VanishedPeerIsAnErrorNotSigpipe) {
  Options o;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  server.Close();
  sp.CloseEnd(0);
  const Bytes data = RandomBytes(1 << 20);
  size_t n = data.size();
  int rc = Tls()->transmit(client.session, data.data(), &n, &client.err);  // SIGPIPE would kill us here
  EXPECT_EQ(rc, -EPIPE);
  EXPECT_THAT(std::string(client.err.msg), HasSubstr("Broken pipe"));
  EXPECT_LT(n, data.size());
}

TEST_F(OpensslTlsTest, EofWithoutCloseNotifyIsAnError) {
  Options o;
  SocketPair sp;
  Endpoint server(true, server_id_, o), client(false, client_id_, o);
  auto [src, crc] = Handshake(server, client, sp, o);
  ASSERT_EQ(src, 0) << server.err.msg;
  ASSERT_EQ(crc, 0) << client.err.msg;
  shutdown(sp.fd[1], SHUT_RDWR);  // the client's end, without close_notify
  uint8_t buf[16];
  size_t n = sizeof buf;
  EXPECT_EQ(Tls()->receive(server.session, buf, &n, &server.err), -ECONNRESET);
  EXPECT_THAT(std::string(server.err.msg), HasSubstr("closed the connection"));
}

TEST_F(OpensslTlsTest, Tls12PeerIsRefused) {
  Options o;
  SocketPair sp;
  Endpoint server(true, server_id_, o);
  int src = 0;
  std::thread t([&] { src = server.Negotiate(sp.fd[0], {}); });
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, sp.fd[1]);
  EXPECT_NE(SSL_connect(ssl), 1);
  ERR_clear_error();
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  shutdown(sp.fd[1], SHUT_RDWR);
  t.join();
  EXPECT_NE(src, 0);
  EXPECT_THAT(std::string(server.err.msg), HasSubstr("unsupported protocol"));
}

// A plain OpenSSL server knows nothing of the challenge extension: it
// ignores it, and the client's verify_peer still runs, with the challenge,
// on the static certificate (the core then finds no nonce in the evidence).
TEST_F(OpensslTlsTest, PlainServerIgnoresTheChallenge) {
  SocketPair sp;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  const unsigned char* p = server_id_->cert.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(server_id_->cert.size()));
  p = server_id_->key.data();
  EVP_PKEY* k = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(server_id_->key.size()));
  ASSERT_EQ(SSL_CTX_use_certificate(ctx, x), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(ctx, k), 1);
  X509_free(x);
  EVP_PKEY_free(k);
  int accept_rc = 0;
  std::thread t([&] {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, sp.fd[0]);
    accept_rc = SSL_accept(ssl);
    char b;
    if (accept_rc == 1 && SSL_read(ssl, &b, 1) == 1) SSL_write(ssl, &b, 1);
    SSL_free(ssl);
  });
  Options o;
  o.client_challenge = RandomBytes(RATS_TLS_CHALLENGE_SIZE);
  Endpoint client(false, client_id_, o);
  int rc = client.Negotiate(sp.fd[1], o.client_challenge);
  Bytes got;
  if (rc == 0) {
    EXPECT_EQ(client.Send({'z'}), 0) << client.err.msg;
    EXPECT_EQ(client.RecvAll(1, &got), 0) << client.err.msg;
  }
  shutdown(sp.fd[1], SHUT_RDWR);
  t.join();
  SSL_CTX_free(ctx);
  ASSERT_EQ(rc, 0) << client.err.msg;
  EXPECT_EQ(accept_rc, 1);
  EXPECT_EQ(got, Bytes({'z'}));
  EXPECT_EQ(client.core.seen_cert, server_id_->cert);
  EXPECT_EQ(client.core.seen_challenge, o.client_challenge);
}

TEST_F(OpensslTlsTest, BadConfigurationsHaveClearReasons) {
  Options o;
  Endpoint no_cert_server(true, nullptr, o);
  EXPECT_EQ(no_cert_server.init_rc, -EINVAL);
  EXPECT_THAT(std::string(no_cert_server.err.msg), HasSubstr("a server needs a certificate"));

  Identity mismatched = *server_id_;
  mismatched.key = client_id_->key;
  Endpoint bad(true, &mismatched, o);
  EXPECT_EQ(bad.init_rc, -EINVAL);
  EXPECT_THAT(std::string(bad.err.msg), HasSubstr("does not match the private key"));

  Identity junk = *server_id_;
  junk.cert.resize(junk.cert.size() / 2);
  Endpoint truncated(true, &junk, o);
  EXPECT_EQ(truncated.init_rc, -EINVAL);
  EXPECT_THAT(std::string(truncated.err.msg), HasSubstr("not one DER X.509 certificate"));

  Endpoint client(false, client_id_, o);
  Bytes big(65, 1);
  EXPECT_EQ(client.Negotiate(0, big), -EINVAL);
  EXPECT_THAT(std::string(client.err.msg), HasSubstr("challenge is 65 bytes"));
}

TEST(NullTlsTest, PlainBytesBothWays) {
  const auto* ops = static_cast<const rats_tls_tls_ops_t*>(rats_tls_plugin_tls_wrapper_nulltls()->ops);
  Options o;
  SocketPair sp;
  Endpoint server(true, nullptr, o, ops), client(false, nullptr, o, ops);
  ASSERT_EQ(server.init_rc, 0);
  ASSERT_EQ(client.init_rc, 0);
  ASSERT_EQ(server.Negotiate(sp.fd[0], {}), 0);
  ASSERT_EQ(client.Negotiate(sp.fd[1], {}), 0);
  Bytes data = RandomBytes(1000), got;
  ASSERT_EQ(client.Send(data), 0) << client.err.msg;
  // No encryption: the bytes on the socket are the plaintext.
  Bytes raw(data.size());
  ASSERT_EQ(read(sp.fd[0], raw.data(), raw.size()), static_cast<ssize_t>(raw.size()));
  EXPECT_TRUE(raw == data);
  ASSERT_EQ(server.Send(data), 0) << server.err.msg;
  ASSERT_EQ(client.RecvAll(data.size(), &got), 0) << client.err.msg;
  EXPECT_TRUE(got == data);
  EXPECT_EQ(client.core.verify_calls, 0);
  signal(SIGPIPE, SIG_DFL);
  sp.CloseEnd(0);
  size_t n = data.size();
  EXPECT_EQ(ops->transmit(client.session, data.data(), &n, &client.err), -EPIPE);
}

}  // namespace
