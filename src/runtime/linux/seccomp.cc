#include "runtime/linux/seccomp.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "common/log.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace inclavare::runtime {
namespace {

constexpr char kField[] = "linux.seccomp";
constexpr unsigned int kMaxArgs = 6;  // a syscall has at most 6 arguments

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

struct ActionName {
  const char* name;
  uint32_t action;  // for ERRNO/TRACE: the base, data bits added later
  bool takes_errno;
};

constexpr std::array<ActionName, 9> kActions = {{
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
}};

struct OperatorName {
  const char* name;
  scmp_compare op;
};

constexpr std::array<OperatorName, 7> kOperators = {{
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
}};

struct ArchName {
  const char* name;
  uint32_t arch;
};

// runtime-spec's list (libseccomp 2.5) plus the newer ones this libseccomp
// defines.
const ArchName kArchs[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

constexpr char kFlagTsync[] = "SECCOMP_FILTER_FLAG_TSYNC";
constexpr char kFlagLog[] = "SECCOMP_FILTER_FLAG_LOG";
constexpr char kFlagSpecAllow[] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
constexpr char kFlagWaitKillable[] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";

// Syscalls the init uses to hand the notify fd out after loading.
constexpr std::array<const char*, 2> kNoNotifySyscalls = {"write", "sendmsg"};

// Resolves an action name with its errnoRet; `field` names the action field
// and `errno_field` the errnoRet field in messages.
Result<uint32_t> ParseAction(const std::string& name, const std::optional<uint32_t>& errno_ret,
                             const std::string& field, const std::string& errno_field) {
  for (const auto& a : kActions) {
    if (name != a.name) continue;
    if (!a.takes_errno) {
      if (errno_ret)
        return InvalidArgument(errno_field + ": " + name +
                               " takes no errno (errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE)");
      return a.action;
    }
    uint32_t value = errno_ret.value_or(EPERM);
    if (value > 0xffff)
      return InvalidArgument(errno_field + ": " + std::to_string(value) + " does not fit in 16 bits");
    return a.action | value;
  }
  return InvalidArgument(field + ": unknown action " + Quote(name));
}

std::optional<scmp_compare> ParseOperator(const std::string& name) {
  for (const auto& o : kOperators)
    if (name == o.name) return o.op;
  return std::nullopt;
}

std::optional<uint32_t> ParseArch(const std::string& name) {
  for (const auto& a : kArchs)
    if (name == a.name) return a.arch;
  return std::nullopt;
}

// An errno error from a negative libseccomp return code.
Error LibseccompError(const std::string& what, int rc) { return ErrnoError(what, -rc); }

// Kernel support for a seccomp filter flag: with a NULL program the kernel
// checks the flags first and then fails the copy with EFAULT, so EFAULT
// means "known" and EINVAL "unknown" (libseccomp probes the same way).
bool KernelSupportsFlag(unsigned long flags) {
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, nullptr);
  return rc < 0 && errno == EFAULT;
}

// Runs an export function of libseccomp into a memfd and returns the bytes.
template <class ExportFn>
Result<std::string> ExportToMemory(const char* what, ExportFn export_fn) {
  int raw = ::memfd_create(what, MFD_CLOEXEC);
  if (raw < 0) return ErrnoError(std::string("memfd_create for ") + what);
  UniqueFd fd(raw);
  if (int rc = export_fn(fd.Get()); rc < 0) return LibseccompError(std::string("export ") + what, rc);
  if (::lseek(fd.Get(), 0, SEEK_SET) < 0) return ErrnoError(std::string("seek ") + what);
  return fs::ReadFd(fd.Get());
}

struct FilterCtx {
  scmp_filter_ctx ctx = nullptr;
  ~FilterCtx() {
    if (ctx) seccomp_release(ctx);
  }
};

// Adds one syscalls[] entry.
Result<> AddSyscallRule(scmp_filter_ctx ctx, const oci::SeccompSyscall& sc, size_t index, uint32_t default_action,
                        std::vector<std::string>* skipped, bool* uses_notify) {
  const std::string field = std::string(kField) + ".syscalls[" + std::to_string(index) + "]";
  IC_ASSIGN_OR_RETURN(uint32_t action, ParseAction(sc.action, sc.errno_ret, field + ".action", field + ".errnoRet"));
  if (sc.names.empty()) return InvalidArgument(field + ".names: at least one name is required");

  std::vector<scmp_arg_cmp> conditions;
  std::array<unsigned, kMaxArgs> per_index{};
  bool repeated_index = false;
  for (size_t i = 0; i < sc.args.size(); ++i) {
    const oci::SeccompArg& arg = sc.args[i];
    const std::string arg_field = field + ".args[" + std::to_string(i) + "]";
    auto op = ParseOperator(arg.op);
    if (!op) return InvalidArgument(arg_field + ".op: unknown operator " + Quote(arg.op));
    if (arg.index >= kMaxArgs)
      return InvalidArgument(arg_field + ".index: " + std::to_string(arg.index) + " is out of range (0-5)");
    if (++per_index[arg.index] > 1) repeated_index = true;
    conditions.push_back(scmp_arg_cmp{arg.index, *op, arg.value, arg.value_two});
  }

  for (size_t n = 0; n < sc.names.size(); ++n) {
    const std::string& name = sc.names[n];
    const std::string name_field = field + ".names[" + std::to_string(n) + "]";
    if (name.empty()) return InvalidArgument(name_field + ": empty syscall name");
    if (action == SCMP_ACT_NOTIFY) {
      for (const char* forbidden : kNoNotifySyscalls)
        if (name == forbidden)
          return InvalidArgument(field + ": SCMP_ACT_NOTIFY cannot be used for " + Quote(name) +
                                 ": the container's init needs it to pass the notify fd on");
    }
    // A rule that repeats the default action is redundant (libseccomp
    // rejects it with EACCES); runc skips it too.
    if (action == default_action) continue;
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      IC_LOG(Debug, "seccomp: unknown syscall {} ignored", name);
      skipped->push_back(name);
      continue;
    }
    if (action == SCMP_ACT_NOTIFY) *uses_notify = true;
    const std::string what = field + ": add rule for " + Quote(name);
    if (conditions.empty() || !repeated_index) {
      int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conditions.size()),
                                      conditions.empty() ? nullptr : conditions.data());
      if (rc < 0) return LibseccompError(what, rc);
    } else {
      // libseccomp cannot AND two conditions on one argument: one rule per
      // condition (ORed), as runc does.
      for (const scmp_arg_cmp& c : conditions) {
        int rc = seccomp_rule_add_array(ctx, action, nr, 1, &c);
        if (rc < 0) return LibseccompError(what, rc);
      }
    }
  }
  return {};
}

}  // namespace

