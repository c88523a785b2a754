#include "sim_host.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

#include "enclave/sgx/hex.h"
#include "enclave/sim/loader.h"
#include "enclave/sim/state.h"

namespace sim = inclavare::sgx::sim;
using inclavare::Error;
using inclavare::ErrorCode;

struct skel_enclave {
  std::unique_ptr<sim::LoadedEnclave> enclave;
};

namespace {

void SetErr(char* err, size_t len, const std::string& msg) {
  if (err != nullptr && len > 0) std::snprintf(err, len, "%s", msg.c_str());
}

int Errno(const Error& e) {
  if (e.sys_errno() != 0) return -e.sys_errno();
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
      return -EINVAL;
    case ErrorCode::kNotFound:
      return -ENOENT;
    case ErrorCode::kAlreadyExists:
      return -EEXIST;
    case ErrorCode::kPermissionDenied:
      return -EACCES;
    case ErrorCode::kFailedPrecondition:
      return -EINVAL;
    case ErrorCode::kUnavailable:
      return -EAGAIN;
    case ErrorCode::kUnimplemented:
      return -ENOSYS;
    case ErrorCode::kInternal:
      return -EIO;
  }
  return -EIO;
}

int Fail(const Error& e, char* err, size_t len) {
  SetErr(err, len, e.ToString());
  return Errno(e);
}

}  // namespace

extern "C" int skel_enclave_load(const char* sim_dir, const char* image, const char* sigstruct,
                                 const char* config, skel_enclave** out, char* err, size_t err_len) {
  try {
    struct stat st {};
    if (::stat(sim_dir, &st) != 0) {
      const int e = errno;
      SetErr(err, err_len,
             std::string("sim state directory ") + sim_dir + ": " + std::strerror(e) +
                 " (run `sgx-tools sim init`)");
      return -e;
    }
    // The platform secret only: the container never holds the QE's keys.
    auto keys = sim::State::LoadPlatformKeys(sim_dir);
    if (!keys) return Fail(std::move(keys).error().Wrap("sim state"), err, err_len);
    sim::LoadOptions o{image, sigstruct, config != nullptr ? config : ""};
    auto loaded = sim::LoadedEnclave::Load(*keys, o);
    if (!loaded) return Fail(loaded.error(), err, err_len);
    *out = new skel_enclave{std::move(*loaded)};
    return 0;
  } catch (const std::exception& ex) {
    SetErr(err, err_len, ex.what());
    return -ENOMEM;
  }
}

extern "C" void skel_enclave_identity_hex(const skel_enclave* e, char mrenclave[65], char mrsigner[65]) {
  try {
    std::snprintf(mrenclave, 65, "%s", inclavare::sgx::HexEncode(e->enclave->identity().mr_enclave).c_str());
    std::snprintf(mrsigner, 65, "%s", inclavare::sgx::HexEncode(e->enclave->identity().mr_signer).c_str());
  } catch (...) {
    mrenclave[0] = mrsigner[0] = '\0';
  }
}

extern "C" int skel_enclave_run_main(const skel_enclave* e, int argc, char** argv, char** envp) {
  sim_main_args args{argc, argv, envp};
  return static_cast<int>(e->enclave->Call(SIM_ECALL_MAIN, &args) & 0xff);
}

extern "C" int skel_enclave_report(const skel_enclave* e, const void* target_info, void* report, char* err,
                                   size_t err_len) {
  try {
    inclavare::sgx::TargetInfo ti;
    std::memcpy(&ti, target_info, sizeof ti);
    auto r = e->enclave->CreateReport(ti);
    if (!r) return Fail(r.error(), err, err_len);
    std::memcpy(report, &*r, sizeof *r);
    return 0;
  } catch (const std::exception& ex) {
    SetErr(err, err_len, ex.what());
    return -ENOMEM;
  }
}

extern "C" void skel_enclave_free(skel_enclave* e) { delete e; }
