#include "enclave/aesm/client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "aesm.pb.h"
#include "common/unique_fd.h"

namespace inclavare::sgx::aesm {

namespace {

using ::aesm::message::Request;
using ::aesm::message::Response;

template <class T>
std::string AsString(const T& v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
Result<T> FromString(const std::string& s, const char* what) {
  if (s.size() != sizeof(T)) {
    return InvalidArgument(std::string("AESM: ") + what + " is " + std::to_string(s.size()) + " bytes, expected " +
                           std::to_string(sizeof(T)));
  }
  T v{};
  std::memcpy(&v, s.data(), sizeof v);
  return v;
}

Result<> CheckCode(bool present, uint32_t code, const char* what) {
  if (!present) return Internal(std::string("AESM: response carries no ") + what);
  if (code != 0) {
    Error e(code == static_cast<uint32_t>(AesmError::kParameter) ? ErrorCode::kInvalidArgument : ErrorCode::kInternal,
            std::string("AESM ") + what + ": " + AesmErrorName(code));
    return e;
  }
  return {};
}

Result<Response> Call(const Client& c, const Request& req) {
  IC_ASSIGN_OR_RETURN(std::string bytes, c.Transact(req.SerializeAsString()));
  Response res;
  if (!res.ParseFromString(bytes)) return InvalidArgument("AESM: malformed response");
  return res;
}

}  // namespace

Result<std::string> Client::Transact(const std::string& request) const {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoError("AESM: socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path) return InvalidArgument("AESM socket path too long: " + socket_path_);
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  (void)::setsockopt(fd.Get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::setsockopt(fd.Get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.Get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    Error e = ErrnoError("connect to AESM at " + socket_path_ + " (is aesmd or aesmd-sim running?)");
    return Error(ErrorCode::kUnavailable, e.message(), e.sys_errno());
  }
  IC_TRY(SendFrame(fd.Get(), request).Wrap("AESM send"));
  auto reply = RecvFrame(fd.Get(), kMaxFrame);
  if (!reply) return std::move(reply).Wrap("AESM receive");
  return reply;
}

Result<QeTarget> Client::InitQuoteEx(const std::optional<AttKeyId>& att_key_id, bool want_pub_key_id) const {
  Request req;
  auto* m = req.mutable_initquoteexreq();
  if (att_key_id) m->set_att_key_id(AsString(*att_key_id));
  m->set_b_pub_key_id(want_pub_key_id);
  if (want_pub_key_id) m->set_buf_size(32);
  m->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response res, Call(*this, req));
  const auto& r = res.initquoteexres();
  IC_TRY(CheckCode(res.has_initquoteexres(), r.errorcode(), "InitQuoteEx"));
  QeTarget out;
  IC_ASSIGN_OR_RETURN(out.target_info, FromString<TargetInfo>(r.target_info(), "target_info"));
  out.pub_key_id.assign(r.pub_key_id().begin(), r.pub_key_id().end());
  return out;
}

Result<uint32_t> Client::GetQuoteSizeEx(const std::optional<AttKeyId>& att_key_id) const {
  Request req;
  auto* m = req.mutable_getquotesizeexreq();
  if (att_key_id) m->set_att_key_id(AsString(*att_key_id));
  m->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response res, Call(*this, req));
  IC_TRY(CheckCode(res.has_getquotesizeexres(), res.getquotesizeexres().errorcode(), "GetQuoteSizeEx"));
  return res.getquotesizeexres().quote_size();
}

Result<QuoteWithQeReport> Client::GetQuoteExWithQeReport(const Report& report, uint32_t buf_size,
                                                         const QeReportInfo& info,
                                                         const std::optional<AttKeyId>& att_key_id) const {
  Request req;
  auto* m = req.mutable_getquoteexreq();
  m->set_report(AsString(report));
  if (att_key_id) m->set_att_key_id(AsString(*att_key_id));
  m->set_qe_report_info(AsString(info));
  m->set_buf_size(buf_size);
  m->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response res, Call(*this, req));
  const auto& r = res.getquoteexres();
  IC_TRY(CheckCode(res.has_getquoteexres(), r.errorcode(), "GetQuoteEx"));
  QuoteWithQeReport out;
  out.quote.assign(r.quote().begin(), r.quote().end());
  IC_ASSIGN_OR_RETURN(out.qe_report_info, FromString<QeReportInfo>(r.qe_report_info(), "qe_report_info"));
  return out;
}

Result<std::vector<uint8_t>> Client::GetQuoteEx(const Report& report, uint32_t buf_size,
                                                const std::optional<AttKeyId>& att_key_id) const {
  Request req;
  auto* m = req.mutable_getquoteexreq();
  m->set_report(AsString(report));
  if (att_key_id) m->set_att_key_id(AsString(*att_key_id));
  m->set_buf_size(buf_size);
  m->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response res, Call(*this, req));
  const auto& r = res.getquoteexres();
  IC_TRY(CheckCode(res.has_getquoteexres(), r.errorcode(), "GetQuoteEx"));
  // Intel's aesmd returns the whole buffer; the quote's own lengths say how
  // much of it is quote (ParseQuote ignores the rest).
  return std::vector<uint8_t>(r.quote().begin(), r.quote().end());
}

