// A minimal sim enclave, for tests, demos and `sgx-tools sim report`: one TCS
// page, one code page holding `content`, one SSA page, 16 KiB, 64-bit,
// measured, signed with `signer` (RSA-3072 e=3) and initialised.
//
//   IC_ASSIGN_OR_RETURN(RsaKey key, RsaKey::Generate());
//   IC_ASSIGN_OR_RETURN(Enclave app, BuildSampleEnclave(state->keys(), key, {}));
//   IC_ASSIGN_OR_RETURN(Report r, app.CreateReport(qe_target_info, data));
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "enclave/sgx/crypto.h"
#include "enclave/sgx/sigstruct.h"
#include "enclave/sim/enclave.h"

namespace inclavare::sgx::sim {

struct SampleEnclaveOptions {
  std::string content = "Inclavare SIMULATED sample enclave\n";  // code page bytes (<= 4096)
  bool debug = false;               // ATTRIBUTES.DEBUG (the SIGSTRUCT allows it)
  uint64_t extra_flags = 0;         // more ATTRIBUTES.FLAGS, e.g. kAttrProvisionKey
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  MiscSelect misc_select = 0;
};

// The SECS and the measured, signed SIGSTRUCT of the sample layout, without
// building the enclave (tests tamper with either before EINIT).
struct SampleEnclaveParts {
  Secs secs{};
  SigStruct sigstruct{};
};
Result<SampleEnclaveParts> SignSampleEnclave(const RsaKey& signer, const SampleEnclaveOptions& options);

// ECREATE + EADD/EEXTEND of the sample layout (no EINIT).
Result<Enclave> CreateSampleEnclave(const PlatformKeys& platform, const Secs& secs,
                                    const SampleEnclaveOptions& options);

// Signs, builds and initialises.
Result<Enclave> BuildSampleEnclave(const PlatformKeys& platform, const RsaKey& signer,
                                   const SampleEnclaveOptions& options);

}  // namespace inclavare::sgx::sim
