// events.
#include <unistd.h>

#include "common/fs.h"
#include "rune/cli.h"

namespace inclavare::rune {

std::vector<Command> EventsCommands() {
  std::vector<Command> cmds;
  cmds.push_back({"events",
                  "<container-id>",
                  "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
                  {Value("interval", 0, "set the stats collection interval (default: 5s)"),
                   CtxBool("stats", 0, "display the container's stats then exit", &Context::stats)},
                  1,
                  1,
                  [](Context& c) -> Result<int> {
                    runtime::EventsOptions o{.id = c.args[0], .stats_only = c.stats};
                    if (auto it = c.values.find("interval"); it != c.values.end()) {
                      IC_ASSIGN_OR_RETURN(o.interval, runtime::ParseDuration(it->second).Wrap("--interval"));
                    }
                    IC_TRY(runtime::Events(c.global, o, [](const std::string& json) -> Result<> {
                      return fs::WriteAll(STDOUT_FILENO, json + "\n").Wrap("write event");
                    }));
                    return 0;
                  }});
  return cmds;
}

}  // namespace inclavare::rune
