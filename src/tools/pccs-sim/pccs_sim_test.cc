// pccs-sim end to end: the server in-process on an ephemeral port over a
// fresh sim state, fetched with libcurl (plain HTTP and HTTPS), and the real
// binary started and stopped with SIGTERM.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "common/fs.h"
#include "enclave/sgx/hex.h"
#include "enclave/sim/state.h"
#include "tools/pccs-sim/server.h"

namespace inclavare::sgx::pccs_sim {
namespace {

struct HttpReply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase name -> value
  std::string error;                           // curl's error buffer

  // The percent-decoded value of a header ("" when absent).
  std::string Decoded(const std::string& name) const {
    auto it = headers.find(name);
    if (it == headers.end()) return "";
    int len = 0;
    char* raw = curl_easy_unescape(nullptr, it->second.c_str(), int(it->second.size()), &len);
    std::string out(raw, size_t(len));
    curl_free(raw);
    return out;
  }
};

size_t OnBody(char* data, size_t size, size_t n, void* cls) {
  static_cast<std::string*>(cls)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* cls) {
  std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    (*static_cast<std::map<std::string, std::string>*>(cls))[name] = std::string(value);
  }
  return size * n;
}

struct FetchOptions {
  std::string method = "GET";  // GET, HEAD or POST
  std::string cainfo;          // HTTPS: trust this certificate file
};

HttpReply Fetch(const std::string& url, const FetchOptions& o = {}) {
  HttpReply r;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  char err[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  // Bounds a hung test only; no result depends on it.
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  if (o.method == "HEAD") curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  if (o.method == "POST") curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, "fmspc=00606a000000");
  if (!o.cainfo.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, o.cainfo.c_str());
  r.code = curl_easy_perform(curl.get());
  r.error = err;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

std::string ReadOrDie(const std::string& path) {
  auto r = fs::ReadFile(path);
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : "";
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

class PccsSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    std::string tmpl = (std::filesystem::temp_directory_path() / "ic-pccs-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = new std::string(tmpl);
    auto init = sim::State::Init(State(), {});
    ASSERT_TRUE(init) << init.error().ToString();
    auto info = fs::ReadFile(State() + "/platform.json");
    ASSERT_TRUE(info);
    const size_t at = info->find("\"fmspc\"");
    ASSERT_NE(at, std::string::npos);
    const size_t q = info->find('"', info->find(':', at) + 1);
    fmspc_ = new std::string(info->substr(q + 1, 12));
  }
  static void TearDownTestSuite() {
    (void)fs::RemoveAll(*root_);
    delete fmspc_;
    delete root_;
    curl_global_cleanup();
  }

  void SetUp() override {
    PccsSimOptions o;
    o.dir = State();
    auto s = PccsSim::Start(o);
    ASSERT_TRUE(s) << s.error().ToString();
    server_ = std::move(*s);
    ASSERT_NE(server_->port(), 0);
  }

  static std::string State() { return *root_ + "/state"; }
  static std::string File(const std::string& name) { return ReadOrDie(State() + "/" + name); }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  static std::string* root_;
  static std::string* fmspc_;  // lowercase hex, from platform.json
  std::unique_ptr<PccsSim> server_;
};
std::string* PccsSimTest::root_ = nullptr;
std::string* PccsSimTest::fmspc_ = nullptr;

const char* const kVersions[] = {"/sgx/certification/v3", "/sgx/certification/v4"};

TEST_F(PccsSimTest, TcbInfoWithIssuerChainForBothVersions) {
  const std::string chain = File("collateral/tcb_signing_chain.pem");
  ASSERT_NE(chain.find("-----BEGIN CERTIFICATE-----\n"), std::string::npos);
  for (const std::string p : kVersions) {
    SCOPED_TRACE(p);
    HttpReply r = Fetch(Url(p + "/tcb?fmspc=" + *fmspc_));
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, File("collateral/tcb_info.json"));
    EXPECT_EQ(r.headers["content-type"], "application/json");
    const bool v4 = p.back() == '4';
    const std::string header = v4 ? "tcb-info-issuer-chain" : "sgx-tcb-info-issuer-chain";
    const std::string other = v4 ? "sgx-tcb-info-issuer-chain" : "tcb-info-issuer-chain";
    EXPECT_EQ(r.Decoded(header), chain);
    EXPECT_EQ(r.headers.count(other), 0u);
    // Raw header is percent-encoded: no newline, space, '/', '+' or '='.
    EXPECT_EQ(r.headers[header].find_first_of("\n /+="), std::string::npos);
  }
}

