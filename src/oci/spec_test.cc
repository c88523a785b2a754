#include "oci/spec.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/fs.h"

namespace inclavare::oci {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Json = nlohmann::json;

// `runc spec` (runc 1.1.5) verbatim.
constexpr const char kRuncDefault[] = R"({
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": true,
		"user": {"uid": 0, "gid": 0},
		"args": ["sh"],
		"env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
		"cwd": "/",
		"capabilities": {
			"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
		},
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
		"noNewPrivileges": true
	},
	"root": {"path": "rootfs", "readonly": true},
	"hostname": "runc",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
		{"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		 "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
		{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		 "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs",
		 "options": ["nosuid", "noexec", "nodev", "ro"]},
		{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		 "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
	],
	"linux": {
		"resources": {"devices": [{"allow": false, "access": "rwm"}]},
		"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
		"maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
			"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
		"readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
	}
})";

// A config as podman 4.3 (Debian 12) writes it for `podman run alpine sh`:
// joined network namespace, systemd cgroupsPath, seccomp profile (trimmed),
// bind mounts of userdata files, umask and additionalGids, hooks {}.
constexpr const char kPodman[] = R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "user": {"uid": 0, "gid": 0, "umask": 18, "additionalGids": [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27]},
    "args": ["sh"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
            "container=podman", "HOSTNAME=5d1c0b3f4e2a", "HOME=/root"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                   "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"],
      "effective": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                    "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"],
      "permitted": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                    "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"]
    },
    "rlimits": [
      {"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024},
      {"type": "RLIMIT_NPROC", "hard": 4194304, "soft": 4194304}
    ],
    "oomScoreAdj": 0
  },
  "root": {"path": "/var/lib/containers/storage/overlay/9c1b7e0c6f1e/merged"},
  "hostname": "5d1c0b3f4e2a",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/etc/resolv.conf", "type": "bind",
     "source": "/run/containers/storage/overlay-containers/5d1c0b3f4e2a/userdata/resolv.conf", "options": ["bind", "rprivate"]},
    {"destination": "/etc/hosts", "type": "bind",
     "source": "/run/containers/storage/overlay-containers/5d1c0b3f4e2a/userdata/hosts", "options": ["bind", "rprivate"]},
    {"destination": "/dev/shm", "type": "bind",
     "source": "/var/lib/containers/storage/overlay-containers/5d1c0b3f4e2a/userdata/shm", "options": ["bind", "rprivate"]},
    {"destination": "/run/.containerenv", "type": "bind",
     "source": "/run/containers/storage/overlay-containers/5d1c0b3f4e2a/userdata/.containerenv", "options": ["bind", "rprivate"]},
    {"destination": "/etc/hostname", "type": "bind",
     "source": "/run/containers/storage/overlay-containers/5d1c0b3f4e2a/userdata/hostname", "options": ["bind", "rprivate"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "hooks": {},
  "annotations": {
    "io.container.manager": "libpod",
    "io.kubernetes.cri-o.Created": "2026-11-27T13:00:00.000000000Z",
    "io.kubernetes.cri-o.TTY": "false",
    "io.podman.annotations.autoremove": "TRUE",
    "org.opencontainers.image.stopSignal": "15"
  },
  "linux": {
    "sysctl": {"net.ipv4.ping_group_range": "0 0"},
    "resources": {"pids": {"limit": 2048}},
    "cgroupsPath": "machine.slice:libpod:5d1c0b3f4e2a",
    "namespaces": [
      {"type": "pid"},
      {"type": "network", "path": "/run/netns/netns-7f4b6c1e-2a3d-4c5e-8f90-123456789abc"},
      {"type": "ipc"},
      {"type": "uts"},
      {"type": "mount"},
      {"type": "cgroup"}
    ],
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 38,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "syscalls": [
        {"names": ["bdflush", "io_pgetevents", "kexec_file_load", "kexec_load", "migrate_pages"],
         "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
        {"names": ["accept", "accept4", "access", "read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}
      ]
    },
    "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
                    "/sys/dev/block"],
    "readonlyPaths": ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
})";

// A config as containerd 1.6's CRI plugin writes it for a pod container:
// nulls where Go encodes nil slices/maps/pointers, the 1.1 user-namespace
// and devices fields, a relative cgroupsPath, hooks, and an unknown "windows"
// section that must be ignored.
constexpr const char kContainerd[] = R"({
  "ociVersion": "1.1.0-rc.1",
  "process": {
    "terminal": false,
    "consoleSize": null,
    "user": {"uid": 65534, "gid": 65534, "additionalGids": [65534]},
    "args": ["/bin/sleep", "3600"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=web-0"],
    "cwd": "/srv",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_KILL"],
      "effective": ["CAP_CHOWN", "CAP_KILL"],
      "inheritable": null,
      "permitted": ["CAP_CHOWN", "CAP_KILL"],
      "ambient": null
    },
    "rlimits": null,
    "noNewPrivileges": true,
    "apparmorProfile": "cri-containerd.apparmor.d",
    "oomScoreAdj": -998,
    "selinuxLabel": ""
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/shm", "type": "bind",
     "source": "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/8a3f/shm", "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
    {"destination": "/etc/hosts", "type": "bind",
     "source": "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/8a3f/hosts", "options": ["rbind", "rprivate", "rw"],
     "uidMappings": null, "gidMappings": null},
    {"destination": "/var/run/secrets/kubernetes.io/serviceaccount", "type": "bind",
     "source": "/var/lib/kubelet/pods/1f2e/volumes/kubernetes.io~projected/kube-api-access-x", "options": ["rbind", "rprivate", "ro"]}
  ],
  "hooks": {
    "prestart": null,
    "createRuntime": [{"path": "/usr/libexec/oci/hooks.d/nvidia", "args": ["nvidia", "prestart"], "env": null, "timeout": 5}],
    "poststop": [{"path": "/usr/bin/cleanup"}]
  },
  "annotations": {
    "io.kubernetes.cri.container-name": "web",
    "io.kubernetes.cri.container-type": "container",
    "io.kubernetes.cri.sandbox-id": "8a3f",
    "enclave.type": "intelSgx"
  },
  "linux": {
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "sysctl": null,
    "resources": {
      "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 200, "access": "rwm"}],
      "memory": {"limit": 134217728, "swap": 134217728},
      "cpu": {"shares": 2, "quota": 50000, "period": 100000}
    },
    "cgroupsPath": "kubepods-besteffort-pod1f2e.slice:cri-containerd:9b4c",
    "namespaces": [
      {"type": "pid", "path": "/proc/4242/ns/pid"},
      {"type": "ipc", "path": "/proc/4242/ns/ipc"},
      {"type": "uts", "path": "/proc/4242/ns/uts"},
      {"type": "mount"},
      {"type": "network", "path": "/proc/4242/ns/net"},
      {"type": "user"}
    ],
    "devices": [
      {"path": "/dev/sgx_enclave", "type": "c", "major": 10, "minor": 125, "fileMode": 438, "uid": 0, "gid": 0},
      {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": null}
    ],
    "rootfsPropagation": "rslave",
    "maskedPaths": ["/proc/kcore", "/sys/firmware"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "",
    "seccomp": null,
    "intelRdt": null,
    "personality": {"domain": "LINUX"}
  },
  "windows": {"layerFolders": null}
})";

Spec MustParse(std::string_view text) {
  auto r = ParseSpec(text);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r ? *r : Spec{};
}

std::string ParseError(std::string_view text) {
  auto r = ParseSpec(text);
  if (r) return "<parsed>";
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  return r.error().ToString();
}

// ---------------------------------------------------------------------------
// Parsing realistic configs

TEST(ParseSpecTest, RuncDefault) {
  Spec s = MustParse(kRuncDefault);
  EXPECT_EQ(s.oci_version, "1.0.2-dev");
  EXPECT_EQ(s.root, (Root{"rootfs", true}));
  EXPECT_EQ(s.hostname, "runc");
  ASSERT_TRUE(s.process);
  EXPECT_TRUE(s.process->terminal);
  EXPECT_EQ(s.process->args, std::vector<std::string>{"sh"});
  EXPECT_EQ(s.process->cwd, "/");
  EXPECT_TRUE(s.process->no_new_privileges);
  EXPECT_FALSE(s.process->oom_score_adj);
  EXPECT_FALSE(s.process->user.umask);
  ASSERT_TRUE(s.process->capabilities);
  EXPECT_EQ(s.process->capabilities->ambient.size(), 3u);
  EXPECT_TRUE(s.process->capabilities->inheritable.empty());
  ASSERT_EQ(s.process->rlimits.size(), 1u);
  EXPECT_EQ(s.process->rlimits[0], (Rlimit{"RLIMIT_NOFILE", 1024, 1024}));
  ASSERT_EQ(s.mounts.size(), 7u);
  EXPECT_EQ(s.mounts[2].destination, "/dev/pts");
  EXPECT_EQ(s.mounts[2].options.back(), "gid=5");
  EXPECT_TRUE(s.mounts[0].options.empty());
  ASSERT_TRUE(s.linux);
  ASSERT_EQ(s.linux->namespaces.size(), 5u);
  EXPECT_EQ(s.linux->namespaces[1].type, NamespaceType::kNetwork);
  EXPECT_TRUE(s.linux->CreatesNamespace(NamespaceType::kMount));
  EXPECT_EQ(s.linux->FindNamespace(NamespaceType::kUser), nullptr);
  ASSERT_TRUE(s.linux->resources);
  ASSERT_EQ(s.linux->resources->devices.size(), 1u);
  EXPECT_FALSE(s.linux->resources->devices[0].allow);
  EXPECT_EQ(s.linux->masked_paths.size(), 10u);
  EXPECT_EQ(s.linux->readonly_paths.back(), "/proc/sysrq-trigger");
  EXPECT_TRUE(s.hooks.Empty());
  EXPECT_TRUE(Validate(s).has_value()) << Validate(s).error().ToString();
}

TEST(ParseSpecTest, PodmanConfig) {
  Spec s = MustParse(kPodman);
  ASSERT_TRUE(s.process);
  EXPECT_EQ(s.process->user.umask, 18u);
  EXPECT_EQ(s.process->user.additional_gids.size(), 11u);
  EXPECT_EQ(s.process->oom_score_adj, 0);  // present and zero: not the same as absent
  EXPECT_EQ(s.process->rlimits[1].type, "RLIMIT_NPROC");
  EXPECT_EQ(s.root.path, "/var/lib/containers/storage/overlay/9c1b7e0c6f1e/merged");
  EXPECT_FALSE(s.root.readonly);
  EXPECT_EQ(s.mounts[5].type, "bind");
  EXPECT_EQ(s.mounts[5].options, (std::vector<std::string>{"bind", "rprivate"}));
  EXPECT_TRUE(s.hooks.Empty());
  EXPECT_EQ(s.annotations.at("io.container.manager"), "libpod");
  ASSERT_TRUE(s.linux);
  EXPECT_EQ(s.linux->cgroups_path, "machine.slice:libpod:5d1c0b3f4e2a");
  EXPECT_EQ(s.linux->sysctl.at("net.ipv4.ping_group_range"), "0 0");
  const Namespace* net = s.linux->FindNamespace(NamespaceType::kNetwork);
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->path, "/run/netns/netns-7f4b6c1e-2a3d-4c5e-8f90-123456789abc");
  EXPECT_FALSE(s.linux->CreatesNamespace(NamespaceType::kNetwork));
  EXPECT_TRUE(s.linux->CreatesNamespace(NamespaceType::kCgroup));
  ASSERT_TRUE(s.linux->resources && s.linux->resources->pids);
  EXPECT_EQ(s.linux->resources->pids->limit, 2048);
  ASSERT_TRUE(s.linux->seccomp);
  const Seccomp& sc = *s.linux->seccomp;
  EXPECT_EQ(sc.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(sc.default_errno_ret, 38u);
  EXPECT_EQ(sc.architectures.size(), 3u);
  ASSERT_EQ(sc.syscalls.size(), 5u);
  EXPECT_EQ(sc.syscalls[0].errno_ret, 1u);
  EXPECT_FALSE(sc.syscalls[1].errno_ret);
  ASSERT_EQ(sc.syscalls[3].args.size(), 1u);
  EXPECT_EQ(sc.syscalls[3].args[0].value, 4294967295u);
  EXPECT_EQ(sc.syscalls[4].args[0].op, "SCMP_CMP_MASKED_EQ");
  EXPECT_TRUE(Validate(s).has_value()) << Validate(s).error().ToString();
}

TEST(ParseSpecTest, ContainerdConfigWithNulls) {
  Spec s = MustParse(kContainerd);
  EXPECT_EQ(s.oci_version, "1.1.0-rc.1");
  ASSERT_TRUE(s.process);
  EXPECT_FALSE(s.process->console_size);
  EXPECT_EQ(s.process->user.uid, 65534u);
  EXPECT_EQ(s.process->args, (std::vector<std::string>{"/bin/sleep", "3600"}));
  EXPECT_EQ(s.process->cwd, "/srv");
  ASSERT_TRUE(s.process->capabilities);
  EXPECT_TRUE(s.process->capabilities->inheritable.empty());
  EXPECT_TRUE(s.process->capabilities->ambient.empty());
  EXPECT_TRUE(s.process->rlimits.empty());
  EXPECT_EQ(s.process->apparmor_profile, "cri-containerd.apparmor.d");
  EXPECT_EQ(s.process->oom_score_adj, -998);
  EXPECT_TRUE(s.hooks.prestart.empty());
  ASSERT_EQ(s.hooks.create_runtime.size(), 1u);
  EXPECT_EQ(s.hooks.create_runtime[0].timeout, 5);
  EXPECT_TRUE(s.hooks.create_runtime[0].env.empty());
  ASSERT_EQ(s.hooks.poststop.size(), 1u);
  EXPECT_FALSE(s.hooks.poststop[0].timeout);
  EXPECT_EQ(s.annotations.at("enclave.type"), "intelSgx");
  ASSERT_TRUE(s.linux);
  const Linux& l = *s.linux;
  EXPECT_EQ(l.uid_mappings, (std::vector<IdMapping>{{0, 100000, 65536}}));
  EXPECT_TRUE(l.sysctl.empty());
  EXPECT_TRUE(l.CreatesNamespace(NamespaceType::kUser));
  EXPECT_EQ(l.FindNamespace(NamespaceType::kPid)->path, "/proc/4242/ns/pid");
  ASSERT_TRUE(l.resources && l.resources->memory);
  EXPECT_EQ(l.resources->memory->limit, 134217728);
  ASSERT_EQ(l.devices.size(), 2u);
  EXPECT_EQ(l.devices[0].file_mode, 0666u);
  EXPECT_EQ(l.devices[0].uid, 0u);
  EXPECT_FALSE(l.devices[1].file_mode);
  EXPECT_FALSE(l.devices[1].uid);
  EXPECT_EQ(l.rootfs_propagation, "rslave");
  EXPECT_FALSE(l.seccomp);
  EXPECT_FALSE(l.intel_rdt);
  ASSERT_TRUE(l.personality);
  EXPECT_EQ(l.personality->domain, "LINUX");
  EXPECT_TRUE(Validate(s).has_value()) << Validate(s).error().ToString();
}

TEST(ParseSpecTest, Cheap12Fields) {
  Spec s = MustParse(R"({"ociVersion": "1.2.0", "root": {"path": "r"},
    "process": {"args": ["x"], "cwd": "/",
      "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
      "scheduler": {"policy": "SCHED_DEADLINE", "runtime": 42000, "deadline": 1000000, "period": 1000000,
                    "flags": ["SCHED_FLAG_RESET_ON_FORK"]},
      "execCPUAffinity": {"initial": "0", "final": "0-3,7"}},
    "linux": {"namespaces": [{"type": "time"}, {"type": "network"}],
      "timeOffsets": {"monotonic": {"secs": -3600, "nanosecs": 5}, "boottime": {"secs": 86400}},
      "netDevices": {"eth1": {"name": "net0"}, "eth2": {}},
      "intelRdt": {"closID": "guaranteed", "l3CacheSchema": "L3:0=7f0", "memBwSchema": "MB:0=20",
                   "schemata": "L2:0=ff", "enableCMT": true}}})");
  ASSERT_TRUE(s.process && s.process->io_priority && s.process->scheduler && s.process->exec_cpu_affinity);
  EXPECT_EQ(s.process->io_priority->io_class, "IOPRIO_CLASS_BE");
  EXPECT_EQ(s.process->scheduler->deadline, 1000000u);
  EXPECT_EQ(s.process->exec_cpu_affinity->final, "0-3,7");
  ASSERT_TRUE(s.linux);
  EXPECT_EQ(s.linux->time_offsets.at("monotonic"), (TimeOffset{-3600, 5}));
  EXPECT_EQ(s.linux->net_devices.at("eth1").name, "net0");
  EXPECT_EQ(s.linux->net_devices.at("eth2").name, "");
  ASSERT_TRUE(s.linux->intel_rdt);
  EXPECT_EQ(s.linux->intel_rdt->clos_id, "guaranteed");
  EXPECT_TRUE(s.linux->intel_rdt->enable_cmt);
  EXPECT_TRUE(Validate(s).has_value()) << Validate(s).error().ToString();
}

TEST(ParseSpecTest, UnknownFieldsIgnored) {
  Spec s = MustParse(R"({"ociVersion": "1.1.0", "futureTopLevel": {"a": [1, 2]}, "root": {"path": "r", "x": 1},
    "process": {"args": ["sh"], "cwd": "/", "newThing": true, "user": {"uid": 1, "sid": "S-1-5"}},
    "mounts": [{"destination": "/m", "weird": null}],
    "linux": {"namespaces": [{"type": "pid", "flags": 3}], "memoryPolicy": {"mode": "MPOL_BIND"}},
    "windows": {"layerFolders": ["C:\\a"]}, "vm": {"kernel": {"path": "/k"}}, "solaris": {}})");
  EXPECT_EQ(s.root.path, "r");
  EXPECT_EQ(s.process->user.uid, 1u);
  EXPECT_EQ(s.mounts[0].destination, "/m");
  EXPECT_EQ(s.linux->namespaces.size(), 1u);
}

