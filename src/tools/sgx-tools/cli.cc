// sgx-tools: SGX quote and SIGSTRUCT utilities. Flags only; the commands are
// in commands.h.
#include "tools/sgx-tools/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>

#include "enclave/aesm/wire.h"
#include "enclave/sim/state.h"
#include "tools/sgx-tools/commands.h"
#include "tools/sgx-tools/platform_commands.h"
#include "tools/sgx-tools/verify_quote.h"

namespace {

using inclavare::Result;
namespace tools = inclavare::sgx::tools;

void AddSigStructFlags(CLI::App* cmd, tools::SigStructOptions& o, bool mrenclave_required = true) {
  cmd->add_option("--mrenclave", o.mrenclave_hex, "enclave measurement (64 hex digits)")
      ->required(mrenclave_required);
  cmd->add_option("--attributes", o.attributes, "ATTRIBUTES.FLAGS required (default 0x4 = MODE64BIT)");
  cmd->add_option("--attributes-mask", o.attributes_mask, "flag bits EINIT enforces (default all)");
  cmd->add_option("--xfrm", o.xfrm, "ATTRIBUTES.XFRM required (default 0x3)");
  cmd->add_option("--xfrm-mask", o.xfrm_mask, "XFRM bits EINIT enforces (default 0x3)");
  cmd->add_option("--misc-select", o.misc_select, "MISCSELECT (default 0)");
  cmd->add_option("--misc-mask", o.misc_mask, "MISCSELECT bits enforced (default 0xffffffff)");
  cmd->add_option("--isvprodid", o.isv_prod_id, "ISVPRODID (default 0)");
  cmd->add_option("--isvsvn", o.isv_svn, "ISVSVN (default 0)");
  cmd->add_option("--date", o.date, "YYYYMMDD (default today, UTC)");
  cmd->add_flag("--vendor-intel", o.vendor_intel, "set VENDOR to 0x8086");
  cmd->add_flag("--debug-signed", o.debug_signed, "set the debug bit of the header TYPE");
}

int Finish(const std::string& command, const Result<std::string>& r) {
  if (!r) {
    std::cerr << "sgx-tools: " << command << ": " << r.error().ToString() << "\n";
    return 1;
  }
  if (!r->empty()) std::cout << *r << "\n";
  return 0;
}

Result<std::string> Done(const Result<>& r) {
  if (!r) return r.error();
  return std::string();
}

}  // namespace

