// rune-runelet: the dynamic half of rune, for enclave containers.
//
//   rune-runelet init <context-fd>   the container's init-runelet; exec'd by
//                                    rune's init (see internal/init.h)
//
// rune is a static binary (start-up time and memory are benchmark targets)
// and a static binary cannot dlopen an enclave runtime; this one can. It is
// copied into a sealed memfd for every enclave container, so it carries
// nothing else: `rune attest` is rune-attest (attest_main.cc).
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "common/fs.h"
#include "runelet/pal_host.h"
#include "runtime/linux/seccomp.h"

namespace inclavare::runelet {
namespace {

void SetCloexec(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

[[noreturn]] void InitRunelet(int context_fd) {
  // Like rune's init: no other process may reach our memory or
  // /proc/1/exe; pdeathsig survived the execve.
  ::prctl(PR_SET_DUMPABLE, 0);
  std::string text;
  {
    auto r = fs::ReadFile("/proc/self/fd/" + std::to_string(context_fd));
    ::close(context_fd);
    if (!r) {
      fprintf(stderr, "rune-runelet: read init context: %s\n", r.error().ToString().c_str());
      ::_exit(1);
    }
    text = std::move(*r);
  }
  static oci::Spec spec;
  static runtime::internal::InitContext ctx;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (auto r = runtime::internal::InitContextFromJson(j, &spec, &ctx); !r) {
    fprintf(stderr, "rune-runelet: %s\n", r.error().ToString().c_str());
    ::_exit(1);
  }
  for (int fd : {ctx.sync.Get(), ctx.start_listen_fd, ctx.console_socket_fd, ctx.runelet_listen_fd}) SetCloexec(fd);
  if (!ctx.enclave) {
    (void)ctx.sync.SendError(InvalidArgument("rune-runelet: the init context has no enclave settings"));
    ::_exit(1);
  }
  // The parent compiled (and so validated) the same profile.
  static std::optional<runtime::SeccompProgram> seccomp;
  if (spec.linux && spec.linux->seccomp) {
    auto p = runtime::CompileSeccomp(*spec.linux->seccomp);
    if (!p) {
      (void)ctx.sync.SendError(p.error());
      ::_exit(1);
    }
    seccomp.emplace(std::move(*p));
    ctx.seccomp = &*seccomp;
  }
  static PalHost host(*ctx.enclave, ctx.runelet_listen_fd);
  ctx.enclave_init = &host;
  runtime::internal::InitMain(ctx);
}

}  // namespace
}  // namespace inclavare::runelet

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "init") == 0) inclavare::runelet::InitRunelet(atoi(argv[2]));
  const bool help = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
  fprintf(help ? stdout : stderr,
          "rune-runelet: the enclave half of rune (the container's init that hosts the enclave's PAL);\n"
          "rune starts it, it is not meant to be run directly\n"
          "usage: rune-runelet init <context-fd>\n");
  return help ? 0 : 2;
}
