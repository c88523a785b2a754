// CBOR (libcbor) and X.509 (OpenSSL) handling of attested-TLS certificates.
//
// Decoding runs in two passes over untrusted bytes. First a scan with
// libcbor's streaming decoder walks the item's headers: it rejects
// indefinite lengths, bounds the nesting depth (libcbor frees items
// recursively) and every declared array/map/string size by the bytes left
// (libcbor's tree builder allocates a declared array before reading it), and
// finds where the top-level item ends. Only then does cbor_load build the
// tree, whose item types are checked exactly.
#include "ratstls/format/cert_format.h"

#include <cbor.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>
#include <string_view>

#include "enclave/sgx/quote.h"

namespace inclavare::ratstls {
namespace {

// Evidence structures are shallow; the limit keeps libcbor's recursive
// cbor_decref far from the stack's end.
constexpr size_t kMaxDepth = 16;

struct CborDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using CborPtr = std::unique_ptr<cbor_item_t, CborDeleter>;

// RFC 3629 UTF-8: no overlongs, surrogates or code points above U+10FFFF.
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1, cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2, cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3, cp = b & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// ---- pass 1: header scan ----------------------------------------------------

struct ScanContext {
  size_t avail = 0;       // bytes from the current header to the end of input
  uint64_t children = 0;  // of the container just started (0: a leaf)
  bool container = false;
  const char* error = nullptr;
};

ScanContext* Ctx(void* p) { return static_cast<ScanContext*>(p); }
void Leaf(void* p) { Ctx(p)->container = false; }
void Indefinite(void* p) { Ctx(p)->error = "indefinite-length item"; }
void Children(void* p, uint64_t n) {
  ScanContext* c = Ctx(p);
  c->container = true;
  c->children = n;
  // Each child takes at least one byte: larger counts are lies (and would
  // make libcbor allocate n pointers up front).
  if (n > c->avail) c->error = "declared size exceeds the input";
}
void ByteString(void* p, cbor_data, size_t len) {
  Leaf(p);
  if (len > Ctx(p)->avail) Ctx(p)->error = "string length exceeds the input";
}
void TextString(void* p, cbor_data data, size_t len) {
  ByteString(p, data, len);
  if (!Ctx(p)->error && !ValidUtf8({reinterpret_cast<const char*>(data), len})) {
    Ctx(p)->error = "text string is not valid UTF-8";
  }
}

const cbor_callbacks& ScanCallbacks() {
  static const cbor_callbacks cb = [] {
    cbor_callbacks c = cbor_empty_callbacks;
    c.uint8 = [](void* p, uint8_t) { Leaf(p); };
    c.uint16 = [](void* p, uint16_t) { Leaf(p); };
    c.uint32 = [](void* p, uint32_t) { Leaf(p); };
    c.uint64 = [](void* p, uint64_t) { Leaf(p); };
    c.negint8 = [](void* p, uint8_t) { Leaf(p); };
    c.negint16 = [](void* p, uint16_t) { Leaf(p); };
    c.negint32 = [](void* p, uint32_t) { Leaf(p); };
    c.negint64 = [](void* p, uint64_t) { Leaf(p); };
    c.byte_string = ByteString;
    c.string = TextString;
    c.byte_string_start = Indefinite;
    c.string_start = Indefinite;
    c.indef_array_start = Indefinite;
    c.indef_map_start = Indefinite;
    c.indef_break = [](void* p) { Ctx(p)->error = "unexpected break byte"; };
    c.array_start = [](void* p, size_t n) { Children(p, n); };
    c.map_start = [](void* p, size_t n) {
      Children(p, n > SIZE_MAX / 2 ? SIZE_MAX : 2 * static_cast<uint64_t>(n));
    };
    c.tag = [](void* p, uint64_t) { Children(p, 1); };
    c.float2 = [](void* p, float) { Leaf(p); };
    c.float4 = [](void* p, float) { Leaf(p); };
    c.float8 = [](void* p, double) { Leaf(p); };
    c.undefined = Leaf;
    c.null = Leaf;
    c.boolean = [](void* p, bool) { Leaf(p); };
    return c;
  }();
  return cb;
}

struct Scan {
  size_t first_header = 0;  // length of the top-level item's own header
  size_t end = 0;           // where the top-level item ends
};

Result<Scan> ScanItem(std::span<const uint8_t> in, const std::string& what) {
  if (in.empty()) return InvalidArgument(what + ": empty");
  Scan s;
  std::vector<uint64_t> open;  // children still expected per open container
  size_t off = 0;
  do {
    ScanContext ctx;
    ctx.avail = in.size() - off;
    cbor_decoder_result r = cbor_stream_decode(in.data() + off, in.size() - off, &ScanCallbacks(), &ctx);
    if (r.status == CBOR_DECODER_NEDATA) {
      return InvalidArgument(what + ": truncated CBOR item (input ends at " + std::to_string(in.size()) +
                             " bytes)");
    }
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || r.read > ctx.avail) {
      return InvalidArgument(what + ": malformed CBOR at offset " + std::to_string(off));
    }
    if (ctx.error) return InvalidArgument(what + ": " + ctx.error + " at offset " + std::to_string(off));
    off += r.read;
    if (s.first_header == 0) s.first_header = r.read;
    if (ctx.container && ctx.children > 0) {
      if (open.size() >= kMaxDepth) {
        return InvalidArgument(what + ": CBOR nested deeper than " + std::to_string(kMaxDepth) + " levels");
      }
      open.push_back(ctx.children);
      continue;
    }
    // A complete item: close every container it completes.
    while (!open.empty() && --open.back() == 0) open.pop_back();
  } while (!open.empty());
  s.end = off;
  return s;
}

// ---- pass 2: the tree ---------------------------------------------------------

struct Loaded {
  CborPtr item;
  Scan scan;
};

// One definite-length CBOR item; after it only zero bytes when zero_padding,
// else nothing.
Result<Loaded> LoadStrict(std::span<const uint8_t> in, const std::string& what, bool zero_padding) {
  IC_ASSIGN_OR_RETURN(Scan s, ScanItem(in, what));
  for (size_t i = s.end; i < in.size(); ++i) {
    if (!zero_padding) {
      return InvalidArgument(what + ": " + std::to_string(in.size() - s.end) +
                             " trailing bytes after the CBOR item");
    }
    if (in[i] != 0) return InvalidArgument(what + ": trailing non-zero bytes after the CBOR item");
  }
  cbor_load_result res{};
  CborPtr item(cbor_load(in.data(), s.end, &res));
  if (!item || res.error.code != CBOR_ERR_NONE || res.read != s.end) {
    return InvalidArgument(what + ": libcbor rejected the item (error " + std::to_string(res.error.code) +
                           " at offset " + std::to_string(res.error.position) + ")");
  }
  return Loaded{std::move(item), s};
}

const char* TypeName(const cbor_item_t* item) {
  switch (cbor_typeof(item)) {
    case CBOR_TYPE_UINT:
      return "an unsigned integer";
    case CBOR_TYPE_NEGINT:
      return "a negative integer";
    case CBOR_TYPE_BYTESTRING:
      return "a byte string";
    case CBOR_TYPE_STRING:
      return "a text string";
    case CBOR_TYPE_ARRAY:
      return "an array";
    case CBOR_TYPE_MAP:
      return "a map";
    case CBOR_TYPE_TAG:
      return "a tag";
    case CBOR_TYPE_FLOAT_CTRL:
      return "a float or simple value";
  }
  return "an unknown item";
}

bool IsBstr(const cbor_item_t* item) {
  return cbor_isa_bytestring(item) && cbor_bytestring_is_definite(item);
}

Bytes BstrValue(const cbor_item_t* item) {
  const uint8_t* p = cbor_bytestring_handle(item);
  return Bytes(p, p + cbor_bytestring_length(item));
}

// ---- encoding -------------------------------------------------------------------

// Appends CBOR heads with libcbor's encoders, which always choose the
// shortest argument form (RFC 8949 section 4.2.1).
class Writer {
 public:
  void Tag(uint64_t v) {
    // libcbor 0.8's decoder refuses the one-byte heads of tags 6..20
    // (unassigned when it was written), so such output could not be read back.
    if (v >= 6 && v <= 20) {
      error_ = "CBOR tag " + std::to_string(v) + " is not supported (libcbor cannot decode tags 6..20)";
    }
    Head(cbor_encode_tag(v, scratch_, sizeof scratch_));
  }
  void Array(size_t n) { Head(cbor_encode_array_start(n, scratch_, sizeof scratch_)); }
  void Map(size_t n) { Head(cbor_encode_map_start(n, scratch_, sizeof scratch_)); }
  void Uint(uint64_t v) { Head(cbor_encode_uint(v, scratch_, sizeof scratch_)); }
  void Bstr(std::span<const uint8_t> b) {
    Head(cbor_encode_bytestring_start(b.size(), scratch_, sizeof scratch_));
    Raw(b);
  }
  void Tstr(std::string_view s) {
    Head(cbor_encode_string_start(s.size(), scratch_, sizeof scratch_));
    Raw({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  }
  void Raw(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  Result<Bytes> Take(const char* what) {
    if (!error_.empty()) return InvalidArgument(std::string(what) + ": " + error_);
    return std::move(out_);
  }

 private:
  void Head(size_t n) {
    if (n == 0 && error_.empty()) error_ = "libcbor failed to encode a CBOR head";
    out_.insert(out_.end(), scratch_, scratch_ + n);
  }
  unsigned char scratch_[9];
  Bytes out_;
  std::string error_;
};

// ---- hashes ---------------------------------------------------------------------

struct HashAlg {
  int id;
  const char* name;
  size_t size;
  const EVP_MD* (*md)();
};
constexpr HashAlg kHashAlgs[] = {
    {1, "SHA-256", 32, EVP_sha256},
    {7, "SHA-384", 48, EVP_sha384},
    {8, "SHA-512", 64, EVP_sha512},
};

const HashAlg* FindHashAlg(uint64_t id) {
  for (const HashAlg& a : kHashAlgs) {
    if (static_cast<uint64_t>(a.id) == id) return &a;
  }
  return nullptr;
}

Result<const HashAlg*> CheckHash(uint64_t id, size_t size, const std::string& what) {
  const HashAlg* alg = FindHashAlg(id);
  if (!alg)
    return InvalidArgument(what + ": unknown hash algorithm id " + std::to_string(id) +
                           " (supported: 1, 7, 8)");
  if (size != alg->size) {
    return InvalidArgument(what + ": " + alg->name + " hash is " + std::to_string(size) +
                           " bytes, expected " + std::to_string(alg->size));
  }
  return alg;
}

// pubkey-hash value: the CBOR encoding of hash-entry [hash-alg-id uint, hash bstr].
Result<> DecodePubkeyHash(std::span<const uint8_t> value, ClaimsBuffer& out) {
  const std::string what = "claims: pubkey-hash";
  IC_ASSIGN_OR_RETURN(Loaded l, LoadStrict(value, what, false));
  cbor_item_t* a = l.item.get();
  if (!cbor_isa_array(a))
    return InvalidArgument(what + ": expected an array [hash-alg-id, hash], got " + TypeName(a));
  if (cbor_array_size(a) != 2) {
    return InvalidArgument(what + ": expected an array of 2 entries, got " +
                           std::to_string(cbor_array_size(a)));
  }
  cbor_item_t** e = cbor_array_handle(a);
  if (!cbor_isa_uint(e[0]))
    return InvalidArgument(what + ": hash-alg-id is " + TypeName(e[0]) + ", not an unsigned integer");
  if (!IsBstr(e[1]))
    return InvalidArgument(what + ": hash value is " + TypeName(e[1]) + ", not a byte string");
  uint64_t id = cbor_get_int(e[0]);
  IC_TRY(CheckHash(id, cbor_bytestring_length(e[1]), what));
  out.hash_alg = static_cast<int>(id);
  out.pubkey_hash = BstrValue(e[1]);
  return {};
}

// A tag whose content is one item; checks the tag, returns the content.
Result<CborPtr> TagContent(const Loaded& l, const std::string& what) {
  if (!cbor_isa_tag(l.item.get())) {
    return InvalidArgument(what + ": expected a CBOR tag, got " + TypeName(l.item.get()));
  }
  return CborPtr(cbor_tag_item(l.item.get()));  // libcbor >= 0.8: a new reference
}

// ---- certificates -----------------------------------------------------------------

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct ObjDeleter {
  void operator()(ASN1_OBJECT* o) const { ASN1_OBJECT_free(o); }
};

enum Slot { kTagged, kEndorse, kLegacy, kGramine, kIntelSdk, kSlots };

struct ExtId {
  std::string name;
  Bytes content;  // OID content octets
};

// The extensions we look for, matched by OID content octets; Gramine's
// malformed OID carries the tag and length of 1.2.840.113741.1337.6 inside.
const std::vector<ExtId>& ExtIds() {
  static const std::vector<ExtId> ids = [] {
    auto content = [](const char* dotted) {
      std::unique_ptr<ASN1_OBJECT, ObjDeleter> o(OBJ_txt2obj(dotted, 1));
      if (!o) return Bytes();
      const unsigned char* d = OBJ_get0_data(o.get());
      return Bytes(d, d + OBJ_length(o.get()));
    };
    std::vector<ExtId> v(kSlots);
    v[kTagged] = {kTaggedEvidenceOid, content(kTaggedEvidenceOid)};
    v[kEndorse] = {kEndorsementsOid, content(kEndorsementsOid)};
    v[kLegacy] = {kLegacyQuoteOid, content(kLegacyQuoteOid)};
    v[kGramine] = {"0.6.9.42.840.113741.1337.6", {0x06}};
    v[kGramine].content.push_back(static_cast<uint8_t>(v[kLegacy].content.size()));
    v[kGramine].content.insert(v[kGramine].content.end(), v[kLegacy].content.begin(),
                               v[kLegacy].content.end());
    v[kIntelSdk] = {kIntelSdkQuoteOid, content(kIntelSdkQuoteOid)};
    return v;
  }();
  return ids;
}

std::string OpensslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

template <class T, class F>
Result<Bytes> I2d(const T* obj, F i2d, const char* what) {
  unsigned char* der = nullptr;
  int len = i2d(obj, &der);
  if (len <= 0 || !der)
    return InvalidArgument(std::string("certificate: cannot encode the ") + what + ": " + OpensslError());
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<int64_t> UnixTime(const ASN1_TIME* t, const char* what) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_clear_error();
    return InvalidArgument(std::string("certificate: invalid ") + what + " time");
  }
  return static_cast<int64_t>(timegm(&tm));
}

uint16_t Le16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}
uint32_t Le32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
         static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}

// SGX/TDX quotes by their header (version u16 @0, att_key_type u16 @2,
// tee_type u32 @4; Interoperable RA-TLS SGX/TDX evidence formats).
Result<std::string> IntelQuoteType(std::span<const uint8_t> q) {
  if (q.size() < sizeof(sgx::QuoteHeader)) {
    return InvalidArgument("evidence: " + std::to_string(q.size()) +
                           " bytes, shorter than an Intel quote header (" +
                           std::to_string(sizeof(sgx::QuoteHeader)) + ")");
  }
  uint16_t version = Le16(q, 0), key_type = Le16(q, 2);
  uint32_t tee = Le32(q, 4);
  const std::string desc =
      "quote version " + std::to_string(version) + ", attestation key type " + std::to_string(key_type);
  bool epid = version == 2 || (version == 3 && (key_type == 0 || key_type == 1));
  if (epid) return InvalidArgument("evidence: SGX EPID quotes are not supported (" + desc + ")");
  if (version < 3 || version > 5)
    return InvalidArgument("evidence: unsupported Intel quote version " + std::to_string(version));
  if (key_type != static_cast<uint16_t>(sgx::AttestationKeyType::kEcdsa256P256) &&
      key_type != static_cast<uint16_t>(sgx::AttestationKeyType::kEcdsa384P384)) {
    return InvalidArgument("evidence: unsupported attestation key type in " + desc);
  }
  if (version == 3) return std::string("sgx_ecdsa");
  if (tee == static_cast<uint32_t>(sgx::TeeType::kSgx)) return std::string("sgx_ecdsa");
  if (tee == static_cast<uint32_t>(sgx::TeeType::kTdx)) return std::string("tdx_ecdsa");
  char hex[16];
  snprintf(hex, sizeof hex, "0x%x", tee);
  return InvalidArgument("evidence: unknown TEE type " + std::string(hex) + " in " + desc);
}

}  // namespace

