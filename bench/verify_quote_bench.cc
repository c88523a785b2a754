// verify_quote_bench: SGX quote v3 verifications per second on one core with
// the collateral cached (one DcapVerifier: collateral, PCK chain and verified
// QE reports are cached, so a repeated quote costs its own ECDSA verify, the
// key-binding SHA-256 and the parse), printed beside OpenSSL's raw ECDSA P-256 verify rate
// measured in the same run. Issue 5 target: >= 5000 quotes/s.
//
//   verify_quote_bench [QUOTE COLLATERAL_JSON RFC3339_TIME] [--seconds N]
//
// Defaults to the MANIFEST's SGX-B set (dcap-qvl sgx_quote + collateral at
// 2025-07-19T10:01:17Z) read in place from the evidence folder.
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/dcap_verify.h"
#include "attest/x509.h"
#include "common/fs.h"
#include "enclave/sgx/quote.h"

namespace {

using namespace inclavare;
using Clock = std::chrono::steady_clock;

template <class F>
double Rate(double seconds, F&& f) {
  // Warm up, then count iterations over the measuring window.
  for (int i = 0; i < 50; ++i) f();
  long n = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  Clock::time_point now;
  do {
    for (int i = 0; i < 64; ++i) f();
    n += 64;
    now = Clock::now();
  } while (now < end);
  return n / std::chrono::duration<double>(now - start).count();
}

int Fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "verify_quote_bench: %s: %s\n", what.c_str(), e.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ev = IC_EVIDENCE_DIR;
  std::string quote_path = ev + "/sgx/dcap-qvl/sgx_quote";
  std::string coll_path = ev + "/sgx/dcap-qvl/sgx_quote_collateral.json";
  std::string at = "2025-07-19T10:01:17Z";
  double seconds = 2.0;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() == 3) {
    quote_path = pos[0];
    coll_path = pos[1];
    at = pos[2];
  } else if (!pos.empty()) {
    std::fprintf(stderr, "usage: verify_quote_bench [QUOTE COLLATERAL_JSON RFC3339] [--seconds N]\n");
    return 2;
  }
  // One core: the number is per core.
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
  sched_setaffinity(0, sizeof set, &set);

  auto quote_text = fs::ReadFile(quote_path);
  if (!quote_text) return Fail("read " + quote_path, quote_text.error());
  std::vector<uint8_t> quote(quote_text->begin(), quote_text->end());
  auto coll_text = fs::ReadFile(coll_path);
  if (!coll_text) return Fail("read " + coll_path, coll_text.error());
  auto collateral = attest::ParseDcapQvlCollateral(*coll_text);
  if (!collateral) return Fail("collateral", collateral.error());
  attest::VerifyOptions options;
  auto t = attest::ParseRfc3339(at);
  if (!t) return Fail("time", t.error());
  options.time = *t;
  auto verifier = attest::DcapVerifier::Create(*collateral, options);
  if (!verifier) return Fail("collateral check", verifier.error());
  auto first = verifier->Verify(quote);
  if (!first) return Fail("verify", first.error());

  // Baseline: one raw OpenSSL ECDSA P-256 verify (the quote's own signature).
  auto q = sgx::ParseQuote(quote);
  if (!q) return Fail("parse", q.error());
  auto key = attest::P256KeyFromXy(q->attestation_key);
  if (!key) return Fail("key", key.error());
  bool ok = true;
  double ecdsa = Rate(seconds, [&] {
    ok &= attest::VerifyEcdsaRs(key->get(), EVP_sha256(), q->signed_data, q->signature, "quote").has_value();
  });
  double quotes = Rate(seconds, [&] { ok &= verifier->Verify(quote).has_value(); });
  if (!ok) {
    std::fprintf(stderr, "verify_quote_bench: a verification failed during the run\n");
    return 1;
  }
  std::printf("status                      %s\n", attest::TcbStatusName(first->status));
  std::printf("openssl ECDSA P-256 verify  %10.0f /s (one core)\n", ecdsa);
  std::printf("SGX quote v3 verify         %10.0f /s (one core, collateral cached)\n", quotes);
  std::printf("ratio quote/ecdsa           %10.3f (known PCK chain and QE report: 1 ECDSA verify + SHA-256 + parse)\n",
              quotes / ecdsa);
  std::printf("target >= 5000 quotes/s     %s\n", quotes >= 5000 ? "met" : "NOT met");
  return 0;
}
