// Credentials and attributes of the container process (config.md "process"),
// applied by the container's init just before it waits for `start`, in
// runc's order: rlimits, oom_score_adj, keyring, then the identity switch
// (groups, gid, uid with capabilities kept), capabilities, no_new_privs,
// umask, cwd. Each step's error names it: "setrlimit RLIMIT_NOFILE: ...".
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "oci/spec.h"

namespace inclavare::runtime {

Result<> ApplyRlimits(const std::vector<oci::Rlimit>& rlimits);
Result<> ApplyOomScoreAdj(const oci::Process& process);
// A new session keyring named after the container, so containers do not
// share the host's keys (runc's default; --no-new-keyring skips it).
Result<> JoinSessionKeyring(const std::string& container_id);
Result<> SetHostAndDomainName(const oci::Spec& spec);
Result<> ApplySysctl(const std::map<std::string, std::string>& sysctl);

// Switches uid/gid/groups and sets the five capability sets. With no
// process.capabilities every set is empty, as with runc.
// set_groups is false in a user namespace whose setgroups is denied.
Result<> ApplyIdentityAndCapabilities(const oci::Process& process, bool set_groups);

// Resolves argv[0] inside the (already entered) root: a path with '/' is
// used as is, otherwise PATH from env (or the default PATH) is searched.
// Errors like runc: "exec: \"foo\": executable file not found in $PATH".
Result<std::string> LookPath(const std::string& file, const std::vector<std::string>& env);

// The process env with PATH defaulted and HOME defaulted from the uid,
// as runc does.
std::vector<std::string> ProcessEnv(const oci::Process& process);

}  // namespace inclavare::runtime
