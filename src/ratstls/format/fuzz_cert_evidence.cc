// libFuzzer target: ExtractCertEvidence on arbitrary DER, then the decoders
// the verifier runs on what it finds (IC_RATSTLS_FUZZERS=ON, clang).
#include <cstddef>
#include <cstdint>

#include "ratstls/format/cert_format.h"

using namespace inclavare::ratstls;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ce = ExtractCertEvidence({data, size});
  if (!ce) return 0;
  if (ce->source == EvidenceSource::kTagged) {
    (void)EvidenceTypeOf(ce->tagged.tag, ce->tagged.evidence);
    if (auto cb = DecodeClaims(ce->tagged.claims_buffer)) (void)HashWithAlg(cb->hash_alg, ce->spki_der);
  } else if (ce->source == EvidenceSource::kLegacy) {
    (void)EvidenceTypeOf(0, ce->legacy_quote);
  }
  return 0;
}
