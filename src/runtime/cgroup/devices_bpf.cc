// cgroup v2 device filter: rule emulation, program generation, bpf(2).
#include "runtime/cgroup/devices_bpf.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <limits>

#include "common/fs.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "runtime/cgroup/internal.h"

namespace inclavare::runtime::cgroup {
namespace {

constexpr int64_t kMaxDeviceNumber = std::numeric_limits<uint32_t>::max();

// --- rule emulation ---------------------------------------------------------

bool Covers(int64_t rule, uint32_t value) { return rule < 0 || rule == static_cast<int64_t>(value); }

// Adds bits to the exception for m.
void AddException(DeviceRuleState& s, const DeviceMatch& m, uint8_t bits) { s.exceptions[m] |= bits; }

// Removes bits from the exception for exactly m; bits still granted by a
// wildcard exception of the same type cannot be removed (runc's rule).
Result<> RemoveException(DeviceRuleState& s, const DeviceMatch& m, uint8_t bits, const std::string& field) {
  for (const DeviceMatch& wider :
       {DeviceMatch{m.type, -1, m.minor}, DeviceMatch{m.type, m.major, -1}, DeviceMatch{m.type, -1, -1}}) {
    if (wider == m) continue;
    auto it = s.exceptions.find(wider);
    if (it == s.exceptions.end() || (it->second & bits) == 0) continue;
    return InvalidArgument(
        internal::FieldPath(field) + ": " + (s.default_allow ? "allow " : "deny ") + m.ToString() + " " +
        DeviceAccessString(bits) + " cannot punch a hole in the earlier wildcard rule " + wider.ToString() +
        " " + DeviceAccessString(it->second) + " (the v1 devices controller would silently ignore it)");
  }
  auto it = s.exceptions.find(m);
  if (it == s.exceptions.end()) return {};
  it->second &= static_cast<uint8_t>(~bits);
  if (it->second == 0) s.exceptions.erase(it);
  return {};
}

// --- program generation -----------------------------------------------------

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i;
  std::memset(&i, 0, sizeof i);
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

// Registers, as the program uses them.
// r1 (the context) is never overwritten; r6 is a scratch register.
constexpr uint8_t kR0 = 0, kR1 = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5, kScratch = 6;

// A conditional jump whose offset is patched to "the next block".
struct Block {
  std::vector<bpf_insn> insns;
  std::vector<size_t> to_next;  // indices of jumps to the next block

