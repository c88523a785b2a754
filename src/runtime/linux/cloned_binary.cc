#include "runtime/linux/cloned_binary.h"

#include <elf.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/fs.h"
#include "common/unique_fd.h"

extern char** environ;

namespace inclavare::runtime {
namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
// Carries the original path across the re-execution; removed from the
// environment right after (hooks must not inherit it).
constexpr char kSelfPathEnv[] = "_RUNE_SELF_PATH";
std::string g_self_path;

// Bytes of the ELF file the kernel needs to run it: the headers and every
// segment's file contents. Debug sections and the section header table
// follow them (67 MiB of a RelWithDebInfo rune, 3 MiB of code and data), and
// copying them would dominate the start-up. 0 (copy it all) when the file
// does not look like an ELF64 image.
off_t LoadableSize(int fd, off_t file_size, Elf64_Ehdr* ehdr) {
  if (::pread(fd, ehdr, sizeof *ehdr, 0) != static_cast<ssize_t>(sizeof *ehdr)) return 0;
  if (memcmp(ehdr->e_ident, ELFMAG, SELFMAG) != 0 || ehdr->e_ident[EI_CLASS] != ELFCLASS64 ||
      ehdr->e_phentsize != sizeof(Elf64_Phdr))
    return 0;
  off_t end = static_cast<off_t>(ehdr->e_phoff + uint64_t{ehdr->e_phnum} * sizeof(Elf64_Phdr));
  for (unsigned i = 0; i < ehdr->e_phnum; ++i) {
    Elf64_Phdr ph;
    off_t at = static_cast<off_t>(ehdr->e_phoff + uint64_t{i} * sizeof ph);
    if (::pread(fd, &ph, sizeof ph, at) != static_cast<ssize_t>(sizeof ph)) return 0;
    end = std::max(end, static_cast<off_t>(ph.p_offset + ph.p_filesz));
  }
  return end <= file_size ? end : 0;
}

Result<std::string> ReadSelfLink() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n < 0) return ErrnoError("readlink /proc/self/exe");
  return std::string(buf, static_cast<size_t>(n));
}