SeccompProgram::SeccompProgram(SeccompProgram&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      bpf_(std::move(other.bpf_)),
      filter_flags_(other.filter_flags_),
      uses_notify_(other.uses_notify_),
      skipped_(std::move(other.skipped_)) {}

SeccompProgram& SeccompProgram::operator=(SeccompProgram&& other) noexcept {
  if (this != &other) {
    if (ctx_) seccomp_release(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    bpf_ = std::move(other.bpf_);
    filter_flags_ = other.filter_flags_;
    uses_notify_ = other.uses_notify_;
    skipped_ = std::move(other.skipped_);
  }
  return *this;
}

SeccompProgram::~SeccompProgram() {
  if (ctx_) seccomp_release(ctx_);
}

Result<std::string> SeccompProgram::ExportPfc() const {
  if (!ctx_) return FailedPrecondition("seccomp: no compiled filter");
  return ExportToMemory("seccomp-pfc", [this](int fd) { return seccomp_export_pfc(ctx_, fd); });
}

Result<SeccompProgram> CompileSeccomp(const oci::Seccomp& seccomp) {
  const std::string field = kField;
  IC_ASSIGN_OR_RETURN(uint32_t default_action,
                      ParseAction(seccomp.default_action, seccomp.default_errno_ret, field + ".defaultAction",
                                  field + ".defaultErrnoRet"));
  if (default_action == SCMP_ACT_NOTIFY)
    return InvalidArgument(field + ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  if (!seccomp.listener_metadata.empty() && seccomp.listener_path.empty())
    return InvalidArgument(field + ".listenerMetadata: set without listenerPath");

  FilterCtx filter;
  filter.ctx = seccomp_init(default_action);
  if (!filter.ctx) return Error(ErrorCode::kInvalidArgument, field + ".defaultAction: libseccomp rejected " +
                                                                 Quote(seccomp.default_action));

  // Architectures first: libseccomp adds later rules to every architecture
  // in the context. The native one is always there (EEXIST is fine).
  for (size_t i = 0; i < seccomp.architectures.size(); ++i) {
    const std::string& name = seccomp.architectures[i];
    const std::string arch_field = field + ".architectures[" + std::to_string(i) + "]";
    auto arch = ParseArch(name);
    if (!arch) return InvalidArgument(arch_field + ": unknown architecture " + Quote(name));
    int rc = seccomp_arch_add(filter.ctx, *arch);
    // libseccomp cannot mix byte orders in one filter (EDOM).
    if (rc == -EDOM)
      return InvalidArgument(arch_field + ": " + name + " cannot share a filter with the native architecture " +
                             "(different byte order)");
    if (rc < 0 && rc != -EEXIST) return LibseccompError(arch_field + ": add " + name, rc);
  }

  unsigned int flags = 0;
  bool wait_killable = false;
  for (size_t i = 0; i < seccomp.flags.size(); ++i) {
    const std::string& name = seccomp.flags[i];
    const std::string flag_field = field + ".flags[" + std::to_string(i) + "]";
    int rc = 0;
    if (name == kFlagTsync) {
      rc = seccomp_attr_set(filter.ctx, SCMP_FLTATR_CTL_TSYNC, 1);
      flags |= SECCOMP_FILTER_FLAG_TSYNC;
    } else if (name == kFlagLog) {
      rc = seccomp_attr_set(filter.ctx, SCMP_FLTATR_CTL_LOG, 1);
      flags |= SECCOMP_FILTER_FLAG_LOG;
    } else if (name == kFlagSpecAllow) {
      rc = seccomp_attr_set(filter.ctx, SCMP_FLTATR_CTL_SSB, 1);
      flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else if (name == kFlagWaitKillable) {
      if (!KernelSupportsFlag(SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
        return Error(ErrorCode::kUnimplemented, flag_field + ": " + name + " is not supported by this kernel",
                     EOPNOTSUPP);
      wait_killable = true;
    } else {
      return InvalidArgument(flag_field + ": unknown flag " + Quote(name));
    }
    if (rc < 0) return LibseccompError(flag_field + ": " + name + " is not supported", rc);
  }

  // libseccomp's binary-tree syscall lookup for long profiles; runc uses the
  // same threshold (libseccomp <= 2.5.4 misbehaves with it and 0 rules).
  if (seccomp.syscalls.size() > 32) {
    if (int rc = seccomp_attr_set(filter.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0)
      IC_LOG(Debug, "seccomp: binary tree optimization unavailable: {}", std::strerror(-rc));
  }

  SeccompProgram program;
  for (size_t i = 0; i < seccomp.syscalls.size(); ++i)
    IC_TRY(AddSyscallRule(filter.ctx, seccomp.syscalls[i], i, default_action, &program.skipped_,
                          &program.uses_notify_));
  if (program.uses_notify_ && seccomp.listener_path.empty())
    return InvalidArgument(field + ".listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
  if (wait_killable && program.uses_notify_) flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

  IC_ASSIGN_OR_RETURN(std::string bpf, ExportToMemory("seccomp-bpf", [&](int fd) {
                        return seccomp_export_bpf(filter.ctx, fd);
                      }).Wrap(field));
  if (bpf.empty() || bpf.size() % sizeof(struct sock_filter) != 0)
    return Internal(field + ": libseccomp exported a malformed program (" + std::to_string(bpf.size()) + " bytes)");
  size_t count = bpf.size() / sizeof(struct sock_filter);
  if (count > BPF_MAXINSNS)
    return InvalidArgument(field + ": the filter needs " + std::to_string(count) +
                           " BPF instructions, more than the kernel's limit of " + std::to_string(BPF_MAXINSNS));
  program.bpf_.resize(count);
  std::memcpy(program.bpf_.data(), bpf.data(), bpf.size());
  program.filter_flags_ = flags;
  program.ctx_ = std::exchange(filter.ctx, nullptr);
  return program;
}

Result<UniqueFd> LoadSeccomp(const SeccompProgram& program) {
  if (program.bpf_.empty()) return FailedPrecondition("load seccomp filter: no compiled filter");
  struct sock_fprog prog = {};
  prog.len = static_cast<unsigned short>(program.bpf_.size());
  prog.filter = const_cast<struct sock_filter*>(program.bpf_.data());
  unsigned long flags = program.filter_flags_;
  if (program.uses_notify_) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // TSYNC reports a failing thread id, which collides with the listener
    // fd; TSYNC_ESRCH (Linux 5.7) makes it an ESRCH error instead.
    if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  }
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) {
    int err = errno;
    if (err == EACCES)
      return Error(ErrorCode::kFailedPrecondition,
                   "load seccomp filter: requires no_new_privs or CAP_SYS_ADMIN", err);
    return ErrnoError("load seccomp filter", err);
  }
  if (program.uses_notify_) return UniqueFd(static_cast<int>(rc));
  if (rc > 0)
    return Error(ErrorCode::kFailedPrecondition,
                 "load seccomp filter: thread " + std::to_string(rc) + " could not be synchronized (TSYNC)");
  return UniqueFd();
}

Result<> SendSeccompListener(const std::string& listener_path, int notify_fd, const std::string& state_json,
                             const std::string& metadata, int pid) {
  const std::string what = "seccomp agent at " + listener_path;
  auto state = nlohmann::ordered_json::parse(state_json, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object())
    return InvalidArgument("send container process state to " + what + ": state is not a JSON object");
  // Field order as runc's json.Marshal of specs.ContainerProcessState.
  nlohmann::ordered_json msg;
  msg["ociVersion"] = oci::kOciVersion;
  msg["fds"] = nlohmann::ordered_json::array({"seccompFd"});
  msg["pid"] = pid;
  if (!metadata.empty()) msg["metadata"] = metadata;
  msg["state"] = std::move(state);
  const std::string payload = msg.dump();

  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (listener_path.empty() || listener_path.size() >= sizeof addr.sun_path)
    return InvalidArgument("connect to " + what + ": path is empty or longer than " +
                           std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, listener_path.data(), listener_path.size());

  int raw = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (raw < 0) return ErrnoError("socket for " + what);
  UniqueFd sock(raw);
  int rc;
  do {
    rc = ::connect(sock.Get(), reinterpret_cast<const struct sockaddr*>(&addr), sizeof addr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return ErrnoError("connect to " + what);

  // The fd travels with the first sendmsg only (runtime-spec); the rest of a
  // short write follows as plain data.
  size_t sent = 0;
  bool fd_sent = false;
  while (sent < payload.size()) {
    struct iovec iov = {const_cast<char*>(payload.data() + sent), payload.size() - sent};
    struct msghdr hdr = {};
    hdr.msg_iov = &iov;
    hdr.msg_iovlen = 1;
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    if (!fd_sent) {
      hdr.msg_control = cbuf;
      hdr.msg_controllen = sizeof cbuf;
      struct cmsghdr* c = CMSG_FIRSTHDR(&hdr);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &notify_fd, sizeof(int));
    }
    ssize_t n = ::sendmsg(sock.Get(), &hdr, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("send container process state to " + what);
    }
    fd_sent = true;
    sent += static_cast<size_t>(n);
  }
  IC_TRY(sock.Close().Wrap("close connection to " + what));
  return {};
}

SeccompFeatures GetSeccompFeatures() {
  SeccompFeatures f;
  for (const auto& a : kActions) f.actions.push_back(a.name);
  for (const auto& o : kOperators) f.operators.push_back(o.name);
  for (const auto& a : kArchs) f.archs.push_back(a.name);
  f.known_flags = {kFlagTsync, kFlagLog, kFlagSpecAllow, kFlagWaitKillable};
  // seccomp_api_get(): 2 = TSYNC, 3 = LOG, 4 = SPEC_ALLOW (libseccomp's levels).
  const unsigned api = seccomp_api_get();
  if (api >= 2) f.supported_flags.push_back(kFlagTsync);
  if (api >= 3) f.supported_flags.push_back(kFlagLog);
  if (api >= 4) f.supported_flags.push_back(kFlagSpecAllow);
  if (KernelSupportsFlag(SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
    f.supported_flags.push_back(kFlagWaitKillable);
  return f;
}

}  // namespace inclavare::runtime
