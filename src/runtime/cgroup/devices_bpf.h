// Device access control on cgroup v2: an eBPF program generated from the
// OCI device rules (linux.resources.devices), attached to the container's
// cgroup. cgroup v2 has no devices.allow/devices.deny files; the kernel asks
// every BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup and its
// ancestors, and an access is allowed only when all of them return 1
// (Documentation/admin-guide/cgroup-v2.rst "Device controller", Linux 4.15).
//
//   IC_ASSIGN_OR_RETURN(DeviceFilter f, CompileDeviceFilter(resources.devices));
//   IC_TRY(AttachDeviceFilter("/sys/fs/cgroup/c1", f));  // replaces the previous one
//
// Semantics (runc's, libcontainer/cgroups/devices): the rules are first run
// through an emulation of the v1 devices controller (EmulateDeviceRules),
// so a rule list means the same on v1 and v2:
//   * the state starts as "deny everything" (runc's emulator; on v1 a new
//     cgroup would inherit its parent's list, but every OCI config starts
//     with a deny-all rule anyway);
//   * an "a" rule (type "a" or absent) resets the state: allow-all or
//     deny-all, dropping every exception;
//   * any other rule whose action differs from the default adds its access
//     bits to the exception for exactly (type, major, minor); a rule whose
//     action equals the default removes its bits from that exact exception,
//     so later rules override earlier ones;
//   * removing bits that a wildcard exception (major or minor "*") of the
//     same type still grants cannot be expressed (v1 would silently keep the
//     wildcard): InvalidArgument "cannot punch a hole in ..." (runc errors
//     too);
//   * an exception matches a device when the type is equal and major/minor
//     are equal or wildcards. Default deny: the access is allowed when one
//     matching exception holds every requested bit (the v1 kernel's
//     match_exception). Default allow: it is denied when a matching
//     exception holds any requested bit (match_exception_partial). The
//     kernel asks once per open with r and w together, so for O_RDWR
//     against a deny-list entry "c 1:3 w" this denies, as v1 does; runc's
//     generated program checks "every bit" in both modes and allows it --
//     a deliberate, stricter deviation from runc.
// Validation (InvalidArgument naming linux.resources.devices[i]) is the one
// the v1 manager applies: type a/b/c, access a subset of "rwm" (absent or
// empty = "rwm"), no negative numbers, an "a" rule may not restrict major,
// minor or access; major/minor above 2^32-1 are rejected here too.
//
// The program (GenerateDeviceFilter): one block per exception, "load the
// context fields (struct bpf_cgroup_dev_ctx: access_type = type | access <<
// 16, major, minor) this block compares; if one does not match, jump to the
// next block; else return !default", and finally "return default". Each
// block loads its own fields so that no register is live between blocks:
// the verifier then sees one state per block and its work stays linear in
// the rules (about 75 ms for 1000 rules here; with registers loaded once,
// as runc does, it was quadratic: 2 s for 400 rules, and 1000 exceeded its
// limits). Around 2700 rules the verifier's limit of 8192 pending branches
// rejects the program (a clear error with the verifier log). Numbers above
// INT32_MAX compare with BPF_JMP32 (Linux 5.1), smaller ones with plain
// BPF_JMP (works on every kernel with cgroup-device programs). No helper
// calls: the kernel does not require a GPL-compatible license, so the
// program says "Apache-2.0" (runc: "Apache").
//
// Attaching (AttachDeviceFilter) never leaves the cgroup without a filter:
// BPF_PROG_QUERY lists the programs attached to the cgroup itself; with
// exactly one, the new program replaces it atomically (BPF_F_REPLACE, Linux
// 5.6); otherwise (none, several, or no BPF_F_REPLACE) the new program is
// attached first (BPF_F_ALLOW_MULTI: both run, the stricter wins) and the
// old ones are detached after it. Programs the caller may not open
// (EPERM/EACCES from BPF_PROG_GET_FD_BY_ID, e.g. an LSM-protected systemd
// program) are left attached, as runc does: an extra device program can only
// restrict. A verifier rejection returns the verifier's log in the message.
// RLIMIT_MEMLOCK is not raised: Linux >= 5.11 charges BPF memory to the memory
// cgroup instead, and a raised limit would be inherited by the container.
//
// Thread-safety: the functions keep no state and are safe to call from any
// thread; two concurrent AttachDeviceFilter calls on one cgroup may leave both
// programs attached (callers serialise per container, as rune's lock does).
#pragma once

