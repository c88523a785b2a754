#include "attest/pccs.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <nlohmann/json.hpp>

#include "attest/pck.h"
#include "attest/tcb.h"
#include "attest/x509.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/primitives.h"
#include "enclave/sgx/quote.h"

namespace inclavare::attest {
namespace {

using json = nlohmann::json;

// The kinds of document, for the cache's expiry and the error messages.
enum class Doc { kTcbInfo, kQeIdentity, kPckCrl, kRootCaCrl };

const char* DocName(Doc d) {
  switch (d) {
    case Doc::kTcbInfo: return "TCB Info";
    case Doc::kQeIdentity: return "QE Identity";
    case Doc::kPckCrl: return "PCK CRL";
    case Doc::kRootCaCrl: return "Root CA CRL";
  }
  return "?";
}

struct Entry {
  std::string body;
  std::string issuer_chain;  // decoded PEM, may be empty
  int64_t fetched_at = 0;    // real time
  int64_t next_update = 0;   // from the document; 0 = unknown
};

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlFree>;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Printable(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  if (s.size() > max) out += "...";
  return out;
}

// nextUpdate of a fetched document; 0 when it cannot be read (the entry is
// then not cached, and the verifier reports what is wrong with it).
int64_t NextUpdate(Doc doc, const std::string& body) {
  if (doc == Doc::kTcbInfo || doc == Doc::kQeIdentity) {
    const bool tcb = doc == Doc::kTcbInfo;
    auto raw = RawJsonMember(body, tcb ? "tcbInfo" : "enclaveIdentity");
    if (!raw) return 0;
    if (tcb) {
      auto t = ParseTcbInfo(*raw);
      return t ? t->next_update : 0;
    }
    auto q = ParseEnclaveIdentity(*raw);
    return q ? q->next_update : 0;
  }
  auto unwrapped = UnwrapCrl(body);
  if (!unwrapped) return 0;
  auto t = CrlNextUpdate(*unwrapped);
  return t ? *t : 0;
}

struct Response {
  long status = 0;
  std::string body;
  std::string issuer_chain;  // raw header value
  bool too_large = false;
  size_t limit = 0;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  size_t len = size * n;
  if (r->body.size() + len > r->limit) {
    r->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  r->body.append(data, len);
  return len;
}

// What a later attempt may cure, as curl's --retry sees it.
bool TransientCurl(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return true;
    default: return false;
  }
}

bool TransientStatus(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// ".../sgx/certification/v4/" -> (".../", 4); the QCNL form of a PCS URL.
Result<std::pair<std::string, int>> SplitPcsUrl(const std::string& key, const std::string& url) {
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  const std::string marker = "/certification/v";
  const size_t at = u.rfind(marker);
  const std::string version = at == std::string::npos ? "" : u.substr(at + marker.size());
  std::string base = at == std::string::npos ? "" : u.substr(0, at);
  const bool tee_path = base.size() >= 4 && (base.ends_with("/sgx") || base.ends_with("/tdx"));
  if (!tee_path || (version != "3" && version != "4")) {
    return InvalidArgument(key + " \"" + url +
                           "\": expected a PCS/PCCS URL ending in /sgx/certification/v3/ or /v4/");
  }
  base.resize(base.size() - 4);
  return std::pair{base, version == "3" ? 3 : 4};
}

struct QcnlSettings {
  std::optional<std::string> pccs_url, collateral_service;
  bool secure = true;
  int64_t retry_times = 0, retry_delay = -1, expire_hours = -1;
};

Result<int64_t> NonNegative(const std::string& key, const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0 || v > 1000000) {
    return InvalidArgument(key + " \"" + text + "\": expected a non-negative integer");
  }
  return v;
}

Result<QcnlSettings> ParseQcnlLegacy(std::string_view text) {
  QcnlSettings q;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string line;
    for (char ch : text.substr(pos, nl - pos))
      if (!std::isspace(static_cast<unsigned char>(ch))) line += ch;
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return InvalidArgument("line " + std::to_string(line_no) + ": expected KEY=VALUE");
    }
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "PCCS_URL") {
      q.pccs_url = value;
    } else if (key == "COLLATERAL_SERVICE") {
      q.collateral_service = value;
    } else if (key == "USE_SECURE_CERT") {
      if (value == "TRUE" || value == "true") {
        q.secure = true;
      } else if (value == "FALSE" || value == "false") {
        q.secure = false;
      } else {
        return InvalidArgument("USE_SECURE_CERT \"" + value + "\": expected TRUE or FALSE");
      }
    } else if (key == "RETRY_TIMES") {
      IC_ASSIGN_OR_RETURN(q.retry_times, NonNegative(key, value));
    } else if (key == "RETRY_DELAY") {
      IC_ASSIGN_OR_RETURN(q.retry_delay, NonNegative(key, value));
    } else if (key == "VERIFY_COLLATERAL_CACHE_EXPIRE_HOURS") {
      IC_ASSIGN_OR_RETURN(q.expire_hours, NonNegative(key, value));
    }  // other keys concern PCK certificate retrieval
  }
  return q;
}