TEST(ParseSpecTest, MinimalAndEmpty) {
  Spec s = MustParse("{}");
  EXPECT_EQ(s, Spec{});
  EXPECT_FALSE(s.process);
  EXPECT_FALSE(s.linux);
  // Nulls everywhere are the same as absence.
  Spec n = MustParse(R"({"ociVersion": null, "root": null, "mounts": null, "process": null, "hooks": null,
                         "annotations": null, "linux": null, "hostname": null})");
  EXPECT_EQ(n, Spec{});
}

TEST(ParseSpecTest, RelativeMountDestinationIsNormalised) {
  Spec s = MustParse(R"({"mounts": [{"destination": "data", "type": "bind", "source": "/srv"},
                                     {"destination": "/abs", "type": "tmpfs", "source": "tmpfs"}]})");
  EXPECT_EQ(s.mounts[0].destination, "/data");
  EXPECT_EQ(s.mounts[1].destination, "/abs");

  Spec built;
  built.mounts.push_back(Mount{.destination = "x/y"});
  NormalizeSpec(&built);
  EXPECT_EQ(built.mounts[0].destination, "/x/y");
}

// ---------------------------------------------------------------------------
// Syntax and type errors

TEST(ParseErrorTest, SyntaxErrorCarriesNlohmannMessage) {
  std::string msg = ParseError("{\"ociVersion\": \"1.0.0\",\n  \"root\": {\"path\": }\n}");
  EXPECT_THAT(msg, HasSubstr("parse error at line 2"));
  EXPECT_THAT(msg, Not(StartsWith("[json.exception")));
  EXPECT_THAT(ParseError(""), HasSubstr("parse error"));
  EXPECT_THAT(ParseError("{} trailing"), HasSubstr("parse error"));
}

