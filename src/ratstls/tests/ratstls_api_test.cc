// Rats-TLS through its public C API: attested handshakes over socketpairs
// between two handles in one process (server and client threads), on the
// SIMULATED SGX platform, with the plugins from the build tree.
#include <rats-tls/api.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ratstls/tests/sim_env.h"

namespace ratstls_test {
namespace {

using ::testing::HasSubstr;

struct Peer {
  std::string attester, verifier, tls, crypto;
  bool sim = true;  // use and trust the test's sim platform
  bool debug = false;
  bool freshness = false;
  bool endorsements = false;
  std::string policy;  // JSON text; written to a file
  unsigned lifetime = 0;
  std::vector<std::pair<std::string, std::string>> claims;
};

struct Outcome {
  rats_tls_err_t init = RATS_TLS_ERR_NONE;
  rats_tls_err_t negotiate = RATS_TLS_ERR_NONE;
  std::string error;
  std::string peer_json;
  std::string received;
  bool ok() const { return init == RATS_TLS_ERR_NONE && negotiate == RATS_TLS_ERR_NONE && error.empty(); }
};

class Conf {
 public:
  Conf(const Peer& p, bool server, bool mutual) : p_(p) {
    memset(&c_, 0, sizeof c_);
    c_.api_version = RATS_TLS_API_VERSION_2;
    c_.log_level = RATS_TLS_LOG_LEVEL_ERROR;
    strcpy(c_.attester_type, p.attester.c_str());
    strcpy(c_.verifier_type, p.verifier.c_str());
    strcpy(c_.tls_type, p.tls.c_str());
    strcpy(c_.crypto_type, p.crypto.c_str());
    c_.cert_algo = RATS_TLS_CERT_ALGO_DEFAULT;
    if (server) c_.flags |= RATS_TLS_CONF_FLAGS_SERVER;
    if (mutual) c_.flags |= RATS_TLS_CONF_FLAGS_MUTUAL;
    if (p.endorsements) c_.flags |= RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS;
    c_.ext.plugin_dir = RATSTLS_PLUGIN_DIR;
    if (p.sim) {
      c_.ext.sim_dir = SimEnv::Get()->dir().c_str();
      c_.ext.aesm_socket = SimEnv::Get()->socket().c_str();
    }
    c_.ext.debug_enclave = p.debug;
    c_.ext.freshness = p.freshness;
    c_.ext.evidence_lifetime = p.lifetime;
    if (!p.policy.empty()) {
      policy_path_ = "/tmp/ratstls-policy-" + std::to_string(getpid()) + "-" + std::to_string(counter_++) + ".json";
      std::ofstream(policy_path_) << p.policy;
      c_.ext.policy_file = policy_path_.c_str();
    }
    for (const auto& [k, v] : p.claims) {
      claims_.push_back({const_cast<char*>(k.c_str()), reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())),
                         v.size()});
    }
    c_.custom_claims = claims_.empty() ? nullptr : claims_.data();
    c_.custom_claims_length = claims_.size();
  }
  ~Conf() {
    if (!policy_path_.empty()) unlink(policy_path_.c_str());
  }
  const rats_tls_conf_t* get() const { return &c_; }

 private:
  Peer p_;
  rats_tls_conf_t c_;
  std::string policy_path_;
  std::vector<claim_t> claims_;
  static inline int counter_ = 0;
};

std::string PeerJson(rats_tls_handle h) {
  char buf[32768];
  size_t n = sizeof buf;
  if (rats_tls_get_peer_evidence_json(h, buf, &n) != RATS_TLS_ERR_NONE) return "";
  return buf;
}

