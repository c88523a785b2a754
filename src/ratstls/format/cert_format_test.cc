// Tests of the attested-TLS certificate formats: pinned encodings (worked
// out by hand from RFC 8949), round trips, one failing case per strictness
// rule, the five real RA-TLS certificates of the evidence folder, synthetic
// certificates made here with OpenSSL, and a deterministic mutation run over
// every decoder.
#include "ratstls/format/cert_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

namespace inclavare::ratstls {
namespace {

using ::testing::HasSubstr;

Bytes Hex(std::string_view s) {
  Bytes out;
  int hi = -1;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      continue;  // spaces and separators
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Seq(size_t n, uint8_t start = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(start + i);
  return b;
}

Bytes Sha256(std::span<const uint8_t> d) {
  Bytes out(32);
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(d.data(), d.size(), out.data(), &len, EVP_sha256(), nullptr), 1);
  return out;
}

template <class T>
std::string ErrorOf(const Result<T>& r) {
  if (r) return "(no error)";
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().message();
  return r.error().message();
}

// "pubkey-hash" as a text string key, and bstr(CBOR [1, h(32)]).
const Bytes kKeyPubkeyHash = Hex("6b 7075626b65792d68617368");
const Bytes kKeyNonce = Hex("65 6e6f6e6365");
Bytes PubkeyHashValue(uint8_t alg, const Bytes& h) {
  Bytes entry = Cat({{0x82, alg}, {0x58, static_cast<uint8_t>(h.size())}, h});
  return Cat({{0x58, static_cast<uint8_t>(entry.size())}, entry});
}
const Bytes kGoodHashPair = Cat({kKeyPubkeyHash, PubkeyHashValue(1, Seq(32))});

// ---- pinned encodings ----------------------------------------------------------

TEST(CertFormat, EncodeClaimsPinnedBytes) {
  ClaimsBuffer c;
  c.hash_alg = 1;
  c.pubkey_hash = Seq(32);
  c.nonce = Bytes{0xaa, 0xbb};
  c.custom = {{"k", {0x01}}};
  // RFC 8949: map(3) a3; text(11) 6b "pubkey-hash"; bytes(36) 58 24 holding
  // array(2) 82, uint 1 01, bytes(32) 58 20 00..1f; text(5) 65 "nonce",
  // bytes(2) 42 aa bb; text(1) 61 "k", bytes(1) 41 01.
  const Bytes expected =
      Hex("a3 6b 7075626b65792d68617368 58 24 82 01 58 20"
          " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
          " 65 6e6f6e6365 42 aabb 61 6b 41 01");
  auto enc = EncodeClaims(c);
  ASSERT_TRUE(enc) << enc.error().message();
  EXPECT_EQ(*enc, expected);

  // SHA-384: array(2) 82, uint 7 07, bytes(48) 58 30 ...; the value is 52 bytes: 58 34.
  ClaimsBuffer c384;
  c384.hash_alg = 7;
  c384.pubkey_hash = Bytes(48, 0xee);
  auto enc384 = EncodeClaims(c384);
  ASSERT_TRUE(enc384);
  EXPECT_EQ(*enc384, Cat({Hex("a1 6b 7075626b65792d68617368 58 34 82 07 58 30"), Bytes(48, 0xee)}));
}

TEST(CertFormat, EncodeTaggedPinnedBytes) {
  // tag(60000) = d9 ea60; array(2) 82; bytes(3) 43 010203; bytes(1) 41 a0.
  auto ev = EncodeTaggedEvidence(60000, Bytes{1, 2, 3}, Bytes{0xa0});
  ASSERT_TRUE(ev);
  EXPECT_EQ(*ev, Hex("d9ea60 82 43 010203 41 a0"));
  // tag(0x1a7504) = da 001a7504; a 300-byte evidence has head 59 012c.
  auto snp = EncodeTaggedEvidence(0x1a7504, Bytes(300, 7), Bytes{});
  ASSERT_TRUE(snp);
  EXPECT_EQ(*snp, Cat({Hex("da001a7504 82 59012c"), Bytes(300, 7), Hex("40")}));
  // Small tags use the one-byte head: tag(5) = c5.
  auto small = EncodeTaggedEvidence(5, Bytes{}, Bytes{});
  ASSERT_TRUE(small);
  EXPECT_EQ(*small, Hex("c5 82 40 40"));
  // Endorsements: the item follows the tag head verbatim.
  auto en = EncodeTaggedEndorsements(60000, Hex("82 01 41 ff"));
  ASSERT_TRUE(en);
  EXPECT_EQ(*en, Hex("d9ea60 82 01 41 ff"));
}

// ---- round trips -------------------------------------------------------------

TEST(CertFormat, ClaimsRoundTrip) {
  for (int alg : {1, 7, 8}) {
    ClaimsBuffer c;
    c.hash_alg = alg;
    c.pubkey_hash = Seq(alg == 1 ? 32 : alg == 7 ? 48 : 64, 9);
    if (alg != 1) c.nonce = alg == 7 ? Bytes{} : Seq(1000);
    c.custom = {{"zeta", Bytes(70000, 3)}, {"alpha", {}}, {"\xc3\xa9t\xc3\xa9", {1}}};
    auto enc = EncodeClaims(c);
    ASSERT_TRUE(enc) << enc.error().message();
    auto dec = DecodeClaims(*enc);
    ASSERT_TRUE(dec) << dec.error().message();
    EXPECT_EQ(dec->hash_alg, alg);
    EXPECT_EQ(dec->pubkey_hash, c.pubkey_hash);
    EXPECT_EQ(dec->nonce, c.nonce);
    EXPECT_EQ(dec->custom, c.custom);  // buffer order kept
    auto again = EncodeClaims(*dec);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *enc);
  }
}

TEST(CertFormat, TaggedRoundTrip) {
  for (uint64_t tag : {0ull, 23ull, 24ull, 60000ull, 0x1a7504ull, 0xffffffffffull}) {
    Bytes ev = Seq(5000), cl = Seq(40, 100);
    auto enc = EncodeTaggedEvidence(tag, ev, cl);
    ASSERT_TRUE(enc);
    auto dec = DecodeTaggedEvidence(*enc);
    ASSERT_TRUE(dec) << dec.error().message();
    EXPECT_EQ(dec->tag, tag);
    EXPECT_EQ(dec->evidence, ev);
    EXPECT_EQ(dec->claims_buffer, cl);

    Bytes item = Hex("83 01 59 0003 616263 a1 61 78 f6");  // [1, bstr with a 2-byte head, {"x": null}]
    auto en = EncodeTaggedEndorsements(tag, item);
    ASSERT_TRUE(en);
    auto den = DecodeTaggedEndorsements(*en);
    ASSERT_TRUE(den) << den.error().message();
    EXPECT_EQ(den->tag, tag);
    EXPECT_EQ(den->item, item);  // exactly, non-shortest head included
  }
}

TEST(CertFormat, EncodeRejectsBadClaims) {
  ClaimsBuffer c;
  c.pubkey_hash = Seq(32);
  c.custom = {{"pubkey-hash", {}}};
  EXPECT_THAT(ErrorOf(EncodeClaims(c)), HasSubstr("reserved name"));
  c.custom = {{"nonce", {}}};
  EXPECT_THAT(ErrorOf(EncodeClaims(c)), HasSubstr("reserved name"));
  c.custom = {{"a", {}}, {"b", {}}, {"a", {1}}};
  EXPECT_THAT(ErrorOf(EncodeClaims(c)), HasSubstr("duplicate custom claim \"a\""));
  c.custom = {{"\xff", {}}};
  EXPECT_THAT(ErrorOf(EncodeClaims(c)), HasSubstr("not valid UTF-8"));
  c.custom = {};
  c.pubkey_hash = Seq(31);
  EXPECT_THAT(ErrorOf(EncodeClaims(c)), HasSubstr("SHA-256 hash is 31 bytes, expected 32"));
  c.hash_alg = 2;
  c.pubkey_hash = Seq(32);
  EXPECT_THAT(ErrorOf(EncodeClaims(c)), HasSubstr("unknown hash algorithm id 2"));
  c.hash_alg = -1;
  EXPECT_THAT(ErrorOf(EncodeClaims(c)), HasSubstr("unknown hash algorithm"));
  EXPECT_THAT(ErrorOf(EncodeTaggedEndorsements(1, Bytes{})), HasSubstr("endorsements item: empty"));
  // libcbor 0.8 refuses the one-byte heads of tags 6..20 (d2 12 for tag 18)
  // though it reads d8 12: the encoders refuse to write what cannot be read.
  EXPECT_THAT(ErrorOf(EncodeTaggedEvidence(6, Bytes{}, Bytes{})), HasSubstr("CBOR tag 6 is not supported"));
  EXPECT_THAT(ErrorOf(EncodeTaggedEndorsements(18, Hex("12"))), HasSubstr("CBOR tag 18 is not supported"));
  EXPECT_THAT(ErrorOf(DecodeTaggedEndorsements(Hex("d2 12"))), HasSubstr("malformed CBOR at offset 0"));
  auto long_head = DecodeTaggedEndorsements(Hex("d8 12 12"));  // the fuzzer's finding
  ASSERT_TRUE(long_head);
  EXPECT_EQ(long_head->tag, 18u);
  EXPECT_TRUE(EncodeTaggedEvidence(21, Bytes{}, Bytes{}));
  EXPECT_TRUE(EncodeTaggedEvidence(5, Bytes{}, Bytes{}));
  EXPECT_THAT(ErrorOf(EncodeTaggedEndorsements(1, Hex("01 02"))), HasSubstr("1 trailing bytes"));
  EXPECT_THAT(ErrorOf(EncodeTaggedEndorsements(1, Hex("9f 01 ff"))), HasSubstr("indefinite-length"));
}

// ---- strict decoding ---------------------------------------------------------

TEST(CertFormat, ClaimsStrictness) {
  struct Case {
    const char* name;
    Bytes in;
    const char* error;
  };
  const Bytes h32 = Seq(32);
  const Case cases[] = {
      {"empty", {}, "claims: empty"},
      {"not a map", Hex("80"), "expected a CBOR map, got an array"},
      {"indefinite map", Cat({{0xbf}, kGoodHashPair, {0xff}}), "indefinite-length item at offset 0"},
      {"indefinite bstr value", Cat({{0xa2}, kGoodHashPair, kKeyNonce, Hex("5f 41 00 ff")}),
       "indefinite-length"},
      {"indefinite text key", Cat({{0xa2}, kGoodHashPair, Hex("7f 61 61 ff 41 00")}), "indefinite-length"},
      {"duplicate key", Cat({{0xa2}, kGoodHashPair, kGoodHashPair}), "claims: duplicate key \"pubkey-hash\""},
      {"duplicate nonce", Cat({{0xa3}, kGoodHashPair, kKeyNonce, Hex("41 00"), kKeyNonce, Hex("40")}),
       "duplicate key \"nonce\""},
      {"uint key", Cat({{0xa2}, kGoodHashPair, Hex("01 41 00")}),
       "key 1 is an unsigned integer, not a text string"},
      {"bstr key", Cat({{0xa2}, kGoodHashPair, Hex("41 61 41 00")}), "key 1 is a byte string"},
      {"overlong UTF-8 key", Cat({{0xa2}, kGoodHashPair, Hex("62 c0af 41 00")}),
       "text string is not valid UTF-8 at offset 51"},
      {"surrogate UTF-8 key", Cat({{0xa2}, kGoodHashPair, Hex("63 eda080 41 00")}), "not valid UTF-8"},
      {"cut UTF-8 key", Cat({{0xa2}, kGoodHashPair, Hex("62 61e2 41 00")}), "not valid UTF-8"},
      {"text value", Cat({{0xa2}, kGoodHashPair, kKeyNonce, Hex("62 6869")}),
       "value of \"nonce\" is a text string, not a byte string"},
      {"tagged value", Cat({{0xa2}, kGoodHashPair, Hex("61 6b c2 41 00")}), "value of \"k\" is a tag"},
      {"missing pubkey-hash", Cat({{0xa1}, kKeyNonce, Hex("41 00")}), "claims: missing \"pubkey-hash\""},
      {"pubkey-hash not wrapped", Cat({Hex("a1"), kKeyPubkeyHash, Hex("82 01 58 20"), h32}),
       "value of \"pubkey-hash\" is an array"},
      {"hash entry 3 entries", Cat({Hex("a1"), kKeyPubkeyHash, Hex("58 25 83 01 58 20"), h32, Hex("00")}),
       "pubkey-hash: expected an array of 2 entries, got 3"},
      {"hash entry 1 entry", Cat({Hex("a1"), kKeyPubkeyHash, Hex("42 81 01")}),
       "expected an array of 2 entries, got 1"},
      {"hash entry a map", Cat({Hex("a1"), kKeyPubkeyHash, Hex("43 a1 01 01")}),
       "expected an array [hash-alg-id, hash]"},
      {"negative alg", Cat({Hex("a1"), kKeyPubkeyHash, Hex("58 24 82 20 58 20"), h32}),
       "hash-alg-id is a negative integer, not an unsigned integer"},
      {"text hash", Cat({Hex("a1"), kKeyPubkeyHash, Hex("44 82 01 61 61")}), "hash value is a text string"},
      {"short hash", Cat({Hex("a1"), kKeyPubkeyHash, PubkeyHashValue(1, Seq(31))}),
       "claims: pubkey-hash: SHA-256 hash is 31 bytes, expected 32"},
      {"sha-384 length", Cat({Hex("a1"), kKeyPubkeyHash, PubkeyHashValue(7, Seq(32))}),
       "SHA-384 hash is 32 bytes, expected 48"},
      {"unknown alg", Cat({Hex("a1"), kKeyPubkeyHash, PubkeyHashValue(2, Seq(32))}),
       "unknown hash algorithm id 2"},
      {"hash entry trailing", Cat({Hex("a1"), kKeyPubkeyHash, Hex("58 25 82 01 58 20"), h32, Hex("00")}),
       "pubkey-hash: 1 trailing bytes after the CBOR item"},
      {"hash entry indefinite", Cat({Hex("a1"), kKeyPubkeyHash, Hex("58 25 9f 01 58 20"), h32, Hex("ff")}),
       "pubkey-hash: indefinite-length"},
      {"non-zero trailing", Cat({{0xa1}, kGoodHashPair, {0x00, 0x01}}),
       "claims: trailing non-zero bytes after the CBOR item"},
      {"truncated", Cat({{0xa1}, Bytes(kGoodHashPair.begin(), kGoodHashPair.end() - 1)}),
       "claims: truncated CBOR item"},
      {"truncated map", Cat({{0xa2}, kGoodHashPair}), "truncated"},
      {"lying array size", Hex("9b 0000001000000000"), "declared size exceeds the input"},
      {"lying map size", Hex("bb 4000000000000000 00"), "declared size exceeds the input"},
      {"lying bstr size", Hex("5b fffffffffffffff0 00"), "claims:"},
      {"deep nesting", Cat({Bytes(40, 0x81), {0x00}}), "nested deeper than 16 levels"},
      {"lone break", Hex("ff"), "claims:"},
      {"reserved byte", Hex("1c"), "malformed CBOR at offset 0"},
  };
  for (const Case& c : cases) {
    auto r = DecodeClaims(c.in);
    EXPECT_FALSE(r) << c.name;
    EXPECT_THAT(ErrorOf(r), HasSubstr(c.error)) << c.name;
  }
}

TEST(CertFormat, ZeroPaddingAcceptedNonZeroTrailingRejected) {
  Bytes claims = Cat({{0xa1}, kGoodHashPair});
  auto padded = DecodeClaims(Cat({claims, Bytes(100, 0)}));
  ASSERT_TRUE(padded) << padded.error().message();
  EXPECT_EQ(padded->pubkey_hash, Seq(32));

  Bytes tagged = *EncodeTaggedEvidence(60000, Bytes{1}, claims);
  EXPECT_TRUE(DecodeTaggedEvidence(Cat({tagged, Bytes(7, 0)})));
  EXPECT_THAT(ErrorOf(DecodeTaggedEvidence(Cat({tagged, {0, 0, 0x80}}))),
              HasSubstr("tagged evidence: trailing non-zero bytes after the CBOR item"));
  Bytes en = *EncodeTaggedEndorsements(60000, Hex("80"));
  auto den = DecodeTaggedEndorsements(Cat({en, Bytes(3, 0)}));
  ASSERT_TRUE(den);
  EXPECT_EQ(den->item, Hex("80"));
  EXPECT_THAT(ErrorOf(DecodeTaggedEndorsements(Cat({en, {0xff}}))),
              HasSubstr("tagged endorsements: trailing non-zero bytes after the CBOR item"));
}

TEST(CertFormat, TaggedEvidenceStrictness) {
  struct Case {
    const char* name;
    Bytes in;
    const char* error;
  };
  const Case cases[] = {
      {"empty", {}, "tagged evidence: empty"},
      {"untagged array", Hex("82 41 00 41 00"), "expected a CBOR tag, got an array"},
      {"tag of a map", Hex("d9ea60 a0"), "expected an array [evidence, claims-buffer], got a map"},
      {"three entries", Hex("d9ea60 83 41 00 41 00 41 00"), "expected an array of 2 entries, got 3"},
      {"one entry", Hex("d9ea60 81 41 00"), "expected an array of 2 entries, got 1"},
      {"text evidence", Hex("d9ea60 82 61 61 41 00"), "evidence is a text string, not a byte string"},
      {"uint claims", Hex("d9ea60 82 41 00 01"), "claims-buffer is an unsigned integer"},
      {"nested tag", Hex("d9ea60 d9ea60 82 41 00 41 00"), "got a tag"},
      {"indefinite array", Hex("d9ea60 9f 41 00 41 00 ff"), "indefinite-length item at offset 3"},
      {"indefinite evidence", Hex("d9ea60 82 5f 41 00 ff 41 00"), "indefinite-length"},
      {"truncated", Hex("d9ea60 82 43 0102"), "tagged evidence: truncated"},
      {"trailing", Hex("d9ea60 82 41 00 41 00 07"), "trailing non-zero bytes"},
  };
  for (const Case& c : cases) {
    auto r = DecodeTaggedEvidence(c.in);
    EXPECT_FALSE(r) << c.name;
    EXPECT_THAT(ErrorOf(r), HasSubstr(c.error)) << c.name;
  }
  EXPECT_THAT(ErrorOf(DecodeTaggedEndorsements(Hex("82 01 02"))),
              HasSubstr("tagged endorsements: expected a CBOR tag, got an array"));
  EXPECT_THAT(ErrorOf(DecodeTaggedEndorsements(Hex("d9ea60 82 01 bf ff"))), HasSubstr("indefinite-length"));
  EXPECT_THAT(ErrorOf(DecodeTaggedEndorsements(Hex("d9ea60"))), HasSubstr("truncated"));
}

// ---- evidence types and hashes -------------------------------------------------

Bytes QuoteHeader(uint16_t version, uint16_t key_type, uint32_t tee, size_t size = 48) {
  Bytes q(size, 0);
  q[0] = version & 0xff, q[1] = version >> 8;
  q[2] = key_type & 0xff, q[3] = key_type >> 8;
  for (int i = 0; i < 4; ++i) q[4 + i] = static_cast<uint8_t>(tee >> (8 * i));
  return q;
}

TEST(CertFormat, EvidenceTypeOf) {
  for (uint64_t tag : {60000ull, 0ull}) {
    EXPECT_EQ(EvidenceTypeOf(tag, QuoteHeader(3, 2, 0)).value_or("?"), "sgx_ecdsa");
    EXPECT_EQ(EvidenceTypeOf(tag, QuoteHeader(3, 3, 0)).value_or("?"), "sgx_ecdsa");
    EXPECT_EQ(EvidenceTypeOf(tag, QuoteHeader(4, 2, 0, 1000)).value_or("?"), "sgx_ecdsa");
    EXPECT_EQ(EvidenceTypeOf(tag, QuoteHeader(4, 2, 0x81)).value_or("?"), "tdx_ecdsa");
    EXPECT_EQ(EvidenceTypeOf(tag, QuoteHeader(5, 2, 0x81)).value_or("?"), "tdx_ecdsa");
    EXPECT_EQ(EvidenceTypeOf(tag, QuoteHeader(5, 2, 0)).value_or("?"), "sgx_ecdsa");
    EXPECT_THAT(ErrorOf(EvidenceTypeOf(tag, QuoteHeader(2, 0, 0))),
                HasSubstr("SGX EPID quotes are not supported"));
    EXPECT_THAT(ErrorOf(EvidenceTypeOf(tag, QuoteHeader(3, 0, 0))),
                HasSubstr("SGX EPID quotes are not supported"));
    EXPECT_THAT(ErrorOf(EvidenceTypeOf(tag, QuoteHeader(3, 1, 0))),
                HasSubstr("SGX EPID quotes are not supported"));
    EXPECT_THAT(ErrorOf(EvidenceTypeOf(tag, QuoteHeader(4, 2, 5))), HasSubstr("unknown TEE type 0x5"));
    EXPECT_THAT(ErrorOf(EvidenceTypeOf(tag, QuoteHeader(3, 9, 0))),
                HasSubstr("unsupported attestation key type"));
    EXPECT_THAT(ErrorOf(EvidenceTypeOf(tag, QuoteHeader(6, 2, 0))),
                HasSubstr("unsupported Intel quote version 6"));
    EXPECT_THAT(ErrorOf(EvidenceTypeOf(tag, QuoteHeader(3, 2, 0, 47))),
                HasSubstr("shorter than an Intel quote header"));
  }
  EXPECT_THAT(ErrorOf(EvidenceTypeOf(60001, Bytes(1024))), HasSubstr("60001"));
  EXPECT_EQ(EvidenceTypeOf(60002, Bytes(432)).value_or("?"), "sgx_la");
  EXPECT_THAT(ErrorOf(EvidenceTypeOf(60002, Bytes(431))), HasSubstr("431 bytes, expected 432"));
  EXPECT_EQ(EvidenceTypeOf(0x1a7504, Bytes(1184)).value_or("?"), "sev_snp");
  EXPECT_THAT(ErrorOf(EvidenceTypeOf(12345, Bytes(48))), HasSubstr("unknown evidence tag 12345"));
}

TEST(CertFormat, HashWithAlg) {
  const Bytes abc = {'a', 'b', 'c'};
  // FIPS 180-2 "abc" test vectors.
  EXPECT_EQ(HashWithAlg(1, abc).value_or(Bytes{}),
            Hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(HashWithAlg(7, abc).value_or(Bytes{}),
            Hex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                "8086072ba1e7cc2358baeca134c825a7"));
  EXPECT_EQ(HashWithAlg(8, abc).value_or(Bytes{}),
            Hex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
  EXPECT_EQ(HashWithAlg(1, Bytes{}).value_or(Bytes{}), Sha256(Bytes{}));
  EXPECT_THAT(ErrorOf(HashWithAlg(2, abc)), HasSubstr("unknown hash algorithm id 2"));
  EXPECT_THAT(ErrorOf(HashWithAlg(-7, abc)), HasSubstr("unknown hash algorithm id -7"));
}

// ---- synthetic certificates -----------------------------------------------------

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

void AddExt(X509* x, const char* oid, const Bytes& value) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(os, value.data(), static_cast<int>(value.size()));
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, os);
  ASSERT_NE(ext, nullptr);
  ASSERT_EQ(X509_add_ext(x, ext, -1), 1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(os);
  ASN1_OBJECT_free(obj);
}

Bytes Der(X509* x) {
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  return out;
}

Bytes SpkiOf(X509* x) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(X509_get0_pubkey(x), &der);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  return out;
}

