// state, list, spec, features.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

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
std::string ShortTime(const std::string& rfc3339) {
  return rfc3339.size() >= 19 ? rfc3339.substr(0, 19) + "Z" : rfc3339;
}

// `runc state` / `runc list -f json` objects: the OCI state plus rootfs,
// created and owner, and pid even when 0.
nlohmann::json InfoJson(const runtime::ContainerInfo& c) {
  nlohmann::json j = oci::ToJson(c.state);
  j["pid"] = c.state.pid;
  j["rootfs"] = c.rootfs;
  j["created"] = c.created;
  j["owner"] = c.owner;
  return j;
}

// Columns padded to the widest cell plus one space (Go's tabwriter with
// padding 1, as runc's list uses).
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out.append(width[i] - r[i].size() + 1, ' ');
    }
    out += '\n';
  }
  return out;
}

}  // namespace

void RegisterState(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("state", "Print the state of a container as JSON");
  cmd->add_option("id", ctx.id, "Container id")->required();
  cmd->callback([&ctx] {
    ctx.command = "state";
    ctx.action = [&ctx]() -> Result<int> {
      IC_ASSIGN_OR_RETURN(runtime::ContainerInfo info, runtime::Inspect(ctx.global, ctx.id));
      Print(InfoJson(info));
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
        for (const auto& c : list) arr.push_back(InfoJson(c));
        // runc prints "null" for no containers.
        out = (list.empty() ? std::string("null") : arr.dump()) + "\n";
      } else {
        std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
        for (const auto& c : list)
          rows.push_back({c.state.id, std::to_string(c.state.pid), c.state.status, c.state.bundle,
                          ShortTime(c.created), c.owner});
        out = Table(rows);
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
