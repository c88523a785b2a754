#include "runtime/runelet_binary.h"

#include <sys/stat.h>

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

Result<UniqueFd> SealedRunelet(const std::string& empty_dir) {
  IC_ASSIGN_OR_RETURN(std::string path, RuneletPath());
  return OpenSealedExecutable(path, empty_dir);
}

}  // namespace inclavare::runtime
