#include "enclave/sim/image.h"

#include <elf.h>

#include <bit>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/fs.h"
#include "enclave/sgx/hex.h"

namespace inclavare::sgx::sim {

namespace {

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

uint64_t RoundUp(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }
uint64_t RoundDown(uint64_t v) { return v & ~(kPageSize - 1); }

// --- config --------------------------------------------------------------

Result<uint64_t> ConfigUint(const nlohmann::json& v, const std::string& key, uint64_t max) {
  uint64_t out = 0;
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    char* end = nullptr;
    errno = 0;
    out = std::strtoull(s.c_str(), &end, 0);
    if (s.empty() || s[0] == '-' || errno != 0 || *end != '\0') {
      return InvalidArgument("enclave config: " + key + ": not a number: '" + s + "'");
    }
  } else {
    return InvalidArgument("enclave config: " + key +
                           ": expected a non-negative integer or \"0x...\" string");
  }
  if (out > max)
    return InvalidArgument("enclave config: " + key + ": " + std::to_string(out) + " is out of range");
  return out;
}

// --- ELF -----------------------------------------------------------------

const char* RelocName(uint32_t type) {
  switch (type) {
    case R_X86_64_NONE:
      return "R_X86_64_NONE";
    case R_X86_64_64:
      return "R_X86_64_64";
    case R_X86_64_PC32:
      return "R_X86_64_PC32";
    case R_X86_64_GOT32:
      return "R_X86_64_GOT32";
    case R_X86_64_PLT32:
      return "R_X86_64_PLT32";
    case R_X86_64_COPY:
      return "R_X86_64_COPY";
    case R_X86_64_GLOB_DAT:
      return "R_X86_64_GLOB_DAT";
    case R_X86_64_JUMP_SLOT:
      return "R_X86_64_JUMP_SLOT";
    case R_X86_64_RELATIVE:
      return "R_X86_64_RELATIVE";
    case R_X86_64_32:
      return "R_X86_64_32";
    case R_X86_64_32S:
      return "R_X86_64_32S";
    case R_X86_64_DTPMOD64:
      return "R_X86_64_DTPMOD64";
    case R_X86_64_DTPOFF64:
      return "R_X86_64_DTPOFF64";
    case R_X86_64_TPOFF64:
      return "R_X86_64_TPOFF64";
    case R_X86_64_IRELATIVE:
      return "R_X86_64_IRELATIVE";
    default:
      return "unknown";
  }
}

// Parses one image into a layout; `mem` holds the memory image once the
// segments are placed, and the dynamic section is read from there (the bytes
// that get measured), not from the file.
class ElfReader {
 public:
  ElfReader(std::span<const uint8_t> file, const EnclaveConfig& config) : file_(file), config_(config) {}

  Result<EnclaveLayout> Build() {
    IC_TRY(ReadHeader());
    IC_TRY(ReadProgramHeaders());
    IC_TRY(PlaceSegments());
    IC_TRY(ReadDynamic());
    IC_TRY(CheckEntry());
    IC_TRY(AddHeapAndTcs());
    return std::move(layout_);
  }

 private:
  template <class T>
  Result<T> FileAt(uint64_t off, const char* what) const {
    if (off > file_.size() || file_.size() - off < sizeof(T)) {
      return InvalidArgument(std::string("enclave image: ") + what + " at " + Hex(off) +
                             " is beyond the file end");
    }
    T v;
    std::memcpy(&v, file_.data() + off, sizeof v);
    return v;
  }
  // A value of the memory image at an enclave offset.
  template <class T>
  Result<T> MemAt(uint64_t off, const char* what) const {
    if (off > loaded_end_ || loaded_end_ - off < sizeof(T)) {
      return InvalidArgument(std::string("enclave image: ") + what + " at " + Hex(off) +
                             " is outside the loaded segments");
    }
    T v;
    std::memcpy(&v, layout_.memory.data() + off, sizeof v);
    return v;
  }
  std::string MemString(uint64_t off) const {
    std::string s;
    while (off < loaded_end_ && layout_.memory[off] != 0 && s.size() < 256)
      s += static_cast<char>(layout_.memory[off++]);
    return s;
  }