namespace inclavare::sgx::tools {

int RunSgxTools(int argc, char** argv, const AppInspector& inspect) {
  CLI::App app{"sgx-tools: Intel SGX quote, SIGSTRUCT and platform utilities.\n"
               "EPID quotes are not supported (DCAP/ECDSA quotes v3, v4, v5 only).\n"
               "AESM commands talk to Intel's aesmd or to aesmd-sim (the SIMULATED platform)."};
  app.require_subcommand(1);

  std::string file, out, key, data, sig, pubkey;
  std::optional<std::string> mrenclave;
  tools::SigStructOptions opts;

  auto* dump_quote = app.add_subcommand("dump-quote", "print a DCAP quote (v3 SGX, v4/v5 TDX) as JSON");
  dump_quote->add_option("FILE", file, "quote file (binary or hex text)")->required();

  auto* gen_key = app.add_subcommand("gen-key", "generate an RSA-3072 (e=3) enclave signing key");
  gen_key->add_option("--out", out, "private key PEM to write (mode 0600)")->required();

  std::string enclave, enclave_config;
  bool measure_json = false;
  auto* measure = app.add_subcommand("measure", "print the MRENCLAVE of an enclave image (sim image format)");
  measure->add_option("--enclave", enclave, "enclave image (freestanding x86-64 ELF shared object)")->required();
  measure->add_option("--config", enclave_config, "enclave config JSON (default: the defaults)");
  measure->add_flag("--json", measure_json, "print the identity a SIGSTRUCT must carry, as JSON");

  auto* sign = app.add_subcommand("sign", "build and sign a SIGSTRUCT with a private key");
  sign->add_option("--key", key, "RSA-3072 e=3 private key PEM")->required();
  sign->add_option("--out", out, "SIGSTRUCT file to write (1808 bytes)")->required();
  sign->add_option("--enclave", enclave,
                   "sign for this enclave image: MRENCLAVE, ATTRIBUTES, MISCSELECT, ISVPRODID, ISVSVN "
                   "from the image and --config");
  sign->add_option("--config", enclave_config, "enclave config JSON, with --enclave");
  AddSigStructFlags(sign, opts, /*mrenclave_required=*/false);

  auto* gendata = app.add_subcommand("gendata", "write the 256 bytes to sign (header || body)");
  gendata->add_option("--out", out, "signing data file to write")->required();
  AddSigStructFlags(gendata, opts);

  auto* catsig = app.add_subcommand("catsig", "combine gendata output, a signature and a public key");
  catsig->add_option("--data", data, "gendata output (256 bytes)")->required();
  catsig->add_option("--sig", sig,
                    "signature file: RSA-3072 PKCS#1 v1.5 over the gendata output, e.g. from "
                    "openssl dgst -sha256 -sign key.pem DATA")->required();
  catsig->add_option("--key", pubkey, "signer's public (or private) key PEM")->required();
  catsig->add_option("--out", out, "SIGSTRUCT file to write (1808 bytes)")->required();

  auto* dump_sig = app.add_subcommand("dump-sigstruct", "print a SIGSTRUCT as JSON");
  dump_sig->add_option("FILE", file, "SIGSTRUCT file (1808 bytes)")->required();

  auto* verify_sig = app.add_subcommand("verify-sigstruct", "check a SIGSTRUCT's constants, signature and Q1/Q2");
  verify_sig->add_option("FILE", file, "SIGSTRUCT file (1808 bytes)")->required();
  verify_sig->add_option("--mrenclave", mrenclave, "also require this ENCLAVEHASH (64 hex digits)");

  tools::VerifyQuoteOptions vq;
  auto* verify_quote = app.add_subcommand(
      "verify-quote", "verify a DCAP quote with collateral (and a policy); prints status, advisories, claims");
  verify_quote->add_option("--quote", vq.quote, "quote file (binary or hex text)")->required();
  verify_quote->add_option("--collateral-json", vq.collateral_json, "dcap-qvl collateral JSON");
  verify_quote->add_option("--tcb-info", vq.tcb_info, "Intel PCS TCB Info JSON");
  verify_quote->add_option("--qe-identity", vq.qe_identity, "Intel PCS QE identity JSON");
  verify_quote->add_option("--pck-crl", vq.pck_crl, "PCK CA CRL (DER or PEM)");
  verify_quote->add_option("--root-crl", vq.root_crl, "Intel SGX Root CA CRL (DER or PEM)");
  verify_quote->add_option("--tcb-signing-cert", vq.tcb_signing_cert, "TCB signing certificate (DER or PEM)");
  verify_quote->add_option("--pccs-url", vq.pccs_url,
                           "fetch the collateral from this Intel PCS/PCCS (e.g. https://localhost:8081)");
  verify_quote->add_option("--pccs-api-version", vq.pccs_api_version, "PCS/PCCS API version (3 or 4)")
      ->capture_default_str();
  verify_quote->add_option("--pccs-ca", vq.pccs_ca, "CA certificate(s) (PEM) of the PCCS's TLS certificate");
  verify_quote->add_flag("--pccs-insecure", vq.pccs_insecure,
                         "do not verify the PCCS's TLS certificate (the collateral is still verified)");
  verify_quote->add_option("--pccs-cache", vq.pccs_cache, "directory caching fetched collateral");
  verify_quote->add_option("--qcnl-conf", vq.qcnl_conf,
                           "fetch the collateral from the PCCS named by this Intel QCNL configuration "
                           "(e.g. /etc/sgx_default_qcnl.conf)");
  verify_quote->add_option("--root-ca", vq.root_ca, "trust anchor(s) replacing the built-in Intel SGX Root CA");
  verify_quote->add_option("--at", vq.at, "verification time, RFC 3339 (default now)");
  verify_quote->add_option("--policy", vq.policy, "policy JSON (mr_enclave, mr_signer, mr_td, ...)");
  verify_quote->add_flag("--allow-debug", vq.allow_debug, "accept debug enclaves / TDs");
  verify_quote->add_flag("--sim", vq.accept_sim_qe,
                         "accept quotes from the SIMULATED quoting enclave (requires --root-ca with the sim root)");
  verify_quote->add_option("--accept-status", vq.accept_status, "acceptable TCB status (repeatable)");

  // Platform commands: the AESM service (Intel's aesmd or aesmd-sim) and the
  // sim platform.
  std::string socket = inclavare::sgx::aesm::kDefaultSocket;
  std::string quote_type = "ecdsa";
  std::string targetinfo = "target_info.dat", report, quote = "quote.dat", token = "enclave.token";
  std::string sim_dir = inclavare::sgx::sim::DefaultStateDir(), report_data;
  bool force = false;
  auto add_socket = [&](CLI::App* cmd) {
    cmd->add_option("--socket", socket, "AESM socket (aesmd or aesmd-sim)")->capture_default_str();
  };
  auto add_quote_type = [&](CLI::App* cmd) {
    cmd->add_option("--quote-type", quote_type, "quote type: ecdsa (DCAP); EPID types are not supported")
        ->capture_default_str();
  };

  auto* gen_ti = app.add_subcommand("gen-qe-target-info", "get the quoting enclave's TARGETINFO from AESM");
  gen_ti->add_option("--targetinfo", targetinfo, "TARGETINFO file to write (512 bytes)")->capture_default_str();
  add_quote_type(gen_ti);
  add_socket(gen_ti);

  auto* gen_quote = app.add_subcommand("gen-quote", "get a DCAP quote v3 for a REPORT from AESM");
  gen_quote->add_option("--report", report, "REPORT file (432 bytes) targeted at the QE")->required();
  gen_quote->add_option("--quote", quote, "quote file to write (binary)")->capture_default_str();
  add_quote_type(gen_quote);
  add_socket(gen_quote);

  auto* gen_token = app.add_subcommand(
      "gen-token",
      "get a launch token (EINITTOKEN) for a SIGSTRUCT from AESM (all-zero with flexible launch control, as on sim)");
  gen_token->add_option("--signature", file, "SIGSTRUCT file (1808 bytes)")->required();
  gen_token->add_option("--token", token, "EINITTOKEN file to write (304 bytes)")->capture_default_str();
  add_socket(gen_token);

  auto* dump_report = app.add_subcommand("dump-report", "print a REPORT (432 bytes) as JSON");
  dump_report->add_option("FILE", file, "REPORT file")->required();
  auto* dump_ti = app.add_subcommand("dump-targetinfo", "print a TARGETINFO (512 bytes) as JSON");
  dump_ti->add_option("FILE", file, "TARGETINFO file")->required();

  auto* sim = app.add_subcommand("sim", "the SIMULATED SGX platform (no hardware; chains to a sim root CA)");
  sim->require_subcommand(1);
  auto* sim_init = sim->add_subcommand(
      "init", "create the sim platform: secret, PCK chain, QE keys, collateral (dir 0700, keys 0600)");
  sim_init->add_option("--dir", sim_dir, "state directory ($INCLAVARE_SIM_DIR or /var/lib/inclavare/sim)")
      ->capture_default_str();
  sim_init->add_flag("--force", force, "replace an existing sim platform (new secret and keys)");
  auto* sim_report = sim->add_subcommand("report", "make a REPORT from a sample sim enclave, for a TARGETINFO");
  sim_report->add_option("--dir", sim_dir, "state directory ($INCLAVARE_SIM_DIR or /var/lib/inclavare/sim)")
      ->capture_default_str();
  sim_report->add_option("--targetinfo", targetinfo, "TARGETINFO of the target (e.g. the QE's)")->required();
  sim_report->add_option("--report-data", report_data, "REPORTDATA, up to 64 bytes as hex (zero-padded)");
  sim_report->add_option("--key", key, "enclave signing key (RSA-3072 e=3 PEM; default: a fresh one)");
  sim_report->add_option("--out", out, "REPORT file to write (432 bytes)")->required();

  if (inspect) {
    inspect(app);
    return 0;
  }
  CLI11_PARSE(app, argc, argv);

  if (gen_ti->parsed()) return Finish("gen-qe-target-info", tools::GenQeTargetInfo(socket, quote_type, targetinfo));
  if (gen_quote->parsed()) return Finish("gen-quote", tools::GenQuote(socket, report, quote_type, quote));
  if (gen_token->parsed()) return Finish("gen-token", tools::GenToken(socket, file, token));
  if (dump_report->parsed()) return Finish("dump-report", tools::DumpReportFile(file));
  if (dump_ti->parsed()) return Finish("dump-targetinfo", tools::DumpTargetInfoFile(file));
  if (sim_init->parsed()) return Finish("sim init", tools::SimInit(sim_dir, force));
  if (sim_report->parsed()) {
    return Finish("sim report", tools::SimReport(sim_dir, targetinfo, report_data, key, out));
  }

  if (verify_quote->parsed()) return Finish("verify-quote", tools::VerifyQuoteCommand(vq));

  if (dump_quote->parsed()) return Finish("dump-quote", tools::DumpQuoteFile(file));
  if (gen_key->parsed()) return Finish("gen-key", Done(tools::GenKey(out)));
  if (measure->parsed()) return Finish("measure", tools::Measure(enclave, enclave_config, measure_json));
  if (sign->parsed()) {
    if (enclave.empty()) {
      if (!enclave_config.empty()) {
        return Finish("sign", inclavare::InvalidArgument("--config needs --enclave"));
      }
      if (opts.mrenclave_hex.empty()) {
        return Finish("sign", inclavare::InvalidArgument("--mrenclave or --enclave is required"));
      }
      return Finish("sign", Done(tools::Sign(opts, key, out)));
    }
    for (const char* flag : {"--mrenclave", "--attributes", "--xfrm", "--misc-select", "--misc-mask", "--isvprodid",
                             "--isvsvn"}) {
      if (sign->count(flag) > 0) {
        return Finish("sign", inclavare::InvalidArgument(std::string(flag) +
                                                         " cannot be combined with --enclave: the value comes "
                                                         "from the image and its config"));
      }
    }
    return Finish("sign", Done(tools::SignEnclave(opts, enclave, enclave_config, key, out)));
  }
  if (gendata->parsed()) return Finish("gendata", Done(tools::GenData(opts, out)));
  if (catsig->parsed()) return Finish("catsig", Done(tools::CatSig(data, sig, pubkey, out)));
  if (dump_sig->parsed()) return Finish("dump-sigstruct", tools::DumpSigStructFile(file));
  if (verify_sig->parsed()) return Finish("verify-sigstruct", tools::VerifySigStructFile(file, mrenclave));
  return 1;
}

}  // namespace inclavare::sgx::tools
