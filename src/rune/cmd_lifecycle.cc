// create, start, run, delete, kill.
#include "rune/cli.h"

namespace inclavare::rune {
namespace {

using runtime::CreateOptions;

std::vector<Flag> CreateFlags() {
  return {
      CreateString("bundle", 'b', "path to the bundle directory (default: current directory)", &CreateOptions::bundle),
      CreateString("console-socket", 0, "unix socket that receives the pty master", &CreateOptions::console_socket),
      CreateString("pid-file", 0, "file to write the container's init pid to", &CreateOptions::pid_file),
      CreateBool("no-pivot", "use MS_MOVE and chroot instead of pivot_root", &CreateOptions::no_pivot),
      CreateBool("no-new-keyring", "do not create a new session keyring", &CreateOptions::no_new_keyring),
      CreateInt("preserve-fds", "pass N extra fds (3 .. 3+N-1) to the container", &CreateOptions::preserve_fds),
  };
}

}  // namespace

std::vector<Command> LifecycleCommands() {
  std::vector<Command> cmds;
  cmds.push_back({"create", "<container-id>", "create a container (its process waits for `start`)", CreateFlags(), 1, 1,
                  [](Context& c) -> Result<int> {
                    c.create.id = c.args[0];
                    IC_TRY(runtime::Create(c.global, c.create));
                    return 0;
                  }});
  std::vector<Flag> run_flags = CreateFlags();
  run_flags.push_back(CtxBool("detach", 'd', "detach from the container's process", &Context::detach));
  cmds.push_back({"run", "<container-id>", "create and start a container", run_flags, 1, 1,
                  [](Context& c) -> Result<int> {
                    c.create.id = c.args[0];
                    return runtime::Run(c.global, c.create, c.detach);
                  }});
  cmds.push_back({"start", "<container-id>", "start the user process of a created container", {}, 1, 1,
                  [](Context& c) -> Result<int> {
                    IC_TRY(runtime::Start(c.global, c.args[0]));
                    return 0;
                  }});
  cmds.push_back({"delete", "<container-id>", "delete a container and its resources",
                  {CtxBool("force", 'f', "kill the container first if it is running", &Context::force)}, 1, 1,
                  [](Context& c) -> Result<int> {
                    auto r = runtime::Delete(c.global, c.args[0], c.force);
                    // As runc: deleting a missing container with --force succeeds.
                    if (!r && c.force && r.error().code() == ErrorCode::kNotFound) return 0;
                    IC_TRY(std::move(r));
                    return 0;
                  }});
  cmds.push_back({"kill", "<container-id> [signal]", "send a signal (default SIGTERM) to the container's init",
                  {CtxBool("all", 'a', "send the signal to all processes of the container", &Context::all)}, 1, 2,
                  [](Context& c) -> Result<int> {
                    IC_ASSIGN_OR_RETURN(int sig, runtime::ParseSignal(c.args.size() > 1 ? c.args[1] : c.signal));
                    IC_TRY(runtime::Kill(c.global, c.args[0], sig, c.all));
                    return 0;
                  }});
  return cmds;
}

}  // namespace inclavare::rune
