// The PCS/PCCS client (pccs.h): against pccs-sim (the sim platform's PCCS,
// in process) over HTTP and HTTPS, and its parsing against real quotes.
#include "attest/pccs.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "attest/dcap_verify.h"
#include "attest/x509.h"
#include "common/fs.h"
#include "enclave/sgx/crypto.h"
#include "enclave/sgx/hex.h"
#include "enclave/sim/qe.h"
#include "enclave/sim/sample.h"
#include "enclave/sim/state.h"
#include "tools/pccs-sim/server.h"

namespace inclavare::attest {
namespace {

namespace sim = sgx::sim;
using sgx::pccs_sim::PccsSim;
using sgx::pccs_sim::PccsSimOptions;

std::string Ev(const std::string& rel) { return std::string(IC_EVIDENCE_DIR) + "/" + rel; }

std::string TempDir() {
  char tmpl[] = "/tmp/pccs_test.XXXXXX";
  const char* d = mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  return d ? d : "";
}

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST(PercentDecode, DecodesAndRejectsBadEscapes) {
  EXPECT_EQ(*PercentDecode("-----BEGIN%20CERTIFICATE-----%0AMII%2Bx%3D"), "-----BEGIN CERTIFICATE-----\nMII+x=");
  EXPECT_EQ(*PercentDecode("a+b"), "a+b");  // PCS writes spaces as %20
  for (const char* bad : {"%", "%2", "ab%zz", "%g0"}) {
    auto r = PercentDecode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("offset"), std::string::npos) << r.error().ToString();
  }
}

TEST(UnwrapCrl, AcceptsHexOfTheDerAsPccsServesIt) {
  const std::string path = Ev("sgx/automata/intel_sgx_root_ca.crl.der");
  if (!fs::Exists(path)) GTEST_SKIP() << "evidence " << path << " absent";
  std::string der = *fs::ReadFile(path);
  std::string hex = sgx::HexEncode(Bytes(der)) + "\n";
  auto unwrapped = UnwrapCrl(hex);
  ASSERT_TRUE(unwrapped) << unwrapped.error().ToString();
  EXPECT_EQ(*unwrapped, der);
  EXPECT_TRUE(ParseCrl(*unwrapped));
  EXPECT_EQ(*UnwrapCrl(der), der);  // DER stays DER
  EXPECT_FALSE(UnwrapCrl("abc"));   // odd number of hex digits
}

TEST(CollateralQuery, FromRealSgxAndTdxQuotes) {
  const std::string sgx_quote = Ev("sgx/automata/quote_v3.bin");
  const std::string tdx_quote = Ev("tdx/automata/quote_v4.bin");
  if (!fs::Exists(sgx_quote) || !fs::Exists(tdx_quote)) GTEST_SKIP() << "evidence under " << IC_EVIDENCE_DIR << " absent";
  auto q = CollateralQueryForQuote(Bytes(*fs::ReadFile(sgx_quote)));
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->tee, PcsTee::kSgx);
  // The collateral captured with this quote is sgx_tcbinfov3_00606a000000.json.
  EXPECT_EQ(sgx::HexEncode(q->fmspc), "00606a000000");
  EXPECT_EQ(q->ca, "platform");  // issued by the Intel SGX PCK Platform CA

  auto t = CollateralQueryForQuote(Bytes(*fs::ReadFile(tdx_quote)));
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->tee, PcsTee::kTdx);

  std::vector<uint8_t> junk(100, 0);
  EXPECT_FALSE(CollateralQueryForQuote(junk));
}

