// Logging facade over fmt.
//
//   IC_LOG(Debug, "mount {} on {}", src, dst);
//   IC_LOG(Error, "create failed: {}", err.ToString());
//
// Tools log text to stderr by default ("rune: msg"); a text log file gets
// logrus's text lines (time="..." level=error msg="..."), as runc writes. rune's --log FILE --log-format json
// writes one JSON object per line, {"level":"error","msg":"...","time":"..."},
// the logrus shape that containerd's shim parses from <bundle>/log.json.
// Not thread-safe to configure; configure once at start-up.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/error.h"

namespace inclavare::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class Format { Text, Json };

struct Options {
  Level min_level = Level::Info;
  Format format = Format::Text;
  std::string file;        // empty: stderr
  std::string text_prefix; // e.g. "rune: " for text lines
};

// Opens the log file (append, created 0600) and sets the level and format.
Result<> Configure(const Options& options);
bool Enabled(Level level);
void Write(Level level, std::string_view msg);
// Parses "debug", "info", "warn"/"warning", "error".
Result<Level> ParseLevel(std::string_view name);

}  // namespace inclavare::log

#define IC_LOG(level, ...)                                                              \
  do {                                                                                  \
    if (::inclavare::log::Enabled(::inclavare::log::Level::level))                      \
      ::inclavare::log::Write(::inclavare::log::Level::level, ::fmt::format(__VA_ARGS__)); \
  } while (0)