// ---- claims ---------------------------------------------------------------------

Result<Bytes> EncodeClaims(const ClaimsBuffer& claims) {
  IC_TRY(CheckHash(static_cast<uint64_t>(claims.hash_alg < 0 ? UINT64_MAX : claims.hash_alg),
                   claims.pubkey_hash.size(), "claims: pubkey-hash"));
  std::set<std::string_view> names;
  for (const auto& [name, value] : claims.custom) {
    if (name == kClaimPubkeyHash || name == kClaimNonce) {
      return InvalidArgument("claims: custom claim \"" + name + "\" uses a reserved name");
    }
    if (!ValidUtf8(name)) return InvalidArgument("claims: custom claim name is not valid UTF-8");
    if (!names.insert(name).second) return InvalidArgument("claims: duplicate custom claim \"" + name + "\"");
  }
  Writer hash_entry;
  hash_entry.Array(2);
  hash_entry.Uint(static_cast<uint64_t>(claims.hash_alg));
  hash_entry.Bstr(claims.pubkey_hash);
  IC_ASSIGN_OR_RETURN(Bytes entry, hash_entry.Take("claims"));

  // Keys in a fixed order (pubkey-hash, nonce, custom claims as given), as
  // upstream rats-tls writes them; the buffer is hashed as is, never re-encoded.
  Writer w;
  w.Map(1 + (claims.nonce ? 1 : 0) + claims.custom.size());
  w.Tstr(kClaimPubkeyHash);
  w.Bstr(entry);
  if (claims.nonce) {
    w.Tstr(kClaimNonce);
    w.Bstr(*claims.nonce);
  }
  for (const auto& [name, value] : claims.custom) {
    w.Tstr(name);
    w.Bstr(value);
  }
  return w.Take("claims");
}

