#include "oci/spec.h"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <set>
#include <type_traits>
#include <utility>

#include "common/fs.h"
#include "oci/json_util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080  // Linux 5.6; older glibc headers lack it
#endif

namespace inclavare::oci {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------
// Name tables

namespace {

struct NamespaceInfo {
  NamespaceType type;
  const char* name;
  const char* proc_name;
  int clone_flag;
};

constexpr NamespaceInfo kNamespaces[] = {
    {NamespaceType::kPid, "pid", "pid", CLONE_NEWPID},
    {NamespaceType::kNetwork, "network", "net", CLONE_NEWNET},
    {NamespaceType::kMount, "mount", "mnt", CLONE_NEWNS},
    {NamespaceType::kIpc, "ipc", "ipc", CLONE_NEWIPC},
    {NamespaceType::kUts, "uts", "uts", CLONE_NEWUTS},
    {NamespaceType::kUser, "user", "user", CLONE_NEWUSER},
    {NamespaceType::kCgroup, "cgroup", "cgroup", CLONE_NEWCGROUP},
    {NamespaceType::kTime, "time", "time", CLONE_NEWTIME},
};

const NamespaceInfo& Info(NamespaceType type) {
  for (const auto& info : kNamespaces)
    if (info.type == type) return info;
  return kNamespaces[0];  // unreachable for valid enum values
}

// Index = capability number (linux/capability.h).
constexpr const char* kCapabilityNames[kLastCapability + 1] = {
    "CAP_CHOWN",          "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",         "CAP_KILL",         "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",        "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",      "CAP_NET_RAW",      "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",     "CAP_SYS_RAWIO",    "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",      "CAP_SYS_ADMIN",    "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",   "CAP_SYS_TIME",     "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",          "CAP_AUDIT_WRITE",  "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",    "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",   "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

struct RlimitInfo {
  const char* name;
  int resource;
};

constexpr RlimitInfo kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

}  // namespace

const char* NamespaceTypeName(NamespaceType type) { return Info(type).name; }
const char* NamespaceProcName(NamespaceType type) { return Info(type).proc_name; }
int NamespaceCloneFlag(NamespaceType type) { return Info(type).clone_flag; }

std::optional<NamespaceType> NamespaceTypeFromName(std::string_view name) {
  for (const auto& info : kNamespaces)
    if (name == info.name) return info.type;
  return std::nullopt;
}

std::optional<int> CapabilityFromName(std::string_view name) {
  for (int i = 0; i <= kLastCapability; ++i)
    if (name == kCapabilityNames[i]) return i;
  return std::nullopt;
}

const char* CapabilityName(int cap) {
  if (cap < 0 || cap > kLastCapability) return nullptr;
  return kCapabilityNames[cap];
}

std::optional<int> RlimitFromName(std::string_view name) {
  for (const auto& r : kRlimits)
    if (name == r.name) return r.resource;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Struct helpers

bool Hooks::Empty() const {
  return prestart.empty() && create_runtime.empty() && create_container.empty() &&
         start_container.empty() && poststart.empty() && poststop.empty();
}

const Namespace* Linux::FindNamespace(NamespaceType type) const {
  for (const Namespace& ns : namespaces)
    if (ns.type == type) return &ns;
  return nullptr;
}

bool Linux::CreatesNamespace(NamespaceType type) const {
  const Namespace* ns = FindNamespace(type);
  return ns != nullptr && ns->path.empty();
}

// ---------------------------------------------------------------------------
// Readers. They live in inclavare::oci so json::Convert finds them by ADL.

Result<> FromJson(const Json& j, const std::string& path, Root* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "path", &out->path));
  IC_TRY(json::Optional(j, path, "readonly", &out->readonly));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, IdMapping* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Required(j, path, "containerID", &out->container_id));
  IC_TRY(json::Required(j, path, "hostID", &out->host_id));
  IC_TRY(json::Required(j, path, "size", &out->size));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Mount* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "destination", &out->destination));
  IC_TRY(json::Optional(j, path, "type", &out->type));
  IC_TRY(json::Optional(j, path, "source", &out->source));
  IC_TRY(json::Optional(j, path, "options", &out->options));
  IC_TRY(json::Optional(j, path, "uidMappings", &out->uid_mappings));
  IC_TRY(json::Optional(j, path, "gidMappings", &out->gid_mappings));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Hook* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "path", &out->path));
  IC_TRY(json::Optional(j, path, "args", &out->args));
  IC_TRY(json::Optional(j, path, "env", &out->env));
  IC_TRY(json::Optional(j, path, "timeout", &out->timeout));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Hooks* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "prestart", &out->prestart));
  IC_TRY(json::Optional(j, path, "createRuntime", &out->create_runtime));
  IC_TRY(json::Optional(j, path, "createContainer", &out->create_container));
  IC_TRY(json::Optional(j, path, "startContainer", &out->start_container));
  IC_TRY(json::Optional(j, path, "poststart", &out->poststart));
  IC_TRY(json::Optional(j, path, "poststop", &out->poststop));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, ConsoleSize* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "height", &out->height));
  IC_TRY(json::Optional(j, path, "width", &out->width));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, User* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "uid", &out->uid));
  IC_TRY(json::Optional(j, path, "gid", &out->gid));
  IC_TRY(json::Optional(j, path, "umask", &out->umask));
  IC_TRY(json::Optional(j, path, "additionalGids", &out->additional_gids));
  IC_TRY(json::Optional(j, path, "username", &out->username));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Capabilities* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "bounding", &out->bounding));
  IC_TRY(json::Optional(j, path, "effective", &out->effective));
  IC_TRY(json::Optional(j, path, "inheritable", &out->inheritable));
  IC_TRY(json::Optional(j, path, "permitted", &out->permitted));
  IC_TRY(json::Optional(j, path, "ambient", &out->ambient));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Rlimit* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "type", &out->type));
  IC_TRY(json::Required(j, path, "hard", &out->hard));
  IC_TRY(json::Required(j, path, "soft", &out->soft));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, IoPriority* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "class", &out->io_class));
  IC_TRY(json::Optional(j, path, "priority", &out->priority));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Scheduler* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "policy", &out->policy));
  IC_TRY(json::Optional(j, path, "nice", &out->nice));
  IC_TRY(json::Optional(j, path, "priority", &out->priority));
  IC_TRY(json::Optional(j, path, "flags", &out->flags));
  IC_TRY(json::Optional(j, path, "runtime", &out->runtime));
  IC_TRY(json::Optional(j, path, "deadline", &out->deadline));
  IC_TRY(json::Optional(j, path, "period", &out->period));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, ExecCpuAffinity* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "initial", &out->initial));
  IC_TRY(json::Optional(j, path, "final", &out->final));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Process* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "terminal", &out->terminal));
  IC_TRY(json::Optional(j, path, "consoleSize", &out->console_size));
  IC_TRY(json::Optional(j, path, "user", &out->user));
  IC_TRY(json::Optional(j, path, "args", &out->args));
  IC_TRY(json::Optional(j, path, "commandLine", &out->command_line));
  IC_TRY(json::Optional(j, path, "env", &out->env));
  IC_TRY(json::Optional(j, path, "cwd", &out->cwd));
  IC_TRY(json::Optional(j, path, "capabilities", &out->capabilities));
  IC_TRY(json::Optional(j, path, "rlimits", &out->rlimits));
  IC_TRY(json::Optional(j, path, "noNewPrivileges", &out->no_new_privileges));
  IC_TRY(json::Optional(j, path, "apparmorProfile", &out->apparmor_profile));
  IC_TRY(json::Optional(j, path, "oomScoreAdj", &out->oom_score_adj));
  IC_TRY(json::Optional(j, path, "scheduler", &out->scheduler));
  IC_TRY(json::Optional(j, path, "selinuxLabel", &out->selinux_label));
  IC_TRY(json::Optional(j, path, "ioPriority", &out->io_priority));
  IC_TRY(json::Optional(j, path, "execCPUAffinity", &out->exec_cpu_affinity));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Namespace* out) {
  IC_TRY(json::ExpectObject(j, path));
  std::string type;
  IC_TRY(json::Required(j, path, "type", &type));
  std::optional<NamespaceType> t = NamespaceTypeFromName(type);
  if (!t) return InvalidArgument(json::ChildPath(path, "type") + ": unknown namespace type \"" + type + "\"");
  out->type = *t;
  IC_TRY(json::Optional(j, path, "path", &out->path));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, TimeOffset* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "secs", &out->secs));
  IC_TRY(json::Optional(j, path, "nanosecs", &out->nanosecs));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Device* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "path", &out->path));
  IC_TRY(json::Optional(j, path, "type", &out->type));
  IC_TRY(json::Optional(j, path, "major", &out->major));
  IC_TRY(json::Optional(j, path, "minor", &out->minor));
  IC_TRY(json::Optional(j, path, "fileMode", &out->file_mode));
  IC_TRY(json::Optional(j, path, "uid", &out->uid));
  IC_TRY(json::Optional(j, path, "gid", &out->gid));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, SeccompArg* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "index", &out->index));
  IC_TRY(json::Optional(j, path, "value", &out->value));
  IC_TRY(json::Optional(j, path, "valueTwo", &out->value_two));
  IC_TRY(json::Optional(j, path, "op", &out->op));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, SeccompSyscall* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "names", &out->names));
  IC_TRY(json::Optional(j, path, "action", &out->action));
  IC_TRY(json::Optional(j, path, "errnoRet", &out->errno_ret));
  IC_TRY(json::Optional(j, path, "args", &out->args));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Seccomp* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "defaultAction", &out->default_action));
  IC_TRY(json::Optional(j, path, "defaultErrnoRet", &out->default_errno_ret));
  IC_TRY(json::Optional(j, path, "architectures", &out->architectures));
  IC_TRY(json::Optional(j, path, "flags", &out->flags));
  IC_TRY(json::Optional(j, path, "listenerPath", &out->listener_path));
  IC_TRY(json::Optional(j, path, "listenerMetadata", &out->listener_metadata));
  IC_TRY(json::Optional(j, path, "syscalls", &out->syscalls));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Personality* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "domain", &out->domain));
  IC_TRY(json::Optional(j, path, "flags", &out->flags));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, IntelRdt* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "closID", &out->clos_id));
  IC_TRY(json::Optional(j, path, "schemata", &out->schemata));
  IC_TRY(json::Optional(j, path, "l3CacheSchema", &out->l3_cache_schema));
  IC_TRY(json::Optional(j, path, "memBwSchema", &out->mem_bw_schema));
  IC_TRY(json::Optional(j, path, "enableCMT", &out->enable_cmt));
  IC_TRY(json::Optional(j, path, "enableMBM", &out->enable_mbm));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, NetDevice* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "name", &out->name));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Linux* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "namespaces", &out->namespaces));
  IC_TRY(json::Optional(j, path, "uidMappings", &out->uid_mappings));
  IC_TRY(json::Optional(j, path, "gidMappings", &out->gid_mappings));
  IC_TRY(json::Optional(j, path, "timeOffsets", &out->time_offsets));
  IC_TRY(json::Optional(j, path, "sysctl", &out->sysctl));
  IC_TRY(json::Optional(j, path, "resources", &out->resources));
  IC_TRY(json::Optional(j, path, "cgroupsPath", &out->cgroups_path));
  IC_TRY(json::Optional(j, path, "devices", &out->devices));
  IC_TRY(json::Optional(j, path, "rootfsPropagation", &out->rootfs_propagation));
  IC_TRY(json::Optional(j, path, "maskedPaths", &out->masked_paths));
  IC_TRY(json::Optional(j, path, "readonlyPaths", &out->readonly_paths));
  IC_TRY(json::Optional(j, path, "mountLabel", &out->mount_label));
  IC_TRY(json::Optional(j, path, "seccomp", &out->seccomp));
  IC_TRY(json::Optional(j, path, "personality", &out->personality));
  IC_TRY(json::Optional(j, path, "intelRdt", &out->intel_rdt));
  IC_TRY(json::Optional(j, path, "netDevices", &out->net_devices));
  return {};
}

