// OCI lifecycle hooks (config.md "POSIX-platform Hooks", runtime.md
// "Lifecycle"): each hook is executed with its args and env, the container
// state JSON on stdin, and an optional timeout in seconds. A hook that exits
// non-zero or times out is an error naming it and quoting its stderr.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "oci/spec.h"

namespace inclavare::runtime {

// Runs hooks in order; stops at the first failure. `kind` names the hook
// point in errors ("createRuntime hook /usr/bin/x: exit status 1: ...").
Result<> RunHooks(const std::vector<oci::Hook>& hooks, const std::string& state_json, const char* kind);

}  // namespace inclavare::runtime
