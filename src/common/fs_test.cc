#include "common/fs.h"

#include <sys/stat.h>

#include <cstdlib>

#include <gtest/gtest.h>

namespace inclavare::fs {
namespace {

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ic-fs-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::string dir_;
};

TEST_F(FsTest, AtomicWriteThenRead) {
  std::string p = Join(dir_, "state.json");
  ASSERT_TRUE(WriteFileAtomic(p, "one", 0600));
  ASSERT_TRUE(WriteFileAtomic(p, "two", 0600));
  EXPECT_EQ(*ReadFile(p), "two");
  struct stat st;
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FsTest, MkdirAllAndRemoveAll) {
  std::string deep = Join(dir_, "a/b/c");
  ASSERT_TRUE(MkdirAll(deep));
  ASSERT_TRUE(MkdirAll(deep));  // idempotent
  ASSERT_TRUE(WriteFile(Join(deep, "f"), "x", true));
  ASSERT_EQ(symlink("/etc", Join(dir_, "a/link").c_str()), 0);
  ASSERT_TRUE(RemoveAll(Join(dir_, "a")));
  EXPECT_FALSE(Exists(Join(dir_, "a")));
  EXPECT_TRUE(Exists("/etc/passwd"));  // the symlink was not followed
}

TEST_F(FsTest, ErrorsNameThePath) {
  auto r = ReadFile(Join(dir_, "missing"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("missing"), std::string::npos);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST(JoinTest, SingleSlash) {
  EXPECT_EQ(Join("/a/", "/b"), "/a/b");
  EXPECT_EQ(Join("a", "b"), "a/b");
}

}  // namespace
}  // namespace inclavare::fs
