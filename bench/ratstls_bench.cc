// Rats-TLS against plain OpenSSL TLS 1.3, measured in the same run:
//   - handshakes/s, one-way and mutual: Rats-TLS with sim sgx_ecdsa evidence
//     (public API, plugins from the build tree) vs OpenSSL TLS 1.3 with
//     self-signed ECDSA P-256 certificates verified against themselves as
//     trust anchors;
//   - bulk transfer MB/s over one connection.
// Both sides run in this process (server thread, client thread) over
// socketpairs; neither side resumes sessions, so every handshake is full.
// Targets (issue 7): handshakes >= 0.9x, bulk >= 0.95x.
//
//   ratstls_bench --sim-dir D --aesm-socket S --plugin-dir P [--seconds 3] [--bulk-mib 256]
#include <rats-tls/api.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string sim_dir, aesm_socket, plugin_dir;
  double seconds = 3;
  size_t bulk_mib = 256;
};

// ---- plain OpenSSL ----------------------------------------------------------

struct Identity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

Identity SelfSigned(const char* cn) {
  Identity id;
  id.key = EVP_EC_gen("P-256");
  id.cert = X509_new();
  X509_set_version(id.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(id.cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(id.cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(id.cert), 3600);
  X509_NAME* n = X509_get_subject_name(id.cert);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(id.cert, n);
  X509_set_pubkey(id.cert, id.key);
  X509_sign(id.cert, id.key, EVP_sha256());
  return id;
}

SSL_CTX* PlainCtx(bool server, const Identity& self, const Identity& peer, bool mutual) {
  SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (server || mutual) {
    SSL_CTX_use_certificate(ctx, self.cert);
    SSL_CTX_use_PrivateKey(ctx, self.key);
  }
  if (!server || mutual) {
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), peer.cert);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), nullptr);
  }
  return ctx;
}

// ---- a server thread fed with fds -----------------------------------------

class Server {
 public:
  explicit Server(std::function<bool(int)> serve) : serve_(std::move(serve)), t_([this] { Loop(); }) {}
  ~Server() {
    Submit(-1);
    t_.join();
  }
  void Submit(int fd) {
    std::lock_guard<std::mutex> l(mu_);
    fd_ = fd;
    has_ = true;
    cv_.notify_all();
  }
  bool Wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return done_; });
    done_ = false;
    return ok_;
  }

 private:
  void Loop() {
    for (;;) {
      int fd;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return has_; });
        has_ = false;
        fd = fd_;
      }
      if (fd < 0) return;
      bool ok = serve_(fd);
      std::lock_guard<std::mutex> l(mu_);
      ok_ = ok;
      done_ = true;
      cv_.notify_all();
    }
  }
  std::function<bool(int)> serve_;
  std::mutex mu_;
  std::condition_variable cv_;
  int fd_ = -1;
  bool has_ = false, done_ = false, ok_ = false;
  std::thread t_;
};

// Runs connect() pairs for `seconds`; returns handshakes/s (-1 on failure).
double Rate(double seconds, Server& server, const std::function<bool(int)>& client) {
  int n = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  do {  // at least one iteration (seconds = 0: exactly one)
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return -1;
    server.Submit(sv[0]);
    bool ok = client(sv[1]);
    ok = server.Wait() && ok;
    close(sv[0]);
    close(sv[1]);
    if (!ok) return -1;
    ++n;
  } while (Clock::now() < end);
  return n / std::chrono::duration<double>(Clock::now() - start).count();
}

