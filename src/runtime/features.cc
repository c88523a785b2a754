#include "runtime/features.h"

#include "oci/spec.h"
#include "runtime/linux/seccomp.h"

namespace inclavare::runtime {
namespace {

nlohmann::json SeccompJson() {
  SeccompFeatures f = GetSeccompFeatures();
  return {{"enabled", true},
          {"actions", f.actions},
          {"operators", f.operators},
          {"archs", f.archs},
          {"knownFlags", f.known_flags},
          {"supportedFlags", f.supported_flags}};
}

}  // namespace

nlohmann::json FeaturesJson() {
  nlohmann::json caps = nlohmann::json::array();
  for (int c = 0; c <= oci::kLastCapability; ++c) caps.push_back(oci::CapabilityName(c));
  nlohmann::json namespaces = nlohmann::json::array();
  for (auto t : oci::kAllNamespaceTypes) namespaces.push_back(oci::NamespaceTypeName(t));
  return {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", oci::kOciVersion},
      {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions",
       {"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime", "loud",
        "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
        "nostrictatime", "nosuid", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount",
        "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid",
        "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime",
        "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "sync",
        "unbindable"}},
      {"linux",
       {{"namespaces", namespaces},
        {"capabilities", caps},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
        {"seccomp", SeccompJson()},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}},
        {"mountExtensions", {{"idmap", {{"enabled", false}}}}}}},
      {"annotations",
       {{"org.opencontainers.runtime-spec.features.runtime", "rune"},
        {"io.inclavare-containers.rune.version", "0.1.0"}}},
  };
}

}  // namespace inclavare::runtime
