// libFuzzer target for SIGSTRUCT input: parsing, verification and the JSON
// dump must handle any 1808 bytes (mostly refusing them) without crashing.
// Build with -DIC_SGX_FUZZERS=ON and clang.
#include <cstdint>
#include <span>

#include "enclave/sgx/dump.h"
#include "enclave/sgx/sigstruct.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ss = inclavare::sgx::SigStructFromBytes(std::span<const uint8_t>(data, size));
  if (!ss) return 0;
  (void)inclavare::sgx::VerifySigStruct(*ss);
  (void)inclavare::sgx::SigStructToJson(*ss);
  return 0;
}
