#include "tools/sgx-tools/platform_commands.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "enclave/aesm/client.h"
#include "enclave/sgx/dump.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/sigstruct.h"
#include "enclave/sim/sample.h"
#include "enclave/sim/state.h"

namespace inclavare::sgx::tools {

namespace {

template <class T>
std::string_view Text(const T& v) {
  return {reinterpret_cast<const char*>(&v), sizeof v};
}

template <class T>
Result<T> ReadStruct(const std::string& path, const char* what) {
  IC_ASSIGN_OR_RETURN(std::string data, fs::ReadFile(path));
  if (data.size() != sizeof(T)) {
    return InvalidArgument(path + ": a " + what + " is " + std::to_string(sizeof(T)) + " bytes, the file has " +
                           std::to_string(data.size()));
  }
  T v{};
  std::memcpy(&v, data.data(), sizeof v);
  return v;
}

}  // namespace

Result<> CheckQuoteType(const std::string& quote_type) {
  if (quote_type.empty() || quote_type == "ecdsa") return {};
  if (quote_type == "epidUnlinkable" || quote_type == "epidLinkable") {
    return Unimplemented("--quote-type " + quote_type + ": EPID quotes are not supported; use ecdsa (DCAP)");
  }
  return InvalidArgument("--quote-type: unknown quote type '" + quote_type + "' (supported: ecdsa)");
}

Result<std::string> SimInit(const std::string& dir, bool force) {
  sim::InitOptions o;
  o.force = force;
  IC_TRY(sim::State::Init(dir, o));
  return "SIMULATED SGX platform created in " + dir + "\nsim root CA (trust anchor for sim quotes only): " +
         fs::Join(dir, "root_ca.pem");
}

Result<std::string> SimReport(const std::string& dir, const std::string& targetinfo_path,
                              const std::string& report_data_hex, const std::string& key_path,
                              const std::string& out_path) {
  IC_ASSIGN_OR_RETURN(std::shared_ptr<const sim::State> state, sim::State::Load(dir));
  IC_ASSIGN_OR_RETURN(TargetInfo target, ReadStruct<TargetInfo>(targetinfo_path, "TARGETINFO"));
  ReportData data{};
  if (!report_data_hex.empty()) {
    IC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, HexDecode(report_data_hex).Wrap("--report-data"));
    if (bytes.size() > data.size()) return InvalidArgument("--report-data: more than 64 bytes");
    std::memcpy(data.data(), bytes.data(), bytes.size());
  }
  std::optional<RsaKey> key;
  if (key_path.empty()) {
    IC_ASSIGN_OR_RETURN(key, RsaKey::Generate());
  } else {
    IC_ASSIGN_OR_RETURN(std::string pem, fs::ReadFile(key_path));
    IC_ASSIGN_OR_RETURN(key, RsaKey::FromPrivatePem(pem).Wrap(key_path));
  }
  IC_ASSIGN_OR_RETURN(sim::Enclave app, sim::BuildSampleEnclave(state->keys(), *key, {}));
  IC_ASSIGN_OR_RETURN(Report report, app.CreateReport(target, data));
  IC_TRY(fs::WriteFileAtomic(out_path, Text(report), 0644));
  return "SIMULATED REPORT of mrenclave " + HexEncode(report.body.mr_enclave) + " written to " + out_path;
}

Result<std::string> GenQeTargetInfo(const std::string& socket, const std::string& quote_type,
                                    const std::string& out_path) {
  IC_TRY(CheckQuoteType(quote_type));
  aesm::Client client(socket);
  IC_ASSIGN_OR_RETURN(aesm::QeTarget qe, client.InitQuoteEx());
  IC_TRY(fs::WriteFileAtomic(out_path, Text(qe.target_info), 0644));
  return "QE target info (mrenclave " + HexEncode(qe.target_info.mr_enclave) + ") written to " + out_path;
}

Result<std::string> GenQuote(const std::string& socket, const std::string& report_path,
                             const std::string& quote_type, const std::string& out_path) {
  IC_TRY(CheckQuoteType(quote_type));
  IC_ASSIGN_OR_RETURN(Report report, ReadStruct<Report>(report_path, "REPORT"));
  aesm::Client client(socket);
  IC_ASSIGN_OR_RETURN(std::vector<uint8_t> quote, client.GetQuote(report));
  IC_TRY(fs::WriteFileAtomic(out_path, std::string_view(reinterpret_cast<const char*>(quote.data()), quote.size()),
                             0644));
  return "quote (" + std::to_string(quote.size()) + " bytes) written to " + out_path;
}

Result<std::string> GenToken(const std::string& socket, const std::string& sigstruct_path,
                             const std::string& out_path) {
  IC_ASSIGN_OR_RETURN(std::string data, fs::ReadFile(sigstruct_path));
  IC_ASSIGN_OR_RETURN(SigStruct ss,
                      SigStructFromBytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()),
                                                                  data.size()))
                          .Wrap(sigstruct_path));
  IC_ASSIGN_OR_RETURN(Measurement256 mrsigner, SigStructMrSigner(ss));
  aesm::Client client(socket);
  IC_ASSIGN_OR_RETURN(EinitToken token, client.GetLaunchToken(ss.body.enclave_hash, mrsigner, ss.body.attributes));
  IC_TRY(fs::WriteFileAtomic(out_path, Text(token), 0644));
  return "launch token written to " + out_path;
}

Result<std::string> DumpReportFile(const std::string& path) {
  IC_ASSIGN_OR_RETURN(Report report, ReadStruct<Report>(path, "REPORT"));
  nlohmann::ordered_json j;
  j["body"] = nlohmann::ordered_json::parse(ReportBodyToJson(report.body));
  j["key_id"] = HexEncode(report.key_id);
  j["mac"] = HexEncode(report.mac);
  return j.dump(2);
}

Result<std::string> DumpTargetInfoFile(const std::string& path) {
  IC_ASSIGN_OR_RETURN(TargetInfo ti, ReadStruct<TargetInfo>(path, "TARGETINFO"));
  nlohmann::ordered_json j;
  j["mr_enclave"] = HexEncode(ti.mr_enclave);
  // The same attribute rendering as REPORT dumps (flags, xfrm, flag names).
  ReportBody as_body{};
  as_body.attributes = ti.attributes;
  j["attributes"] = nlohmann::ordered_json::parse(ReportBodyToJson(as_body))["attributes"];
  j["config_svn"] = static_cast<uint16_t>(ti.config_svn);
  j["misc_select"] = static_cast<uint32_t>(ti.misc_select);
  j["config_id"] = HexEncode(ti.config_id);
  return j.dump(2);
}

}  // namespace inclavare::sgx::tools
