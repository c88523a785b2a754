// OOM watchers (oom.h) on fake trees: v1 registration through
// cgroup.event_control (the test plays the kernel by signalling the
// eventfd), v2 inotify on fabricated memory.events / cgroup.events.
#include "runtime/cgroup/oom.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "runtime/cgroup/fake_cgroup_fs.h"

namespace inclavare::runtime::cgroup {
namespace {

using testing::FakeCgroupTree;
using ::testing::HasSubstr;

// Waits until fd is readable; false after a generous bound (a failure, not
// a timing assertion: the event has already been caused when this runs).
bool Readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  return ::poll(&p, 1, 10000) == 1;
}

class OomTest : public ::testing::Test {
 protected:
  void Init(std::unique_ptr<FakeCgroupTree> tree) {
    tree_ = std::move(tree);
    auto m = NewManager({.container_id = "c1"}, tree_->options());
    ASSERT_TRUE(m) << m.error().ToString();
    mgr_ = std::move(*m);
    ASSERT_TRUE(mgr_->Create());
  }
  std::string Dir(const std::string& controller) { return mgr_->GetPaths().at(controller); }
  void Put(const std::string& controller, const std::string& file, const std::string& content) {
    ASSERT_TRUE(fs::WriteFile(fs::Join(Dir(controller), file), content, true));
  }

  std::unique_ptr<FakeCgroupTree> tree_;
  std::unique_ptr<Manager> mgr_;
};

TEST_F(OomTest, V1RegistersEventfdAndReportsSignals) {
  Init(FakeCgroupTree::V1());
  Put("memory", "cgroup.event_control", "");
  auto w = OomWatcher::Open(*mgr_, &tree_->fs);
  ASSERT_TRUE(w) << w.error().ToString();
  // "<eventfd> <fd of memory.oom_control>", the kernel's registration format.
  auto writes = tree_->fs.WritesTo("/c1/cgroup.event_control");
  ASSERT_EQ(writes.size(), 1u);
  std::string efd = std::to_string((*w)->fd());
  ASSERT_EQ(writes[0].substr(0, efd.size() + 1), efd + " ");
  int ofd = std::stoi(writes[0].substr(efd.size() + 1));
  char link[256] = {};
  ASSERT_GT(::readlink(("/proc/self/fd/" + std::to_string(ofd)).c_str(), link, sizeof(link) - 1), 0);
  EXPECT_EQ(std::string(link), fs::Join(Dir("memory"), "memory.oom_control"));

  auto u = (*w)->Read();
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->ooms, 0u);
  EXPECT_FALSE(u->gone);

  uint64_t one = 1;
  ASSERT_EQ(::write((*w)->fd(), &one, sizeof(one)), 8);  // the kernel's OOM signal
  ASSERT_TRUE(Readable((*w)->fd()));
  u = (*w)->Read();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->ooms, 1u);
  EXPECT_FALSE(u->gone);

  // Cgroup removed: the kernel signals once more and the control file is gone.
  ASSERT_TRUE(fs::RemoveAll(fs::Join(Dir("memory"), "cgroup.event_control")));
  ASSERT_EQ(::write((*w)->fd(), &one, sizeof(one)), 8);
  u = (*w)->Read();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->ooms, 0u);
  EXPECT_TRUE(u->gone);
}

TEST_F(OomTest, V1WithoutMemoryHierarchy) {
  Init(FakeCgroupTree::V1());
  auto m = LoadManager({{"pids", Dir("pids")}}, tree_->options());
  ASSERT_TRUE(m);
  auto w = OomWatcher::Open(**m, &tree_->fs);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(w.error().ToString(), HasSubstr("memory"));
}

TEST_F(OomTest, V1RegistrationFailureIsReported) {
  Init(FakeCgroupTree::V1());  // no cgroup.event_control in this fake cgroup
  auto w = OomWatcher::Open(*mgr_, &tree_->fs);
  ASSERT_FALSE(w);
  EXPECT_THAT(w.error().ToString(), HasSubstr("cgroup.event_control"));
}

TEST_F(OomTest, V2CountsOomKillsAndSeesTheEnd) {
  Init(FakeCgroupTree::V2());
  Put("", "memory.events", "low 0\nhigh 0\nmax 2\noom 0\noom_kill 0\n");
  Put("", "cgroup.events", "populated 1\nfrozen 0\n");
  auto w = OomWatcher::Open(*mgr_, &tree_->fs);
  ASSERT_TRUE(w) << w.error().ToString();
  auto u = (*w)->Read();
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->ooms, 0u);
  EXPECT_FALSE(u->gone);

  Put("", "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
  ASSERT_TRUE(Readable((*w)->fd()));
  u = (*w)->Read();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->ooms, 1u);
  EXPECT_FALSE(u->gone);

  // Two more kills between reads; a "max" change alone is no OOM.
  Put("", "memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 3\n");
  u = (*w)->Read();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->ooms, 2u);
  Put("", "memory.events", "low 0\nhigh 0\nmax 10\noom 2\noom_kill 3\n");
  u = (*w)->Read();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->ooms, 0u);

  Put("", "cgroup.events", "populated 0\nfrozen 0\n");
  ASSERT_TRUE(Readable((*w)->fd()));
  u = (*w)->Read();
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->gone);
}

TEST_F(OomTest, V2CountersBeforeOpenAreNotReported) {
  Init(FakeCgroupTree::V2());
  Put("", "memory.events", "oom 4\noom_kill 4\n");
  Put("", "cgroup.events", "populated 1\nfrozen 0\n");
  auto w = OomWatcher::Open(*mgr_, &tree_->fs);
  ASSERT_TRUE(w);
  auto u = (*w)->Read();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->ooms, 0u);
}

TEST_F(OomTest, V2WithoutMemoryController) {
  Init(FakeCgroupTree::V2("cpu pids"));
  auto w = OomWatcher::Open(*mgr_, &tree_->fs);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(w.error().ToString(), HasSubstr("memory.events"));
}

TEST_F(OomTest, V2CgroupRemovedIsGone) {
  Init(FakeCgroupTree::V2());
  Put("", "memory.events", "oom 0\noom_kill 0\n");
  Put("", "cgroup.events", "populated 1\nfrozen 0\n");
  auto w = OomWatcher::Open(*mgr_, &tree_->fs);
  ASSERT_TRUE(w);
  ASSERT_TRUE(fs::RemoveAll(Dir("")));
  auto u = (*w)->Read();
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_TRUE(u->gone);
}

}  // namespace
}  // namespace inclavare::runtime::cgroup