PkeyPtr NewKey(bool rsa) {
  return PkeyPtr(rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

// A self-signed certificate valid [nb, na] with the given extensions.
X509Ptr MakeCert(EVP_PKEY* key, int64_t nb, int64_t na,
                 const std::vector<std::pair<const char*, Bytes>>& exts) {
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(nb));
  ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(na));
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("test"), -1, -1,
                             0);
  X509_set_issuer_name(x.get(), name);
  X509_set_pubkey(x.get(), key);
  for (const auto& [oid, value] : exts) AddExt(x.get(), oid, value);
  EXPECT_GT(X509_sign(x.get(), key, EVP_sha256()), 0);
  return x;
}

Bytes SyntheticClaims(const Bytes& spki) {
  ClaimsBuffer c;
  c.pubkey_hash = Sha256(spki);
  c.custom = {{"app", {'x'}}};
  return EncodeClaims(c).value_or(Bytes{});
}

TEST(CertFormat, SyntheticTaggedCert) {
  PkeyPtr key = NewKey(false);
  ASSERT_TRUE(key);
  // Validity 2001-01-01T00:00:00Z .. 2100-01-01T00:00:00Z (GeneralizedTime).
  X509Ptr probe = MakeCert(key.get(), 978307200, 4102444800, {});
  Bytes spki = SpkiOf(probe.get());
  Bytes claims = SyntheticClaims(spki);
  Bytes quote = QuoteHeader(4, 2, 0x81, 700);
  Bytes tagged = *EncodeTaggedEvidence(60000, quote, claims);
  Bytes endorsements = *EncodeTaggedEndorsements(60000, Hex("82 01 41 aa"));
  X509Ptr x = MakeCert(key.get(), 978307200, 4102444800,
                       {{kTaggedEvidenceOid, tagged}, {kEndorsementsOid, endorsements}});
  auto ce = ExtractCertEvidence(Der(x.get()));
  ASSERT_TRUE(ce) << ce.error().message();
  EXPECT_EQ(ce->source, EvidenceSource::kTagged);
  EXPECT_EQ(ce->spki_der, spki);
  EXPECT_TRUE(ce->rsa_pkcs1_der.empty());
  EXPECT_EQ(ce->not_before, 978307200);
  EXPECT_EQ(ce->not_after, 4102444800);
  EXPECT_EQ(ce->tagged.tag, 60000u);
  EXPECT_EQ(ce->tagged.evidence, quote);
  EXPECT_EQ(ce->tagged.claims_buffer, claims);
  EXPECT_EQ(EvidenceTypeOf(ce->tagged.tag, ce->tagged.evidence).value_or("?"), "tdx_ecdsa");
  ASSERT_TRUE(ce->endorsements);
  EXPECT_EQ(ce->endorsements->tag, 60000u);
  EXPECT_EQ(ce->endorsements->item, Hex("82 01 41 aa"));
  auto cb = DecodeClaims(ce->tagged.claims_buffer);
  ASSERT_TRUE(cb);
  EXPECT_EQ(cb->pubkey_hash, HashWithAlg(cb->hash_alg, ce->spki_der).value_or(Bytes{}));

  // The same evidence twice, and a malformed tagged extension.
  X509Ptr twice = MakeCert(key.get(), 0, 1, {{kTaggedEvidenceOid, tagged}, {kTaggedEvidenceOid, tagged}});
  EXPECT_THAT(ErrorOf(ExtractCertEvidence(Der(twice.get()))),
              HasSubstr("certificate: extension 2.23.133.5.4.9 appears twice"));
  Bytes bad = tagged;
  bad[3] = 0x83;  // array(3)
  X509Ptr malformed = MakeCert(key.get(), 0, 1, {{kTaggedEvidenceOid, bad}});
  EXPECT_THAT(ErrorOf(ExtractCertEvidence(Der(malformed.get()))),
              HasSubstr("certificate extension 2.23.133.5.4.9: tagged evidence: "));
  X509Ptr bad_en =
      MakeCert(key.get(), 0, 1, {{kTaggedEvidenceOid, tagged}, {kEndorsementsOid, Hex("82 01 02")}});
  EXPECT_THAT(ErrorOf(ExtractCertEvidence(Der(bad_en.get()))),
              HasSubstr("certificate extension 2.23.133.5.4.2: tagged endorsements: expected a CBOR tag"));
}

