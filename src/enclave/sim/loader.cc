#include "enclave/sim/loader.h"

#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fs.h"
#include "enclave/sgx/sigstruct.h"

namespace inclavare::sgx::sim {

namespace {

// --- OCALLs: raw syscalls only (they run in forked children) ---------------

long OcallWrite(int fd, const void* buf, uint64_t len) {
  for (;;) {
    ssize_t n = ::write(fd, buf, len);
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
  }
}

long OcallRead(int fd, void* buf, uint64_t len) {
  for (;;) {
    ssize_t n = ::read(fd, buf, len);
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
  }
}

[[noreturn]] void OcallExit(int code) { ::_exit(code & 0xff); }

long OcallGetpid() { return ::getpid(); }

long OcallSleep(uint64_t seconds, uint64_t nanoseconds) {
  if (nanoseconds >= 1000000000ull) return -EINVAL;
  timespec ts{static_cast<time_t>(seconds), static_cast<long>(nanoseconds)};
  return ::nanosleep(&ts, nullptr) == 0 ? 0 : -errno;
}

// Signals wait_signal reports: every asynchronous signal.
void AsyncSignals(sigset_t* set) {
  sigfillset(set);
  for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS})
    sigdelset(set, s);
}

bool g_subscribed = false;  // per process; set in the child that subscribes

long OcallSignalSubscribe() {
  sigset_t set;
  AsyncSignals(&set);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return -errno;
  g_subscribed = true;
  return 0;
}

long OcallWaitSignal() {
  if (!g_subscribed) return -EINVAL;
  sigset_t set;
  AsyncSignals(&set);
  for (;;) {
    int sig = sigwaitinfo(&set, nullptr);
    if (sig > 0) return sig;
    if (errno != EINTR) return -errno;
  }
}

const sim_ocall_table kOcalls = {
    OcallWrite, OcallRead, OcallExit, OcallGetpid, OcallSleep, OcallSignalSubscribe, OcallWaitSignal,
};

int ProtOf(uint64_t secinfo_flags, PageType type) {
  if (type == PageType::kTcs) return PROT_NONE;  // not accessible to enclave code
  int prot = 0;
  if (secinfo_flags & kSecInfoR) prot |= PROT_READ;
  if (secinfo_flags & kSecInfoW) prot |= PROT_WRITE;
  if (secinfo_flags & kSecInfoX) prot |= PROT_EXEC;
  return prot;
}

}  // namespace

const sim_ocall_table& HostOcalls() { return kOcalls; }

LoadedEnclave::~LoadedEnclave() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

Result<std::unique_ptr<LoadedEnclave>> LoadedEnclave::Load(const PlatformKeys& platform,
                                                           const LoadOptions& o) {
  IC_ASSIGN_OR_RETURN(EnclaveConfig config, LoadEnclaveConfig(o.config_path));
  IC_ASSIGN_OR_RETURN(std::string elf, fs::ReadFile(o.image_path));
  IC_ASSIGN_OR_RETURN(std::string sig_bytes, fs::ReadFile(o.sigstruct_path));
  IC_ASSIGN_OR_RETURN(
      SigStruct ss, SigStructFromBytes({reinterpret_cast<const uint8_t*>(sig_bytes.data()), sig_bytes.size()})
                        .Wrap(o.sigstruct_path));
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(elf.data()), elf.size());
  IC_ASSIGN_OR_RETURN(EnclaveLayout layout, BuildEnclaveLayout(bytes, config).Wrap(o.image_path));

  std::unique_ptr<LoadedEnclave> e(new LoadedEnclave());
  IC_ASSIGN_OR_RETURN(Enclave enclave, Enclave::Create(platform, layout.secs));
  IC_TRY(AddLayoutPages(enclave, layout));
  IC_TRY(enclave.Init(ss).Wrap(o.image_path + " with SIGSTRUCT " + o.sigstruct_path));
  if (ss.body.isv_prod_id != config.isv_prod_id || ss.body.isv_svn != config.isv_svn) {
    return Error(ErrorCode::kPermissionDenied,
                 "enclave config ISVPRODID/ISVSVN " + std::to_string(config.isv_prod_id) + "/" +
                     std::to_string(config.isv_svn) + " differ from SIGSTRUCT " + o.sigstruct_path + "'s " +
                     std::to_string(ss.body.isv_prod_id) + "/" + std::to_string(ss.body.isv_svn));
  }
  e->enclave_ = std::make_unique<Enclave>(std::move(enclave));
  IC_TRY(e->Map(layout));
  return e;
}

Result<> LoadedEnclave::Map(const EnclaveLayout& layout) {
  const uint64_t size = layout.secs.size;
  // Reserve twice SIZE and keep the SIZE-aligned part: SECS.BASEADDR is
  // naturally aligned.
  void* raw = ::mmap(nullptr, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return ErrnoError("mmap enclave range");
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + size - 1) & ~(size - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  if (aligned + size < start + 2 * size) {
    ::munmap(reinterpret_cast<void*>(aligned + size), start + 2 * size - (aligned + size));
  }
  base_ = reinterpret_cast<uint8_t*>(aligned);
  size_ = size;

  if (::mprotect(base_, layout.memory.size(), PROT_READ | PROT_WRITE) != 0)
    return ErrnoError("mprotect enclave");
  std::memcpy(base_, layout.memory.data(), layout.memory.size());
  for (const Relocation& r : layout.relocations) {
    const uint64_t value = aligned + static_cast<uint64_t>(r.addend);
    std::memcpy(base_ + r.offset, &value, sizeof value);
  }
  // Pages not EADDed (gaps between segments) stay inaccessible.
  if (::mprotect(base_, layout.memory.size(), PROT_NONE) != 0) return ErrnoError("mprotect enclave");
  for (const LayoutPage& p : layout.pages) {
    const auto type = static_cast<PageType>((p.secinfo.flags >> 8) & 0xff);
    int prot = ProtOf(p.secinfo.flags, type);
    if (p.offset >= layout.relro_begin && p.offset < layout.relro_end) prot &= ~PROT_WRITE;
    if (prot != PROT_NONE && ::mprotect(base_ + p.offset, kPageSize, prot) != 0) {
      return ErrnoError("mprotect enclave page");
    }
  }
  entry_ = layout.entry;
  host_.abi_version = SIM_ENCLAVE_ABI_VERSION;
  host_.size = sizeof host_;
  host_.ocalls = &kOcalls;
  host_.enclave_base = aligned;
  host_.enclave_size = size;
  host_.heap = layout.heap_size ? base_ + layout.heap_offset : nullptr;
  host_.heap_size = layout.heap_size;
  return {};
}

long LoadedEnclave::Call(long ecall, void* arg) const {
  auto entry = reinterpret_cast<sim_enclave_entry_fn>(base_ + entry_);
  return entry(ecall, arg, &host_);
}

Result<Report> LoadedEnclave::CreateReport(const TargetInfo& target) const {
  sim_report_data_args args{};
  args.target_info = reinterpret_cast<const uint8_t*>(&target);
  long rc = Call(SIM_ECALL_REPORT_DATA, &args);
  ReportData data{};
  if (rc == 0) {
    std::memcpy(data.data(), args.report_data, data.size());
  } else if (rc != -ENOSYS) {
    return Error(ErrorCode::kFailedPrecondition, "enclave refused the REPORTDATA ECALL",
                 static_cast<int>(-rc));
  }
  return enclave_->CreateReport(target, data);
}

}  // namespace inclavare::sgx::sim
