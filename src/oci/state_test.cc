#include "oci/state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "oci/spec.h"

namespace inclavare::oci {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

TEST(StateTest, ToJsonMatchesRuntimeSpecExample) {
  // The example state in runtime-spec runtime.md#state.
  State st{.oci_version = "0.2.0",
           .id = "oci-container1",
           .status = kStatusRunning,
           .pid = 4422,
           .bundle = "/containers/redis",
           .annotations = {{"myKey", "myValue"}}};
  EXPECT_EQ(ToJson(st), Json::parse(R"({
    "ociVersion": "0.2.0", "id": "oci-container1", "status": "running", "pid": 4422,
    "bundle": "/containers/redis", "annotations": {"myKey": "myValue"}})"));
}

TEST(StateTest, OmitsPidWhenStoppedAndEmptyAnnotations) {
  State st{.oci_version = kOciVersion, .id = "c1", .status = kStatusStopped, .pid = 0, .bundle = "/b"};
  EXPECT_EQ(ToJson(st), Json::parse(R"({"ociVersion": "1.1.0", "id": "c1", "status": "stopped", "bundle": "/b"})"));
}

TEST(StateTest, RoundTrip) {
  State st{.oci_version = kOciVersion,
           .id = "web",
           .status = kStatusCreated,
           .pid = 77,
           .bundle = "/run/b",
           .annotations = {{"a", "1"}, {"enclave.type", "sim"}}};
  auto back = ParseState(ToJson(st).dump());
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, st);

  State stopped{.oci_version = kOciVersion, .id = "x", .status = kStatusStopped};
  EXPECT_EQ(ParseState(ToJson(stopped).dump()).value(), stopped);
}

TEST(StateTest, ParsesWhatRuncAndHooksSee) {
  // runc state prints extra fields (rootfs, created, owner); they are ignored.
  auto st = ParseState(R"({"ociVersion": "1.0.2-dev", "id": "c", "pid": 1234, "status": "paused",
    "bundle": "/b", "rootfs": "/b/rootfs", "created": "2026-11-27T13:00:00Z", "owner": "",
    "annotations": null})");
  ASSERT_TRUE(st.has_value()) << st.error().ToString();
  EXPECT_EQ(st->status, kStatusPaused);
  EXPECT_EQ(st->pid, 1234);
  EXPECT_TRUE(st->annotations.empty());
}

TEST(StateTest, Errors) {
  EXPECT_EQ(ParseState(R"({"status": "running"})").error().ToString(), "id: required field is missing");
  EXPECT_EQ(ParseState(R"({"id": "c"})").error().ToString(), "status: required field is missing");
  EXPECT_EQ(ParseState(R"({"id": "c", "status": "running", "pid": "1"})").error().ToString(),
            "pid: expected an integer, got string");
  EXPECT_EQ(ParseState(R"({"id": "c", "status": "running", "annotations": {"k": 1}})").error().ToString(),
            "annotations.k: expected a string, got number");
  EXPECT_EQ(ParseState("[]").error().ToString(), "config: expected an object, got array");
  auto syntax = ParseState("{\"id\": ");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_EQ(syntax.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(syntax.error().ToString(), HasSubstr("parse error"));
  EXPECT_THAT(syntax.error().ToString(), ::testing::Not(::testing::StartsWith("[json.exception")));
}

}  // namespace
}  // namespace inclavare::oci
