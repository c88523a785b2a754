// ParseDuration (Go duration syntax for `rune events --interval`) and the
// argument checks of Events() that need no container.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/container.h"

namespace inclavare::runtime {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(ParseDurationTest, GoSyntax) {
  EXPECT_EQ(ParseDuration("5s").value(), 5s);
  EXPECT_EQ(ParseDuration("500ms").value(), 500ms);
  EXPECT_EQ(ParseDuration("1m").value(), 1min);
  EXPECT_EQ(ParseDuration("1m30s").value(), 90s);
  EXPECT_EQ(ParseDuration("1.5h").value(), 90min);
  EXPECT_EQ(ParseDuration("2h45m").value(), 2h + 45min);
  EXPECT_EQ(ParseDuration("100us").value(), 100us);
  EXPECT_EQ(ParseDuration("100\xc2\xb5s").value(), 100us);
  EXPECT_EQ(ParseDuration("7ns").value(), 7ns);
  EXPECT_EQ(ParseDuration(".5s").value(), 500ms);
  EXPECT_EQ(ParseDuration("0").value(), 0ns);
  EXPECT_EQ(ParseDuration("+2s").value(), 2s);
  EXPECT_EQ(ParseDuration("-2s").value(), -2s);
}

TEST(ParseDurationTest, RejectsWithReason) {
  for (const char* bad : {"", "5", "s", "5x", "1..5s", "5s3", "abc", "-", "9999999999h"}) {
    auto d = ParseDuration(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(d.error().ToString(), HasSubstr(std::string("\"") + bad + "\"")) << bad;
  }
  EXPECT_THAT(ParseDuration("5").error().ToString(), HasSubstr("missing unit"));
  EXPECT_THAT(ParseDuration("5x").error().ToString(), HasSubstr("unknown unit \"x\""));
}

TEST(EventsTest, IntervalMustBePositive) {
  GlobalOptions g{.root = "/nonexistent-rune-root"};
  auto sink = [](const std::string&) -> Result<> { return {}; };
  auto r = Events(g, {.id = "c1", .interval = 0ns}, sink);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().ToString(), HasSubstr("interval"));
}

TEST(EventsTest, MissingContainer) {
  char tmpl[] = "/tmp/ic-events-root-XXXXXX";
  GlobalOptions g{.root = ::mkdtemp(tmpl)};
  auto sink = [](const std::string&) -> Result<> { return {}; };
  auto r = Events(g, {.id = "nosuch", .stats_only = true}, sink);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(r.error().ToString(), HasSubstr("nosuch"));
  ::rmdir(g.root.c_str());
}

}  // namespace
}  // namespace inclavare::runtime