TEST(PccsClientCreate, RejectsBadOptions) {
  EXPECT_FALSE(PccsClient::Create({.url = "ftp://x"}));
  EXPECT_FALSE(PccsClient::Create({.url = "localhost:8081"}));
  EXPECT_FALSE(PccsClient::Create({.url = "https://x", .api_version = 2}));
  EXPECT_FALSE(PccsClient::Create({.url = "https://x", .update = "late"}));
  EXPECT_FALSE(PccsClient::Create({.url = "https://x", .api_version = 3, .update = "early"}));
  auto r = PccsClient::Create({.url = "https://x", .ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("/nonexistent/ca.pem"), std::string::npos);
}

// Written in the style of Intel's shipped JSON configuration: comments,
// keys this verifier has no use for.
constexpr char kQcnlJson[] = R"({
  // PCCS server address
  "pccs_url": "https://pccs.example:8081/sgx/certification/v4/",

  // self-signed PCCS certificate
  "use_secure_cert": false,
  "pccs_api_version": "3.1",
  "retry_times": 6,
  "retry_delay": 10,
  "local_pck_url": "http://169.254.169.254/metadata/THIM/sgx/certification/v4/",
  "pck_cache_expire_hours": 168,
  "verify_collateral_cache_expire_hours": 48,
  "custom_request_options": {"get_cert": {"headers": {"metadata": "true"}}}
})";

TEST(QcnlConfig, JsonWithCommentsAsIntelShipsIt) {
  auto o = ParseQcnlConfig(kQcnlJson);
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->url, "https://pccs.example:8081");
  EXPECT_EQ(o->api_version, 4);
  EXPECT_TRUE(o->insecure);
  EXPECT_EQ(o->retries, 6);
  EXPECT_EQ(o->retry_delay_ms, 10000);
  EXPECT_EQ(o->max_cache_age, 48 * 3600);
  // The defaults when the file says nothing but the URL.
  o = ParseQcnlConfig(R"({"pccs_url": "https://localhost:8081/sgx/certification/v3"})");
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->url, "https://localhost:8081");
  EXPECT_EQ(o->api_version, 3);
  EXPECT_FALSE(o->insecure);
  EXPECT_EQ(o->retries, 0);
  EXPECT_LT(o->retry_delay_ms, 0);
  EXPECT_EQ(o->max_cache_age, PccsOptions{}.max_cache_age);
}

TEST(QcnlConfig, LegacyKeyValueLines) {
  auto o = ParseQcnlConfig(
      "# PCCS server address\n"
      "PCCS_URL = https://pccs.example:8081/sgx/certification/v3/\n"
      "\n"
      "USE_SECURE_CERT=FALSE\n"
      "#COLLATERAL_SERVICE=https://api.trustedservices.intel.com/sgx/certification/v3/\n"
      "PCCS_API_VERSION=3.1\n"
      "RETRY_TIMES=2\r\n"
      "RETRY_DELAY=0\n"
      "LOCAL_PCK_URL=http://127.0.0.1/sgx/certification/v3/\n");
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->url, "https://pccs.example:8081");
  EXPECT_EQ(o->api_version, 3);
  EXPECT_TRUE(o->insecure);
  EXPECT_EQ(o->retries, 2);
  EXPECT_EQ(o->retry_delay_ms, 0);
  o = ParseQcnlConfig("PCCS_URL=https://p/sgx/certification/v4/\nUSE_SECURE_CERT=TRUE\n");
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_FALSE(o->insecure);
}

TEST(QcnlConfig, CollateralServiceWinsOverPccsUrl) {
  auto o = ParseQcnlConfig(R"({"pccs_url": "https://pccs:8081/sgx/certification/v4/",
    "collateral_service": "https://api.trustedservices.intel.com/sgx/certification/v4/"})");
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->url, "https://api.trustedservices.intel.com");
  o = ParseQcnlConfig(
      "PCCS_URL=https://pccs:8081/sgx/certification/v3/\n"
      "COLLATERAL_SERVICE=https://pcs.example/tdx/certification/v4/\n");
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->url, "https://pcs.example");
  EXPECT_EQ(o->api_version, 4);
}

