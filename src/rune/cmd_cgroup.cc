// pause, resume, ps, update.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "oci/resources.h"
#include "rune/cli.h"

namespace inclavare::rune {
namespace {

// Docker's units.RAMInBytes, which runc's update uses: "512", "64k", "1.5g",
// "2MiB"; binary multiples; "-1" for unlimited.
Result<int64_t> ParseBytes(const std::string& flag, const std::string& text) {
  if (text == "-1") return -1;
  char* end = nullptr;
  double v = strtod(text.c_str(), &end);
  if (end == text.c_str() || v < 0) return InvalidArgument("--" + flag + ": invalid size \"" + text + "\"");
  std::string unit;
  for (; *end; ++end) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(*end)));
  if (unit.size() > 1 && (unit.back() == 'b')) unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1}, {"k", 1024.0}, {"m", 1048576.0}, {"g", 1073741824.0}, {"t", 1099511627776.0}, {"p", 1125899906842624.0}};
  for (const auto& [u, mul] : kUnits)
    if (unit == u) return static_cast<int64_t>(v * mul);
  return InvalidArgument("--" + flag + ": invalid size unit in \"" + text + "\"");
}

Result<int64_t> ParseInt(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  long long v = strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end) return InvalidArgument("--" + flag + ": invalid number \"" + text + "\"");
  return static_cast<int64_t>(v);
}

// Builds the resources to change from -r FILE and the individual flags
// (flags override the file, as runc does).
Result<oci::LinuxResources> UpdateResources(Context& c) {
  oci::LinuxResources r;
  if (auto it = c.values.find("resources"); it != c.values.end()) {
    std::string text;
    if (it->second == "-") {
      IC_ASSIGN_OR_RETURN(text, fs::ReadFd(STDIN_FILENO));
    } else {
      IC_ASSIGN_OR_RETURN(text, fs::ReadFile(it->second));
    }
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return InvalidArgument("--resources: not valid JSON");
    IC_TRY(oci::FromJson(j, "resources", &r));
  }
  auto get = [&](const char* k) -> const std::string* {
    auto it = c.values.find(k);
    return it == c.values.end() ? nullptr : &it->second;
  };
  auto mem = [&]() -> oci::LinuxMemory& {
    if (!r.memory) r.memory.emplace();
    return *r.memory;
  };
  auto cpu = [&]() -> oci::LinuxCpu& {
    if (!r.cpu) r.cpu.emplace();
    return *r.cpu;
  };
  if (auto v = get("memory")) {
    IC_ASSIGN_OR_RETURN(mem().limit, ParseBytes("memory", *v));
  }
  if (auto v = get("memory-reservation")) {
    IC_ASSIGN_OR_RETURN(mem().reservation, ParseBytes("memory-reservation", *v));
  }
  if (auto v = get("memory-swap")) {
    IC_ASSIGN_OR_RETURN(mem().swap, ParseBytes("memory-swap", *v));
  }
  if (auto v = get("kernel-memory")) {
    IC_ASSIGN_OR_RETURN(mem().kernel, ParseBytes("kernel-memory", *v));
  }
  if (auto v = get("kernel-memory-tcp")) {
    IC_ASSIGN_OR_RETURN(mem().kernel_tcp, ParseBytes("kernel-memory-tcp", *v));
  }
  if (auto v = get("cpu-share")) {
    IC_ASSIGN_OR_RETURN(int64_t n, ParseInt("cpu-share", *v));
    cpu().shares = static_cast<uint64_t>(n);
  }
  if (auto v = get("cpu-period")) {
    IC_ASSIGN_OR_RETURN(int64_t n, ParseInt("cpu-period", *v));
    cpu().period = static_cast<uint64_t>(n);
  }
  if (auto v = get("cpu-quota")) {
    IC_ASSIGN_OR_RETURN(cpu().quota, ParseInt("cpu-quota", *v));
  }
  if (auto v = get("cpu-rt-period")) {
    IC_ASSIGN_OR_RETURN(int64_t n, ParseInt("cpu-rt-period", *v));
    cpu().realtime_period = static_cast<uint64_t>(n);
  }
  if (auto v = get("cpu-rt-runtime")) {
    IC_ASSIGN_OR_RETURN(cpu().realtime_runtime, ParseInt("cpu-rt-runtime", *v));
  }
  if (auto v = get("cpuset-cpus")) cpu().cpus = *v;
  if (auto v = get("cpuset-mems")) cpu().mems = *v;
  if (auto v = get("pids-limit")) {
    if (!r.pids) r.pids.emplace();
    IC_ASSIGN_OR_RETURN(r.pids->limit, ParseInt("pids-limit", *v));
  }
  if (auto v = get("blkio-weight")) {
    IC_ASSIGN_OR_RETURN(int64_t n, ParseInt("blkio-weight", *v));
    if (n < 0 || n > 1000) return InvalidArgument("--blkio-weight: must be 10..1000, or 0 to leave unset");
    if (!r.block_io) r.block_io.emplace();
    r.block_io->weight = static_cast<uint16_t>(n);
  }
  for (const char* rdt : {"l3-cache-schema", "mem-bw-schema"})
    if (get(rdt)) return Unimplemented(std::string("--") + rdt + ": Intel RDT is not supported");
  return r;
}