TEST(ParseErrorTest, TypeErrorsNameTheJsonPath) {
  EXPECT_EQ(ParseError("[]"), "config: expected an object, got array");
  EXPECT_EQ(ParseError(R"({"ociVersion": 1})"), "ociVersion: expected a string, got number");
  EXPECT_EQ(ParseError(R"({"process": {"user": {"uid": "0"}}})"),
            "process.user.uid: expected an integer, got string");
  EXPECT_EQ(ParseError(R"({"process": {"user": {"uid": -1}}})"),
            "process.user.uid: value -1 must not be negative");
  EXPECT_EQ(ParseError(R"({"process": {"user": {"gid": 4294967296}}})"),
            "process.user.gid: value 4294967296 out of range");
  EXPECT_EQ(ParseError(R"({"process": {"args": "sh"}})"), "process.args: expected an array, got string");
  EXPECT_EQ(ParseError(R"({"process": {"args": ["sh", 1]}})"),
            "process.args[1]: expected a string, got number");
  EXPECT_EQ(ParseError(R"({"process": {"terminal": "true"}})"),
            "process.terminal: expected a boolean, got string");
  EXPECT_EQ(ParseError(R"({"process": {"oomScoreAdj": 1.5}})"),
            "process.oomScoreAdj: expected an integer, got number");
  EXPECT_EQ(ParseError(R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1}]}})"),
            "process.rlimits[0].hard: required field is missing");
  EXPECT_EQ(ParseError(R"({"mounts": [{"destination": "/a"}, {"destination": "/b", "options": ["ro", 7]}]})"),
            "mounts[1].options[1]: expected a string, got number");
  EXPECT_EQ(ParseError(R"({"root": "rootfs"})"), "root: expected an object, got string");
  EXPECT_EQ(ParseError(R"({"annotations": {"a": 1}})"), "annotations.a: expected a string, got number");
  EXPECT_EQ(ParseError(R"({"hooks": {"poststop": [{"path": "/x", "timeout": "5"}]}})"),
            "hooks.poststop[0].timeout: expected an integer, got string");
  EXPECT_EQ(ParseError(R"({"linux": {"namespaces": [{"type": "pid"}, {"type": "foo"}]}})"),
            "linux.namespaces[1].type: unknown namespace type \"foo\"");
  EXPECT_EQ(ParseError(R"({"linux": {"namespaces": [{"path": "/proc/1/ns/net"}]}})"),
            "linux.namespaces[0].type: required field is missing");
  EXPECT_EQ(ParseError(R"({"linux": {"uidMappings": [{"containerID": 0, "hostID": 0}]}})"),
            "linux.uidMappings[0].size: required field is missing");
  EXPECT_EQ(ParseError(R"({"linux": {"devices": [{"path": "/dev/x", "type": "c", "major": "1"}]}})"),
            "linux.devices[0].major: expected an integer, got string");
  EXPECT_EQ(ParseError(R"({"linux": {"sysctl": {"net.ipv4.ip_forward": 1}}})"),
            "linux.sysctl.net.ipv4.ip_forward: expected a string, got number");
  EXPECT_EQ(ParseError(R"({"linux": {"seccomp": {"syscalls": [{"names": ["read"], "args": [{"index": -1}]}]}}})"),
            "linux.seccomp.syscalls[0].args[0].index: value -1 must not be negative");
  EXPECT_EQ(ParseError(R"({"linux": {"timeOffsets": {"boottime": {"secs": "1"}}}})"),
            "linux.timeOffsets.boottime.secs: expected an integer, got string");
  // linux.resources is parsed by resources.cc with the same path convention.
  EXPECT_EQ(ParseError(R"({"linux": {"resources": {"memory": {"limit": "1G"}}}})"),
            "linux.resources.memory.limit: expected an integer, got string");
}

