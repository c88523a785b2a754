// Linked into every fuzz-smoke executable: the parsers log each refused
// input at warning level (aesmd-sim: "unparsable request"), which would put
// hundreds of thousands of lines into the ctest log. Keep errors only.
#include <cstdio>
#include <cstdlib>

#include "common/log.h"

namespace {
const bool kQuiet = [] {
  inclavare::log::Options options;
  options.min_level = inclavare::log::Level::Error;
  if (!inclavare::log::Configure(options)) {
    std::fprintf(stderr, "fuzz-smoke: cannot configure logging\n");
    std::abort();
  }
  return true;
}();
}  // namespace