TEST(CertFormat, SyntheticLegacyAndPlainCerts) {
  PkeyPtr rsa = NewKey(true);
  ASSERT_TRUE(rsa);
  Bytes quote = QuoteHeader(3, 2, 0, 600);
  X509Ptr x = MakeCert(rsa.get(), 1000, 2000, {{kLegacyQuoteOid, quote}});
  auto ce = ExtractCertEvidence(Der(x.get()));
  ASSERT_TRUE(ce) << ce.error().message();
  EXPECT_EQ(ce->source, EvidenceSource::kLegacy);
  EXPECT_EQ(ce->legacy_oid, kLegacyQuoteOid);
  EXPECT_EQ(ce->legacy_quote, quote);
  EXPECT_EQ(ce->not_before, 1000);
  EXPECT_EQ(ce->not_after, 2000);
  unsigned char* der = nullptr;
  int len = i2d_PublicKey(X509_get0_pubkey(x.get()), &der);
  ASSERT_GT(len, 0);
  EXPECT_EQ(ce->rsa_pkcs1_der, Bytes(der, der + len));
  OPENSSL_free(der);
  EXPECT_EQ(ce->rsa_pkcs1_der[0], 0x30);  // SEQUENCE { modulus, exponent }
  EXPECT_NE(ce->rsa_pkcs1_der, ce->spki_der);

  X509Ptr sdk = MakeCert(rsa.get(), 0, 1, {{kIntelSdkQuoteOid, quote}});
  ASSERT_TRUE(ExtractCertEvidence(Der(sdk.get())));
  EXPECT_EQ(ExtractCertEvidence(Der(sdk.get()))->legacy_oid, kIntelSdkQuoteOid);
  X509Ptr legacy_twice = MakeCert(rsa.get(), 0, 1, {{kLegacyQuoteOid, quote}, {kLegacyQuoteOid, quote}});
  EXPECT_THAT(ErrorOf(ExtractCertEvidence(Der(legacy_twice.get()))),
              HasSubstr("1.2.840.113741.1337.6 appears twice"));

  X509Ptr plain = MakeCert(rsa.get(), 0, 1, {});
  auto none = ExtractCertEvidence(Der(plain.get()));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->source, EvidenceSource::kNone);

  Bytes d = Der(plain.get());
  EXPECT_THAT(ErrorOf(ExtractCertEvidence(Cat({d, {0}}))),
              HasSubstr("1 trailing bytes after the DER certificate"));
  EXPECT_THAT(ErrorOf(ExtractCertEvidence(Bytes(d.begin(), d.end() - 1))),
              HasSubstr("not a DER X.509 certificate"));
  EXPECT_THAT(ErrorOf(ExtractCertEvidence(Bytes{})), HasSubstr("certificate: empty"));
}

