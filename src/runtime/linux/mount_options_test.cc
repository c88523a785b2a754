#include "runtime/linux/mount_options.h"

#include <linux/mount.h>
#include <sys/mount.h>

#include <gtest/gtest.h>

namespace inclavare::runtime {
namespace {

TEST(MountOptionsTest, FlagsPropagationAndData) {
  MountOptions o = ParseMountOptions({"rbind", "ro", "nosuid", "size=64k", "mode=755", "rslave"});
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID));
  EXPECT_EQ(o.data, "size=64k,mode=755");
  ASSERT_EQ(o.propagation.size(), 1u);
  EXPECT_EQ(o.propagation[0], static_cast<unsigned long>(MS_SLAVE | MS_REC));
  EXPECT_TRUE(o.IsBind());
}

TEST(MountOptionsTest, LaterOptionWins) {
  MountOptions o = ParseMountOptions({"ro", "rw", "nodev", "dev"});
  EXPECT_EQ(o.flags & MS_RDONLY, 0u);
  EXPECT_EQ(o.flags & MS_NODEV, 0u);
  EXPECT_NE(o.clear_flags & MS_RDONLY, 0u);
}

TEST(MountOptionsTest, RecursiveAttributes) {
  MountOptions o = ParseMountOptions({"rbind", "rro", "rnosuid"});
  EXPECT_TRUE(o.recursive_attrs);
  EXPECT_EQ(o.attr_set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
  EXPECT_EQ(o.flags & MS_RDONLY, 0u);
}

TEST(MountOptionsTest, RootfsPropagationNames) {
  EXPECT_EQ(PropagationFlag("rprivate"), static_cast<unsigned long>(MS_PRIVATE | MS_REC));
  EXPECT_EQ(PropagationFlag("shared"), static_cast<unsigned long>(MS_SHARED));
  EXPECT_EQ(PropagationFlag("bogus"), 0u);
}

}  // namespace
}  // namespace inclavare::runtime
