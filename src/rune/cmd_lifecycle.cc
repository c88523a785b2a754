// create, start, run, delete, kill.
#include "rune/cli.h"

namespace inclavare::rune {

void AddCreateFlags(CLI::App* cmd, runtime::CreateOptions* o) {
  cmd->add_option("-b,--bundle", o->bundle, "Path to the bundle directory (default: current directory)");
  cmd->add_option("--console-socket", o->console_socket, "Unix socket that receives the pty master");
  cmd->add_option("--pid-file", o->pid_file, "File to write the container's init pid to");
  cmd->add_flag("--no-pivot", o->no_pivot, "Use MS_MOVE and chroot instead of pivot_root");
  cmd->add_flag("--no-new-keyring", o->no_new_keyring, "Do not create a new session keyring");
  cmd->add_option("--preserve-fds", o->preserve_fds, "Pass N extra fds (3 .. 3+N-1) to the container");
  cmd->add_option("id", o->id, "Container id")->required();
}

void RegisterCreate(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("create", "Create a container (its process waits for `start`)");
  AddCreateFlags(cmd, &ctx.create);
  cmd->callback([&ctx] {
    ctx.command = "create";
    ctx.action = [&ctx]() -> Result<int> {
      IC_TRY(runtime::Create(ctx.global, ctx.create));
      return 0;
    };
  });
}

void RegisterStart(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("start", "Start the user process of a created container");
  cmd->add_option("id", ctx.id, "Container id")->required();
  cmd->callback([&ctx] {
    ctx.command = "start";
    ctx.action = [&ctx]() -> Result<int> {
      IC_TRY(runtime::Start(ctx.global, ctx.id));
      return 0;
    };
  });
}

void RegisterRun(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("run", "Create and start a container");
  AddCreateFlags(cmd, &ctx.create);
  cmd->add_flag("-d,--detach", ctx.detach, "Detach from the container's process");
  cmd->callback([&ctx] {
    ctx.command = "run";
    ctx.action = [&ctx]() -> Result<int> { return runtime::Run(ctx.global, ctx.create, ctx.detach); };
  });
}

void RegisterDelete(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("delete", "Delete a container and its resources");
  cmd->add_flag("-f,--force", ctx.force, "Kill the container first if it is running");
  cmd->add_option("id", ctx.id, "Container id")->required();
  cmd->callback([&ctx] {
    ctx.command = "delete";
    ctx.action = [&ctx]() -> Result<int> {
      auto r = runtime::Delete(ctx.global, ctx.id, ctx.force);
      // As runc: deleting a missing container with --force succeeds.
      if (!r && ctx.force && r.error().code() == ErrorCode::kNotFound) return 0;
      IC_TRY(std::move(r));
      return 0;
    };
  });
}

void RegisterKill(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("kill", "Send a signal to the container's init (default SIGTERM)");
  cmd->add_flag("-a,--all", ctx.all, "Send the signal to all processes of the container");
  cmd->add_option("id", ctx.id, "Container id")->required();
  cmd->add_option("signal", ctx.signal, "Signal name (KILL, SIGKILL) or number");
  cmd->callback([&ctx] {
    ctx.command = "kill";
    ctx.action = [&ctx]() -> Result<int> {
      IC_ASSIGN_OR_RETURN(int s, runtime::ParseSignal(ctx.signal));
      IC_TRY(runtime::Kill(ctx.global, ctx.id, s, ctx.all));
      return 0;
    };
  });
}

}  // namespace inclavare::rune