TEST_F(PccsSimTest, TcbFmspcIsCaseInsensitiveAndUpdateIsChecked) {
  for (const std::string p : kVersions) {
    SCOPED_TRACE(p);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + Upper(*fmspc_))).status, 200);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + *fmspc_ + "&update=early")).status, 200);
    EXPECT_EQ(Fetch(Url(p + "/tcb?update=standard&fmspc=" + *fmspc_)).status, 200);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + *fmspc_ + "&update=late")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + *fmspc_ + "&update")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + *fmspc_ + "&update=early%00")).status, 400);
    // Values are percent-decoded before they are checked.
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + fmspc_->substr(0, 11) + "%" + HexEncode(std::span(
                                reinterpret_cast<const uint8_t*>(fmspc_->data()) + 11, 1)))).status,
              200);
    // Unknown parameters are ignored, as PCCS does.
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + *fmspc_ + "&colour=blue")).status, 200);
  }
}

TEST_F(PccsSimTest, TcbBadOrUnknownFmspc) {
  // An FMSPC that differs from the sim one in its last digit.
  std::string other = *fmspc_;
  other.back() = other.back() == '0' ? '1' : '0';
  for (const std::string p : kVersions) {
    SCOPED_TRACE(p);
    HttpReply r = Fetch(Url(p + "/tcb?fmspc=" + other));
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("FMSPC"), std::string::npos) << r.body;
    EXPECT_EQ(Fetch(Url(p + "/tcb")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + fmspc_->substr(0, 11))).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=" + *fmspc_ + "0")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=zz" + fmspc_->substr(2))).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/tcb?fmspc=0x" + fmspc_->substr(2))).status, 400);
    // A known parameter twice is a client bug, even with equal values.
    HttpReply twice = Fetch(Url(p + "/tcb?fmspc=" + *fmspc_ + "&fmspc=" + *fmspc_));
    EXPECT_EQ(twice.status, 400);
    EXPECT_NE(twice.body.find("fmspc"), std::string::npos) << twice.body;
  }
}

TEST_F(PccsSimTest, QeIdentity) {
  for (const std::string p : kVersions) {
    SCOPED_TRACE(p);
    HttpReply r = Fetch(Url(p + "/qe/identity"));
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, File("collateral/qe_identity.json"));
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_EQ(r.Decoded("sgx-enclave-identity-issuer-chain"), File("collateral/tcb_signing_chain.pem"));
    EXPECT_EQ(Fetch(Url(p + "/qe/identity?update=early")).status, 200);
    EXPECT_EQ(Fetch(Url(p + "/qe/identity?update=sometime")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/qe/identity?update=early&update=early")).status, 400);
  }
}

TEST_F(PccsSimTest, PckCrlPlatformPemAndDer) {
  const std::string chain = File("pck_platform_ca.pem") + File("root_ca.pem");
  for (const std::string p : kVersions) {
    SCOPED_TRACE(p);
    for (const std::string query : {"ca=platform", "ca=PLATFORM", "ca=Platform&encoding=pem"}) {
      SCOPED_TRACE(query);
      HttpReply r = Fetch(Url(p + "/pckcrl?" + query));
      ASSERT_EQ(r.code, CURLE_OK) << r.error;
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.body, File("collateral/pck_platform_ca.crl.pem"));
      EXPECT_EQ(r.Decoded("sgx-pck-crl-issuer-chain"), chain);
    }
    HttpReply der = Fetch(Url(p + "/pckcrl?ca=platform&encoding=der"));
    EXPECT_EQ(der.status, 200);
    EXPECT_EQ(der.body, File("collateral/pck_platform_ca.crl.der"));
    EXPECT_EQ(der.Decoded("sgx-pck-crl-issuer-chain"), chain);
    EXPECT_EQ(Fetch(Url(p + "/pckcrl?ca=platform&encoding=base64")).status, 400);
  }
}

