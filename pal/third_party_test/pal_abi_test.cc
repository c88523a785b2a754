// The PAL ABI seen from C++ (the project's header) and from a third-party C
// PAL compiled against the installed header only: same sizes and offsets,
// and the C PAL driven through dlopen as rune drives any PAL.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/fs.h"
#include "enclave/pal/include/inclavare/pal.h"

namespace {

static_assert(sizeof(pal_attr_t) == 16);
static_assert(sizeof(pal_attr_v3_t) == 32);
static_assert(offsetof(pal_attr_v3_t, fd) == 16);
static_assert(offsetof(pal_attr_v3_t, addr) == 24);
static_assert(sizeof(pal_stdio_fds) == 12);
static_assert(sizeof(pal_create_process_args) == 40);
static_assert(sizeof(pal_exec_args) == 16);
static_assert(offsetof(pal_exec_args, exit_value) == 8);

std::vector<size_t> CxxLayout() {
  return {
      sizeof(pal_attr_t),
      offsetof(pal_attr_t, args),
      offsetof(pal_attr_t, log_level),
      sizeof(pal_attr_v3_t),
      offsetof(pal_attr_v3_t, attr_v1),
      offsetof(pal_attr_v3_t, fd),
      offsetof(pal_attr_v3_t, addr),
      sizeof(pal_stdio_fds),
      offsetof(pal_stdio_fds, stdin),
      offsetof(pal_stdio_fds, stdout),
      offsetof(pal_stdio_fds, stderr),
      sizeof(pal_create_process_args),
      offsetof(pal_create_process_args, path),
      offsetof(pal_create_process_args, argv),
      offsetof(pal_create_process_args, env),
      offsetof(pal_create_process_args, stdio),
      offsetof(pal_create_process_args, pid),
      sizeof(pal_exec_args),
      offsetof(pal_exec_args, pid),
      offsetof(pal_exec_args, exit_value),
  };
}

class ThirdPartyPalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = dlopen(IC_THIRD_PARTY_PAL, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
  }
  void TearDown() override {
    if (handle_ != nullptr) dlclose(handle_);
  }
  template <class F>
  F Sym(const char* name) {
    auto f = reinterpret_cast<F>(dlsym(handle_, name));
    EXPECT_NE(f, nullptr) << name;
    return f;
  }
  void* handle_ = nullptr;
};

TEST_F(ThirdPartyPalTest, BuiltAgainstTheInstalledHeaderOnly) {
  // The install rule put exactly the header into the prefix it compiled with.
  auto installed = inclavare::fs::ReadFile(std::string(IC_PAL_PREFIX) + "/include/inclavare/pal.h");
  auto source = inclavare::fs::ReadFile(IC_PAL_HEADER);
  ASSERT_TRUE(installed);
  ASSERT_TRUE(source);
  EXPECT_EQ(*installed, *source);
}

TEST_F(ThirdPartyPalTest, CAndCxxAgreeOnTheLayout) {
  auto layout = Sym<int (*)(size_t*, int)>("third_party_layout");
  ASSERT_NE(layout, nullptr);
  std::vector<size_t> c(32);
  const int n = layout(c.data(), static_cast<int>(c.size()));
  c.resize(n);
  EXPECT_EQ(c, CxxLayout());
}

TEST_F(ThirdPartyPalTest, DrivenLikeAnyPal) {
  ASSERT_EQ(Sym<pal_get_version_fn>("pal_get_version")(), 2);
  auto init = Sym<pal_init_v1_fn>("pal_init");
  pal_attr_t bad{"nope", "info"};
  EXPECT_EQ(init(&bad), -EINVAL);
  pal_attr_t good{"ok", "info"};
  ASSERT_EQ(init(&good), 0);

  int p[2];
  ASSERT_EQ(pipe(p), 0);
  std::string a0 = "/bin/app", a1 = "one two", a2 = "3";
  std::string e0 = "A=1";
  char* argv[] = {a0.data(), a1.data(), a2.data(), nullptr};
  char* env[] = {e0.data(), nullptr};
  pal_stdio_fds stdio{0, p[1], 2};
  int pid = -1;
  pal_create_process_args cp{a0.data(), argv, env, &stdio, &pid};
  ASSERT_EQ(Sym<pal_create_process_fn>("pal_create_process")(&cp), 0);
  EXPECT_GT(pid, 0);
  EXPECT_EQ(Sym<pal_kill_fn>("pal_kill")(pid, 0), 0);
  int exit_value = -1;
  pal_exec_args ex{pid, &exit_value};
  ASSERT_EQ(Sym<pal_exec_v2_fn>("pal_exec")(&ex), 0);
  close(p[1]);
  auto out = inclavare::fs::ReadFd(p[0]);
  close(p[0]);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "third-party: /bin/app argc=3 argv=/bin/app|one two|3 env=1\n");
  EXPECT_EQ(exit_value, 3);
  EXPECT_EQ(Sym<pal_destroy_fn>("pal_destroy")(), 0);
}

}  // namespace
