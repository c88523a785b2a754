// Locating rune-runelet, the dynamic helper that hosts enclave runtimes
// (rune itself is static and cannot dlopen a PAL). It is installed beside
// rune.
#pragma once

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace inclavare::runtime {

// <directory of rune's own executable>/<name>, checked to be a regular,
// executable file: rune's dynamic helpers rune-runelet (an enclave
// container's init) and rune-attest (`rune attest`) are installed beside it.
Result<std::string> HelperPath(const char* name);
inline Result<std::string> RuneletPath() { return HelperPath("rune-runelet"); }

// A close-on-exec handle on rune-runelet to execveat() as a container's
// init, which no process can write through /proc/<init>/exe (runc
// CVE-2019-5736): a read-only overlayfs view of it, or a sealed memfd copy
// when rune may not mount (see OpenSealedExecutable). empty_dir: an empty
// directory outside rune's own (the view's second layer).
Result<UniqueFd> SealedRunelet(const std::string& empty_dir);
// That directory, inside an enclave container's state directory.
inline constexpr char kRuneletLowerDir[] = "runelet-layer";

}  // namespace inclavare::runtime