Result<> FromJson(const Json& j, const std::string& path, Spec* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "ociVersion", &out->oci_version));
  IC_TRY(json::Optional(j, path, "root", &out->root));
  IC_TRY(json::Optional(j, path, "mounts", &out->mounts));
  IC_TRY(json::Optional(j, path, "process", &out->process));
  IC_TRY(json::Optional(j, path, "hostname", &out->hostname));
  IC_TRY(json::Optional(j, path, "domainname", &out->domainname));
  IC_TRY(json::Optional(j, path, "hooks", &out->hooks));
  IC_TRY(json::Optional(j, path, "annotations", &out->annotations));
  IC_TRY(json::Optional(j, path, "linux", &out->linux));
  return {};
}

// ---------------------------------------------------------------------------
// Parsing entry points

namespace {

// nlohmann's what() starts with "[json.exception.parse_error.101] "; the id
// means nothing to a user, the rest ("parse error at line 3, column 5: ...")
// does.
std::string ParseErrorMessage(const Json::exception& e) {
  std::string msg = e.what();
  if (!msg.empty() && msg[0] == '[') {
    size_t end = msg.find("] ");
    if (end != std::string::npos) msg.erase(0, end + 2);
  }
  return msg;
}

Result<Json> ParseJson(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    return InvalidArgument(ParseErrorMessage(e));
  }
}

}  // namespace