  Result<> ReadHeader() {
    if (file_.size() < SELFMAG || std::memcmp(file_.data(), ELFMAG, SELFMAG) != 0) {
      return InvalidArgument("enclave image: not an ELF file");
    }
    IC_ASSIGN_OR_RETURN(eh_, FileAt<Elf64_Ehdr>(0, "ELF header"));
    if (eh_.e_ident[EI_CLASS] != ELFCLASS64)
      return InvalidArgument("enclave image: not a 64-bit ELF (ELFCLASS64)");
    if (eh_.e_ident[EI_DATA] != ELFDATA2LSB) return InvalidArgument("enclave image: not little-endian");
    if (eh_.e_machine != EM_X86_64) {
      return InvalidArgument("enclave image: e_machine " + std::to_string(eh_.e_machine) + " is not x86-64");
    }
    if (eh_.e_type != ET_DYN) {
      return InvalidArgument("enclave image: e_type " + std::to_string(eh_.e_type) +
                             " is not ET_DYN (build a shared object: -shared -fPIC)");
    }
    if (eh_.e_phentsize != sizeof(Elf64_Phdr) || eh_.e_phnum == 0) {
      return InvalidArgument("enclave image: bad program header table");
    }
    return {};
  }

  Result<> ReadProgramHeaders() {
    for (uint16_t i = 0; i < eh_.e_phnum; ++i) {
      IC_ASSIGN_OR_RETURN(Elf64_Phdr ph, FileAt<Elf64_Phdr>(eh_.e_phoff + uint64_t{i} * sizeof(Elf64_Phdr),
                                                            "program header"));
      switch (ph.p_type) {
        case PT_LOAD: {
          const std::string name = "PT_LOAD segment " + std::to_string(loads_.size());
          if (ph.p_filesz > ph.p_memsz)
            return InvalidArgument("enclave image: " + name + ": p_filesz > p_memsz");
          if (ph.p_offset % kPageSize != ph.p_vaddr % kPageSize) {
            return InvalidArgument("enclave image: " + name +
                                   ": p_offset and p_vaddr differ modulo the page size");
          }
          if (ph.p_offset > file_.size() || file_.size() - ph.p_offset < ph.p_filesz) {
            return InvalidArgument("enclave image: " + name + " extends beyond the file end");
          }
          if (ph.p_vaddr > kMaxEnclaveLayout || ph.p_memsz > kMaxEnclaveLayout - ph.p_vaddr) {
            return InvalidArgument("enclave image: " + name + " ends beyond " + Hex(kMaxEnclaveLayout));
          }
          if (!loads_.empty()) {
            const Elf64_Phdr& prev = loads_.back();
            if (RoundDown(ph.p_vaddr) < RoundUp(prev.p_vaddr + prev.p_memsz)) {
              return InvalidArgument("enclave image: " + name + " at " + Hex(ph.p_vaddr) +
                                     " shares a page with the previous segment or is out of order "
                                     "(link with -z separate-code -z max-page-size=4096)");
            }
          }
          if (ph.p_memsz > 0) loads_.push_back(ph);
          break;
        }
        case PT_DYNAMIC:
          dynamic_ = ph;
          break;
        case PT_GNU_RELRO:
          relro_ = ph;
          break;
        case PT_INTERP:
          return InvalidArgument(
              "enclave image: has PT_INTERP (an executable, not a freestanding shared object)");
        case PT_TLS:
          return InvalidArgument(
              "enclave image: has PT_TLS: thread-local storage is not supported in enclaves");
        case PT_GNU_STACK:
          if (ph.p_flags & PF_X)
            return InvalidArgument("enclave image: asks for an executable stack (PT_GNU_STACK)");
          break;
        default:
          break;  // PT_NOTE, PT_GNU_PROPERTY, PT_GNU_EH_FRAME, PT_PHDR
      }
    }
    if (loads_.empty()) return InvalidArgument("enclave image: no PT_LOAD segment");
    if (!dynamic_) return InvalidArgument("enclave image: no PT_DYNAMIC segment (not a shared object)");
    return {};
  }

