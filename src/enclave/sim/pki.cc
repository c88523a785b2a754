#include "enclave/sim/pki.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <cstring>

namespace inclavare::sgx::sim {

namespace {

struct TypeFree {
  void operator()(ASN1_TYPE* p) const { ASN1_TYPE_free(p); }
};
using TypePtr = std::unique_ptr<ASN1_TYPE, TypeFree>;
struct SeqFree {
  void operator()(ASN1_SEQUENCE_ANY* p) const { sk_ASN1_TYPE_pop_free(p, ASN1_TYPE_free); }
};
using SeqPtr = std::unique_ptr<ASN1_SEQUENCE_ANY, SeqFree>;
struct ObjFree {
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct IntFree {
  void operator()(ASN1_INTEGER* p) const { ASN1_INTEGER_free(p); }
};
struct OctetFree {
  void operator()(ASN1_OCTET_STRING* p) const { ASN1_OCTET_STRING_free(p); }
};

std::string SgxOid(const std::string& suffix) { return std::string(kSgxExtensionsOid) + "." + suffix; }

Result<TypePtr> OidType(const std::string& oid) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
  if (obj == nullptr) return OpensslError("OBJ_txt2obj " + oid);
  TypePtr t(ASN1_TYPE_new());
  if (!t) {
    ASN1_OBJECT_free(obj);
    return OpensslError("ASN1_TYPE_new");
  }
  ASN1_TYPE_set(t.get(), V_ASN1_OBJECT, obj);
  return t;
}

Result<TypePtr> OctetType(std::span<const uint8_t> bytes) {
  ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
  if (s == nullptr || ASN1_OCTET_STRING_set(s, bytes.data(), static_cast<int>(bytes.size())) != 1) {
    ASN1_OCTET_STRING_free(s);
    return OpensslError("ASN1_OCTET_STRING_set");
  }
  TypePtr t(ASN1_TYPE_new());
  if (!t) {
    ASN1_OCTET_STRING_free(s);
    return OpensslError("ASN1_TYPE_new");
  }
  ASN1_TYPE_set(t.get(), V_ASN1_OCTET_STRING, s);
  return t;
}

Result<TypePtr> IntegerType(long v, bool enumerated) {
  TypePtr t(ASN1_TYPE_new());
  if (!t) return OpensslError("ASN1_TYPE_new");
  if (enumerated) {
    ASN1_ENUMERATED* e = ASN1_ENUMERATED_new();
    if (e == nullptr || ASN1_ENUMERATED_set(e, v) != 1) {
      ASN1_ENUMERATED_free(e);
      return OpensslError("ASN1_ENUMERATED_set");
    }
    ASN1_TYPE_set(t.get(), V_ASN1_ENUMERATED, e);
  } else {
    ASN1_INTEGER* i = ASN1_INTEGER_new();
    if (i == nullptr || ASN1_INTEGER_set(i, v) != 1) {
      ASN1_INTEGER_free(i);
      return OpensslError("ASN1_INTEGER_set");
    }
    ASN1_TYPE_set(t.get(), V_ASN1_INTEGER, i);
  }
  return t;
}

Result<TypePtr> BoolType(bool v) {
  TypePtr t(ASN1_TYPE_new());
  if (!t) return OpensslError("ASN1_TYPE_new");
  // For V_ASN1_BOOLEAN the "pointer" is the truth value (ASN1_TYPE_set(3)).
  ASN1_TYPE_set(t.get(), V_ASN1_BOOLEAN, v ? reinterpret_cast<void*>(1) : nullptr);
  return t;
}

// A SEQUENCE being built; Push() takes ownership of the element.
class SeqBuilder {
 public:
  SeqBuilder() : seq_(sk_ASN1_TYPE_new_null()) {}
  Result<> Push(Result<TypePtr> element) {
    if (!element) return element.error();
    if (!seq_ || sk_ASN1_TYPE_push(seq_.get(), element->get()) <= 0) return OpensslError("sk_ASN1_TYPE_push");
    (void)element->release();
    return {};
  }
  Result<std::vector<uint8_t>> Der() const {
    unsigned char* der = nullptr;
    int len = i2d_ASN1_SEQUENCE_ANY(seq_.get(), &der);
    if (len <= 0) return OpensslError("i2d_ASN1_SEQUENCE_ANY");
    std::vector<uint8_t> out(der, der + len);
    OPENSSL_free(der);
    return out;
  }
  // The whole SEQUENCE as one ASN1_TYPE element of an outer sequence.
  Result<TypePtr> AsType() const {
    IC_ASSIGN_OR_RETURN(std::vector<uint8_t> der, Der());
    ASN1_STRING* s = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
    if (s == nullptr || ASN1_STRING_set(s, der.data(), static_cast<int>(der.size())) != 1) {
      ASN1_STRING_free(s);
      return OpensslError("ASN1_STRING_set");
    }
    TypePtr t(ASN1_TYPE_new());
    if (!t) {
      ASN1_STRING_free(s);
      return OpensslError("ASN1_TYPE_new");
    }
    ASN1_TYPE_set(t.get(), V_ASN1_SEQUENCE, s);
    return t;
  }