void NormalizeSpec(Spec* spec) {
  for (Mount& m : spec->mounts)
    if (!m.destination.empty() && m.destination[0] != '/') m.destination.insert(0, "/");
}

Result<Spec> ParseSpec(std::string_view json_text) {
  IC_ASSIGN_OR_RETURN(Json j, ParseJson(json_text));
  Spec spec;
  IC_TRY(FromJson(j, "", &spec));
  NormalizeSpec(&spec);
  return spec;
}

Result<Process> ParseProcess(std::string_view json_text) {
  IC_ASSIGN_OR_RETURN(Json j, ParseJson(json_text));
  Process process;
  IC_TRY(FromJson(j, "", &process));
  return process;
}

Result<Spec> LoadSpec(const std::string& bundle_dir) {
  std::string path = fs::Join(bundle_dir, "config.json");
  IC_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(path));
  return ParseSpec(text).Wrap(path);
}

// ---------------------------------------------------------------------------
// Writers

namespace {

// All overloads are declared up front: the templates below call Enc()
// unqualified, and ADL does not look into this unnamed namespace.
template <class T>
Json Enc(const T& v);
template <class T>
Json Enc(const std::vector<T>& v);
template <class T>
Json Enc(const std::map<std::string, T>& m);
Json Enc(const Root& v);
Json Enc(const IdMapping& v);
Json Enc(const Mount& v);
Json Enc(const Hook& v);
Json Enc(const Hooks& v);
Json Enc(const ConsoleSize& v);
Json Enc(const User& v);
Json Enc(const Capabilities& v);
Json Enc(const Rlimit& v);
Json Enc(const IoPriority& v);
Json Enc(const Scheduler& v);
Json Enc(const ExecCpuAffinity& v);
Json Enc(const Process& v);
Json Enc(const Namespace& v);
Json Enc(const TimeOffset& v);
Json Enc(const Device& v);
Json Enc(const SeccompArg& v);
Json Enc(const SeccompSyscall& v);
Json Enc(const Seccomp& v);
Json Enc(const Personality& v);
Json Enc(const IntelRdt& v);
Json Enc(const NetDevice& v);
Json Enc(const LinuxResources& v);
Json Enc(const Linux& v);

Json Enc(const Root& v) {
  Json j = {{"path", v.path}};
  if (v.readonly) j["readonly"] = true;
  return j;
}

Json Enc(const IdMapping& v) {
  return {{"containerID", v.container_id}, {"hostID", v.host_id}, {"size", v.size}};
}

// Sets j[key] unless the value is empty/zero (Go's omitempty).
template <class T>
void Put(Json& j, const char* key, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (v) j[key] = true;
  } else if constexpr (std::is_arithmetic_v<T>) {
    if (v != 0) j[key] = v;
  } else if constexpr (requires { v.has_value(); }) {
    if (v.has_value()) j[key] = Enc(*v);
  } else {
    if (!v.empty()) j[key] = Enc(v);
  }
}