  void JumpNext(bpf_insn jump) {
    to_next.push_back(insns.size());
    insns.push_back(jump);
  }
  // if (reg != value) goto next; 32-bit compare above INT32_MAX (imm is s32).
  void JumpNextIfNot(uint8_t reg, int64_t value) {
    if (value <= std::numeric_limits<int32_t>::max())
      JumpNext(Insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, static_cast<int32_t>(value)));
    else
      JumpNext(
          Insn(BPF_JMP32 | BPF_JNE | BPF_K, reg, 0, 0, static_cast<int32_t>(static_cast<uint32_t>(value))));
  }
  void Return(bool allow) {
    insns.push_back(Insn(BPF_ALU | BPF_MOV | BPF_K, kR0, 0, 0, allow ? 1 : 0));
    insns.push_back(Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  }
  void AppendTo(std::vector<bpf_insn>& out) {
    for (size_t j : to_next) insns[j].off = static_cast<int16_t>(insns.size() - j - 1);
    out.insert(out.end(), insns.begin(), insns.end());
  }
};

// --- bpf(2) -----------------------------------------------------------------

long Bpf(int cmd, bpf_attr* attr) { return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

template <typename T>
__aligned_u64 Ptr(T* p) {
  return static_cast<__aligned_u64>(reinterpret_cast<uintptr_t>(p));
}

Error BpfError(const std::string& what, const std::string& cgroup_dir, int err) {
  std::string msg = "cgroup " + cgroup_dir + ": device filter: " + what;
  if (err == EPERM) msg += " (needs CAP_SYS_ADMIN or CAP_BPF in the initial user namespace)";
  return ErrnoError(msg, err);
}

Result<UniqueFd> OpenCgroup(const std::string& cgroup_dir) {
  // Not O_PATH: bpf(2) resolves the target with fdget(), which ignores
  // O_PATH descriptors.
  int fd = ::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cgroup " + cgroup_dir + ": device filter: open");
  return UniqueFd(fd);
}

Result<std::vector<uint32_t>> QueryAttached(int dir_fd, const std::string& cgroup_dir) {
  std::vector<uint32_t> ids(64);
  for (int attempt = 0; attempt < 8; ++attempt) {
    bpf_attr a;
    std::memset(&a, 0, sizeof a);
    a.query.target_fd = static_cast<uint32_t>(dir_fd);
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = Ptr(ids.data());
    a.query.prog_cnt = static_cast<uint32_t>(ids.size());
    if (Bpf(BPF_PROG_QUERY, &a) == 0) {
      ids.resize(a.query.prog_cnt);
      return ids;
    }
    // ENOSPC: more programs than room; prog_cnt holds the count.
    if (errno != ENOSPC) return BpfError("bpf(BPF_PROG_QUERY)", cgroup_dir, errno);
    ids.resize(static_cast<size_t>(a.query.prog_cnt) + 8);
  }
  return Error(ErrorCode::kUnavailable, "cgroup " + cgroup_dir + ": device filter: programs keep changing");
}

Result<UniqueFd> LoadProgram(const DeviceFilter& filter, const std::string& cgroup_dir) {
  auto load = [&](char* log, uint32_t log_size) {
    bpf_attr a;
    std::memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = Ptr(filter.insns.data());
    a.insn_cnt = static_cast<uint32_t>(filter.insns.size());
    a.license = Ptr(filter.license.c_str());
    if (log) {
      a.log_buf = Ptr(log);
      a.log_size = log_size;
      a.log_level = 1;
    }
    std::strncpy(a.prog_name, "rune_devices", sizeof a.prog_name - 1);
    return static_cast<int>(Bpf(BPF_PROG_LOAD, &a));
  };
  int fd = load(nullptr, 0);
  if (fd >= 0) return UniqueFd(fd);
  int err = errno;
  if (err == EPERM) return BpfError("bpf(BPF_PROG_LOAD)", cgroup_dir, err);
  // A verifier rejection (EINVAL, EACCES, E2BIG for too many states, EFAULT
  // for too many pending branches, ...): load again with the log on.
  std::string log(64 * 1024, '\0');
  fd = load(log.data(), static_cast<uint32_t>(log.size()));
  if (fd >= 0) return UniqueFd(fd);
  log.resize(std::strlen(log.c_str()));
  while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.pop_back();
  constexpr size_t kTail = 2000;
  if (log.size() > kTail) log = "..." + log.substr(log.size() - kTail);
  return BpfError("bpf(BPF_PROG_LOAD) of " + std::to_string(filter.insns.size()) + " instructions rejected" +
                      (log.empty() ? "" : "; verifier log:\n" + log),
                  cgroup_dir, err);
}

int Attach(int dir_fd, int prog_fd, uint32_t flags, int replace_fd) {
  bpf_attr a;
  std::memset(&a, 0, sizeof a);
  a.target_fd = static_cast<uint32_t>(dir_fd);
  a.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = flags;
  if (replace_fd >= 0) a.replace_bpf_fd = static_cast<uint32_t>(replace_fd);
  return static_cast<int>(Bpf(BPF_PROG_ATTACH, &a));
}

}  // namespace

uint8_t DeviceAccessBits(std::string_view access) {
  if (access.empty()) return kDeviceAllAccess;
  uint8_t bits = 0;
  for (char c : access) {
    if (c == 'r') bits |= kDeviceRead;
    if (c == 'w') bits |= kDeviceWrite;
    if (c == 'm') bits |= kDeviceMknod;
  }
  return bits;
}

std::string DeviceAccessString(uint8_t bits) {
  std::string s;
  if (bits & kDeviceRead) s += 'r';
  if (bits & kDeviceWrite) s += 'w';
  if (bits & kDeviceMknod) s += 'm';
  return s;
}

std::string DeviceMatch::ToString() const {
  auto num = [](int64_t v) { return v < 0 ? std::string("*") : std::to_string(v); };
  return std::string(1, type) + " " + num(major) + ":" + num(minor);
}

bool DeviceRuleState::Allows(char type, uint32_t major, uint32_t minor, uint8_t access) const {
  for (const auto& [m, bits] : exceptions) {
    if (m.type != type || !Covers(m.major, major) || !Covers(m.minor, minor)) continue;
    // v1: an allow-list entry must hold every requested bit
    // (match_exception); a deny-list entry denies on any overlap
    // (match_exception_partial).
    if (default_allow) {
      if (access & bits) return false;
    } else if ((access & ~bits) == 0) {
      return true;
    }
  }
  return default_allow;
}

Result<DeviceRuleState> EmulateDeviceRules(const std::vector<oci::LinuxDeviceCgroup>& rules) {
  DeviceRuleState s;
  for (size_t i = 0; i < rules.size(); ++i) {
    const oci::LinuxDeviceCgroup& r = rules[i];
    std::string field = "devices[" + std::to_string(i) + "]";
    // The v1 manager's validation, so both versions accept the same rules.
    IC_TRY(internal::DeviceRuleString(r, field));
    if ((r.major && *r.major > kMaxDeviceNumber) || (r.minor && *r.minor > kMaxDeviceNumber))
      return InvalidArgument(internal::FieldPath(field) + ": device number above 4294967295");
    char type = r.type && !r.type->empty() ? (*r.type)[0] : 'a';
    if (type == 'a') {
      s.default_allow = r.allow;
      s.exceptions.clear();
      continue;
    }
    DeviceMatch m{type, r.major.value_or(-1), r.minor.value_or(-1)};
    uint8_t bits = DeviceAccessBits(r.access.value_or(""));
    if (r.allow != s.default_allow)
      AddException(s, m, bits);
    else
      IC_TRY(RemoveException(s, m, bits, field));
  }
  return s;
}

DeviceFilter GenerateDeviceFilter(const DeviceRuleState& state) {
  DeviceFilter f;
  // Each block loads the context fields it compares (struct
  // bpf_cgroup_dev_ctx: u32 access_type = type | access << 16, u32 major,
  // u32 minor) itself, rather than once at the start: then no register is
  // live where blocks meet, every path reaching a block is the same state
  // to the verifier, and verification stays linear in the number of rules
  // (shared registers carry per-path facts such as "type == 2" and made it
  // quadratic: 400 rules took 2 s and 1000 hit the verifier's limit).
  for (const auto& [m, bits] : state.exceptions) {
    Block b;
    b.insns.push_back(Insn(BPF_LDX | BPF_MEM | BPF_W, kType, kR1, 0, 0));
    b.insns.push_back(Insn(BPF_ALU | BPF_AND | BPF_K, kType, 0, 0, 0xffff));
    b.JumpNextIfNot(kType, m.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    // Allow list: matches when every requested bit is listed (nothing to
    // test for "rwm"). Deny list: when any requested bit is listed.
    if (state.default_allow || bits != kDeviceAllAccess) {
      b.insns.push_back(Insn(BPF_LDX | BPF_MEM | BPF_W, kAccess, kR1, 0, 0));
      b.insns.push_back(Insn(BPF_ALU | BPF_RSH | BPF_K, kAccess, 0, 0, 16));
      b.insns.push_back(Insn(BPF_ALU | BPF_MOV | BPF_X, kScratch, kAccess, 0, 0));
      b.insns.push_back(Insn(BPF_ALU | BPF_AND | BPF_K, kScratch, 0, 0, bits));
      if (state.default_allow)
        b.JumpNext(Insn(BPF_JMP | BPF_JEQ | BPF_K, kScratch, 0, 0, 0));
      else
        b.JumpNext(Insn(BPF_JMP | BPF_JNE | BPF_X, kScratch, kAccess, 0, 0));
    }
    if (m.major >= 0) {
      b.insns.push_back(Insn(BPF_LDX | BPF_MEM | BPF_W, kMajor, kR1, 4, 0));
      b.JumpNextIfNot(kMajor, m.major);
    }
    if (m.minor >= 0) {
      b.insns.push_back(Insn(BPF_LDX | BPF_MEM | BPF_W, kMinor, kR1, 8, 0));
      b.JumpNextIfNot(kMinor, m.minor);
    }
    b.Return(!state.default_allow);
    b.AppendTo(f.insns);
  }
  Block last;
  last.Return(state.default_allow);
  last.AppendTo(f.insns);
  return f;
}

Result<DeviceFilter> CompileDeviceFilter(const std::vector<oci::LinuxDeviceCgroup>& rules) {
  IC_ASSIGN_OR_RETURN(DeviceRuleState state, EmulateDeviceRules(rules));
  return GenerateDeviceFilter(state);
}

bool BpfUnprivileged() {
  if (::geteuid() != 0) return true;
  // The initial user namespace maps all of 0..2^32-2 onto itself.
  auto map = fs::ReadFile("/proc/self/uid_map");
  if (!map) return false;
  std::string s = *map;
  std::vector<std::string> words;
  for (size_t i = 0; i < s.size();) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) words.push_back(s.substr(i, j - i));
    i = j;
  }
  return words != std::vector<std::string>{"0", "0", "4294967295"};
}

Result<std::vector<uint32_t>> QueryDeviceFilters(const std::string& cgroup_dir) {
  IC_ASSIGN_OR_RETURN(UniqueFd dir, OpenCgroup(cgroup_dir));
  return QueryAttached(dir.Get(), cgroup_dir);
}

Result<> AttachDeviceFilter(const std::string& cgroup_dir, const DeviceFilter& filter) {
  IC_ASSIGN_OR_RETURN(UniqueFd dir, OpenCgroup(cgroup_dir));
  IC_ASSIGN_OR_RETURN(std::vector<uint32_t> old_ids, QueryAttached(dir.Get(), cgroup_dir));
  IC_ASSIGN_OR_RETURN(UniqueFd prog, LoadProgram(filter, cgroup_dir));

  std::vector<UniqueFd> old;
  for (uint32_t id : old_ids) {
    bpf_attr a;
    std::memset(&a, 0, sizeof a);
    a.prog_id = id;
    int fd = static_cast<int>(Bpf(BPF_PROG_GET_FD_BY_ID, &a));
    if (fd >= 0) {
      old.emplace_back(fd);
    } else if (errno == EPERM || errno == EACCES || errno == ENOENT) {
      // Not ours to remove (LSM policy), or detached meanwhile.
      IC_LOG(Debug, "cgroup {}: leaving device program id {} attached: {}", cgroup_dir, id,
             std::strerror(errno));
    } else {
      return BpfError("bpf(BPF_PROG_GET_FD_BY_ID " + std::to_string(id) + ")", cgroup_dir, errno);
    }
  }

  if (old.size() == 1 && old_ids.size() == 1) {
    if (Attach(dir.Get(), prog.Get(), BPF_F_ALLOW_MULTI | BPF_F_REPLACE, old[0].Get()) == 0) return {};
    // EINVAL: no BPF_F_REPLACE (Linux < 5.6); attach, then detach below.
    if (errno != EINVAL) return BpfError("bpf(BPF_PROG_ATTACH, BPF_F_REPLACE)", cgroup_dir, errno);
  }
  if (Attach(dir.Get(), prog.Get(), BPF_F_ALLOW_MULTI, -1) != 0)
    return BpfError("bpf(BPF_PROG_ATTACH, BPF_F_ALLOW_MULTI)", cgroup_dir, errno);
  for (const UniqueFd& o : old) {
    bpf_attr a;
    std::memset(&a, 0, sizeof a);
    a.target_fd = static_cast<uint32_t>(dir.Get());
    a.attach_bpf_fd = static_cast<uint32_t>(o.Get());
    a.attach_type = BPF_CGROUP_DEVICE;
    if (Bpf(BPF_PROG_DETACH, &a) != 0 && errno != ENOENT)
      return BpfError("bpf(BPF_PROG_DETACH) of the previous program", cgroup_dir, errno);
  }
  return {};
}

}  // namespace inclavare::runtime::cgroup
