// /etc/passwd lookups without NSS: rune is linked statically (start-up time
// and memory), where getpwuid(3) would need glibc's NSS modules at run time.
// Files only, like Go's os/user in pure mode and runc's user package.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace inclavare::runtime {

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

// The first entry of the passwd-format file at path with this uid.
std::optional<PasswdEntry> FindPasswdEntry(const std::string& path, uid_t uid);

}  // namespace inclavare::runtime