// One side of a connection: handshake, then the server echoes one message.
void RunSide(rats_tls_handle h, int fd, bool server, Outcome* out) {
  out->negotiate = rats_tls_negotiate(h, fd);
  if (out->negotiate != RATS_TLS_ERR_NONE) {
    out->error = rats_tls_last_error(h);
    shutdown(fd, SHUT_RDWR);
    return;
  }
  out->peer_json = PeerJson(h);
  char buf[4096];
  if (server) {
    size_t n = sizeof buf;
    if (rats_tls_receive(h, buf, &n) != RATS_TLS_ERR_NONE) {
      out->error = rats_tls_last_error(h);
      return;
    }
    out->received.assign(buf, n);
    if (rats_tls_transmit(h, buf, &n) != RATS_TLS_ERR_NONE) out->error = rats_tls_last_error(h);
  } else {
    std::string msg = "hello attested world";
    size_t n = msg.size();
    if (rats_tls_transmit(h, msg.data(), &n) != RATS_TLS_ERR_NONE) {
      out->error = rats_tls_last_error(h);
      return;
    }
    std::string got;
    while (got.size() < msg.size()) {
      n = sizeof buf;
      if (rats_tls_receive(h, buf, &n) != RATS_TLS_ERR_NONE || n == 0) break;
      got.append(buf, n);
    }
    out->received = got;
    if (got != msg) out->error = "echo mismatch: '" + got + "'";
  }
}

struct Pair {
  Outcome server, client;
};

// Both handles made first (evidence), then one connection.
Pair RoundTrip(const Peer& sp, const Peer& cp, bool mutual, rats_tls_handle* keep_server = nullptr) {
  Pair r;
  Conf sc(sp, true, mutual), cc(cp, false, mutual);
  rats_tls_handle sh = nullptr, ch = nullptr;
  r.server.init = rats_tls_init(sc.get(), &sh);
  if (r.server.init != RATS_TLS_ERR_NONE) r.server.error = rats_tls_last_error(nullptr);
  r.client.init = rats_tls_init(cc.get(), &ch);
  if (r.client.init != RATS_TLS_ERR_NONE) r.client.error = rats_tls_last_error(nullptr);
  if (sh && ch) {
    rats_tls_set_verification_callback(&sh, nullptr);
    rats_tls_set_verification_callback(&ch, nullptr);
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    std::thread t([&] { RunSide(sh, sv[0], true, &r.server); });
    RunSide(ch, sv[1], false, &r.client);
    t.join();
    close(sv[0]);
    close(sv[1]);
  }
  if (keep_server && sh) {
    *keep_server = sh;
  } else if (sh) {
    rats_tls_cleanup(sh);
  }
  if (ch) rats_tls_cleanup(ch);
  return r;
}

Peer Null() { return Peer{.attester = "nullattester", .verifier = "nullverifier", .sim = false}; }
Peer SgxServer() { return Peer{.attester = "sgx_ecdsa"}; }
Peer SgxClient() { return Peer{}; }  // verifier chosen by the server's evidence

TEST(RatsTls, NullAttesterNullVerifierRoundTrip) {
  Pair r = RoundTrip(Null(), Null(), false);
  EXPECT_TRUE(r.server.ok()) << r.server.error;
  EXPECT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_EQ(r.server.received, "hello attested world");
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"evidence_type\":\"none\""));
}

TEST(RatsTls, UnattestedServerRefusedUnlessNullverifierChosen) {
  Peer client{.sim = false};
  Pair r = RoundTrip(Null(), client, false);
  EXPECT_FALSE(r.client.ok());
  EXPECT_THAT(r.client.error, HasSubstr("no evidence"));
}

TEST(RatsTls, SgxEcdsaOneWay) {
  REQUIRE_SIM();
  Peer s = SgxServer();
  s.claims = {{"key_0", "value_0"}, {"key_1", "value_1"}};
  Pair r = RoundTrip(s, SgxClient(), false);
  ASSERT_TRUE(r.server.ok()) << r.server.error;
  ASSERT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"evidence_type\":\"sgx_ecdsa\""));
  EXPECT_THAT(r.client.peer_json, HasSubstr(StubMrEnclave(false)));
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"key_0\":\"76616c75655f30\""));  // "value_0"
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"debug\":false"));
}

TEST(RatsTls, SgxEcdsaMutual) {
  REQUIRE_SIM();
  Peer c = SgxClient();
  c.attester = "sgx_ecdsa";
  Pair r = RoundTrip(SgxServer(), c, true);
  ASSERT_TRUE(r.server.ok()) << r.server.error;
  ASSERT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_THAT(r.server.peer_json, HasSubstr("\"evidence_type\":\"sgx_ecdsa\""));
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"evidence_type\":\"sgx_ecdsa\""));
}

