// Loads an enclave image (image.h) on the sim platform and calls into it.
//
//   IC_ASSIGN_OR_RETURN(auto st, State::Load(sim_dir));
//   LoadOptions o{.image_path = "encl.so", .sigstruct_path = "encl.sig", .config_path = ""};
//   IC_ASSIGN_OR_RETURN(std::unique_ptr<LoadedEnclave> e, LoadedEnclave::Load(st->keys(), o));
//   sim_main_args args{argc, argv, envp};
//   long exit_code = e->Call(SIM_ECALL_MAIN, &args);          // normally in a forked child
//   IC_ASSIGN_OR_RETURN(Report r, e->CreateReport(qe_target_info));
//
// Load() reads the image once, lays it out, and runs ECREATE, EADD/EEXTEND
// of every page and EINIT with the SIGSTRUCT on a sim::Enclave: an image or
// config that does not match its SIGSTRUCT is refused (PermissionDenied),
// as is a config whose ISVPRODID/ISVSVN differ from the SIGSTRUCT's. Only
// then are the measured bytes copied into an anonymous mapping whose base is
// aligned to SECS.SIZE (as SECS.BASEADDR must be), the R_X86_64_RELATIVE
// relocations applied (a hardware enclave relocates itself after EINIT), and
// the page protections set from the SECINFO permissions: TCS pages and the
// rest of the SIZE range PROT_NONE, PT_GNU_RELRO read-only. The code called
// is the code measured.
//
// Sim does not isolate memory: enclave pages are ordinary process memory.
//
// Call() runs enclave code on the calling thread; the exit OCALL ends the
// whole process, so the main ECALL belongs in a child process. The mapping
// is private and survives fork(). Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sim/enclave.h"
#include "enclave/sim/enclave_abi.h"
#include "enclave/sim/image.h"
#include "enclave/sim/keys.h"

namespace inclavare::sgx::sim {

struct LoadOptions {
  std::string image_path;
  std::string sigstruct_path;
  std::string config_path;  // empty: the default config
};

class LoadedEnclave {
 public:
  static Result<std::unique_ptr<LoadedEnclave>> Load(const PlatformKeys& platform,
                                                     const LoadOptions& options);
  ~LoadedEnclave();
  LoadedEnclave(const LoadedEnclave&) = delete;
  LoadedEnclave& operator=(const LoadedEnclave&) = delete;

  // Calls the entry point (TCS.OENTRY) with an ECALL number and argument.
  long Call(long ecall, void* arg) const;

  // EREPORT for target; REPORTDATA from SIM_ECALL_REPORT_DATA when the
  // enclave implements it (-ENOSYS: zero), an error when it refuses.
  Result<Report> CreateReport(const TargetInfo& target) const;

  const Enclave& enclave() const { return *enclave_; }
  const EnclaveIdentity& identity() const { return enclave_->identity(); }
  uint8_t* base() const { return base_; }
  uint64_t size() const { return size_; }

 private:
  LoadedEnclave() = default;
  Result<> Map(const EnclaveLayout& layout);

  std::unique_ptr<Enclave> enclave_;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint64_t entry_ = 0;
  sim_enclave_host host_{};
};

// The OCALL table the loader gives every enclave (raw syscalls only, safe
// in a child after fork()).
const sim_ocall_table& HostOcalls();

}  // namespace inclavare::sgx::sim