TEST_F(PccsSimTest, PckCrlProcessorIsNotFoundAndBadCaIsRejected) {
  for (const std::string p : kVersions) {
    SCOPED_TRACE(p);
    HttpReply r = Fetch(Url(p + "/pckcrl?ca=processor"));
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("Platform CA"), std::string::npos) << r.body;
    EXPECT_EQ(Fetch(Url(p + "/pckcrl?ca=Processor&encoding=der")).status, 404);
    EXPECT_EQ(Fetch(Url(p + "/pckcrl")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/pckcrl?ca=")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/pckcrl?ca=root")).status, 400);
    EXPECT_EQ(Fetch(Url(p + "/pckcrl?ca=platform&ca=processor")).status, 400);
  }
}

TEST_F(PccsSimTest, RootCaCrlIsHexOfDer) {
  const std::string der = File("collateral/root_ca.crl.der");
  ASSERT_FALSE(der.empty());
  for (const std::string p : kVersions) {
    SCOPED_TRACE(p);
    HttpReply r = Fetch(Url(p + "/rootcacrl"));
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.find_first_not_of("0123456789abcdef"), std::string::npos);
    auto bytes = HexDecode(r.body);
    ASSERT_TRUE(bytes) << bytes.error().ToString();
    EXPECT_EQ(std::string(bytes->begin(), bytes->end()), der);
  }
}

TEST_F(PccsSimTest, HeadHasHeadersWithoutBody) {
  HttpReply r = Fetch(Url("/sgx/certification/v4/qe/identity"), {.method = "HEAD"});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.headers["content-length"], std::to_string(File("collateral/qe_identity.json").size()));
  EXPECT_FALSE(r.Decoded("sgx-enclave-identity-issuer-chain").empty());
}

TEST_F(PccsSimTest, PostIsMethodNotAllowed) {
  HttpReply r = Fetch(Url("/sgx/certification/v4/tcb?fmspc=" + *fmspc_), {.method = "POST"});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, HEAD");
  EXPECT_EQ(Fetch(Url("/sgx/certification/v3/rootcacrl"), {.method = "POST"}).status, 405);
}

TEST_F(PccsSimTest, UnknownPathsAndTdxAreNotFound) {
  for (const std::string path :
       {"/", "/sgx/certification/v4", "/sgx/certification/v2/tcb?fmspc=00606a000000", "/sgx/certification/v4/pckcert",
        "/sgx/certification/v4/qe", "/sgx/certification/v4/qe/identity/x", "/sgx/certification/v5/rootcacrl",
        "/sgx/certification/v4/tcbx", "/tdxx/certification/v4/tcb"}) {
    SCOPED_TRACE(path);
    HttpReply r = Fetch(Url(path));
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body.find("TDX"), std::string::npos);
  }
  for (const std::string& path :
       {"/tdx/certification/v4/tcb?fmspc=" + *fmspc_, std::string("/tdx/certification/v4/qe/identity")}) {
    SCOPED_TRACE(path);
    HttpReply r = Fetch(Url(path));
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("no TDX"), std::string::npos) << r.body;
  }
  // A trailing slash names the same resource (PCCS's router is not strict).
  EXPECT_EQ(Fetch(Url("/sgx/certification/v4/rootcacrl/")).status, 200);
}

TEST(UriComponentEncodeTest, MatchesEncodeURIComponent) {
  // encodeURIComponent("A-z_0.9!~*'() +/=\n%é") in JavaScript:
  EXPECT_EQ(UriComponentEncode("A-z_0.9!~*'() +/=\n%\xc3\xa9"), "A-z_0.9!~*'()%20%2B%2F%3D%0A%25%C3%A9");
  EXPECT_EQ(UriComponentEncode(""), "");
}