Json Enc(const Mount& v) {
  Json j = {{"destination", v.destination}};
  Put(j, "type", v.type);
  Put(j, "source", v.source);
  Put(j, "options", v.options);
  Put(j, "uidMappings", v.uid_mappings);
  Put(j, "gidMappings", v.gid_mappings);
  return j;
}

Json Enc(const Hook& v) {
  Json j = {{"path", v.path}};
  Put(j, "args", v.args);
  Put(j, "env", v.env);
  Put(j, "timeout", v.timeout);
  return j;
}

Json Enc(const Hooks& v) {
  Json j = Json::object();
  Put(j, "prestart", v.prestart);
  Put(j, "createRuntime", v.create_runtime);
  Put(j, "createContainer", v.create_container);
  Put(j, "startContainer", v.start_container);
  Put(j, "poststart", v.poststart);
  Put(j, "poststop", v.poststop);
  return j;
}

Json Enc(const ConsoleSize& v) { return {{"height", v.height}, {"width", v.width}}; }

Json Enc(const User& v) {
  Json j = {{"uid", v.uid}, {"gid", v.gid}};
  Put(j, "umask", v.umask);
  Put(j, "additionalGids", v.additional_gids);
  Put(j, "username", v.username);
  return j;
}

Json Enc(const Capabilities& v) {
  Json j = Json::object();
  Put(j, "bounding", v.bounding);
  Put(j, "effective", v.effective);
  Put(j, "inheritable", v.inheritable);
  Put(j, "permitted", v.permitted);
  Put(j, "ambient", v.ambient);
  return j;
}

Json Enc(const Rlimit& v) { return {{"type", v.type}, {"hard", v.hard}, {"soft", v.soft}}; }

Json Enc(const IoPriority& v) { return {{"class", v.io_class}, {"priority", v.priority}}; }

Json Enc(const Scheduler& v) {
  Json j = {{"policy", v.policy}};
  Put(j, "nice", v.nice);
  Put(j, "priority", v.priority);
  Put(j, "flags", v.flags);
  Put(j, "runtime", v.runtime);
  Put(j, "deadline", v.deadline);
  Put(j, "period", v.period);
  return j;
}

Json Enc(const ExecCpuAffinity& v) {
  Json j = Json::object();
  Put(j, "initial", v.initial);
  Put(j, "final", v.final);
  return j;
}