Result<QcnlSettings> ParseQcnlJson(std::string_view text) {
  json j;
  try {
    j = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return InvalidArgument("expected a JSON object");
  QcnlSettings q;
  auto str = [&](const char* key, std::optional<std::string>* out) -> Result<> {
    if (!j.contains(key)) return {};
    if (!j[key].is_string()) return InvalidArgument(std::string(key) + ": expected a string");
    *out = j[key].get<std::string>();
    return {};
  };
  auto count = [&](const char* key, int64_t* out) -> Result<> {
    if (!j.contains(key)) return {};
    const json& v = j[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 1000000)
      return InvalidArgument(std::string(key) + ": expected a non-negative integer");
    *out = v.get<int64_t>();
    return {};
  };
  IC_TRY(str("pccs_url", &q.pccs_url));
  IC_TRY(str("collateral_service", &q.collateral_service));
  if (j.contains("use_secure_cert")) {
    if (!j["use_secure_cert"].is_boolean()) return InvalidArgument("use_secure_cert: expected true or false");
    q.secure = j["use_secure_cert"].get<bool>();
  }
  if (j.contains("pccs_api_version") && !j["pccs_api_version"].is_string())
    return InvalidArgument("pccs_api_version: expected a string such as \"3.1\"");
  IC_TRY(count("retry_times", &q.retry_times));
  IC_TRY(count("retry_delay", &q.retry_delay));
  IC_TRY(count("verify_collateral_cache_expire_hours", &q.expire_hours));
  return q;
}

}  // namespace

Result<PccsOptions> ParseQcnlConfig(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  const bool is_json = first != std::string_view::npos && text[first] == '{';
  IC_ASSIGN_OR_RETURN(QcnlSettings q, is_json ? ParseQcnlJson(text) : ParseQcnlLegacy(text));
  const bool from_collateral_service = q.collateral_service.has_value();
  const std::optional<std::string>& url = from_collateral_service ? q.collateral_service : q.pccs_url;
  if (!url || url->empty()) return InvalidArgument("neither pccs_url nor collateral_service is set");
  const char* key = from_collateral_service ? (is_json ? "collateral_service" : "COLLATERAL_SERVICE")
                                            : (is_json ? "pccs_url" : "PCCS_URL");
  IC_ASSIGN_OR_RETURN(auto split, SplitPcsUrl(key, *url));
  PccsOptions o;
  o.url = split.first;
  o.api_version = split.second;
  o.insecure = !q.secure;
  o.retries = static_cast<int>(q.retry_times);
  if (q.retry_delay >= 0) o.retry_delay_ms = static_cast<long>(q.retry_delay) * 1000;
  if (q.expire_hours >= 0) o.max_cache_age = q.expire_hours * 3600;
  return o;
}

std::string QcnlConfigPath() {
  const char* env = std::getenv("QCNL_CONF_PATH");
  return env != nullptr && env[0] != '\0' ? env : "/etc/sgx_default_qcnl.conf";
}