// ---------------------------------------------------------------------------
// Start errors

class PccsSimStartTest : public PccsSimTest {
 protected:
  void SetUp() override {}
  // A copy of the state without one file.
  std::string CopyWithout(const std::string& name) {
    const std::string dir = *root_ + "/copy";
    (void)fs::RemoveAll(dir);
    std::filesystem::copy(State(), dir, std::filesystem::copy_options::recursive);
    std::filesystem::remove(dir + "/" + name);
    return dir;
  }
};

TEST_F(PccsSimStartTest, MissingDirectoryIsNamed) {
  PccsSimOptions o;
  o.dir = *root_ + "/no-such-dir";
  auto s = PccsSim::Start(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().ToString().find(o.dir), std::string::npos) << s.error().ToString();
}

TEST_F(PccsSimStartTest, EveryMissingFileIsNamed) {
  for (const std::string name :
       {"platform.json", "collateral/tcb_info.json", "collateral/qe_identity.json", "collateral/tcb_signing_chain.pem",
        "collateral/pck_platform_ca.crl.pem", "collateral/pck_platform_ca.crl.der", "pck_platform_ca.pem",
        "root_ca.pem", "collateral/root_ca.crl.der"}) {
    SCOPED_TRACE(name);
    PccsSimOptions o;
    o.dir = CopyWithout(name);
    auto s = PccsSim::Start(o);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().ToString().find(name), std::string::npos) << s.error().ToString();
  }
  // The platform secret and private keys are not needed.
  PccsSimOptions o;
  o.dir = CopyWithout("platform_secret.bin");
  for (const char* key : {"root_ca_key.pem", "pck_ca_key.pem", "pck_key.pem", "tcb_signing_key.pem",
                          "attestation_key.pem", "qe_signing_key.pem"}) {
    std::filesystem::remove(o.dir + "/" + key);
  }
  auto s = PccsSim::Start(o);
  EXPECT_TRUE(s) << s.error().ToString();
}

TEST_F(PccsSimStartTest, BadOptions) {
  PccsSimOptions o;
  o.dir = State();
  o.address = "localhost:1";
  auto s = PccsSim::Start(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message().find("localhost:1"), std::string::npos);

  o.address = "127.0.0.1";
  o.tls_cert_file = *root_ + "/cert.pem";
  s = PccsSim::Start(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("key"), std::string::npos) << s.error().message();

  // A second server on a port in use.
  PccsSimOptions first;
  first.dir = State();
  auto a = PccsSim::Start(first);
  ASSERT_TRUE(a) << a.error().ToString();
  PccsSimOptions second = first;
  second.port = (*a)->port();
  auto b = PccsSim::Start(second);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(b.error().message().find(std::to_string(second.port)), std::string::npos) << b.error().ToString();
}

// ---------------------------------------------------------------------------
// HTTPS

