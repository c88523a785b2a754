#include "ratstls/plugins/common/sgx_stub_host.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "common/fs.h"
#include "enclave/sim/loader.h"
#include "enclave/sim/state.h"
#include "ratstls/plugins/sgx_stub/sgx_stub_abi.h"

namespace inclavare::ratstls {

namespace {

namespace sim = sgx::sim;

class SimStubEnclaveImpl final : public SimStubEnclave {
 public:
  explicit SimStubEnclaveImpl(std::unique_ptr<sim::LoadedEnclave> e) : enclave_(std::move(e)) {}

  Result<sgx::TargetInfo> SelfTarget() const override { return enclave_->enclave().GetTargetInfo(); }

  Result<sgx::Report> CreateReport(const sgx::TargetInfo& target,
                                   const std::array<uint8_t, 64>& report_data) const override {
    sgx_stub_report_data_args args{};
    std::memcpy(args.report_data, report_data.data(), sizeof args.report_data);
    const long rc = enclave_->Call(SGX_STUB_ECALL_SET_REPORT_DATA, &args);
    if (rc != 0) {
      return Error(ErrorCode::kInternal, "sgx stub enclave: set REPORTDATA ECALL failed",
                   rc < 0 ? static_cast<int>(-rc) : 0);
    }
    IC_ASSIGN_OR_RETURN(sgx::Report report, enclave_->CreateReport(target).Wrap("sgx stub enclave: EREPORT"));
    // The stub hands out exactly what was stored; anything else is a broken
    // image and must not become evidence.
    if (std::memcmp(report.body.report_data.data(), report_data.data(), report_data.size()) != 0) {
      return Internal("sgx stub enclave: REPORT carries other REPORTDATA than requested");
    }
    return report;
  }

  Result<> VerifyReport(const sgx::Report& report) const override {
    return enclave_->enclave().VerifyReport(report);
  }

 private:
  std::unique_ptr<sim::LoadedEnclave> enclave_;
};

Result<> RequireFile(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return ErrnoError("sgx stub enclave " + what + " " + path +
                      " (the stub is built and installed with the plugins in <plugin_dir>/sgx-stub)");
  }
  if (!S_ISREG(st.st_mode))
    return InvalidArgument("sgx stub enclave " + what + " " + path + ": not a regular file");
  return {};
}

}  // namespace

Result<std::unique_ptr<SimStubEnclave>> SimStubEnclave::Load(const std::string& sim_dir,
                                                             const std::string& plugin_dir, bool debug) {
  if (sim_dir.empty())
    return InvalidArgument("sgx stub enclave: no sim platform directory (conf.ext.sim_dir)");
  if (plugin_dir.empty()) return InvalidArgument("sgx stub enclave: no plugin directory");
  struct stat st {};
  if (::stat(sim_dir.c_str(), &st) != 0) {
    return ErrnoError("sim platform directory " + sim_dir + " (run `sgx-tools sim init --dir " + sim_dir +
                      "`)");
  }
  const std::string dir = fs::Join(plugin_dir, "sgx-stub");
  const std::string base = debug ? "enclave-debug" : "enclave";
  sim::LoadOptions o;
  o.image_path = fs::Join(dir, "enclave.so");
  o.sigstruct_path = fs::Join(dir, base + ".sig");
  o.config_path = fs::Join(dir, base + ".json");
  IC_TRY(RequireFile(o.image_path, "image"));
  IC_TRY(RequireFile(o.sigstruct_path, "SIGSTRUCT"));
  IC_TRY(RequireFile(o.config_path, "config"));
  // The platform secret only: EREPORT and EGETKEY need nothing else, and an
  // attester has no business holding the QE's or PCK's keys.
  IC_ASSIGN_OR_RETURN(sim::PlatformKeys keys,
                      sim::State::LoadPlatformKeys(sim_dir).Wrap("sim platform " + sim_dir));
  IC_ASSIGN_OR_RETURN(std::unique_ptr<sim::LoadedEnclave> loaded,
                      sim::LoadedEnclave::Load(keys, o).Wrap("sgx stub enclave"));
  return std::unique_ptr<SimStubEnclave>(new SimStubEnclaveImpl(std::move(loaded)));
}

}  // namespace inclavare::ratstls
