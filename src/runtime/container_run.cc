// rune run: create + start, and in the foreground: signal forwarding,
// terminal relay, exit status, and deletion when the container exits.
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/log.h"
#include "runtime/internal/create.h"
#include "runtime/internal/process.h"
#include "runtime/state.h"

namespace inclavare::runtime {

Result<int> Run(const GlobalOptions& g, const CreateOptions& o, bool detach) {
  if (detach) {
    IC_TRY(internal::CreateContainer(g, o, /*foreground=*/false));
    IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, o.id));
    IC_ASSIGN_OR_RETURN(ContainerRecord rec, dir.Load());
    if (auto r = internal::StartContainer(dir, rec); !r) {
      (void)internal::DestroyContainer(dir, rec);
      return std::move(r.error());
    }
    return 0;
  }

  // Signals are collected from before the container exists.
  internal::Foreground fg;
  IC_TRY(fg.Init());
  Stopwatch sw;
  IC_ASSIGN_OR_RETURN(internal::CreatedContainer created, internal::CreateContainer(g, o, /*foreground=*/true));
  IC_LOG(Debug, "run {}: created after {} us", o.id, sw.Micros());
  Cleanup remove([&] { (void)Delete(g, o.id, /*force=*/true); });
  {
    IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, o.id));
    IC_TRY(internal::StartContainer(dir, created.record));
  }
  IC_LOG(Debug, "run {}: started after {} us", o.id, sw.Micros());
  int code = fg.Wait(created.pid, created.console.Get());
  IC_LOG(Debug, "run {}: exited after {} us", o.id, sw.Micros());
  remove.Run();
  IC_LOG(Debug, "run {}: deleted after {} us", o.id, sw.Micros());
  return code;
}

}  // namespace inclavare::runtime
