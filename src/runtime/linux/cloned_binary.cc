#include "runtime/linux/cloned_binary.h"

#include <elf.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>
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

}  // namespace

bool MayHoldPtrace(const oci::Process& process) {
  if (!process.capabilities) return false;  // absent: no capabilities
  const auto& c = *process.capabilities;
  for (const auto* set : {&c.bounding, &c.effective, &c.permitted, &c.inheritable, &c.ambient})
    for (const auto& cap : *set)
      if (cap == "CAP_SYS_PTRACE") return true;
  return false;
}

bool RunsFromMemfd(pid_t pid) {
  char target[256] = {};
  std::string link = "/proc/" + std::to_string(pid) + "/exe";
  ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  return n > 0 && std::string_view(target, static_cast<size_t>(n)).starts_with("/memfd:");
}

bool ExecsIntoContainers(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "exec")) return true;
  }
  return false;
}

Result<> EnsureSealedSelf() {
  UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!self) return ErrnoError("open /proc/self/exe");
  int seals = ::fcntl(self.Get(), F_GET_SEALS);
  if (seals >= 0 && (seals & kSeals) == kSeals) {  // the copy already
    if (const char* p = ::getenv(kSelfPathEnv)) g_self_path = p;
    ::unsetenv(kSelfPathEnv);
    return {};
  }
  IC_ASSIGN_OR_RETURN(std::string original, ReadSelfLink());

  struct stat st;
  if (::fstat(self.Get(), &st) != 0) return ErrnoError("stat /proc/self/exe");
  UniqueFd copy(static_cast<int>(::syscall(SYS_memfd_create, "rune_cloned:/proc/self/exe",
                                           MFD_CLOEXEC | MFD_ALLOW_SEALING)));
  if (!copy) return ErrnoError("memfd_create for a sealed copy of rune");
  Elf64_Ehdr ehdr;
  off_t size = LoadableSize(self.Get(), st.st_size, &ehdr);
  bool truncated = size > 0 && size < st.st_size;
  if (!truncated) size = st.st_size;
  off_t off = 0;
  while (off < size) {
    ssize_t n = ::sendfile(copy.Get(), self.Get(), &off, static_cast<size_t>(size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? ErrnoError("copy rune into a memfd") : Internal("rune binary shrank while copying");
  }
  if (truncated) {
    // The section headers were left out: say so in the copy's header.
    ehdr.e_shoff = 0;
    ehdr.e_shnum = 0;
    ehdr.e_shstrndx = SHN_UNDEF;
    if (::pwrite(copy.Get(), &ehdr, sizeof ehdr, 0) != static_cast<ssize_t>(sizeof ehdr))
      return ErrnoError("write the copy's ELF header");
  }
  if (::fcntl(copy.Get(), F_ADD_SEALS, kSeals) != 0) return ErrnoError("seal the copy of rune");

  IC_ASSIGN_OR_RETURN(std::string cmdline, fs::ReadFile("/proc/self/cmdline"));
  std::vector<char*> argv;
  for (size_t i = 0; i < cmdline.size(); i += strlen(cmdline.c_str() + i) + 1) argv.push_back(cmdline.data() + i);
  argv.push_back(nullptr);
  if (::setenv(kSelfPathEnv, original.c_str(), 1) != 0) return ErrnoError("setenv");
  // An ELF binary runs from a close-on-exec fd (only scripts need the fd).
  ::syscall(SYS_execveat, copy.Get(), "", argv.data(), environ, AT_EMPTY_PATH);
  return ErrnoError("re-execute rune from its sealed copy");
}

Result<std::string> SelfExePath() {
  if (!g_self_path.empty()) return g_self_path;
  return ReadSelfLink();
}

}  // namespace inclavare::runtime
