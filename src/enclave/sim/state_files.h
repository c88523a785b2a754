// The parts of the sim platform's state directory that loading an enclave
// reads (VERSION, the platform secret, platform.json), apart from state.cc
// so the enclave loader needs no libcrypto (see enclave/sgx/primitives.h).
#pragma once

#include <string>

#include "common/error.h"
#include "enclave/sim/state.h"

namespace inclavare::sgx::sim::internal {

inline constexpr char kSecretFile[] = "platform_secret.bin";

// FailedPrecondition naming `sgx-tools sim init` when dir holds no state of
// this version.
Result<> CheckStateVersion(const std::string& dir);
// The platform secret (the file must be 0600) into keys.
Result<> ReadSecret(const std::string& dir, PlatformKeys* keys);
Result<PlatformInfo> InfoFromJson(const std::string& text);

}  // namespace inclavare::sgx::sim::internal