TEST(RatsTls, HeterogeneousMutualSgxServerNullClient) {
  REQUIRE_SIM();
  Peer s = SgxServer();
  s.verifier = "nullverifier";
  Peer c{.attester = "nullattester"};
  Pair r = RoundTrip(s, c, true);
  ASSERT_TRUE(r.server.ok()) << r.server.error;
  ASSERT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_THAT(r.client.peer_json, HasSubstr("sgx_ecdsa"));
  EXPECT_THAT(r.server.peer_json, HasSubstr("\"evidence_type\":\"none\""));
}

TEST(RatsTls, MutualServerRefusesUnattestedClientByDefault) {
  REQUIRE_SIM();
  Peer c{.attester = "nullattester"};
  Pair r = RoundTrip(SgxServer(), c, true);
  EXPECT_FALSE(r.server.ok());
  EXPECT_THAT(r.server.error, HasSubstr("no evidence"));
  EXPECT_FALSE(r.client.ok());
}

TEST(RatsTls, WrongMrEnclaveRefusedByPolicy) {
  REQUIRE_SIM();
  Peer c = SgxClient();
  c.policy = R"({"mr_enclave": ")" + std::string(64, '0') + R"("})";
  Pair r = RoundTrip(SgxServer(), c, false);
  EXPECT_FALSE(r.client.ok());
  EXPECT_THAT(r.client.error, HasSubstr("MRENCLAVE"));
  c.policy = R"({"mr_enclave": ")" + StubMrEnclave(false) + R"("})";
  r = RoundTrip(SgxServer(), c, false);
  EXPECT_TRUE(r.client.ok()) << r.client.error;
}

TEST(RatsTls, DebugEnclaveRefusedUnderProductionPolicy) {
  REQUIRE_SIM();
  Peer s = SgxServer();
  s.debug = true;
  Pair r = RoundTrip(s, SgxClient(), false);
  EXPECT_FALSE(r.client.ok());
  EXPECT_THAT(r.client.error, HasSubstr("debug"));
  Peer c = SgxClient();
  c.policy = R"({"allow_debug": true})";
  r = RoundTrip(s, c, false);
  EXPECT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"debug\":true"));
  EXPECT_THAT(r.client.peer_json, HasSubstr(StubMrEnclave(true)));
}

TEST(RatsTls, SimEvidenceRefusedWithoutTheSimRoot) {
  REQUIRE_SIM();
  Peer c = SgxClient();
  c.sim = false;  // neither sim_dir nor a root: Intel's root only
  Pair r = RoundTrip(SgxServer(), c, false);
  EXPECT_FALSE(r.client.ok());
  EXPECT_THAT(r.client.error, HasSubstr("verifier sgx_ecdsa"));
}

TEST(RatsTls, EndorsementsInTheCertificate) {
  REQUIRE_SIM();
  Peer s = SgxServer();
  s.endorsements = true;
  Pair r = RoundTrip(s, SgxClient(), false);
  EXPECT_TRUE(r.client.ok()) << r.client.error;
}

TEST(RatsTls, FreshnessBothSides) {
  REQUIRE_SIM();
  Peer s = SgxServer(), c = SgxClient();
  s.freshness = c.freshness = true;
  Pair r = RoundTrip(s, c, false);
  ASSERT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"nonce\""));
  c.attester = "sgx_ecdsa";
  r = RoundTrip(s, c, true);
  ASSERT_TRUE(r.client.ok()) << r.client.error;
  ASSERT_TRUE(r.server.ok()) << r.server.error;
  EXPECT_THAT(r.server.peer_json, HasSubstr("\"nonce\""));
}

TEST(RatsTls, FreshnessRefusesAPremadeCertificate) {
  REQUIRE_SIM();
  // A server that answers no challenges presents the certificate it made
  // beforehand: exactly what a replayed certificate looks like.
  Peer c = SgxClient();
  c.freshness = true;
  Pair r = RoundTrip(SgxServer(), c, false);
  EXPECT_FALSE(r.client.ok());
  EXPECT_THAT(r.client.error, HasSubstr("freshness"));
}