  // Section headers are optional (a stripped image has none); when present,
  // every .dynsym symbol must be defined.
  Result<> CheckUndefinedSymbols() {
    if (eh_.e_shoff == 0 || eh_.e_shnum == 0) return {};
    if (eh_.e_shentsize != sizeof(Elf64_Shdr))
      return InvalidArgument("enclave image: bad section header size");
    for (uint16_t i = 0; i < eh_.e_shnum; ++i) {
      IC_ASSIGN_OR_RETURN(Elf64_Shdr sh, FileAt<Elf64_Shdr>(eh_.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr),
                                                            "section header"));
      if (sh.sh_type != SHT_DYNSYM || sh.sh_entsize != sizeof(Elf64_Sym)) continue;
      IC_ASSIGN_OR_RETURN(
          Elf64_Shdr strtab,
          FileAt<Elf64_Shdr>(eh_.e_shoff + uint64_t{sh.sh_link} * sizeof(Elf64_Shdr), "string table header"));
      for (uint64_t n = 1; n < sh.sh_size / sizeof(Elf64_Sym); ++n) {
        IC_ASSIGN_OR_RETURN(Elf64_Sym sym, FileAt<Elf64_Sym>(sh.sh_offset + n * sizeof(Elf64_Sym), "symbol"));
        if (sym.st_shndx != SHN_UNDEF || sym.st_name == 0) continue;
        std::string name;
        for (uint64_t o = strtab.sh_offset + sym.st_name;
             o < file_.size() && file_[o] != 0 && name.size() < 256; ++o) {
          name += static_cast<char>(file_[o]);
        }
        return InvalidArgument("enclave image: undefined symbol '" + name +
                               "': enclave images have no imports (build with -nostdlib, no libraries)");
      }
    }
    return {};
  }

  Result<> PlaceSegments() {
    uint64_t end = 0;
    for (const Elf64_Phdr& ph : loads_) end = std::max(end, RoundUp(ph.p_vaddr + ph.p_memsz));
    loaded_end_ = end;
    layout_.memory.assign(end, 0);
    for (const Elf64_Phdr& ph : loads_) {
      std::memcpy(layout_.memory.data() + ph.p_vaddr, file_.data() + ph.p_offset, ph.p_filesz);
      uint64_t perms = 0;
      if (ph.p_flags & (PF_R | PF_W)) perms |= kSecInfoR;  // W without R is not a valid SECINFO
      if (ph.p_flags & PF_W) perms |= kSecInfoW;
      if (ph.p_flags & PF_X) perms |= kSecInfoX;
      for (uint64_t p = RoundDown(ph.p_vaddr); p < ph.p_vaddr + ph.p_memsz; p += kPageSize) {
        LayoutPage page;
        page.offset = p;
        page.secinfo.flags = SecInfoFlags(PageType::kReg, perms);
        layout_.pages.push_back(page);
      }
    }
    return {};
  }

  uint64_t PermsAt(uint64_t off) const {
    for (const LayoutPage& p : layout_.pages) {
      if (off >= p.offset && off < p.offset + kPageSize)
        return p.secinfo.flags & (kSecInfoR | kSecInfoW | kSecInfoX);
    }
    return 0;
  }

  Result<> ReadRelocations(uint64_t addr, uint64_t size, const char* table) {
    if (size % sizeof(Elf64_Rela) != 0) {
      return InvalidArgument(std::string("enclave image: ") + table +
                             " size is not a multiple of Elf64_Rela");
    }
    if (addr > loaded_end_ || size > loaded_end_ - addr) {
      return InvalidArgument(std::string("enclave image: ") + table +
                             " table is outside the loaded segments");
    }
    for (uint64_t off = addr; off < addr + size; off += sizeof(Elf64_Rela)) {
      IC_ASSIGN_OR_RETURN(Elf64_Rela r, MemAt<Elf64_Rela>(off, table));
      const uint32_t type = ELF64_R_TYPE(r.r_info);
      if (type != R_X86_64_RELATIVE) {
        std::string msg = std::string("enclave image: relocation ") + RelocName(type) + " (type " +
                          std::to_string(type) + ") at " + Hex(r.r_offset);
        const uint32_t sym = ELF64_R_SYM(r.r_info);
        if (sym != 0 && symtab_ && strtab_) {
          auto s = MemAt<Elf64_Sym>(*symtab_ + uint64_t{sym} * sizeof(Elf64_Sym), "symbol");
          if (s) msg += " against symbol '" + MemString(*strtab_ + s->st_name) + "'";
        }
        return InvalidArgument(msg +
                               ": only R_X86_64_RELATIVE is allowed (use hidden visibility, -nostdlib)");
      }
      if (r.r_offset > loaded_end_ - 8 || r.r_offset % 8 != 0) {
        return InvalidArgument("enclave image: relocation target " + Hex(r.r_offset) +
                               " is outside the image or unaligned");
      }
      if ((PermsAt(r.r_offset) & kSecInfoW) == 0) {
        return InvalidArgument("enclave image: relocation at " + Hex(r.r_offset) +
                               " targets a non-writable page (text relocation)");
      }
      layout_.relocations.push_back({r.r_offset, static_cast<int64_t>(r.r_addend)});
    }
    return {};
  }

