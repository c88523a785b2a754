// tdx_ecdsa attester: a DCAP TD quote whose REPORTDATA is the requested
// report data, from the Linux configfs-tsm report interface (tsm_report.h)
// inside a TDX guest. Evidence tag 60000 (Intel TEE quote).
#include <rats-tls/plugin.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "ratstls/plugins/attesters/attester_util.h"
#include "ratstls/plugins/attesters/tdx_ecdsa/tsm_report.h"

namespace inclavare::ratstls::attesters {
namespace {

struct TdxState {
  RealTsmFs fs;
};

int Probe(const rats_tls_plugin_env_t*, rats_tls_error_t* err) noexcept {
  // Not usable here is "no such device", whatever the detail.
  return Guard(
      err,
      [&]() -> Result<> {
        RealTsmFs fs;
        return TsmProbeTdx(fs, kTsmReportRoot);
      },
      ENODEV);
}

int Init(const rats_tls_plugin_env_t*, void** state, rats_tls_error_t* err) noexcept {
  *state = nullptr;
  return Guard(
      err,
      [&]() -> Result<> {
        auto s = std::make_unique<TdxState>();
        IC_TRY(TsmProbeTdx(s->fs, kTsmReportRoot));
        *state = s.release();
        return {};
      },
      ENODEV);
}

int CollectEvidence(void* state, const uint8_t report_data[64], uint64_t* tag, rats_tls_bytes_t* evidence,
                    rats_tls_error_t* err) noexcept {
  return Guard(err, [&]() -> Result<> {
    auto* s = static_cast<TdxState*>(state);
    std::array<uint8_t, 64> data;
    std::copy(report_data, report_data + 64, data.begin());
    IC_ASSIGN_OR_RETURN(std::vector<uint8_t> quote, TsmTdxQuote(s->fs, kTsmReportRoot, data));
    IC_TRY(CopyOut(quote, evidence));
    *tag = RATS_TLS_TAG_INTEL_TEE_QUOTE;
    return {};
  });
}

void Cleanup(void* state) noexcept { delete static_cast<TdxState*>(state); }

const rats_tls_attester_ops_t kOps = {
    Probe, Init, CollectEvidence, /*collect_endorsements=*/nullptr, Cleanup,
};

const rats_tls_plugin_t kPlugin = {
    RATS_TLS_PLUGIN_ABI_VERSION, RATS_TLS_PLUGIN_ATTESTER, "tdx_ecdsa", "tdx_ecdsa", 42, &kOps,
};

}  // namespace
}  // namespace inclavare::ratstls::attesters

extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_tdx_ecdsa(void) {
  return &inclavare::ratstls::attesters::kPlugin;
}
