#include "common/log.h"

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include "common/fs.h"

namespace inclavare::log {
namespace {

TEST(LogTest, JsonLinesAsContainerdReadsThem) {
  char tmpl[] = "/tmp/ic-log-test-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_TRUE(Configure({.min_level = Level::Info, .format = Format::Json, .file = tmpl}));
  IC_LOG(Debug, "hidden {}", 1);
  IC_LOG(Error, "mount {} to {}: \"quoted\"", "proc", "/proc");
  auto text = fs::ReadFile(tmpl);
  ASSERT_TRUE(text);
  unlink(tmpl);
  ASSERT_EQ(std::count(text->begin(), text->end(), '\n'), 1);
  auto j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["msg"], "mount proc to /proc: \"quoted\"");
  EXPECT_TRUE(j["time"].is_string());
}

TEST(LogTest, ParseLevel) {
  EXPECT_EQ(*ParseLevel("debug"), Level::Debug);
  EXPECT_EQ(*ParseLevel("warning"), Level::Warn);
  EXPECT_FALSE(ParseLevel("loud"));
}

}  // namespace
}  // namespace inclavare::log
