// Private to the runtime: the hand-over between `rune create` (parent) and
// the container's init (child of clone3). The child gets a copy of the
// parent's memory, so the parsed spec is passed by pointer, not serialised.
#pragma once

#include <string>
#include <vector>

#include "oci/spec.h"
#include "runtime/container.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/sync.h"

namespace inclavare::runtime::internal {

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
};

// The container's init. Never returns: it execs the container process or
// exits non-zero after reporting the error over the sync socket.
[[noreturn]] void InitMain(InitContext& ctx);

// Runs poststart hooks etc. with the state of the container.
std::string StateJson(const std::string& id, const std::string& status, int pid, const std::string& bundle,
                      const std::map<std::string, std::string>& annotations);


}  // namespace inclavare::runtime::internal
