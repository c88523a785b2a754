#include "attest/x509.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstring>
#include <ctime>

namespace inclavare::attest {

namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct StackX509Free {
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

bool LooksPem(std::string_view s) { return s.find("-----BEGIN") != std::string_view::npos; }

}  // namespace

Result<int64_t> ParseRfc3339(std::string_view text) {
  std::string s(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5) {
    return InvalidArgument("bad RFC 3339 time '" + s + "'");
  }
  size_t pos = static_cast<size_t>(n);
  if (pos < s.size() && s[pos] == ':') {
    int m = 0;
    if (std::sscanf(s.c_str() + pos, ":%2d%n", &sec, &m) != 1) return InvalidArgument("bad RFC 3339 time '" + s + "'");
    pos += static_cast<size_t>(m);
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    }
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return InvalidArgument("bad RFC 3339 offset '" + s + "'");
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return InvalidArgument("RFC 3339 time without zone '" + s + "'");
  }
  if (pos != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return InvalidArgument("bad RFC 3339 time '" + s + "'");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) - offset;
}

std::string FormatRfc3339(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t NowUnix() { return static_cast<int64_t>(std::time(nullptr)); }

Result<std::vector<X509Ptr>> ParseCertChain(std::string_view data) {
  std::vector<X509Ptr> out;
  if (data.size() > INT32_MAX) return InvalidArgument("certificate data too large");
  if (LooksPem(data)) {
    // Some quote generators (rats-tls's legacy certificates carry such
    // quotes) write PEM blocks with no line break between them
    // ("-----END CERTIFICATE----------BEGIN CERTIFICATE-----"), which
    // OpenSSL's PEM reader does not accept: put the line breaks back.
    std::string fixed;
    constexpr std::string_view kJoined = "-----END CERTIFICATE----------BEGIN CERTIFICATE-----";
    if (data.find(kJoined) != std::string_view::npos) {
      fixed.assign(data);
      for (size_t pos = 0; (pos = fixed.find(kJoined, pos)) != std::string::npos;) {
        pos += std::string_view("-----END CERTIFICATE-----").size();
        fixed.insert(pos, "\n");
      }
      data = fixed;
    }
    BioPtr bio = MemBio(data);
    while (true) {
      X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
      if (!c) break;
      out.emplace_back(c);
    }
    ERR_clear_error();
    if (out.empty()) return InvalidArgument("no PEM certificate could be parsed");
    // Every BEGIN CERTIFICATE block must have parsed: a damaged block is an
    // error, not a shorter chain.
    size_t blocks = 0;
    for (size_t pos = 0; (pos = data.find("-----BEGIN CERTIFICATE-----", pos)) != std::string_view::npos; ++pos) {
      ++blocks;
    }
    if (blocks != out.size()) {
      return InvalidArgument("PEM chain: " + std::to_string(blocks - out.size()) + " of " + std::to_string(blocks) +
                             " certificates do not parse");
    }
    return out;
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
  X509* c = d2i_X509(nullptr, &p, static_cast<long>(data.size()));
  if (!c) {
    ERR_clear_error();
    return InvalidArgument("certificate is neither PEM nor DER");
  }
  out.emplace_back(c);
  return out;
}

Result<X509Ptr> ParseCert(std::string_view data) {
  IC_ASSIGN_OR_RETURN(auto chain, ParseCertChain(data));
  return std::move(chain.front());
}

Result<X509CrlPtr> ParseCrl(std::string_view data) {
  if (data.size() > INT32_MAX) return InvalidArgument("CRL too large");
  X509_CRL* crl = nullptr;
  if (LooksPem(data)) {
    BioPtr bio = MemBio(data);
    crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
    crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size()));
  }
  if (!crl) {
    ERR_clear_error();
    return InvalidArgument("CRL is neither PEM nor DER");
  }
  return X509CrlPtr(crl);
}

X509Ptr DupCert(X509* cert) {
  X509_up_ref(cert);
  return X509Ptr(cert);
}

Result<int64_t> Asn1TimeToUnix(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return InvalidArgument("bad ASN.1 time");
  return static_cast<int64_t>(timegm(&tm));
}

Result<int64_t> CrlNextUpdate(std::string_view der_or_pem) {
  IC_ASSIGN_OR_RETURN(X509CrlPtr crl, ParseCrl(der_or_pem));
  return Asn1TimeToUnix(X509_CRL_get0_nextUpdate(crl.get())).Wrap("CRL nextUpdate");
}

std::string SubjectName(X509* cert) {
  char buf[256];
  X509_NAME* name = X509_get_subject_name(cert);
  int n = X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof buf);
  if (n > 0) return std::string(buf, static_cast<size_t>(n));
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