Json Enc(const Process& v) {
  Json j = Json::object();
  Put(j, "terminal", v.terminal);
  Put(j, "consoleSize", v.console_size);
  j["user"] = Enc(v.user);
  Put(j, "args", v.args);
  Put(j, "commandLine", v.command_line);
  Put(j, "env", v.env);
  j["cwd"] = v.cwd;
  Put(j, "capabilities", v.capabilities);
  Put(j, "rlimits", v.rlimits);
  Put(j, "noNewPrivileges", v.no_new_privileges);
  Put(j, "apparmorProfile", v.apparmor_profile);
  Put(j, "oomScoreAdj", v.oom_score_adj);
  Put(j, "scheduler", v.scheduler);
  Put(j, "selinuxLabel", v.selinux_label);
  Put(j, "ioPriority", v.io_priority);
  Put(j, "execCPUAffinity", v.exec_cpu_affinity);
  return j;
}

Json Enc(const Namespace& v) {
  Json j = {{"type", NamespaceTypeName(v.type)}};
  Put(j, "path", v.path);
  return j;
}

Json Enc(const TimeOffset& v) {
  Json j = Json::object();
  Put(j, "secs", v.secs);
  Put(j, "nanosecs", v.nanosecs);
  return j;
}

Json Enc(const Device& v) {
  Json j = {{"path", v.path}, {"type", v.type}, {"major", v.major}, {"minor", v.minor}};
  Put(j, "fileMode", v.file_mode);
  Put(j, "uid", v.uid);
  Put(j, "gid", v.gid);
  return j;
}

Json Enc(const SeccompArg& v) {
  Json j = {{"index", v.index}, {"value", v.value}, {"op", v.op}};
  Put(j, "valueTwo", v.value_two);
  return j;
}

Json Enc(const SeccompSyscall& v) {
  Json j = {{"names", Enc(v.names)}, {"action", v.action}};
  Put(j, "errnoRet", v.errno_ret);
  Put(j, "args", v.args);
  return j;
}

Json Enc(const Seccomp& v) {
  Json j = {{"defaultAction", v.default_action}};
  Put(j, "defaultErrnoRet", v.default_errno_ret);
  Put(j, "architectures", v.architectures);
  Put(j, "flags", v.flags);
  Put(j, "listenerPath", v.listener_path);
  Put(j, "listenerMetadata", v.listener_metadata);
  Put(j, "syscalls", v.syscalls);
  return j;
}

Json Enc(const Personality& v) {
  Json j = {{"domain", v.domain}};
  Put(j, "flags", v.flags);
  return j;
}

Json Enc(const IntelRdt& v) {
  Json j = Json::object();
  Put(j, "closID", v.clos_id);
  Put(j, "schemata", v.schemata);
  Put(j, "l3CacheSchema", v.l3_cache_schema);
  Put(j, "memBwSchema", v.mem_bw_schema);
  Put(j, "enableCMT", v.enable_cmt);
  Put(j, "enableMBM", v.enable_mbm);
  return j;
}

Json Enc(const NetDevice& v) {
  Json j = Json::object();
  Put(j, "name", v.name);
  return j;
}

Json Enc(const LinuxResources& v) { return ToJson(v); }

Json Enc(const Linux& v) {
  Json j = Json::object();
  Put(j, "namespaces", v.namespaces);
  Put(j, "uidMappings", v.uid_mappings);
  Put(j, "gidMappings", v.gid_mappings);
  Put(j, "timeOffsets", v.time_offsets);
  Put(j, "sysctl", v.sysctl);
  Put(j, "resources", v.resources);
  Put(j, "cgroupsPath", v.cgroups_path);
  Put(j, "devices", v.devices);
  Put(j, "rootfsPropagation", v.rootfs_propagation);
  Put(j, "maskedPaths", v.masked_paths);
  Put(j, "readonlyPaths", v.readonly_paths);
  Put(j, "mountLabel", v.mount_label);
  Put(j, "seccomp", v.seccomp);
  Put(j, "personality", v.personality);
  Put(j, "intelRdt", v.intel_rdt);
  Put(j, "netDevices", v.net_devices);
  return j;
}

// Strings and numbers.
template <class T>
Json Enc(const T& v) {
  static_assert(std::is_arithmetic_v<T> || std::is_same_v<T, std::string>);
  return Json(v);
}

template <class T>
Json Enc(const std::vector<T>& v) {
  Json a = Json::array();
  for (const T& e : v) a.push_back(Enc(e));
  return a;
}

template <class T>
Json Enc(const std::map<std::string, T>& m) {
  Json o = Json::object();
  for (const auto& [k, v] : m) o[k] = Enc(v);
  return o;
}

}  // namespace

Json ToJson(const Process& process) { return Enc(process); }