TEST(ParseErrorTest, ParseProcess) {
  auto p = ParseProcess(R"({"args": ["ls", "-l"], "cwd": "/tmp", "env": ["A=1"], "terminal": true})");
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  EXPECT_EQ(p->args.size(), 2u);
  EXPECT_TRUE(ValidateProcess(*p).has_value());
  auto bad = ParseProcess(R"({"args": [1]})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().ToString(), "args[0]: expected a string, got number");
  Process no_args;
  no_args.cwd = "/";
  EXPECT_EQ(ValidateProcess(no_args).error().ToString(), "process.args: must not be empty");
}

// ---------------------------------------------------------------------------
// LoadSpec

class LoadSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oci_spec_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)fs::RemoveAll(dir_); }
  std::string dir_;
};

TEST_F(LoadSpecTest, MissingConfig) {
  auto r = LoadSpec(dir_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.error().ToString(), "open " + dir_ + "/config.json: No such file or directory");
}

TEST_F(LoadSpecTest, LoadsAndNamesTheFileOnErrors) {
  ASSERT_TRUE(fs::WriteFile(dir_ + "/config.json", kRuncDefault, true).has_value());
  auto r = LoadSpec(dir_);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r, MustParse(kRuncDefault));

  ASSERT_TRUE(fs::WriteFile(dir_ + "/config.json", R"({"process": {"cwd": 1}})").has_value());
  auto bad = LoadSpec(dir_ + "/");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().ToString(), dir_ + "/config.json: process.cwd: expected a string, got number");
}

// ---------------------------------------------------------------------------
// Round trip and serialisation

