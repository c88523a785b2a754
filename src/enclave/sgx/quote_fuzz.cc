// libFuzzer target for the quote parser: any input must either parse into
// parts that lie inside the input or fail with an error; never crash or read
// outside the buffer. Build with -DIC_SGX_FUZZERS=ON and clang; seed with the
// quotes in ../shared/testdata/evidence:
//   build-fuzz/src/enclave/sgx/sgx_quote_fuzz -max_total_time=60 corpus/
#include <cstdint>
#include <cstdlib>
#include <span>

#include "enclave/sgx/dump.h"
#include "enclave/sgx/quote.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  auto q = inclavare::sgx::ParseQuote(in);
  if (!q) return 0;
  auto inside = [&](std::span<const uint8_t> part) {
    return part.empty() || (part.data() >= data && part.data() + part.size() <= data + q->size);
  };
  if (q->size > size || !inside(q->cert_data) || !inside(q->qe_auth_data) || !inside(q->qe_report_bytes) ||
      !inside(q->signed_data)) {
    std::abort();
  }
  (void)inclavare::sgx::QuoteToJson(*q);
  return 0;
}
