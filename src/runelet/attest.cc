// rune attest: a REPORT of an enclave container's enclave, targeted at the
// quoting enclave, turned into a DCAP quote by AESM (aesmd on hardware,
// aesmd-sim on the sim platform). rune execs rune-attest for this:
// the AESM protocol needs protobuf, which the static rune does not link.
#include "runelet/attest.h"

#include <cstring>

#include "common/fs.h"
#include "enclave/aesm/client.h"
#include "enclave/sgx/dump.h"
#include "enclave/sgx/hex.h"
#include "runtime/runelet_channel.h"
#include "runtime/state.h"

namespace inclavare::runelet {

Result<std::string> Attest(const AttestOptions& o) {
  if (o.quote_type != "ecdsa")
    return InvalidArgument("--quote-type " + o.quote_type + ": only ecdsa (DCAP) quotes are supported");
  UniqueFd channel;
  {
    IC_ASSIGN_OR_RETURN(runtime::StateDir dir, runtime::StateDir::Open(o.root, o.id));
    IC_ASSIGN_OR_RETURN(runtime::ContainerRecord rec, dir.Load());
    if (rec.enclave.is_null()) return FailedPrecondition("container " + o.id + " is not an enclave container");
    std::string status = runtime::DeriveStatus(rec, dir);
    if (status != oci::kStatusRunning)
      return FailedPrecondition("cannot attest a " + status + " container (it must be running)");
    IC_ASSIGN_OR_RETURN(channel, runtime::ConnectRunelet(dir.FdRelative(runtime::kRuneletSocket)));
  }
  sgx::aesm::Client aesm(o.aesm_socket);
  IC_ASSIGN_OR_RETURN(sgx::aesm::QeTarget qe, aesm.InitQuoteEx().Wrap("AESM at " + o.aesm_socket));
  const auto* ti = reinterpret_cast<const uint8_t*>(&qe.target_info);
  IC_TRY(runtime::SendRuneletMessage(channel.Get(),
                                     {{"op", "report"}, {"targetinfo", sgx::HexEncode({ti, sizeof qe.target_info})}}));
  IC_ASSIGN_OR_RETURN(runtime::RuneletMessage reply, runtime::RecvRuneletMessage(channel.Get()));
  if (reply.body["op"] == "error") return runtime::RuneletError(reply.body);
  IC_ASSIGN_OR_RETURN(std::vector<uint8_t> report_bytes,
                      sgx::HexDecode(reply.body.value("report", std::string())));
  if (report_bytes.size() != sizeof(sgx::Report)) return Internal("the enclave runtime returned a malformed REPORT");
  sgx::Report report;
  memcpy(&report, report_bytes.data(), sizeof report);
  if (!o.report_file.empty()) {
    IC_TRY(fs::WriteFileAtomic(o.report_file, std::string(report_bytes.begin(), report_bytes.end()), 0644)
               .Wrap("write report file"));
  }
  IC_ASSIGN_OR_RETURN(std::vector<uint8_t> quote, aesm.GetQuote(report).Wrap("AESM at " + o.aesm_socket));
  if (!o.quote_file.empty()) {
    IC_TRY(fs::WriteFileAtomic(o.quote_file, std::string(quote.begin(), quote.end()), 0644).Wrap("write quote file"));
  }
  nlohmann::json out = {{"id", o.id},
                        {"quote_type", o.quote_type},
                        {"quote_size", quote.size()},
                        {"report", nlohmann::json::parse(sgx::ReportBodyToJson(report.body))}};
  if (!o.report_file.empty()) out["report_file"] = o.report_file;
  if (!o.quote_file.empty()) out["quote_file"] = o.quote_file;
  return out.dump(2) + "\n";
}

}  // namespace inclavare::runelet
