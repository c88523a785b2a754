// rune pause / resume / ps / update: operations on a live container's cgroup.
#include "runtime/cgroup/cgroup.h"
#include "runtime/container.h"
#include "runtime/rootless.h"
#include "runtime/state.h"

namespace inclavare::runtime {
namespace {

struct Live {
  StateDir dir;
  ContainerRecord rec;
  std::string status;
  std::unique_ptr<cgroup::Manager> cg;
};

Result<Live> OpenLive(const GlobalOptions& g, const std::string& id) {
  IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, id));
  IC_ASSIGN_OR_RETURN(ContainerRecord rec, dir.Load());
  std::string status = DeriveStatus(rec, dir);
  if (rec.cgroup_paths.empty())
    return FailedPrecondition("container " + id +
                              " has no cgroup (a rootless container whose user could not create one)");
  IC_ASSIGN_OR_RETURN(auto cg, cgroup::LoadManager(rec.cgroup_paths));
  return Live{std::move(dir), std::move(rec), std::move(status), std::move(cg)};
}

}  // namespace

Result<> Pause(const GlobalOptions& g, const std::string& id) {
  IC_ASSIGN_OR_RETURN(Live c, OpenLive(g, id));
  if (c.status == oci::kStatusPaused) return FailedPrecondition("container " + id + " is already paused");
  if (c.status != oci::kStatusRunning && c.status != oci::kStatusCreated)
    return FailedPrecondition("container not running");
  return c.cg->Freeze().Wrap("freeze");
}

Result<> Resume(const GlobalOptions& g, const std::string& id) {
  IC_ASSIGN_OR_RETURN(Live c, OpenLive(g, id));
  if (c.status != oci::kStatusPaused) return FailedPrecondition("container not paused");
  return c.cg->Thaw().Wrap("thaw");
}

Result<std::vector<pid_t>> Pids(const GlobalOptions& g, const std::string& id) {
  {
    // Rootless without a cgroup: the processes of the container's pid
    // namespace (runc fails here instead).
    IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, id));
    IC_ASSIGN_OR_RETURN(ContainerRecord rec, dir.Load());
    if (rec.cgroup_paths.empty()) {
      if (DeriveStatus(rec, dir) == oci::kStatusStopped) return std::vector<pid_t>{};
      return PidsOfContainer(rec.init_pid);
    }
  }
  IC_ASSIGN_OR_RETURN(Live c, OpenLive(g, id));
  if (c.status == oci::kStatusStopped) return std::vector<pid_t>{};
  return c.cg->GetAllPids();
}

Result<> Update(const GlobalOptions& g, const std::string& id, const oci::LinuxResources& resources) {
  IC_ASSIGN_OR_RETURN(Live c, OpenLive(g, id));
  if (c.status == oci::kStatusStopped) return FailedPrecondition("container not running");
  return c.cg->Apply(resources).Wrap("update cgroup limits");
}

}  // namespace inclavare::runtime