// A spec with every field set to a non-default value.
Spec FullSpec() {
  Spec s;
  s.oci_version = "1.1.0";
  s.root = {"/rootfs", true};
  s.mounts = {Mount{"/data", "bind", "/srv/data", {"rbind", "ro"}, {{0, 1000, 1}}, {{0, 1000, 1}}},
              Mount{"/tmp", "tmpfs", "tmpfs", {}, {}, {}}};
  Process& p = s.process.emplace();
  p.terminal = true;
  p.console_size = ConsoleSize{24, 80};
  p.user = User{1000, 1000, 022, {10, 20}, "bob"};
  p.args = {"/bin/app", "--flag"};
  p.command_line = "app.exe --flag";
  p.env = {"A=1", "B="};
  p.cwd = "/work";
  p.capabilities = Capabilities{{"CAP_KILL"}, {"CAP_CHOWN"}, {"CAP_BPF"}, {"CAP_PERFMON"}, {"CAP_CHECKPOINT_RESTORE"}};
  p.rlimits = {{"RLIMIT_NOFILE", 4096, 1024}, {"RLIMIT_CORE", 0, 0}};
  p.no_new_privileges = true;
  p.apparmor_profile = "docker-default";
  p.oom_score_adj = 0;
  p.scheduler = Scheduler{"SCHED_FIFO", 0, 10, {"SCHED_FLAG_RESET_ON_FORK"}, 1, 2, 3};
  p.selinux_label = "system_u:system_r:container_t:s0";
  p.io_priority = IoPriority{"IOPRIO_CLASS_RT", 0};
  p.exec_cpu_affinity = ExecCpuAffinity{"0", "1-2"};
  s.hostname = "host";
  s.domainname = "example.org";
  Hook h{"/bin/hook", {"hook", "arg"}, {"X=1"}, 10};
  s.hooks = Hooks{{h}, {h}, {h}, {h}, {h}, {Hook{"/bin/stop", {}, {}, std::nullopt}}};
  s.annotations = {{"a", "1"}, {"enclave.type", "sim"}};
  Linux& l = s.linux.emplace();
  l.namespaces = {{NamespaceType::kPid, ""},  {NamespaceType::kNetwork, "/run/netns/x"},
                  {NamespaceType::kMount, ""}, {NamespaceType::kIpc, ""},
                  {NamespaceType::kUts, ""},   {NamespaceType::kUser, ""},
                  {NamespaceType::kCgroup, ""}, {NamespaceType::kTime, ""}};
  l.uid_mappings = {{0, 100000, 65536}};
  l.gid_mappings = {{0, 100000, 65536}, {65536, 5, 1}};
  l.time_offsets = {{"monotonic", {-5, 0}}, {"boottime", {0, 7}}};
  l.sysctl = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "100"}};
  LinuxResources r;
  r.devices = {LinuxDeviceCgroup{.allow = false, .access = "rwm"}};
  r.pids = LinuxPids{.limit = 64};
  l.resources = r;
  l.cgroups_path = "/rune/c1";
  l.devices = {Device{"/dev/null", "c", 1, 3, 0666, 0, 0}, Device{"/dev/fifo", "p", 0, 0, std::nullopt, 5, std::nullopt}};
  l.rootfs_propagation = "rprivate";
  l.masked_paths = {"/proc/kcore"};
  l.readonly_paths = {"/proc/sys"};
  l.mount_label = "system_u:object_r:container_file_t:s0";
  l.seccomp = Seccomp{"SCMP_ACT_ERRNO",
                      1,
                      {"SCMP_ARCH_X86_64"},
                      {"SECCOMP_FILTER_FLAG_LOG"},
                      "/run/seccomp.sock",
                      "meta",
                      {SeccompSyscall{{"read", "write"}, "SCMP_ACT_ALLOW", std::nullopt, {}},
                       SeccompSyscall{{"mount"}, "SCMP_ACT_NOTIFY", std::nullopt, {}},
                       SeccompSyscall{{"clone"}, "SCMP_ACT_ERRNO", 38, {SeccompArg{0, 0x7e020000, 1, "SCMP_CMP_MASKED_EQ"}}}}};
  l.personality = Personality{"LINUX32", {"FLAG"}};
  l.intel_rdt = IntelRdt{"clos", "L3:0=1", "L3:0=ff", "MB:0=50", true, true};
  l.net_devices = {{"eth1", {"ceth0"}}, {"eth2", {}}};
  return s;
}

TEST(RoundTripTest, FullSpecSurvivesToJsonAndBack) {
  Spec s = FullSpec();
  ASSERT_TRUE(Validate(s).has_value()) << Validate(s).error().ToString();
  std::string text = ToJson(s).dump(2);
  Spec back = MustParse(text);
  EXPECT_EQ(back, s) << text;
  EXPECT_EQ(ToJson(back), ToJson(s));
}

TEST(RoundTripTest, FixturesSurvive) {
  for (const char* fixture : {kRuncDefault, kPodman, kContainerd}) {
    Spec s = MustParse(fixture);
    EXPECT_EQ(MustParse(ToJson(s).dump()), s);
  }
  // runc's output has no nulls and nothing omittable, so it comes back verbatim.
  EXPECT_EQ(ToJson(MustParse(kRuncDefault)), Json::parse(kRuncDefault));
}

TEST(RoundTripTest, OmitsAbsentAndEmptyButKeepsExplicitZero) {
  Spec s;
  s.oci_version = "1.1.0";
  s.process.emplace();
  Json j = ToJson(s);
  EXPECT_EQ(j, Json::parse(R"({"ociVersion": "1.1.0", "process": {"user": {"uid": 0, "gid": 0}, "cwd": ""}})"));

  s.process->oom_score_adj = 0;
  s.process->user.umask = 0;
  s.hooks.poststop.push_back(Hook{"/x", {}, {}, std::nullopt});
  s.linux.emplace();
  s.linux->namespaces.push_back({NamespaceType::kUser, ""});
  s.linux->devices.push_back(Device{"/dev/x", "c", 0, 0, 0, std::nullopt, std::nullopt});
  j = ToJson(s);
  EXPECT_EQ(j["process"]["oomScoreAdj"], 0);
  EXPECT_EQ(j["process"]["user"]["umask"], 0);
  EXPECT_EQ(j["hooks"], Json::parse(R"({"poststop": [{"path": "/x"}]})"));
  EXPECT_EQ(j["linux"], Json::parse(R"({"namespaces": [{"type": "user"}],
      "devices": [{"path": "/dev/x", "type": "c", "major": 0, "minor": 0, "fileMode": 0}]})"));
  EXPECT_EQ(MustParse(j.dump()), s);
}

TEST(RoundTripTest, ProcessToJson) {
  Process p;
  p.args = {"sh"};
  p.cwd = "/";
  p.io_priority = IoPriority{"IOPRIO_CLASS_IDLE", 7};
  EXPECT_EQ(ToJson(p), Json::parse(R"({"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/",
                                       "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 7}})"));
  EXPECT_EQ(*ParseProcess(ToJson(p).dump()), p);
}

// ---------------------------------------------------------------------------
// Validation: every check, and that its message names the field

struct ValidationCase {
  const char* name;
  std::function<void(Spec&)> mutate;
  const char* message;  // expected error text; nullptr = valid
};

