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

// A sealed, close-on-exec memfd copy of rune-runelet to execveat() as a
// container's init. Like runc's fix for CVE-2019-5736: /proc/<init>/exe then
// names the memfd, which no process can write (F_SEAL_WRITE), so a container
// cannot overwrite the host's binary through it.
Result<UniqueFd> SealedRuneletCopy();

}  // namespace inclavare::runtime
