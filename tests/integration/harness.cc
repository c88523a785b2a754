#include "tests/integration/harness.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#ifndef IT_DEFAULT_RUNE_BINARY
#error "IT_DEFAULT_RUNE_BINARY must be defined by the build"
#endif
#ifndef IT_TEST_INIT_PATH
#error "IT_TEST_INIT_PATH must be defined by the build"
#endif

namespace fs = std::filesystem;

namespace itest {
namespace {

std::atomic<int> g_io_counter{0};
std::atomic<int> g_id_counter{0};

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// The busybox applet list, computed once per process.
const std::vector<std::string>& BusyboxApplets() {
  static const std::vector<std::string> applets = [] {
    std::vector<std::string> out;
    FILE* p = ::popen("/bin/busybox --list", "re");
    if (!p) return out;
    char line[256];
    while (fgets(line, sizeof line, p)) {
      std::string name(line, strcspn(line, "\n"));
      // The list names busybox itself: that one is the binary, not a link.
      if (!name.empty() && name != "busybox") out.push_back(name);
    }
    ::pclose(p);
    return out;
  }();
  return applets;
}

void BuildRootfs(const std::string& rootfs) {
  for (const char* d : {"bin", "etc", "proc", "sys", "dev", "tmp", "root", "home/user"}) {
    fs::create_directories(fs::path(rootfs) / d);
  }
  fs::permissions(fs::path(rootfs) / "tmp", fs::perms(01777));
  if (!Exists("/bin/busybox")) {
    ADD_FAILURE() << "/bin/busybox missing: install busybox-static";
    return;
  }
  fs::copy_file("/bin/busybox", fs::path(rootfs) / "bin/busybox");
  for (const std::string& a : BusyboxApplets()) {
    fs::create_symlink("busybox", fs::path(rootfs) / "bin" / a);
  }
  fs::copy_file(TestInitPath(), fs::path(rootfs) / "test_init");
  fs::permissions(fs::path(rootfs) / "test_init", fs::perms(0755));
  WriteFile(rootfs + "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n");
  WriteFile(rootfs + "/etc/group", "root:x:0:\ntty:x:5:\nuser:x:1000:\n");
}

const std::map<std::string, int>& CapNumbers() {
  static const std::map<std::string, int> caps = {
      {"CAP_CHOWN", 0},           {"CAP_DAC_OVERRIDE", 1},     {"CAP_DAC_READ_SEARCH", 2},
      {"CAP_FOWNER", 3},          {"CAP_FSETID", 4},           {"CAP_KILL", 5},
      {"CAP_SETGID", 6},          {"CAP_SETUID", 7},           {"CAP_SETPCAP", 8},
      {"CAP_LINUX_IMMUTABLE", 9}, {"CAP_NET_BIND_SERVICE", 10}, {"CAP_NET_BROADCAST", 11},
      {"CAP_NET_ADMIN", 12},      {"CAP_NET_RAW", 13},         {"CAP_IPC_LOCK", 14},
      {"CAP_IPC_OWNER", 15},      {"CAP_SYS_MODULE", 16},      {"CAP_SYS_RAWIO", 17},
      {"CAP_SYS_CHROOT", 18},     {"CAP_SYS_PTRACE", 19},      {"CAP_SYS_PACCT", 20},
      {"CAP_SYS_ADMIN", 21},      {"CAP_SYS_BOOT", 22},        {"CAP_SYS_NICE", 23},
      {"CAP_SYS_RESOURCE", 24},   {"CAP_SYS_TIME", 25},        {"CAP_SYS_TTY_CONFIG", 26},
      {"CAP_MKNOD", 27},          {"CAP_LEASE", 28},           {"CAP_AUDIT_WRITE", 29},
      {"CAP_AUDIT_CONTROL", 30},  {"CAP_SETFCAP", 31},         {"CAP_MAC_OVERRIDE", 32},
      {"CAP_MAC_ADMIN", 33},      {"CAP_SYSLOG", 34},          {"CAP_WAKE_ALARM", 35},
      {"CAP_BLOCK_SUSPEND", 36},  {"CAP_AUDIT_READ", 37},      {"CAP_PERFMON", 38},
      {"CAP_BPF", 39},            {"CAP_CHECKPOINT_RESTORE", 40},
  };
  return caps;
}

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

// ---------------------------------------------------------------------------
// Files

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    ADD_FAILURE() << "open " << path << ": " << strerror(errno);
    return;
  }
  if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    ADD_FAILURE() << "write " << path << ": " << strerror(errno);
  }
  ::fchmod(fd, mode);
  ::close(fd);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string TestInitPath() { return IT_TEST_INIT_PATH; }

