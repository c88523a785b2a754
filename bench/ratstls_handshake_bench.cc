// Rats-TLS TLS wrapper benchmark (issue 7, "Performance"): handshakes per
// second (one-way and mutual) and bulk throughput of the "openssl" TLS
// wrapper, against plain OpenSSL TLS 1.3 with the same self-signed ECDSA
// P-256 certificates, measured in the same run.
//
//   ratstls_handshake_bench [--seconds S] [--rounds R] [--bulk-mib N]
//
// BASELINE: plain OpenSSL 3, TLS 1.3, the peer's certificate checked by
// X509_verify_cert against that certificate as trust anchor. Two flavours:
//   "openssl defaults": what a plain server does out of the box (2 session
//                       tickets per handshake, automatic chain building);
//   "openssl tuned":    tickets off, no automatic chain - the stricter bar,
//                       used for the ratios.
// SUBJECT: the wrapper through its plugin ops (negotiate / transmit /
// receive / close_session) with a verify_peer that only looks at the DER
// (the real core plugs in through the public API later); once with the
// same certificate, once with a 5 KiB extension standing in for evidence.
//
// Two figures per cell: per wall-clock second, and per CPU second of the
// process (both threads; CLOCK_PROCESS_CPUTIME_ID). On an idle machine they
// tell the same story; on a shared one the CPU-second figure is the stable
// one (it does not count time spent waiting for the CPU).
//
// One handshake = a fresh socketpair, the handshake, one byte each way
// (so that the server's verdict and any tickets are processed), the
// close_notify, close. The server runs in a second thread. Variants are
// interleaved round by round (short rounds, the order rotating); a ratio is
// the median of the per-round ratios, which keeps the comparison fair on a
// busy machine.
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <rats-tls/plugin.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern "C" const rats_tls_plugin_t* rats_tls_plugin_tls_wrapper_openssl(void);
extern "C" const rats_tls_plugin_t* rats_tls_plugin_crypto_wrapper_openssl(void);

namespace {

using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  fprintf(stderr, "ratstls_handshake_bench: %s\n", what.c_str());
  ERR_print_errors_fp(stderr);
  exit(1);
}

// ---- identities (made with the openssl crypto wrapper) ------------------

struct Identity {
  Bytes key, cert;
};

Bytes Take(rats_tls_bytes_t* b) {
  Bytes out(b->data, b->data + b->size);
  free(b->data);
  return out;
}

Identity MakeIdentity(size_t evidence_size) {
  const auto* crypto =
      static_cast<const rats_tls_crypto_ops_t*>(rats_tls_plugin_crypto_wrapper_openssl()->ops);
  rats_tls_plugin_env_t env{};
  rats_tls_error_t err{};
  void* st = nullptr;
  if (crypto->init(&env, &st, &err) != 0) Die(err.msg);
  rats_tls_bytes_t k{}, s{}, c{};
  if (crypto->gen_key(st, RATS_TLS_CERT_ALGO_ECC_256_SHA256, &k, &s, &err) != 0) Die(err.msg);
  free(s.data);
  Identity id;
  id.key = Take(&k);
  Bytes evidence(evidence_size);
  if (evidence_size) RAND_bytes(evidence.data(), static_cast<int>(evidence_size));
  rats_tls_cert_extension_t ext{"2.23.133.5.4.9", false, evidence.data(), evidence.size()};
  rats_tls_cert_request_t req{};
  req.key_der = id.key.data();
  req.key_size = id.key.size();
  req.subject_cn = "bench";
  req.subject_org = "Inclavare Containers";
  req.not_before = time(nullptr) - 3600;
  req.not_after = time(nullptr) + 86400;
  req.extensions = evidence_size ? &ext : nullptr;
  req.extensions_count = evidence_size ? 1 : 0;
  if (crypto->gen_cert(st, &req, &c, &err) != 0) Die(err.msg);
  id.cert = Take(&c);
  crypto->cleanup(st);
  return id;
}

// ---- a connection-level interface for both implementations --------------

// One side of a connection: handshake on fd, then I/O. All return false on
// failure.
struct Conn {
  virtual ~Conn() = default;
  virtual bool Write(const void* buf, size_t n) = 0;
  virtual bool Read(void* buf, size_t* n) = 0;  // one read, *n = bytes got
};

struct Side {
  virtual ~Side() = default;
  virtual std::unique_ptr<Conn> Handshake(int fd) = 0;
};

// ---- baseline: plain OpenSSL -------------------------------------------

