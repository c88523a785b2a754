#include "runtime/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "common/fs.h"
#include "oci/json_util.h"
#include "runtime/cgroup/cgroup.h"

namespace inclavare::runtime {
namespace {


}  // namespace

nlohmann::json ToJson(const ContainerRecord& r) {
  nlohmann::json j = {{"id", r.id},
          {"bundle", r.bundle},
          {"rootfs", r.rootfs},
          {"init_pid", r.init_pid},
          {"init_start_time", r.init_start_time},
          {"created", r.created},
          {"owner", r.owner},
          {"annotations", r.annotations},
          {"cgroup_paths", r.cgroup_paths},
          {"created_ok", r.created_ok},
          {"config", r.config}};
  if (!r.enclave.is_null()) j["enclave"] = r.enclave;
  return j;
}

Result<ContainerRecord> RecordFromJson(const nlohmann::json& j) {
  using oci::json::Optional;
  using oci::json::Required;
  ContainerRecord r;
  IC_TRY(oci::json::ExpectObject(j, ""));
  IC_TRY(Required(j, "", "id", &r.id));
  IC_TRY(Optional(j, "", "bundle", &r.bundle));
  IC_TRY(Optional(j, "", "rootfs", &r.rootfs));
  IC_TRY(Optional(j, "", "init_pid", &r.init_pid));
  IC_TRY(Optional(j, "", "init_start_time", &r.init_start_time));
  IC_TRY(Optional(j, "", "created", &r.created));
  IC_TRY(Optional(j, "", "owner", &r.owner));
  IC_TRY(Optional(j, "", "annotations", &r.annotations));
  IC_TRY(Optional(j, "", "cgroup_paths", &r.cgroup_paths));
  IC_TRY(Optional(j, "", "created_ok", &r.created_ok));
  if (auto it = j.find("config"); it != j.end()) r.config = *it;
  if (auto it = j.find("enclave"); it != j.end()) r.enclave = *it;
  return r;
}

Result<oci::Hooks> HooksOf(const ContainerRecord& r) {
  oci::Spec s;
  if (auto it = r.config.find("hooks"); r.config.is_object() && it != r.config.end()) {
    IC_TRY(oci::FromJson(nlohmann::json{{"hooks", *it}}, "", &s).Wrap("hooks in the container's config"));
  }
  return std::move(s.hooks);
}

Result<> ValidateId(const std::string& id) {
  if (id.empty()) return InvalidArgument("container id cannot be empty");
  if (id == "." || id == ".." || id.size() > 1024)
    return InvalidArgument("invalid container id \"" + id + "\"");
  for (char c : id) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.'))
      return InvalidArgument("invalid container id \"" + id + "\": only [A-Za-z0-9_+.-] are allowed");
  }
  return {};
}

Result<StateDir> StateDir::Create(const std::string& root, const std::string& id) {
  IC_TRY(ValidateId(id));
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
    IC_TRY(fs::MkdirAll(root, 0700).Wrap("create state root"));
  }
  std::string path = fs::Join(root, id);
  if (::mkdir(path.c_str(), 0711) != 0) {
    if (errno == EEXIST) return AlreadyExists("container with id \"" + id + "\" already exists");
    return ErrnoError("create state directory " + path);
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open " + path);
  if (::flock(fd, LOCK_EX) != 0) {
    ::close(fd);
    return ErrnoError("lock " + path);
  }
  return StateDir(path, id, UniqueFd(fd));
}

Result<StateDir> StateDir::Open(const std::string& root, const std::string& id) {
  IC_TRY(ValidateId(id));
  std::string path = fs::Join(root, id);
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("container \"" + id + "\" does not exist");
    return ErrnoError("open " + path);
  }
  UniqueFd owned(fd);
  if (::flock(fd, LOCK_EX) != 0) return ErrnoError("lock " + path);
  // A concurrent delete may have removed the directory while we waited.
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError("stat " + path);
  if (st.st_nlink == 0) return NotFound("container \"" + id + "\" does not exist");
  return StateDir(path, id, std::move(owned));
}

Result<ContainerRecord> StateDir::Load() const {
  auto text = fs::ReadFileAt(fd_.Get(), kStateFile);
  if (!text) {
    if (text.error().code() == ErrorCode::kNotFound)
      return NotFound("container \"" + id_ + "\" does not exist (no state file)");
    return std::move(text.error()).Wrap("read state of " + id_);
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return Internal("state of container \"" + id_ + "\" is corrupt");
  return RecordFromJson(j).Wrap("state of container \"" + id_ + "\"");
}

Result<> StateDir::Save(const ContainerRecord& r) const {
  return fs::WriteFileAtomic(fs::Join(path_, kStateFile), ToJson(r).dump(), 0600);
}

std::string StateDir::FdRelative(const char* name) const {
  return "/proc/self/fd/" + std::to_string(fd_.Get()) + "/" + name;
}

bool StateDir::HasStartSocket() const {
  struct stat st;
  return ::fstatat(fd_.Get(), kStartSocket, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Result<> StateDir::Remove() { return fs::RemoveAll(path_); }

uint64_t ProcessStartTime(pid_t pid) {
  if (pid <= 0) return 0;
  auto stat = fs::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  // Fields after the command name, which may contain spaces and ')'.
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return 0;
  const char* p = stat->c_str() + close + 2;
  char state = *p;
  if (state == 'Z' || state == 'X') return 0;
  // field 3 is state; start time is field 22.
  int field = 3;
  while (*p && field < 22) {
    if (*p == ' ') ++field;
    ++p;
  }
  return strtoull(p, nullptr, 10);
}

bool InitAlive(const ContainerRecord& rec) {
  if (rec.init_pid <= 0) return false;
  uint64_t st = ProcessStartTime(rec.init_pid);
  return st != 0 && (rec.init_start_time == 0 || st == rec.init_start_time);
}

std::string DeriveStatus(const ContainerRecord& rec, const StateDir& dir) {
  if (!InitAlive(rec)) return rec.created_ok || rec.init_pid ? oci::kStatusStopped : oci::kStatusCreating;
  if (!rec.created_ok) return oci::kStatusCreating;
  if (dir.HasStartSocket()) return oci::kStatusCreated;
  if (!rec.cgroup_paths.empty()) {
    auto m = cgroup::LoadManager(rec.cgroup_paths);
    if (m) {
      auto fs = (*m)->GetFreezerState();
      if (fs && *fs == cgroup::FreezerState::kFrozen) return oci::kStatusPaused;
    }
  }
  return oci::kStatusRunning;
}

oci::State ToOciState(const ContainerRecord& rec, const std::string& status) {
  oci::State s;
  s.oci_version = oci::kOciVersion;
  s.id = rec.id;
  s.status = status;
  s.pid = (status == oci::kStatusStopped) ? 0 : rec.init_pid;
  s.bundle = rec.bundle;
  s.annotations = rec.annotations;
  return s;
}

std::vector<std::string> ListIds(const std::string& root) {
  std::vector<std::string> ids;
  DIR* d = ::opendir(root.c_str());
  if (!d) return ids;
  while (struct dirent* de = ::readdir(d)) {
    if (de->d_name[0] == '.') continue;
    std::string state = fs::Join(fs::Join(root, de->d_name), kStateFile);
    if (fs::Exists(state)) ids.push_back(de->d_name);
  }
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}


}  // namespace inclavare::runtime