TEST(RatsTls, EvidenceMadeOncePerHandleAndRenewedAfterItsLifetime) {
  REQUIRE_SIM();
  Peer s = SgxServer();
  s.lifetime = 2;
  Conf sc(s, true, false);
  rats_tls_handle sh;
  ASSERT_EQ(rats_tls_init(sc.get(), &sh), RATS_TLS_ERR_NONE) << rats_tls_last_error(nullptr);
  auto cert = [&] {
    std::vector<uint8_t> b(65536);
    size_t n = b.size();
    EXPECT_EQ(rats_tls_get_certificate(sh, b.data(), &n), RATS_TLS_ERR_NONE);
    b.resize(n);
    return b;
  };
  auto connect_once = [&] {
    Conf cc(SgxClient(), false, false);
    rats_tls_handle ch;
    EXPECT_EQ(rats_tls_init(cc.get(), &ch), RATS_TLS_ERR_NONE);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    Outcome so, co;
    std::thread t([&] { RunSide(sh, sv[0], true, &so); });
    RunSide(ch, sv[1], false, &co);
    t.join();
    close(sv[0]);
    close(sv[1]);
    rats_tls_cleanup(ch);
    EXPECT_TRUE(co.ok()) << co.error;
    return co.peer_json;
  };
  auto first = cert();
  std::string j1 = connect_once();
  std::string j2 = connect_once();
  EXPECT_EQ(cert(), first);
  EXPECT_EQ(j1, j2);  // same evidence, same report data
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  std::string j3 = connect_once();
  EXPECT_NE(cert(), first);
  EXPECT_NE(j3, j1);
  rats_tls_cleanup(sh);
}


TEST(RatsTls, SgxLaOneWayAndMutual) {
  REQUIRE_SIM();
  Peer s{.attester = "sgx_la"}, c{};
  Pair r = RoundTrip(s, c, false);
  ASSERT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"evidence_type\":\"sgx_la\""));
  EXPECT_THAT(r.client.peer_json, HasSubstr(StubMrEnclave(false)));
  c.attester = "sgx_la";
  r = RoundTrip(s, c, true);
  ASSERT_TRUE(r.server.ok()) << r.server.error;
  ASSERT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_THAT(r.server.peer_json, HasSubstr("\"evidence_type\":\"sgx_la\""));
}

TEST(RatsTls, MixedSgxEcdsaServerSgxLaClient) {
  REQUIRE_SIM();
  Peer c{.attester = "sgx_la"};
  Pair r = RoundTrip(SgxServer(), c, true);
  ASSERT_TRUE(r.server.ok()) << r.server.error;
  ASSERT_TRUE(r.client.ok()) << r.client.error;
  EXPECT_THAT(r.server.peer_json, HasSubstr("\"evidence_type\":\"sgx_la\""));
  EXPECT_THAT(r.client.peer_json, HasSubstr("\"evidence_type\":\"sgx_ecdsa\""));
}

TEST(RatsTls, ForcedVerifierOfAnotherTypeRefusesWithTheReason) {
  REQUIRE_SIM();
  Peer c{.verifier = "sgx_la"};
  Pair r = RoundTrip(SgxServer(), c, false);
  EXPECT_FALSE(r.client.ok());
  EXPECT_THAT(r.client.error, HasSubstr("cannot verify the peer's sgx_ecdsa evidence"));
}

TEST(RatsTls, Rsa3072Certificates) {
  REQUIRE_SIM();
  Peer s = SgxServer();
  Conf sc(s, true, false);
  rats_tls_conf_t conf = *sc.get();
  conf.cert_algo = RATS_TLS_CERT_ALGO_RSA_3072_SHA256;
  Conf cc(SgxClient(), false, false);
  rats_tls_handle sh, ch;
  ASSERT_EQ(rats_tls_init(&conf, &sh), RATS_TLS_ERR_NONE) << rats_tls_last_error(nullptr);
  ASSERT_EQ(rats_tls_init(cc.get(), &ch), RATS_TLS_ERR_NONE);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  Outcome so, co;
  std::thread t([&] { RunSide(sh, sv[0], true, &so); });
  RunSide(ch, sv[1], false, &co);
  t.join();
  EXPECT_TRUE(co.ok()) << co.error;
  EXPECT_TRUE(so.ok()) << so.error;
  rats_tls_cleanup(sh);
  rats_tls_cleanup(ch);
  close(sv[0]);
  close(sv[1]);
}