struct PlainConn : Conn {
  SSL* ssl;
  explicit PlainConn(SSL* s) : ssl(s) {}
  ~PlainConn() override {
    SSL_shutdown(ssl);
    SSL_free(ssl);
    ERR_clear_error();
  }
  bool Write(const void* buf, size_t n) override {
    size_t w = 0;
    return SSL_write_ex(ssl, buf, n, &w) == 1 && w == n;
  }
  bool Read(void* buf, size_t* n) override { return SSL_read_ex(ssl, buf, *n, n) == 1; }
};

struct PlainSide : Side {
  SSL_CTX* ctx;
  bool server;
  PlainSide(bool is_server, bool mutual, bool tuned, const Identity& self, const Identity& peer)
      : server(is_server) {
    ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    if (tuned) {
      SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
      SSL_CTX_set_num_tickets(ctx, 0);
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
      SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
    }
    if (server || mutual) {
      const unsigned char* p = self.cert.data();
      X509* x = d2i_X509(nullptr, &p, static_cast<long>(self.cert.size()));
      p = self.key.data();
      EVP_PKEY* k = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(self.key.size()));
      if (x == nullptr || k == nullptr || SSL_CTX_use_certificate(ctx, x) != 1 ||
          SSL_CTX_use_PrivateKey(ctx, k) != 1)
        Die("baseline: cannot load the certificate");
      X509_free(x);
      EVP_PKEY_free(k);
    }
    if (!server || mutual) {
      // The peer's self-signed certificate is the trust anchor.
      const unsigned char* p = peer.cert.data();
      X509* x = d2i_X509(nullptr, &p, static_cast<long>(peer.cert.size()));
      if (x == nullptr || X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x) != 1)
        Die("baseline: trust anchor");
      X509_free(x);
      SSL_CTX_set_verify(ctx, server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
                         nullptr);
    }
  }
  ~PlainSide() override { SSL_CTX_free(ctx); }
  std::unique_ptr<Conn> Handshake(int fd) override {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if ((server ? SSL_accept(ssl) : SSL_connect(ssl)) != 1) {
      ERR_print_errors_fp(stderr);
      SSL_free(ssl);
      return nullptr;
    }
    return std::make_unique<PlainConn>(ssl);
  }
};

// ---- subject: the rats-tls openssl TLS wrapper --------------------------

const rats_tls_tls_ops_t* Ops() {
  return static_cast<const rats_tls_tls_ops_t*>(rats_tls_plugin_tls_wrapper_openssl()->ops);
}

// Stands in for the core: accepts any certificate it is given.
int CheapVerify(void* core, const uint8_t* cert, size_t size, const uint8_t*, size_t, rats_tls_error_t* err) {
  auto* seen = static_cast<size_t*>(core);
  *seen += size;
  if (cert == nullptr || size == 0) return rats_tls_error_set(err, EACCES, "no certificate");
  return 0;
}

struct WrapperConn : Conn {
  void* session;
  explicit WrapperConn(void* s) : session(s) {}
  ~WrapperConn() override { Ops()->close_session(session); }
  bool Write(const void* buf, size_t n) override {
    rats_tls_error_t err;
    return Ops()->transmit(session, buf, &n, &err) == 0;
  }
  bool Read(void* buf, size_t* n) override {
    rats_tls_error_t err;
    return Ops()->receive(session, buf, n, &err) == 0 && *n > 0;
  }
};

struct WrapperSide : Side {
  void* state = nullptr;
  size_t seen = 0;
  WrapperSide(bool server, bool mutual, const Identity& self) {
    rats_tls_tls_config_t cfg{};
    cfg.server = server;
    cfg.mutual = mutual;
    cfg.verify_peer = server ? mutual : true;
    if (server || mutual) {
      cfg.cert_der = self.cert.data();
      cfg.cert_size = self.cert.size();
      cfg.key_der = self.key.data();
      cfg.key_size = self.key.size();
    }
    cfg.callbacks = {&seen, CheapVerify, nullptr};
    rats_tls_plugin_env_t env{};
    env.size = sizeof env;
    rats_tls_error_t err{};
    if (Ops()->init(&env, &cfg, &state, &err) != 0) Die(std::string("wrapper init: ") + err.msg);
  }
  ~WrapperSide() override { Ops()->cleanup(state); }
  std::unique_ptr<Conn> Handshake(int fd) override {
    void* session = nullptr;
    rats_tls_error_t err{};
    if (Ops()->negotiate(state, fd, nullptr, 0, &session, &err) != 0) {
      fprintf(stderr, "wrapper negotiate: %s\n", err.msg);
      return nullptr;
    }
    return std::make_unique<WrapperConn>(session);
  }
};