 private:
  SeqPtr seq_;
};

// SEQUENCE { OID, value }
Result<TypePtr> Pair(const std::string& oid, Result<TypePtr> value) {
  SeqBuilder pair;
  IC_TRY(pair.Push(OidType(oid)));
  IC_TRY(pair.Push(std::move(value)));
  return pair.AsType();
}

// --- decoding ---

Result<SeqPtr> ParseSeq(std::span<const uint8_t> der, const std::string& what) {
  const unsigned char* p = der.data();
  SeqPtr seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, static_cast<long>(der.size())));
  if (!seq) {
    ERR_clear_error();
    return InvalidArgument("SGX extension: " + what + " is not a DER SEQUENCE");
  }
  if (p != der.data() + der.size()) return InvalidArgument("SGX extension: trailing bytes after " + what);
  return seq;
}

std::span<const uint8_t> StringBytes(const ASN1_STRING* s) {
  return {ASN1_STRING_get0_data(s), static_cast<size_t>(ASN1_STRING_length(s))};
}

struct Item {
  std::string oid;
  const ASN1_TYPE* value;
};

// Splits a SEQUENCE OF SEQUENCE { OID, value } into items.
Result<std::vector<Item>> Items(const ASN1_SEQUENCE_ANY* seq, std::vector<SeqPtr>& keep, const std::string& what) {
  std::vector<Item> items;
  for (int i = 0; i < sk_ASN1_TYPE_num(seq); ++i) {
    const ASN1_TYPE* t = sk_ASN1_TYPE_value(seq, i);
    if (ASN1_TYPE_get(t) != V_ASN1_SEQUENCE) return InvalidArgument("SGX extension: " + what + " entry not a SEQUENCE");
    IC_ASSIGN_OR_RETURN(SeqPtr pair, ParseSeq(StringBytes(t->value.sequence), what + " entry"));
    if (sk_ASN1_TYPE_num(pair.get()) != 2 || ASN1_TYPE_get(sk_ASN1_TYPE_value(pair.get(), 0)) != V_ASN1_OBJECT) {
      return InvalidArgument("SGX extension: " + what + " entry is not { OID, value }");
    }
    char buf[128];
    int n = OBJ_obj2txt(buf, sizeof buf, sk_ASN1_TYPE_value(pair.get(), 0)->value.object, 1);
    if (n <= 0 || n >= static_cast<int>(sizeof buf)) return InvalidArgument("SGX extension: bad OID in " + what);
    items.push_back({std::string(buf, static_cast<size_t>(n)), sk_ASN1_TYPE_value(pair.get(), 1)});
    keep.push_back(std::move(pair));
  }
  return items;
}

template <size_t N>
Result<std::array<uint8_t, N>> Octets(const ASN1_TYPE* t, const std::string& name) {
  if (ASN1_TYPE_get(t) != V_ASN1_OCTET_STRING || ASN1_STRING_length(t->value.octet_string) != static_cast<int>(N)) {
    return InvalidArgument("SGX extension: " + name + " must be an OCTET STRING of " + std::to_string(N) + " bytes");
  }
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), ASN1_STRING_get0_data(t->value.octet_string), N);
  return out;
}