// A self-signed P-256 certificate for 127.0.0.1 (subjectAltName IP), written
// as PEM to cert_path and key_path.
void MakeSelfSignedCert(const std::string& cert_path, const std::string& key_path, const char* cn = "127.0.0.1") {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  ASSERT_TRUE(key);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  ASSERT_EQ(X509_set_version(cert.get(), X509_VERSION_3), 1);
  ASSERT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_subject_alt_name, "IP:127.0.0.1"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  std::unique_ptr<FILE, decltype(&fclose)> cf(fopen(cert_path.c_str(), "w"), fclose);
  ASSERT_TRUE(cf);
  ASSERT_EQ(PEM_write_X509(cf.get(), cert.get()), 1);
  std::unique_ptr<FILE, decltype(&fclose)> kf(fopen(key_path.c_str(), "w"), fclose);
  ASSERT_TRUE(kf);
  ASSERT_EQ(PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
}

class PccsSimTlsTest : public PccsSimTest {
 protected:
  void SetUp() override {
    cert_ = *root_ + "/tls-cert.pem";
    key_ = *root_ + "/tls-key.pem";
    MakeSelfSignedCert(cert_, key_);
  }
  std::string cert_, key_;
};

TEST_F(PccsSimTlsTest, HttpsWithTrustedCertificate) {
  PccsSimOptions o;
  o.dir = State();
  o.tls_cert_file = cert_;
  o.tls_key_file = key_;
  auto s = PccsSim::Start(o);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_TRUE((*s)->tls());
  const std::string base = "https://127.0.0.1:" + std::to_string((*s)->port());

  HttpReply ok = Fetch(base + "/sgx/certification/v4/tcb?fmspc=" + *fmspc_, {.cainfo = cert_});
  ASSERT_EQ(ok.code, CURLE_OK) << ok.error;
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, File("collateral/tcb_info.json"));
  EXPECT_EQ(ok.Decoded("tcb-info-issuer-chain"), File("collateral/tcb_signing_chain.pem"));

  // Without the certificate as a trust anchor: the system CAs do not know it.
  HttpReply untrusted = Fetch(base + "/sgx/certification/v4/qe/identity");
  EXPECT_EQ(untrusted.code, CURLE_PEER_FAILED_VERIFICATION) << untrusted.error;
  // Plain HTTP to the HTTPS port gets no HTTP answer.
  HttpReply plain = Fetch("http://127.0.0.1:" + std::to_string((*s)->port()) + "/sgx/certification/v4/rootcacrl");
  EXPECT_NE(plain.status, 200);
}

TEST_F(PccsSimTlsTest, BadCertificateOrKeyIsNamed) {
  PccsSimOptions o;
  o.dir = State();
  o.tls_key_file = key_;
  o.tls_cert_file = *root_ + "/garbage-cert.pem";
  ASSERT_TRUE(fs::WriteFile(o.tls_cert_file, "not a certificate\n", true));
  auto s = PccsSim::Start(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().ToString().find(o.tls_cert_file), std::string::npos) << s.error().ToString();

  o.tls_cert_file = *root_ + "/missing-cert.pem";
  s = PccsSim::Start(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().ToString().find(o.tls_cert_file), std::string::npos) << s.error().ToString();

  // A key of another certificate.
  const std::string other_cert = *root_ + "/other-cert.pem", other_key = *root_ + "/other-key.pem";
  MakeSelfSignedCert(other_cert, other_key);
  o.tls_cert_file = cert_;
  o.tls_key_file = other_key;
  s = PccsSim::Start(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().ToString().find(other_key), std::string::npos) << s.error().ToString();
  EXPECT_NE(s.error().ToString().find("does not match"), std::string::npos) << s.error().ToString();
}

// ---------------------------------------------------------------------------
// The binary

#ifdef IC_PCCS_SIM_BIN
TEST_F(PccsSimStartTest, BinaryServesAndStopsOnSigterm) {
  const std::string port_file = *root_ + "/bin-port";
  (void)fs::RemoveAll(port_file);
  const std::string dir = State();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(IC_PCCS_SIM_BIN, "pccs-sim", "--dir", dir.c_str(), "--listen", "127.0.0.1:0", "--port-file",
            port_file.c_str(), nullptr);
    ::_exit(127);
  }
  // Wait for the port file (bounded: fails after ~30 s; no timing assertion
  // otherwise). It is written atomically once the server listens.
  Result<std::string> port = NotFound("not started");
  for (int i = 0; i < 600 && !port; ++i) {
    port = fs::ReadFile(port_file);
    if (!port) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!port) ::kill(pid, SIGKILL);
  ASSERT_TRUE(port) << port.error().ToString();
  const int port_number = std::stoi(*port);
  EXPECT_GT(port_number, 0);
  HttpReply r = Fetch("http://127.0.0.1:" + std::to_string(port_number) + "/sgx/certification/v4/qe/identity");
  EXPECT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, File("collateral/qe_identity.json"));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(PccsSimStartTest, BinaryRejectsBadListen) {
  const std::string dir = State();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(IC_PCCS_SIM_BIN, "pccs-sim", "--dir", dir.c_str(), "--listen", "127.0.0.1:99999", nullptr);
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
}
#endif

}  // namespace
}  // namespace inclavare::sgx::pccs_sim
