#include "oci/state.h"

#include "oci/json_util.h"

namespace inclavare::oci {

using Json = nlohmann::json;

Json ToJson(const State& state) {
  Json j = {{"ociVersion", state.oci_version},
            {"id", state.id},
            {"status", state.status},
            {"bundle", state.bundle}};
  if (state.pid != 0) j["pid"] = state.pid;
  if (!state.annotations.empty()) j["annotations"] = state.annotations;
  return j;
}

Result<> FromJson(const Json& j, const std::string& path, State* out) {
  IC_TRY(json::ExpectObject(j, path));
  IC_TRY(json::Optional(j, path, "ociVersion", &out->oci_version));
  IC_TRY(json::Required(j, path, "id", &out->id));
  IC_TRY(json::Required(j, path, "status", &out->status));
  IC_TRY(json::Optional(j, path, "pid", &out->pid));
  IC_TRY(json::Optional(j, path, "bundle", &out->bundle));
  IC_TRY(json::Optional(j, path, "annotations", &out->annotations));
  return {};
}

Result<State> ParseState(std::string_view json_text) {
  Json j;
  try {
    j = Json::parse(json_text.begin(), json_text.end());
  } catch (const Json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " id, keep the text.
    std::string msg = e.what();
    size_t end = msg.rfind("] ", msg.find(' '));
    return InvalidArgument(msg[0] == '[' && end != std::string::npos ? msg.substr(end + 2) : msg);
  }
  State state;
  IC_TRY(FromJson(j, "", &state));
  return state;
}

}  // namespace inclavare::oci
