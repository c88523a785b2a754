// libFuzzer target: the SEV-SNP report parser.
#include <cstddef>
#include <cstdint>
#include <span>

#include "attest/snp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)inclavare::attest::ParseSnpReport(std::span<const uint8_t>(data, size));
  return 0;
}
