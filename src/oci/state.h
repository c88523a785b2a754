// The OCI container state (runtime.md#state): what `rune state <id>` prints
// and what hooks receive on stdin.
//
//   oci::State st{.oci_version = oci::kOciVersion, .id = "web", .status = "running",
//                 .pid = 4242, .bundle = "/run/bundles/web"};
//   std::cout << oci::ToJson(st).dump(2);
//   // {"annotations":..., "bundle": "/run/bundles/web", "id": "web", "ociVersion": "1.1.0",
//   //  "pid": 4242, "status": "running"}
//
// JSON fields: ociVersion, id, status, pid, bundle, annotations. Per the spec,
// pid is REQUIRED while status is "created" or "running" and left out
// otherwise (ToJson omits it when pid is 0); annotations are omitted when
// empty.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace inclavare::oci {

// The statuses the spec defines.
inline constexpr const char kStatusCreating[] = "creating";
inline constexpr const char kStatusCreated[] = "created";
inline constexpr const char kStatusRunning[] = "running";
inline constexpr const char kStatusStopped[] = "stopped";
// runc's extra status for a frozen container (runc `state` prints it).
inline constexpr const char kStatusPaused[] = "paused";

struct State {
  std::string oci_version;  // JSON "ociVersion"
  std::string id;
  std::string status;  // one of the kStatus* values
  int pid = 0;         // host pid of the container's init; 0 = none
  std::string bundle;  // absolute path of the bundle directory
  std::map<std::string, std::string> annotations;
  bool operator==(const State&) const = default;
};

// ociVersion, id, status, bundle are always written; pid when non-zero;
// annotations when non-empty.
nlohmann::json ToJson(const State& state);

// Reads a state object; id and status are required (json_util messages,
// e.g. "id: required field is missing"), the rest optional. Unknown keys are
// ignored.
Result<> FromJson(const nlohmann::json& j, const std::string& path, State* out);
// Parses state JSON text (e.g. a hook's stdin). Syntax errors are
// InvalidArgument with nlohmann's message.
Result<State> ParseState(std::string_view json_text);

}  // namespace inclavare::oci
