#include "runtime/linux/process_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/fs.h"
#include "runtime/linux/passwd.h"
#include "runtime/linux/path.h"

namespace inclavare::runtime {
namespace {

constexpr const char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Result<uint64_t> CapMask(const std::vector<std::string>& names, const char* set) {
  uint64_t mask = 0;
  for (const auto& n : names) {
    auto cap = oci::CapabilityFromName(n);
    if (!cap) return InvalidArgument(std::string("process.capabilities.") + set + ": unknown capability " + n);
    mask |= uint64_t{1} << *cap;
  }
  return mask;
}

int LastCapSupported() {
  static int last = [] {
    auto s = fs::ReadFile("/proc/sys/kernel/cap_last_cap");
    return s ? std::atoi(s->c_str()) : oci::kLastCapability;
  }();
  return last;
}

}  // namespace

Result<> ApplyRlimits(const std::vector<oci::Rlimit>& rlimits) {
  for (const auto& r : rlimits) {
    auto res = oci::RlimitFromName(r.type);
    if (!res) return InvalidArgument("process.rlimits: unknown type " + r.type);
    struct rlimit lim = {r.soft, r.hard};
    if (::setrlimit(*res, &lim) != 0) return ErrnoError("setrlimit " + r.type);
  }
  return {};
}

Result<> ApplyOomScoreAdj(const oci::Process& process) {
  if (!process.oom_score_adj) return {};
  return WriteProcfsFile("/proc/self/oom_score_adj", std::to_string(*process.oom_score_adj))
      .Wrap("set oom_score_adj");
}

Result<> JoinSessionKeyring(const std::string& container_id) {
  std::string name = "_ses." + container_id;
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.c_str()) < 0) {
    // Keyrings may be unavailable (disabled, or denied by a seccomp policy
    // of the host runtime); runc ignores ENOSYS the same way.
    if (errno == ENOSYS) return {};
    return ErrnoError("join session keyring");
  }
  return {};
}

Result<> SetHostAndDomainName(const oci::Spec& spec) {
  if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) != 0)
    return ErrnoError("sethostname " + spec.hostname);
  if (!spec.domainname.empty() && ::setdomainname(spec.domainname.data(), spec.domainname.size()) != 0)
    return ErrnoError("setdomainname " + spec.domainname);
  return {};
}

Result<> ApplySysctl(const std::map<std::string, std::string>& sysctl) {
  for (const auto& [key, value] : sysctl) {
    std::string path = "/proc/sys/" + key;
    for (size_t i = strlen("/proc/sys/"); i < path.size(); ++i)
      if (path[i] == '.') path[i] = '/';
    if (path.find("/..") != std::string::npos) return InvalidArgument("linux.sysctl: invalid key " + key);
    IC_TRY(WriteProcfsFile(path, value).Wrap("sysctl " + key));
  }
  return {};
}

Result<> ApplyIdentityAndCapabilities(const oci::Process& process, bool set_groups) {
  const oci::User& u = process.user;
  // As runc: no process.capabilities means no capabilities at all.
  static const oci::Capabilities kNone;
  const oci::Capabilities* caps = process.capabilities ? &*process.capabilities : &kNone;
  uint64_t bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
  if (caps) {
    IC_ASSIGN_OR_RETURN(bounding, CapMask(caps->bounding, "bounding"));
    IC_ASSIGN_OR_RETURN(effective, CapMask(caps->effective, "effective"));
    IC_ASSIGN_OR_RETURN(inheritable, CapMask(caps->inheritable, "inheritable"));
    IC_ASSIGN_OR_RETURN(permitted, CapMask(caps->permitted, "permitted"));
    IC_ASSIGN_OR_RETURN(ambient, CapMask(caps->ambient, "ambient"));
    // Bounding set first, while CAP_SETPCAP is still held.
    int last = LastCapSupported();
    for (int c = 0; c <= last; ++c) {
      if (bounding & (uint64_t{1} << c)) continue;
      if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
        return ErrnoError("drop capability " + std::string(oci::CapabilityName(c) ? oci::CapabilityName(c) : "?") +
                          " from the bounding set");
    }
  }
  // Keep permitted capabilities across the uid change; they are set
  // explicitly right after.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return ErrnoError("prctl PR_SET_KEEPCAPS");
  if (set_groups) {
    std::vector<gid_t> groups(u.additional_gids.begin(), u.additional_gids.end());
    if (::setgroups(groups.size(), groups.data()) != 0) return ErrnoError("setgroups");
  }
  if (::setresgid(u.gid, u.gid, u.gid) != 0) return ErrnoError("setgid " + std::to_string(u.gid));
  if (::setresuid(u.uid, u.uid, u.uid) != 0) return ErrnoError("setuid " + std::to_string(u.uid));
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return ErrnoError("prctl PR_SET_KEEPCAPS");
  if (caps) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {};
    for (int i = 0; i < 2; ++i) {
      data[i].effective = static_cast<uint32_t>(effective >> (32 * i));
      data[i].permitted = static_cast<uint32_t>(permitted >> (32 * i));
      data[i].inheritable = static_cast<uint32_t>(inheritable >> (32 * i));
    }
    if (syscall(SYS_capset, &hdr, data) != 0) return ErrnoError("capset");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
      return ErrnoError("clear ambient capabilities");
    // The kernel raises an ambient capability only if it is both permitted
    // and inheritable. runc's default spec lists ambient capabilities
    // without inheritable ones and runc silently ends up with none; do the
    // same instead of failing such configs.
    ambient &= permitted & inheritable;
    for (int c = 0; c <= oci::kLastCapability; ++c) {
      if (!(ambient & (uint64_t{1} << c))) continue;
      if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
        return ErrnoError(std::string("raise ambient capability ") + oci::CapabilityName(c));
    }
  }
  if (process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return ErrnoError("prctl PR_SET_NO_NEW_PRIVS");
  return {};
}

Result<std::string> LookPath(const std::string& file, const std::vector<std::string>& env) {
  auto executable = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
  };
  if (file.find('/') != std::string::npos) {
    if (executable(file)) return file;
    struct stat st;
    if (::stat(file.c_str(), &st) != 0) return ErrnoError("exec: \"" + file + "\"");
    return Error(ErrorCode::kPermissionDenied, "exec: \"" + file + "\": not an executable file", EACCES);
  }
  std::string path = kDefaultPath;
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = path.substr(i, j - i);
    if (dir.empty()) dir = ".";
    std::string cand = dir + "/" + file;
    if (executable(cand)) return cand;
    i = j + 1;
  }
  return NotFound("exec: \"" + file + "\": executable file not found in $PATH");
}

std::vector<std::string> ProcessEnv(const oci::Process& process) {
  std::vector<std::string> env = process.env;
  bool has_path = false, has_home = false;
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) has_path = true;
    if (e.rfind("HOME=", 0) == 0) has_home = true;
  }
  if (!has_path) env.push_back(std::string("PATH=") + kDefaultPath);
  if (!has_home) {
    // As runc: the home directory of the uid from the container's
    // /etc/passwd, "/" when there is none.
    auto pw = FindPasswdEntry("/etc/passwd", process.user.uid);
    env.push_back("HOME=" + (pw && !pw->home.empty() ? pw->home : std::string("/")));
  }
  return env;
}

}  // namespace inclavare::runtime
