// Private: the shared core of `create` and `run`.
#pragma once

#include "common/unique_fd.h"
#include "runtime/container.h"
#include "runtime/state.h"

namespace inclavare::runtime::internal {

struct CreatedContainer {
  pid_t pid = 0;
  ContainerRecord record;
  UniqueFd console;  // pty master, for a foreground run with a terminal
};

// foreground: `run` without --detach (may hold the terminal itself).
Result<CreatedContainer> CreateContainer(const GlobalOptions& g, const CreateOptions& o, bool foreground);

// Connects to the init's start socket, triggers the exec, waits until it
// happened (or reports the exec error), runs poststart hooks.
Result<> StartContainer(StateDir& dir, const ContainerRecord& rec);

// SIGKILLs everything, waits for the init, removes cgroup and state, runs
// poststop hooks.
Result<> DestroyContainer(StateDir& dir, const ContainerRecord& rec);

}  // namespace inclavare::runtime::internal
