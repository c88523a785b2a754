#include "attest/snp.h"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cstring>

#include "attest/x509.h"
#include "enclave/sgx/hex.h"

namespace inclavare::attest {

namespace {

struct ObjFree {
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
};
struct TypeFree {
  void operator()(ASN1_TYPE* p) const { ASN1_TYPE_free(p); }
};

template <class T>
T Le(std::span<const uint8_t> b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

template <size_t N>
std::array<uint8_t, N> Arr(std::span<const uint8_t> b, size_t off) {
  std::array<uint8_t, N> a{};
  std::memcpy(a.data(), b.data() + off, N);
  return a;
}

// The raw extnValue octets of a VCEK extension (1.3.6.1.4.1.3704.1.<suffix>).
Result<const ASN1_OCTET_STRING*> RawExt(X509* cert, const std::string& suffix) {
  const std::string oid_text = "1.3.6.1.4.1.3704.1." + suffix;
  std::unique_ptr<ASN1_OBJECT, ObjFree> oid(OBJ_txt2obj(oid_text.c_str(), 1));
  if (!oid) return Internal("OBJ_txt2obj");
  int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (idx < 0) return NotFound("VCEK: no extension " + oid_text);
  return X509_EXTENSION_get_data(X509_get_ext(cert, idx));
}

// The DER value inside a VCEK extension (all but hwID, whose extnValue is
// the raw chip id).
Result<std::unique_ptr<ASN1_TYPE, TypeFree>> Ext(X509* cert, const std::string& suffix) {
  const std::string oid_text = "1.3.6.1.4.1.3704.1." + suffix;
  IC_ASSIGN_OR_RETURN(const ASN1_OCTET_STRING* data, RawExt(cert, suffix));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  std::unique_ptr<ASN1_TYPE, TypeFree> t(d2i_ASN1_TYPE(nullptr, &p, ASN1_STRING_length(data)));
  if (!t) {
    ERR_clear_error();
    return InvalidArgument("VCEK: malformed extension " + oid_text);
  }
  return t;
}

Result<int> ExtInt(X509* cert, const std::string& suffix) {
  IC_ASSIGN_OR_RETURN(auto t, Ext(cert, suffix));
  int64_t v = -1;
  if (ASN1_TYPE_get(t.get()) != V_ASN1_INTEGER || ASN1_INTEGER_get_int64(&v, t->value.integer) != 1 || v < 0 ||
      v > 255) {
    ERR_clear_error();
    return InvalidArgument("VCEK: extension 1.3.6.1.4.1.3704.1." + suffix + " is not a small INTEGER");
  }
  return static_cast<int>(v);
}

Result<> CheckValidAt(X509* cert, int64_t time, const std::string& what) {
  time_t t = static_cast<time_t>(time);
  if (X509_cmp_time(X509_get0_notBefore(cert), &t) > 0) {
    return Error(ErrorCode::kPermissionDenied, what + " not yet valid at " + FormatRfc3339(time));
  }
  if (X509_cmp_time(X509_get0_notAfter(cert), &t) < 0) {
    return Error(ErrorCode::kPermissionDenied, what + " expired at " + FormatRfc3339(time));
  }
  return {};
}

Result<> CheckSignedBy(X509* cert, X509* issuer, const std::string& what) {
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  if (!key || X509_verify(cert, key) != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kPermissionDenied, what + " signature does not verify");
  }
  return {};
}

std::vector<uint8_t> Vec(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

}  // namespace

Result<SnpReport> ParseSnpReport(std::span<const uint8_t> b) {
  if (b.size() < kSnpReportSize) {
    return InvalidArgument("SNP report: " + std::to_string(b.size()) + " bytes, expected " +
                           std::to_string(kSnpReportSize));
  }
  SnpReport r;
  r.version = Le<uint32_t>(b, 0x00);
  if (r.version < 2) return InvalidArgument("SNP report: unsupported version " + std::to_string(r.version));
  r.guest_svn = Le<uint32_t>(b, 0x04);
  r.policy = Le<uint64_t>(b, 0x08);
  r.vmpl = Le<uint32_t>(b, 0x30);
  r.signature_algo = Le<uint32_t>(b, 0x34);
  if (r.signature_algo != 1) {
    return InvalidArgument("SNP report: signature algorithm " + std::to_string(r.signature_algo) +
                           " (only 1 = ECDSA P-384 with SHA-384)");
  }
  r.current_tcb = Le<uint64_t>(b, 0x38);
  r.platform_info = Le<uint64_t>(b, 0x40);
  r.key_info = Le<uint32_t>(b, 0x48);
  r.report_data = Arr<64>(b, 0x50);
  r.measurement = Arr<48>(b, 0x90);
  r.host_data = Arr<32>(b, 0xC0);
  r.id_key_digest = Arr<48>(b, 0xE0);
  r.author_key_digest = Arr<48>(b, 0x110);
  r.report_id = Arr<32>(b, 0x140);
  r.reported_tcb = Le<uint64_t>(b, 0x180);
  r.chip_id = Arr<64>(b, 0x1A0);
  r.committed_tcb = Le<uint64_t>(b, 0x1E0);
  r.launch_tcb = Le<uint64_t>(b, 0x1F0);
  r.sig_r_le = Arr<72>(b, 0x2A0);
  r.sig_s_le = Arr<72>(b, 0x2E8);
  return r;
}

Result<SnpVerdict> VerifySnpReport(std::span<const uint8_t> bytes, std::string_view vcek_text,
                                   std::string_view ask_ark_text, const SnpVerifyOptions& o) {
  const int64_t time = o.time ? *o.time : NowUnix();
  IC_ASSIGN_OR_RETURN(SnpReport r, ParseSnpReport(bytes));
  IC_ASSIGN_OR_RETURN(X509Ptr vcek, ParseCert(vcek_text).Wrap("VCEK"));
  IC_ASSIGN_OR_RETURN(auto chain, ParseCertChain(ask_ark_text).Wrap("ASK/ARK"));
  X509* ark = nullptr;
  X509* ask = nullptr;
  for (auto& c : chain) {
    if (X509_check_issued(c.get(), c.get()) == X509_V_OK) {
      ark = c.get();
    } else {
      ask = c.get();
    }
  }
  if (!ark || !ask) return InvalidArgument("ASK/ARK: need the ASK and the self-signed ARK");
  IC_TRY(CheckSignedBy(ark, ark, "ARK self-signature"));
  IC_TRY(CheckSignedBy(ask, ark, "ASK (by ARK)"));
  IC_TRY(CheckSignedBy(vcek.get(), ask, "VCEK (by ASK)"));
  IC_TRY(CheckValidAt(ark, time, "ARK"));
  IC_TRY(CheckValidAt(ask, time, "ASK"));
  IC_TRY(CheckValidAt(vcek.get(), time, "VCEK"));

  SnpVerdict v;
  v.vlek = r.signing_key() == 1;
  if (r.signing_key() > 1) return InvalidArgument("SNP report: unknown signing key " + std::to_string(r.signing_key()));

  // Product: the VCEK's productName ("Milan-B0"), or the ARK's CN ("ARK-Milan").
  std::string ark_cn = SubjectName(ark);
  std::string ark_product = ark_cn.rfind("ARK-", 0) == 0 ? ark_cn.substr(4) : std::string();
  auto name = Ext(vcek.get(), "2");
  if (name) {
    const ASN1_TYPE* t = name->get();
    if (ASN1_TYPE_get(t) != V_ASN1_IA5STRING) return InvalidArgument("VCEK: productName is not an IA5String");
    std::string pn(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t->value.ia5string)),
                   static_cast<size_t>(ASN1_STRING_length(t->value.ia5string)));
    size_t dash = pn.find('-');
    v.product = pn.substr(0, dash);
    if (dash != std::string::npos && dash + 2 < pn.size() + 1 && pn.size() >= dash + 3) {
      char d = pn.back();
      v.stepping = (d >= '0' && d <= '9') ? d - '0' : 0;
    }
  } else {
    v.product = ark_product;  // VLEKs carry no productName
  }
  if (!ark_product.empty() && v.product != ark_product) {
    return Error(ErrorCode::kPermissionDenied, "VCEK product " + v.product + " does not match " + ark_cn);
  }
  if (o.product && *o.product != v.product) {
    return Error(ErrorCode::kPermissionDenied, "expected product " + *o.product + ", got " + v.product);
  }
  if (o.required_stepping && *o.required_stepping != v.stepping) {
    return Error(ErrorCode::kPermissionDenied, "expected product stepping " + std::to_string(*o.required_stepping) +
                                                   ", got " + std::to_string(v.stepping));
  }