Result<std::vector<AttKeyId>> Client::GetSupportedAttKeyIds() const {
  Request num_req;
  num_req.mutable_getsupportedattkeyidnumreq()->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response num_res, Call(*this, num_req));
  IC_TRY(CheckCode(num_res.has_getsupportedattkeyidnumres(), num_res.getsupportedattkeyidnumres().errorcode(),
                   "GetSupportedAttKeyIDNum"));
  const uint32_t n = num_res.getsupportedattkeyidnumres().att_key_id_num();
  if (n > 64) return InvalidArgument("AESM: implausible number of attestation key ids: " + std::to_string(n));
  Request req;
  auto* m = req.mutable_getsupportedattkeyidsreq();
  m->set_buf_size(n * static_cast<uint32_t>(sizeof(AttKeyId)));
  m->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response res, Call(*this, req));
  const auto& r = res.getsupportedattkeyidsres();
  IC_TRY(CheckCode(res.has_getsupportedattkeyidsres(), r.errorcode(), "GetSupportedAttKeyIDs"));
  if (r.att_key_ids().size() % sizeof(AttKeyId) != 0) return InvalidArgument("AESM: att_key_ids not a multiple of 256");
  std::vector<AttKeyId> ids(r.att_key_ids().size() / sizeof(AttKeyId));
  std::memcpy(ids.data(), r.att_key_ids().data(), r.att_key_ids().size());
  return ids;
}

Result<AttKeyId> Client::SelectAttKeyId(std::span<const AttKeyId> acceptable) const {
  Request req;
  auto* m = req.mutable_selectattkeyidreq();
  if (!acceptable.empty()) {
    AttKeyIdListHeader header{};
    header.num_att_ids = static_cast<uint32_t>(acceptable.size());
    std::string list = AsString(header);
    list.append(reinterpret_cast<const char*>(acceptable.data()), acceptable.size_bytes());
    m->set_att_key_id_list(std::move(list));
  }
  m->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response res, Call(*this, req));
  const auto& r = res.selectattkeyidres();
  IC_TRY(CheckCode(res.has_selectattkeyidres(), r.errorcode(), "SelectAttKeyID"));
  return FromString<AttKeyId>(r.selected_att_key_id(), "selected_att_key_id");
}

Result<TargetInfo> Client::InitQuote() const {
  Request req;
  req.mutable_initquotereq()->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response res, Call(*this, req));
  IC_TRY(CheckCode(res.has_initquoteres(), res.initquoteres().errorcode(), "InitQuote"));
  return FromString<TargetInfo>(res.initquoteres().targetinfo(), "targetInfo");
}

Result<EinitToken> Client::GetLaunchToken(const Measurement256& mr_enclave, const Measurement256& mr_signer,
                                          const Attributes& attributes) const {
  Request req;
  auto* m = req.mutable_getlictokenreq();
  m->set_mr_enclave(AsString(mr_enclave));
  m->set_mr_signer(AsString(mr_signer));
  m->set_se_attributes(AsString(attributes));
  m->set_timeout(static_cast<uint32_t>(timeout_.count()));
  IC_ASSIGN_OR_RETURN(Response res, Call(*this, req));
  IC_TRY(CheckCode(res.has_getlictokenres(), res.getlictokenres().errorcode(), "GetLaunchToken"));
  return FromString<EinitToken>(res.getlictokenres().token(), "token");
}

Result<std::vector<uint8_t>> Client::GetQuote(const Report& report, const std::optional<AttKeyId>& att_key_id) const {
  IC_ASSIGN_OR_RETURN(uint32_t size, GetQuoteSizeEx(att_key_id));
  return GetQuoteEx(report, size, att_key_id);
}

}  // namespace inclavare::sgx::aesm