Spec ValidBase() {
  Spec s = MustParse(kRuncDefault);
  s.hooks.poststop.push_back(Hook{"/bin/true", {}, {}, std::nullopt});
  s.hooks.create_runtime.push_back(Hook{"/bin/true", {}, {}, 3});
  return s;
}

Namespace Ns(NamespaceType t, std::string path = "") { return Namespace{t, std::move(path)}; }

const ValidationCase kValidationCases[] = {
    {"Base", [](Spec&) {}, nullptr},
    {"OciVersionMissing", [](Spec& s) { s.oci_version.clear(); }, "ociVersion: required field is missing"},
    {"OciVersionMajor2", [](Spec& s) { s.oci_version = "2.0.0"; },
     "ociVersion: unsupported version \"2.0.0\", want 1.x"},
    {"OciVersionGarbage", [](Spec& s) { s.oci_version = "latest"; },
     "ociVersion: unsupported version \"latest\", want 1.x"},
    {"OciVersion100", [](Spec& s) { s.oci_version = "1.0.0"; }, nullptr},
    {"OciVersion12", [](Spec& s) { s.oci_version = "1.2.0"; }, nullptr},
    {"RootPathEmpty", [](Spec& s) { s.root.path.clear(); }, "root.path: required field is missing"},
    {"ProcessMissing", [](Spec& s) { s.process.reset(); }, "process: required field is missing"},
    {"ArgsEmpty", [](Spec& s) { s.process->args.clear(); }, "process.args: must not be empty"},
    {"CwdRelative", [](Spec& s) { s.process->cwd = "tmp"; },
     "process.cwd: must be an absolute path, got \"tmp\""},
    {"CwdEmpty", [](Spec& s) { s.process->cwd.clear(); }, "process.cwd: must be an absolute path, got \"\""},
    {"RlimitUnknown", [](Spec& s) { s.process->rlimits[0].type = "RLIMIT_FOO"; },
     "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {"RlimitLowercase", [](Spec& s) { s.process->rlimits[0].type = "nofile"; },
     "process.rlimits[0].type: unknown rlimit \"nofile\""},
    {"RlimitDuplicate", [](Spec& s) { s.process->rlimits.push_back({"RLIMIT_NOFILE", 1, 1}); },
     "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    {"RlimitSoftAboveHard", [](Spec& s) { s.process->rlimits[0].soft = 2048; },
     "process.rlimits[0]: soft limit 2048 exceeds hard limit 1024"},
    {"RlimitAllKnown",
     [](Spec& s) {
       s.process->rlimits.clear();
       for (const char* n : {"RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
                             "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC",
                             "RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK"})
         s.process->rlimits.push_back({n, 1, 1});
     },
     nullptr},
    {"CapabilityUnknown", [](Spec& s) { s.process->capabilities->effective[1] = "CAP_FOO"; },
     "process.capabilities.effective[1]: unknown capability \"CAP_FOO\""},
    {"CapabilityWithoutPrefix", [](Spec& s) { s.process->capabilities->ambient = {"KILL"}; },
     "process.capabilities.ambient[0]: unknown capability \"KILL\""},
    {"CapabilityInheritable", [](Spec& s) { s.process->capabilities->inheritable = {"CAP_SYS_ADMIN", "CAP_BOGUS"}; },
     "process.capabilities.inheritable[1]: unknown capability \"CAP_BOGUS\""},
    {"CapabilityBounding", [](Spec& s) { s.process->capabilities->bounding = {"cap_kill"}; },
     "process.capabilities.bounding[0]: unknown capability \"cap_kill\""},
    {"CapabilityPermitted", [](Spec& s) { s.process->capabilities->permitted = {"CAP_41"}; },
     "process.capabilities.permitted[0]: unknown capability \"CAP_41\""},
    {"CapabilityNewest", [](Spec& s) { s.process->capabilities->bounding = {"CAP_CHECKPOINT_RESTORE"}; }, nullptr},
    {"OomScoreAdjTooHigh", [](Spec& s) { s.process->oom_score_adj = 1001; },
     "process.oomScoreAdj: must be in [-1000, 1000], got 1001"},
    {"OomScoreAdjMin", [](Spec& s) { s.process->oom_score_adj = -1000; }, nullptr},
    {"IoPriorityClass", [](Spec& s) { s.process->io_priority = IoPriority{"IOPRIO_CLASS_NONE", 0}; },
     "process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\""},
    {"IoPriorityLevel", [](Spec& s) { s.process->io_priority = IoPriority{"IOPRIO_CLASS_BE", 8}; },
     "process.ioPriority.priority: must be in [0, 7], got 8"},
    {"SchedulerPolicy", [](Spec& s) { s.process->scheduler = Scheduler{.policy = "SCHED_FAST"}; },
     "process.scheduler.policy: unknown policy \"SCHED_FAST\""},
    {"SchedulerNice", [](Spec& s) { s.process->scheduler = Scheduler{.policy = "SCHED_OTHER", .nice = 20}; },
     "process.scheduler.nice: must be in [-20, 19], got 20"},
    {"SchedulerFlag",
     [](Spec& s) { s.process->scheduler = Scheduler{.policy = "SCHED_BATCH", .flags = {"SCHED_FLAG_X"}}; },
     "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_X\""},
    {"ExecCpuAffinityInitial", [](Spec& s) { s.process->exec_cpu_affinity = ExecCpuAffinity{"0-", ""}; },
     "process.execCPUAffinity.initial: invalid cpu list \"0-\""},
    {"ExecCpuAffinityFinal", [](Spec& s) { s.process->exec_cpu_affinity = ExecCpuAffinity{"", "a"}; },
     "process.execCPUAffinity.final: invalid cpu list \"a\""},
    {"MountDestinationEmpty", [](Spec& s) { s.mounts[2].destination.clear(); },
     "mounts[2].destination: required field is missing"},
    {"MountDestinationRelativeAccepted", [](Spec& s) { s.mounts[2].destination = "dev/pts"; }, nullptr},
    {"MountIdMappingHalf", [](Spec& s) { s.mounts[0].uid_mappings = {{0, 1, 1}}; },
     "mounts[0]: uidMappings and gidMappings must be given together"},
    {"HookPathRelative", [](Spec& s) { s.hooks.poststop[0].path = "true"; },
     "hooks.poststop[0].path: must be an absolute path, got \"true\""},
    {"HookTimeoutZero", [](Spec& s) { s.hooks.create_runtime[0].timeout = 0; },
     "hooks.createRuntime[0].timeout: must be positive, got 0"},
    {"HookPrestart", [](Spec& s) { s.hooks.prestart = {Hook{}}; },
     "hooks.prestart[0].path: must be an absolute path, got \"\""},
    {"HookCreateContainer", [](Spec& s) { s.hooks.create_container = {Hook{"x", {}, {}, {}}}; },
     "hooks.createContainer[0].path: must be an absolute path, got \"x\""},
    {"HookStartContainer", [](Spec& s) { s.hooks.start_container = {Hook{"/x", {}, {}, -1}}; },
     "hooks.startContainer[0].timeout: must be positive, got -1"},
    {"HookPoststart", [](Spec& s) { s.hooks.poststart = {Hook{"rel", {}, {}, {}}}; },
     "hooks.poststart[0].path: must be an absolute path, got \"rel\""},
    {"NamespaceDuplicate", [](Spec& s) { s.linux->namespaces.push_back(Ns(NamespaceType::kPid, "/proc/1/ns/pid")); },
     "linux.namespaces[5].type: duplicate namespace \"pid\""},
    {"AllNamespaces",
     [](Spec& s) {
       s.linux->namespaces.clear();
       for (NamespaceType t : kAllNamespaceTypes) s.linux->namespaces.push_back(Ns(t));
       s.linux->uid_mappings = {{0, 1000, 1}};
       s.linux->gid_mappings = {{0, 1000, 1}};
     },
     nullptr},
    {"UserNsWithoutUidMappings",
     [](Spec& s) {
       s.linux->namespaces.push_back(Ns(NamespaceType::kUser));
       s.linux->gid_mappings = {{0, 1000, 1}};
     },
     "linux.uidMappings: required when a new user namespace is created"},
    {"UserNsWithoutGidMappings",
     [](Spec& s) {
       s.linux->namespaces.push_back(Ns(NamespaceType::kUser));
       s.linux->uid_mappings = {{0, 1000, 1}};
     },
     "linux.gidMappings: required when a new user namespace is created"},
    {"UserNsJoinedNeedsNoMappings",
     [](Spec& s) { s.linux->namespaces.push_back(Ns(NamespaceType::kUser, "/proc/42/ns/user")); }, nullptr},
    {"UidMappingsWithoutUserNs", [](Spec& s) { s.linux->uid_mappings = {{0, 1000, 1}}; },
     "linux.uidMappings: given but no user namespace is configured"},
    {"GidMappingsWithoutUserNs", [](Spec& s) { s.linux->gid_mappings = {{0, 1000, 1}}; },
     "linux.gidMappings: given but no user namespace is configured"},
    {"TimeOffsetsWithoutTimeNs", [](Spec& s) { s.linux->time_offsets["monotonic"] = {1, 0}; },
     "linux.timeOffsets: requires a new time namespace"},
    {"TimeOffsetsWithJoinedTimeNs",
     [](Spec& s) {
       s.linux->namespaces.push_back(Ns(NamespaceType::kTime, "/proc/9/ns/time"));
       s.linux->time_offsets["boottime"] = {1, 0};
     },
     "linux.timeOffsets: requires a new time namespace"},
    {"TimeOffsetsUnknownClock",
     [](Spec& s) {
       s.linux->namespaces.push_back(Ns(NamespaceType::kTime));
       s.linux->time_offsets["realtime"] = {1, 0};
     },
     "linux.timeOffsets.realtime: unknown clock, want \"monotonic\" or \"boottime\""},
    {"TimeOffsetsNanosecs",
     [](Spec& s) {
       s.linux->namespaces.push_back(Ns(NamespaceType::kTime));
       s.linux->time_offsets["boottime"] = {0, 1000000000};
     },
     "linux.timeOffsets.boottime.nanosecs: must be below 1000000000"},
    {"TimeOffsetsOk",
     [](Spec& s) {
       s.linux->namespaces.push_back(Ns(NamespaceType::kTime));
       s.linux->time_offsets["boottime"] = {-100, 999999999};
     },
     nullptr},
    {"HostnameWithoutUts",
     [](Spec& s) {
       std::erase_if(s.linux->namespaces, [](const Namespace& n) { return n.type == NamespaceType::kUts; });
     },
     "hostname: requires a UTS namespace"},
    {"DomainnameWithoutUts",
     [](Spec& s) {
       s.hostname.clear();
       s.domainname = "example.org";
       std::erase_if(s.linux->namespaces, [](const Namespace& n) { return n.type == NamespaceType::kUts; });
     },
     "domainname: requires a UTS namespace"},
    {"HostnameWithoutLinuxSection", [](Spec& s) { s.linux.reset(); }, "hostname: requires a UTS namespace"},
    {"NoLinuxSection",
     [](Spec& s) {
       s.linux.reset();
       s.hostname.clear();
     },
     nullptr},
    {"SysctlEmptyName", [](Spec& s) { s.linux->sysctl[""] = "1"; }, "linux.sysctl: empty sysctl name"},
    {"SysctlNotNamespaced", [](Spec& s) { s.linux->sysctl["vm.swappiness"] = "10"; },
     "linux.sysctl.vm.swappiness: sysctl is not in a separate kernel namespace"},
    {"SysctlNetWithoutNetNs",
     [](Spec& s) {
       std::erase_if(s.linux->namespaces, [](const Namespace& n) { return n.type == NamespaceType::kNetwork; });
       s.linux->sysctl["net.ipv4.ip_forward"] = "1";
     },
     "linux.sysctl.net.ipv4.ip_forward: sysctl requires a private network namespace"},
    {"SysctlIpcWithoutIpcNs",
     [](Spec& s) {
       std::erase_if(s.linux->namespaces, [](const Namespace& n) { return n.type == NamespaceType::kIpc; });
       s.linux->sysctl["fs.mqueue.msg_max"] = "10";
     },
     "linux.sysctl.fs.mqueue.msg_max: sysctl requires a private ipc namespace"},
    {"SysctlNamespacedOk",
     [](Spec& s) {
       s.linux->sysctl = {{"net.ipv4.ip_forward", "1"},
                          {"net/ipv4/ping_group_range", "0 0"},
                          {"kernel.shmmax", "1"},
                          {"kernel.msgmax", "1"},
                          {"fs.mqueue.queues_max", "1"},
                          {"kernel.domainname", "x"}};
     },
     nullptr},
    {"DeviceType", [](Spec& s) { s.linux->devices = {Device{"/dev/x", "x", 1, 1, {}, {}, {}}}; },
     "linux.devices[0].type: unknown device type \"x\", want c, b, u or p"},
    {"DevicePathRelative", [](Spec& s) { s.linux->devices = {Device{"dev/x", "c", 1, 1, {}, {}, {}}}; },
     "linux.devices[0].path: must be an absolute path, got \"dev/x\""},
    {"DeviceTypesOk",
     [](Spec& s) {
       s.linux->devices = {Device{"/dev/a", "c", 1, 3, {}, {}, {}}, Device{"/dev/b", "b", 8, 0, {}, {}, {}},
                           Device{"/dev/c", "u", 1, 5, {}, {}, {}}, Device{"/dev/d", "p", 0, 0, {}, {}, {}}};
     },
     nullptr},
    {"RootfsPropagation", [](Spec& s) { s.linux->rootfs_propagation = "recursive"; },
     "linux.rootfsPropagation: unknown propagation \"recursive\""},
    {"RootfsPropagationAll",
     [](Spec& s) {
       for (const char* p : {"", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
                             "runbindable"}) {
         s.linux->rootfs_propagation = p;
         ASSERT_TRUE(Validate(s).has_value()) << p;
       }
     },
     nullptr},
    {"SeccompDefaultAction", [](Spec& s) { s.linux->seccomp = Seccomp{.default_action = "SCMP_ACT_DENY"}; },
     "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_DENY\""},
    {"SeccompSyscallAction",
     [](Spec& s) {
       s.linux->seccomp = Seccomp{.default_action = "SCMP_ACT_ALLOW",
                                  .syscalls = {SeccompSyscall{{"read"}, "SCMP_ACT_ALLOW", {}, {}},
                                               SeccompSyscall{{"write"}, "KILL", {}, {}}}};
     },
     "linux.seccomp.syscalls[1].action: unknown action \"KILL\""},
    {"SeccompSyscallNames",
     [](Spec& s) {
       s.linux->seccomp = Seccomp{.default_action = "SCMP_ACT_ALLOW",
                                  .syscalls = {SeccompSyscall{{}, "SCMP_ACT_KILL", {}, {}}}};
     },
     "linux.seccomp.syscalls[0].names: must not be empty"},
    {"SeccompOperator",
     [](Spec& s) {
       s.linux->seccomp = Seccomp{
           .default_action = "SCMP_ACT_ALLOW",
           .syscalls = {SeccompSyscall{{"read"}, "SCMP_ACT_ERRNO", 1, {{0, 1, 0, "SCMP_CMP_EQ"}, {1, 1, 0, "=="}}}}};
     },
     "linux.seccomp.syscalls[0].args[1].op: unknown operator \"==\""},
    {"SeccompNotifyWithoutListener",
     [](Spec& s) {
       s.linux->seccomp = Seccomp{.default_action = "SCMP_ACT_ALLOW",
                                  .syscalls = {SeccompSyscall{{"mount"}, "SCMP_ACT_NOTIFY", {}, {}}}};
     },
     "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"},
    {"PersonalityDomain", [](Spec& s) { s.linux->personality = Personality{"LINUX64", {}}; },
     "linux.personality.domain: unknown domain \"LINUX64\", want LINUX or LINUX32"},
};

