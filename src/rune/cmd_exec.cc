// exec.
#include <cstdlib>

#include "rune/cli.h"

namespace inclavare::rune {

std::vector<Command> ExecCommands() {
  std::vector<Command> cmds;
  cmds.push_back(
      {"exec", "<container-id> <command> [args...]", "run a new process in a running container",
       {Value("process", 'p', "process.json with the process to run (replaces command and flags)"),
        CtxBool("tty", 't', "allocate a pseudo-TTY", &Context::tty),
        Value("console-socket", 0, "unix socket that receives the pty master"),
        CtxBool("detach", 'd', "detach from the process", &Context::detach),
        Value("pid-file", 0, "file to write the process pid to"),
        Repeated("env", 'e', "KEY=VALUE to add to the environment (repeatable)"),
        Value("cwd", 0, "working directory in the container"),
        Value("user", 'u', "uid[:gid] to run as"),
        Repeated("additional-gids", 'g', "additional group id (repeatable)"),
        Repeated("cap", 'c', "capability to add (repeatable)"),
        CtxBool("no-new-privs", 0, "set no_new_privs", &Context::no_new_privs),
        Value("preserve-fds", 0, "pass N extra fds (3 .. 3+N-1) to the process"),
        CtxBool("ignore-paused", 0, "allow exec in a paused container", &Context::ignore_paused)},
       1, 100000, [](Context& c) -> Result<int> {
         runtime::ExecOptions& o = c.exec;
         o.id = c.args[0];
         o.args.assign(c.args.begin() + 1, c.args.end());
         auto value = [&](const char* k) {
           auto it = c.values.find(k);
           return it == c.values.end() ? std::string() : it->second;
         };
         o.process_file = value("process");
         o.console_socket = value("console-socket");
         o.pid_file = value("pid-file");
         o.cwd = value("cwd");
         o.user = value("user");
         o.tty = c.tty;
         o.detach = c.detach;
         o.no_new_privs = c.no_new_privs;
         o.ignore_paused = c.ignore_paused;
         o.env = c.lists["env"];
         o.additional_gids = c.lists["additional-gids"];
         o.caps = c.lists["cap"];
         if (std::string n = value("preserve-fds"); !n.empty()) {
           char* end = nullptr;
           long v = strtol(n.c_str(), &end, 10);
           if (*end || v < 0) return InvalidArgument("--preserve-fds: invalid number \"" + n + "\"");
           o.preserve_fds = static_cast<int>(v);
         }
         if (o.process_file.empty() && o.args.empty())
           return InvalidArgument("\"exec\" requires a command, or --process");
         return runtime::Exec(c.global, o);
       }});
  return cmds;
}

}  // namespace inclavare::rune
