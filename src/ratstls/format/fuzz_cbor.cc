// libFuzzer target: the CBOR decoders on arbitrary bytes; whatever decodes
// must re-encode and decode to the same value (IC_RATSTLS_FUZZERS=ON, clang).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ratstls/format/cert_format.h"

using namespace inclavare::ratstls;

// Tags 6..20 decode only in a long head form and are refused by the encoders.
static bool Encodable(uint64_t tag) { return tag < 6 || tag > 20; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  if (auto te = DecodeTaggedEvidence(in)) (void)EvidenceTypeOf(te->tag, te->evidence);
  if (auto te = DecodeTaggedEvidence(in); te && Encodable(te->tag)) {
    auto enc = EncodeTaggedEvidence(te->tag, te->evidence, te->claims_buffer);
    if (!enc) abort();
    auto back = DecodeTaggedEvidence(*enc);
    if (!back || back->evidence != te->evidence || back->claims_buffer != te->claims_buffer) abort();
  }
  if (auto cb = DecodeClaims(in)) {
    auto enc = EncodeClaims(*cb);
    if (!enc) abort();
    auto back = DecodeClaims(*enc);
    if (!back || back->pubkey_hash != cb->pubkey_hash || back->nonce != cb->nonce ||
        back->custom != cb->custom)
      abort();
  }
  if (auto en = DecodeTaggedEndorsements(in); en && Encodable(en->tag)) {
    auto enc = EncodeTaggedEndorsements(en->tag, en->item);
    if (!enc) abort();
    auto back = DecodeTaggedEndorsements(*enc);
    if (!back || back->item != en->item || back->tag != en->tag) abort();
  }
  return 0;
}
