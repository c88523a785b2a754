#include "tools/pccs-sim/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/fs.h"
#include "common/log.h"
#include "enclave/sgx/hex.h"
#include "enclave/sim/state.h"
#include "enclave/sim/state_files.h"

namespace inclavare::sgx::pccs_sim {

struct Collateral {
  std::string fmspc_hex;             // lowercase, from platform.json
  std::string tcb_info;              // collateral/tcb_info.json
  std::string qe_identity;           // collateral/qe_identity.json
  std::string tcb_chain_header;      // encoded collateral/tcb_signing_chain.pem
  std::string pck_crl_pem;           // collateral/pck_platform_ca.crl.pem
  std::string pck_crl_der;           // collateral/pck_platform_ca.crl.der
  std::string pck_crl_chain_header;  // encoded pck_platform_ca.pem || root_ca.pem
  std::string root_crl_hex;          // hex of collateral/root_ca.crl.der
};

namespace {

// Bodies larger than this are not read: the connection is dropped (no route
// takes a body; this only bounds what a bad client can make us read).
constexpr size_t kMaxDiscardedBody = 64 * 1024;

constexpr char kTdxPrefix[] = "/tdx/certification";
constexpr std::string_view kSgxPrefixes[] = {"/sgx/certification/v3/", "/sgx/certification/v4/"};

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
  }
  return out;
}

// ---------------------------------------------------------------------------
// Loading

Result<std::string> ReadStateFile(const std::string& dir, const std::string& name) {
  return fs::ReadFile(fs::Join(dir, name)).Wrap("sim state file " + name);
}

// The fmspc the TCB Info is for, so a state whose files disagree is refused
// at start rather than served.
Result<std::string> TcbInfoFmspc(const std::string& tcb_info) {
  try {
    auto j = nlohmann::json::parse(tcb_info);
    return j.at("tcbInfo").at("fmspc").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("collateral/tcb_info.json: ") + e.what());
  }
}

Result<std::unique_ptr<Collateral>> LoadCollateral(const std::string& dir) {
  IC_TRY(sim::internal::CheckStateVersion(dir));
  auto c = std::make_unique<Collateral>();
  IC_ASSIGN_OR_RETURN(std::string platform_json, ReadStateFile(dir, "platform.json"));
  IC_ASSIGN_OR_RETURN(sim::PlatformInfo info, sim::internal::InfoFromJson(platform_json));
  c->fmspc_hex = HexEncode(info.fmspc);
  IC_ASSIGN_OR_RETURN(c->tcb_info, ReadStateFile(dir, "collateral/tcb_info.json"));
  IC_ASSIGN_OR_RETURN(std::string tcb_fmspc, TcbInfoFmspc(c->tcb_info));
  if (AsciiLower(tcb_fmspc) != c->fmspc_hex) {
    return FailedPrecondition("collateral/tcb_info.json is for FMSPC " + tcb_fmspc + " but platform.json says " +
                              c->fmspc_hex + " (re-run `sgx-tools sim init --force`)");
  }
  IC_ASSIGN_OR_RETURN(c->qe_identity, ReadStateFile(dir, "collateral/qe_identity.json"));
  IC_ASSIGN_OR_RETURN(std::string tcb_chain, ReadStateFile(dir, "collateral/tcb_signing_chain.pem"));
  c->tcb_chain_header = UriComponentEncode(tcb_chain);
  IC_ASSIGN_OR_RETURN(c->pck_crl_pem, ReadStateFile(dir, "collateral/pck_platform_ca.crl.pem"));
  IC_ASSIGN_OR_RETURN(c->pck_crl_der, ReadStateFile(dir, "collateral/pck_platform_ca.crl.der"));
  IC_ASSIGN_OR_RETURN(std::string pck_ca, ReadStateFile(dir, "pck_platform_ca.pem"));
  IC_ASSIGN_OR_RETURN(std::string root_ca, ReadStateFile(dir, "root_ca.pem"));
  c->pck_crl_chain_header = UriComponentEncode(pck_ca + root_ca);
  IC_ASSIGN_OR_RETURN(std::string root_crl, ReadStateFile(dir, "collateral/root_ca.crl.der"));
  c->root_crl_hex = HexEncode(std::span(reinterpret_cast<const uint8_t*>(root_crl.data()), root_crl.size()));
  return c;
}