// ---- the measurements ----------------------------------------------------

class FdQueue {
 public:
  void Push(int fd) {
    {
      std::lock_guard<std::mutex> l(mu_);
      q_.push_back(fd);
    }
    cv_.notify_one();
  }
  int Pop() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !q_.empty(); });
    int fd = q_.front();
    q_.pop_front();
    return fd;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> q_;
};

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

struct Rate {
  double wall, cpu;  // per wall-clock second, per CPU second
};

// Handshakes per second for `seconds` (or until max_count handshakes).
Rate HandshakeRate(Side& server, Side& client, double seconds, long max_count = 0) {
  FdQueue q;
  std::thread t([&] {
    for (int fd; (fd = q.Pop()) >= 0;) {
      if (auto c = server.Handshake(fd)) {
        char b;
        size_t n = 1;
        if (c->Read(&b, &n)) c->Write(&b, 1);
      }
      close(fd);
    }
  });
  long count = 0;
  const double cpu_start = CpuSeconds();
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (;;) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Die("socketpair");
    q.Push(sv[0]);
    bool ok = false;
    if (auto c = client.Handshake(sv[1])) {
      char b = 'x';
      size_t n = 1;
      ok = c->Write(&b, 1) && c->Read(&b, &n);
    }
    close(sv[1]);
    if (!ok) Die("a handshake failed");
    ++count;
    if (count == max_count || Clock::now() >= deadline) break;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu = CpuSeconds() - cpu_start;  // the server thread is idle by now
  q.Push(-1);
  t.join();
  return {count / elapsed, count / cpu};
}

// MB/s (10^6 bytes) moving `bytes` client -> server in 64 KiB writes.
Rate BulkRate(Side& server, Side& client, size_t bytes) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Die("socketpair");
  bool server_ok = false;
  std::thread t([&] {
    if (auto c = server.Handshake(sv[0])) {
      std::vector<char> buf(64 * 1024);
      size_t got = 0;
      while (got < bytes) {
        size_t n = buf.size();
        if (!c->Read(buf.data(), &n)) break;
        got += n;
      }
      server_ok = got == bytes && c->Write("k", 1);
    }
  });
  auto c = client.Handshake(sv[1]);
  if (!c) Die("bulk handshake failed");
  std::vector<char> chunk(64 * 1024, 'b');
  const double cpu_start = CpuSeconds();
  auto start = Clock::now();
  for (size_t sent = 0; sent < bytes; sent += chunk.size()) {
    if (!c->Write(chunk.data(), std::min(chunk.size(), bytes - sent))) Die("bulk write failed");
  }
  char ack;
  size_t n = 1;
  if (!c->Read(&ack, &n)) Die("bulk ack failed");
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu = CpuSeconds() - cpu_start;
  t.join();
  c.reset();
  close(sv[0]);
  close(sv[1]);
  if (!server_ok) Die("bulk transfer failed on the server");
  return {bytes / elapsed / 1e6, bytes / cpu / 1e6};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The three measurements of a variant, as rates per wall / CPU second.
enum Metric { kOneWay, kMutual, kBulk, kMetrics };
const char* const kMetricNames[kMetrics] = {"one-way hs/s", "mutual hs/s", "bulk MB/s"};

