// Spec fields rune does not implement, refused with a clear error rather
// than ignored, and the personality(2) domain, which it does apply.
//
//   process.apparmorProfile          AppArmor is not supported (runc's
//                                    "apparmor not supported" when disabled)
//   process.selinuxLabel, linux.mountLabel   SELinux labels: not supported
//   linux.intelRdt                   resctrl: not supported
//   linux.personality.flags          no flags are defined that rune applies
#pragma once

#include "common/error.h"
#include "oci/spec.h"

namespace inclavare::runtime {

// Errors name the field: "process.apparmorProfile: ...".
Result<> CheckUnsupportedProcessFields(const oci::Process& process);
Result<> CheckUnsupportedLinuxFields(const oci::Linux& linux);

// personality(2) with PER_LINUX or PER_LINUX32 (linux.personality.domain),
// for the init and for every exec'd process (as runc 1.2);
// nothing when absent.
Result<> ApplyPersonality(const oci::Linux& linux);

}  // namespace inclavare::runtime
