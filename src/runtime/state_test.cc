#include "runtime/state.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "common/fs.h"

namespace inclavare::runtime {
namespace {

TEST(ValidateIdTest, RuncRules) {
  EXPECT_TRUE(ValidateId("abc-1.2_3+x"));
  EXPECT_FALSE(ValidateId(""));
  EXPECT_FALSE(ValidateId("."));
  EXPECT_FALSE(ValidateId(".."));
  EXPECT_FALSE(ValidateId("a/b"));
  EXPECT_FALSE(ValidateId("../x"));
  EXPECT_FALSE(ValidateId("a b"));
}

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ic-state-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { (void)fs::RemoveAll(root_); }
  std::string root_;
};

TEST_F(StateDirTest, CreateSaveLoadRemove) {
  auto dir = StateDir::Create(root_, "c1");
  ASSERT_TRUE(dir) << dir.error().ToString();
  EXPECT_EQ(StateDir::Create(root_, "c1").error().code(), ErrorCode::kAlreadyExists);
  ContainerRecord r;
  r.id = "c1";
  r.bundle = "/b";
  r.init_pid = 42;
  r.annotations["k"] = "v";
  r.cgroup_paths["memory"] = "/sys/fs/cgroup/memory/c1";
  oci::Spec spec;
  spec.hooks.poststop.push_back({.path = "/bin/true", .args = {"true"}, .env = {}, .timeout = 5});
  r.config = oci::ToJson(spec);
  ASSERT_TRUE(dir->Save(r));
  auto back = dir->Load();
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->bundle, "/b");
  EXPECT_EQ(back->init_pid, 42);
  EXPECT_EQ(back->annotations, r.annotations);
  EXPECT_EQ(back->cgroup_paths, r.cgroup_paths);
  auto hooks = HooksOf(*back);
  ASSERT_TRUE(hooks);
  EXPECT_EQ(hooks->poststop, spec.hooks.poststop);
  EXPECT_EQ(ListIds(root_), std::vector<std::string>{"c1"});
  ASSERT_TRUE(dir->Remove());
  EXPECT_EQ(StateDir::Open(root_, "c1").error().code(), ErrorCode::kNotFound);
}

TEST(ProcessStartTimeTest, SelfAndMissing) {
  EXPECT_NE(ProcessStartTime(getpid()), 0u);
  EXPECT_EQ(ProcessStartTime(0), 0u);
}

}  // namespace
}  // namespace inclavare::runtime