  Result<> ReadDynamic() {
    const Elf64_Phdr& d = *dynamic_;
    if (d.p_filesz % sizeof(Elf64_Dyn) != 0) return InvalidArgument("enclave image: bad PT_DYNAMIC size");
    std::map<int64_t, uint64_t> tags;
    std::vector<uint64_t> needed;
    for (uint64_t off = d.p_vaddr; off < d.p_vaddr + d.p_filesz; off += sizeof(Elf64_Dyn)) {
      IC_ASSIGN_OR_RETURN(Elf64_Dyn dyn, MemAt<Elf64_Dyn>(off, "dynamic entry"));
      if (dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag == DT_NEEDED) needed.push_back(dyn.d_un.d_val);
      tags[dyn.d_tag] = dyn.d_un.d_val;
    }
    if (tags.count(DT_SYMTAB)) symtab_ = tags[DT_SYMTAB];
    if (tags.count(DT_STRTAB)) strtab_ = tags[DT_STRTAB];
    if (!needed.empty()) {
      std::string name = strtab_ ? MemString(*strtab_ + needed.front()) : "?";
      return InvalidArgument("enclave image: depends on shared library '" + name +
                             "' (DT_NEEDED): enclave images have no imports (build with -nostdlib)");
    }
    IC_TRY(CheckUndefinedSymbols());
    const bool ctors = tags.count(DT_INIT) || tags.count(DT_FINI) ||
                       (tags.count(DT_INIT_ARRAYSZ) && tags[DT_INIT_ARRAYSZ] != 0) ||
                       (tags.count(DT_FINI_ARRAYSZ) && tags[DT_FINI_ARRAYSZ] != 0) ||
                       (tags.count(DT_PREINIT_ARRAYSZ) && tags[DT_PREINIT_ARRAYSZ] != 0);
    if (ctors) {
      return InvalidArgument(
          "enclave image: has constructors or destructors (DT_INIT, DT_FINI or their arrays): "
          "the sim loader does not run them");
    }
    if (tags.count(DT_TEXTREL) || (tags.count(DT_FLAGS) && (tags[DT_FLAGS] & DF_TEXTREL))) {
      return InvalidArgument("enclave image: has text relocations (DT_TEXTREL): build with -fPIC");
    }
    const bool bind_now = (tags.count(DT_FLAGS) && (tags[DT_FLAGS] & DF_BIND_NOW)) ||
                          (tags.count(DT_FLAGS_1) && (tags[DT_FLAGS_1] & DF_1_NOW)) ||
                          tags.count(DT_BIND_NOW);
    if (!bind_now) return InvalidArgument("enclave image: not linked with -Wl,-z,now (no BIND_NOW flag)");
    if (tags.count(DT_REL) || tags.count(DT_RELR)) {
      return InvalidArgument(
          "enclave image: has DT_REL/DT_RELR relocations; only RELA R_X86_64_RELATIVE is allowed");
    }
    if (tags.count(DT_RELA)) {
      if (tags.count(DT_RELAENT) && tags[DT_RELAENT] != sizeof(Elf64_Rela)) {
        return InvalidArgument("enclave image: DT_RELAENT is not sizeof(Elf64_Rela)");
      }
      IC_TRY(ReadRelocations(tags[DT_RELA], tags.count(DT_RELASZ) ? tags[DT_RELASZ] : 0, "DT_RELA"));
    }
    if (tags.count(DT_JMPREL) && tags.count(DT_PLTRELSZ) && tags[DT_PLTRELSZ] != 0) {
      if (tags.count(DT_PLTREL) && tags[DT_PLTREL] != DT_RELA) {
        return InvalidArgument("enclave image: DT_PLTREL is not DT_RELA");
      }
      IC_TRY(ReadRelocations(tags[DT_JMPREL], tags[DT_PLTRELSZ], "DT_JMPREL"));
    }
    if (relro_) {
      layout_.relro_begin = RoundDown(relro_->p_vaddr);
      layout_.relro_end = RoundDown(relro_->p_vaddr + relro_->p_memsz);
    }
    return {};
  }

