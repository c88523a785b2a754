#include "runtime/linux/path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/fs.h"

namespace inclavare::runtime {
namespace {

TEST(CleanPathTest, Lexical) {
  EXPECT_EQ(CleanPath("/a/../../b"), "/b");
  EXPECT_EQ(CleanPath("a//b/./c/"), "/a/b/c");
  EXPECT_EQ(CleanPath("/"), "/");
  EXPECT_EQ(CleanPath("../.."), "/");
}

class InRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ic-root-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    root_ = base_ + "/rootfs";
    outside_ = base_ + "/outside";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir(outside_.c_str(), 0755), 0);
  }
  void TearDown() override { (void)fs::RemoveAll(base_); }
  std::string base_, root_, outside_;
};

// CVE-2021-30465 class: symlinks and ".." in a destination never leave the root.
TEST_F(InRootTest, AbsoluteSymlinkIsClampedToRoot) {
  ASSERT_EQ(symlink(outside_.c_str(), (root_ + "/evil").c_str()), 0);
  auto root = OpenRoot(root_);
  ASSERT_TRUE(root);
  auto fd = MkdirAllInRoot(root->Get(), "/evil/sub", NodeKind::kDirectory);
  ASSERT_TRUE(fd) << fd.error().ToString();
  EXPECT_FALSE(fs::Exists(outside_ + "/sub"));
  // The link target was created inside the rootfs instead.
  EXPECT_TRUE(fs::Exists(root_ + outside_ + "/sub"));
}

TEST_F(InRootTest, DotDotIsClamped) {
  auto root = OpenRoot(root_);
  ASSERT_TRUE(root);
  auto fd = MkdirAllInRoot(root->Get(), "../../outside/x", NodeKind::kFile);
  ASSERT_TRUE(fd) << fd.error().ToString();
  EXPECT_FALSE(fs::Exists(outside_ + "/x"));
  EXPECT_TRUE(fs::Exists(root_ + "/outside/x"));
}

TEST_F(InRootTest, RelativeSymlinkEscapeIsClamped) {
  ASSERT_EQ(mkdir((root_ + "/a").c_str(), 0755), 0);
  ASSERT_EQ(symlink("../../../outside", (root_ + "/a/up").c_str()), 0);
  auto root = OpenRoot(root_);
  ASSERT_TRUE(root);
  auto fd = MkdirAllInRoot(root->Get(), "/a/up/y", NodeKind::kDirectory);
  ASSERT_TRUE(fd) << fd.error().ToString();
  EXPECT_FALSE(fs::Exists(outside_ + "/y"));
}

TEST_F(InRootTest, FileWhereDirectoryExpectedIsAnError) {
  ASSERT_TRUE(fs::WriteFile(root_ + "/f", "x", true));
  auto root = OpenRoot(root_);
  ASSERT_TRUE(root);
  auto fd = MkdirAllInRoot(root->Get(), "/f", NodeKind::kDirectory);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().sys_errno(), ENOTDIR);
}

// A file that is not on a procfs (a fake /proc/sys/...) is never written.
TEST_F(InRootTest, WriteProcfsFileRefusesOtherFilesystems) {
  ASSERT_TRUE(fs::WriteFile(root_ + "/ip_forward", "fake\n", true));
  auto r = WriteProcfsFile(root_ + "/ip_forward", "1");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("not on a procfs"), std::string::npos) << r.error().ToString();
  EXPECT_EQ(*fs::ReadFile(root_ + "/ip_forward"), "fake\n");
}

TEST(WriteProcfsFileTest, WritesProcfsFiles) {
  auto before = fs::ReadFile("/proc/self/oom_score_adj");
  ASSERT_TRUE(before);
  EXPECT_TRUE(WriteProcfsFile("/proc/self/oom_score_adj", *before));
}

}  // namespace
}  // namespace inclavare::runtime