Result<PccsOptions> LoadQcnlConfig(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    if (errno == ELOOP) {
      return InvalidArgument("QCNL configuration " + path + ": is a symbolic link (refused, as QCNL)");
    }
    if (errno == ENOENT) return NotFound("QCNL configuration " + path + ": no such file");
    return ErrnoError("QCNL configuration " + path);
  }
  IC_ASSIGN_OR_RETURN(std::string text, fs::ReadFd(fd.Get()).Wrap("QCNL configuration " + path));
  return ParseQcnlConfig(text).Wrap("QCNL configuration " + path);
}

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return InvalidArgument("URL-encoded text: '%' at offset " + std::to_string(i) + " without two hex digits");
    }
    auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = digit(text[i + 1]), lo = digit(text[i + 2]);
    if (hi < 0 || lo < 0) {
      return InvalidArgument("URL-encoded text: bad escape '" + std::string(text.substr(i, 3)) + "' at offset " +
                             std::to_string(i));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<CollateralQuery> CollateralQueryForQuote(std::span<const uint8_t> quote) {
  IC_ASSIGN_OR_RETURN(sgx::QuoteView view, sgx::ParseQuote(quote));
  IC_ASSIGN_OR_RETURN(std::string_view pem, view.PckChainPem());
  IC_ASSIGN_OR_RETURN(std::vector<X509Ptr> chain, ParseCertChain(pem).Wrap("quote: PCK certificate chain"));
  if (chain.empty()) return InvalidArgument("quote: empty PCK certificate chain");
  X509* leaf = chain.front().get();
  IC_ASSIGN_OR_RETURN(PckInfo info, ParsePckExtensions(leaf).Wrap("quote: PCK certificate"));
  CollateralQuery q;
  q.tee = view.is_tdx() ? PcsTee::kTdx : PcsTee::kSgx;
  q.fmspc = info.fmspc;
  char cn[256] = "";
  int n = X509_NAME_get_text_by_NID(X509_get_issuer_name(leaf), NID_commonName, cn, sizeof cn);
  std::string issuer = n > 0 ? std::string(cn, static_cast<size_t>(n)) : std::string();
  if (issuer.find("Platform CA") != std::string::npos) {
    q.ca = "platform";
  } else if (issuer.find("Processor CA") != std::string::npos) {
    q.ca = "processor";
  } else {
    return InvalidArgument("quote: PCK certificate issuer \"" + issuer +
                           "\" names neither a PCK Platform CA nor a PCK Processor CA");
  }
  return q;
}

struct PccsClient::State {
  PccsOptions options;
  std::mutex mu;
  CurlPtr curl;                          // GUARDED_BY(mu), reused: keeps the connection
  std::map<std::string, Entry> memory;   // GUARDED_BY(mu)
  Stats stats;                           // GUARDED_BY(mu)

  std::string Prefix(PcsTee tee) const {
    std::string base = options.url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + (tee == PcsTee::kTdx ? "/tdx" : "/sgx") + "/certification/v" + std::to_string(options.api_version);
  }

  std::string CachePath(const std::string& url) const {
    auto digest = sgx::Sha256(std::span(reinterpret_cast<const uint8_t*>(url.data()), url.size()));
    return fs::Join(options.cache_dir, sgx::HexEncode(digest ? std::span<const uint8_t>(*digest)
                                                              : std::span<const uint8_t>()) +
                                           ".json");
  }

  bool Fresh(const Entry& e, int64_t now) const {
    int64_t real_now = NowUnix();
    if (e.next_update == 0) return false;
    if (real_now - e.fetched_at >= options.max_cache_age || real_now < e.fetched_at) return false;
    return now < e.next_update;
  }

  std::optional<Entry> ReadDisk(const std::string& url) const {
    auto text = fs::ReadFile(CachePath(url));
    if (!text) return std::nullopt;
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || j.value("url", "") != url) return std::nullopt;
    auto body = sgx::HexDecode(j.value("body_hex", ""));
    if (!body || !j.contains("fetched_at") || !j["fetched_at"].is_number_integer() || !j.contains("next_update") ||
        !j["next_update"].is_number_integer()) {
      return std::nullopt;
    }
    Entry e;
    e.body.assign(body->begin(), body->end());
    e.issuer_chain = j.value("issuer_chain", "");
    e.fetched_at = j["fetched_at"].get<int64_t>();
    e.next_update = j["next_update"].get<int64_t>();
    return e;
  }

  void WriteDisk(const std::string& url, const Entry& e) const {
    json j = {{"url", url},
              {"fetched_at", e.fetched_at},
              {"next_update", e.next_update},
              {"issuer_chain", e.issuer_chain},
              {"body_hex", sgx::HexEncode(std::span(reinterpret_cast<const uint8_t*>(e.body.data()), e.body.size()))}};
    if (auto r = fs::WriteFileAtomic(CachePath(url), j.dump(), 0644); !r) {
      IC_LOG(Warn, "PCCS cache: {}", r.error().ToString());
    }
  }

  // One request; *curl_rc is curl's result (CURLE_OK once a status came).
  Result<Response> Get(const std::string& url, const char* chain_header, const char* chain_header_v3,
                       CURLcode* curl_rc) {
    if (!curl) {
      curl.reset(curl_easy_init());
      if (!curl) return Error(ErrorCode::kInternal, "curl_easy_init failed");
    }
    CURL* c = curl.get();
    curl_easy_reset(c);
    Response r;
    r.limit = options.max_response_bytes;
    char err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(options.timeout_ms, 10000L));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "inclavare-attest-pccs/1");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
    if (options.insecure) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.limit));
    CURLcode rc = curl_easy_perform(c);
    *curl_rc = rc;
    // The handle outlives this frame: drop the pointers into it.
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
    if (r.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      return InvalidArgument("GET " + url + ": response exceeds " + std::to_string(r.limit) + " bytes");
    }
    if (rc != CURLE_OK) {
      return Error(ErrorCode::kUnavailable,
                   "GET " + url + ": " + (err[0] != '\0' ? std::string(err) : std::string(curl_easy_strerror(rc))));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    for (const char* name : {chain_header, chain_header_v3}) {
      if (name == nullptr) continue;
      struct curl_header* h = nullptr;
      if (curl_easy_header(c, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr) {
        r.issuer_chain = h->value;
        break;
      }
    }
    return r;
  }

  // Get, repeated after transient failures (options.retries).
  Result<Response> GetWithRetries(const std::string& url, const char* chain_header, const char* chain_header_v3) {
    long delay_ms = options.retry_delay_ms >= 0 ? options.retry_delay_ms : 1000;
    for (int attempt = 0;; ++attempt) {
      ++stats.http_requests;
      CURLcode rc = CURLE_OK;
      auto r = Get(url, chain_header, chain_header_v3, &rc);
      const bool transient = r ? TransientStatus(r->status) : TransientCurl(rc);
      if (!transient || attempt >= options.retries) return r;
      IC_LOG(Debug, "PCCS: GET {}: {}; retrying in {} ms", url,
             r ? "HTTP " + std::to_string(r->status) : r.error().message(), delay_ms);
      ++stats.retries;
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      if (options.retry_delay_ms < 0) delay_ms = std::min(delay_ms * 2, 60000L);
    }
  }

  // The document at url, from the cache or the server. A 404 is NotFound.
  Result<Entry> Document(const std::string& url, Doc doc, int64_t now, const char* chain_header = nullptr,
                         const char* chain_header_v3 = nullptr) {
    if (auto it = memory.find(url); it != memory.end() && Fresh(it->second, now)) {
      ++stats.memory_hits;
      return it->second;
    }
    if (!options.cache_dir.empty()) {
      if (auto e = ReadDisk(url); e && Fresh(*e, now)) {
        ++stats.disk_hits;
        memory[url] = *e;
        return *e;
      }
    }
    IC_ASSIGN_OR_RETURN(Response r, GetWithRetries(url, chain_header, chain_header_v3));
    if (r.status != 200) {
      std::string msg = std::string(DocName(doc)) + ": GET " + url + ": HTTP " + std::to_string(r.status);
      if (!r.body.empty()) msg += ": " + Printable(r.body, 200);
      return Error(r.status == 404 ? ErrorCode::kNotFound : ErrorCode::kUnavailable, msg);
    }
    Entry e;
    e.body = std::move(r.body);
    if (chain_header != nullptr) {
      if (r.issuer_chain.empty()) {
        return InvalidArgument(std::string(DocName(doc)) + ": GET " + url + ": no " + chain_header + " header");
      }
      IC_ASSIGN_OR_RETURN(e.issuer_chain, PercentDecode(r.issuer_chain).Wrap(std::string(DocName(doc)) +
                                                                             ": " + chain_header + " header"));
    }
    e.fetched_at = NowUnix();
    e.next_update = NextUpdate(doc, e.body);
    if (e.next_update != 0) {
      memory[url] = e;
      if (!options.cache_dir.empty()) WriteDisk(url, e);
    }
    return e;
  }
};