struct Variant {
  const char* name;
  std::function<std::unique_ptr<Side>(bool server, bool mutual)> make;
  bool bulk;  // measure bulk too (the evidence variant differs only in handshakes)
  std::vector<double> wall[kMetrics], cpu[kMetrics];
  void Add(Metric m, Rate r) {
    wall[m].push_back(r.wall);
    cpu[m].push_back(r.cpu);
  }
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0.2;
  int rounds = 15;
  size_t bulk_mib = 256;
  int only = -1;  // --only K --count N [--mutual|--bulk]: a fixed amount of work, for instruction counts
  long count = 0;
  bool only_mutual = false, only_bulk = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else if (a == "--rounds" && i + 1 < argc) {
      rounds = atoi(argv[++i]);
    } else if (a == "--bulk-mib" && i + 1 < argc) {
      bulk_mib = static_cast<size_t>(atol(argv[++i]));
    } else if (a == "--only" && i + 1 < argc) {
      only = atoi(argv[++i]);
    } else if (a == "--count" && i + 1 < argc) {
      count = atol(argv[++i]);
    } else if (a == "--mutual") {
      only_mutual = true;
    } else if (a == "--bulk") {
      only_bulk = true;
    } else {
      fprintf(
          stderr,
          "usage: %s [--seconds S] [--rounds R] [--bulk-mib N]\n"
          "       %s --only VARIANT --count N [--mutual | --bulk]   (N handshakes, or N bulk transfers, of\n"
          "       one variant: 0 openssl defaults, 1 tuned, 2 wrapper, 3 wrapper + evidence ext; run it "
          "under\n"
          "       valgrind --tool=callgrind with N and with 0 to get instructions per handshake)\n",
          argv[0], argv[0]);
      return 2;
    }
  }
  if (seconds <= 0 || rounds < 1 || bulk_mib < 1) Die("bad arguments");
  signal(SIGPIPE, SIG_IGN);  // for the baseline; the wrapper never raises it

  const Identity server_id = MakeIdentity(0), client_id = MakeIdentity(0);
  const Identity server_ev = MakeIdentity(5120), client_ev = MakeIdentity(5120);

  std::vector<Variant> variants = {
      {"openssl defaults",
       [&](bool server, bool mutual) -> std::unique_ptr<Side> {
         return std::make_unique<PlainSide>(server, mutual, false, server ? server_id : client_id,
                                            server ? client_id : server_id);
       },
       true},
      {"openssl tuned (baseline)",
       [&](bool server, bool mutual) -> std::unique_ptr<Side> {
         return std::make_unique<PlainSide>(server, mutual, true, server ? server_id : client_id,
                                            server ? client_id : server_id);
       },
       true},
      {"rats-tls openssl wrapper",
       [&](bool server, bool mutual) -> std::unique_ptr<Side> {
         return std::make_unique<WrapperSide>(server, mutual, server ? server_id : client_id);
       },
       true},
      {"  + 5 KiB evidence ext",
       [&](bool server, bool mutual) -> std::unique_ptr<Side> {
         return std::make_unique<WrapperSide>(server, mutual, server ? server_ev : client_ev);
       },
       false},
  };
  const size_t kBaseline = 1;

  if (only >= 0) {
    if (only >= static_cast<int>(variants.size()) || count < 0) Die("bad --only / --count");
    Variant& v = variants[static_cast<size_t>(only)];
    auto s = v.make(true, only_mutual), c = v.make(false, only_mutual);
    for (long i = 0; only_bulk && i < count; ++i) BulkRate(*s, *c, bulk_mib << 20);
    if (!only_bulk && count > 0) HandshakeRate(*s, *c, 1e9, count);
    return 0;
  }

  printf(
      "certificates: ECDSA P-256 self-signed (%zu B; with evidence ext %zu B); %d rounds of %.1f s; bulk %zu "
      "MiB\n",
      server_id.cert.size(), server_ev.cert.size(), rounds, seconds, bulk_mib);
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < variants.size(); ++k) {
      Variant& v = variants[(k + r) % variants.size()];  // rotate the order
      for (bool mutual : {false, true}) {
        auto s = v.make(true, mutual), c = v.make(false, mutual);
        v.Add(mutual ? kMutual : kOneWay, HandshakeRate(*s, *c, seconds));
      }
      if (v.bulk) {
        auto s = v.make(true, false), c = v.make(false, false);
        v.Add(kBulk, BulkRate(*s, *c, bulk_mib << 20));
      }
    }
    fprintf(stderr, "round %d/%d done\n", r + 1, rounds);
  }

  const Variant& b = variants[kBaseline];
  for (int per_cpu = 0; per_cpu < 2; ++per_cpu) {
    printf("\nmedian rate per %s second, and median per-round ratio to \"%s\"\n",
           per_cpu ? "CPU" : "wall-clock", b.name);
    printf("%-28s", "");
    for (int m = 0; m < kMetrics; ++m) printf(" %14s %6s", kMetricNames[m], "ratio");
    printf("\n");
    for (const Variant& v : variants) {
      printf("%-28s", v.name);
      for (int m = 0; m < kMetrics; ++m) {
        const auto& vals = per_cpu ? v.cpu[m] : v.wall[m];
        const auto& base = per_cpu ? b.cpu[m] : b.wall[m];
        if (vals.empty()) {
          printf(" %14s %6s", "-", "");
        } else {
          // The ratio is the median of per-round ratios: both variants of
          // a round ran seconds apart, under the same load.
          std::vector<double> ratios;
          for (size_t r = 0; r < vals.size() && r < base.size(); ++r) ratios.push_back(vals[r] / base[r]);
          printf(" %14.0f %6.2f", Median(vals), Median(ratios));
        }
      }
      printf("\n");
    }
  }
  printf("\ntargets (issue 7): handshakes >= 0.90x, bulk >= 0.95x plain OpenSSL TLS 1.3\n");
  return 0;
}
