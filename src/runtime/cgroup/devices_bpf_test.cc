// The v2 device filter: rule emulation (v1 semantics, runc's emulator) and
// the generated eBPF programs, executed by a small interpreter written for
// these tests (the kernel has no BPF_PROG_TEST_RUN for cgroup-device
// programs: it answers ENOTSUPP). Loading into the real kernel and the real
// access checks are in tests/integration/cgroup_v2_devices_test.cc.
#include "runtime/cgroup/devices_bpf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/fake_cgroup_fs.h"

namespace inclavare::runtime::cgroup {
namespace {

using ::testing::HasSubstr;
using R = oci::LinuxDeviceCgroup;

// ---------------------------------------------------------------------------
// A test-only interpreter for the subset of eBPF a device program may use:
// 32-bit context loads, ALU/ALU64 and JMP/JMP32 with K and X operands, EXIT.
// It rejects what the verifier would (reads of unset registers, context
// access out of bounds, jumps out of the program, unknown opcodes), so a
// wrong program fails here rather than only in the kernel.

struct DevCtx {
  uint32_t access_type;  // type | access << 16
  uint32_t major;
  uint32_t minor;
};

Result<uint64_t> Interpret(const std::vector<bpf_insn>& prog, const DevCtx& ctx) {
  uint64_t reg[11] = {};
  uint32_t set = 1u << 1 | 1u << 10;  // r1 = ctx, r10 = frame pointer
  auto use = [&](int r) -> Result<uint64_t> {
    if (!(set & (1u << r))) return Internal("read of unset register r" + std::to_string(r));
    return reg[r];
  };
  unsigned char mem[sizeof(DevCtx)];
  std::memcpy(mem, &ctx, sizeof mem);
  size_t pc = 0;
  for (int steps = 0; steps < 100000; ++steps) {
    if (pc >= prog.size()) return Internal("fell off the program at " + std::to_string(pc));
    const bpf_insn& in = prog[pc];
    uint8_t cls = BPF_CLASS(in.code);
    int dst = in.dst_reg, src = in.src_reg;
    if (dst > 10 || src > 10) return Internal("bad register");
    ++pc;
    if (cls == BPF_LDX) {
      if (BPF_MODE(in.code) != BPF_MEM || src != 1) return Internal("only context loads are expected");
      size_t size = BPF_SIZE(in.code) == BPF_W   ? 4
                    : BPF_SIZE(in.code) == BPF_H ? 2
                    : BPF_SIZE(in.code) == BPF_B ? 1
                                                 : 8;
      if (in.off < 0 || static_cast<size_t>(in.off) + size > sizeof mem)
        return Internal("context access out of bounds");
      uint64_t v = 0;
      std::memcpy(&v, mem + in.off, size);  // little endian host
      reg[dst] = v;
      set |= 1u << dst;
      continue;
    }
    if (cls == BPF_ALU || cls == BPF_ALU64) {
      bool is64 = cls == BPF_ALU64;
      uint64_t operand;
      if (BPF_SRC(in.code) == BPF_X) {
        IC_ASSIGN_OR_RETURN(operand, use(src));
      } else {
        operand = static_cast<uint64_t>(static_cast<int64_t>(in.imm));
      }
      uint64_t a = 0;
      if (BPF_OP(in.code) != BPF_MOV) {
        IC_ASSIGN_OR_RETURN(a, use(dst));
      }
      if (!is64) {
        a &= 0xffffffffu;
        operand &= 0xffffffffu;
      }
      uint64_t r;
      switch (BPF_OP(in.code)) {
        case BPF_MOV:
          r = operand;
          break;
        case BPF_AND:
          r = a & operand;
          break;
        case BPF_OR:
          r = a | operand;
          break;
        case BPF_ADD:
          r = a + operand;
          break;
        case BPF_SUB:
          r = a - operand;
          break;
        case BPF_RSH:
          r = a >> (operand & (is64 ? 63 : 31));
          break;
        case BPF_LSH:
          r = a << (operand & (is64 ? 63 : 31));
          break;
        default:
          return Internal("unexpected ALU op");
      }
      reg[dst] = is64 ? r : (r & 0xffffffffu);
      set |= 1u << dst;
      continue;
    }
    if (cls == BPF_JMP || cls == BPF_JMP32) {
      uint8_t op = BPF_OP(in.code);
      if (op == BPF_EXIT && cls == BPF_JMP) return use(0);
      bool taken;
      if (op == BPF_JA) {
        taken = true;
      } else {
        IC_ASSIGN_OR_RETURN(uint64_t a, use(dst));
        uint64_t b;
        if (BPF_SRC(in.code) == BPF_X) {
          IC_ASSIGN_OR_RETURN(b, use(src));
        } else {
          b = static_cast<uint64_t>(static_cast<int64_t>(in.imm));
        }
        if (cls == BPF_JMP32) {
          a &= 0xffffffffu;
          b &= 0xffffffffu;
        }
        switch (op) {
          case BPF_JEQ:
            taken = a == b;
            break;
          case BPF_JNE:
            taken = a != b;
            break;
          case BPF_JGT:
            taken = a > b;
            break;
          case BPF_JGE:
            taken = a >= b;
            break;
          default:
            return Internal("unexpected jump op");
        }
      }
      if (taken) {
        int64_t target = static_cast<int64_t>(pc) + in.off;
        if (target < 0 || target >= static_cast<int64_t>(prog.size()))
          return Internal("jump out of the program");
        if (in.off < 0) return Internal("backward jump");
        pc = static_cast<size_t>(target);
      }
      continue;
    }
    return Internal("unexpected instruction class");
  }
  return Internal("step limit");
}

// Runs the program for one access; fails the test on an interpreter error.
bool RunProgram(const DeviceFilter& f, char type, uint32_t major, uint32_t minor, uint8_t access) {
  uint32_t t = type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
  auto r = Interpret(f.insns, DevCtx{t | static_cast<uint32_t>(access) << 16, major, minor});
  EXPECT_TRUE(r) << r.error().ToString();
  if (r) {
    EXPECT_TRUE(*r == 0 || *r == 1) << "program returned " << *r;
  }
  return r && *r == 1;
}

DeviceRuleState Emulate(const std::vector<R>& rules) {
  auto s = EmulateDeviceRules(rules);
  EXPECT_TRUE(s) << s.error().ToString();
  return s ? *s : DeviceRuleState{};
}

// The rules `rune create` / `runc run` produce for the default spec.
std::vector<R> DefaultSpecRules() {
  std::vector<R> rules = {R{false, std::nullopt, std::nullopt, std::nullopt, "rwm"}};
  for (auto& d : DefaultAllowedDevices()) rules.push_back(d);
  return rules;
}

constexpr uint8_t kR = kDeviceRead, kW = kDeviceWrite, kM = kDeviceMknod;

// Both the emulated state and the generated program decide like `want`.
void ExpectDecision(const std::vector<R>& rules, char type, uint32_t major, uint32_t minor, uint8_t access,
                    bool want) {
  DeviceRuleState s = Emulate(rules);
  DeviceFilter f = GenerateDeviceFilter(s);
  std::string what = std::string(1, type) + " " + std::to_string(major) + ":" + std::to_string(minor) + " " +
                     DeviceAccessString(access);
  EXPECT_EQ(s.Allows(type, major, minor, access), want) << "state, " << what;
  EXPECT_EQ(RunProgram(f, type, major, minor, access), want) << "program, " << what;
}

// ---------------------------------------------------------------------------

TEST(DevicesBpfTest, AccessBits) {
  EXPECT_EQ(DeviceAccessBits("rwm"), kDeviceAllAccess);
  EXPECT_EQ(DeviceAccessBits(""), kDeviceAllAccess);
  EXPECT_EQ(DeviceAccessBits("m"), kM);
  EXPECT_EQ(DeviceAccessBits("wr"), kR | kW);
  EXPECT_EQ(DeviceAccessString(kM | kR), "rm");
  EXPECT_EQ(DeviceMatch({'c', 136, -1}).ToString(), "c 136:*");
}

TEST(DevicesBpfTest, DefaultSpec) {
  auto rules = DefaultSpecRules();
  ExpectDecision(rules, 'c', 1, 3, kR | kW, true);    // /dev/null
  ExpectDecision(rules, 'c', 1, 7, kW, true);         // /dev/full
  ExpectDecision(rules, 'c', 5, 2, kR | kW, true);    // /dev/ptmx
  ExpectDecision(rules, 'c', 136, 7, kR | kW, true);  // /dev/pts/7
  ExpectDecision(rules, 'c', 10, 200, kR, true);      // /dev/net/tun
  ExpectDecision(rules, 'c', 1, 4, kR, false);        // /dev/port
  ExpectDecision(rules, 'c', 1, 4, kM, true);         // mknod of any char device
  ExpectDecision(rules, 'c', 1, 4, kM | kR, false);   // but not mknod+read together
  ExpectDecision(rules, 'b', 8, 0, kR, false);        // /dev/sda
  ExpectDecision(rules, 'b', 8, 0, kM, true);
  ExpectDecision(rules, 'c', 10, 229, kR | kW, false);  // /dev/fuse
  rules.push_back(R{true, "c", 10, 229, "rwm"});
  ExpectDecision(rules, 'c', 10, 229, kR | kW, true);
  DeviceRuleState s = Emulate(rules);
  EXPECT_FALSE(s.default_allow);
  EXPECT_EQ(s.exceptions.size(), 12u);
}

TEST(DevicesBpfTest, NoRulesDenyEverything) {
  // runc's emulator starts from deny-all (a v1 cgroup would inherit).
  ExpectDecision({}, 'c', 1, 3, kR, false);
  ExpectDecision({}, 'b', 8, 0, kM, false);
  DeviceFilter f = GenerateDeviceFilter(DeviceRuleState{});
  EXPECT_EQ(f.insns.size(), 2u);  // "return 0"
}

TEST(DevicesBpfTest, AllowAll) {
  std::vector<R> rules = {R{true, "a", std::nullopt, std::nullopt, "rwm"}};
  ExpectDecision(rules, 'c', 1, 3, kR | kW | kM, true);
  ExpectDecision(rules, 'b', 259, 1, kR, true);
}

TEST(DevicesBpfTest, LaterRulesOverrideEarlierOnes) {
  std::vector<R> rules = {R{false, "a", std::nullopt, std::nullopt, "rwm"}, R{true, "c", 1, 3, "rwm"},
                          R{false, "c", 1, 3, "w"}};
  ExpectDecision(rules, 'c', 1, 3, kR, true);
  ExpectDecision(rules, 'c', 1, 3, kM, true);
  ExpectDecision(rules, 'c', 1, 3, kW, false);
  ExpectDecision(rules, 'c', 1, 3, kR | kW, false);  // O_RDWR asks for both at once
  rules.push_back(R{true, "c", 1, 3, "w"});          // and back
  ExpectDecision(rules, 'c', 1, 3, kR | kW, true);
  // Access granted by two exact rules still needs one exception with every
  // bit: merged, since they name the same device.
  rules = {R{true, "c", 1, 5, "r"}, R{true, "c", 1, 5, "w"}};
  ExpectDecision(rules, 'c', 1, 5, kR | kW, true);
  // ...but not across a wildcard and an exact rule (v1's match_exception).
  rules = {R{true, "c", 1, std::nullopt, "r"}, R{true, "c", 1, 5, "w"}};
  ExpectDecision(rules, 'c', 1, 5, kR, true);
  ExpectDecision(rules, 'c', 1, 5, kW, true);
  ExpectDecision(rules, 'c', 1, 5, kR | kW, false);
}

TEST(DevicesBpfTest, ResetRulesDropExceptions) {
  std::vector<R> rules = {R{true, "c", 1, 3, "rwm"}, R{true, std::nullopt, std::nullopt, std::nullopt, ""}};
  DeviceRuleState s = Emulate(rules);
  EXPECT_TRUE(s.default_allow);
  EXPECT_TRUE(s.exceptions.empty());
  rules.push_back(R{false, "b", 8, std::nullopt, "w"});
  rules.push_back(R{false, "a", std::nullopt, std::nullopt, "rwm"});
  s = Emulate(rules);
  EXPECT_FALSE(s.default_allow);
  EXPECT_TRUE(s.exceptions.empty());
  ExpectDecision(rules, 'c', 1, 3, kR, false);
}

TEST(DevicesBpfTest, DenyListMode) {
  std::vector<R> rules = {R{true, "a", std::nullopt, std::nullopt, "rwm"}, R{false, "c", 1, 3, "w"},
                          R{false, "b", std::nullopt, std::nullopt, "m"}};
  ExpectDecision(rules, 'c', 1, 3, kR, true);
  ExpectDecision(rules, 'c', 1, 3, kW, false);
  // Any overlap denies (v1's match_exception_partial); runc's program would
  // allow this O_RDWR open.
  ExpectDecision(rules, 'c', 1, 3, kR | kW, false);
  ExpectDecision(rules, 'c', 1, 5, kR | kW, true);
  ExpectDecision(rules, 'b', 8, 0, kR | kW, true);
  ExpectDecision(rules, 'b', 8, 0, kM, false);
  // An allow rule removes the exact deny entry again.
  rules.push_back(R{true, "c", 1, 3, "w"});
  ExpectDecision(rules, 'c', 1, 3, kR | kW, true);
}

TEST(DevicesBpfTest, CannotPunchHolesInWildcards) {
  std::vector<R> rules = {R{false, "a", std::nullopt, std::nullopt, "rwm"},
                          R{true, "c", 1, std::nullopt, "rw"}, R{false, "c", 1, 3, "w"}};
  auto s = EmulateDeviceRules(rules);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message(), HasSubstr("linux.resources.devices[2]"));
  EXPECT_THAT(s.error().message(), HasSubstr("cannot punch a hole in the earlier wildcard rule c 1:* rw"));
  // No overlap in access: fine.
  rules[2] = R{false, "c", 1, 3, "m"};
  EXPECT_TRUE(EmulateDeviceRules(rules));
  // Same in deny-list mode, and for "*:N" and "*:*" wildcards.
  rules = {R{true, "a", std::nullopt, std::nullopt, "rwm"}, R{false, "b", std::nullopt, std::nullopt, "r"},
           R{true, "b", 8, 0, "r"}};
  EXPECT_FALSE(EmulateDeviceRules(rules));
  rules = {R{true, "c", std::nullopt, 3, "r"}, R{false, "c", 1, 3, "rw"}};
  EXPECT_FALSE(EmulateDeviceRules(rules));
  // Removing the wildcard itself is allowed.
  rules = {R{true, "c", 1, std::nullopt, "rw"}, R{false, "c", 1, std::nullopt, "w"}};
  ExpectDecision(rules, 'c', 1, 9, kR, true);
  ExpectDecision(rules, 'c', 1, 9, kW, false);
}

TEST(DevicesBpfTest, InvalidRules) {
  auto err = [](const R& r) {
    auto s = EmulateDeviceRules({R{true, "c", 1, 3, "rwm"}, r});
    EXPECT_FALSE(s);
    return s ? std::string() : s.error().message();
  };
  EXPECT_THAT(err(R{true, "x", 1, 1, "rwm"}), HasSubstr("linux.resources.devices[1].type"));
  EXPECT_THAT(err(R{true, "c", 1, 1, "rwx"}), HasSubstr("linux.resources.devices[1].access"));
  EXPECT_THAT(err(R{true, "c", -1, 1, "rwm"}), HasSubstr("negative device number"));
  EXPECT_THAT(err(R{true, "a", 1, std::nullopt, "rwm"}), HasSubstr("must not restrict"));
  EXPECT_THAT(err(R{true, "c", int64_t{1} << 32, 1, "rwm"}), HasSubstr("above 4294967295"));
  EXPECT_FALSE(CompileDeviceFilter({R{true, "u", 1, 1, "rwm"}}));
}

TEST(DevicesBpfTest, LargeNumbersCompareAs32Bit) {
  // imm is a signed 32-bit field: numbers above INT32_MAX need BPF_JMP32.
  const uint32_t big = 0x80000005u;
  std::vector<R> rules = {R{true, "c", int64_t{big}, int64_t{0xffffffffu}, "r"}, R{true, "b", 7, 0, "r"}};
  DeviceFilter f = *CompileDeviceFilter(rules);
  int jmp32 = 0;
  for (const bpf_insn& i : f.insns) jmp32 += BPF_CLASS(i.code) == BPF_JMP32;
  EXPECT_EQ(jmp32, 2);
  EXPECT_TRUE(RunProgram(f, 'c', big, 0xffffffffu, kR));
  EXPECT_FALSE(RunProgram(f, 'c', 5, 0xffffffffu, kR));
  EXPECT_FALSE(RunProgram(f, 'c', big, 0x7fffffffu, kR));
  EXPECT_TRUE(RunProgram(f, 'b', 7, 0, kR));
}

TEST(DevicesBpfTest, FullAccessSkipsTheAccessCheck) {
  // Allow-list "rwm" entries need no access test: type (load, mask, jump),
  // major and minor (load, jump each), "return 1" = 9 instructions, then the
  // final "return 0"; a partial access adds load, shift, copy, mask, jump.
  DeviceFilter full = *CompileDeviceFilter({R{true, "c", 1, 3, "rwm"}});
  DeviceFilter part = *CompileDeviceFilter({R{true, "c", 1, 3, "rw"}});
  EXPECT_EQ(full.insns.size(), 9u + 2u);
  EXPECT_EQ(part.insns.size(), full.insns.size() + 5u);
  // Wildcards skip their comparison.
  EXPECT_EQ(CompileDeviceFilter({R{true, "c", std::nullopt, std::nullopt, "rwm"}})->insns.size(), 5u + 2u);
  EXPECT_EQ(full.license, "Apache-2.0");
}

// Random rule lists over a small universe of numbers (so rules overlap):
// the program decides exactly as the emulated state for every device and
// access in the universe.
TEST(DevicesBpfTest, ProgramMatchesStateOnRandomRules) {
  const std::vector<int64_t> numbers = {-1, 0, 1, 3, 5, 136, 0x80000001};
  const std::vector<std::string> accesses = {"r", "w", "m", "rw", "rm", "wm", "rwm"};
  std::mt19937 rng(20240611);  // fixed seed: reproducible
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  int checked = 0, rejected = 0, allowed = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<R> rules;
    size_t n = 1 + pick(8);
    for (size_t i = 0; i < n; ++i) {
      R r;
      r.allow = pick(2) == 0;
      size_t t = pick(9);
      r.type = t == 0 ? "a" : t < 5 ? "c" : "b";
      if (*r.type != "a") {
        int64_t major = numbers[pick(numbers.size())], minor = numbers[pick(numbers.size())];
        if (major >= 0) r.major = major;
        if (minor >= 0) r.minor = minor;
        r.access = accesses[pick(accesses.size())];
      }
      rules.push_back(r);
    }
    auto state = EmulateDeviceRules(rules);
    if (!state) {
      EXPECT_THAT(state.error().message(), HasSubstr("cannot punch a hole"));
      ++rejected;
      continue;
    }
    DeviceFilter f = GenerateDeviceFilter(*state);
    for (char type : {'b', 'c'}) {
      for (int64_t major : numbers) {
        for (int64_t minor : numbers) {
          if (major < 0 || minor < 0) continue;
          for (uint8_t access = 1; access <= kDeviceAllAccess; ++access) {
            bool want =
                state->Allows(type, static_cast<uint32_t>(major), static_cast<uint32_t>(minor), access);
            ASSERT_EQ(RunProgram(f, type, static_cast<uint32_t>(major), static_cast<uint32_t>(minor), access),
                      want)
                << "round " << round << " " << type << " " << major << ":" << minor << " "
                << DeviceAccessString(access);
            ++checked;
            allowed += want;
          }
        }
      }
    }
  }
  // The universe exercises both outcomes and the error path.
  EXPECT_GT(rejected, 0);
  EXPECT_GT(allowed, 0);
  EXPECT_GT(checked - allowed, 0);
}

