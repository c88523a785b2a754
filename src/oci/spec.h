// The OCI runtime-spec model: a typed view of a bundle's config.json.
//
// Target: runtime-spec v1.1 (config.md, config-linux.md). Configs written for
// 1.0.x, as podman and containerd generate them, parse unchanged; the cheap
// 1.2 additions (process.scheduler, process.ioPriority,
// process.execCPUAffinity, linux.netDevices) are modelled too. Windows,
// Solaris, VM and z/OS sections are ignored.
//
//   IC_ASSIGN_OR_RETURN(oci::Spec spec, oci::LoadSpec(bundle));
//   IC_TRY(oci::Validate(spec).Wrap("invalid config.json"));
//   for (const oci::Mount& m : spec.mounts) ...
//   if (const oci::Namespace* ns = spec.linux->FindNamespace(oci::NamespaceType::kUser)) ...
//
// Conventions:
// - Members are the JSON names in snake_case (additionalGids ->
//   additional_gids). Where a JSON name is a C++ keyword the member says so.
// - std::optional<> marks optional scalars/objects whose absence differs from
//   a zero value (oomScoreAdj, umask, fileMode, timeout, ...). Lists and maps
//   are plain containers: absent, null and empty are the same (Go encoders
//   emit null for empty slices).
// - Parsing is strict about types (a string where a number belongs is an
//   InvalidArgument naming the JSON path, e.g. "process.user.uid: expected an
//   integer, got string") and lenient about presence: missing required fields
//   parse to empty values and Validate() reports them. Unknown keys are
//   ignored, as the spec requires for forward compatibility.
// - Exceptions: linux.namespaces[].type is an enum, so an unknown namespace
//   type is rejected by the parser ("linux.namespaces[3].type: unknown
//   namespace type \"foo\""); relative mount destinations are normalised by
//   the parser (see NormalizeSpec).
//
// Thread-safety: plain value types; the functions are pure and reentrant.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "oci/resources.h"

// Spec::linux mirrors the JSON name. GNU dialects (-std=gnu++20) predefine a
// `linux` macro; the project builds with CMAKE_CXX_EXTENSIONS OFF.
#if defined(linux)
#error "oci/spec.h needs -std=c++20, not gnu++20: `linux` is a predefined macro in GNU mode"
#endif

namespace inclavare::oci {

// The runtime-spec version this model targets; DefaultSpec() and State use it.
inline constexpr const char kOciVersion[] = "1.1.0";

// ---------------------------------------------------------------------------
// Root filesystem, mounts, hooks

// "root" (config.md#root).
struct Root {
  // Path to the rootfs, absolute or relative to the bundle directory.
  std::string path;
  bool readonly = false;
  bool operator==(const Root&) const = default;
};

// uidMappings/gidMappings entry (config-linux.md#user-namespace-mappings),
// also used for id-mapped mounts (mounts[].uidMappings).
struct IdMapping {
  uint32_t container_id = 0;  // JSON "containerID"
  uint32_t host_id = 0;       // JSON "hostID"
  uint32_t size = 0;
  bool operator==(const IdMapping&) const = default;
};

// "mounts[]" (config.md#mounts).
struct Mount {
  // Absolute path inside the container. ParseSpec() turns a relative one into
  // an absolute one by prefixing "/", as runc >= 1.1 does (it warns and
  // treats it as relative to "/").
  std::string destination;
  std::string type;    // "bind" or a filesystem type; may be empty for binds
  std::string source;  // device, directory or pseudo-fs name
  std::vector<std::string> options;  // fstab-style options ("rbind", "ro", ...)
  std::vector<IdMapping> uid_mappings;  // id-mapped mount (1.1)
  std::vector<IdMapping> gid_mappings;
  bool operator==(const Mount&) const = default;
};

// A lifecycle hook (config.md#posix-platform-hooks).
struct Hook {
  std::string path;  // absolute path of the executable on the host
  std::vector<std::string> args;  // argv, including argv[0]
  std::vector<std::string> env;
  std::optional<int> timeout;  // seconds; Validate() requires > 0 when set
  bool operator==(const Hook&) const = default;
};

struct Hooks {
  std::vector<Hook> prestart;  // deprecated in 1.1 but still used
  std::vector<Hook> create_runtime;
  std::vector<Hook> create_container;
  std::vector<Hook> start_container;
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
  bool Empty() const;
  bool operator==(const Hooks&) const = default;
};

// ---------------------------------------------------------------------------
// Process

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
  bool operator==(const ConsoleSize&) const = default;
};

