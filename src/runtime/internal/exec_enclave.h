// Private: `rune exec` into an enclave container (container_exec_enclave.cc).
#pragma once

#include "common/unique_fd.h"
#include "oci/spec.h"
#include "runtime/container.h"
#include "runtime/state.h"

namespace inclavare::runtime::internal {

// channel: connected to the container's runelet.sock.
Result<int> ExecInEnclave(const ContainerRecord& rec, const oci::Process& proc, const ExecOptions& o,
                          UniqueFd channel);

}  // namespace inclavare::runtime::internal