Json ToJson(const Spec& spec) {
  Json j = {{"ociVersion", spec.oci_version}};
  if (!spec.root.path.empty() || spec.root.readonly) j["root"] = Enc(spec.root);
  Put(j, "mounts", spec.mounts);
  Put(j, "process", spec.process);
  Put(j, "hostname", spec.hostname);
  Put(j, "domainname", spec.domainname);
  if (!spec.hooks.Empty()) j["hooks"] = Enc(spec.hooks);
  Put(j, "annotations", spec.annotations);
  Put(j, "linux", spec.linux);
  return j;
}

// ---------------------------------------------------------------------------
// Validation

namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

Error Invalid(const std::string& field, const std::string& what) {
  return InvalidArgument(field + ": " + what);
}

bool IsAbsolute(const std::string& path) { return !path.empty() && path[0] == '/'; }

template <size_t N>
bool OneOf(std::string_view value, const char* const (&names)[N]) {
  return std::find(std::begin(names), std::end(names), value) != std::end(names);
}

constexpr const char* kPropagations[] = {"",       "private", "rprivate",   "slave",      "rslave",
                                         "shared", "rshared", "unbindable", "runbindable"};
constexpr const char* kDeviceTypes[] = {"c", "b", "u", "p"};
constexpr const char* kIoPriorityClasses[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
constexpr const char* kSchedPolicies[] = {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",      "SCHED_BATCH",
                                          "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE"};
constexpr const char* kSchedFlags[] = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
                                       "SCHED_FLAG_DL_OVERRUN",    "SCHED_FLAG_KEEP_POLICY",
                                       "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN",
                                       "SCHED_FLAG_UTIL_CLAMP_MAX"};
