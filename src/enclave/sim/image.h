// Enclave images on the sim platform: the ELF format, the enclave config,
// the page layout and its MRENCLAVE (docs/sim-platform.md, "Enclave images").
//
// An enclave image is an x86-64 ELF shared object built freestanding, as
// hardware SGX enclaves are: -ffreestanding -nostdlib -fPIC -shared
// -Wl,-z,now -Wl,-e,enclave_entry. BuildEnclaveLayout refuses, naming the
// offending item: DT_NEEDED, undefined symbols, any relocation other than
// R_X86_64_RELATIVE, PT_INTERP, PT_TLS, constructors (DT_INIT*), text
// relocations, a missing BIND_NOW, an entry point outside executable code.
//
// Layout (offsets from the enclave base), EADDed in this order:
//   PT_LOAD segments at p_vaddr     REG pages, SECINFO R/W/X from p_flags
//   heap (config.heap_size)         REG RW, zero
//   per TCS: TCS page, then kSsaFramesPerTcs SSA frames of kSsaFrameSize pages (REG RW, zero)
// Every page is EADDed and fully EEXTENDed. SECS.SIZE is the next power of
// two of the layout's end, SSAFRAMESIZE kSsaFrameSize.
//
//   IC_ASSIGN_OR_RETURN(EnclaveConfig cfg, LoadEnclaveConfig(config_path));   // "" -> defaults
//   IC_ASSIGN_OR_RETURN(std::string elf, fs::ReadFile(image_path));
//   IC_ASSIGN_OR_RETURN(EnclaveLayout layout, BuildEnclaveLayout(AsBytes(elf), cfg));
//   IC_ASSIGN_OR_RETURN(Measurement256 mrenclave, MeasureLayout(layout));
//
// Pure functions over their arguments; thread-compatible.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sgx/measurement.h"

namespace inclavare::sgx::sim {

inline constexpr uint32_t kSsaFrameSize = 1;               // pages per SSA frame (SECS.SSAFRAMESIZE)
inline constexpr uint32_t kSsaFramesPerTcs = 2;            // TCS.NSSA
inline constexpr uint64_t kMaxEnclaveLayout = 1ull << 30;  // 1 GiB: larger layouts are refused

// The enclave config (the role of the SGX SDK's Enclave.config.xml), a JSON
// object; every key is optional, unknown keys are errors. Integers are JSON
// numbers or "0x..." strings.
//   {"isv_prod_id": 0, "isv_svn": 0, "debug": false, "misc_select": 0,
//    "misc_mask": "0xffffffff", "heap_size": "0x10000", "tcs_count": 1}
struct EnclaveConfig {
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  bool debug = false;  // ATTRIBUTES.DEBUG (and TCS.FLAGS.DBGOPTIN)
  MiscSelect misc_select = 0;
  uint32_t misc_mask = 0xffffffff;
  uint64_t heap_size = 0x10000;  // a multiple of 4096, may be 0
  uint32_t tcs_count = 1;        // 1..64

  // SECS.ATTRIBUTES: MODE64BIT, DEBUG when set, XFRM x87|SSE.
  Attributes attributes() const;
};

Result<EnclaveConfig> ParseEnclaveConfig(std::string_view json);
// Reads and parses a config file; an empty path gives the defaults.
Result<EnclaveConfig> LoadEnclaveConfig(const std::string& path);

struct LayoutPage {
  uint64_t offset = 0;
  SecInfo secinfo{};
};

struct Relocation {
  uint64_t offset = 0;  // where the 8-byte value goes
  int64_t addend = 0;   // value = enclave base + addend
};

struct EnclaveLayout {
  Secs secs{};                    // size, ssa_frame_size, attributes, misc_select
  std::vector<uint8_t> memory;    // bytes of [0, memory.size()); page multiple
  std::vector<LayoutPage> pages;  // ascending offsets: what EADD/EEXTEND see
  std::vector<Relocation> relocations;
  uint64_t entry = 0;  // TCS.OENTRY
  uint64_t heap_offset = 0;
  uint64_t heap_size = 0;
  std::vector<uint64_t> tcs_offsets;
  // PT_GNU_RELRO, page-rounded as ld.so does: read-only after relocation.
  uint64_t relro_begin = 0, relro_end = 0;
};

// Parses and checks the ELF, lays the enclave out. InvalidArgument naming
// what is wrong with the image.
Result<EnclaveLayout> BuildEnclaveLayout(std::span<const uint8_t> elf, const EnclaveConfig& config);

// ECREATE + EADD/EEXTEND of every page, in layout order, into `target` (an
// sgx::Measurement or a sim::Enclave).
template <class Target>
Result<> AddLayoutPages(Target& target, const EnclaveLayout& layout) {
  for (const LayoutPage& p : layout.pages) {
    std::span<const uint8_t, kPageSize> bytes(layout.memory.data() + p.offset, kPageSize);
    IC_TRY(target.AddPage(p.offset, bytes, p.secinfo, /*extend=*/true));
  }
  return {};
}

// MRENCLAVE of the layout.
Result<Measurement256> MeasureLayout(const EnclaveLayout& layout);

// What `sgx-tools measure --json` prints: MRENCLAVE, the SECS values and the
// config; the fields a SIGSTRUCT for the image must carry.
struct ImageIdentity {
  Measurement256 mr_enclave{};
  EnclaveConfig config;
  uint64_t size = 0;
  uint64_t entry = 0;
  size_t page_count = 0;
};
Result<ImageIdentity> MeasureImageFile(const std::string& image_path, const std::string& config_path);
std::string ImageIdentityJson(const ImageIdentity& id);

}  // namespace inclavare::sgx::sim