Result<PccsClient> PccsClient::Create(const PccsOptions& options) {
  if (options.url.rfind("https://", 0) != 0 && options.url.rfind("http://", 0) != 0) {
    return InvalidArgument("PCCS URL \"" + options.url + "\": must start with https:// or http://");
  }
  if (options.api_version != 3 && options.api_version != 4) {
    return InvalidArgument("PCCS API version " + std::to_string(options.api_version) + ": must be 3 or 4");
  }
  if (!options.update.empty() && options.update != "early" && options.update != "standard") {
    return InvalidArgument("PCCS update \"" + options.update + "\": must be early or standard");
  }
  if (!options.update.empty() && options.api_version < 4) {
    return InvalidArgument("PCCS update parameter needs API version 4");
  }
  if (options.max_cache_age < 0) return InvalidArgument("PCCS max cache age must not be negative");
  if (options.retries < 0) return InvalidArgument("PCCS retries must not be negative");
  if (!options.ca_file.empty() && !fs::Exists(options.ca_file)) {
    return InvalidArgument("PCCS CA file " + options.ca_file + ": does not exist");
  }
  if (!options.cache_dir.empty()) IC_TRY(fs::MkdirAll(options.cache_dir, 0700).Wrap("PCCS cache directory"));
  GlobalInit();
  PccsClient c;
  c.state_ = std::make_unique<State>();
  c.state_->options = options;
  return c;
}

