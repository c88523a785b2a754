#include "common/error.h"

#include <gtest/gtest.h>

namespace inclavare {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd number " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  IC_ASSIGN_OR_RETURN(int h, Half(x));
  IC_ASSIGN_OR_RETURN(int q, Half(h).Wrap("second half"));
  return q;
}

Result<> Check(int x) {
  IC_TRY(Quarter(x));
  return {};
}

TEST(ErrorTest, PropagatesValuesAndErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().ToString(), "second half: odd number 3");
  EXPECT_TRUE(Check(4));
  EXPECT_FALSE(Check(5));
}

TEST(ErrorTest, ErrnoErrorsCarryErrnoAndCode) {
  Error e = ErrnoError("open /x", ENOENT);
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_EQ(e.sys_errno(), ENOENT);
  EXPECT_EQ(std::move(e).Wrap("mount /proc").ToString(), "mount /proc: open /x: No such file or directory");
  EXPECT_EQ(ErrnoError("x", EPERM).code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(ErrnoError("x", EEXIST).code(), ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace inclavare