#include <linux/bpf.h>

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "oci/resources.h"

namespace inclavare::runtime::cgroup {

// Access bits as the kernel passes them to the program (BPF_DEVCG_ACC_*).
inline constexpr uint8_t kDeviceMknod = BPF_DEVCG_ACC_MKNOD;
inline constexpr uint8_t kDeviceRead = BPF_DEVCG_ACC_READ;
inline constexpr uint8_t kDeviceWrite = BPF_DEVCG_ACC_WRITE;
inline constexpr uint8_t kDeviceAllAccess = kDeviceMknod | kDeviceRead | kDeviceWrite;

// "rwm" letters -> access bits; an empty string means all three.
uint8_t DeviceAccessBits(std::string_view access);
// Access bits -> "rwm" letters in that order.
std::string DeviceAccessString(uint8_t bits);

// The device part of an exception: 'b' or 'c', major/minor or -1 for "*".
struct DeviceMatch {
  char type = 'c';
  int64_t major = -1;
  int64_t minor = -1;
  auto operator<=>(const DeviceMatch&) const = default;
  // "c 1:3", "b *:*".
  std::string ToString() const;
};

// The state of an emulated v1 devices cgroup after a rule list.
struct DeviceRuleState {
  bool default_allow = false;
  // Exceptions to the default, each with its access bits (never empty).
  std::map<DeviceMatch, uint8_t> exceptions;

  // The v1 kernel's decision for one access: type 'b' or 'c', the device
  // numbers, and the requested access bits (non-empty).
  bool Allows(char type, uint32_t major, uint32_t minor, uint8_t access) const;
};

// Applies rules in order to a deny-all state (see the file comment).
Result<DeviceRuleState> EmulateDeviceRules(const std::vector<oci::LinuxDeviceCgroup>& rules);

// A generated BPF_PROG_TYPE_CGROUP_DEVICE program.
struct DeviceFilter {
  std::vector<bpf_insn> insns;
  std::string license = "Apache-2.0";
};

// The program for a state. Exceptions become blocks in the map's order.
DeviceFilter GenerateDeviceFilter(const DeviceRuleState& state);

// EmulateDeviceRules + GenerateDeviceFilter.
Result<DeviceFilter> CompileDeviceFilter(const std::vector<oci::LinuxDeviceCgroup>& rules);

// Loads filter and makes it the only device program of the cgroup directory
// cgroup_dir (on a cgroup2 mount) that rune can see, without a window (see
// the file comment). Errors name the cgroup and the bpf(2) command; EPERM
// says that CAP_SYS_ADMIN (or CAP_BPF) is needed.
Result<> AttachDeviceFilter(const std::string& cgroup_dir, const DeviceFilter& filter);

// True when bpf(2) cannot work for this process: euid != 0, or a user
// namespace other than the initial one (CAP_BPF/CAP_SYS_ADMIN count only
// there). The v2 manager then ignores a PermissionDenied from attaching,
// with a warning, as runc does for rootless containers (fs2.Manager.Set
// ignores device errors when rootless): a rootless container has no
// CAP_MKNOD and cannot open host devices it could not open anyway.
bool BpfUnprivileged();

// Ids of the device programs attached directly to cgroup_dir (not the
// inherited ones), in the kernel's order.
Result<std::vector<uint32_t>> QueryDeviceFilters(const std::string& cgroup_dir);

}  // namespace inclavare::runtime::cgroup
