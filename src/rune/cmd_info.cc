// state, list, spec, features.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "oci/spec.h"
#include "rune/cli.h"
#include "runtime/features.h"

namespace inclavare::rune {
namespace {

Result<> Print(const nlohmann::json& j) { return fs::WriteAll(STDOUT_FILENO, j.dump(2) + "\n"); }

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

Result<int> List(Context& c) {
  if (c.format != "table" && c.format != "json")
    return InvalidArgument("invalid format option \"" + c.format + "\": use table or json");
  IC_ASSIGN_OR_RETURN(auto list, runtime::List(c.global));
  std::string out;
  if (c.quiet) {
    for (const auto& info : list) out += info.state.id + "\n";
  } else if (c.format == "json") {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& info : list) arr.push_back(InfoJson(info));
    // runc prints "null" for no containers.
    out = (list.empty() ? std::string("null") : arr.dump()) + "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& info : list)
      rows.push_back({info.state.id, std::to_string(info.state.pid), info.state.status, info.state.bundle,
                      ShortTime(info.created), info.owner});
    out = Table(rows);
  }
  IC_TRY(fs::WriteAll(STDOUT_FILENO, out));
  return 0;
}

}  // namespace

std::vector<Command> InfoCommands() {
  std::vector<Command> cmds;
  cmds.push_back({"state", "<container-id>", "print the state of a container as JSON", {}, 1, 1,
                  [](Context& c) -> Result<int> {
                    IC_ASSIGN_OR_RETURN(runtime::ContainerInfo info, runtime::Inspect(c.global, c.args[0]));
                    IC_TRY(Print(InfoJson(info)));
                    return 0;
                  }});
  cmds.push_back({"list", "", "list containers",
                  {CtxString("format", 'f', "table or json", &Context::format),
                   CtxBool("quiet", 'q', "print only container ids", &Context::quiet)},
                  0, 0, List});
  cmds.push_back({"spec", "", "write a default config.json",
                  {CtxString("bundle", 'b', "bundle directory to write config.json into", &Context::bundle),
                   CtxBool("rootless", 0, "a spec for a rootless container", &Context::rootless)},
                  0, 0, [](Context& c) -> Result<int> {
                    std::string path = fs::Join(c.bundle.empty() ? "." : c.bundle, "config.json");
                    if (fs::Exists(path)) return AlreadyExists("File " + path + " exists. Remove it first");
                    std::string text = oci::ToJson(oci::DefaultSpec(c.rootless)).dump(1, '\t') + "\n";
                    IC_TRY(fs::WriteFile(path, text, /*create=*/true, 0666));
                    return 0;
                  }});
  cmds.push_back({"features", "", "show what this runtime supports (runtime-spec features.md)", {}, 0, 0,
                  [](Context&) -> Result<int> {
                    IC_TRY(Print(runtime::FeaturesJson()));
                    return 0;
                  }});
  return cmds;
}

}  // namespace inclavare::rune
