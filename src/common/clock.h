// Time helpers shared by logging, state files and debug traces.
#pragma once

#include <cstdint>
#include <string>

namespace inclavare {

// Current UTC time as RFC 3339 with nanoseconds: "2026-11-27T13:00:00.123456789Z"
// (the format of runc's "created" field and logrus's "time").
std::string Rfc3339Now();

// Elapsed wall time since construction, for --debug traces.
class Stopwatch {
 public:
  Stopwatch();
  int64_t Micros() const;

 private:
  int64_t start_ns_;
};

}  // namespace inclavare