  Result<> CheckEntry() {
    if (eh_.e_entry == 0 || (PermsAt(eh_.e_entry) & kSecInfoX) == 0) {
      return InvalidArgument("enclave image: entry point " + Hex(eh_.e_entry) +
                             " is not in an executable segment (link with -Wl,-e,enclave_entry)");
    }
    layout_.entry = eh_.e_entry;
    return {};
  }

  Result<> AddHeapAndTcs() {
    const EnclaveConfig& c = config_;
    uint64_t off = loaded_end_;
    const uint64_t per_tcs = (1 + uint64_t{kSsaFramesPerTcs} * kSsaFrameSize) * kPageSize;
    if (c.heap_size > kMaxEnclaveLayout || off + c.heap_size + c.tcs_count * per_tcs > kMaxEnclaveLayout) {
      return InvalidArgument("enclave layout exceeds " + Hex(kMaxEnclaveLayout) + " (heap_size too large?)");
    }
    const uint64_t end = off + c.heap_size + c.tcs_count * per_tcs;
    layout_.memory.resize(end, 0);
    const SecInfo rw{SecInfoFlags(PageType::kReg, kSecInfoR | kSecInfoW), {}};
    layout_.heap_offset = off;
    layout_.heap_size = c.heap_size;
    for (; off < layout_.heap_offset + c.heap_size; off += kPageSize) layout_.pages.push_back({off, rw});
    for (uint32_t t = 0; t < c.tcs_count; ++t) {
      Tcs tcs{};
      tcs.flags = c.debug ? kTcsDbgOptIn : 0;
      tcs.ossa = off + kPageSize;
      tcs.nssa = kSsaFramesPerTcs;
      tcs.oentry = layout_.entry;
      tcs.ofs_limit = 0xffffffff;
      tcs.ogs_limit = 0xffffffff;
      std::memcpy(layout_.memory.data() + off, &tcs, sizeof tcs);
      layout_.tcs_offsets.push_back(off);
      layout_.pages.push_back({off, SecInfo{SecInfoFlags(PageType::kTcs, 0), {}}});
      off += kPageSize;
      for (uint32_t s = 0; s < kSsaFramesPerTcs * kSsaFrameSize; ++s, off += kPageSize) {
        layout_.pages.push_back({off, rw});
      }
    }
    layout_.secs.size = std::bit_ceil(std::max<uint64_t>(end, 2 * kPageSize));
    layout_.secs.ssa_frame_size = kSsaFrameSize;
    layout_.secs.attributes = c.attributes();
    layout_.secs.misc_select = c.misc_select;
    return {};
  }

  std::span<const uint8_t> file_;
  const EnclaveConfig& config_;
  Elf64_Ehdr eh_{};
  std::vector<Elf64_Phdr> loads_;
  std::optional<Elf64_Phdr> dynamic_, relro_;
  std::optional<uint64_t> symtab_, strtab_;
  uint64_t loaded_end_ = 0;
  EnclaveLayout layout_;
};

}  // namespace

Attributes EnclaveConfig::attributes() const {
  return Attributes{kAttrMode64Bit | (debug ? kAttrDebug : 0), kXfrmLegacy};
}