TEST(QcnlConfig, ErrorsNameWhatIsWrong) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {R"({"pccs_url": "https://pccs:8081/"})", "pccs_url"},
      {R"({"pccs_url": "https://pccs:8081/sgx/certification/v2/"})", "/v4/"},
      {R"({"pccs_url": "https://pccs:8081/xyz/certification/v4/"})", "pccs_url"},
      {R"({"collateral_service": "https://pcs/sgx/v4/", "pccs_url": "https://p/sgx/certification/v4/"})",
       "collateral_service"},
      {R"({"pccs_url": 8081})", "pccs_url: expected a string"},
      {R"({"pccs_url": "https://p/sgx/certification/v4/", "use_secure_cert": "FALSE"})", "use_secure_cert"},
      {R"({"pccs_url": "https://p/sgx/certification/v4/", "retry_times": -1})", "retry_times"},
      {R"({"pccs_url": "https://p/sgx/certification/v4/", "retry_delay": 1.5})", "retry_delay"},
      {R"({"pccs_url": "https://p/sgx/certification/v4/", "pccs_api_version": 3.1})", "pccs_api_version"},
      {R"({"use_secure_cert": true})", "neither pccs_url nor collateral_service"},
      {R"({"pccs_url": "https://p/sgx/certification/v4/",)", "not valid JSON"},
      {"", "neither pccs_url nor collateral_service"},
      {"PCCS_URL=https://p/sgx/certification/v4/\nUSE_SECURE_CERT=no\n", "USE_SECURE_CERT"},
      {"PCCS_URL=https://p/sgx/certification/v4/\nRETRY_TIMES=six\n", "RETRY_TIMES"},
      {"PCCS_URL=https://p/sgx/certification/v4/\njust some words\n", "line 2"},
      {"PCCS_URL=https://p:8081\n", "PCCS_URL"},
  };
  for (const Case& c : cases) {
    auto o = ParseQcnlConfig(c.text);
    ASSERT_FALSE(o) << c.text;
    EXPECT_NE(o.error().message().find(c.says), std::string::npos) << c.text << " -> " << o.error().ToString();
  }
}

TEST(QcnlConfig, LoadReadsTheFileRefusesASymlinkAndNamesAMissingOne) {
  const std::string dir = TempDir();
  const std::string path = dir + "/sgx_default_qcnl.conf", link = dir + "/link.conf";
  ASSERT_TRUE(fs::WriteFile(path, kQcnlJson, true));
  auto o = LoadQcnlConfig(path);
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->url, "https://pccs.example:8081");
  ASSERT_EQ(::symlink(path.c_str(), link.c_str()), 0);
  o = LoadQcnlConfig(link);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message().find("symbolic link"), std::string::npos) << o.error().ToString();
  o = LoadQcnlConfig(dir + "/none.conf");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(o.error().message().find(dir + "/none.conf"), std::string::npos);
  ASSERT_TRUE(fs::WriteFile(path, "{\"pccs_url\": 1}", false));
  o = LoadQcnlConfig(path);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message().find(path), std::string::npos) << o.error().ToString();
  (void)fs::RemoveAll(dir);
}

TEST(QcnlConfig, PathFromTheEnvironmentAsQcnl) {
  const char* saved = ::getenv("QCNL_CONF_PATH");
  const std::string keep = saved ? saved : "";
  ::unsetenv("QCNL_CONF_PATH");
  EXPECT_EQ(QcnlConfigPath(), "/etc/sgx_default_qcnl.conf");
  ::setenv("QCNL_CONF_PATH", "/run/dcap/qcnl.conf", 1);
  EXPECT_EQ(QcnlConfigPath(), "/run/dcap/qcnl.conf");
  if (saved) {
    ::setenv("QCNL_CONF_PATH", keep.c_str(), 1);
  } else {
    ::unsetenv("QCNL_CONF_PATH");
  }
}

// A server on 127.0.0.1 that answers every request with one status and
// counts the requests.
class StatusServer {
 public:
  explicit StatusServer(int status) : status_(status) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "listen: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~StatusServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[1024];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      ++requests_;
      const std::string reply = "HTTP/1.1 " + std::to_string(status_) +
                                " Status\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy";
      (void)!::write(c, reply.data(), reply.size());
      ::close(c);
    }
  }
  int status_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

TEST(PccsRetries, TransientFailuresAreRetriedOthersAreNot) {
  CollateralQuery q;
  {
    StatusServer busy(503);
    auto client = PccsClient::Create({.url = busy.Url(), .retries = 2, .retry_delay_ms = 10});
    ASSERT_TRUE(client);
    auto r = client->Fetch(q);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(r.error().message().find("HTTP 503"), std::string::npos) << r.error().ToString();
    EXPECT_EQ(busy.requests(), 3);
    EXPECT_EQ(client->stats().retries, 2);
    EXPECT_EQ(client->stats().http_requests, 3);
  }
  {
    StatusServer missing(404);
    auto client = PccsClient::Create({.url = missing.Url(), .retries = 2, .retry_delay_ms = 10});
    auto r = client->Fetch(q);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(missing.requests(), 1);
    EXPECT_EQ(client->stats().retries, 0);
  }
  {
    StatusServer busy(503);
    auto client = PccsClient::Create({.url = busy.Url()});  // QCNL's default: no retry
    EXPECT_FALSE(client->Fetch(q));
    EXPECT_EQ(busy.requests(), 1);
  }
  EXPECT_FALSE(PccsClient::Create({.url = "http://x", .retries = -1}));
}

// A self-signed P-256 certificate for 127.0.0.1 (subjectAltName IP), PEM.
struct TestTlsCert {
  std::string cert_pem, key_pem;
};
TestTlsCert MakeTlsCert() {
  TestTlsCert out;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("pccs test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"}, {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  out.cert_pem.assign(p, static_cast<size_t>(n));
  BIO_free(b);
  b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  n = BIO_get_mem_data(b, &p);
  out.key_pem.assign(p, static_cast<size_t>(n));
  BIO_free(b);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

class PccsSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(TempDir());
    const std::string dir = *root_ + "/sim";
    auto init = sim::State::Init(dir, {});
    ASSERT_TRUE(init) << init.error().ToString();
    auto st = sim::State::Load(dir);
    ASSERT_TRUE(st) << st.error().ToString();
    state_ = new std::shared_ptr<const sim::State>(*st);
    auto server = PccsSim::Start({.dir = dir});
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = server->release();
    // A sim quote of a sample enclave.
    auto signer = sgx::RsaKey::Generate();
    ASSERT_TRUE(signer);
    auto app = sim::BuildSampleEnclave((*state_)->keys(), *signer, {});
    ASSERT_TRUE(app) << app.error().ToString();
    auto qe = sim::QuotingEnclave::Create(*state_);
    ASSERT_TRUE(qe) << qe.error().ToString();
    auto report = app->CreateReport(*qe->GetTargetInfo(), sgx::ReportData{});
    ASSERT_TRUE(report);
    auto quote = qe->GetQuote(*report);
    ASSERT_TRUE(quote) << quote.error().ToString();
    quote_ = new std::vector<uint8_t>(std::move(*quote));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete quote_;
    delete state_;
    (void)fs::RemoveAll(*root_);
    delete root_;
  }

  static std::string Url() { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  static const sim::State& state() { return **state_; }

  Result<Verdict> Verify(const Collateral& c) {
    VerifyOptions o;
    o.root_ca_pem = state().root_ca_pem();
    o.accept_sim_qe = true;
    o.require_root_crl = true;
    return VerifyQuote(*quote_, c, o);
  }

  static std::string* root_;
  static std::shared_ptr<const sim::State>* state_;
  static PccsSim* server_;
  static std::vector<uint8_t>* quote_;
};
std::string* PccsSimTest::root_ = nullptr;
std::shared_ptr<const sim::State>* PccsSimTest::state_ = nullptr;
PccsSim* PccsSimTest::server_ = nullptr;
std::vector<uint8_t>* PccsSimTest::quote_ = nullptr;

TEST_F(PccsSimTest, FetchedCollateralVerifiesASimQuoteV3AndV4) {
  auto q = CollateralQueryForQuote(*quote_);
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->tee, PcsTee::kSgx);
  EXPECT_EQ(q->fmspc, state().info().fmspc);
  EXPECT_EQ(q->ca, "platform");
  for (int version : {3, 4}) {
    auto client = PccsClient::Create({.url = Url(), .api_version = version});
    ASSERT_TRUE(client) << client.error().ToString();
    auto c = client->Fetch(*q);
    ASSERT_TRUE(c) << "v" << version << ": " << c.error().ToString();
    EXPECT_FALSE(c->tcb_info.issuer_chain.empty());
    EXPECT_FALSE(c->qe_identity.issuer_chain.empty());
    EXPECT_FALSE(c->root_ca_crl.empty()) << "the sim PCCS serves /rootcacrl";
    auto v = Verify(*c);
    ASSERT_TRUE(v) << "v" << version << ": " << v.error().ToString();
    EXPECT_EQ(v->status, TcbStatus::kUpToDate);
    EXPECT_TRUE(v->warnings.empty()) << v->warnings.front();
    EXPECT_EQ(client->stats().http_requests, 4);
  }
}

TEST_F(PccsSimTest, WithoutTheSimRootTheFetchedCollateralDoesNotVerify) {
  auto client = PccsClient::Create({.url = Url()});
  ASSERT_TRUE(client);
  auto c = client->Fetch(*CollateralQueryForQuote(*quote_));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_FALSE(VerifyQuote(*quote_, *c, {}));  // built-in Intel root only
}

TEST_F(PccsSimTest, MemoryAndDiskCacheServeUntilNextUpdate) {
  const std::string cache = *root_ + "/cache";
  auto q = *CollateralQueryForQuote(*quote_);
  {
    auto client = PccsClient::Create({.url = Url(), .cache_dir = cache});
    ASSERT_TRUE(client) << client.error().ToString();
    ASSERT_TRUE(client->Fetch(q));
    ASSERT_TRUE(client->Fetch(q));
    auto s = client->stats();
    EXPECT_EQ(s.http_requests, 4);
    EXPECT_EQ(s.memory_hits, 4);
    EXPECT_EQ(std::filesystem::status(cache).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
  }
  {
    // A new client (a new process) reads the disk cache.
    auto client = PccsClient::Create({.url = Url(), .cache_dir = cache});
    auto c = client->Fetch(q);
    ASSERT_TRUE(c) << c.error().ToString();
    EXPECT_EQ(client->stats().http_requests, 0);
    EXPECT_EQ(client->stats().disk_hits, 4);
    EXPECT_TRUE(Verify(*c));
    // Past nextUpdate (the sim issues collateral for a year) nothing cached
    // is fresh: everything is fetched again, and the verifier, not the
    // cache, says the collateral is stale.
    const int64_t later = NowUnix() + 2 * 366 * 24 * 3600;
    auto stale = client->Fetch(q, later);
    ASSERT_TRUE(stale) << stale.error().ToString();
    EXPECT_EQ(client->stats().http_requests, 4);
    VerifyOptions o;
    o.root_ca_pem = state().root_ca_pem();
    o.accept_sim_qe = true;
    o.time = later;
    auto v = VerifyQuote(*quote_, *stale, o);
    ASSERT_FALSE(v);
    EXPECT_NE(v.error().message().find("expired"), std::string::npos) << v.error().ToString();
  }
  {
    // Corrupt cache files are refetched, not errors; max_cache_age 0
    // disables reuse.
    for (const auto& e : std::filesystem::directory_iterator(cache)) ASSERT_TRUE(fs::WriteFile(e.path(), "{garbage"));
    auto client = PccsClient::Create({.url = Url(), .cache_dir = cache, .max_cache_age = 0});
    ASSERT_TRUE(client->Fetch(q));
    ASSERT_TRUE(client->Fetch(q));
    EXPECT_EQ(client->stats().http_requests, 8);
    EXPECT_EQ(client->stats().disk_hits, 0);
  }
}

TEST_F(PccsSimTest, ErrorsNameTheDocumentTheUrlAndTheStatus) {
  auto client = PccsClient::Create({.url = Url()});
  ASSERT_TRUE(client);
  CollateralQuery q = *CollateralQueryForQuote(*quote_);

  CollateralQuery other = q;
  other.fmspc[0] ^= 0xff;
  auto r = client->Fetch(other);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.error().message().find("TCB Info"), std::string::npos) << r.error().ToString();
  EXPECT_NE(r.error().message().find("HTTP 404"), std::string::npos) << r.error().ToString();
  EXPECT_NE(r.error().message().find("fmspc=" + [&] {
    std::string h = sgx::HexEncode(other.fmspc);
    for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return h;
  }()), std::string::npos) << r.error().ToString();

  CollateralQuery processor = q;
  processor.ca = "processor";
  r = client->Fetch(processor);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("PCK CRL"), std::string::npos) << r.error().ToString();

  CollateralQuery tdx = q;
  tdx.tee = PcsTee::kTdx;
  r = client->Fetch(tdx);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("/tdx/certification/v4/tcb"), std::string::npos) << r.error().ToString();

  CollateralQuery bad_ca = q;
  bad_ca.ca = "other";
  EXPECT_FALSE(client->Fetch(bad_ca));

  auto tiny = PccsClient::Create({.url = Url(), .max_response_bytes = 100});
  r = tiny->Fetch(q);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("exceeds 100 bytes"), std::string::npos) << r.error().ToString();
}

