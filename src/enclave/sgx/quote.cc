#include "enclave/sgx/quote.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>

namespace inclavare::sgx {

namespace {

// A bounds-checked cursor over untrusted bytes. Every read first checks the
// length against what is left, so nothing past the span is ever touched.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t pos() const { return pos_; }

  Result<std::span<const uint8_t>> Bytes(size_t n, const char* what) {
    if (n > remaining()) {
      return InvalidArgument(std::string("quote: ") + what + " needs " + std::to_string(n) +
                             " bytes, only " + std::to_string(remaining()) + " remain");
    }
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // A length-prefixed region: the size field itself has been read already.
  Result<std::span<const uint8_t>> Sized(size_t n, const char* what) {
    if (n > remaining()) {
      return InvalidArgument(std::string("quote: ") + what + " size " + std::to_string(n) +
                             " exceeds remaining " + std::to_string(remaining()) + " bytes");
    }
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  template <class T>
  Result<T> Read(const char* what) {
    static_assert(std::is_trivially_copyable_v<T>);
    IC_ASSIGN_OR_RETURN(auto bytes, Bytes(sizeof(T), what));
    T out;
    std::memcpy(&out, bytes.data(), sizeof(T));
    return out;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// QE report, its signature, the QE authentication data and the certification
// data that follows: the v3 tail and the payload of a type-6 certification
// data in v4/v5.
Result<> ParseQeSection(Reader& r, QuoteView& q, bool nested) {
  IC_ASSIGN_OR_RETURN(q.qe_report_bytes, r.Bytes(sizeof(ReportBody), "QE report"));
  std::memcpy(&q.qe_report, q.qe_report_bytes.data(), sizeof(ReportBody));
  IC_ASSIGN_OR_RETURN(q.qe_report_signature, (r.Read<std::array<uint8_t, 64>>("QE report signature")));
  IC_ASSIGN_OR_RETURN(uint16_t auth_size, r.Read<uint16_t>("QE authentication data size"));
  IC_ASSIGN_OR_RETURN(q.qe_auth_data, r.Sized(auth_size, "QE authentication data"));
  IC_ASSIGN_OR_RETURN(uint16_t type, r.Read<uint16_t>(nested ? "inner certification data type"
                                                             : "certification data type"));
  IC_ASSIGN_OR_RETURN(uint32_t size, r.Read<uint32_t>(nested ? "inner certification data size"
                                                             : "certification data size"));
  IC_ASSIGN_OR_RETURN(q.cert_data,
                      r.Sized(size, nested ? "inner certification data" : "certification data"));
  q.cert_data_type = type;
  if (nested && type == static_cast<uint16_t>(CertDataType::kQeReportCertData)) {
    return InvalidArgument("quote: QE report certification data nested inside itself");
  }
  return {};
}

Result<> ParseSignatureData(std::span<const uint8_t> sig_data, QuoteView& q) {
  Reader r(sig_data);
  IC_ASSIGN_OR_RETURN(q.signature, (r.Read<std::array<uint8_t, 64>>("ECDSA signature")));
  IC_ASSIGN_OR_RETURN(q.attestation_key, (r.Read<std::array<uint8_t, 64>>("attestation key")));
  if (q.header.version == 3) {
    IC_TRY(ParseQeSection(r, q, /*nested=*/false));
    q.outer_cert_data_type = q.cert_data_type;
    return {};
  }
  IC_ASSIGN_OR_RETURN(uint16_t type, r.Read<uint16_t>("certification data type"));
  IC_ASSIGN_OR_RETURN(uint32_t size, r.Read<uint32_t>("certification data size"));
  IC_ASSIGN_OR_RETURN(auto outer, r.Sized(size, "certification data"));
  q.outer_cert_data_type = type;
  if (type != static_cast<uint16_t>(CertDataType::kQeReportCertData)) {
    return InvalidArgument("quote: v" + std::to_string(q.header.version) +
                           " certification data type is " + std::to_string(type) + " (" +
                           CertDataTypeName(type) + "), expected 6 (QE_REPORT_CERT_DATA)");
  }
  Reader inner(outer);
  return ParseQeSection(inner, q, /*nested=*/true);
}

Result<QuoteBody> ReadBody(Reader& r, BodyType type) {
  switch (type) {
    case BodyType::kSgxReport: {
      IC_ASSIGN_OR_RETURN(auto b, r.Read<ReportBody>("SGX report body"));
      return QuoteBody(b);
    }
    case BodyType::kTdReport10: {
      IC_ASSIGN_OR_RETURN(auto b, r.Read<TdReport10>("TD report body"));
      return QuoteBody(b);
    }
    case BodyType::kTdReport15: {
      IC_ASSIGN_OR_RETURN(auto b, r.Read<TdReport15>("TD 1.5 report body"));
      return QuoteBody(b);
    }
  }
  return InvalidArgument("quote: unknown body type");
}

size_t BodySize(BodyType type) {
  switch (type) {
    case BodyType::kSgxReport: return sizeof(ReportBody);
    case BodyType::kTdReport10: return sizeof(TdReport10);
    case BodyType::kTdReport15: return sizeof(TdReport15);
  }
  return 0;
}

}  // namespace

const char* CertDataTypeName(uint16_t type) {
  switch (type) {
    case 1: return "PPID_CLEARTEXT";
    case 2: return "PPID_RSA2048_OAEP";
    case 3: return "PPID_RSA3072_OAEP";
    case 4: return "PCK_LEAF_CERT";
    case 5: return "PCK_CERT_CHAIN";
    case 6: return "QE_REPORT_CERT_DATA";
    case 7: return "PLATFORM_MANIFEST";
    default: return "UNKNOWN";
  }
}

const TdReport10* QuoteView::td_report() const {
  if (const auto* b = std::get_if<TdReport10>(&body)) return b;
  if (const auto* b = std::get_if<TdReport15>(&body)) return &b->base;
  return nullptr;
}

Result<std::string_view> QuoteView::PckChainPem() const {
  if (cert_data_type != static_cast<uint16_t>(CertDataType::kPckCertChain)) {
    return FailedPrecondition("quote: certification data is type " + std::to_string(cert_data_type) +
                              " (" + CertDataTypeName(cert_data_type) + "), not a PCK chain");
  }
  std::string_view pem(reinterpret_cast<const char*>(cert_data.data()), cert_data.size());
  while (!pem.empty() && pem.back() == '\0') pem.remove_suffix(1);
  return pem;
}

Result<QuoteView> ParseQuote(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  QuoteView q;
  IC_ASSIGN_OR_RETURN(q.header, r.Read<QuoteHeader>("header"));
  const uint16_t version = q.header.version;
  if (version < 3 || version > 5) {
    return InvalidArgument("quote: unsupported version " + std::to_string(version) +
                           (version == 1 || version == 2 ? " (EPID quotes are not supported)" : ""));
  }
  if (q.header.att_key_type != static_cast<uint16_t>(AttestationKeyType::kEcdsa256P256)) {
    return InvalidArgument("quote: unsupported attestation key type " +
                           std::to_string(q.header.att_key_type) + " (only 2 = ECDSA-256-with-P-256)");
  }
  const uint32_t tee = q.header.tee_type;
  const bool sgx = tee == static_cast<uint32_t>(TeeType::kSgx);
  const bool tdx = tee == static_cast<uint32_t>(TeeType::kTdx);
  if (!sgx && !tdx) {
    return InvalidArgument("quote: unknown TEE type 0x" + [&] {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%x", tee);
      return std::string(buf);
    }());
  }
  if (version == 3 && !sgx) return InvalidArgument("quote: v3 quotes carry SGX reports only");

  if (version == 5) {
    IC_ASSIGN_OR_RETURN(uint16_t type, r.Read<uint16_t>("body type"));
    IC_ASSIGN_OR_RETURN(uint32_t size, r.Read<uint32_t>("body size"));
    if (type < 1 || type > 3) return InvalidArgument("quote: unknown v5 body type " + std::to_string(type));
    q.body_type = static_cast<BodyType>(type);
    if (size != BodySize(q.body_type)) {
      return InvalidArgument("quote: v5 body size " + std::to_string(size) + " does not match body type " +
                             std::to_string(type) + " (" + std::to_string(BodySize(q.body_type)) + " bytes)");
    }
    if ((q.body_type == BodyType::kSgxReport) != sgx) {
      return InvalidArgument("quote: v5 body type " + std::to_string(type) + " does not match the TEE type");
    }
  } else {
    q.body_type = sgx ? BodyType::kSgxReport : BodyType::kTdReport10;
  }
  IC_ASSIGN_OR_RETURN(q.body, ReadBody(r, q.body_type));
  q.signed_data = bytes.first(r.pos());

  IC_ASSIGN_OR_RETURN(uint32_t sig_size, r.Read<uint32_t>("signature data length"));
  IC_ASSIGN_OR_RETURN(auto sig_data, r.Sized(sig_size, "signature data"));
  IC_TRY(ParseSignatureData(sig_data, q));
  q.size = r.pos();
  return q;
}

}  // namespace inclavare::sgx
