// The commands of `sgx-tools`, as library functions: main.cc maps flags to
// these and prints what they return; tests call them directly.
//
//   IC_ASSIGN_OR_RETURN(std::string json, tools::DumpQuoteFile("quote.bin"));
//   IC_TRY(tools::GenKey("key.pem"));
//   tools::SigStructOptions o;  o.mrenclave_hex = "a4f4...";
//   IC_TRY(tools::Sign(o, "key.pem", "sigstruct.bin"));
//
// Two-step signing, as sgx_sign's gendata/catsig:
//
//   IC_TRY(tools::GenData(o, "unsigned.bin"));           // 256 bytes: header || body
//   // openssl dgst -sha256 -sign key.pem -out sig.bin unsigned.bin
//   IC_TRY(tools::CatSig("unsigned.bin", "sig.bin", "pub.pem", "sigstruct.bin"));
//
// Output files are written atomically; key files with mode 0600. Errors name
// the file or flag at fault.
//
// Enclave images (docs/sim-platform.md, "Enclave images"):
//
//   IC_ASSIGN_OR_RETURN(std::string mr, tools::Measure("encl.so", "encl.json", /*json=*/false));
//   IC_TRY(tools::SignEnclave(o, "encl.so", "encl.json", "key.pem", "encl.sig"));
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "enclave/sgx/sigstruct.h"

namespace inclavare::sgx::tools {

// Flags shared by sign and gendata. Integers accept decimal or 0x-hex.
struct SigStructOptions {
  std::string mrenclave_hex;          // required, 64 hex digits
  std::string attributes = "0x4";     // ATTRIBUTES.FLAGS (default MODE64BIT)
  std::string attributes_mask = "0xffffffffffffffff";
  std::string xfrm = "0x3";           // ATTRIBUTES.XFRM (x87 | SSE)
  std::string xfrm_mask = "0x3";
  std::string misc_select = "0";
  std::string misc_mask = "0xffffffff";
  std::string isv_prod_id = "0";
  std::string isv_svn = "0";
  std::string date;                   // YYYYMMDD; empty: today (UTC)
  bool vendor_intel = false;          // VENDOR 0x8086 instead of 0
  bool debug_signed = false;          // header TYPE bit 31
};

// Turns the flag strings into SigStructParams (InvalidArgument naming the flag).
Result<SigStructParams> ParseSigStructOptions(const SigStructOptions& options);

// Reads a quote (binary, or hex text as some tools store it) and returns its
// JSON rendering.
Result<std::string> DumpQuoteFile(const std::string& path);

// Writes a fresh RSA-3072 e=3 private key (PKCS#8 PEM, mode 0600).
Result<> GenKey(const std::string& out_path);

// One-step signing with a PEM private key; writes the 1808-byte SIGSTRUCT.
Result<> Sign(const SigStructOptions& options, const std::string& key_path, const std::string& out_path);

// Writes the 256 bytes to be signed (header || body).
Result<> GenData(const SigStructOptions& options, const std::string& out_path);

// Combines gendata's output, a detached signature (big-endian, 384 bytes, as
// `openssl dgst -sha256 -sign` writes) and the signer's public key (PEM) into
// a verified SIGSTRUCT.
Result<> CatSig(const std::string& data_path, const std::string& sig_path, const std::string& pubkey_path,
                const std::string& out_path);

// JSON rendering of a SIGSTRUCT file.
Result<std::string> DumpSigStructFile(const std::string& path);

// Verifies a SIGSTRUCT file (and its ENCLAVEHASH against mrenclave_hex when
// given); returns a one-line summary "OK mrenclave=<hex> mrsigner=<hex>".
Result<std::string> VerifySigStructFile(const std::string& path,
                                        const std::optional<std::string>& mrenclave_hex);

// MRENCLAVE of an enclave image with its config (empty path: the default
// config): 64 hex digits, or with json the identity a SIGSTRUCT must carry.
Result<std::string> Measure(const std::string& image_path, const std::string& config_path, bool json);

// sign for an enclave image: MRENCLAVE, ATTRIBUTES (MODE64BIT, DEBUG per the
// config, XFRM x87|SSE), MISCSELECT/MISCMASK, ISVPRODID and ISVSVN come from
// the image and its config; options supplies the masks (ATTRIBUTEMASK,
// XFRM mask), date, vendor and header type. options.mrenclave_hex,
// attributes, xfrm, misc_select, misc_mask, isv_prod_id and isv_svn are
// ignored (main.cc refuses those flags together with --enclave).
Result<> SignEnclave(const SigStructOptions& options, const std::string& image_path, const std::string& config_path,
                     const std::string& key_path, const std::string& out_path);

}  // namespace inclavare::sgx::tools
