// The command line: version, help, spec, features, list, id validation,
// unknown ids, the default --root and --log/--log-format/--debug, compared
// with runc where the output is meant to match.
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/harness.h"

namespace itest {
namespace {

class CliTest : public IntegrationTest {
 protected:
  // Creates a sleeping container in r; returns its id.
  std::string CreateSleeper(Runtime& r, Bundle& b, const std::string& id) {
    b.SetArgs({"/test_init", "sleep", "30"});
    b.Write();
    ProcResult c = r.Run({"create", "--bundle", b.dir, id});
    EXPECT_EQ(c.exit_code, 0) << c.Describe();
    return id;
  }

  // Parses every line of a JSON-lines log; records failures for bad lines.
  static std::vector<json> ReadJsonLines(const std::string& path) {
    std::vector<json> out;
    std::istringstream in(ReadFile(path));
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      json j = json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << "log line is not JSON: " << line;
      if (!j.is_discarded()) out.push_back(j);
    }
    return out;
  }
};

TEST_F(CliTest, Version) {
  ProcResult r = rt().Run({"--version"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(^\S+ version \S+)"))) << r.out;
  // runc prints "spec: <oci runtime-spec version>"; callers parse it.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"((^|\n)spec: 1\.\d+\.\d+)"))) << r.out;
}

TEST_F(CliTest, HelpListsCommands) {
  ProcResult r = rt().Run({"help"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::string all = r.out + r.err;
  for (const char* cmd : {"create", "start", "run", "state", "kill", "delete", "list", "spec",
                          "features"}) {
    EXPECT_NE(all.find(cmd), std::string::npos) << "help does not mention " << cmd;
  }
}

TEST_F(CliTest, UnknownCommandFails) {
  ProcResult r = rt().Run({"no-such-command"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
}

// `spec` writes runc's template; everything but ociVersion must match it.
TEST_F(CliTest, SpecMatchesRunc) {
  std::string mine = NewDir("spec-ut"), theirs = NewDir("spec-runc");
  ProcResult a = rt().Run({"spec", "--bundle", mine});
  ProcResult b = runc().Run({"spec", "--bundle", theirs});
  ASSERT_EQ(a.exit_code, 0) << a.Describe();
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  json m = json::parse(ReadFile(mine + "/config.json"));
  json t = json::parse(ReadFile(theirs + "/config.json"));
  EXPECT_TRUE(m["ociVersion"].get<std::string>().rfind("1.", 0) == 0);
  m.erase("ociVersion");
  t.erase("ociVersion");
  EXPECT_EQ(m, t) << "diff: " << json::diff(t, m).dump(1);
}

TEST_F(CliTest, SpecRootlessMatchesRunc) {
  std::string mine = NewDir("spec-ut"), theirs = NewDir("spec-runc");
  ProcResult a = rt().Run({"spec", "--rootless", "--bundle", mine});
  ProcResult b = runc().Run({"spec", "--rootless", "--bundle", theirs});
  ASSERT_EQ(a.exit_code, 0) << a.Describe();
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  json m = json::parse(ReadFile(mine + "/config.json"));
  json t = json::parse(ReadFile(theirs + "/config.json"));
  m.erase("ociVersion");
  t.erase("ociVersion");
  EXPECT_EQ(m, t) << "diff: " << json::diff(t, m).dump(1);
}

TEST_F(CliTest, SpecInCurrentDirectoryAndRefusesOverwrite) {
  std::string dir = NewDir("spec-cwd");
  // No --bundle: config.json lands in the working directory.
  std::string script = "cd " + dir + " && exec " + rt().binary + " spec";
  ProcResult a = rt().RunRaw({"/bin/sh", "-c", script});
  ASSERT_EQ(a.exit_code, 0) << a.Describe();
  EXPECT_TRUE(Exists(dir + "/config.json"));
  ProcResult again = rt().Run({"spec", "--bundle", dir});
  EXPECT_NE(again.exit_code, 0) << "spec overwrote an existing config.json";
}

TEST_F(CliTest, FeaturesIsValidJson) {
  ProcResult r = rt().Run({"features"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json f = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(f.is_discarded()) << r.out;
  EXPECT_TRUE(f["ociVersionMin"].is_string());
  EXPECT_TRUE(f["ociVersionMax"].is_string());
  ASSERT_TRUE(f["hooks"].is_array());
  for (const char* h : {"prestart", "createRuntime", "createContainer", "startContainer",
                        "poststart", "poststop"}) {
    EXPECT_NE(std::find(f["hooks"].begin(), f["hooks"].end(), h), f["hooks"].end()) << h;
  }
  EXPECT_TRUE(f["mountOptions"].is_array());
  ASSERT_TRUE(f["linux"].is_object());
  EXPECT_TRUE(f["linux"]["namespaces"].is_array());
  EXPECT_TRUE(f["linux"]["capabilities"].is_array());
  EXPECT_TRUE(f["linux"]["cgroup"].is_object());
  for (const char* ns : {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"}) {
    const json& l = f["linux"]["namespaces"];
    EXPECT_NE(std::find(l.begin(), l.end(), ns), l.end()) << ns;
  }
}

TEST_F(CliTest, UnknownIdIsAnError) {
  for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{
           {"state", "nosuch"}, {"start", "nosuch"}, {"kill", "nosuch", "KILL"},
           {"delete", "nosuch"}}) {
    ProcResult r = rt().Run(cmd);
    EXPECT_NE(r.exit_code, 0) << cmd[0] << ": " << r.Describe();
    EXPECT_NE(r.err.find("not exist"), std::string::npos) << cmd[0] << ": " << r.err;
  }
}

// The error names the container; runc says only "container does not exist".
TEST_F(CliTest, UnknownIdErrorNamesTheId) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc's message does not name the id";
  ProcResult r = rt().Run({"state", "nosuch-id"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nosuch-id"), std::string::npos) << r.err;
}

TEST_F(CliTest, DeleteForceOfUnknownIdSucceedsLikeRunc) {
  // runc: `delete --force` of a missing container is not an error (containerd
  // relies on that when cleaning up).
  ProcResult theirs = runc().Run({"delete", "--force", "nosuch"});
  ProcResult mine = rt().Run({"delete", "--force", "nosuch"});
  EXPECT_EQ(mine.exit_code, theirs.exit_code) << mine.Describe() << "\n" << theirs.Describe();
}

TEST_F(CliTest, InvalidIdsAreRejected) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  for (const std::string id : {"../x", "a/b", "..", ".", "", "a b"}) {
    ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
    EXPECT_NE(r.exit_code, 0) << "id '" << id << "' accepted";
    EXPECT_FALSE(r.err.empty());
  }
  EXPECT_FALSE(Exists(tmp_ + "/x")) << "../x escaped the root";
  EXPECT_TRUE(PidsRootedUnder(b.rootfs).empty());
}

TEST_F(CliTest, ListTableMatchesRuncColumns) {
  Bundle b = NewBundle();
  std::string id = NewId();
  CreateSleeper(rt(), b, id);
  CreateSleeper(runc(), b, id);
  ProcResult mine = rt().Run({"list"});
  ProcResult theirs = runc().Run({"list"});
  ASSERT_EQ(mine.exit_code, 0) << mine.Describe();
  auto header = [](const std::string& out) {
    std::istringstream in(out);
    std::string line, word;
    std::getline(in, line);
    std::istringstream w(line);
    std::vector<std::string> cols;
    while (w >> word) cols.push_back(word);
    return cols;
  };
  EXPECT_EQ(header(mine.out), header(theirs.out)) << mine.out;
  std::istringstream in(mine.out);
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  std::istringstream w(line);
  std::string cid, pid, status, bundle;
  w >> cid >> pid >> status >> bundle;
  EXPECT_EQ(cid, id);
  EXPECT_EQ(std::stoi(pid), State(rt(), id)["pid"].get<int>());
  EXPECT_EQ(status, "created");
  EXPECT_EQ(bundle, b.dir);
  // table is the default format; both spellings of the flag select it.
  for (const char* flag : {"--format", "-f"}) {
    ProcResult t = rt().Run({"list", flag, "table"});
    EXPECT_EQ(t.exit_code, 0) << t.Describe();
    EXPECT_EQ(header(t.out), header(theirs.out)) << t.out;
    EXPECT_NE(t.out.find(id), std::string::npos) << t.out;
  }
}

TEST_F(CliTest, ListJsonMatchesRuncKeys) {
  Bundle b = NewBundle();
  std::string id = NewId();
  CreateSleeper(rt(), b, id);
  CreateSleeper(runc(), b, id);
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--format", "json"}, std::vector<std::string>{"-f", "json"}}) {
    std::vector<std::string> cmd = {"list"};
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    ProcResult mine = rt().Run(cmd);
    ProcResult theirs = runc().Run(cmd);
    ASSERT_EQ(mine.exit_code, 0) << mine.Describe();
    json m = json::parse(mine.out, nullptr, false), t = json::parse(theirs.out, nullptr, false);
    ASSERT_TRUE(m.is_array()) << mine.out;
    ASSERT_EQ(m.size(), 1u);
    for (auto& [key, value] : t[0].items()) {
      EXPECT_TRUE(m[0].contains(key)) << "list json lacks " << key;
    }
    EXPECT_EQ(m[0]["id"], id);
    EXPECT_EQ(m[0]["status"], "created");
    EXPECT_EQ(m[0]["bundle"], b.dir);
  }
}

TEST_F(CliTest, ListQuietPrintsIds) {
  Bundle b = NewBundle();
  std::string a = CreateSleeper(rt(), b, NewId("a"));
  std::string c = CreateSleeper(rt(), b, NewId("b"));
  for (const char* flag : {"--quiet", "-q"}) {
    ProcResult r = rt().Run({"list", flag});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    std::vector<std::string> ids;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) ids.push_back(line);
    }
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> want = {a, c};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(ids, want) << r.out;
  }
}

TEST_F(CliTest, ListEmptyRoot) {
  ProcResult mine = rt().Run({"list", "--format", "json"});
  ProcResult theirs = runc().Run({"list", "--format", "json"});
  EXPECT_EQ(mine.exit_code, 0) << mine.Describe();
  EXPECT_EQ(json::parse(mine.out, nullptr, false), json::parse(theirs.out, nullptr, false))
      << mine.out << " vs runc " << theirs.out;
}

// Without --root, state lives in /run/rune (runc: /run/runc).
TEST_F(CliTest, DefaultRoot) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "sleep", "30"});
  b.Write();
  std::string id = NewId();
  Runtime no_root = rt();
  no_root.root.clear();
  ProcResult c = no_root.Run({"create", "--bundle", b.dir, id});
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  std::string dir = UnderTestIsRunc() ? "/run/runc/" : "/run/rune/";
  EXPECT_TRUE(Exists(dir + id)) << "no state in " << dir;
  EXPECT_EQ(no_root.Run({"delete", "--force", id}).exit_code, 0);
  EXPECT_FALSE(Exists(dir + id));
}

TEST_F(CliTest, LogJsonLinesOnError) {
  Bundle b = NewBundle();
  b.SetArgs({"/does-not-exist"});
  b.Write();
  std::string log = tmp_ + "/log.json";
  Runtime r = rt();
  r.global_args = {"--log", log, "--log-format", "json"};
  ProcResult c = r.Run({"create", "--bundle", b.dir, NewId()});
  ASSERT_NE(c.exit_code, 0);
  std::vector<json> lines = ReadJsonLines(log);
  ASSERT_FALSE(lines.empty()) << "nothing logged to " << log;
  bool saw_error = false;
  for (const json& l : lines) {
    EXPECT_TRUE(l.contains("level") && l.contains("msg") && l.contains("time")) << l.dump();
    if (l.value("level", "") == "error") {
      saw_error = true;
      EXPECT_NE(l["msg"].get<std::string>().find("does-not-exist"), std::string::npos)
          << "error does not name what failed: " << l.dump();
    }
  }
  EXPECT_TRUE(saw_error);
}

TEST_F(CliTest, LogJsonShapeMatchesRunc) {
  std::string mine = tmp_ + "/mine.json", theirs = tmp_ + "/theirs.json";
  Runtime a = rt(), b = runc();
  a.global_args = {"--log", mine, "--log-format", "json"};
  b.global_args = {"--log", theirs, "--log-format", "json"};
  ProcResult ra = a.Run({"state", "nosuch"}), rb = b.Run({"state", "nosuch"});
  EXPECT_EQ(ra.exit_code, rb.exit_code);
  std::vector<json> lm = ReadJsonLines(mine), lt = ReadJsonLines(theirs);
  ASSERT_FALSE(lm.empty());
  ASSERT_FALSE(lt.empty());
  const json& last = lm.back();
  for (auto& [key, value] : lt.back().items()) {
    EXPECT_TRUE(last.contains(key)) << "log line lacks " << key << ": " << last.dump();
    EXPECT_EQ(last[key].type(), value.type()) << key;
  }
  EXPECT_EQ(last["level"], "error");
  // time is RFC 3339 like runc's logrus output.
  EXPECT_TRUE(std::regex_match(last["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*)")))
      << last["time"];
}

TEST_F(CliTest, LogTextOnError) {
  std::string log = tmp_ + "/log.txt";
  Runtime r = rt();
  r.global_args = {"--log", log, "--log-format", "text"};
  ProcResult c = r.Run({"state", "nosuch"});
  ASSERT_NE(c.exit_code, 0);
  std::string text = ReadFile(log) + c.err;
  EXPECT_NE(text.find("level=error"), std::string::npos) << text;
  EXPECT_NE(text.find("not exist"), std::string::npos) << text;
}

TEST_F(CliTest, DebugLogsDebugLines) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "exit", "0"});
  b.Write();
  std::string log = tmp_ + "/debug.json";
  Runtime r = rt();
  r.global_args = {"--debug", "--log", log, "--log-format", "json"};
  ProcResult c = r.Run({"run", "--bundle", b.dir, NewId()});
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  bool saw_debug = false;
  for (const json& l : ReadJsonLines(log)) saw_debug |= l.value("level", "") == "debug";
  EXPECT_TRUE(saw_debug) << ReadFile(log);
}

TEST_F(CliTest, NoDebugNoDebugLines) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "exit", "0"});
  b.Write();
  std::string log = tmp_ + "/quiet.json";
  Runtime r = rt();
  r.global_args = {"--log", log, "--log-format", "json"};
  ASSERT_EQ(r.Run({"run", "--bundle", b.dir, NewId()}).exit_code, 0);
  for (const json& l : ReadJsonLines(log)) EXPECT_NE(l.value("level", ""), "debug") << l.dump();
}

// Errors name the command and what failed: "rune: create: ...".
TEST_F(CliTest, ErrorMessageNamesCommand) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc's text format is logrus key=value";
  Bundle b = NewBundle();
  b.SetArgs({"/does-not-exist"});
  b.Write();
  ProcResult c = rt().Run({"create", "--bundle", b.dir, NewId()});
  ASSERT_NE(c.exit_code, 0);
  EXPECT_NE(c.err.find("rune: create: "), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("/does-not-exist"), std::string::npos) << c.err;
}

}  // namespace
}  // namespace itest