// A write-sealed memfd holding what the kernel needs to run the ELF image
// in fd (all of it when it does not look like one).
[[gnu::cold]] Result<UniqueFd> SealedMemfdCopy(int fd, const char* memfd_name, const std::string& what) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError("stat " + what);
  UniqueFd copy(static_cast<int>(::syscall(SYS_memfd_create, memfd_name, MFD_CLOEXEC | MFD_ALLOW_SEALING)));
  if (!copy) return ErrnoError("memfd_create for a sealed copy of " + what);
  Elf64_Ehdr ehdr;
  off_t size = LoadableSize(fd, st.st_size, &ehdr);
  bool truncated = size > 0 && size < st.st_size;
  if (!truncated) size = st.st_size;
  off_t off = 0;
  while (off < size) {
    ssize_t n = ::sendfile(copy.Get(), fd, &off, static_cast<size_t>(size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? ErrnoError("copy " + what + " into a memfd") : Internal(what + " shrank while copying");
  }
  if (truncated) {
    // The section headers were left out: say so in the copy's header.
    ehdr.e_shoff = 0;
    ehdr.e_shnum = 0;
    ehdr.e_shstrndx = SHN_UNDEF;
    if (::pwrite(copy.Get(), &ehdr, sizeof ehdr, 0) != static_cast<ssize_t>(sizeof ehdr))
      return ErrnoError("write the ELF header of the copy of " + what);
  }
  if (::fchmod(copy.Get(), 0555) != 0) return ErrnoError("fchmod the copy of " + what);
  if (::fcntl(copy.Get(), F_ADD_SEALS, kSeals) != 0) return ErrnoError("seal the copy of " + what);
  return copy;
}

// overlayfs separates lower layers with ':' and escapes with '\\'.
[[gnu::cold]] std::string EscapeLowerDir(const std::string& dir) {
  std::string out;
  for (char c : dir) {
    if (c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// O_PATH handle on dir/name through a detached, read-only overlayfs whose
// layers are dir (on top) and empty_dir: overlayfs with lower layers only
// (it needs two) refuses every write. Fails without side effects when the
// caller may not mount overlayfs or the kernel lacks fsopen().
[[gnu::cold]] Result<UniqueFd> ReadOnlyOverlayView(const std::string& dir, const std::string& name, const std::string& empty_dir) {
  UniqueFd ctx(static_cast<int>(::syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC)));
  if (!ctx) return ErrnoError("fsopen overlay");
  std::string lower = EscapeLowerDir(dir) + ":" + EscapeLowerDir(empty_dir);
  if (::syscall(SYS_fsconfig, ctx.Get(), FSCONFIG_SET_STRING, "lowerdir", lower.c_str(), 0) != 0)
    return ErrnoError("overlayfs lowerdir=" + lower);
  // Inode-number remapping is of no use here and logs when layers are on
  // different filesystems; older kernels may not know the option.
  (void)::syscall(SYS_fsconfig, ctx.Get(), FSCONFIG_SET_STRING, "xino", "off", 0);
  if (::syscall(SYS_fsconfig, ctx.Get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return ErrnoError("create overlayfs over " + dir);
  UniqueFd mnt(static_cast<int>(::syscall(SYS_fsmount, ctx.Get(), FSMOUNT_CLOEXEC,
                                          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID)));
  if (!mnt) return ErrnoError("fsmount overlayfs over " + dir);
  UniqueFd file(::openat(mnt.Get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!file) return ErrnoError("open " + name + " through overlayfs over " + dir);
  struct stat st;
  if (::fstat(file.Get(), &st) != 0 || !S_ISREG(st.st_mode))
    return FailedPrecondition(dir + "/" + name + " is not a regular file");
  return file;
}

// A write-sealed memfd, or a file on a read-only overlayfs (the views
// ReadOnlyOverlayView makes): nothing can be written through it.
bool IsSealedFile(int fd) {
  int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE) != 0) return true;
  struct statfs sfs;
  return ::fstatfs(fd, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC && (sfs.f_flags & ST_RDONLY) != 0;
}

}  // namespace

bool MayHoldPtrace(const oci::Process& process) {
  if (!process.capabilities) return false;  // absent: no capabilities
  const auto& c = *process.capabilities;
  for (const auto* set : {&c.bounding, &c.effective, &c.permitted, &c.inheritable, &c.ambient})
    for (const auto& cap : *set)
      if (cap == "CAP_SYS_PTRACE") return true;
  return false;
}

[[gnu::cold]] bool RunsFromSealedExe(pid_t pid) {
  // Opening another process's exe needs ptrace read access: rune has it.
  UniqueFd exe(::open(("/proc/" + std::to_string(pid) + "/exe").c_str(), O_RDONLY | O_CLOEXEC));
  return exe && IsSealedFile(exe.Get());
}

[[gnu::cold]] Result<> EnsureSealedSelf(const std::string& second_layer) {
  UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!self) return ErrnoError("open /proc/self/exe");
  if (IsSealedFile(self.Get())) {  // re-executed already
    if (const char* p = ::getenv(kSelfPathEnv)) g_self_path = p;
    ::unsetenv(kSelfPathEnv);
    return {};
  }
  IC_ASSIGN_OR_RETURN(std::string original, ReadSelfLink());
  UniqueFd exe;
  struct stat running;
  if (!second_layer.empty() && ::fstat(self.Get(), &running) == 0) {
    size_t slash = original.rfind('/');
    if (slash != std::string::npos && slash + 1 < original.size()) {
      auto view = ReadOnlyOverlayView(original.substr(0, slash == 0 ? 1 : slash), original.substr(slash + 1), second_layer);
      struct stat seen;
      if (view && ::fstat(view->Get(), &seen) == 0 && seen.st_ino == running.st_ino &&
          seen.st_size == running.st_size && seen.st_mtim.tv_sec == running.st_mtim.tv_sec &&
          seen.st_mtim.tv_nsec == running.st_mtim.tv_nsec) {
        exe = std::move(*view);
      }
    }
  }
  if (!exe) {
    IC_ASSIGN_OR_RETURN(exe, SealedMemfdCopy(self.Get(), "rune_cloned:/proc/self/exe", "rune"));
  }

  IC_ASSIGN_OR_RETURN(std::string cmdline, fs::ReadFile("/proc/self/cmdline"));
  std::vector<char*> argv;
  for (size_t i = 0; i < cmdline.size(); i += strlen(cmdline.c_str() + i) + 1) argv.push_back(cmdline.data() + i);
  argv.push_back(nullptr);
  if (::setenv(kSelfPathEnv, original.c_str(), 1) != 0) return ErrnoError("setenv");
  // An ELF binary runs from a close-on-exec fd (only scripts need the fd).
  ::syscall(SYS_execveat, exe.Get(), "", argv.data(), environ, AT_EMPTY_PATH);
  return ErrnoError("re-execute rune from its sealed copy");
}

[[gnu::cold]] Result<UniqueFd> OpenSealedExecutable(const std::string& path, const std::string& empty_dir, bool* copied) {
  if (copied != nullptr) *copied = false;
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash + 1 == path.size())
    return InvalidArgument("sealed executable: not an absolute file path: " + path);
  if (auto fd = ReadOnlyOverlayView(path.substr(0, slash == 0 ? 1 : slash), path.substr(slash + 1), empty_dir))
    return fd;
  UniqueFd src(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!src) return ErrnoError("open " + path);
  if (copied != nullptr) *copied = true;
  return SealedMemfdCopy(src.Get(), path.substr(slash + 1).c_str(), path);
}

Result<std::string> SelfExePath() {
  if (!g_self_path.empty()) return g_self_path;
  return ReadSelfLink();
}

}  // namespace inclavare::runtime