Result<ClaimsBuffer> DecodeClaims(std::span<const uint8_t> buffer) {
  IC_ASSIGN_OR_RETURN(Loaded l, LoadStrict(buffer, "claims", true));
  cbor_item_t* map = l.item.get();
  if (!cbor_isa_map(map))
    return InvalidArgument(std::string("claims: expected a CBOR map, got ") + TypeName(map));
  ClaimsBuffer out;
  bool have_hash = false;
  std::set<std::string> seen;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    const cbor_item_t* k = pairs[i].key;
    if (!cbor_isa_string(k) || !cbor_string_is_definite(k)) {
      return InvalidArgument("claims: key " + std::to_string(i) + " is " + TypeName(k) +
                             ", not a text string");
    }
    std::string name(reinterpret_cast<const char*>(cbor_string_handle(k)), cbor_string_length(k));
    if (!seen.insert(name).second) return InvalidArgument("claims: duplicate key \"" + name + "\"");
    const cbor_item_t* v = pairs[i].value;
    if (!IsBstr(v)) {
      return InvalidArgument("claims: value of \"" + name + "\" is " + TypeName(v) + ", not a byte string");
    }
    Bytes value = BstrValue(v);
    if (name == kClaimPubkeyHash) {
      IC_TRY(DecodePubkeyHash(value, out));
      have_hash = true;
    } else if (name == kClaimNonce) {
      out.nonce = std::move(value);
    } else {
      out.custom.emplace_back(std::move(name), std::move(value));
    }
  }
  if (!have_hash) return InvalidArgument("claims: missing \"pubkey-hash\"");
  return out;
}

