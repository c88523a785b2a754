// state, list, spec, features.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "oci/spec.h"
#include "rune/cli.h"
#include "runtime/features.h"

namespace inclavare::rune {
namespace {

void Print(const nlohmann::json& j) {
  std::string s = j.dump(2);
  s += '\n';
  (void)fs::WriteAll(STDOUT_FILENO, s);
}

// runc prints the creation time in Go's default time.Time format for the
// table; we print RFC 3339 (what its JSON carries), trimmed to seconds.
std::string ShortTime(const std::string& rfc3339) { return rfc3339.substr(0, 19) + "Z"; }

}  // namespace

void RegisterState(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("state", "Print the state of a container as JSON");
  cmd->add_option("id", ctx.id, "Container id")->required();
  cmd->callback([&ctx] {
    ctx.command = "state";
    ctx.action = [&ctx]() -> Result<int> {
      IC_ASSIGN_OR_RETURN(oci::State st, runtime::GetState(ctx.global, ctx.id));
      Print(oci::ToJson(st));
      return 0;
    };
  });
}

void RegisterList(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("list", "List containers");
  cmd->alias("ps-list");
  cmd->add_option("-f,--format", ctx.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_flag("-q,--quiet", ctx.quiet, "Print only ids");
  cmd->callback([&ctx] {
    ctx.command = "list";
    ctx.action = [&ctx]() -> Result<int> {
      IC_ASSIGN_OR_RETURN(auto list, runtime::List(ctx.global));
      std::string out;
      if (ctx.quiet) {
        for (const auto& c : list) out += c.state.id + "\n";
      } else if (ctx.format == "json") {
        // runc's container summary objects.
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& c : list) {
          arr.push_back({{"ociVersion", c.state.oci_version},
                         {"id", c.state.id},
                         {"pid", c.state.pid},
                         {"status", c.state.status},
                         {"bundle", c.state.bundle},
                         {"rootfs", ""},
                         {"created", c.created},
                         {"annotations", c.state.annotations},
                         {"owner", c.owner}});
        }
        // runc prints "null" for no containers.
        out = (list.empty() ? std::string("null") : arr.dump()) + "\n";
      } else {
        out = fmt::format("{:<12}{:<10}{:<10}{:<40}{:<32}{}\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
        for (const auto& c : list)
          out += fmt::format("{:<12}{:<10}{:<10}{:<40}{:<32}{}\n", c.state.id, c.state.pid, c.state.status,
                             c.state.bundle, ShortTime(c.created), c.owner);
      }
      IC_TRY(fs::WriteAll(STDOUT_FILENO, out));
      return 0;
    };
  });
}

void RegisterSpec(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("spec", "Write a default config.json");
  cmd->add_option("-b,--bundle", ctx.bundle, "Bundle directory to write config.json into");
  cmd->add_flag("--rootless", ctx.rootless, "A spec for a rootless container");
  cmd->callback([&ctx] {
    ctx.command = "spec";
    ctx.action = [&ctx]() -> Result<int> {
      std::string path = fs::Join(ctx.bundle.empty() ? "." : ctx.bundle, "config.json");
      if (fs::Exists(path)) return AlreadyExists("File " + path + " exists. Remove it first");
      std::string text = oci::ToJson(oci::DefaultSpec(ctx.rootless)).dump(1, '\t') + "\n";
      IC_TRY(fs::WriteFile(path, text, /*create=*/true, 0666));
      return 0;
    };
  });
}

void RegisterFeatures(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("features", "Show what this runtime supports (runtime-spec features.md)");
  cmd->callback([&ctx] {
    ctx.command = "features";
    ctx.action = []() -> Result<int> {
      Print(runtime::FeaturesJson());
      return 0;
    };
  });
}

}  // namespace inclavare::rune
