// sgx-tools: SGX quote and SIGSTRUCT utilities. Flags only; the commands are
// in commands.h.
#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>

#include "tools/sgx-tools/commands.h"

namespace {

using inclavare::Result;
namespace tools = inclavare::sgx::tools;

void AddSigStructFlags(CLI::App* cmd, tools::SigStructOptions& o) {
  cmd->add_option("--mrenclave", o.mrenclave_hex, "enclave measurement (64 hex digits)")->required();
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

int Report(const std::string& command, const Result<std::string>& r) {
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

int main(int argc, char** argv) {
  CLI::App app{"sgx-tools: Intel SGX quote and SIGSTRUCT utilities.\n"
               "EPID quotes are not supported (DCAP/ECDSA quotes v3, v4, v5 only).\n"
               "`measure` will come with the enclave image format."};
  app.require_subcommand(1);

  std::string file, out, key, data, sig, pubkey;
  std::optional<std::string> mrenclave;
  tools::SigStructOptions opts;

  auto* dump_quote = app.add_subcommand("dump-quote", "print a DCAP quote (v3 SGX, v4/v5 TDX) as JSON");
  dump_quote->add_option("FILE", file, "quote file (binary or hex text)")->required();

  auto* gen_key = app.add_subcommand("gen-key", "generate an RSA-3072 (e=3) enclave signing key");
  gen_key->add_option("--out", out, "private key PEM to write (mode 0600)")->required();

  auto* sign = app.add_subcommand("sign", "build and sign a SIGSTRUCT with a private key");
  sign->add_option("--key", key, "RSA-3072 e=3 private key PEM")->required();
  sign->add_option("--out", out, "SIGSTRUCT file to write (1808 bytes)")->required();
  AddSigStructFlags(sign, opts);

  auto* gendata = app.add_subcommand("gendata", "write the 256 bytes to sign (header || body)");
  gendata->add_option("--out", out, "signing data file to write")->required();
  AddSigStructFlags(gendata, opts);

  auto* catsig = app.add_subcommand("catsig", "combine gendata output, a signature and a public key");
  catsig->add_option("--data", data, "gendata output (256 bytes)")->required();
  catsig->add_option("--sig", sig, "signature: openssl dgst -sha256 -sign key.pem data")->required();
  catsig->add_option("--key", pubkey, "signer's public (or private) key PEM")->required();
  catsig->add_option("--out", out, "SIGSTRUCT file to write")->required();

  auto* dump_sig = app.add_subcommand("dump-sigstruct", "print a SIGSTRUCT as JSON");
  dump_sig->add_option("FILE", file, "SIGSTRUCT file")->required();

  auto* verify_sig = app.add_subcommand("verify-sigstruct", "check a SIGSTRUCT's constants, signature and Q1/Q2");
  verify_sig->add_option("FILE", file, "SIGSTRUCT file")->required();
  verify_sig->add_option("--mrenclave", mrenclave, "also require this ENCLAVEHASH (64 hex digits)");

  CLI11_PARSE(app, argc, argv);

  if (dump_quote->parsed()) return Report("dump-quote", tools::DumpQuoteFile(file));
  if (gen_key->parsed()) return Report("gen-key", Done(tools::GenKey(out)));
  if (sign->parsed()) return Report("sign", Done(tools::Sign(opts, key, out)));
  if (gendata->parsed()) return Report("gendata", Done(tools::GenData(opts, out)));
  if (catsig->parsed()) return Report("catsig", Done(tools::CatSig(data, sig, pubkey, out)));
  if (dump_sig->parsed()) return Report("dump-sigstruct", tools::DumpSigStructFile(file));
  if (verify_sig->parsed()) return Report("verify-sigstruct", tools::VerifySigStructFile(file, mrenclave));
  return 1;
}
