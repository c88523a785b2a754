#include <gtest/gtest.h>

#include "oci/spec.h"
#include "runtime/internal/init.h"

namespace inclavare::runtime::internal {
namespace {

TEST(RuneletHandoverTest, ContextRoundTrips) {
  oci::Spec spec = oci::DefaultSpec(/*rootless=*/false);
  spec.hostname = "enclave-host";
  InitContext ctx;
  ctx.spec = &spec;
  ctx.id = "c1";
  ctx.bundle = "/b";
  ctx.rootfs = "/b/rootfs";
  ctx.options.no_pivot = true;
  ctx.options.preserve_fds = 2;
  ctx.options.console_socket = "/tmp/console.sock";
  ctx.start_listen_fd = 7;
  ctx.console_socket_fd = 8;
  ctx.runelet_listen_fd = 9;
  ctx.join.push_back({.type = oci::NamespaceType::kNetwork, .path = "/proc/1/ns/net"});
  ctx.new_user_ns = true;
  ctx.two_stage = true;
  ctx.two_stage_unshare = 0x20000;
  ctx.self_join_tasks = {"/sys/fs/cgroup/pids/c1/tasks"};
  ctx.wait_go = false;
  ctx.stop_for_hooks = true;
  ctx.enclave = EnclaveSettings{.type = EnclaveType::kSim, .runtime_path = "/pal.so", .runtime_args = "a"};
  ctx.sim_dir = "/var/lib/inclavare/sim";

  nlohmann::json j = InitContextToJson(ctx);
  oci::Spec spec2;
  InitContext back;
  ASSERT_TRUE(InitContextFromJson(j, &spec2, &back));
  EXPECT_EQ(spec2, spec);
  EXPECT_EQ(back.spec, &spec2);
  EXPECT_EQ(back.id, "c1");
  EXPECT_EQ(back.rootfs, "/b/rootfs");
  EXPECT_TRUE(back.options.no_pivot);
  EXPECT_EQ(back.options.preserve_fds, 2);
  EXPECT_EQ(back.options.console_socket, "/tmp/console.sock");
  EXPECT_EQ(back.start_listen_fd, 7);
  EXPECT_EQ(back.console_socket_fd, 8);
  EXPECT_EQ(back.runelet_listen_fd, 9);
  ASSERT_EQ(back.join.size(), 1u);
  EXPECT_EQ(back.join[0].path, "/proc/1/ns/net");
  EXPECT_TRUE(back.new_user_ns);
  EXPECT_TRUE(back.two_stage);
  EXPECT_EQ(back.two_stage_unshare, 0x20000u);
  EXPECT_EQ(back.self_join_tasks, ctx.self_join_tasks);
  EXPECT_FALSE(back.wait_go);
  ASSERT_TRUE(back.enclave);
  EXPECT_EQ(*back.enclave, *ctx.enclave);
  EXPECT_EQ(back.sim_dir, ctx.sim_dir);
  (void)back.sync.fd().Release();  // fd -1 in the JSON: nothing to close
}

TEST(RuneletHandoverTest, MalformedContextIsAnError) {
  oci::Spec spec;
  InitContext ctx;
  EXPECT_FALSE(InitContextFromJson(nlohmann::json::object(), &spec, &ctx));
  EXPECT_FALSE(InitContextFromJson({{"spec", 3}}, &spec, &ctx));
}

}  // namespace
}  // namespace inclavare::runtime::internal