// Checks the TLS files before libmicrohttpd sees them: its own failure
// ("failed to setup TLS") names neither file nor problem.
Result<> CheckTlsFiles(const PccsSimOptions& o, const std::string& cert_pem, const std::string& key_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new_mem_buf(cert_pem.data(), int(cert_pem.size())),
                                                     BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr),
                                                   X509_free);
  if (!cert) return InvalidArgument("TLS certificate " + o.tls_cert_file + ": no PEM certificate in it");
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new_mem_buf(key_pem.data(), int(key_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) return InvalidArgument("TLS key " + o.tls_key_file + ": no unencrypted PEM private key in it");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return InvalidArgument("TLS key " + o.tls_key_file + " does not match the certificate in " + o.tls_cert_file);
  }
  return {};
}

// ---------------------------------------------------------------------------
// Routing: a pure function of the request, so the HTTP glue below stays thin.

struct Reply {
  unsigned status = MHD_HTTP_OK;
  const std::string* body = nullptr;  // persistent (owned by Collateral), or
  std::string text;                   // a short plain-text reason
  const char* content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<const char*, const std::string*>> headers;
};

Reply Text(unsigned status, std::string text) {
  Reply r;
  r.status = status;
  r.text = std::move(text) + "\n";
  return r;
}

Reply Persistent(const std::string& body, const char* content_type) {
  Reply r;
  r.body = &body;
  r.content_type = content_type;
  return r;
}

using Args = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Finds a known parameter. nullopt when absent; an error reply when given
// twice (a client that sends both ?ca=platform&ca=processor has a bug).
struct Param {
  bool present = false;
  std::string value;  // empty for "?name" without '='
};
std::optional<Reply> GetParam(const Args& args, std::string_view name, Param* out) {
  *out = Param{};
  for (const auto& [key, value] : args) {
    if (key != name) continue;
    if (out->present) return Text(MHD_HTTP_BAD_REQUEST, "query parameter '" + std::string(name) + "' given twice");
    out->present = true;
    out->value = value.value_or("");
  }
  return std::nullopt;
}

bool IsHex(std::string_view s) {
  for (char ch : s) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))) return false;
  }
  return true;
}

std::optional<Reply> CheckUpdate(const Args& args) {
  Param update;
  if (auto bad = GetParam(args, "update", &update)) return bad;
  if (update.present && update.value != "early" && update.value != "standard") {
    return Text(MHD_HTTP_BAD_REQUEST, "query parameter 'update' must be 'early' or 'standard'");
  }
  return std::nullopt;
}

Reply Tcb(const Collateral& c, int version, const Args& args) {
  Param fmspc;
  if (auto bad = GetParam(args, "fmspc", &fmspc)) return *bad;
  if (auto bad = CheckUpdate(args)) return *bad;
  if (!fmspc.present) return Text(MHD_HTTP_BAD_REQUEST, "query parameter 'fmspc' is required");
  if (fmspc.value.size() != 12 || !IsHex(fmspc.value)) {
    return Text(MHD_HTTP_BAD_REQUEST, "query parameter 'fmspc' must be 12 hex digits");
  }
  if (AsciiLower(fmspc.value) != c.fmspc_hex) {
    return Text(MHD_HTTP_NOT_FOUND, "no TCB Info for FMSPC " + fmspc.value + ": the SIMULATED platform's FMSPC is " +
                                        c.fmspc_hex);
  }
  Reply r = Persistent(c.tcb_info, "application/json");
  r.headers.emplace_back(version == 4 ? "TCB-Info-Issuer-Chain" : "SGX-TCB-Info-Issuer-Chain", &c.tcb_chain_header);
  return r;
}

Reply QeIdentity(const Collateral& c, const Args& args) {
  if (auto bad = CheckUpdate(args)) return *bad;
  Reply r = Persistent(c.qe_identity, "application/json");
  r.headers.emplace_back("SGX-Enclave-Identity-Issuer-Chain", &c.tcb_chain_header);
  return r;
}

