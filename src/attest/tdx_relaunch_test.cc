// TDX 1.5: Intel's TD relaunch check (TdRelaunchStatus) on TEE_TCB_SVN2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/tcb.h"

namespace inclavare::attest {
namespace {

using S = TcbStatus;

// Two TDX levels, newest first: TDX components 0 and 2 at 5/3 (UpToDate)
// and 2/2 (OutOfDate); one module identity TDX_01 whose newest isvsvn is 4.
TcbInfo Info(S newest_status = S::kUpToDate) {
  TcbInfo info;
  info.id = "TDX";
  TcbLevel newest;
  newest.sgx_components.fill(2);
  newest.pce_svn = 11;
  newest.has_tdx = true;
  newest.tdx_components[0] = 5;
  newest.tdx_components[2] = 3;
  newest.status = newest_status;
  TcbLevel old = newest;
  old.tdx_components[0] = 2;
  old.tdx_components[2] = 2;
  old.status = S::kOutOfDate;
  info.levels = {newest, old};
  TdxModuleIdentity m;
  m.id = "TDX_01";
  IsvLevel l4{4, "", S::kUpToDate, {}};
  IsvLevel l2{2, "", S::kOutOfDate, {}};
  m.levels = {l4, l2};
  info.module_identities = {m};
  return info;
}

PckInfo Pck() {
  PckInfo p;
  p.tcb_components.fill(2);
  p.pce_svn = 11;
  return p;
}

std::optional<S> Relaunch(const TcbInfo& info, std::array<uint8_t, 16> svn2, S tdx = S::kOutOfDate,
                          std::optional<S> module = S::kOutOfDate, S qe = S::kUpToDate) {
  auto r = TdRelaunchStatus(info, Pck(), svn2, tdx, module, qe);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r.value_or(std::nullopt);
}

TEST(TdRelaunch, ModuleMajorZeroUsesTheNewestTdxLevel) {
  EXPECT_EQ(Relaunch(Info(), {5, 0, 3}), S::kTDRelaunchAdvised);
  EXPECT_EQ(Relaunch(Info(), {9, 0, 7}), S::kTDRelaunchAdvised);
  EXPECT_EQ(Relaunch(Info(), {4, 0, 3}), std::nullopt);  // component 0 below the newest level
  EXPECT_EQ(Relaunch(Info(), {5, 0, 2}), std::nullopt);  // component 2 below
}

TEST(TdRelaunch, ModuleMajorSelectsTheModuleIdentity) {
  // TDX_01's newest isvsvn is 4: 4 suffices although the level's component 0 is 5.
  EXPECT_EQ(Relaunch(Info(), {4, 1, 3}), S::kTDRelaunchAdvised);
  EXPECT_EQ(Relaunch(Info(), {3, 1, 3}), std::nullopt);
  auto r = TdRelaunchStatus(Info(), Pck(), {4, 2, 3}, S::kOutOfDate, S::kOutOfDate, S::kUpToDate);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), ::testing::HasSubstr("no TDX module identity TDX_02"));
}

TEST(TdRelaunch, OnlyWhenTdxAndModuleAreOutOfDate) {
  EXPECT_EQ(Relaunch(Info(), {5, 0, 3}, S::kUpToDate), std::nullopt);
  EXPECT_EQ(Relaunch(Info(), {5, 0, 3}, S::kOutOfDate, S::kUpToDate), std::nullopt);
  EXPECT_EQ(Relaunch(Info(), {5, 0, 3}, S::kOutOfDate, std::nullopt), std::nullopt);
  EXPECT_EQ(Relaunch(Info(), {5, 0, 3}, S::kOutOfDate, S::kOutOfDate, S::kOutOfDate), std::nullopt);
  EXPECT_EQ(Relaunch(Info(), {5, 0, 3}, S::kOutOfDate, S::kOutOfDate, S::kRevoked), std::nullopt);
}

TEST(TdRelaunch, ConfigurationNeededCarriesOver) {
  EXPECT_EQ(Relaunch(Info(), {5, 0, 3}, S::kOutOfDateConfigurationNeeded), S::kTDRelaunchAdvisedConfigurationNeeded);
  // The SGX part of the platform (the newest level, SGX components only) needs configuration.
  EXPECT_EQ(Relaunch(Info(S::kConfigurationNeeded), {5, 0, 3}), S::kTDRelaunchAdvisedConfigurationNeeded);
  // An SGX part that is itself OutOfDate: no relaunch helps.
  EXPECT_EQ(Relaunch(Info(S::kOutOfDate), {5, 0, 3}), std::nullopt);
}

TEST(TdRelaunch, SgxComponentsBelowEveryLevel) {
  PckInfo low = Pck();
  low.tcb_components[8] = 1;
  auto r = TdRelaunchStatus(Info(), low, {5, 0, 3}, S::kOutOfDate, S::kOutOfDate, S::kUpToDate);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, std::nullopt);
}

TEST(TdRelaunch, StatusNamesRoundTrip) {
  for (S s : {S::kTDRelaunchAdvised, S::kTDRelaunchAdvisedConfigurationNeeded}) {
    auto p = ParseTcbStatus(TcbStatusName(s));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(*p, s);
  }
  EXPECT_STREQ(TcbStatusName(S::kTDRelaunchAdvised), "TDRelaunchAdvised");
}

}  // namespace
}  // namespace inclavare::attest