TEST(RatsTls, BulkTransfer) {
  Conf sc(Null(), true, false), cc(Null(), false, false);
  rats_tls_handle sh, ch;
  ASSERT_EQ(rats_tls_init(sc.get(), &sh), RATS_TLS_ERR_NONE);
  ASSERT_EQ(rats_tls_init(cc.get(), &ch), RATS_TLS_ERR_NONE);
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::vector<uint8_t> data(4 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + (i >> 12));
  std::vector<uint8_t> got;
  std::thread t([&] {
    ASSERT_EQ(rats_tls_negotiate(sh, sv[0]), RATS_TLS_ERR_NONE) << rats_tls_last_error(sh);
    std::vector<uint8_t> buf(65536);
    while (got.size() < data.size()) {
      size_t n = buf.size();
      if (rats_tls_receive(sh, buf.data(), &n) != RATS_TLS_ERR_NONE || n == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + n);
    }
  });
  ASSERT_EQ(rats_tls_negotiate(ch, sv[1]), RATS_TLS_ERR_NONE) << rats_tls_last_error(ch);
  size_t n = data.size();
  EXPECT_EQ(rats_tls_transmit(ch, data.data(), &n), RATS_TLS_ERR_NONE);
  EXPECT_EQ(n, data.size());
  t.join();
  EXPECT_TRUE(got == data);
  rats_tls_cleanup(sh);
  rats_tls_cleanup(ch);
  close(sv[0]);
  close(sv[1]);
}

TEST(RatsTls, InitErrorsNameWhatIsWrong) {
  Peer p = Null();
  p.attester = "no_such_attester";
  Conf a(p, true, false);
  rats_tls_handle h;
  EXPECT_NE(rats_tls_init(a.get(), &h), RATS_TLS_ERR_NONE);
  EXPECT_THAT(rats_tls_last_error(nullptr), HasSubstr("no_such_attester"));
  EXPECT_THAT(rats_tls_last_error(nullptr), HasSubstr("sgx_ecdsa"));  // lists what exists

  Peer t = Null();
  t.attester = "tdx_ecdsa";
  Conf b(t, true, false);
  EXPECT_NE(rats_tls_init(b.get(), &h), RATS_TLS_ERR_NONE);
  EXPECT_THAT(rats_tls_last_error(nullptr), HasSubstr("tdx_ecdsa"));

  Peer bad = Peer{.verifier = "", .sim = false};
  bad.policy = R"({"mr_enclve": "00"})";
  Conf c(bad, false, false);
  EXPECT_NE(rats_tls_init(c.get(), &h), RATS_TLS_ERR_NONE);
  EXPECT_THAT(rats_tls_last_error(nullptr), HasSubstr("mr_enclve"));

  rats_tls_conf_t epid;
  memset(&epid, 0, sizeof epid);
  epid.quote_sgx_epid.valid = true;
  EXPECT_EQ(rats_tls_init(&epid, &h), RATS_TLS_ERR_INVALID);
  EXPECT_THAT(rats_tls_last_error(nullptr), HasSubstr("EPID"));
}

TEST(RatsTls, CallbackCanRefuseThePeer) {
  REQUIRE_SIM();
  Conf sc(SgxServer(), true, false), cc(SgxClient(), false, false);
  rats_tls_handle sh, ch;
  ASSERT_EQ(rats_tls_init(sc.get(), &sh), RATS_TLS_ERR_NONE) << rats_tls_last_error(nullptr);
  ASSERT_EQ(rats_tls_init(cc.get(), &ch), RATS_TLS_ERR_NONE) << rats_tls_last_error(nullptr);
  static int calls = 0;
  static uint32_t seen_type = 0;
  rats_tls_set_verification_callback(&ch, [](void* arg) -> int {
    auto* ev = static_cast<rtls_evidence_t*>(arg);
    ++calls;
    seen_type = ev->type;
    return 0;
  });
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  Outcome so, co;
  std::thread t([&] { RunSide(sh, sv[0], true, &so); });
  RunSide(ch, sv[1], false, &co);
  t.join();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen_type, static_cast<uint32_t>(SGX_ECDSA));
  EXPECT_FALSE(co.ok());
  EXPECT_THAT(co.error, HasSubstr("callback"));
  rats_tls_cleanup(sh);
  rats_tls_cleanup(ch);
  close(sv[0]);
  close(sv[1]);
}


// ---- the sample programs, as separate processes on loopback TCP ----------

int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

