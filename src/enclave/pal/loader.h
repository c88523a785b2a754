// Loading an enclave runtime (a PAL, inclavare/pal.h) and calling it with
// the version's ABI. Used by the init-runelet only (rune-runelet), never by
// the static rune binary.
//
//   IC_ASSIGN_OR_RETURN(PalLibrary pal, PalLibrary::Open("/usr/lib/liberpal-skeleton-v3.so"));
//   IC_TRY(pal.Init(args, "info"));
//   IC_ASSIGN_OR_RETURN(int pid, pal.CreateProcess("/bin/app", argv, env, {0, 1, 2}));
//   IC_ASSIGN_OR_RETURN(int status, pal.Exec(pid));
//   IC_TRY(pal.Destroy());
//
// Every failure names the PAL call and its errno: "pal_init: Invalid
// argument (-22)". A PAL of version 1 has no pal_create_process: Exec1 runs
// and waits in one call. Thread-safety: Kill and GetLocalReport may be
// called while another thread is in Exec; the rest is for one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace inclavare::enclave {

class PalLibrary {
 public:
  // dlopen(RTLD_NOW | RTLD_LOCAL) and resolve the symbols the version
  // needs. A missing required symbol, or a version outside 1..3, is an
  // error naming it.
  static Result<PalLibrary> Open(const std::string& path);
  PalLibrary(PalLibrary&& other) noexcept;
  PalLibrary& operator=(PalLibrary&& other) noexcept;
  PalLibrary(const PalLibrary&) = delete;
  PalLibrary& operator=(const PalLibrary&) = delete;
  ~PalLibrary();  // dlclose (after Destroy)

  int version() const { return version_; }
  const std::string& path() const { return path_; }

  // v3 passes fd/addr (a pre-created enclave from epm; -1/0 for none).
  Result<> Init(const std::string& args, const std::string& log_level, int fd = -1, uint64_t addr = 0);
  // v2, v3.
  Result<int> CreateProcess(const std::string& path, const std::vector<std::string>& argv,
                            const std::vector<std::string>& env, std::array<int, 3> stdio);
  Result<int> Exec(int pid);
  // v1: run to completion. (v1 has no environment parameter.)
  Result<int> Exec1(const std::string& path, const std::vector<std::string>& argv, std::array<int, 3> stdio);
  // v2, v3 (and v1 PALs that export pal_kill anyway). Unimplemented when the
  // PAL has no pal_kill.
  Result<> Kill(int pid, int sig);
  bool has_kill() const { return kill_ != nullptr; }
  // v3: a REPORT (432 bytes) for a TARGETINFO (512 bytes).
  Result<std::vector<uint8_t>> GetLocalReport(const std::vector<uint8_t>& target_info);
  Result<> Destroy();

 private:
  PalLibrary() = default;
  void Close();

  void* handle_ = nullptr;
  std::string path_;
  int version_ = 1;
  void* init_ = nullptr;
  void* exec_ = nullptr;
  void* create_process_ = nullptr;
  void* kill_ = nullptr;
  void* destroy_ = nullptr;
  void* get_local_report_ = nullptr;
  bool destroyed_ = false;
};

}  // namespace inclavare::enclave
