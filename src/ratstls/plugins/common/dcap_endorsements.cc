#include "ratstls/plugins/common/dcap_endorsements.h"

#include <cbor.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>

#include "attest/x509.h"
#include "common/fs.h"

namespace inclavare::ratstls {

namespace {

struct CborDecref {
  void operator()(cbor_item_t* p) const {
    if (p) cbor_decref(&p);
  }
};
using CborPtr = std::unique_ptr<cbor_item_t, CborDecref>;

constexpr size_t kRequiredEntries = 8;
constexpr size_t kMaxEntries = 9;
// Entry names in the oe_sgx_endorsements_fields_t order, for errors.
constexpr const char* kEntryNames[kMaxEntries] = {
    "VERSION",      "TCB_INFO",           "TCB_ISSUER_CHAIN",
    "CRL_PCK_CERT", "CRL_PCK_PROC_CA",    "CRL_ISSUER_CHAIN_PCK_CERT",
    "QE_ID_INFO",   "QE_ID_ISSUER_CHAIN", "CREATION_DATETIME",
};

bool IsPem(std::string_view s) { return s.starts_with("-----BEGIN"); }

// Text entries go out with a trailing NUL, as Open Enclave writes them.
std::string WithNul(const std::string& s) {
  std::string out = s;
  if (out.empty() || out.back() != '\0') out.push_back('\0');
  return out;
}
std::string StripNul(std::string s) {
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

// A CRL is binary (DER) unless it is PEM text; only text gets the NUL.
std::string CrlOut(const std::string& crl) { return IsPem(crl) ? WithNul(crl) : crl; }
std::string CrlIn(std::string crl) { return IsPem(crl) ? StripNul(std::move(crl)) : crl; }

Result<std::string> ByteString(const cbor_item_t* item, size_t index) {
  const std::string what =
      std::string("endorsements: entry ") + std::to_string(index) + " (" + kEntryNames[index] + ")";
  if (!cbor_isa_bytestring(item)) return InvalidArgument(what + " is not a byte string");
  if (cbor_bytestring_is_definite(item)) {
    return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                       cbor_bytestring_length(item));
  }
  std::string out;
  cbor_item_t** chunks = cbor_bytestring_chunks_handle(item);
  for (size_t i = 0; i < cbor_bytestring_chunk_count(item); ++i) {
    out.append(reinterpret_cast<const char*>(cbor_bytestring_handle(chunks[i])),
               cbor_bytestring_length(chunks[i]));
  }
  return out;
}

Result<> PushBytes(cbor_item_t* array, std::string_view bytes) {
  cbor_item_t* b = cbor_build_bytestring(reinterpret_cast<cbor_data>(bytes.data()), bytes.size());
  if (!b) return Internal("endorsements: out of memory encoding a byte string");
  if (!cbor_array_push(array, cbor_move(b))) return Internal("endorsements: cannot append to the CBOR array");
  return {};
}

Result<std::string> ReadOptional(const std::string& path) {
  if (!fs::Exists(path)) return std::string();
  auto r = fs::ReadFile(path);
  if (!r) return std::move(r).Wrap("read " + path);
  return *r;
}

// The first of `names` in dir that exists, read; NotFound naming all when none.
Result<std::string> ReadFirst(const std::string& dir, std::initializer_list<const char*> names,
                              bool required) {
  std::string tried;
  for (const char* n : names) {
    const std::string path = fs::Join(dir, n);
    if (fs::Exists(path)) {
      auto r = fs::ReadFile(path);
      if (!r) return std::move(r).Wrap("read " + path);
      if (r->empty()) return InvalidArgument("collateral: " + path + " is empty");
      return *r;
    }
    tried += tried.empty() ? n : std::string(", ") + n;
  }
  if (!required) return std::string();
  return NotFound("collateral directory " + dir + ": none of " + tried);
}

Result<std::string> CertsToPem(const std::vector<attest::X509Ptr>& certs, size_t from) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return Internal("out of memory (BIO)");
  for (size_t i = from; i < certs.size(); ++i) {
    if (PEM_write_bio_X509(bio.get(), certs[i].get()) != 1)
      return Internal("cannot write a certificate as PEM");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

}  // namespace

Result<std::vector<uint8_t>> EncodeDcapEndorsements(const DcapEndorsements& e) {
  const size_t n = e.creation_datetime ? kMaxEntries : kRequiredEntries;
  CborPtr array(cbor_new_definite_array(n));
  if (!array) return Internal("endorsements: out of memory encoding the CBOR array");
  cbor_item_t* version = cbor_build_uint32(e.version);
  if (!version || !cbor_array_push(array.get(), cbor_move(version))) {
    return Internal("endorsements: cannot encode the version");
  }
  IC_TRY(PushBytes(array.get(), WithNul(e.tcb_info)));
  IC_TRY(PushBytes(array.get(), WithNul(e.tcb_issuer_chain)));
  IC_TRY(PushBytes(array.get(), CrlOut(e.pck_crl)));
  IC_TRY(PushBytes(array.get(), CrlOut(e.root_ca_crl)));
  IC_TRY(PushBytes(array.get(), WithNul(e.pck_crl_issuer_chain)));
  IC_TRY(PushBytes(array.get(), WithNul(e.qe_identity)));
  IC_TRY(PushBytes(array.get(), WithNul(e.qe_identity_issuer_chain)));
  if (e.creation_datetime) IC_TRY(PushBytes(array.get(), WithNul(*e.creation_datetime)));
  unsigned char* buf = nullptr;
  size_t buf_size = 0;
  size_t len = cbor_serialize_alloc(array.get(), &buf, &buf_size);
  if (len == 0 || !buf) {
    free(buf);
    return Internal("endorsements: CBOR serialisation failed");
  }
  std::vector<uint8_t> out(buf, buf + len);
  free(buf);
  return out;
}

Result<DcapEndorsements> DecodeDcapEndorsements(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return InvalidArgument("endorsements: empty");
  cbor_load_result res{};
  CborPtr item(cbor_load(bytes.data(), bytes.size(), &res));
  if (!item || res.error.code != CBOR_ERR_NONE) {
    return InvalidArgument("endorsements: malformed CBOR at byte " + std::to_string(res.error.position));
  }
  if (res.read != bytes.size()) {
    return InvalidArgument("endorsements: " + std::to_string(bytes.size() - res.read) +
                           " trailing bytes after the CBOR array");
  }
  if (!cbor_isa_array(item.get())) {
    return InvalidArgument(std::string("endorsements: expected a CBOR array, got ") +
                           (cbor_isa_tag(item.get()) ? "a tag" : "another type"));
  }
  const size_t n = cbor_array_size(item.get());
  if (n != kRequiredEntries && n != kMaxEntries) {
    return InvalidArgument("endorsements: the array has " + std::to_string(n) + " entries, expected 8 or 9");
  }
  cbor_item_t** entries = cbor_array_handle(item.get());
  if (!cbor_isa_uint(entries[0]))
    return InvalidArgument("endorsements: entry 0 (VERSION) is not an unsigned integer");
  const uint64_t version = cbor_get_int(entries[0]);
  if (version > UINT32_MAX)
    return InvalidArgument("endorsements: VERSION " + std::to_string(version) + " is too large");
  DcapEndorsements e;
  e.version = static_cast<uint32_t>(version);
  std::string v[kMaxEntries];
  for (size_t i = 1; i < n; ++i) {
    IC_ASSIGN_OR_RETURN(v[i], ByteString(entries[i], i));
  }
  e.tcb_info = StripNul(std::move(v[1]));
  e.tcb_issuer_chain = StripNul(std::move(v[2]));
  e.pck_crl = CrlIn(std::move(v[3]));
  e.root_ca_crl = CrlIn(std::move(v[4]));
  e.pck_crl_issuer_chain = StripNul(std::move(v[5]));
  e.qe_identity = StripNul(std::move(v[6]));
  e.qe_identity_issuer_chain = StripNul(std::move(v[7]));
  if (n == kMaxEntries) e.creation_datetime = StripNul(std::move(v[8]));
  return e;
}

Result<attest::Collateral> ToCollateral(const DcapEndorsements& e) {
  if (e.tcb_info.empty()) return InvalidArgument("endorsements: TCB_INFO is empty");
  if (e.qe_identity.empty()) return InvalidArgument("endorsements: QE_ID_INFO is empty");
  if (e.pck_crl.empty()) return InvalidArgument("endorsements: CRL_PCK_CERT (the PCK CA CRL) is empty");
  attest::Collateral c;
  IC_ASSIGN_OR_RETURN(c.tcb_info,
                      attest::ParseSignedDocument(e.tcb_info, "tcbInfo").Wrap("endorsements: TCB_INFO"));
  IC_ASSIGN_OR_RETURN(
      c.qe_identity,
      attest::ParseSignedDocument(e.qe_identity, "enclaveIdentity").Wrap("endorsements: QE_ID_INFO"));
  if (!e.tcb_issuer_chain.empty()) c.tcb_info.issuer_chain = e.tcb_issuer_chain;
  if (!e.qe_identity_issuer_chain.empty()) c.qe_identity.issuer_chain = e.qe_identity_issuer_chain;
  c.tcb_signing_chain = e.tcb_issuer_chain;
  IC_ASSIGN_OR_RETURN(c.pck_crl, attest::UnwrapCrl(e.pck_crl).Wrap("endorsements: CRL_PCK_CERT"));
  if (!e.root_ca_crl.empty()) {
    IC_ASSIGN_OR_RETURN(c.root_ca_crl,
                        attest::UnwrapCrl(e.root_ca_crl).Wrap("endorsements: CRL_PCK_PROC_CA"));
  }
  return c;
}

Result<DcapEndorsements> LoadDcapEndorsementsDir(const std::string& dir) {
  if (!fs::Exists(dir)) return NotFound("collateral directory " + dir + " does not exist");
  DcapEndorsements e;
  IC_ASSIGN_OR_RETURN(e.tcb_info, ReadFirst(dir, {"tcb_info.json"}, true));
  IC_ASSIGN_OR_RETURN(e.qe_identity, ReadFirst(dir, {"qe_identity.json"}, true));
  IC_ASSIGN_OR_RETURN(e.pck_crl, ReadFirst(dir,
                                           {"pck_platform_ca.crl.der", "pck_platform_ca.crl.pem",
                                            "pck_processor_ca.crl.der", "pck_processor_ca.crl.pem"},
                                           true));
  IC_ASSIGN_OR_RETURN(e.root_ca_crl, ReadFirst(dir, {"root_ca.crl.der", "root_ca.crl.pem"}, false));
  IC_ASSIGN_OR_RETURN(std::string chain, ReadFirst(dir, {"tcb_signing_chain.pem"}, false));
  std::vector<attest::X509Ptr> certs;
  if (!chain.empty()) {
    // PEM (signing cert, then its issuers) or a single DER certificate.
    IC_ASSIGN_OR_RETURN(certs, attest::ParseCertChain(chain).Wrap(fs::Join(dir, "tcb_signing_chain.pem")));
    if (IsPem(chain)) {
      e.tcb_issuer_chain = chain;
    } else {
      IC_ASSIGN_OR_RETURN(e.tcb_issuer_chain, CertsToPem(certs, 0));
    }
  }
  e.qe_identity_issuer_chain = e.tcb_issuer_chain;
  IC_ASSIGN_OR_RETURN(e.pck_crl_issuer_chain, ReadOptional(fs::Join(dir, "pck_crl_issuer_chain.pem")));
  if (e.pck_crl_issuer_chain.empty() && certs.size() > 1) {
    // The root part of the TCB signing chain (the PCK CA is not in the
    // directory); the verifier checks the CRL against its own trust anchors.
    IC_ASSIGN_OR_RETURN(e.pck_crl_issuer_chain, CertsToPem(certs, 1));
  }
  return e;
}

}  // namespace inclavare::ratstls