// A child process with stdout+stderr on a pipe.
struct Child {
  pid_t pid = -1;
  int out = -1;
  std::string text;
  static Child Start(const std::vector<std::string>& args) {
    Child c;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return c;
    c.pid = fork();
    if (c.pid == 0) {
      dup2(p[1], 1);
      dup2(p[1], 2);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(p[1]);
    c.out = p[0];
    return c;
  }
  // Reads until `what` appears or EOF.
  bool WaitFor(const std::string& what) {
    char buf[1024];
    while (text.find(what) == std::string::npos) {
      ssize_t n = read(out, buf, sizeof buf);
      if (n <= 0) return false;
      text.append(buf, n);
    }
    return true;
  }
  int Wait() {
    WaitFor("\x01never");  // drain to EOF
    close(out);
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
};

struct SampleResult {
  int server_rc = -1, client_rc = -1;
  std::string server_out, client_out;
};

SampleResult Samples(const std::vector<std::string>& server_extra, const std::vector<std::string>& client_extra) {
  int port = FreePort();
  std::vector<std::string> common = {"--sim-dir", SimEnv::Get()->dir(), "--aesm-socket", SimEnv::Get()->socket(),
                                     "--plugin-dir", RATSTLS_PLUGIN_DIR, "-p", std::to_string(port), "-l", "error"};
  std::vector<std::string> sargs = {RATSTLS_SAMPLE_SERVER, "-a", "sgx_ecdsa", "--count", "1"};
  sargs.insert(sargs.end(), common.begin(), common.end());
  sargs.insert(sargs.end(), server_extra.begin(), server_extra.end());
  std::vector<std::string> cargs = {RATSTLS_SAMPLE_CLIENT, "--json"};
  cargs.insert(cargs.end(), common.begin(), common.end());
  cargs.insert(cargs.end(), client_extra.begin(), client_extra.end());
  SampleResult r;
  Child server = Child::Start(sargs);
  if (!server.WaitFor("ready")) {
    r.server_rc = server.Wait();
    r.server_out = server.text;
    return r;
  }
  Child client = Child::Start(cargs);
  r.client_rc = client.Wait();
  r.client_out = client.text;
  r.server_rc = server.Wait();
  r.server_out = server.text;
  return r;
}

TEST(RatsTlsSamples, OneWayOnLoopback) {
  REQUIRE_SIM();
  SampleResult r = Samples({}, {});
  EXPECT_EQ(r.client_rc, 0) << r.client_out << "\nserver:\n" << r.server_out;
  EXPECT_EQ(r.server_rc, 0) << r.server_out;
  EXPECT_THAT(r.client_out, HasSubstr("Server: Hello and welcome to RATS-TLS!"));
  EXPECT_THAT(r.client_out, HasSubstr(StubMrEnclave(false)));
  EXPECT_THAT(r.client_out, HasSubstr("\"key_0\""));
}

TEST(RatsTlsSamples, MutualWithFreshnessOnLoopback) {
  REQUIRE_SIM();
  SampleResult r = Samples({"-m", "--freshness", "--json"}, {"-m", "-a", "sgx_ecdsa", "--freshness"});
  EXPECT_EQ(r.client_rc, 0) << r.client_out << "\nserver:\n" << r.server_out;
  EXPECT_EQ(r.server_rc, 0) << r.server_out;
  EXPECT_THAT(r.client_out, HasSubstr("\"nonce\""));
  EXPECT_THAT(r.server_out, HasSubstr("\"nonce\""));
}


TEST(RatsTlsSamples, LogLevelFromTheEnvironmentWins) {
  REQUIRE_SIM();
  setenv("RATS_TLS_GLOBAL_LOG_LEVEL", "debug", 1);
  SampleResult r = Samples({}, {});  // both run with -l error
  unsetenv("RATS_TLS_GLOBAL_LOG_LEVEL");
  EXPECT_EQ(r.client_rc, 0) << r.client_out;
  EXPECT_THAT(r.client_out, HasSubstr("[DEBUG]"));
}

TEST(RatsTlsSamples, ClientRefusesADebugServerAndExitsNonZero) {
  REQUIRE_SIM();
  SampleResult r = Samples({"-D"}, {});
  EXPECT_EQ(r.client_rc, 1);
  EXPECT_THAT(r.client_out, HasSubstr("debug"));
  EXPECT_EQ(r.server_rc, 1);  // its one connection failed
}

}  // namespace
}  // namespace ratstls_test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ratstls_test::SimEnv::Install();
  return RUN_ALL_TESTS();
}
