// Compares DefaultSpec() with what the installed runc generates.
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "common/fs.h"
#include "oci/spec.h"

namespace inclavare::oci {
namespace {

using Json = nlohmann::json;

bool HaveRunc() { return std::system("command -v runc >/dev/null 2>&1") == 0; }

// Runs `runc spec [--rootless]` in a fresh directory and returns config.json.
Result<std::string> RuncSpec(bool rootless) {
  char tmpl[] = "/tmp/oci_default_spec_test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return ErrnoError("mkdtemp");
  std::string dir = tmpl;
  std::string cmd = "cd '" + dir + "' && runc spec" + (rootless ? " --rootless" : "") + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  Result<std::string> text = rc == 0 ? fs::ReadFile(dir + "/config.json") : Result<std::string>(Internal(cmd + " failed"));
  (void)fs::RemoveAll(dir);
  return text;
}

// The documented differences between DefaultSpec() and runc 1.1.5's output:
// - ociVersion: we write kOciVersion ("1.1.0"); runc 1.1.5 writes "1.0.2-dev".
// Nothing else may differ.
Json WithoutDocumentedDifferences(Json j) {
  j.erase("ociVersion");
  return j;
}

void CompareWithRunc(bool rootless) {
  if (!HaveRunc()) GTEST_SKIP() << "runc is not installed; cannot compare with `runc spec`";
  Result<std::string> text = RuncSpec(rootless);
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  Json runc = Json::parse(*text);
  Json ours = ToJson(DefaultSpec(rootless));
  EXPECT_EQ(ours["ociVersion"], kOciVersion);
  EXPECT_EQ(WithoutDocumentedDifferences(ours), WithoutDocumentedDifferences(runc))
      << "ours:\n" << ours.dump(2) << "\nrunc:\n" << runc.dump(2);

  // The model agrees too: parsing runc's file gives DefaultSpec() but for ociVersion.
  Result<Spec> parsed = ParseSpec(*text);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  parsed->oci_version = kOciVersion;
  EXPECT_EQ(*parsed, DefaultSpec(rootless));
}

TEST(DefaultSpecTest, MatchesRuncSpec) { CompareWithRunc(false); }

TEST(DefaultSpecTest, RootlessMatchesRuncSpecRootless) { CompareWithRunc(true); }

TEST(DefaultSpecTest, IsValid) {
  for (bool rootless : {false, true}) {
    Spec s = DefaultSpec(rootless);
    Result<> r = Validate(s);
    EXPECT_TRUE(r.has_value()) << (rootless ? "rootless: " : "") << r.error().ToString();
    EXPECT_EQ(ParseSpec(ToJson(s).dump()).value(), s);
  }
}

TEST(DefaultSpecTest, Shape) {
  Spec s = DefaultSpec(false);
  ASSERT_TRUE(s.process && s.linux);
  EXPECT_EQ(s.process->args, std::vector<std::string>{"sh"});
  EXPECT_TRUE(s.process->terminal);
  EXPECT_TRUE(s.linux->CreatesNamespace(NamespaceType::kNetwork));
  EXPECT_FALSE(s.linux->FindNamespace(NamespaceType::kUser));
  EXPECT_TRUE(s.linux->uid_mappings.empty());
  ASSERT_TRUE(s.linux->resources);

  Spec r = DefaultSpec(true);
  ASSERT_TRUE(r.linux);
  EXPECT_FALSE(r.linux->FindNamespace(NamespaceType::kNetwork));
  EXPECT_TRUE(r.linux->CreatesNamespace(NamespaceType::kUser));
  EXPECT_EQ(r.linux->uid_mappings, (std::vector<IdMapping>{{0, static_cast<uint32_t>(geteuid()), 1}}));
  EXPECT_EQ(r.linux->gid_mappings, (std::vector<IdMapping>{{0, static_cast<uint32_t>(getegid()), 1}}));
  EXPECT_FALSE(r.linux->resources);
  for (const Mount& m : r.mounts) {
    EXPECT_EQ(std::count(m.options.begin(), m.options.end(), "gid=5"), 0) << m.destination;
    if (m.destination == "/sys") {
      EXPECT_EQ(m.type, "none");
      EXPECT_EQ(m.source, "/sys");
      EXPECT_EQ(m.options.front(), "rbind");
    }
  }
}

}  // namespace
}  // namespace inclavare::oci