// "process.user" (config.md#user).
struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;  // absent: leave the umask alone (runc: 0022)
  std::vector<uint32_t> additional_gids;
  std::string username;  // Windows only; kept for round trips
  bool operator==(const User&) const = default;
};

// "process.capabilities": each set lists names like "CAP_KILL".
struct Capabilities {
  std::vector<std::string> bounding;
  std::vector<std::string> effective;
  std::vector<std::string> inheritable;
  std::vector<std::string> permitted;
  std::vector<std::string> ambient;
  bool operator==(const Capabilities&) const = default;
};

// "process.rlimits[]": type is "RLIMIT_NOFILE" etc. (see RlimitFromName).
struct Rlimit {
  std::string type;
  uint64_t hard = 0;
  uint64_t soft = 0;
  bool operator==(const Rlimit&) const = default;
};

// "process.ioPriority" (1.1): class is IOPRIO_CLASS_RT/BE/IDLE, priority 0..7.
struct IoPriority {
  std::string io_class;  // JSON "class"
  int priority = 0;
  bool operator==(const IoPriority&) const = default;
};

// "process.scheduler" (1.2, sched_setattr(2)). Zero means "not set" for the
// numeric fields, as in the Go model (omitempty).
struct Scheduler {
  std::string policy;  // SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE
  int32_t nice = 0;
  int32_t priority = 0;
  std::vector<std::string> flags;  // SCHED_FLAG_RESET_ON_FORK, ...
  uint64_t runtime = 0;   // ns, SCHED_DEADLINE
  uint64_t deadline = 0;  // ns, SCHED_DEADLINE
  uint64_t period = 0;    // ns, SCHED_DEADLINE
  bool operator==(const Scheduler&) const = default;
};

// "process.execCPUAffinity" (1.2): cpu lists like "0-3,7" applied to a
// process joining the container (exec) before / after it enters the cgroup.
struct ExecCpuAffinity {
  std::string initial;
  std::string final;  // JSON "final" (a contextual keyword only, so a valid name)
  bool operator==(const ExecCpuAffinity&) const = default;
};

// "process" (config.md#process). Also the format of `rune exec --process`.
struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;  // argv; Validate() requires it non-empty
  std::string command_line;       // Windows only; kept for round trips
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd;                // absolute path inside the container
  std::optional<Capabilities> capabilities;  // absent: runtime default
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile;
  std::optional<int> oom_score_adj;  // -1000..1000
  std::optional<Scheduler> scheduler;
  std::string selinux_label;
  std::optional<IoPriority> io_priority;
  std::optional<ExecCpuAffinity> exec_cpu_affinity;
  bool operator==(const Process&) const = default;
};

// ---------------------------------------------------------------------------
// Linux

enum class NamespaceType { kPid, kNetwork, kMount, kIpc, kUts, kUser, kCgroup, kTime };

inline constexpr std::array<NamespaceType, 8> kAllNamespaceTypes = {
    NamespaceType::kPid, NamespaceType::kNetwork, NamespaceType::kMount, NamespaceType::kIpc,
    NamespaceType::kUts, NamespaceType::kUser,    NamespaceType::kCgroup, NamespaceType::kTime};

// The config.json name: "pid", "network", "mount", "ipc", "uts", "user",
// "cgroup", "time".
const char* NamespaceTypeName(NamespaceType type);
// The inverse of NamespaceTypeName; nullopt for an unknown name.
std::optional<NamespaceType> NamespaceTypeFromName(std::string_view name);
// The clone(2)/unshare(2)/setns(2) flag: CLONE_NEWPID, CLONE_NEWNET, ...
int NamespaceCloneFlag(NamespaceType type);
// The entry under /proc/<pid>/ns/: "pid", "net", "mnt", "ipc", "uts",
// "user", "cgroup", "time".
const char* NamespaceProcName(NamespaceType type);

// "linux.namespaces[]": path empty = create a new namespace; otherwise join
// the namespace at path (e.g. /proc/1234/ns/net).
struct Namespace {
  NamespaceType type = NamespaceType::kPid;
  std::string path;
  bool operator==(const Namespace&) const = default;
};

// "linux.timeOffsets" value (time namespace, 1.1).
struct TimeOffset {
  int64_t secs = 0;
  uint32_t nanosecs = 0;
  bool operator==(const TimeOffset&) const = default;
};