double PlainHandshakes(const Options& o, bool mutual) {
  Identity s = SelfSigned("server"), c = SelfSigned("client");
  SSL_CTX* sctx = PlainCtx(true, s, c, mutual);
  SSL_CTX* cctx = PlainCtx(false, c, s, mutual);
  Server server([&](int fd) {
    SSL* ssl = SSL_new(sctx);
    SSL_set_fd(ssl, fd);
    bool ok = SSL_accept(ssl) == 1;
    char b;
    if (ok) ok = SSL_read(ssl, &b, 1) == 1;  // the client's byte: the handshake is complete on both sides
    SSL_free(ssl);
    return ok;
  });
  double r = Rate(o.seconds, server, [&](int fd) {
    SSL* ssl = SSL_new(cctx);
    SSL_set_fd(ssl, fd);
    bool ok = SSL_connect(ssl) == 1 && SSL_write(ssl, "x", 1) == 1;
    SSL_free(ssl);
    return ok;
  });
  SSL_CTX_free(sctx);
  SSL_CTX_free(cctx);
  return r;
}

// ---- Rats-TLS ---------------------------------------------------------------

rats_tls_conf_t Conf(const Options& o, bool server, bool mutual) {
  rats_tls_conf_t c;
  memset(&c, 0, sizeof c);
  c.api_version = RATS_TLS_API_VERSION_2;
  c.log_level = RATS_TLS_LOG_LEVEL_ERROR;
  c.flags = (server ? RATS_TLS_CONF_FLAGS_SERVER : 0) | (mutual ? RATS_TLS_CONF_FLAGS_MUTUAL : 0);
  c.cert_algo = RATS_TLS_CERT_ALGO_ECC_256_SHA256;  // as the baseline (0 is RSA-3072, as upstream)
  if (server || mutual) strcpy(c.attester_type, "sgx_ecdsa");
  c.ext.sim_dir = o.sim_dir.c_str();
  c.ext.aesm_socket = o.aesm_socket.c_str();
  c.ext.plugin_dir = o.plugin_dir.c_str();
  return c;
}

rats_tls_handle Init(const rats_tls_conf_t& c) {
  rats_tls_handle h = nullptr;
  if (rats_tls_init(&c, &h) != RATS_TLS_ERR_NONE) {
    fprintf(stderr, "ratstls_bench: rats_tls_init: %s\n", rats_tls_last_error(nullptr));
    exit(1);
  }
  return h;
}

double RatsHandshakes(const Options& o, bool mutual, double* first_ms) {
  rats_tls_handle sh = Init(Conf(o, true, mutual)), ch = Init(Conf(o, false, mutual));
  Server server([&](int fd) {
    if (rats_tls_negotiate(sh, fd) != RATS_TLS_ERR_NONE) {
      fprintf(stderr, "server: %s\n", rats_tls_last_error(sh));
      return false;
    }
    char b;
    size_t n = 1;
    return rats_tls_receive(sh, &b, &n) == RATS_TLS_ERR_NONE && n == 1;
  });
  auto client = [&](int fd) {
    if (rats_tls_negotiate(ch, fd) != RATS_TLS_ERR_NONE) {
      fprintf(stderr, "client: %s\n", rats_tls_last_error(ch));
      return false;
    }
    size_t n = 1;
    return rats_tls_transmit(ch, const_cast<char*>("x"), &n) == RATS_TLS_ERR_NONE;
  };
  // The first handshake verifies the quote(s); later ones find the
  // certificate verified already (same evidence, collateral still current).
  auto t0 = Clock::now();
  Rate(0, server, client);  // zero seconds: runs exactly one iteration
  *first_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  double r = Rate(o.seconds, server, client);
  rats_tls_cleanup(sh);
  rats_tls_cleanup(ch);
  return r;
}

// ---- bulk --------------------------------------------------------------------

double PlainBulk(const Options& o) {
  Identity s = SelfSigned("server"), c = SelfSigned("client");
  SSL_CTX* sctx = PlainCtx(true, s, c, false);
  SSL_CTX* cctx = PlainCtx(false, c, s, false);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  size_t total = o.bulk_mib << 20;
  double secs = 0;
  std::thread t([&] {
    SSL* ssl = SSL_new(sctx);
    SSL_set_fd(ssl, sv[0]);
    SSL_accept(ssl);
    std::vector<char> buf(1 << 16);
    size_t got = 0;
    while (got < total) {
      int n = SSL_read(ssl, buf.data(), static_cast<int>(buf.size()));
      if (n <= 0) break;
      got += n;
    }
    SSL_free(ssl);
  });
  SSL* ssl = SSL_new(cctx);
  SSL_set_fd(ssl, sv[1]);
  SSL_connect(ssl);
  std::vector<char> buf(1 << 16, 'a');
  auto t0 = Clock::now();
  for (size_t sent = 0; sent < total; sent += buf.size()) SSL_write(ssl, buf.data(), static_cast<int>(buf.size()));
  t.join();
  secs = std::chrono::duration<double>(Clock::now() - t0).count();
  SSL_free(ssl);
  SSL_CTX_free(sctx);
  SSL_CTX_free(cctx);
  close(sv[0]);
  close(sv[1]);
  return total / secs / 1e6;
}

