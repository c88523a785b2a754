// rune's command line: runc's commands and flags, parsed with glibc's
// getopt_long. Each cmd_<area>.cc defines commands as data (flags bound to
// Context fields) plus a run function that calls the runtime library; main
// parses global flags, picks the command and prints errors once.
//
// Why not CLI11 (used by the other tools): its headers include <iostream>,
// whose static initialisation costs ~0.8 MiB of RSS in every rune
// invocation, a third of rune's 2.5 MiB budget (bench/run_vs_runc.sh).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/container.h"

namespace inclavare::rune {

// Flag values of the chosen command (one command runs per invocation).
struct Context {
  runtime::GlobalOptions global;
  runtime::CreateOptions create;
  std::string signal = "SIGTERM";
  std::string format = "table";
  std::string bundle;
  bool detach = false, force = false, all = false, quiet = false, rootless = false;
  bool tty = false, no_new_privs = false, ignore_paused = false;
  bool stats = false;  // events --stats
  std::vector<std::string> args;  // positional arguments after the flags
  std::map<std::string, std::string> values;  // Flag::value options (update)
  std::map<std::string, std::vector<std::string>> lists;  // Flag::list options (exec --env ...)
  runtime::ExecOptions exec;
};

struct Flag {
  const char* long_name;  // without "--"
  char short_name;        // 0: none
  const char* help;
  // Exactly one target: a string or int option takes a value; a bool is a
  // switch.
  std::string Context::*str = nullptr;
  bool Context::*boolean = nullptr;
  int runtime::CreateOptions::*create_int = nullptr;
  std::string runtime::CreateOptions::*create_str = nullptr;
  bool runtime::CreateOptions::*create_bool = nullptr;
  bool value = false;  // stored in Context::values[long_name]
  bool list = false;   // appended to Context::lists[long_name]; may repeat
};

// Flag constructors, one per target kind.
inline Flag CtxString(const char* name, char short_name, const char* help, std::string Context::*m) {
  Flag f{name, short_name, help};
  f.str = m;
  return f;
}
inline Flag CtxBool(const char* name, char short_name, const char* help, bool Context::*m) {
  Flag f{name, short_name, help};
  f.boolean = m;
  return f;
}
inline Flag CreateString(const char* name, char short_name, const char* help,
                         std::string runtime::CreateOptions::*m) {
  Flag f{name, short_name, help};
  f.create_str = m;
  return f;
}
inline Flag CreateBool(const char* name, const char* help, bool runtime::CreateOptions::*m) {
  Flag f{name, 0, help};
  f.create_bool = m;
  return f;
}
inline Flag CreateInt(const char* name, const char* help, int runtime::CreateOptions::*m) {
  Flag f{name, 0, help};
  f.create_int = m;
  return f;
}

inline Flag Value(const char* name, char short_name, const char* help) {
  Flag f{name, short_name, help};
  f.value = true;
  return f;
}

inline Flag Repeated(const char* name, char short_name, const char* help) {
  Flag f{name, short_name, help};
  f.list = true;
  return f;
}

struct Command {
  const char* name;
  const char* args_usage;  // e.g. "<container-id>"
  const char* summary;
  std::vector<Flag> flags;
  size_t min_args;
  size_t max_args;
  std::function<Result<int>(Context&)> run;
};

std::vector<Command> LifecycleCommands();  // create start run delete kill
std::vector<Command> InfoCommands();       // state list spec features
std::vector<Command> CgroupCommands();     // pause resume ps update
std::vector<Command> ExecCommands();       // exec
std::vector<Command> EnclaveCommands();    // attest
std::vector<Command> EventsCommands();     // events

}  // namespace inclavare::rune