constexpr const char* kSeccompActions[] = {"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                           "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                                           "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
constexpr const char* kSeccompOps[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                       "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
constexpr const char* kPersonalityDomains[] = {"LINUX", "LINUX32"};
constexpr const char* kTimeClocks[] = {"monotonic", "boottime"};
// Sysctls isolated by the IPC namespace (ipc_namespaces(7)); runc's list.
constexpr const char* kIpcSysctls[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                       "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                       "kernel.shmmni", "kernel.shm_rmid_forced"};

Result<> ValidateOciVersion(const std::string& version) {
  if (version.empty()) return Invalid("ociVersion", "required field is missing");
  size_t dot = version.find('.');
  std::string_view major = std::string_view(version).substr(0, dot);
  if (major != "1")
    return Invalid("ociVersion", "unsupported version " + Quote(version) + ", want 1.x");
  return {};
}

Result<> ValidateCapabilitySet(const std::vector<std::string>& caps, const std::string& path) {
  for (size_t i = 0; i < caps.size(); ++i)
    if (!CapabilityFromName(caps[i]))
      return Invalid(json::IndexPath(path, i), "unknown capability " + Quote(caps[i]));
  return {};
}

// A cpu list like "0-3,7,9-11".
bool IsCpuList(const std::string& s) {
  if (s.empty()) return true;
  bool want_digit = true;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      want_digit = false;
    } else if ((c == ',' || c == '-') && !want_digit) {
      want_digit = true;
    } else {
      return false;
    }
  }
  return !want_digit;
}

Result<> ValidateHooks(const std::vector<Hook>& hooks, const std::string& path) {
  for (size_t i = 0; i < hooks.size(); ++i) {
    const Hook& h = hooks[i];
    std::string p = json::IndexPath(path, i);
    if (!IsAbsolute(h.path)) return Invalid(p + ".path", "must be an absolute path, got " + Quote(h.path));
    if (h.timeout && *h.timeout <= 0)
      return Invalid(p + ".timeout", "must be positive, got " + std::to_string(*h.timeout));
  }
  return {};
}

Result<> ValidateMounts(const std::vector<Mount>& mounts) {
  for (size_t i = 0; i < mounts.size(); ++i) {
    const Mount& m = mounts[i];
    std::string p = json::IndexPath("mounts", i);
    if (m.destination.empty()) return Invalid(p + ".destination", "required field is missing");
    if (m.uid_mappings.empty() != m.gid_mappings.empty())
      return Invalid(p, "uidMappings and gidMappings must be given together");
  }
  return {};
}

// Which namespace (if any) isolates a sysctl, following runc's validator.
std::optional<NamespaceType> SysctlNamespace(const std::string& key) {
  if (OneOf(key, kIpcSysctls) || key.starts_with("fs.mqueue.")) return NamespaceType::kIpc;
  if (key.starts_with("net.")) return NamespaceType::kNetwork;
  if (key == "kernel.hostname" || key == "kernel.domainname") return NamespaceType::kUts;
  return std::nullopt;
}

Result<> ValidateSysctl(const Linux& linux) {
  for (const auto& [name, value] : linux.sysctl) {
    std::string field = "linux.sysctl." + name;
    if (name.empty()) return Invalid("linux.sysctl", "empty sysctl name");
    // "net/ipv4/ip_forward" is accepted as a spelling of "net.ipv4.ip_forward".
    std::string key = name;
    std::replace(key.begin(), key.end(), '/', '.');
    std::optional<NamespaceType> ns = SysctlNamespace(key);
    if (!ns) return Invalid(field, "sysctl is not in a separate kernel namespace");
    if (!linux.FindNamespace(*ns))
      return Invalid(field, std::string("sysctl requires a private ") + NamespaceTypeName(*ns) + " namespace");
  }
  return {};
}

Result<> ValidateNamespaces(const Spec& spec) {
  static const Linux kEmpty;
  const Linux& linux = spec.linux ? *spec.linux : kEmpty;
  std::set<NamespaceType> seen;
  for (size_t i = 0; i < linux.namespaces.size(); ++i) {
    NamespaceType t = linux.namespaces[i].type;
    if (!seen.insert(t).second)
      return Invalid(json::IndexPath("linux.namespaces", i) + ".type",
                     "duplicate namespace " + Quote(NamespaceTypeName(t)));
  }
  const Namespace* user = linux.FindNamespace(NamespaceType::kUser);
  if (user && user->path.empty()) {
    if (linux.uid_mappings.empty())
      return Invalid("linux.uidMappings", "required when a new user namespace is created");
    if (linux.gid_mappings.empty())
      return Invalid("linux.gidMappings", "required when a new user namespace is created");
  } else if (!user) {
    if (!linux.uid_mappings.empty())
      return Invalid("linux.uidMappings", "given but no user namespace is configured");
    if (!linux.gid_mappings.empty())
      return Invalid("linux.gidMappings", "given but no user namespace is configured");
  }
  // A user namespace joined by path already has its mappings; any given here
  // are ignored (runc does the same).
  if (!linux.time_offsets.empty()) {
    if (!linux.CreatesNamespace(NamespaceType::kTime))
      return Invalid("linux.timeOffsets", "requires a new time namespace");
    for (const auto& [clock, offset] : linux.time_offsets) {
      if (!OneOf(clock, kTimeClocks))
        return Invalid("linux.timeOffsets." + clock, "unknown clock, want \"monotonic\" or \"boottime\"");
      if (offset.nanosecs >= 1000000000u)
        return Invalid("linux.timeOffsets." + clock + ".nanosecs", "must be below 1000000000");
    }
  }
  // runc: "unable to set hostname without a private UTS namespace".
  if (!spec.hostname.empty() && !linux.FindNamespace(NamespaceType::kUts))
    return Invalid("hostname", "requires a UTS namespace");
  if (!spec.domainname.empty() && !linux.FindNamespace(NamespaceType::kUts))
    return Invalid("domainname", "requires a UTS namespace");
  return {};
}

Result<> ValidateSeccomp(const Seccomp& s) {
  const std::string p = "linux.seccomp";
  if (!OneOf(s.default_action, kSeccompActions))
    return Invalid(p + ".defaultAction", "unknown action " + Quote(s.default_action));
  bool notify = s.default_action == "SCMP_ACT_NOTIFY";
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const SeccompSyscall& sc = s.syscalls[i];
    std::string sp = json::IndexPath(p + ".syscalls", i);
    if (sc.names.empty()) return Invalid(sp + ".names", "must not be empty");
    if (!OneOf(sc.action, kSeccompActions))
      return Invalid(sp + ".action", "unknown action " + Quote(sc.action));
    notify = notify || sc.action == "SCMP_ACT_NOTIFY";
    for (size_t k = 0; k < sc.args.size(); ++k)
      if (!OneOf(sc.args[k].op, kSeccompOps))
        return Invalid(json::IndexPath(sp + ".args", k) + ".op", "unknown operator " + Quote(sc.args[k].op));
  }
  if (notify && s.listener_path.empty())
    return Invalid(p + ".listenerPath", "required when SCMP_ACT_NOTIFY is used");
  return {};
}

Result<> ValidateLinux(const Linux& linux) {
  IC_TRY(ValidateSysctl(linux));
  for (size_t i = 0; i < linux.devices.size(); ++i) {
    const Device& d = linux.devices[i];
    std::string p = json::IndexPath("linux.devices", i);
    if (!IsAbsolute(d.path)) return Invalid(p + ".path", "must be an absolute path, got " + Quote(d.path));
    if (!OneOf(d.type, kDeviceTypes))
      return Invalid(p + ".type", "unknown device type " + Quote(d.type) + ", want c, b, u or p");
  }
  if (!OneOf(linux.rootfs_propagation, kPropagations))
    return Invalid("linux.rootfsPropagation", "unknown propagation " + Quote(linux.rootfs_propagation));
  if (linux.seccomp) IC_TRY(ValidateSeccomp(*linux.seccomp));
  if (linux.personality && !OneOf(linux.personality->domain, kPersonalityDomains))
    return Invalid("linux.personality.domain",
                   "unknown domain " + Quote(linux.personality->domain) + ", want LINUX or LINUX32");
  return {};
}

}  // namespace

