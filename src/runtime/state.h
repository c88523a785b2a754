// Per-container state on disk: <root>/<id>/state.json plus the start socket,
// and the lock that serialises commands on one container.
//
// Layout of <root>/<id>/ (mode 0711, root-owned):
//   state.json   ContainerRecord, replaced atomically (write + rename)
//   start.sock   listening socket of the waiting init; exists only while
//                the container is "created"
//
//   IC_ASSIGN_OR_RETURN(auto c, StateDir::Open(root, id));   // locks
//   IC_ASSIGN_OR_RETURN(ContainerRecord rec, c.Load());
//   std::string status = DeriveStatus(rec, c);
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/error.h"
#include "common/unique_fd.h"
#include "oci/spec.h"
#include "oci/state.h"

namespace inclavare::runtime {

inline constexpr const char kStateFile[] = "state.json";
inline constexpr const char kStartSocket[] = "start.sock";

// What rune remembers about a container between commands.
struct ContainerRecord {
  std::string id;
  std::string bundle;  // absolute
  std::string rootfs;  // absolute host path
  int init_pid = 0;    // host pid; 0 before the init exists
  uint64_t init_start_time = 0;  // /proc/<pid>/stat field 22: guards against pid reuse
  std::string created;           // RFC 3339, UTC
  std::string owner;             // user name or uid of the creator
  std::map<std::string, std::string> annotations;
  std::map<std::string, std::string> cgroup_paths;  // controller ("" for v2) -> dir
  bool created_ok = false;  // create completed (false: crashed or failed half-way)
  nlohmann::json config;    // the config.json the container was created from (exec, hooks)
  // Enclave settings (runtime/enclave.h ToJson) of an enclave container,
  // null for a plain one.
  nlohmann::json enclave;
};

// The hooks of the config the container was created from (poststart,
// poststop run after `create` has exited).
Result<oci::Hooks> HooksOf(const ContainerRecord& r);

nlohmann::json ToJson(const ContainerRecord& r);
Result<ContainerRecord> RecordFromJson(const nlohmann::json& j);

// Container ids as runc accepts them: [A-Za-z0-9_+.-]+, not "." or "..".
Result<> ValidateId(const std::string& id);

// A locked container directory. The lock (flock on the directory) is held
// until the object is destroyed; commands on different containers do not
// contend.
class StateDir {
 public:
  // Creates <root>/<id> (the root too, 0700) and locks it; AlreadyExists
  // if the container exists.
  static Result<StateDir> Create(const std::string& root, const std::string& id);
  // Opens and locks an existing container; NotFound: "container <id> does
  // not exist".
  static Result<StateDir> Open(const std::string& root, const std::string& id);

  const std::string& path() const { return path_; }
  const std::string& id() const { return id_; }
  int fd() const { return fd_.Get(); }

  Result<ContainerRecord> Load() const;
  Result<> Save(const ContainerRecord& r) const;
  // "/proc/self/fd/<dirfd>/<name>": short even for long --root paths
  // (sun_path holds 108 bytes).
  std::string FdRelative(const char* name) const;
  bool HasStartSocket() const;
  // Removes the directory and everything in it.
  Result<> Remove();

 private:
  StateDir(std::string path, std::string id, UniqueFd fd) : path_(std::move(path)), id_(std::move(id)), fd_(std::move(fd)) {}
  std::string path_;
  std::string id_;
  UniqueFd fd_;
};

// Start time of a process (clock ticks since boot), 0 if it does not exist;
// a zombie counts as not existing.
uint64_t ProcessStartTime(pid_t pid);
// Whether rec.init_pid is still the container's init.
bool InitAlive(const ContainerRecord& rec);

// created / running / paused / stopped, derived from the live system: the
// init's liveness, the start socket, and the freezer state.
std::string DeriveStatus(const ContainerRecord& rec, const StateDir& dir);

oci::State ToOciState(const ContainerRecord& rec, const std::string& status);

// Ids of all containers under root (directories holding a state file).
std::vector<std::string> ListIds(const std::string& root);


}  // namespace inclavare::runtime