// "linux.devices[]" (config-linux.md#devices): a device node to create.
struct Device {
  std::string path;  // absolute path inside the container
  std::string type;  // "c", "b", "u" (unbuffered char) or "p" (fifo)
  int64_t major = 0;  // ignored for "p"
  int64_t minor = 0;
  std::optional<uint32_t> file_mode;  // permission bits, e.g. 0666
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  bool operator==(const Device&) const = default;
};

// "linux.seccomp.syscalls[].args[]".
struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ
  bool operator==(const SeccompArg&) const = default;
};

// "linux.seccomp.syscalls[]".
struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_*
  std::optional<uint32_t> errno_ret;  // for SCMP_ACT_ERRNO / SCMP_ACT_TRACE
  std::vector<SeccompArg> args;
  bool operator==(const SeccompSyscall&) const = default;
};

// "linux.seccomp" (config-linux.md#seccomp).
struct Seccomp {
  std::string default_action;  // SCMP_ACT_*
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_*
  std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_*
  std::string listener_path;               // unix socket for SCMP_ACT_NOTIFY
  std::string listener_metadata;
  std::vector<SeccompSyscall> syscalls;
  bool operator==(const Seccomp&) const = default;
};

// "linux.personality": domain "LINUX" or "LINUX32".
struct Personality {
  std::string domain;
  std::vector<std::string> flags;
  bool operator==(const Personality&) const = default;
};

// "linux.intelRdt" (resctrl).
struct IntelRdt {
  std::string clos_id;  // JSON "closID"
  std::string schemata;  // 1.2: written as-is, overrides the two below
  std::string l3_cache_schema;
  std::string mem_bw_schema;
  bool enable_cmt = false;  // JSON "enableCMT"
  bool enable_mbm = false;  // JSON "enableMBM"
  bool operator==(const IntelRdt&) const = default;
};

// "linux.netDevices" value (1.2): move a host interface into the container's
// network namespace, optionally renamed to name.
struct NetDevice {
  std::string name;
  bool operator==(const NetDevice&) const = default;
};

// "linux" (config-linux.md).
struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::map<std::string, TimeOffset> time_offsets;  // keys "monotonic", "boottime"
  std::map<std::string, std::string> sysctl;
  std::optional<LinuxResources> resources;
  // Absolute (relative to the cgroup root), relative (to the runtime's
  // cgroup), or "slice:prefix:name" with --systemd-cgroup; empty: the
  // runtime chooses.
  std::string cgroups_path;
  std::vector<Device> devices;
  std::string rootfs_propagation;  // "", private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string mount_label;
  std::optional<Seccomp> seccomp;
  std::optional<Personality> personality;
  std::optional<IntelRdt> intel_rdt;
  std::map<std::string, NetDevice> net_devices;  // key: host interface name

  // The entry for type, or nullptr when the container shares the runtime's
  // namespace of that type.
  const Namespace* FindNamespace(NamespaceType type) const;
  // True when a namespace of this type is configured and has no path, i.e.
  // the runtime must create it.
  bool CreatesNamespace(NamespaceType type) const;

  bool operator==(const Linux&) const = default;
};

// ---------------------------------------------------------------------------
// The whole config.json

struct Spec {
  std::string oci_version;  // JSON "ociVersion"
  Root root;
  std::vector<Mount> mounts;
  std::optional<Process> process;  // required for create/run, see Validate
  std::string hostname;
  std::string domainname;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  std::optional<Linux> linux;
  bool operator==(const Spec&) const = default;
};

// Parses config.json text. JSON syntax errors are InvalidArgument carrying
// nlohmann's message ("parse error at line 3, column 5: ..."); type errors name
// the JSON path. The result is normalised (NormalizeSpec) but not validated.
Result<Spec> ParseSpec(std::string_view json_text);

// The config `runc spec` writes (runc 1.1.5), so `rune spec` matches it:
// args ["sh"], terminal, the three default capabilities, RLIMIT_NOFILE 1024,
// the standard /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys and
// /sys/fs/cgroup mounts, pid/network/ipc/uts/mount namespaces, masked and
// read-only /proc paths, and a deny-all device cgroup rule.
// With rootless (`runc spec --rootless`): no network namespace but a user
// namespace mapping container root to the calling euid/egid (size 1), /sys
// bind-mounted from the host, no "gid=5" devpts option, no resources.
// The one deliberate difference: ociVersion is kOciVersion ("1.1.0"), where
// runc 1.1.5 writes "1.0.2-dev".
Spec DefaultSpec(bool rootless);