Result<> ValidateProcess(const Process& process, const std::string& path) {
  if (process.args.empty()) return Invalid(path + ".args", "must not be empty");
  if (!IsAbsolute(process.cwd))
    return Invalid(path + ".cwd", "must be an absolute path, got " + Quote(process.cwd));
  std::set<std::string> rlimits;
  for (size_t i = 0; i < process.rlimits.size(); ++i) {
    const Rlimit& r = process.rlimits[i];
    std::string p = json::IndexPath(path + ".rlimits", i);
    if (!RlimitFromName(r.type)) return Invalid(p + ".type", "unknown rlimit " + Quote(r.type));
    if (!rlimits.insert(r.type).second) return Invalid(p + ".type", "duplicate rlimit " + Quote(r.type));
    if (r.soft > r.hard)
      return Invalid(p, "soft limit " + std::to_string(r.soft) + " exceeds hard limit " + std::to_string(r.hard));
  }
  if (process.capabilities) {
    const Capabilities& c = *process.capabilities;
    std::string p = path + ".capabilities";
    IC_TRY(ValidateCapabilitySet(c.bounding, p + ".bounding"));
    IC_TRY(ValidateCapabilitySet(c.effective, p + ".effective"));
    IC_TRY(ValidateCapabilitySet(c.inheritable, p + ".inheritable"));
    IC_TRY(ValidateCapabilitySet(c.permitted, p + ".permitted"));
    IC_TRY(ValidateCapabilitySet(c.ambient, p + ".ambient"));
  }
  if (process.oom_score_adj && (*process.oom_score_adj < -1000 || *process.oom_score_adj > 1000))
    return Invalid(path + ".oomScoreAdj",
                   "must be in [-1000, 1000], got " + std::to_string(*process.oom_score_adj));
  if (process.io_priority) {
    const IoPriority& io = *process.io_priority;
    if (!OneOf(io.io_class, kIoPriorityClasses))
      return Invalid(path + ".ioPriority.class", "unknown class " + Quote(io.io_class));
    if (io.priority < 0 || io.priority > 7)
      return Invalid(path + ".ioPriority.priority", "must be in [0, 7], got " + std::to_string(io.priority));
  }
  if (process.scheduler) {
    const Scheduler& s = *process.scheduler;
    if (!OneOf(s.policy, kSchedPolicies))
      return Invalid(path + ".scheduler.policy", "unknown policy " + Quote(s.policy));
    if (s.nice < -20 || s.nice > 19)
      return Invalid(path + ".scheduler.nice", "must be in [-20, 19], got " + std::to_string(s.nice));
    for (size_t i = 0; i < s.flags.size(); ++i)
      if (!OneOf(s.flags[i], kSchedFlags))
        return Invalid(json::IndexPath(path + ".scheduler.flags", i), "unknown flag " + Quote(s.flags[i]));
  }
  if (process.exec_cpu_affinity) {
    const ExecCpuAffinity& a = *process.exec_cpu_affinity;
    if (!IsCpuList(a.initial))
      return Invalid(path + ".execCPUAffinity.initial", "invalid cpu list " + Quote(a.initial));
    if (!IsCpuList(a.final))
      return Invalid(path + ".execCPUAffinity.final", "invalid cpu list " + Quote(a.final));
  }
  return {};
}

Result<> Validate(const Spec& spec) {
  IC_TRY(ValidateOciVersion(spec.oci_version));
  if (spec.root.path.empty()) return Invalid("root.path", "required field is missing");
  if (!spec.process) return Invalid("process", "required field is missing");
  IC_TRY(ValidateProcess(*spec.process, "process"));
  IC_TRY(ValidateMounts(spec.mounts));
  IC_TRY(ValidateHooks(spec.hooks.prestart, "hooks.prestart"));
  IC_TRY(ValidateHooks(spec.hooks.create_runtime, "hooks.createRuntime"));
  IC_TRY(ValidateHooks(spec.hooks.create_container, "hooks.createContainer"));
  IC_TRY(ValidateHooks(spec.hooks.start_container, "hooks.startContainer"));
  IC_TRY(ValidateHooks(spec.hooks.poststart, "hooks.poststart"));
  IC_TRY(ValidateHooks(spec.hooks.poststop, "hooks.poststop"));
  IC_TRY(ValidateNamespaces(spec));
  if (spec.linux) IC_TRY(ValidateLinux(*spec.linux));
  return {};
}

}  // namespace inclavare::oci
