// Parsing of fstab-style mount options as OCI configs use them.
//
// runc's option vocabulary: flag options (ro, nosuid, ...), propagation
// options (rprivate, shared, ...), recursive attribute options applied with
// mount_setattr(2) (rro, rnosuid, ...), bind/rbind, and everything else passed
// to the filesystem as its data string (size=65536k, mode=755, ...).
//
//   MountOptions o = ParseMountOptions({"rbind", "ro", "nosuid", "size=64k"});
//   // o.flags = MS_BIND|MS_REC|MS_RDONLY|MS_NOSUID, o.data = "size=64k"
//
// Pure functions: unit-tested without privileges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace inclavare::runtime {

struct MountOptions {
  unsigned long flags = 0;          // MS_* flags for mount(2)
  unsigned long clear_flags = 0;    // flags explicitly turned off (rw, suid, ...)
  std::vector<unsigned long> propagation;  // MS_SHARED|MS_REC etc., applied in order
  uint64_t attr_set = 0;            // MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE)
  uint64_t attr_clr = 0;
  bool recursive_attrs = false;     // some r* option was given
  bool idmap = false;               // "idmap"/"ridmap" (id-mapped mount)
  bool tmpcopyup = false;           // runc extension: copy the lower dir into a new tmpfs
  std::string data;                 // comma-joined filesystem options

  bool IsBind() const;
};

MountOptions ParseMountOptions(const std::vector<std::string>& options);

// The MS_* propagation flag for a rootfsPropagation value ("rslave" ->
// MS_SLAVE|MS_REC); 0 for "" and unknown values.
unsigned long PropagationFlag(const std::string& name);

}  // namespace inclavare::runtime
