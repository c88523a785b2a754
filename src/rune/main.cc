// rune: a runc-compatible OCI runtime.
#include <unistd.h>

#include <cstdio>

#include "common/log.h"
#include "oci/spec.h"
#include "rune/cli.h"

namespace inclavare::rune {
namespace {

constexpr const char kVersion[] = "0.1.0";

int Main(int argc, char** argv) {
  Context ctx;
  CLI::App app{"rune: a runc-compatible OCI runtime that can run containers inside enclaves", "rune"};
  app.require_subcommand(0, 1);
  app.set_help_all_flag("--help-all", "Show help for all subcommands");
  bool version = false;
  bool debug = false;
  std::string log_file, log_format = "text";
  app.add_flag("-v,--version", version, "Print the version");
  app.add_option("--root", ctx.global.root, "Root directory for container state")->capture_default_str();
  app.add_option("--log", log_file, "Log file (default: stderr)");
  app.add_option("--log-format", log_format, "Log format: text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", debug, "Enable debug logging");
  app.add_flag("--systemd-cgroup", ctx.global.systemd_cgroup, "Use systemd to manage cgroups");
  // Accepted for runc compatibility; rune has no use for them.
  std::string criu;
  bool rootless_flag = false;
  app.add_option("--criu", criu, "Ignored (checkpointing is not supported)")->group("");
  app.add_option("--rootless", rootless_flag, "Ignored: rootless mode is detected")->group("");

  RegisterCreate(app, ctx);
  RegisterStart(app, ctx);
  RegisterRun(app, ctx);
  RegisterState(app, ctx);
  RegisterKill(app, ctx);
  RegisterDelete(app, ctx);
  RegisterList(app, ctx);
  RegisterSpec(app, ctx);
  RegisterFeatures(app, ctx);
  app.add_subcommand("help", "Show help")->callback([&] {
    ctx.command = "help";
    ctx.action = [&app]() -> Result<int> {
      // app.help() would describe the selected "help" subcommand itself.
      std::fputs(app.get_formatter()->make_help(&app, "rune", CLI::AppFormatMode::Normal).c_str(), stdout);
      return 0;
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (version) {
    std::printf("rune version %s\nspec: %s\n", kVersion, oci::kOciVersion);
    return 0;
  }
  if (!ctx.action) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }

  log::Options lo;
  lo.min_level = debug ? log::Level::Debug : log::Level::Info;
  lo.format = log_format == "json" ? log::Format::Json : log::Format::Text;
  lo.file = log_file;
  lo.text_prefix = "rune: ";
  if (auto r = log::Configure(lo); !r) {
    std::fprintf(stderr, "rune: %s\n", r.error().ToString().c_str());
    return 1;
  }
  Result<int> r = ctx.action();
  if (!r) {
    std::string msg = ctx.command + ": " + r.error().ToString();
    IC_LOG(Error, "{}", msg);
    // containerd reads the log file; a person reads stderr: tell both.
    if (!log_file.empty()) std::fprintf(stderr, "rune: %s\n", msg.c_str());
    return 1;
  }
  return *r;
}

}  // namespace
}  // namespace inclavare::rune

int main(int argc, char** argv) { return inclavare::rune::Main(argc, argv); }