Result<long> Integer(const ASN1_TYPE* t, const std::string& name, long max) {
  long v = -1;
  if (ASN1_TYPE_get(t) == V_ASN1_INTEGER) v = ASN1_INTEGER_get(t->value.integer);
  if (ASN1_TYPE_get(t) == V_ASN1_ENUMERATED) v = ASN1_ENUMERATED_get(t->value.enumerated);
  if (v < 0 || v > max) return InvalidArgument("SGX extension: " + name + " is not an integer in 0.." + std::to_string(max));
  return v;
}

Result<bool> Boolean(const ASN1_TYPE* t, const std::string& name) {
  if (ASN1_TYPE_get(t) != V_ASN1_BOOLEAN) return InvalidArgument("SGX extension: " + name + " is not a BOOLEAN");
  return t->value.boolean != 0;
}

Result<> AddExt(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return OpensslError(std::string("add extension ") + value);
  return {};
}

Result<> SetRandomSerial(X509* cert) {
  std::array<uint8_t, 20> serial{};
  IC_TRY(RandomBytes(serial));
  serial[0] &= 0x7f;  // positive
  serial[0] |= 0x01;  // and 20 bytes long
  BnPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpensslError("certificate serial");
  }
  return {};
}

}  // namespace

Result<std::vector<uint8_t>> EncodeSgxExtension(const SgxExtension& ext) {
  SeqBuilder tcb;
  for (size_t i = 0; i < ext.tcb_comp_svn.size(); ++i) {
    IC_TRY(tcb.Push(Pair(SgxOid("2." + std::to_string(i + 1)), IntegerType(ext.tcb_comp_svn[i], false))));
  }
  IC_TRY(tcb.Push(Pair(SgxOid("2.17"), IntegerType(ext.pce_svn, false))));
  IC_TRY(tcb.Push(Pair(SgxOid("2.18"), OctetType(ext.cpu_svn))));

  SeqBuilder top;
  IC_TRY(top.Push(Pair(SgxOid("1"), OctetType(ext.ppid))));
  IC_TRY(top.Push(Pair(SgxOid("2"), tcb.AsType())));
  IC_TRY(top.Push(Pair(SgxOid("3"), OctetType(ext.pce_id))));
  IC_TRY(top.Push(Pair(SgxOid("4"), OctetType(ext.fmspc))));
  IC_TRY(top.Push(Pair(SgxOid("5"), IntegerType(static_cast<long>(ext.sgx_type), true))));
  if (ext.platform_instance_id) IC_TRY(top.Push(Pair(SgxOid("6"), OctetType(*ext.platform_instance_id))));
  if (ext.configuration) {
    SeqBuilder conf;
    IC_TRY(conf.Push(Pair(SgxOid("7.1"), BoolType(ext.configuration->dynamic_platform))));
    IC_TRY(conf.Push(Pair(SgxOid("7.2"), BoolType(ext.configuration->cached_keys))));
    IC_TRY(conf.Push(Pair(SgxOid("7.3"), BoolType(ext.configuration->smt_enabled))));
    IC_TRY(top.Push(Pair(SgxOid("7"), conf.AsType())));
  }
  return top.Der();
}

