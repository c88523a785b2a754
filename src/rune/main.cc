// rune: a runc-compatible OCI runtime.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/fs.h"
#include "common/log.h"
#include "oci/spec.h"
#include "rune/cli.h"
#include "runtime/linux/cloned_binary.h"
#include "runtime/rootless.h"

namespace inclavare::rune {
namespace {

constexpr const char kVersion[] = "0.1.0";

struct Global {
  std::string log_file;
  std::string log_format = "text";
  bool debug = false;
  bool version = false;
  bool help = false;
  bool root_given = false;  // --root; else runtime::DefaultStateRoot()
};

std::string Usage(const std::vector<Command>& cmds) {
  std::string s =
      "rune: a runc-compatible OCI runtime that can run containers inside enclaves\n\n"
      "Usage: rune [global options] <command> [command options] [arguments]\n\nCommands:\n";
  for (const auto& c : cmds) s += "  " + std::string(c.name) + std::string(12 - strlen(c.name), ' ') + c.summary + "\n";
  s += "  help        show this help\n\n"
       "Global options:\n"
       "  --root DIR            root directory for container state (default /run/rune;\n"
       "                        unprivileged: $XDG_RUNTIME_DIR/rune)\n"
       "  --log FILE            log to FILE instead of stderr\n"
       "  --log-format FORMAT   log format: text (default) or json\n"
       "  --debug               log at debug level\n"
       "  --systemd-cgroup      manage cgroups through systemd (not implemented:\n"
       "                        create/run fail with the reason)\n"
       "  --criu PATH, --rootless VALUE\n"
       "                        accepted for runc compatibility and ignored (no\n"
       "                        checkpointing; rootless mode follows the euid)\n"
       "  -v, --version         print the version\n"
       "  -h, --help            show this help\n";
  return s;
}

std::string CommandUsage(const Command& c) {
  std::string s = "Usage: rune " + std::string(c.name) + (c.flags.empty() ? "" : " [options]") +
                  (*c.args_usage ? std::string(" ") + c.args_usage : std::string()) + "\n\n" + c.summary + "\n";
  if (!c.flags.empty()) s += "\nOptions:\n";
  for (const Flag& f : c.flags) {
    bool takes_value = f.str || f.create_str || f.create_int || f.value || f.list;
    std::string left = std::string("  ") + (f.short_name ? std::string("-") + f.short_name + ", " : "    ") + "--" +
                       f.long_name + (takes_value ? " VALUE" : "");
    if (left.size() < 32) left.append(32 - left.size(), ' ');
    s += left + " " + f.help + "\n";
  }
  return s;
}

void Out(const std::string& s) { (void)fs::WriteAll(STDOUT_FILENO, s); }

// Parses the global flags; returns the index of the command word.
Result<int> ParseGlobal(int argc, char** argv, Context& ctx, Global& g) {
  enum { kRoot = 256, kLog, kLogFormat, kDebug, kSystemd, kIgnoredArg };
  static const struct option opts[] = {
      {"root", required_argument, nullptr, kRoot},
      {"log", required_argument, nullptr, kLog},
      {"log-format", required_argument, nullptr, kLogFormat},
      {"debug", no_argument, nullptr, kDebug},
      {"systemd-cgroup", no_argument, nullptr, kSystemd},
      // runc flags that rune accepts and ignores: no checkpointing; rootless
      // mode is detected from the euid.
      {"criu", required_argument, nullptr, kIgnoredArg},
      {"rootless", required_argument, nullptr, kIgnoredArg},
      {"version", no_argument, nullptr, 'v'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  optind = 0;
  for (;;) {
    int c = getopt_long(argc, argv, "+vh", opts, nullptr);
    if (c == -1) break;
    switch (c) {
      case kRoot:
        ctx.global.root = optarg;
        g.root_given = true;
        break;
      case kLog: g.log_file = optarg; break;
      case kLogFormat:
        if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
          return InvalidArgument(std::string("invalid --log-format \"") + optarg + "\": use text or json");
        g.log_format = optarg;
        break;
      case kDebug: g.debug = true; break;
      case kSystemd: ctx.global.systemd_cgroup = true; break;
      case kIgnoredArg: break;
      case 'v': g.version = true; break;
      case 'h': g.help = true; break;
      default: return InvalidArgument(std::string("unknown or incomplete global option ") + argv[optind - 1]);
    }
  }
  return optind;
}

// Parses a command's flags and positional arguments (argv[0] is the command).
Result<bool> ParseCommand(const Command& cmd, int argc, char** argv, Context& ctx) {
  std::vector<struct option> opts;
  std::string shorts = "+h";
  for (size_t i = 0; i < cmd.flags.size(); ++i) {
    const Flag& f = cmd.flags[i];
    bool takes_value = f.str || f.create_str || f.create_int || f.value || f.list;
    opts.push_back({f.long_name, takes_value ? required_argument : no_argument, nullptr, static_cast<int>(1000 + i)});
    if (f.short_name) shorts += std::string(1, f.short_name) + (takes_value ? ":" : "");
  }
  opts.push_back({"help", no_argument, nullptr, 'h'});
  opts.push_back({nullptr, 0, nullptr, 0});
  opterr = 0;
  optind = 0;
  for (;;) {
    int c = getopt_long(argc, argv, shorts.c_str(), opts.data(), nullptr);
    if (c == -1) break;
    if (c == 'h') {
      Out(CommandUsage(cmd));
      return false;
    }
    const Flag* f = nullptr;
    if (c >= 1000) f = &cmd.flags[static_cast<size_t>(c - 1000)];
    for (const Flag& fl : cmd.flags)
      if (fl.short_name && fl.short_name == c) f = &fl;
    if (!f) {
      if (c == '?' && optopt && strchr(shorts.c_str(), optopt))
        return InvalidArgument(std::string("option -") + static_cast<char>(optopt) + " needs a value");
      return InvalidArgument(std::string("unknown or incomplete option ") + argv[optind - 1]);
    }
    if (f->value) ctx.values[f->long_name] = optarg;
    if (f->list) ctx.lists[f->long_name].push_back(optarg);
    if (f->str) ctx.*(f->str) = optarg;
    if (f->boolean) ctx.*(f->boolean) = true;
    if (f->create_str) ctx.create.*(f->create_str) = optarg;
    if (f->create_bool) ctx.create.*(f->create_bool) = true;
    if (f->create_int) {
      char* end = nullptr;
      long v = strtol(optarg, &end, 10);
      if (!*optarg || *end || v < 0 || v > 1 << 20)
        return InvalidArgument(std::string("--") + f->long_name + ": invalid number \"" + optarg + "\"");
      ctx.create.*(f->create_int) = static_cast<int>(v);
    }
  }
  for (int i = optind; i < argc; ++i) ctx.args.push_back(argv[i]);
  if (ctx.args.size() < cmd.min_args || ctx.args.size() > cmd.max_args) {
    std::string want = cmd.min_args == cmd.max_args ? "exactly " + std::to_string(cmd.min_args)
                                                     : std::to_string(cmd.min_args) + " to " +
                                                           std::to_string(cmd.max_args);
    return InvalidArgument("\"" + std::string(cmd.name) + "\" requires " + want + " argument(s): " +
                           cmd.args_usage);
  }
  return true;
}

int Main(int argc, char** argv) {
  std::vector<Command> cmds = LifecycleCommands();
  for (auto& c : InfoCommands()) cmds.push_back(std::move(c));
  for (auto& c : CgroupCommands()) cmds.push_back(std::move(c));
  for (auto& c : ExecCommands()) cmds.push_back(std::move(c));
  for (auto& c : EnclaveCommands()) cmds.push_back(std::move(c));
  for (auto& c : EventsCommands()) cmds.push_back(std::move(c));
  Context ctx;
  Global g;
  auto cmd_index = ParseGlobal(argc, argv, ctx, g);
  if (!cmd_index) {
    std::fprintf(stderr, "rune: %s\n", cmd_index.error().ToString().c_str());
    return 1;
  }
  if (g.version) {
    Out(std::string("rune version ") + kVersion + "\nspec: " + oci::kOciVersion + "\n");
    return 0;
  }
  if (g.help || *cmd_index >= argc || strcmp(argv[*cmd_index], "help") == 0) {
    Out(Usage(cmds));
    return 0;
  }
  const char* name = argv[*cmd_index];
  const Command* cmd = nullptr;
  for (const auto& c : cmds)
    if (strcmp(c.name, name) == 0) cmd = &c;
  if (!cmd) {
    std::fprintf(stderr, "rune: unknown command \"%s\" (see rune help)\n", name);
    return 1;
  }

  log::Options lo;
  lo.min_level = g.debug ? log::Level::Debug : log::Level::Info;
  lo.format = g.log_format == "json" ? log::Format::Json : log::Format::Text;
  lo.file = g.log_file;
  lo.text_prefix = "rune: ";
  if (auto r = log::Configure(lo); !r) {
    std::fprintf(stderr, "rune: %s\n", r.error().ToString().c_str());
    return 1;
  }
  Result<int> r = [&]() -> Result<int> {
    IC_ASSIGN_OR_RETURN(bool go, ParseCommand(*cmd, argc - *cmd_index, argv + *cmd_index, ctx));
    if (!go) return 0;
    // As runc: an unprivileged user's containers live under
    // $XDG_RUNTIME_DIR (rootless mode); spec and features need no state.
    if (!g.root_given && strcmp(name, "spec") != 0 && strcmp(name, "features") != 0) {
      IC_ASSIGN_OR_RETURN(ctx.global.root, runtime::DefaultStateRoot());
    }
    // CVE-2019-5736: a process entering a populated pid namespace runs from
    // a sealed executable (create/run decide once they have read the spec).
    // This re-executes rune, which parses its arguments again.
    if (strcmp(name, "exec") == 0) IC_TRY(runtime::EnsureSealedSelf(ctx.global.root));
    return cmd->run(ctx);
  }();
  if (!r) {
    std::string msg = std::string(name) + ": " + r.error().ToString();
    IC_LOG(Error, "{}", msg);
    // containerd reads the log file; a person reads stderr: tell both.
    if (!g.log_file.empty()) std::fprintf(stderr, "rune: %s\n", msg.c_str());
    return 1;
  }
  return *r;
}

}  // namespace
}  // namespace inclavare::rune

int main(int argc, char** argv) { return inclavare::rune::Main(argc, argv); }
