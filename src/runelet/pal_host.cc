#include "runelet/pal_host.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "enclave/sgx/hex.h"

namespace inclavare::runelet {
namespace {

using runtime::RecvRuneletMessage;
using runtime::RuneletErrorBody;
using runtime::SendRuneletMessage;

void WriteError(int fd, const Error& e) {
  std::string msg = e.ToString();
  (void)!::write(fd, msg.data(), msg.size());
}

}  // namespace

void PalHost::BeginLoad() {
  if (!loader_.joinable() && !pal_) loader_ = std::thread([this] { loaded_.emplace(LoadNow()); });
}

Result<> PalHost::Load() {
  if (!loader_.joinable()) return pal_ ? Result<>() : LoadNow();
  loader_.join();
  return std::move(*loaded_);
}

Result<> PalHost::LoadNow() {
  IC_ASSIGN_OR_RETURN(enclave::PalLibrary pal, enclave::PalLibrary::Open(settings_.runtime_path));
  IC_TRY(pal.Init(settings_.runtime_args, settings_.log_level).Wrap("enclave runtime " + settings_.runtime_path));
  pal_.emplace(std::move(pal));
  return {};
}

void PalHost::DestroyAndExit(int sig) {
  if (pal_) (void)pal_->Destroy();
  ::_exit(128 + sig);
}

void PalHost::Finish(int status) {
  (void)pal_->Destroy();
  ::_exit(status & 0xff);
}

void PalHost::Run(const runtime::internal::ExecPlan& plan, const oci::Process& process, UniqueFd started) {
  // Every signal is for the workload: take them through a signalfd and
  // forward them with pal_kill.
  sigset_t all;
  sigfillset(&all);
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) sigdelset(&all, s);
  ::sigprocmask(SIG_BLOCK, &all, nullptr);
  int sfd = ::signalfd(-1, &all, SFD_CLOEXEC);
  if (sfd < 0) {
    WriteError(started.Get(), ErrnoError("signalfd"));
    Finish(127);
  }
  std::array<int, 3> stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};

  // The container process. v1 has no separate create step: started is
  // reported as soon as pal_exec is called.
  int done_pipe[2];
  if (::pipe2(done_pipe, O_CLOEXEC) != 0) {
    WriteError(started.Get(), ErrnoError("pipe"));
    Finish(127);
  }
  auto report_exit = [w = done_pipe[1]](int status) { (void)!::write(w, &status, sizeof status); };
  if (pal_->version() >= 2) {
    auto pid = pal_->CreateProcess(plan.path, process.args, plan.env, stdio);
    if (!pid) {
      WriteError(started.Get(), pid.error());
      Finish(127);
    }
    main_pid_ = *pid;
    started.Reset();
    std::thread([this, pid = *pid, report_exit] {
      auto status = pal_->Exec(pid);
      report_exit(status ? *status : 127);
    }).detach();
  } else {
    // v1's pal_exec has no environment parameter: the workload sees ours
    // (upstream's init-runelet was the container process, with its env).
    ::clearenv();
    for (const auto& e : plan.env) ::putenv(const_cast<char*>(e.c_str()));
    started.Reset();
    std::thread([this, &plan, &process, stdio, report_exit] {
      auto status = pal_->Exec1(plan.path, process.args, stdio);
      report_exit(status ? *status : 127);
    }).detach();
  }

  for (;;) {
    struct pollfd p[3] = {{done_pipe[0], POLLIN, 0}, {sfd, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    if (::poll(p, 3, -1) < 0) continue;
    if (p[0].revents & POLLIN) {
      int status = 127;
      (void)!::read(done_pipe[0], &status, sizeof status);
      Finish(status);
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (::read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo != SIGCHLD) {
        int sig = static_cast<int>(si.ssi_signo);
        if (pal_->version() >= 2) {
          (void)pal_->Kill(main_pid_, sig);
        } else if (pal_->has_kill()) {
          (void)pal_->Kill(0, sig);  // v1: "the current process"
        } else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) {
          // A v1 PAL without pal_kill cannot be told; the container ends.
          ::_exit(128 + sig);
        }
      }
    }
    if (p[2].revents & POLLIN) {
      int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) std::thread([this, c] { Serve(UniqueFd(c)); }).detach();
    }
  }
}

void PalHost::Serve(UniqueFd conn) {
  auto req = RecvRuneletMessage(conn.Get());
  if (!req) return;
  const std::string op = req->body["op"];
  if (op == "exec") {
    ServeExec(conn.Get(), *req);
  } else if (op == "report") {
    auto ti = sgx::HexDecode(req->body.value("targetinfo", std::string()));
    Result<std::vector<uint8_t>> report =
        ti ? pal_->GetLocalReport(*ti) : Result<std::vector<uint8_t>>(InvalidArgument("targetinfo: not hex"));
    if (!report) {
      (void)SendRuneletMessage(conn.Get(), RuneletErrorBody(report.error()));
    } else {
      (void)SendRuneletMessage(conn.Get(), {{"op", "report"}, {"report", sgx::HexEncode(*report)}});
    }
  } else {
    (void)SendRuneletMessage(conn.Get(), RuneletErrorBody(InvalidArgument("unknown request \"" + op + "\"")));
  }
}

void PalHost::ServeExec(int conn, runtime::RuneletMessage& req) {
  auto fail = [&](const Error& e) { (void)SendRuneletMessage(conn, RuneletErrorBody(e)); };
  if (pal_->version() < 2) return fail(Unimplemented("exec needs an enclave runtime of PAL API v2 or later"));
  std::vector<std::string> args, env;
  try {
    args = req.body.at("args").get<std::vector<std::string>>();
    env = req.body.value("env", std::vector<std::string>());
  } catch (const nlohmann::json::exception&) {
    return fail(InvalidArgument("exec: args and env must be arrays of strings"));
  }
  if (args.empty()) return fail(InvalidArgument("exec: no command"));
  if (req.fds.size() != 3) return fail(InvalidArgument("exec: expected 3 stdio fds"));
  std::array<int, 3> stdio = {req.fds[0].Get(), req.fds[1].Get(), req.fds[2].Get()};
  Result<int> pid = [&] {
    std::lock_guard lock(create_mu_);
    return pal_->CreateProcess(args[0], args, env, stdio);
  }();
  if (!pid) return fail(pid.error());
  req.fds.clear();  // the PAL's process has its own copies now
  if (!SendRuneletMessage(conn, {{"op", "started"}, {"pid", *pid}})) {
    (void)pal_->Kill(*pid, SIGKILL);
  }
  std::atomic<bool> exited{false};
  std::thread waiter([&, pid = *pid] {
    auto status = pal_->Exec(pid);
    exited = true;
    (void)SendRuneletMessage(conn, {{"op", "exited"}, {"status", status ? *status : 127}});
    // Wake the reader below.
    ::shutdown(conn, SHUT_RD);
  });
  for (;;) {
    auto msg = RecvRuneletMessage(conn);
    if (!msg) {
      // The client (rune exec's proxy) is gone: its process goes too.
      if (!exited) (void)pal_->Kill(*pid, SIGKILL);
      break;
    }
    if (msg->body["op"] == "kill") (void)pal_->Kill(*pid, msg->body.value("signal", SIGTERM));
  }
  waiter.join();
}

}  // namespace inclavare::runelet