double RatsBulk(const Options& o) {
  rats_tls_handle sh = Init(Conf(o, true, false)), ch = Init(Conf(o, false, false));
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  size_t total = o.bulk_mib << 20;
  std::thread t([&] {
    if (rats_tls_negotiate(sh, sv[0]) != RATS_TLS_ERR_NONE) return;
    std::vector<char> buf(1 << 16);
    size_t got = 0;
    while (got < total) {
      size_t n = buf.size();
      if (rats_tls_receive(sh, buf.data(), &n) != RATS_TLS_ERR_NONE || n == 0) break;
      got += n;
    }
  });
  if (rats_tls_negotiate(ch, sv[1]) != RATS_TLS_ERR_NONE) {
    fprintf(stderr, "client: %s\n", rats_tls_last_error(ch));
    exit(1);
  }
  std::vector<char> buf(1 << 16, 'a');
  auto t0 = Clock::now();
  for (size_t sent = 0; sent < total; sent += buf.size()) {
    size_t n = buf.size();
    rats_tls_transmit(ch, buf.data(), &n);
  }
  t.join();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  rats_tls_cleanup(sh);
  rats_tls_cleanup(ch);
  close(sv[0]);
  close(sv[1]);
  return total / secs / 1e6;
}

void Row(const char* what, double base, double subj, double target) {
  double ratio = subj / base;
  printf("%-28s %12.1f %12.1f %8.2f   (target >= %.2f) [%s]\n", what, base, subj, ratio, target,
         ratio >= target ? "ok" : "MISSED");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--sim-dir") o.sim_dir = v;
    else if (k == "--aesm-socket") o.aesm_socket = v;
    else if (k == "--plugin-dir") o.plugin_dir = v;
    else if (k == "--seconds") o.seconds = atof(v.c_str());
    else if (k == "--bulk-mib") o.bulk_mib = strtoul(v.c_str(), nullptr, 10);
    else {
      fprintf(stderr, "usage: %s --sim-dir D --aesm-socket S --plugin-dir P [--seconds N] [--bulk-mib N]\n", argv[0]);
      return 2;
    }
  }
  if (o.sim_dir.empty() || o.aesm_socket.empty() || o.plugin_dir.empty()) {
    fprintf(stderr, "%s: --sim-dir, --aesm-socket and --plugin-dir are required\n", argv[0]);
    return 2;
  }
  // Alternate baseline and subject so that machine noise hits both.
  double first1 = 0, first2 = 0;
  double p1 = PlainHandshakes(o, false), r1 = RatsHandshakes(o, false, &first1);
  double p2 = PlainHandshakes(o, true), r2 = RatsHandshakes(o, true, &first2);
  double pb = PlainBulk(o), rb = RatsBulk(o);
  printf("%-28s %12s %12s %8s\n", "metric", "openssl", "rats-tls", "ratio");
  Row("handshakes/s one-way", p1, r1, 0.9);
  Row("handshakes/s mutual", p2, r2, 0.9);
  Row("bulk MB/s", pb, rb, 0.95);
  printf("first handshake (quote verified): one-way %.1f ms, mutual %.1f ms\n", first1, first2);
  bool ok = r1 / p1 >= 0.9 && r2 / p2 >= 0.9 && rb / pb >= 0.95;
  return ok ? 0 : 3;
}
