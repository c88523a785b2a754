// free_claims_list / clone_claims_list (include/rats-tls/claim.h).
#include <rats-tls/claim.h>

#include <cstdlib>
#include <cstring>

#include "ratstls/core/internal.h"

extern "C" RATS_TLS_EXPORT void free_claims_list(claim_t* claims, size_t claims_length) {
  if (claims == nullptr) return;
  for (size_t i = 0; i < claims_length; ++i) {
    free(claims[i].name);
    free(claims[i].value);
  }
  free(claims);
}

extern "C" RATS_TLS_EXPORT claim_t* clone_claims_list(claim_t* claims, size_t claims_length) {
  if (claims == nullptr || claims_length == 0) return nullptr;
  auto* out = static_cast<claim_t*>(calloc(claims_length, sizeof(claim_t)));
  if (out == nullptr) return nullptr;
  for (size_t i = 0; i < claims_length; ++i) {
    out[i].name = strdup(claims[i].name ? claims[i].name : "");
    out[i].value = static_cast<uint8_t*>(malloc(claims[i].value_size ? claims[i].value_size : 1));
    if (out[i].name == nullptr || out[i].value == nullptr) {
      free_claims_list(out, i + 1);
      return nullptr;
    }
    if (claims[i].value_size) memcpy(out[i].value, claims[i].value, claims[i].value_size);
    out[i].value_size = claims[i].value_size;
  }
  return out;
}
