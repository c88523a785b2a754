#include "tools/aesmd-sim/service.h"

#include <cstring>

#include "aesm.pb.h"
#include "common/log.h"
#include "enclave/sgx/crypto.h"
#include "enclave/sim/ossl.h"

namespace inclavare::sgx::aesmd_sim {

namespace {

using aesm::AesmError;
using aesm::AttKeyId;
using aesm::QeReportInfo;
using ::aesm::message::Request;
using ::aesm::message::Response;

constexpr uint32_t kOk = static_cast<uint32_t>(AesmError::kSuccess);
constexpr uint32_t kParam = static_cast<uint32_t>(AesmError::kParameter);
constexpr uint32_t kUnexpected = static_cast<uint32_t>(AesmError::kUnexpected);

template <class T>
std::string AsString(const T& v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

// An absent or empty att_key_id means the default; otherwise it must be ours.
bool KeyIdOk(bool has, const std::string& bytes, const AttKeyId& ours) {
  if (!has || bytes.empty()) return true;
  if (bytes.size() != sizeof(AttKeyId)) return false;
  AttKeyId id{};
  std::memcpy(&id, bytes.data(), sizeof id);
  return id.algorithm_id == aesm::kAlgEcdsaP256 && id.mrsigner_length == ours.mrsigner_length &&
         id.mrsigner == ours.mrsigner && id.prod_id == ours.prod_id;
}

// SelectAttKeyID: an absent or empty list accepts anything; otherwise it must
// be a well-formed sgx_ql_att_key_id_list_t naming our id.
bool SelectOk(bool has, const std::string& list, const AttKeyId& ours) {
  if (!has || list.empty()) return true;
  aesm::AttKeyIdListHeader header{};
  if (list.size() < sizeof header) return false;
  std::memcpy(&header, list.data(), sizeof header);
  const size_t body = list.size() - sizeof header;
  if (header.num_att_ids == 0 || body % sizeof(AttKeyId) != 0 || body / sizeof(AttKeyId) != header.num_att_ids) {
    return false;
  }
  for (size_t off = sizeof header; off < list.size(); off += sizeof(AttKeyId)) {
    if (KeyIdOk(true, list.substr(off, sizeof(AttKeyId)), ours)) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<Service>> Service::Create(std::shared_ptr<const sim::State> state) {
  IC_ASSIGN_OR_RETURN(sim::QuotingEnclave qe, sim::QuotingEnclave::Create(state));
  std::unique_ptr<Service> s(new Service(std::move(qe)));
  const sim::EnclaveIdentity& id = s->qe_.enclave().identity();
  s->att_key_id_.mrsigner_length = 32;
  std::memcpy(s->att_key_id_.mrsigner.data(), id.mr_signer.data(), id.mr_signer.size());
  s->att_key_id_.prod_id = id.isv_prod_id;
  s->att_key_id_.algorithm_id = aesm::kAlgEcdsaP256;
  return s;
}

std::string Service::Handle(const std::string& request_bytes) const {
  Request req;
  Response res;
  if (!req.ParseFromString(request_bytes)) {
    IC_LOG(Warn, "aesmd-sim: unparsable request of {} bytes", request_bytes.size());
    res.mutable_unsupportedrequestresponse()->set_errorcode(kParam);
    return res.SerializeAsString();
  }

  if (req.has_initquoteexreq()) {
    const auto& m = req.initquoteexreq();
    auto* r = res.mutable_initquoteexres();
    if (!KeyIdOk(m.has_att_key_id(), m.att_key_id(), att_key_id_)) {
      r->set_errorcode(kParam);
    } else if (auto ti = qe_.GetTargetInfo(); !ti) {
      r->set_errorcode(kUnexpected);
    } else {
      r->set_errorcode(kOk);
      r->set_target_info(AsString(*ti));
      r->set_pub_key_id_size(32);
      if (m.b_pub_key_id()) {
        auto id = qe_.PubKeyId();
        if (!id || m.buf_size() < 32) {
          r->set_errorcode(id ? kParam : kUnexpected);
        } else {
          r->set_pub_key_id(AsString(*id));
        }
      }
    }
  } else if (req.has_getquotesizeexreq()) {
    const auto& m = req.getquotesizeexreq();
    auto* r = res.mutable_getquotesizeexres();
    if (!KeyIdOk(m.has_att_key_id(), m.att_key_id(), att_key_id_)) {
      r->set_errorcode(kParam);
    } else {
      r->set_errorcode(kOk);
      r->set_quote_size(static_cast<uint32_t>(qe_.QuoteSize()));
    }
  } else if (req.has_getquoteexreq()) {
    const auto& m = req.getquoteexreq();
    auto* r = res.mutable_getquoteexres();
    r->set_errorcode(kParam);
    if (!KeyIdOk(m.has_att_key_id(), m.att_key_id(), att_key_id_) || m.report().size() != sizeof(Report) ||
        m.buf_size() < qe_.QuoteSize() ||
        (m.has_qe_report_info() && m.qe_report_info().size() != sizeof(QeReportInfo))) {
      return res.SerializeAsString();
    }
    Report report{};
    std::memcpy(&report, m.report().data(), sizeof report);
    auto quote = qe_.GetQuote(report);
    if (!quote) {
      IC_LOG(Warn, "aesmd-sim: GetQuoteEx refused: {}", quote.error().ToString());
      if (quote.error().code() != ErrorCode::kPermissionDenied) r->set_errorcode(kUnexpected);
      return res.SerializeAsString();
    }
    if (m.has_qe_report_info()) {
      QeReportInfo info{};
      std::memcpy(&info, m.qe_report_info().data(), sizeof info);
      auto qe_report = qe_.ReportForApp(info.app_enclave_target_info, info.nonce, *quote);
      if (!qe_report) {
        r->set_errorcode(kUnexpected);
        return res.SerializeAsString();
      }
      info.qe_report = *qe_report;
      r->set_qe_report_info(AsString(info));
    }
    r->set_errorcode(kOk);
    r->set_quote(std::string(reinterpret_cast<const char*>(quote->data()), quote->size()));
  } else if (req.has_selectattkeyidreq()) {
    const auto& m = req.selectattkeyidreq();
    auto* r = res.mutable_selectattkeyidres();
    if (SelectOk(m.has_att_key_id_list(), m.att_key_id_list(), att_key_id_)) {
      r->set_errorcode(kOk);
      r->set_selected_att_key_id(AsString(att_key_id_));
    } else {
      r->set_errorcode(kParam);
    }
  } else if (req.has_getsupportedattkeyidnumreq()) {
    auto* r = res.mutable_getsupportedattkeyidnumres();
    r->set_errorcode(kOk);
    r->set_att_key_id_num(1);
  } else if (req.has_getsupportedattkeyidsreq()) {
    auto* r = res.mutable_getsupportedattkeyidsres();
    if (req.getsupportedattkeyidsreq().buf_size() < sizeof(AttKeyId)) {
      r->set_errorcode(kParam);
    } else {
      r->set_errorcode(kOk);
      r->set_att_key_ids(AsString(att_key_id_));
    }
  } else if (req.has_initquotereq()) {
    auto* r = res.mutable_initquoteres();
    if (auto ti = qe_.GetTargetInfo(); ti) {
      r->set_errorcode(kOk);
      r->set_targetinfo(AsString(*ti));
      r->set_gid(std::string(4, '\0'));
    } else {
      r->set_errorcode(kUnexpected);
    }
  } else if (req.has_getquotereq()) {
    IC_LOG(Warn, "aesmd-sim: refused a legacy GetQuote: EPID quotes are not supported (use GetQuoteEx, DCAP)");
    res.mutable_getquoteres()->set_errorcode(kParam);
  } else if (req.has_getlictokenreq()) {
    const auto& m = req.getlictokenreq();
    auto* r = res.mutable_getlictokenres();
    if (m.mr_enclave().size() != 32 || m.mr_signer().size() != 32 || m.se_attributes().size() != 16) {
      r->set_errorcode(kParam);
    } else {
      r->set_errorcode(kOk);
      r->set_token(AsString(EinitToken{}));
    }
  } else {
    res.mutable_unsupportedrequestresponse()->set_errorcode(kUnexpected);
  }
  return res.SerializeAsString();
}

}  // namespace inclavare::sgx::aesmd_sim
