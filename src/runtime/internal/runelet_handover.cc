// The hand-over from rune's init to the init-runelet: rune is a static
// binary and cannot dlopen an enclave runtime, so the init of an enclave
// container execs rune-runelet (dynamic) before anything else and passes its
// context through a memfd; the runelet runs the same InitMain.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fs.h"
#include "runtime/internal/init.h"

namespace inclavare::runtime::internal {

nlohmann::json InitContextToJson(const InitContext& ctx) {
  nlohmann::json join = nlohmann::json::array();
  for (const auto& ns : ctx.join) join.push_back({{"type", oci::NamespaceTypeName(ns.type)}, {"path", ns.path}});
  const CreateOptions& o = ctx.options;
  return {
      {"spec", oci::ToJson(*ctx.spec)},
      {"id", ctx.id},
      {"bundle", ctx.bundle},
      {"rootfs", ctx.rootfs},
      {"options",
       {{"id", o.id},
        {"bundle", o.bundle},
        {"consoleSocket", o.console_socket},
        {"pidFile", o.pid_file},
        {"noPivot", o.no_pivot},
        {"noNewKeyring", o.no_new_keyring},
        {"preserveFds", o.preserve_fds}}},
      {"syncFd", ctx.sync.Get()},
      {"startListenFd", ctx.start_listen_fd},
      {"consoleSocketFd", ctx.console_socket_fd},
      {"consoleToParent", ctx.console_to_parent},
      {"join", join},
      {"newUserNs", ctx.new_user_ns},
      {"joinsUserNs", ctx.joins_user_ns},
      {"newCgroupNs", ctx.new_cgroup_ns},
      {"newMountNs", ctx.new_mount_ns},
      {"twoStageUnshare", ctx.two_stage_unshare},
      {"twoStage", ctx.two_stage},
      {"selfJoinTasks", ctx.self_join_tasks},
      {"waitGo", ctx.wait_go},
      {"stopForHooks", ctx.stop_for_hooks},
      {"enclave", ctx.enclave ? ToJson(*ctx.enclave) : nlohmann::json()},
      {"runeletListenFd", ctx.runelet_listen_fd},
      {"simDir", ctx.sim_dir},
  };
}

Result<> InitContextFromJson(const nlohmann::json& j, oci::Spec* spec, InitContext* ctx) {
  try {
    IC_ASSIGN_OR_RETURN(*spec, oci::ParseSpec(j.at("spec").dump()));
    ctx->spec = spec;
    ctx->id = j.at("id").get<std::string>();
    ctx->bundle = j.at("bundle").get<std::string>();
    ctx->rootfs = j.at("rootfs").get<std::string>();
    const auto& o = j.at("options");
    ctx->options.id = o.at("id").get<std::string>();
    ctx->options.bundle = o.at("bundle").get<std::string>();
    ctx->options.console_socket = o.at("consoleSocket").get<std::string>();
    ctx->options.pid_file = o.at("pidFile").get<std::string>();
    ctx->options.no_pivot = o.at("noPivot").get<bool>();
    ctx->options.no_new_keyring = o.at("noNewKeyring").get<bool>();
    ctx->options.preserve_fds = o.at("preserveFds").get<int>();
    ctx->sync = SyncSocket(UniqueFd(j.at("syncFd").get<int>()));
    ctx->start_listen_fd = j.at("startListenFd").get<int>();
    ctx->console_socket_fd = j.at("consoleSocketFd").get<int>();
    ctx->console_to_parent = j.at("consoleToParent").get<bool>();
    for (const auto& ns : j.at("join")) {
      auto type = oci::NamespaceTypeFromName(ns.at("type").get<std::string>());
      if (!type) return InvalidArgument("init context: bad namespace type");
      ctx->join.push_back({.type = *type, .path = ns.at("path").get<std::string>()});
    }
    ctx->new_user_ns = j.at("newUserNs").get<bool>();
    ctx->joins_user_ns = j.at("joinsUserNs").get<bool>();
    ctx->new_cgroup_ns = j.at("newCgroupNs").get<bool>();
    ctx->new_mount_ns = j.at("newMountNs").get<bool>();
    ctx->two_stage_unshare = j.at("twoStageUnshare").get<uint64_t>();
    ctx->two_stage = j.at("twoStage").get<bool>();
    ctx->self_join_tasks = j.at("selfJoinTasks").get<std::vector<std::string>>();
    ctx->wait_go = j.at("waitGo").get<bool>();
    ctx->stop_for_hooks = j.at("stopForHooks").get<bool>();
    if (!j.at("enclave").is_null()) {
      IC_ASSIGN_OR_RETURN(ctx->enclave, EnclaveSettingsFromJson(j.at("enclave")));
    }
    ctx->runelet_listen_fd = j.at("runeletListenFd").get<int>();
    ctx->sim_dir = j.at("simDir").get<std::string>();
    return {};
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("init context: ") + e.what());
  }
}

namespace {

Result<> KeepOpenAcrossExec(int fd) {
  if (fd < 0) return {};
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) return ErrnoError("fcntl");
  return {};
}

}  // namespace

Error ExecRunelet(const InitContext& ctx) {
  std::string text = InitContextToJson(ctx).dump();
  int mfd = static_cast<int>(::syscall(SYS_memfd_create, "init-context", 0u));
  if (mfd < 0) return ErrnoError("memfd_create");
  if (auto r = fs::WriteAll(mfd, text); !r) return std::move(r.error());
  if (::lseek(mfd, 0, SEEK_SET) != 0) return ErrnoError("lseek");
  for (int fd : {ctx.sync.Get(), ctx.start_listen_fd, ctx.console_socket_fd, ctx.runelet_listen_fd}) {
    if (auto r = KeepOpenAcrossExec(fd); !r) return std::move(r.error());
  }
  std::string fd_arg = std::to_string(mfd);
  const char* argv[] = {"rune-runelet", "init", fd_arg.c_str(), nullptr};
  std::string sim_env = "INCLAVARE_SIM_DIR=" + ctx.sim_dir;
  const char* envp[] = {sim_env.c_str(), nullptr};
  ::syscall(SYS_execveat, ctx.runelet_exe_fd, "", argv, envp, AT_EMPTY_PATH);
  return ErrnoError("exec rune-runelet");
}

}  // namespace inclavare::runtime::internal
