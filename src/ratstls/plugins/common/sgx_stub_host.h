// The Rats-TLS SGX stub enclave on the SIMULATED SGX platform: the enclave
// whose REPORTs the sgx_ecdsa and sgx_la attesters turn into evidence, and
// that the sgx_la verifier uses as the target of local attestation (as
// upstream rats-tls's sgx_stub_enclave). Built and signed at build time
// (plugins/sgx_stub), installed beside the plugins in
// <plugin_dir>/sgx-stub/: enclave.so, enclave.json, enclave.sig (production
// attributes) and enclave-debug.json, enclave-debug.sig (DEBUG set).
//
//   IC_ASSIGN_OR_RETURN(auto stub, SimStubEnclave::Load(env->sim_dir, env->plugin_dir, env->debug_enclave));
//   IC_ASSIGN_OR_RETURN(sgx::Report r, stub->CreateReport(qe_target, report_data));
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "enclave/sgx/arch.h"

namespace inclavare::ratstls {

class SimStubEnclave {
 public:
  // Loads the platform keys from sim_dir and the stub enclave (debug or
  // production signature) from <plugin_dir>/sgx-stub/. Errors name the
  // missing file or the sim directory problem.
  static Result<std::unique_ptr<SimStubEnclave>> Load(const std::string& sim_dir, const std::string& plugin_dir,
                                                      bool debug);
  virtual ~SimStubEnclave() = default;
  // TARGETINFO of the stub itself (EREPORT target for local attestation).
  virtual Result<sgx::TargetInfo> SelfTarget() const = 0;
  // EREPORT inside the stub with REPORTDATA = report_data.
  virtual Result<sgx::Report> CreateReport(const sgx::TargetInfo& target,
                                           const std::array<uint8_t, 64>& report_data) const = 0;
  // Checks a REPORT targeted at this stub (EGETKEY report key, MAC).
  virtual Result<> VerifyReport(const sgx::Report& report) const = 0;
};

}  // namespace inclavare::ratstls
