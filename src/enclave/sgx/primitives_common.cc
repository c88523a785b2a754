// The parts of primitives.h that are the same in both builds; compiled into
// each (primitives_openssl.cc, primitives_nettle.cc).
#include "enclave/sgx/primitives.h"

namespace inclavare::sgx {

Result<Measurement256> Sha256(std::span<const uint8_t> data) {
  IC_ASSIGN_OR_RETURN(Sha256Hasher h, Sha256Hasher::Create());
  IC_TRY(h.Update(data));
  return h.Final();
}

}  // namespace inclavare::sgx
