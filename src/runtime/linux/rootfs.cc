#include "runtime/linux/rootfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sstream>
#include <vector>

#include "common/fs.h"
#include "runtime/linux/mount_options.h"
#include "runtime/linux/path.h"

namespace inclavare::runtime {
namespace {

Result<> DoMount(const std::string& source, int target_fd, const std::string& display_dst,
                 const std::string& type, unsigned long flags, const std::string& data) {
  std::string target = FdPath(target_fd);
  if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(), type.empty() ? nullptr : type.c_str(),
              flags, data.empty() ? nullptr : data.c_str()) != 0) {
    std::string what = (flags & MS_REMOUNT) ? "remount " + display_dst
                       : (flags & MS_BIND)  ? "bind mount " + source + " to " + display_dst
                                            : "mount " + (source.empty() ? type : source) + " to " + display_dst;
    return ErrnoError(what);
  }
  return {};
}

Result<> SetPropagation(int target_fd, const std::string& display, const std::vector<unsigned long>& props) {
  for (unsigned long p : props) {
    if (::mount(nullptr, FdPath(target_fd).c_str(), nullptr, p, nullptr) != 0)
      return ErrnoError("set propagation of " + display);
  }
  return {};
}

Result<> SetRecursiveAttrs(int target_fd, const std::string& display, const MountOptions& o) {
  if (!o.recursive_attrs) return {};
  struct mount_attr attr = {};
  attr.attr_set = o.attr_set;
  attr.attr_clr = o.attr_clr;
  // MOUNT_ATTR__ATIME is a field, not a bit: clearing any atime mode needs the
  // whole field cleared first.
  if (o.attr_set & MOUNT_ATTR__ATIME) attr.attr_clr |= MOUNT_ATTR__ATIME;
  if (syscall(SYS_mount_setattr, target_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
    return ErrnoError("set recursive mount attributes of " + display);
  return {};
}


// ---- cgroup mounts ---------------------------------------------------------

struct CgroupMountInfo {
  std::string mount_point;  // host mount point of the hierarchy
  std::string root;         // mountinfo "root" field
  std::string fstype;       // cgroup or cgroup2
  std::string super_opts;
};

std::vector<CgroupMountInfo> ReadCgroupMounts() {
  std::vector<CgroupMountInfo> out;
  auto text = fs::ReadFile("/proc/self/mountinfo");
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    size_t sep = line.find(" - ");
    if (sep == std::string::npos) continue;
    std::istringstream left(line.substr(0, sep)), right(line.substr(sep + 3));
    std::string id, parent, devno, root, mp;
    left >> id >> parent >> devno >> root >> mp;
    std::string fstype, source, super_opts;
    right >> fstype >> source >> super_opts;
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    out.push_back({mp, root, fstype, super_opts});
  }
  return out;
}

bool HasOption(const std::string& opts, const std::string& want) {
  std::istringstream in(opts);
  std::string o;
  while (std::getline(in, o, ','))
    if (o == want) return true;
  return false;
}

// Mounts the cgroup hierarchies the container belongs to under dst.
Result<> MountCgroup(const RootfsContext& ctx, int root_fd, const oci::Mount& m, const MountOptions& o) {
  struct statfs sfs;
  bool unified = ::statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
  unsigned long flags = (o.flags & ~MS_BIND & ~MS_REC) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  IC_ASSIGN_OR_RETURN(UniqueFd dst, MkdirAllInRoot(root_fd, m.destination, NodeKind::kDirectory));
  auto own_cgroups = fs::ReadFile("/proc/self/cgroup");
  if (!own_cgroups) return std::move(own_cgroups.error()).Wrap("mount cgroup to " + m.destination);

  if (unified) {
    if (ctx.new_cgroup_ns) return DoMount("cgroup2", dst.Get(), m.destination, "cgroup2", flags, "");
    // Without a cgroup namespace, show the container's own cgroup only.
    std::string rel;
    std::istringstream in(*own_cgroups);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("0::", 0) == 0) rel = line.substr(3);
    IC_TRY(DoMount("/sys/fs/cgroup" + rel, dst.Get(), m.destination, "", MS_BIND | MS_REC, ""));
    IC_ASSIGN_OR_RETURN(UniqueFd mnt, OpenInRoot(root_fd, m.destination, O_PATH));
    return DoMount("", mnt.Get(), m.destination, "", MS_BIND | MS_REMOUNT | flags, "");
  }

  // cgroup v1: a tmpfs holding one directory per hierarchy, as runc does.
  IC_TRY(DoMount("tmpfs", dst.Get(), m.destination, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"));
  IC_ASSIGN_OR_RETURN(UniqueFd tmpfs_dir, OpenInRoot(root_fd, m.destination, O_DIRECTORY | O_RDONLY));
  std::vector<CgroupMountInfo> mounts = ReadCgroupMounts();
  std::istringstream in(*own_cgroups);
  std::string line;
  while (std::getline(in, line)) {
    // "4:cpu,cpuacct:/user.slice" ; "1:name=systemd:/..." ; "0::/..."
    size_t c1 = line.find(':'), c2 = line.find(':', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) continue;
    std::string controllers = line.substr(c1 + 1, c2 - c1 - 1);
    std::string cg_path = line.substr(c2 + 1);
    if (controllers.empty()) continue;  // the unified hierarchy of hybrid mode
    std::string first = controllers.substr(0, controllers.find(','));
    const CgroupMountInfo* host = nullptr;
    for (const auto& mi : mounts) {
      // Copies under the rootfs (an rbind of /sys, as in `spec --rootless`)
      // are hidden by the tmpfs just mounted: use the host's own mount.
      if (mi.mount_point.rfind(ctx.rootfs + "/", 0) == 0) continue;
      if (mi.fstype == "cgroup" && HasOption(mi.super_opts, first)) host = &mi;
    }
    if (!host) continue;
    std::string dir_name = controllers.rfind("name=", 0) == 0 ? controllers.substr(5) : controllers;
    std::string sub = m.destination + "/" + dir_name;
    IC_ASSIGN_OR_RETURN(UniqueFd sub_fd, MkdirAllInRoot(root_fd, sub, NodeKind::kDirectory));
    if (ctx.new_cgroup_ns) {
      std::string data = controllers.rfind("name=", 0) == 0 ? "none," + controllers : controllers;
      IC_TRY(DoMount("cgroup", sub_fd.Get(), sub, "cgroup", flags, data));
    } else {
      std::string rel = cg_path;
      if (host->root != "/" && rel.rfind(host->root, 0) == 0) rel = rel.substr(host->root.size());
      IC_TRY(DoMount(host->mount_point + rel, sub_fd.Get(), sub, "", MS_BIND | MS_REC, ""));
      IC_ASSIGN_OR_RETURN(UniqueFd mnt, OpenInRoot(root_fd, sub, O_PATH));
      IC_TRY(DoMount("", mnt.Get(), sub, "", MS_BIND | MS_REMOUNT | flags, ""));
    }
    // Co-mounted controllers get symlinks ("cpu" -> "cpu,cpuacct").
    if (controllers.find(',') != std::string::npos && controllers.rfind("name=", 0) != 0) {
      std::istringstream cs(controllers);
      std::string c;
      while (std::getline(cs, c, ',')) {
        if (::symlinkat(controllers.c_str(), tmpfs_dir.Get(), c.c_str()) != 0 && errno != EEXIST)
          return ErrnoError("symlink " + m.destination + "/" + c);
      }
    }
  }
  if (flags & MS_RDONLY) {
    IC_ASSIGN_OR_RETURN(UniqueFd mnt, OpenInRoot(root_fd, m.destination, O_PATH));
    IC_TRY(DoMount("", mnt.Get(), m.destination, "", MS_REMOUNT | flags, "mode=755"));
  }
  return {};
}

// ---- one config mount ------------------------------------------------------

// As runc's checkProcMount (CVE-2019-16884 class): at or below /proc only
// procfs itself, binds of procfs sources, and binds over the files lxcfs
// replaces; anything else would fake the /proc that rune and the kernel's
// users in the container trust.
Result<> CheckProcDestination(const oci::Mount& m, int dst_fd, bool bind, const std::string& source) {
  if (m.type == "proc") return {};
  std::string clean = CleanPath(m.destination);
  struct statfs dfs;
  bool in_procfs = ::fstatfs(dst_fd, &dfs) == 0 && dfs.f_type == PROC_SUPER_MAGIC;
  if (clean != "/proc" && !in_procfs) return {};
  if (bind) {
    struct statfs sfs;
    if (::statfs(source.c_str(), &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC) return {};
    static const char* const kLxcfsFiles[] = {"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
                                              "/proc/stat",    "/proc/swaps",     "/proc/uptime",
                                              "/proc/loadavg", "/proc/slabinfo",  "/proc/net/dev",
                                              "/proc/sys/kernel/ns_last_pid"};
    for (const char* f : kLxcfsFiles) {
      if (clean == f) return {};
    }
  }
  return Error(ErrorCode::kInvalidArgument,
               "mount " + m.destination + ": only procfs may be mounted at or below /proc (got " +
                   (bind ? std::string("a bind of ") + source : "type " + m.type) + ")",
               EPERM);
}

Result<> MountOne(const RootfsContext& ctx, int root_fd, const oci::Mount& m) {
  MountOptions o = ParseMountOptions(m.options);
  if (!m.uid_mappings.empty() || !m.gid_mappings.empty() || o.idmap)
    return Unimplemented("mount " + m.destination + ": id-mapped mounts are not supported yet");
  if (m.type == "cgroup" || m.type == "cgroup2") {
    if (ctx.before_cgroup_mount) IC_TRY(ctx.before_cgroup_mount());
    return MountCgroup(ctx, root_fd, m, o);
  }

  bool bind = o.IsBind() || m.type == "bind";
  if (bind) {
    std::string source = m.source;
    if (!source.empty() && source[0] != '/') source = fs::Join(ctx.bundle, source);
    struct stat st;
    if (::stat(source.c_str(), &st) != 0) return ErrnoError("bind mount " + source + " to " + m.destination);
    NodeKind kind = S_ISDIR(st.st_mode) ? NodeKind::kDirectory : NodeKind::kFile;
    IC_ASSIGN_OR_RETURN(UniqueFd dst, MkdirAllInRoot(root_fd, m.destination, kind));
    IC_TRY(CheckProcDestination(m, dst.Get(), /*bind=*/true, source));
    unsigned long bind_flags = MS_BIND | (o.flags & MS_REC);
    IC_TRY(DoMount(source, dst.Get(), m.destination, "", bind_flags, ""));
    // The bind ignores other flags: apply them with a remount of the new
    // mount (re-opened: dst still names the covered inode).
    IC_ASSIGN_OR_RETURN(UniqueFd mnt, OpenInRoot(root_fd, m.destination, O_PATH));
    unsigned long rflags = o.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    if (rflags) {
      // A remount must keep locked flags (nosuid/nodev/noexec/ro inherited
      // from a mount in a less privileged namespace): carry over the
      // source's flags.
      struct statfs sfs;
      if (::fstatfs(mnt.Get(), &sfs) == 0) {
        if (sfs.f_flags & ST_NOSUID) rflags |= MS_NOSUID;
        if (sfs.f_flags & ST_NODEV) rflags |= MS_NODEV;
        if (sfs.f_flags & ST_NOEXEC) rflags |= MS_NOEXEC;
        if ((sfs.f_flags & ST_RDONLY) && !(o.clear_flags & MS_RDONLY)) rflags |= MS_RDONLY;
      }
      IC_TRY(DoMount("", mnt.Get(), m.destination, "", MS_BIND | MS_REMOUNT | rflags, ""));
    }
    IC_TRY(SetRecursiveAttrs(mnt.Get(), m.destination, o));
    IC_TRY(SetPropagation(mnt.Get(), m.destination, o.propagation));
    return {};
  }

  if (o.tmpcopyup) return Unimplemented("mount " + m.destination + ": tmpcopyup is not supported yet");
  IC_ASSIGN_OR_RETURN(UniqueFd dst, MkdirAllInRoot(root_fd, m.destination, NodeKind::kDirectory));
  IC_TRY(CheckProcDestination(m, dst.Get(), /*bind=*/false, m.source));
  std::string data = o.data;
  if (m.type == "proc") {
    // proc cannot be mounted over a symlink target chosen by the image: the
    // destination was resolved in-root, and here it must be a directory.
    struct stat st;
    if (::fstat(dst.Get(), &st) != 0 || !S_ISDIR(st.st_mode))
      return Error(ErrorCode::kInvalidArgument, "mount proc to " + m.destination + ": not a directory", ENOTDIR);
  }
  IC_TRY(DoMount(m.source, dst.Get(), m.destination, m.type, o.flags & ~MS_REMOUNT, data));
  if (o.recursive_attrs || !o.propagation.empty()) {
    IC_ASSIGN_OR_RETURN(UniqueFd mnt, OpenInRoot(root_fd, m.destination, O_PATH));
    IC_TRY(SetRecursiveAttrs(mnt.Get(), m.destination, o));
    IC_TRY(SetPropagation(mnt.Get(), m.destination, o.propagation));
  }
  return {};
}

// ---- /dev --------------------------------------------------------------------

struct DefaultDevice {
  const char* path;
  unsigned major, minor;
};
constexpr DefaultDevice kDefaultDevices[] = {
    {"/dev/null", 1, 3},    {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8},  {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

Result<> CreateDevice(const RootfsContext& ctx, int root_fd, const oci::Device& d) {
  mode_t type = 0;
  if (d.type == "c" || d.type == "u") type = S_IFCHR;
  else if (d.type == "b") type = S_IFBLK;
  else if (d.type == "p") type = S_IFIFO;
  else return InvalidArgument("device " + d.path + ": unknown type \"" + d.type + "\"");
  std::string clean = CleanPath(d.path);
  std::string parent = clean.substr(0, clean.rfind('/'));
  std::string name = clean.substr(clean.rfind('/') + 1);
  IC_ASSIGN_OR_RETURN(UniqueFd dir, MkdirAllInRoot(root_fd, parent.empty() ? "/" : parent, NodeKind::kDirectory));
  // O_PATH fds cannot be used with mknodat: reopen the directory.
  IC_ASSIGN_OR_RETURN(UniqueFd dirfd, OpenInRoot(root_fd, parent.empty() ? "/" : parent, O_DIRECTORY | O_RDONLY));
  mode_t perm = d.file_mode ? *d.file_mode & 07777 : 0666;
  if (ctx.in_user_ns && type != S_IFIFO) {
    // mknod is not allowed in a user namespace: bind the host's node.
    IC_ASSIGN_OR_RETURN(UniqueFd target, MkdirAllInRoot(root_fd, clean, NodeKind::kFile));
    return DoMount(d.path, target.Get(), clean, "", MS_BIND, "");
  }
  ::unlinkat(dirfd.Get(), name.c_str(), 0);
  dev_t dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
  if (::mknodat(dirfd.Get(), name.c_str(), type | perm, type == S_IFIFO ? 0 : dev) != 0)
    return ErrnoError("mknod " + clean);
  if (::fchmodat(dirfd.Get(), name.c_str(), perm, 0) != 0) return ErrnoError("chmod " + clean);
  uid_t uid = d.uid.value_or(0);
  gid_t gid = d.gid.value_or(0);
  if (::fchownat(dirfd.Get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError("chown " + clean);
  return {};
}

Result<> SetupDev(const RootfsContext& ctx, int root_fd) {
  const oci::Spec& spec = *ctx.spec;
  // A bind mount of the host's /dev means the config manages /dev itself.
  for (const auto& m : spec.mounts) {
    if (CleanPath(m.destination) == "/dev" && (m.type == "bind" || ParseMountOptions(m.options).IsBind()))
      return {};
  }
  std::vector<oci::Device> devices;
  for (const auto& d : kDefaultDevices)
    devices.push_back({.path = d.path, .type = "c", .major = d.major, .minor = d.minor, .file_mode = 0666,
                       .uid = 0, .gid = 0});
  if (spec.linux)
    for (const auto& d : spec.linux->devices) devices.push_back(d);
  mode_t old = ::umask(0);
  for (const auto& d : devices) {
    if (auto r = CreateDevice(ctx, root_fd, d); !r) {
      ::umask(old);
      return r;
    }
  }
  ::umask(old);
  IC_ASSIGN_OR_RETURN(UniqueFd dev, MkdirAllInRoot(root_fd, "/dev", NodeKind::kDirectory));
  std::string devp = FdPath(dev.Get());
  struct Link {
    const char* target;
    const char* name;
  };
  const Link links[] = {{"/proc/self/fd", "fd"},   {"/proc/self/fd/0", "stdin"},
                        {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
  for (const auto& l : links) {
    if (::symlink(l.target, (devp + "/" + l.name).c_str()) != 0 && errno != EEXIST)
      return ErrnoError(std::string("symlink /dev/") + l.name);
  }
  if (fs::Exists("/proc/kcore")) {
    if (::symlink("/proc/kcore", (devp + "/core").c_str()) != 0 && errno != EEXIST)
      return ErrnoError("symlink /dev/core");
  }
  // /dev/ptmx -> pts/ptmx, so the container's devpts instance serves it.
  ::unlink((devp + "/ptmx").c_str());
  if (::symlink("pts/ptmx", (devp + "/ptmx").c_str()) != 0) return ErrnoError("symlink /dev/ptmx");
  return {};
}

// ---- masked / readonly paths -----------------------------------------------

Result<> MaskPath(const std::string& path) {
  auto fd = OpenInRoot(AT_FDCWD, path, O_PATH | O_NOFOLLOW);
  if (!fd) {
    if (fd.error().sys_errno() == ENOENT) return {};
    return std::move(fd.error()).Wrap("mask " + path);
  }
  struct stat st;
  if (::fstat(fd->Get(), &st) != 0) return ErrnoError("stat " + path);
  std::string target = FdPath(fd->Get());
  if (S_ISDIR(st.st_mode)) {
    if (::mount("tmpfs", target.c_str(), "tmpfs", MS_RDONLY, nullptr) != 0) return ErrnoError("mask " + path);
  } else if (::mount("/dev/null", target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return ErrnoError("mask " + path);
  }
  return {};
}

Result<> ReadonlyPath(const std::string& path) {
  auto fd = OpenInRoot(AT_FDCWD, path, O_PATH | O_NOFOLLOW);
  if (!fd) {
    if (fd.error().sys_errno() == ENOENT) return {};
    return std::move(fd.error()).Wrap("make " + path + " read-only");
  }
  std::string target = FdPath(fd->Get());
  if (::mount(target.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return ErrnoError("bind " + path + " read-only");
  IC_ASSIGN_OR_RETURN(UniqueFd mnt, OpenInRoot(AT_FDCWD, path, O_PATH | O_NOFOLLOW));
  struct statfs sfs;
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  if (::fstatfs(mnt.Get(), &sfs) == 0) {
    if (sfs.f_flags & ST_NOSUID) flags |= MS_NOSUID;
    if (sfs.f_flags & ST_NODEV) flags |= MS_NODEV;
    if (sfs.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
  }
  if (::mount(nullptr, FdPath(mnt.Get()).c_str(), nullptr, flags, nullptr) != 0)
    return ErrnoError("remount " + path + " read-only");
  return {};
}

// The mount point of the mount that contains path: the longest mount point
// in mountinfo that is a prefix of it.
Result<> MakeParentMountPrivate(const std::string& path) {
  auto text = fs::ReadFile("/proc/self/mountinfo");
  if (!text) return std::move(text.error()).Wrap("find the mount of " + path);
  std::string best = "/";
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, devno, root, mp;
    f >> id >> parent >> devno >> root >> mp;
    if (mp.size() > best.size() && path.rfind(mp, 0) == 0 && (path.size() == mp.size() || path[mp.size()] == '/'))
      best = mp;
  }
  if (::mount(nullptr, best.c_str(), nullptr, MS_PRIVATE, nullptr) != 0)
    return ErrnoError("make mount " + best + " private");
  return {};
}

}  // namespace

Result<> PrepareRootfs(const RootfsContext& ctx) {
  const oci::Spec& spec = *ctx.spec;
  std::string propagation = spec.linux ? spec.linux->rootfs_propagation : "";
  // Keep host mount events from reaching the container (and ours from the
  // host) unless the config asks otherwise: runc's default is rslave.
  unsigned long root_prop = propagation.empty() ? (MS_SLAVE | MS_REC) : PropagationFlag(propagation);
  if (root_prop == 0) return InvalidArgument("linux.rootfsPropagation: unknown value \"" + propagation + "\"");
  // A shared root mount would make pivot_root fail; private/slave/shared of
  // the whole tree is applied to "/" here, as runc does.
  if (::mount(nullptr, "/", nullptr, root_prop, nullptr) != 0) return ErrnoError("set propagation of /");

  // pivot_root needs the rootfs to be a mount point whose parent is not
  // shared: make the mount holding the rootfs private (only that one, and
  // only in our namespace), then bind the rootfs onto itself.
  IC_TRY(MakeParentMountPrivate(ctx.rootfs));
  if (::mount(ctx.rootfs.c_str(), ctx.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return ErrnoError("bind mount rootfs " + ctx.rootfs);
  IC_ASSIGN_OR_RETURN(UniqueFd root, OpenRoot(ctx.rootfs));
  for (const oci::Mount& m : spec.mounts) IC_TRY(MountOne(ctx, root.Get(), m));
  IC_TRY(SetupDev(ctx, root.Get()));
  return {};
}

// The configured rootfsPropagation applies to the container's "/" once it
// is the root: applying it to the rootfs mount before pivot_root would fail
// (pivot_root refuses shared mounts) or reach the host.
Result<> ApplyRootPropagation(const RootfsContext& ctx) {
  const std::string& p = ctx.spec->linux ? ctx.spec->linux->rootfs_propagation : "";
  if (p.empty()) return {};
  if (::mount(nullptr, "/", nullptr, PropagationFlag(p), nullptr) != 0)
    return ErrnoError("set propagation of / to " + p);
  return {};
}

Result<> EnterRootfs(const RootfsContext& ctx) {
  if (ctx.no_pivot) {
    if (::chdir(ctx.rootfs.c_str()) != 0) return ErrnoError("chdir " + ctx.rootfs);
    if (::mount(ctx.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) != 0) return ErrnoError("move rootfs to /");
    if (::chroot(".") != 0) return ErrnoError("chroot " + ctx.rootfs);
    if (::chdir("/") != 0) return ErrnoError("chdir /");
    return ApplyRootPropagation(ctx);
  }
  UniqueFd oldroot(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!oldroot) return ErrnoError("open /");
  UniqueFd newroot(::open(ctx.rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!newroot) return ErrnoError("open " + ctx.rootfs);
  if (::fchdir(newroot.Get()) != 0) return ErrnoError("chdir " + ctx.rootfs);
  // pivot_root(".", ".") stacks the old root on top of the new one; it is
  // then detached without needing a directory for it in the image.
  if (syscall(SYS_pivot_root, ".", ".") != 0) return ErrnoError("pivot_root " + ctx.rootfs);
  if (::fchdir(oldroot.Get()) != 0) return ErrnoError("chdir old root");
  // Make sure unmounting does not propagate to the host.
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) return ErrnoError("make old root rslave");
  if (::umount2(".", MNT_DETACH) != 0) return ErrnoError("unmount old root");
  if (::chdir("/") != 0) return ErrnoError("chdir /");
  return ApplyRootPropagation(ctx);
}

Result<> FinalizeRootfs(const RootfsContext& ctx) {
  const oci::Spec& spec = *ctx.spec;
  if (spec.linux && (!spec.linux->masked_paths.empty() || !spec.linux->readonly_paths.empty())) {
    IC_TRY(CheckProcfs().Wrap("masked and read-only paths"));
    for (const auto& p : spec.linux->readonly_paths) IC_TRY(ReadonlyPath(p));
    for (const auto& p : spec.linux->masked_paths) IC_TRY(MaskPath(p));
  }
  if (spec.root.readonly) {
    struct statfs sfs;
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
    if (::statfs("/", &sfs) == 0) {
      if (sfs.f_flags & ST_NOSUID) flags |= MS_NOSUID;
      if (sfs.f_flags & ST_NODEV) flags |= MS_NODEV;
      if (sfs.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
    }
    if (::mount(nullptr, "/", nullptr, flags, nullptr) != 0) return ErrnoError("remount / read-only");
  }
  return {};
}

}  // namespace inclavare::runtime
