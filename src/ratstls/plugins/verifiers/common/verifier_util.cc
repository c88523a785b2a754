#include "ratstls/plugins/verifiers/common/verifier_util.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

#include "attest/x509.h"
#include "common/fs.h"

namespace inclavare::ratstls::verifiers {

namespace {

std::string Str(const char* s) { return s ? std::string(s) : std::string(); }

template <size_t N>
void CopyBytes(uint8_t (&dst)[N], const std::vector<uint8_t>& src) {
  std::memcpy(dst, src.data(), std::min(N, src.size()));
}

}  // namespace

Result<VerifierSettings> VerifierSettings::FromEnv(const rats_tls_plugin_env_t* env) {
  if (!env) return InvalidArgument("no plugin settings (env is NULL)");
  if (env->size < sizeof(rats_tls_plugin_env_t)) {
    return InvalidArgument("plugin settings of size " + std::to_string(env->size) + ", expected at least " +
                           std::to_string(sizeof(rats_tls_plugin_env_t)));
  }
  VerifierSettings s;
  s.sim_dir = Str(env->sim_dir);
  s.root_ca_file = Str(env->root_ca_file);
  s.collateral = Str(env->collateral);
  s.snp_vcek_file = Str(env->snp_vcek_file);
  s.snp_ask_ark_file = Str(env->snp_ask_ark_file);
  s.plugin_dir = Str(env->plugin_dir);
  s.policy_json = Str(env->policy_json);
  s.verify_time = env->verify_time;
  if (!s.policy_json.empty()) {
    IC_ASSIGN_OR_RETURN(s.policy, attest::ParsePolicyJson(s.policy_json));
  }
  return s;
}

int64_t VerifierSettings::Now() const { return verify_time != 0 ? verify_time : attest::NowUnix(); }

Result<> VerifierSettings::CheckPolicy(const attest::Claims& claims, attest::TcbStatus status) const {
  return attest::CheckPolicy(policy, claims, status);
}

attest::Claims ClaimsFromReportBody(const sgx::ReportBody& r) {
  attest::Claims c;
  c.tee = attest::TeeKind::kSgx;
  c.mr_enclave.assign(r.mr_enclave.begin(), r.mr_enclave.end());
  c.mr_signer.assign(r.mr_signer.begin(), r.mr_signer.end());
  c.isv_prod_id = r.isv_prod_id;
  c.isv_svn = r.isv_svn;
  c.attributes = r.attributes.flags;
  c.xfrm = r.attributes.xfrm;
  c.misc_select = r.misc_select;
  c.debug = (r.attributes.flags & sgx::kAttrDebug) != 0;
  c.report_data.assign(r.report_data.begin(), r.report_data.end());
  return c;
}

Result<> FillVerifiedEvidence(const attest::Claims& c, const char* evidence_type,
                              const std::string& tcb_status, int64_t valid_until,
                              const nlohmann::ordered_json& extra, rats_tls_verified_evidence_t* out) {
  if (!out) return InvalidArgument("no output for the verified evidence (out is NULL)");
  std::memset(out, 0, sizeof *out);
  std::snprintf(out->evidence_type, sizeof out->evidence_type, "%s", evidence_type);
  CopyBytes(out->report_data, c.report_data);
  out->debug = c.debug;
  std::snprintf(out->tcb_status, sizeof out->tcb_status, "%s", tcb_status.c_str());
  out->valid_until = valid_until;
  switch (c.tee) {
    case attest::TeeKind::kSgx: {
      CopyBytes(out->mr_enclave, c.mr_enclave);
      CopyBytes(out->mr_signer, c.mr_signer);
      out->isv_prod_id = c.isv_prod_id;
      out->isv_svn = c.isv_svn;
      // The ATTRIBUTES structure: flags || xfrm, little-endian.
      std::memcpy(out->attributes, &c.attributes, 8);
      std::memcpy(out->attributes + 8, &c.xfrm, 8);
      break;
    }
    case attest::TeeKind::kTdx:
      CopyBytes(out->mr_seam, c.mr_seam);
      CopyBytes(out->tee_tcb_svn, c.tee_tcb_svn);
      CopyBytes(out->mr_td, c.mr_td);
      for (size_t i = 0; i < 4; ++i) CopyBytes(out->rtmr[i], c.rtmr[i]);
      break;
    case attest::TeeKind::kSevSnp:
      CopyBytes(out->measurement, c.measurement);
      break;
  }
  // ClaimsToJson's compact object with the extra members spliced in before
  // its closing brace (no re-parse: this runs on every handshake).
  std::string text = attest::ClaimsToJson(c, -1);
  if (text.size() < 2 || text.front() != '{' || text.back() != '}')
    return Internal("claims JSON is not an object");
  nlohmann::ordered_json more = nlohmann::ordered_json::object();
  more["evidence_type"] = evidence_type;
  for (const auto& [k, v] : extra.items()) more[k] = v;
  const std::string members = more.dump();
  text.pop_back();
  if (text.size() > 1) text += ',';
  text.append(members, 1, std::string::npos);
  char* p = static_cast<char*>(std::malloc(text.size() + 1));
  if (!p) return Internal("out of memory (claims JSON)");
  std::memcpy(p, text.c_str(), text.size() + 1);
  out->claims_json = p;
  return {};
}

int ErrnoFor(const Error& e) {
  if (e.sys_errno() > 0) return e.sys_errno();
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
      return EINVAL;
    case ErrorCode::kNotFound:
      return ENOENT;
    case ErrorCode::kAlreadyExists:
      return EEXIST;
    case ErrorCode::kPermissionDenied:
      return EPERM;
    case ErrorCode::kFailedPrecondition:
      return ENODEV;
    case ErrorCode::kUnavailable:
      return EAGAIN;
    case ErrorCode::kUnimplemented:
      return ENOTSUP;
    case ErrorCode::kInternal:
      return EIO;
  }
  return EINVAL;
}

int CallPlugin(rats_tls_error_t* err, const std::function<Result<>()>& fn) {
  try {
    Result<> r = fn();
    if (r) return 0;
    return rats_tls_error_set(err, ErrnoFor(r.error()), "%s", r.error().ToString().c_str());
  } catch (const std::bad_alloc&) {
    return rats_tls_error_set(err, ENOMEM, "out of memory");
  } catch (const std::exception& e) {
    return rats_tls_error_set(err, EIO, "internal error: %s", e.what());
  } catch (...) {
    return rats_tls_error_set(err, EIO, "internal error: unknown exception");
  }
}

Result<std::string> ReadSettingFile(const std::string& path, const std::string& what) {
  auto r = fs::ReadFile(path);
  if (!r) return std::move(r).Wrap("read " + what + " " + path);
  if (r->empty()) return InvalidArgument(what + " " + path + " is empty");
  return *r;
}

}  // namespace inclavare::ratstls::verifiers