TEST_F(PccsSimTest, AServerThatIsNotThereIsUnavailable) {
  // A port that was just free: bind, read the port, close.
  auto probe = PccsSim::Start({.dir = *root_ + "/sim"});
  ASSERT_TRUE(probe);
  const uint16_t port = (*probe)->port();
  probe->reset();
  auto client = PccsClient::Create({.url = "http://127.0.0.1:" + std::to_string(port), .timeout_ms = 5000});
  auto r = client->Fetch(*CollateralQueryForQuote(*quote_));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.error().ToString();
}

TEST_F(PccsSimTest, AQcnlConfigurationPointsTheClientAtThePccs) {
  const std::string path = *root_ + "/qcnl.conf";
  ASSERT_TRUE(fs::WriteFile(path,
                            "{\n  // the sim platform's PCCS\n  \"pccs_url\": \"" + Url() +
                                "/sgx/certification/v4/\",\n  \"use_secure_cert\": true\n}\n",
                            true));
  auto o = LoadQcnlConfig(path);
  ASSERT_TRUE(o) << o.error().ToString();
  auto client = PccsClient::Create(*o);
  ASSERT_TRUE(client) << client.error().ToString();
  auto c = client->Fetch(*CollateralQueryForQuote(*quote_));
  ASSERT_TRUE(c) << c.error().ToString();
  auto v = Verify(*c);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(v->status, TcbStatus::kUpToDate);
}