Result<SgxExtension> DecodeSgxExtension(std::span<const uint8_t> der) {
  std::vector<SeqPtr> keep;
  IC_ASSIGN_OR_RETURN(SeqPtr top, ParseSeq(der, "extension"));
  IC_ASSIGN_OR_RETURN(std::vector<Item> items, Items(top.get(), keep, "extension"));
  SgxExtension ext;
  unsigned seen = 0;  // bit n: field .n present
  for (const Item& item : items) {
    const std::string prefix = std::string(kSgxExtensionsOid) + ".";
    if (item.oid.rfind(prefix, 0) != 0) continue;
    const std::string field = item.oid.substr(prefix.size());
    if (field == "1") {
      IC_ASSIGN_OR_RETURN(ext.ppid, Octets<16>(item.value, "PPID"));
    } else if (field == "2") {
      if (ASN1_TYPE_get(item.value) != V_ASN1_SEQUENCE) return InvalidArgument("SGX extension: TCB is not a SEQUENCE");
      IC_ASSIGN_OR_RETURN(SeqPtr tcb, ParseSeq(StringBytes(item.value->value.sequence), "TCB"));
      IC_ASSIGN_OR_RETURN(std::vector<Item> comps, Items(tcb.get(), keep, "TCB"));
      keep.push_back(std::move(tcb));
      unsigned tcb_seen = 0;
      for (const Item& c : comps) {
        const std::string tcb_prefix = prefix + "2.";
        if (c.oid.rfind(tcb_prefix, 0) != 0) continue;
        const std::string n_text = c.oid.substr(tcb_prefix.size());
        if (n_text.empty() || n_text.size() > 2 || n_text.find_first_not_of("0123456789") != std::string::npos) continue;
        int n = std::stoi(n_text);
        if (n >= 1 && n <= 16) {
          IC_ASSIGN_OR_RETURN(long v, Integer(c.value, "TCB component " + n_text, 255));
          ext.tcb_comp_svn[static_cast<size_t>(n - 1)] = static_cast<uint8_t>(v);
        } else if (n == 17) {
          IC_ASSIGN_OR_RETURN(long v, Integer(c.value, "PCESVN", 65535));
          ext.pce_svn = static_cast<uint16_t>(v);
        } else if (n == 18) {
          IC_ASSIGN_OR_RETURN(ext.cpu_svn, Octets<16>(c.value, "CPUSVN"));
        } else {
          continue;
        }
        tcb_seen |= 1u << n;
      }
      if (tcb_seen != 0x7fffeu) return InvalidArgument("SGX extension: TCB lacks a component, PCESVN or CPUSVN");
    } else if (field == "3") {
      IC_ASSIGN_OR_RETURN(ext.pce_id, Octets<2>(item.value, "PCE-ID"));
    } else if (field == "4") {
      IC_ASSIGN_OR_RETURN(ext.fmspc, Octets<6>(item.value, "FMSPC"));
    } else if (field == "5") {
      IC_ASSIGN_OR_RETURN(long v, Integer(item.value, "SGX Type", 2));
      ext.sgx_type = static_cast<SgxType>(v);
    } else if (field == "6") {
      IC_ASSIGN_OR_RETURN(ext.platform_instance_id, Octets<16>(item.value, "Platform Instance ID"));
    } else if (field == "7") {
      if (ASN1_TYPE_get(item.value) != V_ASN1_SEQUENCE) {
        return InvalidArgument("SGX extension: Configuration is not a SEQUENCE");
      }
      IC_ASSIGN_OR_RETURN(SeqPtr conf, ParseSeq(StringBytes(item.value->value.sequence), "Configuration"));
      IC_ASSIGN_OR_RETURN(std::vector<Item> flags, Items(conf.get(), keep, "Configuration"));
      keep.push_back(std::move(conf));
      SgxPlatformConfiguration c;
      for (const Item& f : flags) {
        if (f.oid == prefix + "7.1") {
          IC_ASSIGN_OR_RETURN(c.dynamic_platform, Boolean(f.value, "dynamic platform"));
        }
        if (f.oid == prefix + "7.2") {
          IC_ASSIGN_OR_RETURN(c.cached_keys, Boolean(f.value, "cached keys"));
        }
        if (f.oid == prefix + "7.3") {
          IC_ASSIGN_OR_RETURN(c.smt_enabled, Boolean(f.value, "SMT enabled"));
        }
      }
      ext.configuration = c;
    } else {
      continue;
    }
    if (field.size() == 1) seen |= 1u << (field[0] - '0');
  }
  if ((seen & 0x3eu) != 0x3eu) return InvalidArgument("SGX extension: lacks PPID, TCB, PCE-ID, FMSPC or SGX Type");
  return ext;
}

