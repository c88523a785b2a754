// libFuzzer target: the collateral parsers (PCS JSON with raw-substring
// extraction, Fortanix wrappers, dcap-qvl JSON, CRL unwrapping) and the TCB
// Info / enclave identity parsers on whatever they extract.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attest/collateral.h"
#include "attest/tcb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace inclavare::attest;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto d = ParseSignedDocument(text, "tcbInfo")) (void)ParseTcbInfo(d->body);
  if (auto d = ParseSignedDocument(text, "enclaveIdentity")) (void)ParseEnclaveIdentity(d->body);
  (void)ParseTcbInfo(text);
  (void)ParseEnclaveIdentity(text);
  (void)ParseDcapQvlCollateral(text);
  (void)UnwrapCrl(text);
  return 0;
}
