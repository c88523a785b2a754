#include "attest/snp.h"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cstring>

#include "attest/roots.h"
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

bool SelfIssued(X509* c) { return X509_check_issued(c, c) == X509_V_OK; }

// A trust anchor and its product ("" when an ARK given in the options has no
// "ARK-<product>" common name).
struct Anchor {
  std::string product;
  X509Ptr ark;
};

Result<std::vector<Anchor>> TrustAnchors(const SnpVerifyOptions& o) {
  std::vector<Anchor> out;
  if (o.ark_pem.empty()) {
    for (const auto& r : BuiltinAmdSevRoots()) {
      IC_ASSIGN_OR_RETURN(X509Ptr c, ParseCert(r.ark_pem).Wrap("built-in ARK"));
      out.push_back({std::string(r.product), std::move(c)});
    }
    return out;
  }
  IC_ASSIGN_OR_RETURN(auto certs, ParseCertChain(o.ark_pem).Wrap("ARK (options)"));
  for (auto& c : certs) {
    std::string cn = SubjectName(c.get());
    if (!SelfIssued(c.get())) return InvalidArgument("ARK (options): " + cn + " is not self-signed");
    out.push_back({cn.rfind("ARK-", 0) == 0 ? cn.substr(4) : std::string(), std::move(c)});
  }
  return out;
}

std::string Hex2(uint8_t v) {
  static const char* d = "0123456789abcdef";
  return std::string("0x") + d[v >> 4] + d[v & 15];
}

// The ARK and ASK (or ASVK) the VCEK (or VLEK) chains to; signatures only,
// validity is checked by the caller.
struct Chain {
  X509* ark = nullptr;
  X509* ask = nullptr;
};

Result<Chain> FindChain(X509* vcek, bool vlek, const std::vector<Anchor>& anchors, X509* given_ark,
                        const std::vector<X509*>& given_inter, const std::optional<std::string>& product,
                        std::vector<X509Ptr>& owned) {
  const std::string leaf = vlek ? "VLEK" : "VCEK";
  const std::string inter_name = vlek ? "ASVK" : "ASK";
  std::vector<const Anchor*> candidates;
  bool given_matches = false;
  for (const auto& a : anchors) {
    if (given_ark) {
      if (X509_cmp(a.ark.get(), given_ark) != 0) continue;
      given_matches = true;
    }
    if (product && !a.product.empty() && a.product != *product) continue;
    candidates.push_back(&a);
  }
  if (given_ark && !given_matches) {
    return Error(ErrorCode::kPermissionDenied,
                 "ASK/ARK: " + SubjectName(given_ark) +
                     " is not a trusted AMD root (not a built-in ARK; SnpVerifyOptions::ark_pem replaces them)");
  }
  if (candidates.empty()) {
    return Error(ErrorCode::kPermissionDenied, "no trusted AMD root for product " + product.value_or("?"));
  }
  std::vector<std::string> failures;
  for (const Anchor* a : candidates) {
    X509* ark = a->ark.get();
    const std::string ark_cn = SubjectName(ark);
    if (auto s = CheckSignedBy(ark, ark, ark_cn + " self-signature"); !s) {
      failures.push_back(s.error().message());
      continue;
    }
    std::vector<X509*> inters = given_inter;
    if (const AmdSevRoots* b = FindAmdSevRoots(a->product)) {
      IC_ASSIGN_OR_RETURN(X509Ptr c, ParseCert(vlek ? b->asvk_pem : b->ask_pem).Wrap("built-in " + inter_name));
      inters.push_back(c.get());
      owned.push_back(std::move(c));
    }
    std::string failure = "no " + inter_name + " for " + ark_cn;
    for (X509* inter : inters) {
      const std::string what = inter_name + " " + SubjectName(inter);
      auto s = CheckSignedBy(inter, ark, what + " (by " + ark_cn + ")");
      if (s) s = CheckSignedBy(vcek, inter, leaf + " (by " + what + ")");
      if (s) return Chain{ark, inter};
      failure = s.error().message();
    }
    failures.push_back(failure);
  }
  if (failures.size() == 1) return Error(ErrorCode::kPermissionDenied, failures[0]);
  std::string msg = leaf + " does not chain to a trusted AMD root:";
  for (const auto& f : failures) msg += " [" + f + "]";
  return Error(ErrorCode::kPermissionDenied, msg);
}

}  // namespace

std::optional<std::string> SnpProductFromCpuid(uint8_t family, uint8_t model) {
  if (family == 0x19) {
    if (model <= 0x0F) return "Milan";
    if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)) return "Genoa";
  }
  if (family == 0x1A && model <= 0x1F) return "Turin";
  return std::nullopt;
}

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
  if (r.version >= 3) {
    r.cpuid_fam_id = b[0x188];
    r.cpuid_mod_id = b[0x189];
    r.cpuid_step = b[0x18A];
  }
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
  SnpVerdict v;
  v.vlek = r.signing_key() == 1;
  if (r.signing_key() > 1) return InvalidArgument("SNP report: unknown signing key " + std::to_string(r.signing_key()));

  IC_ASSIGN_OR_RETURN(std::vector<Anchor> anchors, TrustAnchors(o));
  std::vector<X509Ptr> given;
  if (!ask_ark_text.empty()) {
    IC_ASSIGN_OR_RETURN(given, ParseCertChain(ask_ark_text).Wrap("ASK/ARK"));
  }
  X509* given_ark = nullptr;
  std::vector<X509*> given_inter;
  for (auto& c : given) {
    if (!SelfIssued(c.get())) {
      given_inter.push_back(c.get());
    } else if (given_ark) {
      return InvalidArgument("ASK/ARK: more than one self-signed ARK");
    } else {
      given_ark = c.get();
    }
  }
  // Product: the option, else the report's CPUID (v3+), else whichever
  // trust anchor the VCEK chains to.
  std::optional<std::string> cpuid_product;
  if (r.version >= 3) cpuid_product = SnpProductFromCpuid(r.cpuid_fam_id, r.cpuid_mod_id);
  std::optional<std::string> want = o.product ? o.product : cpuid_product;
  std::vector<X509Ptr> owned;
  IC_ASSIGN_OR_RETURN(Chain chain, FindChain(vcek.get(), v.vlek, anchors, given_ark, given_inter, want, owned));
  X509* ark = chain.ark;
  X509* ask = chain.ask;
  IC_TRY(CheckValidAt(ark, time, "ARK"));
  IC_TRY(CheckValidAt(ask, time, v.vlek ? "ASVK" : "ASK"));
  IC_TRY(CheckValidAt(vcek.get(), time, v.vlek ? "VLEK" : "VCEK"));

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
  if (cpuid_product && *cpuid_product != v.product) {
    return Error(ErrorCode::kPermissionDenied, "report CPUID family " + Hex2(r.cpuid_fam_id) + " model " +
                                                   Hex2(r.cpuid_mod_id) + " is " + *cpuid_product +
                                                   ", the VCEK is for " + v.product);
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
