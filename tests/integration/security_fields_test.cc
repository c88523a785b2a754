// Spec fields rune refuses clearly instead of ignoring (AppArmor, SELinux
// labels, Intel RDT, personality flags) and the personality domain it
// applies.
#include "tests/integration/harness.h"

namespace itest {
namespace {

class SecurityFieldsTest : public IntegrationTest {
 protected:
  // create must fail, naming the field, and leave nothing behind.
  void ExpectRefused(Bundle& b, const std::string& field) {
    b.Write();
    std::string id = NewId();
    ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    if (!UnderTestIsRunc()) {
      EXPECT_NE(r.err.find(field), std::string::npos) << r.Describe();
    }
    EXPECT_FALSE(Exists(rt().root + "/" + id));
  }
};

TEST_F(SecurityFieldsTest, AppArmorProfileIsRefused) {
  if (UnderTestIsRunc() && !Exists("/sys/kernel/security/apparmor")) {
    // runc 1.1.5 ignores the profile where AppArmor is off.
    GTEST_SKIP() << "runc ignores apparmorProfile without AppArmor";
  }
  Bundle b = NewBundle();
  b.spec["process"]["apparmorProfile"] = "docker-default";
  ExpectRefused(b, "process.apparmorProfile");
}

TEST_F(SecurityFieldsTest, SelinuxLabelsAreRefused) {
  Bundle b = NewBundle();
  b.spec["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0";
  ExpectRefused(b, "process.selinuxLabel");
  Bundle m = NewBundle();
  m.spec["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0";
  ExpectRefused(m, "linux.mountLabel");
}

TEST_F(SecurityFieldsTest, IntelRdtIsRefused) {
  Bundle b = NewBundle();
  b.spec["linux"]["intelRdt"] = {{"closID", "ic-test"}, {"l3CacheSchema", "L3:0=f"}};
  ExpectRefused(b, "linux.intelRdt");
}

TEST_F(SecurityFieldsTest, PersonalityDomainIsApplied) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc 1.1.5 predates linux.personality (runc 1.2)";
  Bundle b = NewBundle();
  b.spec["linux"]["personality"] = {{"domain", "LINUX32"}};
  b.SetArgs({"/bin/uname", "-m"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "i686\n");
  Bundle n = NewBundle();
  n.spec["linux"]["personality"] = {{"domain", "LINUX"}};
  n.SetArgs({"/bin/uname", "-m"});
  r = RunContainer(rt(), n);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "x86_64\n");
}

TEST_F(SecurityFieldsTest, PersonalityFlagsAreRefused) {
  if (UnderTestIsRunc()) GTEST_SKIP() << "runc 1.1.5 ignores personality flags";
  Bundle b = NewBundle();
  b.spec["linux"]["personality"] = {{"domain", "LINUX"}, {"flags", {"ADDR_NO_RANDOMIZE"}}};
  ExpectRefused(b, "linux.personality.flags");
}

}  // namespace
}  // namespace itest
