// The container lifecycle: what `rune create/start/run/state/kill/delete/list`
// do, as the OCI runtime spec (runtime.md) and runc define it. The CLI in
// src/rune only parses arguments and calls these.
//
//   GlobalOptions g{.root = "/run/rune"};
//   IC_TRY(Create(g, {.id = "web", .bundle = "/srv/web"}));  // status "created"
//   IC_TRY(Start(g, "web"));                                 // "running"
//   IC_TRY(Kill(g, "web", SIGTERM, /*all=*/false));
//   IC_TRY(Delete(g, "web", /*force=*/false));               // after "stopped"
//
// Commands on one container are serialised by a lock in its state
// directory. A failed Create leaves nothing behind: no state directory,
// cgroup, mount or process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "oci/resources.h"
#include "oci/state.h"

namespace inclavare::runtime {

struct GlobalOptions {
  std::string root = "/run/rune";  // state directory root (--root)
  bool systemd_cgroup = false;     // --systemd-cgroup
};

struct CreateOptions {
  std::string id;
  std::string bundle;          // default: the current directory
  std::string console_socket;  // unix socket that receives the pty master
  std::string pid_file;        // written atomically with the init's host pid
  bool no_pivot = false;       // MS_MOVE + chroot instead of pivot_root
  bool no_new_keyring = false;
  int preserve_fds = 0;        // pass fds 3 .. 3+N-1 to the container process
};

Result<> Create(const GlobalOptions& g, const CreateOptions& o);
Result<> Start(const GlobalOptions& g, const std::string& id);

// create + start. Detached: returns 0 once started. Foreground: forwards
// signals to the container, relays the terminal if process.terminal and no
// console socket, waits, deletes the container and returns its exit code
// (128 + signal when killed by one).
Result<int> Run(const GlobalOptions& g, const CreateOptions& o, bool detach);

// Sends sig to the init (or with all, every process of the container's
// cgroup). A stopped container is an error, as with runc.
Result<> Kill(const GlobalOptions& g, const std::string& id, int sig, bool all);

// Removes a stopped container (a "created" one is killed first, as runc
// does). Running or paused containers need force, which SIGKILLs every
// process first. poststop hooks run last.
Result<> Delete(const GlobalOptions& g, const std::string& id, bool force);

// The OCI state plus runc's extra fields (`runc state` and `runc list`
// print rootfs, created and owner too).
struct ContainerInfo {
  oci::State state;
  std::string rootfs;
  std::string created;  // RFC 3339
  std::string owner;
};
Result<ContainerInfo> Inspect(const GlobalOptions& g, const std::string& id);
Result<std::vector<ContainerInfo>> List(const GlobalOptions& g);

// `rune exec`: runs another process in a running container. The process
// comes from --process (a process.json) or from the container's own
// process with the flags applied, as runc builds it.
struct ExecOptions {
  std::string id;
  std::string process_file;         // --process
  std::vector<std::string> args;    // command and arguments
  bool tty = false;
  std::string console_socket;
  bool detach = false;
  std::string pid_file;
  std::vector<std::string> env;     // KEY=VALUE, appended
  std::string cwd;
  std::string user;                 // "uid[:gid]"
  std::vector<std::string> additional_gids;
  std::vector<std::string> caps;    // added to bounding/effective/permitted
  bool no_new_privs = false;
  int preserve_fds = 0;
  bool ignore_paused = false;
};

// Joins every namespace and the cgroup of the container's init, applies the
// container's rlimits, capabilities, seccomp filter and no_new_privs (per
// the process), then execs. Foreground: forwards signals, relays the
// terminal, returns the exit code. Detached: returns 0 once it runs.
Result<int> Exec(const GlobalOptions& g, const ExecOptions& o);

// Freezes / thaws every process of a running / paused container (cgroup
// freezer v1, cgroup.freeze v2). Errors like runc's for other states.
Result<> Pause(const GlobalOptions& g, const std::string& id);
Result<> Resume(const GlobalOptions& g, const std::string& id);

// Host pids of every process in the container's cgroup.
Result<std::vector<pid_t>> Pids(const GlobalOptions& g, const std::string& id);

// Applies new limits to a created/running/paused container's cgroup. Only
// the fields present in resources change.
Result<> Update(const GlobalOptions& g, const std::string& id, const oci::LinuxResources& resources);

// Parses "KILL", "SIGKILL", "9" (case-insensitive names); InvalidArgument
// for unknown ones.
Result<int> ParseSignal(const std::string& s);

// `rune events`, as runc: JSON events, one per emit call (no newline).
//   {"type":"stats","id":ID,"data":{...}}  cgroup statistics in runc's
//                                          types.Stats shape (cgroup/stats.h)
//   {"type":"oom","id":ID}                 the container's memory cgroup hit
//                                          an OOM (cgroup/oom.h)
// stats_only: one stats event, then return. Otherwise a stats event every
// interval (the first after one interval, like Go's time.Tick) and OOM
// events as they happen, until the container stops (its init exits, or the
// cgroup goes away); then returns success. Unlike runc on cgroup v1, which
// keeps going until `delete` removes the cgroup, rune ends when the
// container stops on both versions (runc's v2 behaviour).
// A failed statistics read is logged and the loop goes on (as runc); a
// failed emit ends it with that error. The container's lock is not held
// while streaming. Errors: missing container kNotFound; stopped one
// kFailedPrecondition "container ID is not running"; interval <= 0
// kInvalidArgument.
struct EventsOptions {
  std::string id;
  std::chrono::nanoseconds interval = std::chrono::seconds(5);  // --interval
  bool stats_only = false;                                       // --stats
};
using EventSink = std::function<Result<>(const std::string& json)>;
Result<> Events(const GlobalOptions& g, const EventsOptions& o, const EventSink& emit);

// Go's time.ParseDuration syntax, as runc's --interval takes it: "5s",
// "500ms", "1m30s", "1.5h", "0"; units ns, us (or µs), ms, s, m, h.
// InvalidArgument naming the text otherwise.
Result<std::chrono::nanoseconds> ParseDuration(const std::string& text);

}  // namespace inclavare::runtime