json ParseJson(const std::string& text) {
  size_t start = text.find_first_of("{[");
  if (start == std::string::npos) {
    ADD_FAILURE() << "no JSON in output: " << text;
    return nullptr;
  }
  // Parse only the first value: a pty relays "\r\n" after it.
  size_t end = text.find('\n', start);
  std::string candidate = text.substr(start, end == std::string::npos ? std::string::npos
                                                                        : end - start);
  json j = json::parse(candidate, nullptr, false);
  if (j.is_discarded()) j = json::parse(text.substr(start), nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "invalid JSON in output: " << text;
    return nullptr;
  }
  return j;
}

std::vector<json> ParseJsonLines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t start = line.find('{');
    if (start == std::string::npos) continue;
    json j = json::parse(line.substr(start), nullptr, false);
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

std::string CapMask(const std::vector<std::string>& names) {
  uint64_t mask = 0;
  for (const std::string& n : names) {
    auto it = CapNumbers().find(n);
    if (it == CapNumbers().end()) {
      ADD_FAILURE() << "unknown capability " << n;
      continue;
    }
    mask |= uint64_t{1} << it->second;
  }
  char buf[32];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(mask));
  return buf;
}

std::vector<std::string> HostMountsContaining(const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(ReadFile("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

std::vector<pid_t> PidsRootedUnder(const std::string& prefix) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    for (const char* link : {"root", "cwd"}) {
      char buf[4096];
      std::string p = "/proc/" + name + "/" + link;
      ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
      if (n <= 0) continue;
      std::string target(buf, n);
      if (target.rfind(prefix, 0) == 0) {
        out.push_back(std::stoi(name));
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Processes

std::string ProcResult::Describe() const {
  std::ostringstream ss;
  ss << "exit=" << exit_code << (timed_out ? " (timed out)" : "") << "\n--- stdout:\n"
     << out << "\n--- stderr:\n"
     << err;
  return ss.str();
}

Proc::Proc(Proc&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      out_path_(std::move(o.out_path_)),
      err_path_(std::move(o.err_path_)) {}

Proc& Proc::operator=(Proc&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0) (void)Wait(0ms);
    pid_ = std::exchange(o.pid_, -1);
    out_path_ = std::move(o.out_path_);
    err_path_ = std::move(o.err_path_);
  }
  return *this;
}

Proc::~Proc() {
  if (pid_ > 0) (void)Wait(0ms);
}

std::string Proc::Stdout() const { return ReadFile(out_path_); }

ProcResult Proc::Wait(std::chrono::milliseconds timeout) {
  ProcResult res;
  if (pid_ <= 0) return res;
  int pidfd = PidfdOpen(pid_);
  if (pidfd >= 0) {
    struct pollfd p = {pidfd, POLLIN, 0};
    int n;
    do {
      n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
      res.timed_out = true;
      ::kill(pid_, SIGKILL);
    }
    ::close(pidfd);
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (WIFEXITED(status)) {
    res.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res.exit_code = 128 + WTERMSIG(status);
  }
  res.out = ReadFile(out_path_);
  res.err = ReadFile(err_path_);
  return res;
}

Proc Runtime::Spawn(const std::vector<std::string>& args, const SpawnOptions& opts) const {
  std::vector<std::string> argv = {binary};
  if (!root.empty()) {
    argv.push_back("--root");
    argv.push_back(root);
  }
  argv.insert(argv.end(), global_args.begin(), global_args.end());
  argv.insert(argv.end(), args.begin(), args.end());

  std::string dir = io_dir.empty() ? std::string("/tmp") : io_dir;
  int n = g_io_counter.fetch_add(1);
  std::string base = dir + "/io-" + std::to_string(::getpid()) + "-" + std::to_string(n);
  std::string out_path = base + ".out", err_path = base + ".err";

  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<std::string> env_copy = env.value_or(std::vector<std::string>{});
  std::vector<char*> cenv;
  for (std::string& e : env_copy) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
    int in = opts.stdin_fd >= 0 ? opts.stdin_fd : ::open(opts.stdin_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    // Move extra fds out of the way before placing them at 3, 4, ...
    int high[64];
    size_t nextra = std::min<size_t>(opts.extra_fds.size(), 64);
    for (size_t i = 0; i < nextra; ++i) high[i] = fcntl(opts.extra_fds[i], F_DUPFD, 200);
    in = fcntl(in, F_DUPFD, 300);
    out = fcntl(out, F_DUPFD, 300);
    err = fcntl(err, F_DUPFD, 300);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (size_t i = 0; i < nextra; ++i) dup2(high[i], static_cast<int>(3 + i));
    syscall(SYS_close_range, 3 + nextra, ~0U, 0);
    if (gid >= 0 && (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0)) _exit(125);
    if (uid >= 0 && ::setresuid(uid, uid, uid) != 0) _exit(125);
    if (env) {
      execve(cargv[0], cargv.data(), cenv.data());
    } else {
      execv(cargv[0], cargv.data());
    }
    _exit(127);
  }
  return Proc(pid, out_path, err_path);
}

ProcResult Runtime::Run(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                        const SpawnOptions& opts) const {
  return Spawn(args, opts).Wait(timeout);
}

ProcResult Runtime::RunRaw(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout) const {
  Runtime raw;
  raw.binary = args.at(0);
  raw.io_dir = io_dir;
  return raw.Spawn(std::vector<std::string>(args.begin() + 1, args.end())).Wait(timeout);
}

// ---------------------------------------------------------------------------
// Bundles

json DefaultSpec() {
  return json::parse(R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/test_init", "report"],
    "env": ["PATH=/bin:/sbin:/usr/bin:/usr/sbin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "itest",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                   {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                    "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
})");
}

void Bundle::Write() const { WriteFile(dir + "/config.json", spec.dump(2)); }

void Bundle::SetArgs(const std::vector<std::string>& args) { spec["process"]["args"] = args; }

void Bundle::AddMount(const std::string& dest, const std::string& type, const std::string& source,
                      const std::vector<std::string>& options) {
  json m = {{"destination", dest}, {"type", type}, {"source", source}};
  if (!options.empty()) m["options"] = options;
  spec["mounts"].push_back(m);
}

void Bundle::RemoveNamespace(const std::string& type) {
  json& ns = spec["linux"]["namespaces"];
  json kept = json::array();
  for (const json& n : ns) {
    if (n["type"] != type) kept.push_back(n);
  }
  ns = kept;
}

void Bundle::SetNamespace(const std::string& type, const std::string& path) {
  RemoveNamespace(type);
  json n = {{"type", type}};
  if (!path.empty()) n["path"] = path;
  spec["linux"]["namespaces"].push_back(n);
}

// ---------------------------------------------------------------------------
// Fixture

void IntegrationTest::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "integration tests need root";
  std::string rune = EnvOr("RUNE_BINARY", IT_DEFAULT_RUNE_BINARY);
  std::string runc = EnvOr("RUNC_BINARY", "/usr/bin/runc");
  if (::access(rune.c_str(), X_OK) != 0) {
    GTEST_SKIP() << "runtime under test not found: " << rune
                 << " (build rune, or set RUNE_BINARY=/path/to/runtime)";
  }
  char tmpl[] = "/tmp/ic-itest-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr) << strerror(errno);
  tmp_ = tmpl;
  ::chmod(tmp_.c_str(), 0755);
  active_ = true;
  fs::create_directories(tmp_ + "/io");
  rt_ = Runtime{rune, tmp_ + "/root-ut", tmp_ + "/io", {}};
  runc_ = Runtime{runc, tmp_ + "/root-runc", tmp_ + "/io", {}};
  // runc is "runc" by name or by its --version banner.
  ProcResult v = rt_.RunRaw({rune, "--version"}, 10s);
  under_test_is_runc_ = fs::path(rune).filename() == "runc" || v.out.rfind("runc", 0) == 0;
  // ITEST_STRICT=1 applies the rune-specific assertions to runc too: shows
  // exactly where runc deviates.
  if (EnvOr("ITEST_STRICT", "0") == "1") under_test_is_runc_ = false;
}

void IntegrationTest::TearDown() {
  if (!active_) return;
  for (const std::string& id : ids_) {
    (void)rt_.Run({"delete", "--force", id}, 10s);
    if (Exists(runc_.binary)) (void)runc_.Run({"delete", "--force", id}, 10s);
  }
  // Safety nets: nothing may outlive the test. Processes are found by root
  // or cwd under the temp dir, and in cgroups named after the container ids
  // (runc's default cgroupsPath); a failed racing runc create can leave a
  // "runc init" behind whose root is no longer under the temp dir.
  for (pid_t p : PidsRootedUnder(tmp_)) ::kill(p, SIGKILL);
  std::vector<std::string> id_cgroups;
  for (const std::string& id : ids_) id_cgroups.push_back("/" + id);
  for (const std::string& cg : id_cgroups) {
    for (const char* ctrl : {"pids", "memory", "freezer"}) {
      std::istringstream procs(ReadFile(std::string("/sys/fs/cgroup/") + ctrl + cg + "/cgroup.procs"));
      for (pid_t p; procs >> p;) ::kill(p, SIGKILL);
    }
  }
  if (!id_cgroups.empty()) std::this_thread::sleep_for(20ms);
  cgroups_.insert(cgroups_.end(), id_cgroups.begin(), id_cgroups.end());
  std::vector<std::string> mounts;
  std::istringstream in(ReadFile("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string id, parent, mm, root, mp;
    f >> id >> parent >> mm >> root >> mp;
    if (mp == tmp_ || mp.rfind(tmp_ + "/", 0) == 0) mounts.push_back(mp);
  }
  // Deepest first; a path may carry several stacked mounts.
  std::sort(mounts.rbegin(), mounts.rend());
  for (const std::string& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
  // Killed processes leave their cgroup only once reaped: retry a while.
  for (const std::string& cg : cgroups_) {
    for (const char* ctrl : {"memory", "cpu", "cpuacct", "pids", "cpuset", "blkio", "devices",
                             "freezer", "systemd", "unified"}) {
      std::string p = std::string("/sys/fs/cgroup/") + ctrl + cg;
      for (int i = 0; i < 50 && Exists(p) && ::rmdir(p.c_str()) != 0 && errno == EBUSY; ++i) {
        std::this_thread::sleep_for(20ms);
      }
    }
  }
  std::error_code ec;
  fs::remove_all(tmp_, ec);
}

std::string IntegrationTest::NewId(const std::string& hint) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? info->name() : "t";
  std::replace_if(name.begin(), name.end(), [](char c) { return !isalnum(c); }, '-');
  if (name.size() > 24) name.resize(24);
  std::string id = "it" + std::to_string(::getpid()) + "-" + std::to_string(g_id_counter++) +
                   "-" + hint + "-" + name;
  ids_.push_back(id);
  return id;
}

std::string IntegrationTest::NewDir(const std::string& name) {
  std::string d = tmp_ + "/" + name;
  fs::create_directories(d);
  return d;
}

Bundle IntegrationTest::NewBundle() {
  Bundle b;
  b.dir = NewDir("bundle" + std::to_string(bundles_++));
  b.rootfs = b.dir + "/rootfs";
  BuildRootfs(b.rootfs);
  b.spec = DefaultSpec();
  return b;
}

ProcResult IntegrationTest::RunContainer(Runtime& r, Bundle& b, const std::string& id,
                                         const std::vector<std::string>& extra_flags,
                                         std::chrono::milliseconds timeout,
                                         const SpawnOptions& opts) {
  b.Write();
  std::vector<std::string> args = {"run", "--bundle", b.dir};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  args.push_back(id.empty() ? NewId() : id);
  return r.Run(args, timeout, opts);
}

json IntegrationTest::RunJson(Runtime& r, Bundle& b, const std::vector<std::string>& extra_flags) {
  ProcResult res = RunContainer(r, b, "", extra_flags);
  EXPECT_EQ(res.exit_code, 0) << res.Describe();
  if (res.exit_code != 0) return nullptr;
  return ParseJson(res.out);
}

json IntegrationTest::State(Runtime& r, const std::string& id) {
  ProcResult res = r.Run({"state", id}, 10s);
  if (res.exit_code != 0) return nullptr;
  json j = json::parse(res.out, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

bool IntegrationTest::WaitStatus(Runtime& r, const std::string& id, const std::string& want,
                                 std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    json s = State(r, id);
    if (want.empty() ? s.is_null() : (!s.is_null() && s.value("status", "") == want)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

bool IntegrationTest::WaitForFile(const std::string& path, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Exists(path)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace itest