// `ps` output filtered to the container's pids, like runc ps: the PID
// column is found from the header line.
Result<int> PsTable(const std::vector<pid_t>& pids, const std::vector<std::string>& ps_args) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return ErrnoError("pipe");
  std::vector<std::string> argv_s = {"ps"};
  if (ps_args.empty()) argv_s.push_back("-ef");
  for (const auto& a : ps_args) argv_s.push_back(a);
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = ::fork();
  if (child < 0) return ErrnoError("fork ps");
  if (child == 0) {
    ::dup2(pipefd[1], 1);
    ::execvp("ps", argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  auto out = fs::ReadFd(pipefd[0]);
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!out) return std::move(out.error()).Wrap("read ps output");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return Internal("ps failed (is procps installed?)");
  std::set<pid_t> want(pids.begin(), pids.end());
  size_t nl = out->find('\n');
  std::string header = out->substr(0, nl);
  // Index of the PID column.
  size_t col = 0, idx = 0;
  bool found = false;
  for (size_t i = 0; i < header.size();) {
    while (i < header.size() && header[i] == ' ') ++i;
    size_t j = header.find(' ', i);
    if (header.substr(i, j - i) == "PID") {
      col = idx;
      found = true;
      break;
    }
    ++idx;
    i = j == std::string::npos ? header.size() : j;
  }
  if (!found) return InvalidArgument("ps output has no PID column");
  std::string result = header + "\n";
  size_t pos = nl == std::string::npos ? out->size() : nl + 1;
  while (pos < out->size()) {
    size_t end = out->find('\n', pos);
    if (end == std::string::npos) end = out->size();
    std::string line = out->substr(pos, end - pos);
    pos = end + 1;
    size_t i = 0, k = 0;
    std::string field;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      size_t j = line.find(' ', i);
      if (j == std::string::npos) j = line.size();
      if (k++ == col) {
        field = line.substr(i, j - i);
        break;
      }
      i = j;
    }
    if (!field.empty() && want.count(static_cast<pid_t>(atoi(field.c_str())))) result += line + "\n";
  }
  IC_TRY(fs::WriteAll(STDOUT_FILENO, result));
  return 0;
}

}  // namespace

std::vector<Command> CgroupCommands() {
  std::vector<Command> cmds;
  cmds.push_back({"pause", "<container-id>", "suspend all processes of a container", {}, 1, 1,
                  [](Context& c) -> Result<int> {
                    IC_TRY(runtime::Pause(c.global, c.args[0]));
                    return 0;
                  }});
  cmds.push_back({"resume", "<container-id>", "resume a paused container", {}, 1, 1,
                  [](Context& c) -> Result<int> {
                    IC_TRY(runtime::Resume(c.global, c.args[0]));
                    return 0;
                  }});
  cmds.push_back({"ps", "<container-id> [ps options]", "list the processes of a container",
                  {CtxString("format", 'f', "table or json", &Context::format)}, 1, 1000,
                  [](Context& c) -> Result<int> {
                    IC_ASSIGN_OR_RETURN(std::vector<pid_t> pids, runtime::Pids(c.global, c.args[0]));
                    if (c.format == "json") {
                      IC_TRY(fs::WriteAll(STDOUT_FILENO, nlohmann::json(pids).dump() + "\n"));
                      return 0;
                    }
                    if (c.format != "table") return InvalidArgument("invalid format option \"" + c.format + "\"");
                    return PsTable(pids, std::vector<std::string>(c.args.begin() + 1, c.args.end()));
                  }});
  cmds.push_back({"update", "<container-id>", "update a container's resource limits",
                  {Value("resources", 'r', "JSON file with linux.resources to apply (\"-\": stdin)"),
                   Value("blkio-weight", 0, "block IO weight, 10..1000"),
                   Value("cpu-period", 0, "CPU CFS period (us)"), Value("cpu-quota", 0, "CPU CFS quota (us)"),
                   Value("cpu-share", 0, "CPU shares"), Value("cpu-rt-period", 0, "realtime period (us)"),
                   Value("cpu-rt-runtime", 0, "realtime runtime (us)"), Value("cpuset-cpus", 0, "CPUs to use"),
                   Value("cpuset-mems", 0, "memory nodes to use"), Value("kernel-memory", 0, "kernel memory limit"),
                   Value("kernel-memory-tcp", 0, "kernel TCP buffer limit"), Value("memory", 0, "memory limit"),
                   Value("memory-reservation", 0, "memory soft limit"),
                   Value("memory-swap", 0, "memory + swap limit (-1: unlimited)"),
                   Value("pids-limit", 0, "maximum number of pids"),
                   Value("l3-cache-schema", 0, "Intel RDT L3 schema (unsupported)"),
                   Value("mem-bw-schema", 0, "Intel RDT memory bandwidth schema (unsupported)")},
                  1, 1, [](Context& c) -> Result<int> {
                    IC_ASSIGN_OR_RETURN(oci::LinuxResources r, UpdateResources(c));
                    IC_TRY(runtime::Update(c.global, c.args[0], r));
                    return 0;
                  }});
  return cmds;
}

}  // namespace inclavare::rune
