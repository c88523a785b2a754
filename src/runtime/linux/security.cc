#include "runtime/linux/security.h"

#include <sys/personality.h>
#include <unistd.h>

#include "common/fs.h"

namespace inclavare::runtime {
namespace {

bool AppArmorEnabled() {
  auto v = fs::ReadFile("/sys/module/apparmor/parameters/enabled");
  return v && !v->empty() && (*v)[0] == 'Y';
}

}  // namespace

Result<> CheckUnsupportedProcessFields(const oci::Process& p) {
  if (!p.apparmor_profile.empty()) {
    return Unimplemented(std::string("process.apparmorProfile: ") +
                         (AppArmorEnabled() ? "AppArmor profiles are not supported by rune yet"
                                            : "AppArmor is not enabled on this host"));
  }
  if (!p.selinux_label.empty())
    return Unimplemented("process.selinuxLabel: SELinux labels are not supported by rune");
  return {};
}

Result<> CheckUnsupportedLinuxFields(const oci::Linux& l) {
  if (!l.mount_label.empty()) return Unimplemented("linux.mountLabel: SELinux labels are not supported by rune");
  if (l.intel_rdt) return Unimplemented("linux.intelRdt: Intel RDT (resctrl) is not supported by rune");
  if (l.personality && !l.personality->flags.empty())
    return Unimplemented("linux.personality.flags: not supported (only the domain is applied)");
  return {};
}

Result<> ApplyPersonality(const oci::Linux& l) {
  if (!l.personality) return {};
  unsigned long persona = l.personality->domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
  if (::personality(persona) < 0) return ErrnoError("personality " + l.personality->domain);
  return {};
}

}  // namespace inclavare::runtime