Reply PckCrl(const Collateral& c, const Args& args) {
  Param ca, encoding;
  if (auto bad = GetParam(args, "ca", &ca)) return *bad;
  if (auto bad = GetParam(args, "encoding", &encoding)) return *bad;
  if (!ca.present) return Text(MHD_HTTP_BAD_REQUEST, "query parameter 'ca' is required (platform or processor)");
  const std::string ca_name = AsciiLower(ca.value);
  if (ca_name != "platform" && ca_name != "processor") {
    return Text(MHD_HTTP_BAD_REQUEST, "query parameter 'ca' must be 'platform' or 'processor'");
  }
  const std::string enc = AsciiLower(encoding.value);
  if (encoding.present && enc != "pem" && enc != "der") {
    return Text(MHD_HTTP_BAD_REQUEST, "query parameter 'encoding' must be 'pem' or 'der'");
  }
  if (ca_name == "processor") {
    return Text(MHD_HTTP_NOT_FOUND, "the SIMULATED platform has no PCK Processor CA, only a Platform CA (ca=platform)");
  }
  Reply r = enc == "der" ? Persistent(c.pck_crl_der, "application/pkix-crl")
                         : Persistent(c.pck_crl_pem, "application/x-pem-file");
  r.headers.emplace_back("SGX-PCK-CRL-Issuer-Chain", &c.pck_crl_chain_header);
  return r;
}

// "/a/b/" and "/a/b" name the same resource (PCCS's router is not strict).
std::string_view TrimSlash(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

Reply Route(const Collateral& c, std::string_view method, std::string_view url, const Args& args) {
  const std::string_view path = TrimSlash(url);
  if (path.starts_with(kTdxPrefix) &&
      (path.size() == std::strlen(kTdxPrefix) || path[std::strlen(kTdxPrefix)] == '/')) {
    return Text(MHD_HTTP_NOT_FOUND, "the SIMULATED platform has no TDX: no TDX collateral here");
  }
  int version = 0;
  std::string_view rest;
  for (std::string_view prefix : kSgxPrefixes) {
    if (path.starts_with(prefix)) {
      version = prefix[prefix.size() - 2] - '0';
      rest = path.substr(prefix.size());
    }
  }
  if (version == 0 || (rest != "tcb" && rest != "qe/identity" && rest != "pckcrl" && rest != "rootcacrl")) {
    return Text(MHD_HTTP_NOT_FOUND, "no such resource");
  }
  if (method != MHD_HTTP_METHOD_GET && method != MHD_HTTP_METHOD_HEAD) {
    static const std::string kAllow = "GET, HEAD";
    Reply r = Text(MHD_HTTP_METHOD_NOT_ALLOWED, "method " + std::string(method) + " not allowed: use GET");
    r.headers.emplace_back(MHD_HTTP_HEADER_ALLOW, &kAllow);
    return r;
  }
  if (rest == "tcb") return Tcb(c, version, args);
  if (rest == "qe/identity") return QeIdentity(c, args);
  if (rest == "pckcrl") return PckCrl(c, args);
  return Persistent(c.root_crl_hex, "text/plain");
}

// ---------------------------------------------------------------------------
// libmicrohttpd glue

// Per-request state: how much of an unexpected body was discarded.
struct RequestState {
  size_t discarded = 0;
};

// With sizes: a decoded %00 must not cut "early%00x" down to "early".
MHD_Result CollectArg(void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value,
                      size_t value_size) {
  auto* args = static_cast<Args*>(cls);
  args->emplace_back(key ? std::string(key, key_size) : std::string(),
                     value ? std::optional<std::string>(std::in_place, value, value_size) : std::nullopt);
  return MHD_YES;
}

MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                     const char*, size_t* upload_data_size, void** req_cls) {
  if (*req_cls == nullptr) {
    // First call: only the headers are in. Answer once any body is read.
    *req_cls = new RequestState;
    return MHD_YES;
  }
  auto* state = static_cast<RequestState*>(*req_cls);
  if (*upload_data_size != 0) {
    state->discarded += *upload_data_size;
    *upload_data_size = 0;
    if (state->discarded > kMaxDiscardedBody) {
      IC_LOG(Warn, "{} {}: request body over {} bytes, dropping the connection", method, url, kMaxDiscardedBody);
      return MHD_NO;
    }
    return MHD_YES;
  }
  Args args;
  MHD_get_connection_values_n(connection, MHD_GET_ARGUMENT_KIND, CollectArg, &args);
  const Collateral& collateral = *static_cast<const Collateral*>(cls);
  Reply reply = Route(collateral, method, url, args);
  IC_LOG(Debug, "{} {} -> {}", method, url, reply.status);

  MHD_Response* response =
      reply.body != nullptr
          ? MHD_create_response_from_buffer(reply.body->size(), const_cast<char*>(reply.body->data()),
                                            MHD_RESPMEM_PERSISTENT)
          : MHD_create_response_from_buffer(reply.text.size(), reply.text.data(), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_Result ok = MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type);
  for (const auto& [name, value] : reply.headers) {
    if (ok == MHD_YES) ok = MHD_add_response_header(response, name, value->c_str());
  }
  if (ok == MHD_YES) ok = MHD_queue_response(connection, reply.status, response);
  MHD_destroy_response(response);  // queued responses are reference-counted
  return ok;
}

