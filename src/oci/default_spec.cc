// DefaultSpec(): the config.json `runc spec [--rootless]` writes (runc 1.1.5,
// libcontainer/specconv.Example and ToRootless).
#include <unistd.h>

#include <algorithm>

#include "oci/spec.h"

namespace inclavare::oci {

namespace {

Mount MakeMount(std::string destination, std::string type, std::string source,
                std::vector<std::string> options = {}) {
  Mount m;
  m.destination = std::move(destination);
  m.type = std::move(type);
  m.source = std::move(source);
  m.options = std::move(options);
  return m;
}

}  // namespace

Spec DefaultSpec(bool rootless) {
  Spec spec;
  spec.oci_version = kOciVersion;
  spec.root = Root{.path = "rootfs", .readonly = true};
  spec.hostname = "runc";

  Process& p = spec.process.emplace();
  p.terminal = true;
  p.user = User{};
  p.args = {"sh"};
  p.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
  p.cwd = "/";
  const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  p.capabilities = Capabilities{
      .bounding = caps, .effective = caps, .inheritable = {}, .permitted = caps, .ambient = caps};
  p.rlimits = {Rlimit{.type = "RLIMIT_NOFILE", .hard = 1024, .soft = 1024}};
  p.no_new_privileges = true;

  spec.mounts = {
      MakeMount("/proc", "proc", "proc"),
      MakeMount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      MakeMount("/dev/pts", "devpts", "devpts",
                {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      MakeMount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      MakeMount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      MakeMount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      MakeMount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  };

  Linux& linux = spec.linux.emplace();
  LinuxResources resources;
  resources.devices = {LinuxDeviceCgroup{.allow = false, .access = "rwm"}};
  linux.resources = std::move(resources);
  linux.namespaces = {{NamespaceType::kPid, ""},
                      {NamespaceType::kNetwork, ""},
                      {NamespaceType::kIpc, ""},
                      {NamespaceType::kUts, ""},
                      {NamespaceType::kMount, ""}};
  linux.masked_paths = {"/proc/acpi",         "/proc/asound",    "/proc/kcore",
                        "/proc/keys",         "/proc/latency_stats", "/proc/timer_list",
                        "/proc/timer_stats",  "/proc/sched_debug",   "/sys/firmware",
                        "/proc/scsi"};
  linux.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

  if (rootless) {
    // runc's ToRootless: an unprivileged user cannot mount sysfs without a
    // network namespace it owns, cannot use gid=5 on devpts without that gid
    // being mapped, and cannot configure cgroups.
    std::erase_if(linux.namespaces, [](const Namespace& ns) { return ns.type == NamespaceType::kNetwork; });
    linux.namespaces.push_back({NamespaceType::kUser, ""});
    linux.uid_mappings = {IdMapping{.container_id = 0, .host_id = static_cast<uint32_t>(geteuid()), .size = 1}};
    linux.gid_mappings = {IdMapping{.container_id = 0, .host_id = static_cast<uint32_t>(getegid()), .size = 1}};
    for (Mount& m : spec.mounts) {
      if (m.destination == "/sys") {
        m = MakeMount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
      } else {
        std::erase(m.options, "gid=5");
      }
    }
    linux.resources.reset();
  }
  return spec;
}

}  // namespace inclavare::oci