// ---- tagged evidence and endorsements ----------------------------------------------

Result<Bytes> EncodeTaggedEvidence(uint64_t tag, std::span<const uint8_t> evidence,
                                   std::span<const uint8_t> claims_buffer) {
  Writer w;
  w.Tag(tag);
  w.Array(2);
  w.Bstr(evidence);
  w.Bstr(claims_buffer);
  return w.Take("tagged evidence");
}

Result<TaggedEvidence> DecodeTaggedEvidence(std::span<const uint8_t> extension_value) {
  const std::string what = "tagged evidence";
  IC_ASSIGN_OR_RETURN(Loaded l, LoadStrict(extension_value, what, true));
  IC_ASSIGN_OR_RETURN(CborPtr content, TagContent(l, what));
  cbor_item_t* a = content.get();
  if (!cbor_isa_array(a))
    return InvalidArgument(what + ": expected an array [evidence, claims-buffer], got " + TypeName(a));
  if (cbor_array_size(a) != 2) {
    return InvalidArgument(what + ": expected an array of 2 entries, got " +
                           std::to_string(cbor_array_size(a)));
  }
  cbor_item_t** e = cbor_array_handle(a);
  if (!IsBstr(e[0])) return InvalidArgument(what + ": evidence is " + TypeName(e[0]) + ", not a byte string");
  if (!IsBstr(e[1]))
    return InvalidArgument(what + ": claims-buffer is " + TypeName(e[1]) + ", not a byte string");
  TaggedEvidence out;
  out.tag = cbor_tag_value(l.item.get());
  out.evidence = BstrValue(e[0]);
  out.claims_buffer = BstrValue(e[1]);
  return out;
}