void OnCompleted(void*, MHD_Connection*, void** req_cls, MHD_RequestTerminationCode) {
  delete static_cast<RequestState*>(*req_cls);
  *req_cls = nullptr;
}

void OnMhdLog(void*, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  std::string_view msg(buf);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
  IC_LOG(Warn, "libmicrohttpd: {}", msg);
}

}  // namespace

std::string UriComponentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char ch : text) {
    const bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                      std::string_view("-_.!~*'()").find(char(ch)) != std::string_view::npos;
    if (keep) {
      out.push_back(char(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 0xf]);
    }
  }
  return out;
}

Result<std::unique_ptr<PccsSim>> PccsSim::Start(const PccsSimOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidArgument("HTTPS needs both a TLS certificate and a TLS key (got only the " +
                           std::string(options.tls_cert_file.empty() ? "key" : "certificate") + ")");
  }
  std::unique_ptr<PccsSim> server(new PccsSim);
  server->tls_ = !options.tls_cert_file.empty();

  // The address first: a typo should not wait for file loading.
  sockaddr_storage addr{};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
  auto* in4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, options.address.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(options.port);
  } else if (inet_pton(AF_INET6, options.address.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(options.port);
    flags |= MHD_USE_IPv6;
  } else {
    return InvalidArgument("listen address '" + options.address + "' is not an IPv4 or IPv6 address");
  }

  IC_ASSIGN_OR_RETURN(std::unique_ptr<Collateral> collateral, LoadCollateral(options.dir));
  server->collateral_ = std::move(collateral);

  if (server->tls_) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      return Unimplemented("this libmicrohttpd was built without TLS support: HTTPS is not available");
    }
    IC_ASSIGN_OR_RETURN(server->tls_cert_pem_, fs::ReadFile(options.tls_cert_file).Wrap("TLS certificate"));
    IC_ASSIGN_OR_RETURN(server->tls_key_pem_, fs::ReadFile(options.tls_key_file).Wrap("TLS key"));
    IC_TRY(CheckTlsFiles(options, server->tls_cert_pem_, server->tls_key_pem_));
    flags |= MHD_USE_TLS;
  }

  const std::string where = (addr.ss_family == AF_INET6 ? "[" + options.address + "]" : options.address) + ":" +
                            std::to_string(options.port);
  MHD_OptionItem tls_options[] = {
      {MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(server->tls_cert_pem_.c_str())},
      {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(server->tls_key_pem_.c_str())},
      {MHD_OPTION_END, 0, nullptr},
  };
  MHD_OptionItem no_options[] = {{MHD_OPTION_END, 0, nullptr}};
  errno = 0;
  server->daemon_ = MHD_start_daemon(
      flags, options.port, nullptr, nullptr, OnRequest, const_cast<Collateral*>(server->collateral_.get()),
      // The logger first: messages about later options go through it too.
      MHD_OPTION_EXTERNAL_LOGGER, OnMhdLog, nullptr,
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr),
      MHD_OPTION_CONNECTION_LIMIT, kConnectionLimit,
      MHD_OPTION_CONNECTION_TIMEOUT, kConnectionTimeoutSeconds,
      MHD_OPTION_NOTIFY_COMPLETED, OnCompleted, nullptr,
      MHD_OPTION_ARRAY, server->tls_ ? tls_options : no_options,
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    const int err = errno;
    if (err != 0) return Error(ErrorCode::kUnavailable, "serve PCCS on " + where, err);
    return Error(ErrorCode::kUnavailable, "serve PCCS on " + where + ": libmicrohttpd failed to start (see log)");
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : options.port;
  IC_LOG(Info, "serving the SIMULATED platform's collateral from {} on {}://{}:{}", options.dir,
         server->tls_ ? "https" : "http",
         addr.ss_family == AF_INET6 ? "[" + options.address + "]" : options.address, server->port_);
  return server;
}

PccsSim::~PccsSim() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

}  // namespace inclavare::sgx::pccs_sim