// ---- the real certificates --------------------------------------------------------

std::string EvidenceDir() { return IC_EVIDENCE_DIR; }
bool HaveEvidence() { return std::filesystem::is_directory(EvidenceDir() + "/ratls"); }
#define REQUIRE_EVIDENCE()                                                                  \
  do {                                                                                      \
    if (!HaveEvidence())                                                                    \
      GTEST_SKIP() << "evidence folder " << EvidenceDir() << "/ratls is absent (../shared/" \
                   << "testdata/evidence beside the project)";                              \
  } while (0)

// PEM -> the DER bytes exactly as in the file.
Bytes PemToDer(const std::string& rel) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file((EvidenceDir() + "/" + rel).c_str(), "r"),
                                                BIO_free);
  EXPECT_TRUE(bio) << rel;
  if (!bio) return {};
  char *name = nullptr, *header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  EXPECT_EQ(PEM_read_bio(bio.get(), &name, &header, &data, &len), 1) << rel;
  Bytes out(data, data + (len > 0 ? len : 0));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  return out;
}

X509Ptr ParseDer(const Bytes& der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// REPORTDATA[0:32] of an SGX quote: header(48) + report body offset 320.
Bytes ReportData32(const Bytes& quote) {
  if (quote.size() < 48 + 384) return {};
  return Bytes(quote.begin() + 48 + 320, quote.begin() + 48 + 352);
}

struct RealCert {
  const char* path;
  int64_t not_before, not_after;
};

CertEvidence CheckTagged(const RealCert& rc) {
  Bytes der = PemToDer(rc.path);
  auto ce = ExtractCertEvidence(der);
  EXPECT_TRUE(ce) << rc.path << ": " << ErrorOf(ce);
  if (!ce) return {};
  EXPECT_EQ(ce->source, EvidenceSource::kTagged) << rc.path;
  EXPECT_EQ(ce->tagged.tag, 60000u) << rc.path;
  EXPECT_EQ(EvidenceTypeOf(ce->tagged.tag, ce->tagged.evidence).value_or("?"), "sgx_ecdsa") << rc.path;
  EXPECT_EQ(ce->spki_der, SpkiOf(ParseDer(der).get())) << rc.path;
  EXPECT_TRUE(ce->rsa_pkcs1_der.empty()) << rc.path;
  EXPECT_EQ(ce->not_before, rc.not_before) << rc.path;
  EXPECT_EQ(ce->not_after, rc.not_after) << rc.path;
  // Binding: report_data[0:32] = SHA-256(claims); pubkey-hash = hash(SPKI).
  EXPECT_EQ(ReportData32(ce->tagged.evidence), Sha256(ce->tagged.claims_buffer)) << rc.path;
  auto cb = DecodeClaims(ce->tagged.claims_buffer);
  EXPECT_TRUE(cb) << rc.path << ": " << ErrorOf(cb);
  if (cb) {
    EXPECT_EQ(cb->hash_alg, 1) << rc.path;
    EXPECT_EQ(cb->pubkey_hash, Sha256(ce->spki_der)) << rc.path;
    // Re-encoding reproduces the upstream buffer byte for byte.
    EXPECT_EQ(EncodeClaims(*cb).value_or(Bytes{}), ce->tagged.claims_buffer) << rc.path;
  }
  EXPECT_FALSE(ce->endorsements) << rc.path;
  EXPECT_TRUE(ce->legacy_quote.empty()) << rc.path;
  return *ce;
}

// The certificate re-signed without its tagged extension (so the legacy one
// is what is left).
Bytes WithoutTagged(const Bytes& der) {
  X509Ptr x = ParseDer(der);
  ASN1_OBJECT* obj = OBJ_txt2obj(kTaggedEvidenceOid, 1);
  int loc = X509_get_ext_by_OBJ(x.get(), obj, -1);
  ASN1_OBJECT_free(obj);
  EXPECT_GE(loc, 0);
  X509_EXTENSION_free(X509_delete_ext(x.get(), loc));
  PkeyPtr key = NewKey(false);
  EXPECT_GT(X509_sign(x.get(), key.get(), EVP_sha256()), 0);  // forces re-encoding
  return Der(x.get());
}

TEST(CertFormatReal, GramineBothKindsTaggedChosen) {
  REQUIRE_EVIDENCE();
  // 2001-01-01T00:00:00Z .. 2030-12-31T23:59:59Z
  CertEvidence ce = CheckTagged({"ratls/interoperable-ra-tls/gramine-cert.pem", 978307200, 1924991999});
  auto legacy = ExtractCertEvidence(WithoutTagged(PemToDer("ratls/interoperable-ra-tls/gramine-cert.pem")));
  ASSERT_TRUE(legacy) << legacy.error().message();
  EXPECT_EQ(legacy->source, EvidenceSource::kLegacy);
  EXPECT_EQ(legacy->legacy_oid, "0.6.9.42.840.113741.1337.6");
  EXPECT_EQ(legacy->spki_der, ce.spki_der);
  EXPECT_EQ(EvidenceTypeOf(0, legacy->legacy_quote).value_or("?"), "sgx_ecdsa");
  EXPECT_EQ(ReportData32(legacy->legacy_quote), Sha256(legacy->spki_der));  // Gramine's legacy binding
}

TEST(CertFormatReal, IntelSgxSdk) {
  REQUIRE_EVIDENCE();
  // 2021-04-01T00:00:00Z .. 2050-12-31T23:59:59Z
  CertEvidence ce = CheckTagged({"ratls/interoperable-ra-tls/intel-sgxsdk-cert.pem", 1617235200, 2556143999});
  auto legacy =
      ExtractCertEvidence(WithoutTagged(PemToDer("ratls/interoperable-ra-tls/intel-sgxsdk-cert.pem")));
  ASSERT_TRUE(legacy) << legacy.error().message();
  EXPECT_EQ(legacy->source, EvidenceSource::kLegacy);
  EXPECT_EQ(legacy->legacy_oid, kIntelSdkQuoteOid);
  EXPECT_EQ(EvidenceTypeOf(0, legacy->legacy_quote).value_or("?"), "sgx_ecdsa");
  // The SDK's raw quote is the tagged evidence's quote (bound to the claims).
  EXPECT_EQ(legacy->legacy_quote, ce.tagged.evidence);
}

TEST(CertFormatReal, RatsTlsOcclumCustomClaims) {
  REQUIRE_EVIDENCE();
  // 2023-02-22T16:10:22Z .. 2024-02-22T17:10:22Z
  CertEvidence ce = CheckTagged({"ratls/interoperable-ra-tls/rats-tls-cert.pem", 1677082222, 1708621822});
  auto cb = DecodeClaims(ce.tagged.claims_buffer);
  ASSERT_TRUE(cb);
  EXPECT_FALSE(cb->nonce);
  using Claim = std::pair<std::string, Bytes>;
  EXPECT_THAT(cb->custom,
              ::testing::ElementsAre(Claim{"key_0", Bytes{'v', 'a', 'l', 'u', 'e', '_', '0', 0}},
                                     Claim{"key_1", Bytes{'v', 'a', 'l', 'u', 'e', '_', '1', 0}}));
}

void CheckLegacyRatsTls(const RealCert& rc) {
  Bytes der = PemToDer(rc.path);
  auto ce = ExtractCertEvidence(der);
  ASSERT_TRUE(ce) << rc.path << ": " << ce.error().message();
  EXPECT_EQ(ce->source, EvidenceSource::kLegacy);
  EXPECT_EQ(ce->legacy_oid, kLegacyQuoteOid);
  EXPECT_EQ(ce->not_before, rc.not_before);
  EXPECT_EQ(ce->not_after, rc.not_after);
  EXPECT_EQ(ce->spki_der, SpkiOf(ParseDer(der).get()));
  EXPECT_EQ(EvidenceTypeOf(0, ce->legacy_quote).value_or("?"), "sgx_ecdsa");
  ASSERT_FALSE(ce->rsa_pkcs1_der.empty());
  EXPECT_EQ(ReportData32(ce->legacy_quote), Sha256(ce->rsa_pkcs1_der));  // rats-tls's legacy binding
  EXPECT_NE(ReportData32(ce->legacy_quote), Sha256(ce->spki_der));
}

TEST(CertFormatReal, LegacyRatsTlsSamples) {
  REQUIRE_EVIDENCE();
  // 2020-01-14T09:00:00Z .. 2030-01-14T09:00:00Z
  CheckLegacyRatsTls({"ratls/rats-tls/rats-tls-cert-sample.pem", 1578992400, 1894611600});
  // 2021-06-19T01:51:59Z .. 2031-06-17T01:51:59Z
  CheckLegacyRatsTls({"ratls/rats-tls/rats-tls-cert-openssl-sample.pem", 1624067519, 1939427519});
}

TEST(CertFormatReal, RealQuoteTypes) {
  REQUIRE_EVIDENCE();
  auto read = [](const std::string& rel) {
    std::ifstream f(EvidenceDir() + "/" + rel, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    return Bytes(s.begin(), s.end());
  };
  EXPECT_EQ(EvidenceTypeOf(60000, read("sgx/automata/quote_v3.bin")).value_or("?"), "sgx_ecdsa");
  EXPECT_EQ(EvidenceTypeOf(60000, read("tdx/dcap-qvl/tdx_quote")).value_or("?"), "tdx_ecdsa");
  EXPECT_EQ(EvidenceTypeOf(60000, read("tdx/automata/quotes/alibaba_quote_5.dat")).value_or("?"),
            "tdx_ecdsa");
}

// ---- mutation smoke test ------------------------------------------------------------

bool SameClaims(const ClaimsBuffer& a, const ClaimsBuffer& b) {
  return a.hash_alg == b.hash_alg && a.pubkey_hash == b.pubkey_hash && a.nonce == b.nonce &&
         a.custom == b.custom;
}

// Runs every decoder on deterministic mutations of valid inputs (bit flips,
// truncations, insertions, copied slices, interesting bytes). Nothing may
// crash (ASan/UBSan builds and the libFuzzer targets catch more), and what
// decodes must survive a re-encode/decode round trip unchanged.
TEST(CertFormat, MutationSmoke) {
  std::vector<Bytes> seeds;
  ClaimsBuffer c;
  c.pubkey_hash = Seq(32);
  c.nonce = Seq(8);
  c.custom = {{"k", Seq(5)}};
  Bytes claims = *EncodeClaims(c);
  seeds.push_back(claims);
  seeds.push_back(*EncodeTaggedEvidence(60000, QuoteHeader(3, 2, 0, 64), claims));
  seeds.push_back(*EncodeTaggedEndorsements(60000, Hex("83 01 41 aa a1 61 78 f6")));
  PkeyPtr key = NewKey(false);
  seeds.push_back(
      Der(MakeCert(key.get(), 0, 1, {{kTaggedEvidenceOid, seeds[1]}, {kEndorsementsOid, seeds[2]}}).get()));
  if (HaveEvidence()) {
    for (const char* p :
         {"ratls/interoperable-ra-tls/rats-tls-cert.pem", "ratls/rats-tls/rats-tls-cert-sample.pem"}) {
      Bytes der = PemToDer(p);
      auto ce = ExtractCertEvidence(der);
      ASSERT_TRUE(ce);
      if (ce->source == EvidenceSource::kTagged) {
        seeds.push_back(
            *EncodeTaggedEvidence(60000, Bytes(ce->tagged.evidence.begin(), ce->tagged.evidence.begin() + 48),
                                  ce->tagged.claims_buffer));
        seeds.push_back(ce->tagged.claims_buffer);
      }
      seeds.push_back(der);
    }
  }
  std::mt19937 rng(20261127);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const uint8_t kInteresting[] = {0x00, 0xff, 0x5f, 0x7f, 0x9f, 0xbf, 0x1b,
                                  0x5b, 0x9b, 0xbb, 0xd9, 0x80, 0xa0, 0x41};
  size_t decoded = 0, rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes b = seeds[pick(seeds.size())];
    int rounds = 1 + static_cast<int>(pick(3));
    for (int r = 0; r < rounds && !b.empty(); ++r) {
      size_t at = pick(b.size());
      switch (pick(6)) {
        case 0:
          b[at] ^= static_cast<uint8_t>(1u << pick(8));
          break;
        case 1:
          b.resize(at);
          break;
        case 2:
          b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(pick(256)));
          break;
        case 3:
          b[at] = kInteresting[pick(sizeof kInteresting)];
          break;
        case 4: {
          size_t from = pick(b.size()), n = std::min<size_t>(pick(16) + 1, b.size() - from);
          Bytes slice(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + n));
          b.insert(b.begin() + static_cast<long>(at), slice.begin(), slice.end());
          break;
        }
        default:
          b.insert(b.end(), pick(4), 0);
          break;  // zero padding
      }
    }
    if (auto cl = DecodeClaims(b)) {
      ++decoded;
      auto re = EncodeClaims(*cl);
      ASSERT_TRUE(re) << "iteration " << iter << ": " << re.error().message();
      auto back = DecodeClaims(*re);
      ASSERT_TRUE(back && SameClaims(*back, *cl)) << "iteration " << iter;
    } else {
      ++rejected;
      ASSERT_FALSE(cl.error().message().empty());
    }
    auto encodable = [](uint64_t tag) { return tag < 6 || tag > 20; };  // see EncodeRejectsBadClaims
    if (auto te = DecodeTaggedEvidence(b)) {
      ++decoded;
      auto re = EncodeTaggedEvidence(te->tag, te->evidence, te->claims_buffer);
      ASSERT_EQ(re.has_value(), encodable(te->tag)) << "iteration " << iter;
      auto back = re ? DecodeTaggedEvidence(*re) : te;
      ASSERT_TRUE(back && back->tag == te->tag && back->evidence == te->evidence &&
                  back->claims_buffer == te->claims_buffer)
          << "iteration " << iter;
      (void)EvidenceTypeOf(te->tag, te->evidence);
    } else {
      ++rejected;
    }
    if (auto en = DecodeTaggedEndorsements(b)) {
      ++decoded;
      auto re = EncodeTaggedEndorsements(en->tag, en->item);
      ASSERT_EQ(re.has_value(), encodable(en->tag)) << "iteration " << iter;
      auto back = re ? DecodeTaggedEndorsements(*re) : en;
      ASSERT_TRUE(back && back->tag == en->tag && back->item == en->item) << "iteration " << iter;
    } else {
      ++rejected;
    }
    if (auto ce = ExtractCertEvidence(b)) {
      ++decoded;
      (void)EvidenceTypeOf(ce->source == EvidenceSource::kTagged ? ce->tagged.tag : 0,
                           ce->source == EvidenceSource::kTagged ? ce->tagged.evidence : ce->legacy_quote);
    } else {
      ++rejected;
    }
    (void)EvidenceTypeOf(60000, b);
  }
  // Both outcomes occurred: the mutations reach past the first check.
  EXPECT_GT(decoded, 1000u);
  EXPECT_GT(rejected, 1000u);
}

}  // namespace
}  // namespace inclavare::ratstls