Result<EvpPkeyPtr> P256KeyFromXy(std::span<const uint8_t, 64> xy) {
  uint8_t point[65];
  point[0] = 0x04;
  std::memcpy(point + 1, xy.data(), 64);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) != 1) {
    return sgx::OpensslError("P-256 key params");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  sgx::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("attestation key is not a valid P-256 point");
  }
  return EvpPkeyPtr(pkey);
}

Result<> VerifyEcdsaDer(EVP_PKEY* key, const EVP_MD* md, std::span<const uint8_t> data,
                        std::span<const uint8_t> der, const std::string& what) {
  sgx::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) {
    return sgx::OpensslError(what + ": verify init");
  }
  int rc = EVP_DigestVerify(ctx.get(), der.data(), der.size(), data.data(), data.size());
  if (rc != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kPermissionDenied, what + " signature does not verify");
  }
  return {};
}

Result<> VerifyEcdsaRs(EVP_PKEY* key, const EVP_MD* md, std::span<const uint8_t> data,
                       std::span<const uint8_t> rs, const std::string& what) {
  if (rs.empty() || rs.size() % 2 != 0) return InvalidArgument(what + ": bad raw signature length");
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  const int half = static_cast<int>(rs.size() / 2);
  BIGNUM* r = BN_bin2bn(rs.data(), half, nullptr);
  BIGNUM* s = BN_bin2bn(rs.data() + half, half, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return sgx::OpensslError(what + ": ECDSA_SIG");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return sgx::OpensslError(what + ": i2d_ECDSA_SIG");
  std::vector<uint8_t> buf(der, der + len);
  OPENSSL_free(der);
  return VerifyEcdsaDer(key, md, data, buf, what);
}

Result<std::vector<uint8_t>> EcdsaDerToRs(std::span<const uint8_t> der, size_t half_len) {
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) {
    ERR_clear_error();
    return InvalidArgument("signature is not a DER ECDSA-Sig-Value");
  }
  std::vector<uint8_t> out(half_len * 2);
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  if (BN_bn2binpad(r, out.data(), static_cast<int>(half_len)) < 0 ||
      BN_bn2binpad(s, out.data() + half_len, static_cast<int>(half_len)) < 0) {
    return InvalidArgument("ECDSA signature component too large");
  }
  return out;
}

Result<ChainVerifier> ChainVerifier::Create(std::vector<X509Ptr> roots, std::vector<X509CrlPtr> crls,
                                            int64_t time, bool check_all_crls) {
  ChainVerifier v;
  v.store_.reset(X509_STORE_new());
  if (!v.store_) return sgx::OpensslError("X509_STORE_new");
  if (roots.empty()) return FailedPrecondition("no trust anchor configured");
  for (auto& r : roots) {
    if (X509_STORE_add_cert(v.store_.get(), r.get()) != 1) return sgx::OpensslError("add trust anchor");
  }
  for (auto& c : crls) {
    if (X509_STORE_add_crl(v.store_.get(), c.get()) != 1) return sgx::OpensslError("add CRL");
  }
  v.time_ = time;
  v.flags_ = X509_V_FLAG_USE_CHECK_TIME | X509_V_FLAG_X509_STRICT;
  if (!crls.empty()) v.flags_ |= check_all_crls ? (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL)
                                                : X509_V_FLAG_CRL_CHECK;
  return v;
}

Result<> ChainVerifier::Verify(X509* leaf, const std::vector<X509Ptr>& intermediates,
                               const std::string& what) const {
  std::unique_ptr<STACK_OF(X509), StackX509Free> untrusted(sk_X509_new_null());
  if (!untrusted) return sgx::OpensslError("sk_X509_new_null");
  for (const auto& c : intermediates) sk_X509_push(untrusted.get(), c.get());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store_.get(), leaf, untrusted.get()) != 1) {
    return sgx::OpensslError("X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, flags_);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(time_));
  if (X509_verify_cert(ctx.get()) == 1) return {};
  int err = X509_STORE_CTX_get_error(ctx.get());
  X509* bad = X509_STORE_CTX_get_current_cert(ctx.get());
  ERR_clear_error();
  std::string reason = X509_verify_cert_error_string(err);
  if (err == X509_V_ERR_CERT_REVOKED) reason = "certificate revoked";
  return Error(ErrorCode::kPermissionDenied,
               what + ": " + reason + (bad ? " (" + SubjectName(bad) + ")" : std::string()) + " at " +
                   FormatRfc3339(time_));
}

}  // namespace inclavare::attest
