#include "attest/pck.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <cstring>
#include <memory>
#include <string>

namespace inclavare::attest {

namespace {

struct SeqFree {
  void operator()(ASN1_SEQUENCE_ANY* p) const { sk_ASN1_TYPE_pop_free(p, ASN1_TYPE_free); }
};
using SeqPtr = std::unique_ptr<ASN1_SEQUENCE_ANY, SeqFree>;
struct ObjFree {
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
};

Result<SeqPtr> ParseSeq(const unsigned char* data, long len, const char* what) {
  const unsigned char* p = data;
  SeqPtr seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
  if (!seq || p != data + len) {
    ERR_clear_error();
    return InvalidArgument(std::string("PCK extension: malformed ") + what);
  }
  return seq;
}

std::string OidText(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, obj, /*no_name=*/1);
  if (n <= 0 || n >= static_cast<int>(sizeof buf)) return {};
  return buf;
}

// An element {OID, value} of one of the extension's sequences.
Result<std::pair<std::string, const ASN1_TYPE*>> Member(const ASN1_TYPE* t, SeqPtr& holder) {
  if (ASN1_TYPE_get(t) != V_ASN1_SEQUENCE) return InvalidArgument("PCK extension: member is not a SEQUENCE");
  const ASN1_STRING* s = t->value.sequence;
  IC_ASSIGN_OR_RETURN(holder, ParseSeq(ASN1_STRING_get0_data(s), ASN1_STRING_length(s), "member"));
  if (sk_ASN1_TYPE_num(holder.get()) != 2) return InvalidArgument("PCK extension: member is not {OID, value}");
  const ASN1_TYPE* oid = sk_ASN1_TYPE_value(holder.get(), 0);
  if (ASN1_TYPE_get(oid) != V_ASN1_OBJECT) return InvalidArgument("PCK extension: member without OID");
  return std::make_pair(OidText(oid->value.object), sk_ASN1_TYPE_value(holder.get(), 1));
}

template <size_t N>
Result<std::array<uint8_t, N>> Octets(const ASN1_TYPE* v, const char* what) {
  if (ASN1_TYPE_get(v) != V_ASN1_OCTET_STRING || ASN1_STRING_length(v->value.octet_string) != static_cast<int>(N)) {
    return InvalidArgument(std::string("PCK extension: ") + what + " is not a " + std::to_string(N) +
                           "-byte OCTET STRING");
  }
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), ASN1_STRING_get0_data(v->value.octet_string), N);
  return out;
}

Result<long> Integer(const ASN1_TYPE* v, const char* what, long max) {
  long out = -1;
  if (ASN1_TYPE_get(v) == V_ASN1_INTEGER) {
    int64_t n = -1;
    out = ASN1_INTEGER_get_int64(&n, v->value.integer) == 1 ? static_cast<long>(n) : -1;
  } else if (ASN1_TYPE_get(v) == V_ASN1_ENUMERATED) {
    out = ASN1_ENUMERATED_get(v->value.enumerated);
  }
  ERR_clear_error();
  if (out < 0 || out > max) return InvalidArgument(std::string("PCK extension: bad ") + what);
  return out;
}

}  // namespace

Result<PckInfo> ParsePckExtensions(X509* cert) {
  std::unique_ptr<ASN1_OBJECT, ObjFree> oid(OBJ_txt2obj(kSgxExtensionsOid, 1));
  if (!oid) return Internal("OBJ_txt2obj");
  int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (idx < 0) return InvalidArgument("PCK certificate has no SGX extension (1.2.840.113741.1.13.1)");
  X509_EXTENSION* ext = X509_get_ext(cert, idx);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  IC_ASSIGN_OR_RETURN(SeqPtr top, ParseSeq(ASN1_STRING_get0_data(data), ASN1_STRING_length(data), "extension"));
  PckInfo info;
  bool have_tcb = false, have_pceid = false, have_fmspc = false;
  for (int i = 0; i < sk_ASN1_TYPE_num(top.get()); ++i) {
    SeqPtr holder;
    IC_ASSIGN_OR_RETURN(auto m, Member(sk_ASN1_TYPE_value(top.get(), i), holder));
    const std::string& id = m.first;
    const std::string base = std::string(kSgxExtensionsOid) + ".";
    if (id == base + "1") {
      IC_ASSIGN_OR_RETURN(info.ppid, Octets<16>(m.second, "PPID"));
    } else if (id == base + "3") {
      IC_ASSIGN_OR_RETURN(info.pce_id, Octets<2>(m.second, "PCE-ID"));
      have_pceid = true;
    } else if (id == base + "4") {
      IC_ASSIGN_OR_RETURN(info.fmspc, Octets<6>(m.second, "FMSPC"));
      have_fmspc = true;
    } else if (id == base + "5") {
      IC_ASSIGN_OR_RETURN(long t, Integer(m.second, "SGX type", 16));
      info.sgx_type = static_cast<int>(t);
    } else if (id == base + "2") {
      if (ASN1_TYPE_get(m.second) != V_ASN1_SEQUENCE) return InvalidArgument("PCK extension: TCB is not a SEQUENCE");
      const ASN1_STRING* s = m.second->value.sequence;
      IC_ASSIGN_OR_RETURN(SeqPtr tcb, ParseSeq(ASN1_STRING_get0_data(s), ASN1_STRING_length(s), "TCB"));
      int seen = 0;
      for (int k = 0; k < sk_ASN1_TYPE_num(tcb.get()); ++k) {
        SeqPtr h2;
        IC_ASSIGN_OR_RETURN(auto c, Member(sk_ASN1_TYPE_value(tcb.get(), k), h2));
        const std::string tb = base + "2.";
        if (c.first.rfind(tb, 0) != 0) continue;
        int n = std::atoi(c.first.c_str() + tb.size());
        if (n >= 1 && n <= 16) {
          IC_ASSIGN_OR_RETURN(long v, Integer(c.second, "TCB component SVN", 255));
          info.tcb_components[static_cast<size_t>(n - 1)] = static_cast<uint8_t>(v);
          ++seen;
        } else if (n == 17) {
          IC_ASSIGN_OR_RETURN(long v, Integer(c.second, "PCESVN", 65535));
          info.pce_svn = static_cast<uint16_t>(v);
          ++seen;
        } else if (n == 18) {
          IC_ASSIGN_OR_RETURN(info.cpu_svn, Octets<16>(c.second, "CPUSVN"));
        }
      }
      if (seen != 17) return InvalidArgument("PCK extension: TCB lacks component SVNs or PCESVN");
      have_tcb = true;
    }
  }
  if (!have_tcb || !have_pceid || !have_fmspc) {
    return InvalidArgument("PCK extension: TCB, PCE-ID or FMSPC missing");
  }
  return info;
}

}  // namespace inclavare::attest
