// Private to the runtime: the hand-over between `rune create` (parent) and
// the container's init (child of clone3). The child gets a copy of the
// parent's memory, so the parsed spec is passed by pointer, not serialised.
#pragma once

#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "oci/spec.h"
#include "runtime/container.h"
#include "runtime/enclave.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/sync.h"

namespace inclavare::runtime::internal {

struct ExecPlan;

// The enclave side of the init, implemented by the init-runelet (the
// rune-runelet binary, which can dlopen: rune itself is static).
class EnclaveInit {
 public:
  virtual ~EnclaveInit() = default;
  // Before pivot_root, while host paths are visible: load the PAL,
  // pal_get_version, pal_init. Returns when that is done.
  virtual Result<> Load() = 0;
  // The same on another thread, when loading may overlap the mounts (see
  // Setup); Load() then waits for it and returns its result.
  virtual void BeginLoad() = 0;
  // The container is created and waits for `rune start`; a signal that ends
  // it now (delete of a created container) tears the PAL down: pal_destroy.
  [[noreturn]] virtual void DestroyAndExit(int sig) = 0;
  // At `rune start`, in place of execve: create the container process
  // through the PAL (closing `started` says it was; an error is written to
  // it), forward signals, serve runelet.sock, exit with its exit code.
  [[noreturn]] virtual void Run(const ExecPlan& plan, const oci::Process& process, UniqueFd started) = 0;
};

struct InitContext {
  const oci::Spec* spec = nullptr;
  std::string id;
  std::string bundle;
  std::string rootfs;
  CreateOptions options;
  SyncSocket sync;              // the child's end
  int start_listen_fd = -1;     // start.sock, listening
  int console_socket_fd = -1;   // --console-socket connection, or -1
  bool console_to_parent = false;  // foreground run with a terminal
  std::vector<oci::Namespace> join;  // namespaces the child setns()es into
  bool new_user_ns = false;
  bool joins_user_ns = false;
  bool new_cgroup_ns = false;
  bool new_mount_ns = false;
  std::vector<int> close_fds;  // parent-only fds (the state dir lock) to close first
  // Joining a user namespace by path while creating others: namespaces made
  // by clone3 would belong to the host's user namespace, so the cloned
  // process joins first, unshares these flags (owned by the joined user
  // namespace), forks the real init (CLONE_PARENT: still rune's child),
  // reports its pid with kInitPid and exits.
  uint64_t two_stage_unshare = 0;
  bool two_stage = false;
  const SeccompProgram* seccomp = nullptr;  // compiled by the parent, or null
  // cgroup v1 "tasks" files the init writes "0" to, joining its cgroups by
  // itself (see CreateContainer); empty: rune attaches it (kCgroupJoined).
  std::vector<std::string> self_join_tasks;
  // Fewer round trips (each is a wake-up of the other process, costly on a
  // loaded host): the init waits for kGo only when rune must act first (id
  // maps, cgroup attach) or its own hooks need the state (host pid), and
  // stops at the createRuntime point only when prestart/createRuntime hooks
  // exist.
  bool wait_go = true;
  bool stop_for_hooks = true;
  // Enclave containers: the init hands over to the init-runelet by exec'ing
  // runelet_exe_fd (a sealed copy of rune-runelet) with this context
  // serialised (ExecRunelet); the runelet then runs InitMain with
  // enclave_init set.
  std::optional<EnclaveSettings> enclave;
  int runelet_exe_fd = -1;
  int runelet_listen_fd = -1;  // runelet.sock, listening
  std::string sim_dir;         // for the sim PAL (INCLAVARE_SIM_DIR)
  EnclaveInit* enclave_init = nullptr;
};

// The context as JSON (fd numbers stay valid across the execve; the
// compiled seccomp program is not carried: the runelet recompiles it).
nlohmann::json InitContextToJson(const InitContext& ctx);
// Fills ctx from JSON; the spec is stored in *spec, which must outlive ctx.
Result<> InitContextFromJson(const nlohmann::json& j, oci::Spec* spec, InitContext* ctx);
// execveat(ctx.runelet_exe_fd) with the context in a memfd; returns only
// on failure.
Error ExecRunelet(const InitContext& ctx);

// The container's init. Never returns: it execs the container process or
// exits non-zero after reporting the error over the sync socket.
[[noreturn]] void InitMain(InitContext& ctx);

// Runs poststart hooks etc. with the state of the container.
std::string StateJson(const std::string& id, const std::string& status, int pid, const std::string& bundle,
                      const std::map<std::string, std::string>& annotations);


}  // namespace inclavare::runtime::internal