  // Signature: SHA-384 over 0x000..0x29F; R, S little-endian 72 bytes.
  std::vector<uint8_t> rs(144);
  std::reverse_copy(r.sig_r_le.begin(), r.sig_r_le.end(), rs.begin());
  std::reverse_copy(r.sig_s_le.begin(), r.sig_s_le.end(), rs.begin() + 72);
  EVP_PKEY* key = X509_get0_pubkey(vcek.get());
  if (!key) return InvalidArgument("VCEK: no public key");
  IC_TRY(VerifyEcdsaRs(key, EVP_sha384(), bytes.first(kSnpSignedSize), rs, "SNP report"));

  // TCB: the certificate was issued for the report's REPORTED_TCB.
  const bool turin = v.product == "Turin";
  struct Spl {
    const char* oid;
    const char* name;
    int byte;
  };
  const Spl milan[] = {{"3.1", "blSPL", 0}, {"3.2", "teeSPL", 1}, {"3.3", "snpSPL", 6}, {"3.8", "ucodeSPL", 7}};
  const Spl turin_spl[] = {{"3.9", "fmcSPL", 0}, {"3.1", "blSPL", 1}, {"3.2", "teeSPL", 2},
                           {"3.3", "snpSPL", 3}, {"3.8", "ucodeSPL", 7}};
  std::span<const Spl> spls = turin ? std::span<const Spl>(turin_spl) : std::span<const Spl>(milan);
  for (const auto& s : spls) {
    IC_ASSIGN_OR_RETURN(int cert_spl, ExtInt(vcek.get(), s.oid));
    int reported = static_cast<int>((r.reported_tcb >> (8 * s.byte)) & 0xff);
    if (cert_spl != reported) {
      return Error(ErrorCode::kPermissionDenied, std::string("VCEK ") + s.name + " " + std::to_string(cert_spl) +
                                                     " does not match the report's REPORTED_TCB (" +
                                                     std::to_string(reported) + ")");
    }
  }
  // Chip id (VCEK only).
  if (!v.vlek && !r.chip_id_masked()) {
    IC_ASSIGN_OR_RETURN(const ASN1_OCTET_STRING* s, RawExt(vcek.get(), "4"));
    size_t n = static_cast<size_t>(ASN1_STRING_length(s));
    if (n == 0 || n > 64 || std::memcmp(ASN1_STRING_get0_data(s), r.chip_id.data(), n) != 0) {
      return Error(ErrorCode::kPermissionDenied, "VCEK hwID does not match the report's CHIP_ID");
    }
  }

  v.report = r;
  Claims& c = v.claims;
  c.tee = TeeKind::kSevSnp;
  c.evidence_version = static_cast<int>(r.version);
  c.debug = r.debug_allowed();
  c.report_data = Vec(r.report_data);
  c.measurement = Vec(r.measurement);
  c.host_data = Vec(r.host_data);
  c.chip_id = Vec(r.chip_id);
  c.snp_policy = r.policy;
  c.vmpl = r.vmpl;
  return v;
}

}  // namespace inclavare::attest
