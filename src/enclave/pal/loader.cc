#include "enclave/pal/loader.h"

#include <dlfcn.h>

#include <cstring>
#include <utility>

#include "inclavare/pal.h"

namespace inclavare::enclave {
namespace {

// "pal_init: Invalid argument (-22)"; positive or other odd returns are
// reported as they are.
Error PalError(const char* call, int ret) {
  if (ret < 0 && ret > -4096) {
    return Error(CodeFromErrno(-ret), std::string(call) + " failed: " + strerror(-ret) + " (" + std::to_string(ret) + ")",
                 -ret);
  }
  return Internal(std::string(call) + " failed with " + std::to_string(ret));
}

std::vector<char*> CArray(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<PalLibrary> PalLibrary::Open(const std::string& path) {
  PalLibrary pal;
  pal.path_ = path;
  pal.handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!pal.handle_) {
    const char* why = ::dlerror();
    return InvalidArgument("load enclave runtime " + path + ": " + (why ? why : "dlopen failed"));
  }
  auto sym = [&](const char* name) { return ::dlsym(pal.handle_, name); };
  if (void* v = sym("pal_get_version")) {
    int version = reinterpret_cast<pal_get_version_fn>(v)();
    if (version < 1 || version > PAL_API_VERSION_MAX)
      return InvalidArgument("enclave runtime " + path + ": pal_get_version returned " + std::to_string(version) +
                             ", rune supports PAL API versions 1 to " + std::to_string(PAL_API_VERSION_MAX));
    pal.version_ = version;
  }
  pal.init_ = sym("pal_init");
  pal.exec_ = sym("pal_exec");
  pal.destroy_ = sym("pal_destroy");
  pal.kill_ = sym("pal_kill");
  pal.create_process_ = sym("pal_create_process");
  pal.get_local_report_ = sym("pal_get_local_report");
  std::vector<const char*> missing;
  if (!pal.init_) missing.push_back("pal_init");
  if (!pal.exec_) missing.push_back("pal_exec");
  if (!pal.destroy_) missing.push_back("pal_destroy");
  if (pal.version_ >= 2) {
    if (!pal.create_process_) missing.push_back("pal_create_process");
    if (!pal.kill_) missing.push_back("pal_kill");
  }
  if (pal.version_ >= 3 && !pal.get_local_report_) missing.push_back("pal_get_local_report");
  if (!missing.empty()) {
    std::string names;
    for (const char* m : missing) names += std::string(names.empty() ? "" : ", ") + m;
    return InvalidArgument("enclave runtime " + path + " (PAL API v" + std::to_string(pal.version_) +
                           ") does not export " + names);
  }
  return pal;
}

PalLibrary::PalLibrary(PalLibrary&& o) noexcept { *this = std::move(o); }

PalLibrary& PalLibrary::operator=(PalLibrary&& o) noexcept {
  if (this != &o) {
    Close();
    handle_ = std::exchange(o.handle_, nullptr);
    path_ = std::move(o.path_);
    version_ = o.version_;
    init_ = o.init_;
    exec_ = o.exec_;
    create_process_ = o.create_process_;
    kill_ = o.kill_;
    destroy_ = o.destroy_;
    get_local_report_ = o.get_local_report_;
    destroyed_ = o.destroyed_;
  }
  return *this;
}

PalLibrary::~PalLibrary() { Close(); }

void PalLibrary::Close() {
  // A PAL may leave threads or atexit handlers behind; unloading it under
  // them would crash, so a PAL stays mapped until the process ends.
  handle_ = nullptr;
}

Result<> PalLibrary::Init(const std::string& args, const std::string& log_level, int fd, uint64_t addr) {
  int ret;
  if (version_ >= 3) {
    pal_attr_v3_t attr = {};
    attr.attr_v1.args = args.c_str();
    attr.attr_v1.log_level = log_level.c_str();
    attr.fd = fd;
    attr.addr = addr;
    ret = reinterpret_cast<pal_init_v3_fn>(init_)(&attr);
  } else {
    pal_attr_t attr = {args.c_str(), log_level.c_str()};
    ret = reinterpret_cast<pal_init_v1_fn>(init_)(&attr);
  }
  if (ret != 0) return PalError("pal_init", ret);
  return {};
}

Result<int> PalLibrary::CreateProcess(const std::string& path, const std::vector<std::string>& argv,
                                      const std::vector<std::string>& env, std::array<int, 3> stdio) {
  if (version_ < 2) return Unimplemented("pal_create_process: PAL API v1 has none");
  std::string p = path;
  std::vector<std::string> a = argv, e = env;
  std::vector<char*> av = CArray(a), ev = CArray(e);
  pal_stdio_fds fds = {stdio[0], stdio[1], stdio[2]};
  int pid = -1;
  pal_create_process_args args = {p.data(), av.data(), ev.data(), &fds, &pid};
  int ret = reinterpret_cast<pal_create_process_fn>(create_process_)(&args);
  if (ret != 0) return PalError("pal_create_process", ret);
  return pid;
}

Result<int> PalLibrary::Exec(int pid) {
  if (version_ < 2) return Unimplemented("pal_exec(pid): PAL API v1 runs with Exec1");
  int exit_value = 0;
  pal_exec_args args = {pid, &exit_value};
  int ret = reinterpret_cast<pal_exec_v2_fn>(exec_)(&args);
  if (ret != 0) return PalError("pal_exec", ret);
  return exit_value;
}

Result<int> PalLibrary::Exec1(const std::string& path, const std::vector<std::string>& argv,
                              std::array<int, 3> stdio) {
  if (version_ != 1) return FailedPrecondition("pal_exec: the v1 call on a v" + std::to_string(version_) + " PAL");
  std::string p = path;
  std::vector<std::string> a = argv;
  std::vector<char*> av = CArray(a);
  pal_stdio_fds fds = {stdio[0], stdio[1], stdio[2]};
  int exit_code = 0;
  int ret = reinterpret_cast<pal_exec_v1_fn>(exec_)(p.data(), av.data(), &fds, &exit_code);
  if (ret != 0) return PalError("pal_exec", ret);
  return exit_code;
}

Result<> PalLibrary::Kill(int pid, int sig) {
  if (!kill_) return Unimplemented("the enclave runtime has no pal_kill");
  int ret = reinterpret_cast<pal_kill_fn>(kill_)(pid, sig);
  if (ret != 0) return PalError("pal_kill", ret);
  return {};
}

Result<std::vector<uint8_t>> PalLibrary::GetLocalReport(const std::vector<uint8_t>& target_info) {
  if (!get_local_report_)
    return Unimplemented("pal_get_local_report: the enclave runtime implements PAL API v" + std::to_string(version_) +
                         "; local reports need v3");
  if (target_info.size() != PAL_SGX_TARGETINFO_SIZE)
    return InvalidArgument("TARGETINFO must be " + std::to_string(PAL_SGX_TARGETINFO_SIZE) + " bytes");
  std::vector<uint8_t> ti = target_info;
  std::vector<uint8_t> report(PAL_SGX_REPORT_SIZE);
  int len = static_cast<int>(report.size());
  int ret = reinterpret_cast<pal_get_local_report_fn>(get_local_report_)(ti.data(), static_cast<int>(ti.size()),
                                                                          report.data(), &len);
  if (ret != 0) return PalError("pal_get_local_report", ret);
  if (len != PAL_SGX_REPORT_SIZE)
    return Internal("pal_get_local_report returned " + std::to_string(len) + " bytes, not a " +
                    std::to_string(PAL_SGX_REPORT_SIZE) + "-byte REPORT");
  return report;
}

Result<> PalLibrary::Destroy() {
  if (destroyed_) return {};
  destroyed_ = true;
  int ret = reinterpret_cast<pal_destroy_fn>(destroy_)();
  if (ret != 0) return PalError("pal_destroy", ret);
  return {};
}

}  // namespace inclavare::enclave
