#include "runtime/runelet_binary.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "runtime/linux/cloned_binary.h"

namespace inclavare::runtime {

Result<std::string> HelperPath(const char* name) {
  // rune may run from a sealed memfd copy (linux/cloned_binary.h).
  IC_ASSIGN_OR_RETURN(std::string dir, SelfExePath());
  dir.resize(dir.rfind('/') + 1);
  std::string path = dir + name;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return ErrnoError(std::string("enclave containers need ") + name + " beside rune (" + path + ")");
  if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
    return FailedPrecondition(path + " is not an executable file");
  return path;
}

Result<UniqueFd> SealedRuneletCopy() {
  IC_ASSIGN_OR_RETURN(std::string path, RuneletPath());
  int src = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) return ErrnoError("open " + path);
  UniqueFd in(src);
  struct stat st;
  if (::fstat(src, &st) != 0) return ErrnoError("stat " + path);
  int m = static_cast<int>(::syscall(SYS_memfd_create, "rune-runelet", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (m < 0) return ErrnoError("memfd_create");
  UniqueFd out(m);
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = ::sendfile(m, src, &offset, static_cast<size_t>(st.st_size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("copy " + path);
    if (n == 0) return Internal("copy " + path + ": file shrank");
  }
  if (::fchmod(m, 0555) != 0) return ErrnoError("fchmod runelet copy");
  if (::fcntl(m, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
    return ErrnoError("seal runelet copy");
  return out;
}

}  // namespace inclavare::runtime
