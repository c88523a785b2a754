// libFuzzer target: the PCK certificate SGX extension parser takes bytes
// from certificates in untrusted quotes.
#include <cstddef>
#include <cstdint>

#include "enclave/sim/pki.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ext = inclavare::sgx::sim::DecodeSgxExtension({data, size});
  if (ext) {
    // What decodes must encode again.
    auto der = inclavare::sgx::sim::EncodeSgxExtension(*ext);
    if (!der) __builtin_trap();
  }
  return 0;
}