// Reads and parses <bundle_dir>/config.json. A missing file is NotFound:
// "open <bundle_dir>/config.json: No such file or directory".
Result<Spec> LoadSpec(const std::string& bundle_dir);

// Runtime-independent fix-ups ParseSpec applies; call it on a Spec built in
// code before handing it to the runtime. Currently: a relative mount
// destination "foo" becomes "/foo" (runc 1.1 accepts relative destinations
// and resolves them against the container's "/"; we normalise rather than
// reject, so bundles that work with runc work with rune).
void NormalizeSpec(Spec* spec);

// Semantic checks a runtime makes before touching the system. The first
// failure is returned as InvalidArgument whose message starts with the field,
// e.g. "process.cwd: must be an absolute path, got \"tmp\"". Checks:
// - ociVersion present, major version 1;
// - root.path non-empty;
// - process present, args non-empty, cwd absolute, rlimit types known, not
//   repeated and soft <= hard, capability names known (CAP_CHOWN ..
//   CAP_CHECKPOINT_RESTORE; note runc 1.1 only warns about unknown names, we
//   reject them so a typo cannot silently drop a capability), oomScoreAdj in
//   [-1000, 1000], ioPriority/scheduler values known, execCPUAffinity cpu
//   lists well-formed;
// - mount destinations non-empty (relative ones are accepted, see
//   NormalizeSpec), id-mapped mounts give both uid and gid mappings; hook
//   paths absolute, hook timeouts > 0;
// - namespace types not duplicated (a missing linux section means no
//   namespaces); uid/gid mappings present iff a new user namespace is created
//   (a user namespace joined by path needs none and ignores any given; with
//   no user namespace, mappings are an error); timeOffsets only with a new
//   time namespace, only "monotonic"/"boottime", nanosecs < 1e9;
//   hostname/domainname only with a UTS namespace (runc's rule);
// - sysctl names non-empty and namespaced as runc requires (kernel.msg*,
//   kernel.sem, kernel.shm*, fs.mqueue.* need an IPC namespace; net.* a
//   network namespace; kernel.hostname/domainname a UTS namespace; other
//   keys are not namespaced and are rejected; "net/ipv4/x" spelling is
//   accepted);
// - device types "c", "b", "u", "p", device paths absolute;
// - rootfsPropagation one of the allowed values;
// - seccomp actions and operators known, syscall names non-empty,
//   listenerPath set when SCMP_ACT_NOTIFY is used; personality domain
//   LINUX or LINUX32.
// linux.resources is not checked here: the cgroup managers check it when
// applying.
Result<> Validate(const Spec& spec);
// The process checks of Validate, for `rune exec --process`; path is the
// prefix used in messages ("process").
Result<> ValidateProcess(const Process& process, const std::string& path = "process");

// Serialises to config.json form. Absent optionals, empty lists/maps and
// omitempty zero values are left out, so ParseSpec(ToJson(s).dump()) == s.
nlohmann::json ToJson(const Spec& spec);
nlohmann::json ToJson(const Process& process);

// JSON readers (found by ADL from json_util) for the top-level objects, for
// callers that read a Process (exec --process) or Linux section on their own.
Result<> FromJson(const nlohmann::json& j, const std::string& path, Spec* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, Process* out);
Result<> FromJson(const nlohmann::json& j, const std::string& path, Linux* out);
// Parses a process.json (the `rune exec --process` file).
Result<Process> ParseProcess(std::string_view json_text);

// ---------------------------------------------------------------------------
// Name tables (no libcap dependency)

// The highest capability number we know: CAP_CHECKPOINT_RESTORE (Linux 5.9).
inline constexpr int kLastCapability = 40;
// "CAP_KILL" -> 5; nullopt for unknown names. Case-sensitive, "CAP_" prefix
// required, as the spec's examples and runc use.
std::optional<int> CapabilityFromName(std::string_view name);
// 5 -> "CAP_KILL"; nullptr for numbers outside [0, kLastCapability].
const char* CapabilityName(int cap);

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; nullopt for unknown names.
std::optional<int> RlimitFromName(std::string_view name);

}  // namespace inclavare::oci