class ValidateTest : public ::testing::TestWithParam<ValidationCase> {};

TEST_P(ValidateTest, Check) {
  const ValidationCase& c = GetParam();
  Spec s = ValidBase();
  c.mutate(s);
  Result<> r = Validate(s);
  if (c.message == nullptr) {
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
  } else {
    ASSERT_FALSE(r.has_value()) << "expected: " << c.message;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().ToString(), c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(AllChecks, ValidateTest, ::testing::ValuesIn(kValidationCases),
                         [](const ::testing::TestParamInfo<ValidationCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// Name tables

TEST(NamespaceTypeTest, NamesFlagsAndProcEntries) {
  struct Row {
    NamespaceType type;
    const char* name;
    int flag;
    const char* proc;
  };
  const Row rows[] = {
      {NamespaceType::kPid, "pid", CLONE_NEWPID, "pid"},
      {NamespaceType::kNetwork, "network", CLONE_NEWNET, "net"},
      {NamespaceType::kMount, "mount", CLONE_NEWNS, "mnt"},
      {NamespaceType::kIpc, "ipc", CLONE_NEWIPC, "ipc"},
      {NamespaceType::kUts, "uts", CLONE_NEWUTS, "uts"},
      {NamespaceType::kUser, "user", CLONE_NEWUSER, "user"},
      {NamespaceType::kCgroup, "cgroup", CLONE_NEWCGROUP, "cgroup"},
      {NamespaceType::kTime, "time", 0x80, "time"},
  };
  ASSERT_EQ(std::size(rows), kAllNamespaceTypes.size());
  for (const Row& r : rows) {
    EXPECT_STREQ(NamespaceTypeName(r.type), r.name);
    EXPECT_EQ(NamespaceTypeFromName(r.name), r.type);
    EXPECT_EQ(NamespaceCloneFlag(r.type), r.flag) << r.name;
    EXPECT_STREQ(NamespaceProcName(r.type), r.proc);
  }
  EXPECT_FALSE(NamespaceTypeFromName("net"));
  EXPECT_FALSE(NamespaceTypeFromName("PID"));
  EXPECT_FALSE(NamespaceTypeFromName(""));
}

TEST(NameTableTest, Capabilities) {
  EXPECT_EQ(CapabilityFromName("CAP_CHOWN"), 0);
  EXPECT_EQ(CapabilityFromName("CAP_KILL"), 5);
  EXPECT_EQ(CapabilityFromName("CAP_SETFCAP"), 31);
  EXPECT_EQ(CapabilityFromName("CAP_AUDIT_READ"), 37);
  EXPECT_EQ(CapabilityFromName("CAP_CHECKPOINT_RESTORE"), 40);
  EXPECT_FALSE(CapabilityFromName("CAP_NONE"));
  EXPECT_FALSE(CapabilityFromName("kill"));
  for (int i = 0; i <= kLastCapability; ++i) EXPECT_EQ(CapabilityFromName(CapabilityName(i)), i);
  EXPECT_EQ(CapabilityName(-1), nullptr);
  EXPECT_EQ(CapabilityName(kLastCapability + 1), nullptr);
}

TEST(NameTableTest, Rlimits) {
  EXPECT_EQ(RlimitFromName("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(RlimitFromName("RLIMIT_RTTIME"), RLIMIT_RTTIME);
  EXPECT_EQ(RlimitFromName("RLIMIT_AS"), RLIMIT_AS);
  EXPECT_FALSE(RlimitFromName("RLIMIT_NLIMITS"));
  EXPECT_FALSE(RlimitFromName("NOFILE"));
}

}  // namespace
}  // namespace inclavare::oci
