// `rune features`: what this build of rune supports, in the runtime-spec
// features.md format (ociVersionMin/Max, hooks, mountOptions, linux.*).
// Only what is actually implemented is listed.
#pragma once

#include <nlohmann/json.hpp>

namespace inclavare::runtime {

nlohmann::json FeaturesJson();

}  // namespace inclavare::runtime
