// The certificate formats of attested TLS:
//
// Interoperable RA-TLS (TCG DICE; CCC-Attestation/interoperable-ra-tls):
//   extension 2.23.133.5.4.9 (tagged evidence) = CBOR  tag([evidence bstr, claims-buffer bstr])
//   extension 2.23.133.5.4.2 (endorsements)    = CBOR  tag([...])  (same tag, format per tag)
//   claims-buffer = CBOR map {"pubkey-hash": bstr(CBOR [hash-alg-id, hash bstr]),
//                             ? "nonce": bstr, * tstr => bstr (custom claims)}
//   evidence report data [0..32) = SHA-256(claims-buffer)
//   pubkey-hash = hash of the certificate's DER SubjectPublicKeyInfo (SHA-256/384/512)
// Legacy raw-quote certificates: the quote itself as the extension value of
//   1.2.840.113741.1337.6 (rats-tls before DICE, Gramine), Gramine's
//   malformed "0.6.9.42.840.113741.1337.6" (the OID's own tag and length
//   bytes inside its value), or 1.2.840.113741.1.13.1 (Intel SGX SDK);
//   report data [0..32) = SHA-256 of the SubjectPublicKeyInfo DER, or for RSA
//   keys of the PKCS#1 RSAPublicKey DER (rats-tls's legacy binding).
//
// Parsing is strict: definite lengths only, exact item types, no duplicate
// or non-text map keys, no unknown array entries; the only thing tolerated is
// zero-byte padding after the top-level item (upstream pads its buffers).
//
//   IC_ASSIGN_OR_RETURN(CertEvidence ce, ExtractCertEvidence(cert_der));
//   if (ce.source == EvidenceSource::kTagged) {
//     IC_ASSIGN_OR_RETURN(Claims c, DecodeClaims(ce.claims_buffer));
//     ...
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace inclavare::ratstls {

inline constexpr char kTaggedEvidenceOid[] = "2.23.133.5.4.9";
inline constexpr char kEndorsementsOid[] = "2.23.133.5.4.2";
inline constexpr char kLegacyQuoteOid[] = "1.2.840.113741.1337.6";
inline constexpr char kIntelSdkQuoteOid[] = "1.2.840.113741.1.13.1";
inline constexpr char kClaimPubkeyHash[] = "pubkey-hash";
inline constexpr char kClaimNonce[] = "nonce";

using Bytes = std::vector<uint8_t>;

struct ClaimsBuffer {
  int hash_alg = 1;          // IANA named-information id: 1 SHA-256, 7 SHA-384, 8 SHA-512
  Bytes pubkey_hash;         // its length matches hash_alg
  std::optional<Bytes> nonce;
  // Every other claim, in buffer order (names unique).
  std::vector<std::pair<std::string, Bytes>> custom;
};

// The claims-buffer bytes. Custom claims named "pubkey-hash" or "nonce", or
// repeated names, are InvalidArgument.
Result<Bytes> EncodeClaims(const ClaimsBuffer& claims);
Result<ClaimsBuffer> DecodeClaims(std::span<const uint8_t> buffer);

// tag([evidence, claims_buffer]) and back. Encoding refuses tags 6..20
// (InvalidArgument): libcbor 0.8 cannot decode their one-byte heads.
Result<Bytes> EncodeTaggedEvidence(uint64_t tag, std::span<const uint8_t> evidence,
                                   std::span<const uint8_t> claims_buffer);
struct TaggedEvidence {
  uint64_t tag = 0;
  Bytes evidence;
  Bytes claims_buffer;
};
Result<TaggedEvidence> DecodeTaggedEvidence(std::span<const uint8_t> extension_value);

// The endorsements extension: tag(item), where item is one encoded CBOR data
// item (an array for SGX/TDX: see plugins/common/dcap_endorsements.h).
Result<Bytes> EncodeTaggedEndorsements(uint64_t tag, std::span<const uint8_t> encoded_item);
struct TaggedEndorsements {
  uint64_t tag = 0;
  Bytes item;  // the encoded inner item, exactly
};
Result<TaggedEndorsements> DecodeTaggedEndorsements(std::span<const uint8_t> extension_value);

enum class EvidenceSource { kNone, kTagged, kLegacy };

struct CertEvidence {
  EvidenceSource source = EvidenceSource::kNone;
  Bytes spki_der;            // the certificate's SubjectPublicKeyInfo, DER
  Bytes rsa_pkcs1_der;       // RSAPublicKey DER when the key is RSA (legacy binding)
  // kTagged
  TaggedEvidence tagged;
  std::optional<TaggedEndorsements> endorsements;
  // kLegacy: the raw quote and the OID it came from
  Bytes legacy_quote;
  std::string legacy_oid;
  int64_t not_before = 0, not_after = 0;  // Unix seconds
};

// Parses the DER certificate and finds the evidence. When both a tagged and a
// legacy extension are present (Gramine, the Intel SGX SDK) the tagged one
// is used. An extension present twice is InvalidArgument.
Result<CertEvidence> ExtractCertEvidence(std::span<const uint8_t> cert_der);

// The type name of the evidence ("sgx_ecdsa", "tdx_ecdsa", "sgx_la",
// "sev_snp") from its tag and, for Intel quotes, the quote header (version,
// attestation key type, TEE type); InvalidArgument for EPID quotes and
// unknown formats, naming them.
Result<std::string> EvidenceTypeOf(uint64_t tag, std::span<const uint8_t> evidence);

// Digest of data with the IANA hash id (1, 7, 8); InvalidArgument otherwise.
Result<Bytes> HashWithAlg(int hash_alg, std::span<const uint8_t> data);

}  // namespace inclavare::ratstls
