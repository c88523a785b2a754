// Cleanup: a scope guard for rolling back multi-step setup (absl::Cleanup).
//
//   IC_TRY(CreateCgroup(path));
//   Cleanup undo_cgroup([&] { (void)RemoveCgroup(path); });
//   IC_TRY(StartInit());         // on error, the cgroup is removed
//   undo_cgroup.Cancel();        // success: keep it
#pragma once

#include <functional>
#include <utility>

namespace inclavare {

class Cleanup {
 public:
  Cleanup() = default;
  explicit Cleanup(std::function<void()> fn) : fn_(std::move(fn)) {}
  Cleanup(Cleanup&& o) noexcept : fn_(std::exchange(o.fn_, nullptr)) {}
  Cleanup& operator=(Cleanup&& o) noexcept {
    if (this != &o) {
      Run();
      fn_ = std::exchange(o.fn_, nullptr);
    }
    return *this;
  }
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() { Run(); }

  void Cancel() { fn_ = nullptr; }
  // Runs the action now (once).
  void Run() {
    if (auto fn = std::exchange(fn_, nullptr)) fn();
  }

 private:
  std::function<void()> fn_;
};

}  // namespace inclavare
