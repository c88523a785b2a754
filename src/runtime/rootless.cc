// Rootless mode; see rootless.h.
#include "runtime/rootless.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#include "common/fs.h"

namespace inclavare::runtime {
namespace {

std::string NsLink(const std::string& proc_dir) {
  char buf[64];
  ssize_t n = ::readlink((proc_dir + "/ns/pid").c_str(), buf, sizeof buf - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string Describe(const oci::IdMapping& m) {
  return std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size);
}

Result<> CheckOwnIdMapping(const std::vector<oci::IdMapping>& maps, const char* field, const char* id_name,
                           uint32_t own) {
  if (maps.empty())
    return InvalidArgument(std::string("rootless container: ") + field + " is empty; map " + id_name + " " +
                           std::to_string(own) + " (rune spec --rootless writes such a map)");
  if (maps.size() == 1 && maps[0].host_id == own && maps[0].size == 1) return {};
  std::string got;
  for (const auto& m : maps) got += (got.empty() ? "" : ", ") + Describe(m);
  return Error(ErrorCode::kUnimplemented,
               std::string("rootless container: ") + field + " [" + got + "] maps more than this user's own " +
                   id_name + " " + std::to_string(own) +
                   "; that needs the setuid newuidmap/newgidmap helpers, which rune does not support "
                   "(use a single map of hostID " +
                   std::to_string(own) + " with size 1, or run rune as root)");
}

// A cgroup manager for rootless containers: the real one without device
// rules, or none at all (inner_ null).
class RootlessManager : public cgroup::Manager {
 public:
  explicit RootlessManager(std::unique_ptr<cgroup::Manager> inner) : inner_(std::move(inner)) {}

  bool IsUnified() const override { return inner_ ? inner_->IsUnified() : true; }
  Result<> Create() override { return inner_ ? inner_->Create() : Result<>{}; }
  Result<> Apply(const oci::LinuxResources& resources) override {
    oci::LinuxResources r = resources;
    r.devices.clear();  // unprivileged users cannot set device rules (runc ignores them too)
    if (inner_) return inner_->Apply(r);
    if (HasCgroupLimits(r)) return NoCgroup("set linux.resources limits");
    return {};
  }
  Result<> AddProcess(pid_t pid) override { return inner_ ? inner_->AddProcess(pid) : Result<>{}; }
  Result<> Freeze() override { return inner_ ? inner_->Freeze() : NoCgroup("freeze"); }
  Result<> Thaw() override { return inner_ ? inner_->Thaw() : NoCgroup("thaw"); }
  Result<cgroup::FreezerState> GetFreezerState() override {
    return inner_ ? inner_->GetFreezerState() : Result<cgroup::FreezerState>(cgroup::FreezerState::kUndefined);
  }
  Result<std::vector<pid_t>> GetPids() override {
    return inner_ ? inner_->GetPids() : Result<std::vector<pid_t>>(std::vector<pid_t>{});
  }
  Result<std::vector<pid_t>> GetAllPids() override {
    return inner_ ? inner_->GetAllPids() : Result<std::vector<pid_t>>(std::vector<pid_t>{});
  }
  Result<> KillAll(int sig) override { return inner_ ? inner_->KillAll(sig) : Result<>{}; }
  Result<> Destroy() override { return inner_ ? inner_->Destroy() : Result<>{}; }
  const cgroup::Paths& GetPaths() const override { return inner_ ? inner_->GetPaths() : no_paths_; }
  Result<UniqueFd> OpenCgroupDir() override {
    if (inner_) return inner_->OpenCgroupDir();
    return NoCgroup("open the cgroup");
  }
  Result<cgroup::Stats> GetStats() override {
    if (inner_) return inner_->GetStats();
    return NoCgroup("read cgroup statistics");
  }

 private:
  static Error NoCgroup(const std::string& what) {
    return FailedPrecondition("rootless container without a cgroup: cannot " + what);
  }
  std::unique_ptr<cgroup::Manager> inner_;
  cgroup::Paths no_paths_;
};

}  // namespace

namespace {
bool ReadRunningInUserNamespace() {
  auto text = fs::ReadFile("/proc/self/uid_map");
  if (!text) return false;  // no /proc: assume the initial namespace
  unsigned long long inner = 1, outer = 1, count = 0;
  int lines = 0;
  for (char c : *text) lines += c == '\n';
  if (std::sscanf(text->c_str(), "%llu %llu %llu", &inner, &outer, &count) != 3) return true;
  return !(lines == 1 && inner == 0 && outer == 0 && count == 4294967295ULL);
}
}  // namespace

// rune never changes its own user namespace: read once per process.
bool RunningInUserNamespace() {
  static const bool in_userns = ReadRunningInUserNamespace();
  return in_userns;
}

bool IsRootless() { return ::geteuid() != 0 || RunningInUserNamespace(); }

Result<std::string> DefaultStateRoot() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  bool have_xdg = xdg && *xdg;
  bool honor = false;
  if (have_xdg) {
    if (::geteuid() != 0) {
      honor = true;
    } else if (RunningInUserNamespace()) {
      // Root of a user namespace: the XDG dir unless USER says real root.
      const char* user = std::getenv("USER");
      honor = !user || std::strcmp(user, "root") != 0;
    }
  }
  if (!honor) {
    if (::geteuid() != 0)
      return FailedPrecondition(
          "rootless: XDG_RUNTIME_DIR is not set, so there is no default state directory for uid " +
          std::to_string(::geteuid()) + " (/run/rune is root's); set XDG_RUNTIME_DIR or pass --root DIR");
    return std::string("/run/rune");
  }
  if (xdg[0] != '/')
    return InvalidArgument(std::string("XDG_RUNTIME_DIR \"") + xdg + "\" is not an absolute path");
  std::string root = fs::Join(xdg, "rune");
  IC_TRY(fs::MkdirAll(root, 0700).Wrap("create state root " + root +
                                         " (the directory in XDG_RUNTIME_DIR must be writable by this user)"));
  // The XDG spec: files in XDG_RUNTIME_DIR without the sticky bit may be
  // pruned (runc sets it too).
  if (::chmod(root.c_str(), 01700) != 0) return ErrnoError("chmod state root " + root);
  return root;
}

Result<> CheckIdMappings(const oci::Linux& linux) {
  if (::geteuid() == 0) return {};
  const oci::Namespace* user = linux.FindNamespace(oci::NamespaceType::kUser);
  if (!user)
    return InvalidArgument(
        "rootless container (uid " + std::to_string(::geteuid()) +
        ") requires a user namespace: add {\"type\": \"user\"} to linux.namespaces with uidMappings and "
        "gidMappings (rune spec --rootless writes them)");
  if (!user->path.empty()) return {};
  IC_TRY(CheckOwnIdMapping(linux.uid_mappings, "linux.uidMappings", "uid", ::geteuid()));
  IC_TRY(CheckOwnIdMapping(linux.gid_mappings, "linux.gidMappings", "gid", ::getegid()));
  return {};
}

Result<> DenySetgroupsIfUnprivileged(pid_t pid) {
  if (::geteuid() == 0) return {};
  return fs::WriteFile("/proc/" + std::to_string(pid) + "/setgroups", "deny").Wrap("write setgroups");
}

bool HasCgroupLimits(const oci::LinuxResources& r) {
  return (r.memory && *r.memory != oci::LinuxMemory{}) || (r.cpu && *r.cpu != oci::LinuxCpu{}) ||
         (r.pids && *r.pids != oci::LinuxPids{}) || (r.block_io && *r.block_io != oci::LinuxBlockIo{}) ||
         !r.hugepage_limits.empty() || (r.network && *r.network != oci::LinuxNetwork{}) || !r.rdma.empty() ||
         !r.unified.empty();
}

Result<std::unique_ptr<cgroup::Manager>> CreateRootlessCgroup(std::unique_ptr<cgroup::Manager> inner,
                                                              const std::string& cgroups_path,
                                                              const oci::LinuxResources& resources) {
  auto created = inner->Create();
  if (created) return std::unique_ptr<cgroup::Manager>(std::make_unique<RootlessManager>(std::move(inner)));
  Error err = std::move(created).error();
  if (err.code() != ErrorCode::kPermissionDenied) return err.Wrap("create cgroup");
  (void)inner->Destroy();  // directories made before the failing one (v1)
  if (!cgroups_path.empty())
    return Error(ErrorCode::kPermissionDenied,
                 "rootless container: cannot create the cgroup linux.cgroupsPath \"" + cgroups_path +
                     "\" (" + err.ToString() +
                     "); delegate a writable cgroup to this user, or remove linux.cgroupsPath",
                 err.sys_errno());
  oci::LinuxResources limits = resources;
  limits.devices.clear();
  if (HasCgroupLimits(limits))
    return Error(ErrorCode::kPermissionDenied,
                 "rootless container: linux.resources sets limits, but this user cannot create a cgroup (" +
                     err.ToString() +
                     "); delegate a writable cgroup to this user, or remove the limits",
                 err.sys_errno());
  return std::unique_ptr<cgroup::Manager>(std::make_unique<RootlessManager>(nullptr));
}

Result<std::vector<pid_t>> PidsOfContainer(pid_t init_pid) {
  std::string init_ns = NsLink("/proc/" + std::to_string(init_pid));
  if (init_ns.empty()) return ErrnoError("read the pid namespace of the container's init " + std::to_string(init_pid));
  if (init_ns == NsLink("/proc/self")) return std::vector<pid_t>{init_pid};
  DIR* d = ::opendir("/proc");
  if (!d) return ErrnoError("open /proc");
  std::vector<pid_t> pids;
  while (struct dirent* de = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(de->d_name, &end, 10);
    if (*end || pid <= 0) continue;
    // Processes we may not inspect, or that exited meanwhile, are skipped.
    if (NsLink(std::string("/proc/") + de->d_name) == init_ns) pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return pids;
}

}  // namespace inclavare::runtime
