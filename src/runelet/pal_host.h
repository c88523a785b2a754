// The init-runelet: the container's init when the container has enclave
// settings. It loads the enclave runtime (PAL) before pivot_root, runs the
// container process through it at `rune start`, forwards signals with
// pal_kill, serves runelet.sock (rune exec, rune attest) and exits with the
// workload's exit code after pal_destroy.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "enclave/pal/loader.h"
#include "runtime/internal/init.h"
#include "runtime/internal/process.h"
#include "runtime/runelet_channel.h"

namespace inclavare::runelet {

class PalHost : public runtime::internal::EnclaveInit {
 public:
  PalHost(runtime::EnclaveSettings settings, int listen_fd) : settings_(std::move(settings)), listen_fd_(listen_fd) {}

  Result<> Load() override;
  void BeginLoad() override;
  [[noreturn]] void DestroyAndExit(int sig) override;
  [[noreturn]] void Run(const runtime::internal::ExecPlan& plan, const oci::Process& process,
                        UniqueFd started) override;

 private:
  // One client of runelet.sock, on its own thread.
  void Serve(UniqueFd conn);
  void ServeExec(int conn, runtime::RuneletMessage& req);
  [[noreturn]] void Finish(int status);

  // dlopen, pal_get_version, pal_init.
  Result<> LoadNow();

  runtime::EnclaveSettings settings_;
  int listen_fd_;
  std::optional<enclave::PalLibrary> pal_;
  std::thread loader_;                  // BeginLoad's
  std::optional<Result<>> loaded_;      // its result, once joined
  std::mutex create_mu_;        // pal_create_process calls, one at a time
  std::atomic<int> main_pid_{0};  // the container process, in the PAL's pid space
};

}  // namespace inclavare::runelet