TEST_F(PccsSimTest, HttpsVerifiesTheServerUnlessToldNotTo) {
  TestTlsCert tls = MakeTlsCert();
  const std::string cert = *root_ + "/tls.pem", key = *root_ + "/tls.key";
  ASSERT_TRUE(fs::WriteFile(cert, tls.cert_pem, true));
  ASSERT_TRUE(fs::WriteFile(key, tls.key_pem, true, 0600));
  auto server = PccsSim::Start({.dir = *root_ + "/sim", .tls_cert_file = cert, .tls_key_file = key});
  if (!server && server.error().code() == ErrorCode::kUnimplemented) GTEST_SKIP() << server.error().ToString();
  ASSERT_TRUE(server) << server.error().ToString();
  const std::string url = "https://127.0.0.1:" + std::to_string((*server)->port());
  auto q = *CollateralQueryForQuote(*quote_);

  auto trusted = PccsClient::Create({.url = url, .ca_file = cert});
  auto c = trusted->Fetch(q);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_TRUE(Verify(*c));

  auto untrusted = PccsClient::Create({.url = url});
  auto r = untrusted->Fetch(q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("certificate"), std::string::npos) << r.error().ToString();

  auto insecure = PccsClient::Create({.url = url, .insecure = true});
  c = insecure->Fetch(q);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_TRUE(Verify(*c));
}

}  // namespace
}  // namespace inclavare::attest