Result<SgxExtension> CertSgxExtension(X509* cert) {
  std::unique_ptr<ASN1_OBJECT, ObjFree> oid(OBJ_txt2obj(kSgxExtensionsOid, 1));
  if (!oid) return OpensslError("OBJ_txt2obj");
  int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (idx < 0) return NotFound("certificate has no SGX extension");
  X509_EXTENSION* ext = X509_get_ext(cert, idx);
  return DecodeSgxExtension(StringBytes(X509_EXTENSION_get_data(ext)));
}

Result<X509Ptr> IssueCertificate(const CertSpec& spec) {
  if (spec.subject_key == nullptr || spec.issuer_key == nullptr) return InvalidArgument("certificate: missing key");
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return OpensslError("X509_new");
  IC_TRY(SetRandomSerial(cert.get()));
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(spec.common_name.c_str());
  const auto* org = reinterpret_cast<const unsigned char*>(spec.organization.c_str());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, org, -1, -1, 0) != 1) {
    return OpensslError("certificate subject");
  }
  X509* issuer = spec.issuer != nullptr ? spec.issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) != 1) return OpensslError("issuer name");
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, const_cast<std::time_t*>(&spec.not_before)) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, 0, const_cast<std::time_t*>(&spec.not_after)) == nullptr) {
    return OpensslError("certificate validity");
  }
  if (X509_set_pubkey(cert.get(), spec.subject_key) != 1) return OpensslError("X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert.get(), nullptr, nullptr, 0);
  IC_TRY(AddExt(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  if (spec.issuer != nullptr) IC_TRY(AddExt(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  if (spec.ca) {
    std::string bc = "critical,CA:TRUE";
    if (spec.path_len >= 0) bc += ",pathlen:" + std::to_string(spec.path_len);
    IC_TRY(AddExt(cert.get(), &ctx, NID_basic_constraints, bc.c_str()));
    IC_TRY(AddExt(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
  } else {
    IC_TRY(AddExt(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
    IC_TRY(AddExt(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation"));
  }
  if (spec.sgx_extension) {
    std::unique_ptr<ASN1_OBJECT, ObjFree> oid(OBJ_txt2obj(kSgxExtensionsOid, 1));
    std::unique_ptr<ASN1_OCTET_STRING, OctetFree> value(ASN1_OCTET_STRING_new());
    if (!oid || !value ||
        ASN1_OCTET_STRING_set(value.get(), spec.sgx_extension->data(), static_cast<int>(spec.sgx_extension->size())) != 1) {
      return OpensslError("SGX extension value");
    }
    std::unique_ptr<X509_EXTENSION, ExtFree> ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get()));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) return OpensslError("add SGX extension");
  }
  if (X509_sign(cert.get(), spec.issuer_key, EVP_sha256()) <= 0) return OpensslError("X509_sign");
  return cert;
}

Result<X509CrlPtr> IssueCrl(X509* issuer, EVP_PKEY* issuer_key, std::time_t this_update, std::time_t next_update) {
  X509CrlPtr crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer)) != 1) {
    return OpensslError("X509_CRL_new");
  }
  struct TimeFree {
    void operator()(ASN1_TIME* p) const { ASN1_TIME_free(p); }
  };
  std::unique_ptr<ASN1_TIME, TimeFree> last(ASN1_TIME_set(nullptr, this_update));
  std::unique_ptr<ASN1_TIME, TimeFree> next(ASN1_TIME_set(nullptr, next_update));
  if (!last || !next || X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return OpensslError("CRL times");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, nullptr, nullptr, crl.get(), 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> aki(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1) return OpensslError("CRL AKI");
  std::unique_ptr<ASN1_INTEGER, IntFree> number(ASN1_INTEGER_new());
  if (!number || ASN1_INTEGER_set(number.get(), 1) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
    return OpensslError("CRL number");
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), issuer_key, EVP_sha256()) <= 0) {
    return OpensslError("X509_CRL_sign");
  }
  return crl;
}

}  // namespace inclavare::sgx::sim