Result<Collateral> PccsClient::Fetch(const CollateralQuery& query) { return Fetch(query, NowUnix()); }

Result<Collateral> PccsClient::Fetch(const CollateralQuery& query, int64_t now) {
  if (query.ca != "platform" && query.ca != "processor") {
    return InvalidArgument("PCK CA \"" + query.ca + "\": must be platform or processor");
  }
  State& s = *state_;
  std::lock_guard lock(s.mu);
  const bool v4 = s.options.api_version >= 4;
  const std::string update = s.options.update.empty() ? "" : "update=" + s.options.update;
  const std::string tee_prefix = s.Prefix(query.tee);
  const std::string sgx_prefix = s.Prefix(PcsTee::kSgx);
  std::string fmspc = sgx::HexEncode(query.fmspc);
  for (char& ch : fmspc) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));

  Collateral c;
  std::string tcb_url = tee_prefix + "/tcb?fmspc=" + fmspc + (update.empty() ? "" : "&" + update);
  IC_ASSIGN_OR_RETURN(Entry tcb, s.Document(tcb_url, Doc::kTcbInfo, now,
                                            v4 ? "TCB-Info-Issuer-Chain" : "SGX-TCB-Info-Issuer-Chain",
                                            v4 ? "SGX-TCB-Info-Issuer-Chain" : nullptr));
  IC_ASSIGN_OR_RETURN(c.tcb_info, ParseSignedDocument(tcb.body, "tcbInfo").Wrap("TCB Info from " + tcb_url));
  c.tcb_info.issuer_chain = tcb.issuer_chain;

  std::string qe_url = tee_prefix + "/qe/identity" + (update.empty() ? "" : "?" + update);
  IC_ASSIGN_OR_RETURN(Entry qe, s.Document(qe_url, Doc::kQeIdentity, now, "SGX-Enclave-Identity-Issuer-Chain"));
  IC_ASSIGN_OR_RETURN(c.qe_identity,
                      ParseSignedDocument(qe.body, "enclaveIdentity").Wrap("QE Identity from " + qe_url));
  c.qe_identity.issuer_chain = qe.issuer_chain;

  std::string crl_url = sgx_prefix + "/pckcrl?ca=" + query.ca + "&encoding=der";
  IC_ASSIGN_OR_RETURN(Entry crl, s.Document(crl_url, Doc::kPckCrl, now));
  IC_ASSIGN_OR_RETURN(c.pck_crl, UnwrapCrl(crl.body).Wrap("PCK CRL from " + crl_url));

  std::string root_url = sgx_prefix + "/rootcacrl";
  auto root = s.Document(root_url, Doc::kRootCaCrl, now);
  if (root) {
    IC_ASSIGN_OR_RETURN(c.root_ca_crl, UnwrapCrl(root->body).Wrap("Root CA CRL from " + root_url));
  } else if (root.error().code() != ErrorCode::kNotFound) {
    return root.error();
  } else {
    IC_LOG(Debug, "PCCS: {} has no rootcacrl endpoint (Intel PCS); the Root CA CRL stays unset", s.options.url);
  }
  return c;
}

PccsClient::Stats PccsClient::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

PccsClient::PccsClient(PccsClient&&) noexcept = default;
PccsClient& PccsClient::operator=(PccsClient&&) noexcept = default;
PccsClient::~PccsClient() = default;

}  // namespace inclavare::attest
