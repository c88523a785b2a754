// --systemd-cgroup: cgroupsPath validation and the systemd presence check.
#include "runtime/cgroup/systemd.h"

#include <sys/stat.h>

#include <cctype>
#include <vector>

namespace inclavare::runtime::cgroup {
namespace {

constexpr std::string_view kSliceSuffix = ".slice";
constexpr std::string_view kExample = " (e.g. \"system.slice:rune:c1\")";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s = s.substr(p + 1);
  }
}

// systemd's unit-name characters (basic/unit-name.c VALID_CHARS).
bool ValidUnitChars(std::string_view s) {
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != ':' && c != '-' && c != '_' && c != '.' && c != '\\') return false;
  }
  return true;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

Result<std::string> ExpandSlice(std::string_view slice) {
  auto bad = [&](const char* why) {
    return InvalidArgument("invalid systemd slice name " + Quote(slice) + ": " + why);
  };
  if (!EndsWith(slice, kSliceSuffix) || slice.size() == kSliceSuffix.size()) return bad("must be NAME.slice");
  if (slice.find('/') != std::string_view::npos) return bad("must not contain '/'");
  if (!ValidUnitChars(slice)) return bad("has characters systemd does not allow in unit names");
  std::string_view name = slice.substr(0, slice.size() - kSliceSuffix.size());
  if (name == "-") return std::string("/");  // the root slice
  std::string path, prefix;
  for (std::string_view part : Split(name, '-')) {
    if (part.empty()) return bad("empty component between '-' (\"a--b\", \"-a\" or \"a-\")");
    path += "/" + prefix + std::string(part) + std::string(kSliceSuffix);
    prefix += std::string(part) + "-";
  }
  return path;
}

Result<SystemdUnit> ParseSystemdCgroupsPath(const std::string& cgroups_path,
                                            const std::string& container_id) {
  std::string_view slice, prefix, name;
  if (cgroups_path.empty()) {
    prefix = "rune";
    name = container_id;
  } else {
    auto parts = Split(cgroups_path, ':');
    if (parts.size() != 3)
      return InvalidArgument("linux.cgroupsPath " + Quote(cgroups_path) +
                             ": with --systemd-cgroup it must have the form \"slice:prefix:name\"" +
                             std::string(kExample));
    slice = parts[0];
    prefix = parts[1];
    name = parts[2];
  }
  auto bad = [&](const std::string& why) {
    return InvalidArgument("linux.cgroupsPath " + Quote(cgroups_path) + ": " + why + std::string(kExample));
  };
  if (name.empty()) return bad("the name (after the second ':') is empty");
  if (!ValidUnitChars(name) || name.find('/') != std::string_view::npos)
    return bad("the name " + Quote(name) + " has characters systemd does not allow in unit names");
  if (!ValidUnitChars(prefix))
    return bad("the prefix " + Quote(prefix) + " has characters systemd does not allow");

  SystemdUnit u;
  u.slice = slice.empty() ? "system.slice" : std::string(slice);
  IC_ASSIGN_OR_RETURN(std::string slice_dir,
                      ExpandSlice(u.slice).Wrap("linux.cgroupsPath " + Quote(cgroups_path)));
  if (EndsWith(name, kSliceSuffix)) {
    IC_ASSIGN_OR_RETURN(std::string own, ExpandSlice(name).Wrap("linux.cgroupsPath " + Quote(cgroups_path)));
    u.unit = std::string(name);
    u.cgroup_dir = own;
  } else {
    u.unit = prefix.empty() ? std::string(name) + ".scope"
                            : std::string(prefix) + "-" + std::string(name) + ".scope";
    u.cgroup_dir = (slice_dir == "/" ? "" : slice_dir) + "/" + u.unit;
  }
  return u;
}

bool SystemdRunning(const std::string& marker_dir) {
  struct stat st;
  return ::lstat(marker_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<> CheckSystemdDriver(const std::string& cgroups_path, const std::string& container_id,
                            const std::string& marker_dir) {
  IC_ASSIGN_OR_RETURN(SystemdUnit unit, ParseSystemdCgroupsPath(cgroups_path, container_id));
  if (!SystemdRunning(marker_dir))
    return FailedPrecondition("--systemd-cgroup: systemd is not running (no " + marker_dir + ")");
  return Unimplemented("--systemd-cgroup: managing cgroups through systemd (unit " + unit.unit + " in " +
                       unit.slice +
                       ") is not implemented; run without --systemd-cgroup to use the cgroupfs driver");
}

}  // namespace inclavare::runtime::cgroup