Result<EnclaveConfig> ParseEnclaveConfig(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("enclave config: not valid JSON");
  if (!j.is_object()) return InvalidArgument("enclave config: expected a JSON object");
  EnclaveConfig c;
  for (const auto& [key, v] : j.items()) {
    if (key == "isv_prod_id") {
      IC_ASSIGN_OR_RETURN(uint64_t x, ConfigUint(v, key, 0xffff));
      c.isv_prod_id = static_cast<uint16_t>(x);
    } else if (key == "isv_svn") {
      IC_ASSIGN_OR_RETURN(uint64_t x, ConfigUint(v, key, 0xffff));
      c.isv_svn = static_cast<uint16_t>(x);
    } else if (key == "debug") {
      if (!v.is_boolean()) return InvalidArgument("enclave config: debug: expected true or false");
      c.debug = v.get<bool>();
    } else if (key == "misc_select") {
      IC_ASSIGN_OR_RETURN(uint64_t x, ConfigUint(v, key, 0xffffffff));
      c.misc_select = static_cast<uint32_t>(x);
    } else if (key == "misc_mask") {
      IC_ASSIGN_OR_RETURN(uint64_t x, ConfigUint(v, key, 0xffffffff));
      c.misc_mask = static_cast<uint32_t>(x);
    } else if (key == "heap_size") {
      IC_ASSIGN_OR_RETURN(c.heap_size, ConfigUint(v, key, kMaxEnclaveLayout));
      if (c.heap_size % kPageSize != 0)
        return InvalidArgument("enclave config: heap_size must be a multiple of 4096");
    } else if (key == "tcs_count") {
      IC_ASSIGN_OR_RETURN(uint64_t x, ConfigUint(v, key, 64));
      if (x == 0) return InvalidArgument("enclave config: tcs_count must be 1..64");
      c.tcs_count = static_cast<uint32_t>(x);
    } else {
      return InvalidArgument("enclave config: unknown key '" + key + "'");
    }
  }
  return c;
}

Result<EnclaveConfig> LoadEnclaveConfig(const std::string& path) {
  if (path.empty()) return EnclaveConfig{};
  IC_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(path));
  return ParseEnclaveConfig(text).Wrap(path);
}

Result<EnclaveLayout> BuildEnclaveLayout(std::span<const uint8_t> elf, const EnclaveConfig& config) {
  return ElfReader(elf, config).Build();
}

Result<Measurement256> MeasureLayout(const EnclaveLayout& layout) {
  IC_ASSIGN_OR_RETURN(Measurement m, Measurement::Create());
  IC_TRY(m.Ecreate(layout.secs.ssa_frame_size, layout.secs.size));
  IC_TRY(AddLayoutPages(m, layout));
  return m.Finalize();
}

Result<ImageIdentity> MeasureImageFile(const std::string& image_path, const std::string& config_path) {
  IC_ASSIGN_OR_RETURN(EnclaveConfig config, LoadEnclaveConfig(config_path));
  IC_ASSIGN_OR_RETURN(std::string elf, fs::ReadFile(image_path));
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(elf.data()), elf.size());
  IC_ASSIGN_OR_RETURN(EnclaveLayout layout, BuildEnclaveLayout(bytes, config).Wrap(image_path));
  ImageIdentity id;
  IC_ASSIGN_OR_RETURN(id.mr_enclave, MeasureLayout(layout));
  id.config = config;
  id.size = layout.secs.size;
  id.entry = layout.entry;
  id.page_count = layout.pages.size();
  return id;
}

std::string ImageIdentityJson(const ImageIdentity& id) {
  const Attributes a = id.config.attributes();
  nlohmann::ordered_json j;
  j["mr_enclave"] = HexEncode(id.mr_enclave);
  j["attributes"] = {{"flags", Hex(a.flags)}, {"xfrm", Hex(a.xfrm)}};
  j["misc_select"] = Hex(id.config.misc_select);
  j["misc_mask"] = Hex(id.config.misc_mask);
  j["isv_prod_id"] = id.config.isv_prod_id;
  j["isv_svn"] = id.config.isv_svn;
  j["debug"] = id.config.debug;
  j["enclave_size"] = Hex(id.size);
  j["ssa_frame_size"] = kSsaFrameSize;
  j["heap_size"] = Hex(id.config.heap_size);
  j["tcs_count"] = id.config.tcs_count;
  j["entry"] = Hex(id.entry);
  j["pages"] = id.page_count;
  return j.dump(2);
}

}  // namespace inclavare::sgx::sim