// The emulator against a direct model of the v1 kernel's list operations
// (security/device_cgroup.c: dev_exception_add merges equal entries,
// dev_exception_rm clears bits of equal entries, the whole list is reset by
// "a"), for rule lists that never punch holes in wildcards.
TEST(DevicesBpfTest, StateMatchesKernelListModel) {
  struct Entry {
    char type;
    int64_t major, minor;
    uint8_t bits;
  };
  const std::vector<int64_t> numbers = {-1, 1, 3, 7};
  std::mt19937 rng(7);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  int compared = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<R> rules;
    bool allow_default = false;
    std::vector<Entry> list;
    for (size_t i = 0, n = 1 + pick(6); i < n; ++i) {
      R r;
      r.allow = pick(2) == 0;
      if (pick(6) == 0) {
        r.type = "a";
        allow_default = r.allow;
        list.clear();
      } else {
        r.type = pick(2) ? "c" : "b";
        int64_t major = numbers[pick(numbers.size())], minor = numbers[pick(numbers.size())];
        if (major >= 0) r.major = major;
        if (minor >= 0) r.minor = minor;
        uint8_t bits = static_cast<uint8_t>(1 + pick(7));
        r.access = DeviceAccessString(bits);
        Entry e{(*r.type)[0], major, minor, bits};
        auto same = [&](const Entry& x) {
          return x.type == e.type && x.major == e.major && x.minor == e.minor;
        };
        if (r.allow != allow_default) {
          bool merged = false;
          for (Entry& x : list) {
            if (same(x)) x.bits |= bits, merged = true;
          }
          if (!merged) list.push_back(e);
        } else {
          for (Entry& x : list) {
            if (same(x)) x.bits &= static_cast<uint8_t>(~bits);
          }
          std::erase_if(list, [](const Entry& x) { return x.bits == 0; });
        }
      }
      rules.push_back(r);
    }
    auto state = EmulateDeviceRules(rules);
    if (!state) continue;  // a hole in a wildcard: v1 would silently differ
    for (char type : {'b', 'c'}) {
      for (uint32_t major : {1u, 3u, 7u, 9u}) {
        for (uint32_t minor : {1u, 3u, 7u, 9u}) {
          for (uint8_t access = 1; access <= kDeviceAllAccess; ++access) {
            bool kernel = allow_default;
            for (const Entry& x : list) {
              bool match =
                  x.type == type && (x.major < 0 || x.major == major) && (x.minor < 0 || x.minor == minor);
              if (!match) continue;
              if (allow_default && (access & x.bits)) kernel = false;
              if (!allow_default && (access & ~x.bits) == 0) kernel = true;
            }
            ASSERT_EQ(state->Allows(type, major, minor, access), kernel) << "round " << round;
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 0);
}

// Rootless (no privilege for bpf(2)): a PermissionDenied from attaching is
// a warning, not an error, as with runc; with the privilege it is an error.
TEST(DevicesBpfTest, UnprivilegedIgnoresPermissionErrors) {
  auto tree = testing::FakeCgroupTree::V2();
  auto mgr = NewManager({.container_id = "c1"}, tree->options());
  ASSERT_TRUE(mgr) << mgr.error().ToString();
  ASSERT_TRUE((*mgr)->Create());
  tree->fs.device_filter_faults.push_back({"c1", EPERM, 100});
  oci::LinuxResources res;
  res.devices = DefaultSpecRules();

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // A new user namespace without maps: euid is the overflow uid.
    if (::unshare(CLONE_NEWUSER) != 0) ::_exit(3);
    if (!BpfUnprivileged()) ::_exit(4);
    ::_exit((*mgr)->Apply(res) ? 0 : 5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3) GTEST_SKIP() << "cannot create a user namespace here";
  EXPECT_EQ(WEXITSTATUS(status), 0);

  if (BpfUnprivileged()) GTEST_SKIP() << "the privileged half needs root in the initial user namespace";
  auto r = (*mgr)->Apply(res);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