Result<Bytes> EncodeTaggedEndorsements(uint64_t tag, std::span<const uint8_t> encoded_item) {
  // The item must be exactly one well-formed, definite-length CBOR item; it
  // is copied verbatim after the tag head.
  IC_TRY(LoadStrict(encoded_item, "endorsements item", false));
  Writer w;
  w.Tag(tag);
  w.Raw(encoded_item);
  return w.Take("tagged endorsements");
}

Result<TaggedEndorsements> DecodeTaggedEndorsements(std::span<const uint8_t> extension_value) {
  const std::string what = "tagged endorsements";
  IC_ASSIGN_OR_RETURN(Loaded l, LoadStrict(extension_value, what, true));
  IC_TRY(TagContent(l, what));
  TaggedEndorsements out;
  out.tag = cbor_tag_value(l.item.get());
  out.item.assign(extension_value.begin() + l.scan.first_header, extension_value.begin() + l.scan.end);
  return out;
}

// ---- certificates -------------------------------------------------------------------

Result<CertEvidence> ExtractCertEvidence(std::span<const uint8_t> cert_der) {
  if (cert_der.empty()) return InvalidArgument("certificate: empty");
  if (cert_der.size() > LONG_MAX) return InvalidArgument("certificate: too large");
  const unsigned char* p = cert_der.data();
  std::unique_ptr<X509, X509Deleter> cert(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  if (!cert) return InvalidArgument("certificate: not a DER X.509 certificate (" + OpensslError() + ")");
  if (p != cert_der.data() + cert_der.size()) {
    return InvalidArgument("certificate: " + std::to_string(cert_der.data() + cert_der.size() - p) +
                           " trailing bytes after the DER certificate");
  }
  CertEvidence out;
  X509_PUBKEY* xpk = X509_get_X509_PUBKEY(cert.get());
  if (!xpk) return InvalidArgument("certificate: no SubjectPublicKeyInfo");
  IC_ASSIGN_OR_RETURN(out.spki_der, I2d(xpk, i2d_X509_PUBKEY, "SubjectPublicKeyInfo"));
  // An unsupported key type is not an error here: the binding is by SPKI.
  if (EVP_PKEY* pk = X509_get0_pubkey(cert.get()); pk && EVP_PKEY_base_id(pk) == EVP_PKEY_RSA) {
    IC_ASSIGN_OR_RETURN(out.rsa_pkcs1_der, I2d(pk, i2d_PublicKey, "RSAPublicKey"));  // PKCS#1 for RSA
  }
  ERR_clear_error();
  IC_ASSIGN_OR_RETURN(out.not_before, UnixTime(X509_get0_notBefore(cert.get()), "notBefore"));
  IC_ASSIGN_OR_RETURN(out.not_after, UnixTime(X509_get0_notAfter(cert.get()), "notAfter"));

  const std::vector<ExtId>& ids = ExtIds();
  std::optional<Bytes> found[kSlots];
  for (int i = 0; i < X509_get_ext_count(cert.get()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(cert.get(), i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    const ASN1_OCTET_STRING* val = X509_EXTENSION_get_data(ext);
    if (!obj || !val || OBJ_length(obj) == 0) continue;
    std::span<const uint8_t> oid(OBJ_get0_data(obj), OBJ_length(obj));
    for (int s = 0; s < kSlots; ++s) {
      if (!std::equal(oid.begin(), oid.end(), ids[s].content.begin(), ids[s].content.end())) continue;
      if (found[s]) return InvalidArgument("certificate: extension " + ids[s].name + " appears twice");
      const uint8_t* d = ASN1_STRING_get0_data(val);
      found[s] = Bytes(d, d + ASN1_STRING_length(val));
    }
  }
  if (found[kEndorse]) {
    IC_ASSIGN_OR_RETURN(
        out.endorsements,
        DecodeTaggedEndorsements(*found[kEndorse]).Wrap("certificate extension " + ids[kEndorse].name));
  }
  if (found[kTagged]) {
    IC_ASSIGN_OR_RETURN(
        out.tagged, DecodeTaggedEvidence(*found[kTagged]).Wrap("certificate extension " + ids[kTagged].name));
    out.source = EvidenceSource::kTagged;
    return out;
  }
  for (Slot s : {kLegacy, kGramine, kIntelSdk}) {
    if (!found[s]) continue;
    out.source = EvidenceSource::kLegacy;
    out.legacy_quote = std::move(*found[s]);
    out.legacy_oid = ids[s].name;
    break;
  }
  return out;
}

Result<std::string> EvidenceTypeOf(uint64_t tag, std::span<const uint8_t> evidence) {
  switch (tag) {
    case 60000:  // Intel TEE quote
    case 0:      // RATS_TLS_TAG_LEGACY_QUOTE: a raw quote from a legacy extension
      return IntelQuoteType(evidence);
    case 60001:
      return InvalidArgument(
          "evidence: tag 60001 (Intel TEE report: TDX report or SGX report type 2) is not supported");
    case 60002:
      if (evidence.size() != sizeof(sgx::Report)) {
        return InvalidArgument("evidence: tag 60002 SGX report is " + std::to_string(evidence.size()) +
                               " bytes, expected " + std::to_string(sizeof(sgx::Report)));
      }
      return std::string("sgx_la");
    case 0x1a7504:
      return std::string("sev_snp");
    default:
      return InvalidArgument("evidence: unknown evidence tag " + std::to_string(tag));
  }
}

Result<Bytes> HashWithAlg(int hash_alg, std::span<const uint8_t> data) {
  const HashAlg* alg = hash_alg < 0 ? nullptr : FindHashAlg(static_cast<uint64_t>(hash_alg));
  if (!alg)
    return InvalidArgument("unknown hash algorithm id " + std::to_string(hash_alg) + " (supported: 1, 7, 8)");
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, alg->md(), nullptr) != 1) {
    return Internal(std::string(alg->name) + ": " + OpensslError());
  }
  out.resize(len);
  return out;
}

}  // namespace inclavare::ratstls
