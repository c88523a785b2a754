#include "runtime/linux/cloned_binary.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/fs.h"

namespace inclavare::runtime {
namespace {

class SealedExecutableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ic-sealed-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    bin_dir_ = base_ + "/bin:dir";  // ':' must be escaped for overlayfs
    empty_ = base_ + "/empty";
    ASSERT_EQ(mkdir(bin_dir_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir(empty_.c_str(), 0700), 0);
    exe_ = bin_dir_ + "/tool";
    ASSERT_TRUE(fs::WriteFile(exe_, "#!/bin/sh\nexit 42\n", /*create=*/true));
    ASSERT_EQ(chmod(exe_.c_str(), 0755), 0);
  }
  void TearDown() override { (void)fs::RemoveAll(base_); }

  // Runs the handle (a script: execveat needs the fd, so not O_CLOEXEC for
  // this test only) and returns the exit status.
  int RunHandle(int fd) {
    pid_t pid = fork();
    if (pid == 0) {
      int dup = ::fcntl(fd, F_DUPFD, 100);  // without FD_CLOEXEC
      char* argv[] = {const_cast<char*>("tool"), nullptr};
      char* envp[] = {nullptr};
      ::syscall(SYS_execveat, dup, "", argv, envp, AT_EMPTY_PATH);
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string base_, bin_dir_, empty_, exe_;
};

TEST_F(SealedExecutableTest, ReadOnlyOverlayViewWhenPrivileged) {
  bool copied = true;
  auto fd = OpenSealedExecutable(exe_, empty_, &copied);
  ASSERT_TRUE(fd) << fd.error().ToString();
  if (geteuid() != 0) GTEST_SKIP() << "overlayfs needs root: the memfd fallback was used";
  EXPECT_FALSE(copied);
  struct statfs sfs;
  ASSERT_EQ(fstatfs(fd->Get(), &sfs), 0);
  EXPECT_EQ(sfs.f_type, OVERLAYFS_SUPER_MAGIC);
  EXPECT_NE(sfs.f_flags & ST_RDONLY, 0u);
  // Reopening the handle for writing (what /proc/<pid>/exe allows) fails.
  std::string via = "/proc/self/fd/" + std::to_string(fd->Get());
  errno = 0;
  EXPECT_LT(::open(via.c_str(), O_WRONLY | O_CLOEXEC), 0);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(RunHandle(fd->Get()), 42);
}

TEST_F(SealedExecutableTest, SealedMemfdWhenOverlayfsRefuses) {
  // A second layer above the first is refused by overlayfs (ELOOP): the
  // copy is used instead.
  bool copied = false;
  auto fd = OpenSealedExecutable(exe_, base_, &copied);
  ASSERT_TRUE(fd) << fd.error().ToString();
  EXPECT_TRUE(copied);
  int seals = ::fcntl(fd->Get(), F_GET_SEALS);
  ASSERT_GE(seals, 0);
  EXPECT_NE(seals & F_SEAL_WRITE, 0);
  EXPECT_LT(::write(fd->Get(), "x", 1), 0);
  EXPECT_EQ(RunHandle(fd->Get()), 42);
}

TEST_F(SealedExecutableTest, ClearErrors) {
  auto missing = OpenSealedExecutable(bin_dir_ + "/missing", empty_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().ToString().find("missing"), std::string::npos) << missing.error().ToString();
  auto relative = OpenSealedExecutable("tool", empty_);
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().ToString().find("absolute"), std::string::npos) << relative.error().ToString();
  auto dir = OpenSealedExecutable(bin_dir_ + "/", empty_);
  EXPECT_FALSE(dir);
}

TEST_F(SealedExecutableTest, RunsFromSealedExeOfChildren) {
  EXPECT_FALSE(RunsFromSealedExe(getpid()));  // the test binary, on disk
  // An ELF (a script's exe would be its interpreter): through the overlay
  // view, then through the memfd copy ("/" overlaps every layer).
  for (const std::string& lower : {empty_, std::string("/")}) {
    auto fd = OpenSealedExecutable("/bin/sleep", lower);
    ASSERT_TRUE(fd) << fd.error().ToString();
    pid_t pid = fork();
    if (pid == 0) {
      int dup = ::fcntl(fd->Get(), F_DUPFD, 100);
      char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("30"), nullptr};
      char* envp[] = {nullptr};
      ::syscall(SYS_execveat, dup, "", argv, envp, AT_EMPTY_PATH);
      _exit(127);
    }
    bool sealed = false;
    for (int i = 0; i < 500 && !(sealed = RunsFromSealedExe(pid)); ++i) usleep(2000);
    EXPECT_TRUE(sealed) << "second layer " << lower;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
}

}  // namespace
}  // namespace inclavare::runtime
