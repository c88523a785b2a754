#include "common/log.h"

#include "common/clock.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include <nlohmann/json.hpp>

namespace inclavare::log {
namespace {

struct State {
  Options options;
  int fd = STDERR_FILENO;
};

State& GetState() {
  static State state;
  return state;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warning";
    case Level::Error: return "error";
  }
  return "info";
}


void WriteAll(int fd, const std::string& line) {
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // logging never fails the caller
    off += static_cast<size_t>(n);
  }
}

}  // namespace

Result<> Configure(const Options& options) {
  State& s = GetState();
  if (!options.file.empty()) {
    int fd = ::open(options.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoError("open log file " + options.file);
    if (s.fd != STDERR_FILENO) ::close(s.fd);
    s.fd = fd;
  }
  s.options = options;
  return {};
}

bool Enabled(Level level) { return level >= GetState().options.min_level; }

void Write(Level level, std::string_view msg) {
  const State& s = GetState();
  std::string line;
  if (s.options.format == Format::Json) {
    nlohmann::json j = {{"level", LevelName(level)}, {"msg", msg}, {"time", Rfc3339Now()}};
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else if (s.fd != STDERR_FILENO) {
    // A log file in text mode gets logrus's text format, as runc writes it:
    //   time="..." level=error msg="..."
    nlohmann::json quoted = std::string(msg);
    line = "time=\"" + Rfc3339Now() + "\" level=" + LevelName(level) + " msg=" +
           quoted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = s.options.text_prefix;
    if (level != Level::Error) line += std::string(LevelName(level)) + ": ";
    line.append(msg);
  }
  line += '\n';
  WriteAll(s.fd, line);
}

Result<Level> ParseLevel(std::string_view name) {
  if (name == "debug") return Level::Debug;
  if (name == "info") return Level::Info;
  if (name == "warn" || name == "warning") return Level::Warn;
  if (name == "error") return Level::Error;
  return InvalidArgument("unknown log level \"" + std::string(name) + "\"");
}

}  // namespace inclavare::log
