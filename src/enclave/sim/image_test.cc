// Tests of enclave images: ELF checks, the layout and its MRENCLAVE, the
// config, and the sim loader (EINIT against SIGSTRUCT, relocation, page
// protections, ECALLs and OCALLs, EREPORT).
#include "enclave/sim/image.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "enclave/sgx/sigstruct.h"
#include "enclave/sim/loader.h"
#include "enclave/sim/qe.h"
#include "enclave/sim/state.h"

namespace inclavare::sgx::sim {
namespace {

constexpr long kEcallSumTable = 100;
constexpr long kEcallHeap = 101;
constexpr long kEcallBss = 102;

std::string ImagePath(const std::string& name) { return std::string(IC_TEST_IMAGE_DIR) + "/" + name + ".so"; }

std::string ReadOrDie(const std::string& path) {
  auto r = fs::ReadFile(path);
  EXPECT_TRUE(r) << path;
  return r ? *r : std::string();
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<EnclaveLayout> Layout(const std::string& elf, const EnclaveConfig& c = {}) {
  return BuildEnclaveLayout(Bytes(elf), c);
}

std::string ErrorOf(const std::string& elf) {
  auto r = Layout(elf);
  EXPECT_FALSE(r) << "image accepted";
  return r ? std::string() : r.error().ToString();
}

TEST(EnclaveImageTest, LayoutOfTheTestImage) {
  const std::string elf = ReadOrDie(ImagePath("sim_test_enclave"));
  Elf64_Ehdr eh;
  std::memcpy(&eh, elf.data(), sizeof eh);
  EnclaveConfig c;
  c.heap_size = 3 * kPageSize;
  c.tcs_count = 2;
  auto l = Layout(elf, c);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_EQ(l->entry, eh.e_entry);
  EXPECT_EQ(l->relocations.size(), 4u);  // three function pointers and one string pointer
  EXPECT_EQ(l->heap_size, 3 * kPageSize);
  ASSERT_EQ(l->tcs_offsets.size(), 2u);
  const uint64_t per_tcs = (1 + kSsaFramesPerTcs * kSsaFrameSize) * kPageSize;
  EXPECT_EQ(l->tcs_offsets[0], l->heap_offset + l->heap_size);
  EXPECT_EQ(l->tcs_offsets[1], l->tcs_offsets[0] + per_tcs);
  EXPECT_EQ(l->memory.size(), l->tcs_offsets[1] + per_tcs);
  EXPECT_TRUE(std::has_single_bit(l->secs.size));
  EXPECT_GE(l->secs.size, l->memory.size());
  EXPECT_LT(l->secs.size / 2, l->memory.size());
  EXPECT_EQ(l->secs.ssa_frame_size, kSsaFrameSize);
  Tcs tcs;
  std::memcpy(&tcs, l->memory.data() + l->tcs_offsets[1], sizeof tcs);
  EXPECT_EQ(tcs.ossa, l->tcs_offsets[1] + kPageSize);
  EXPECT_EQ(tcs.nssa, kSsaFramesPerTcs);
  EXPECT_EQ(tcs.oentry, eh.e_entry);
  EXPECT_EQ(tcs.flags, 0u);
  // Pages are EADDed in ascending order, each once; TCS pages typed TCS.
  for (size_t i = 1; i < l->pages.size(); ++i) EXPECT_LT(l->pages[i - 1].offset, l->pages[i].offset);
  size_t tcs_pages = 0;
  for (const LayoutPage& p : l->pages)
    tcs_pages += ((p.secinfo.flags >> 8) & 0xff) == uint8_t(PageType::kTcs);
  EXPECT_EQ(tcs_pages, 2u);
  // A debug config sets DEBUG and the TCS's DBGOPTIN.
  c.debug = true;
  auto d = Layout(elf, c);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->secs.attributes.flags & kAttrDebug);
  std::memcpy(&tcs, d->memory.data() + d->tcs_offsets[0], sizeof tcs);
  EXPECT_EQ(tcs.flags, kTcsDbgOptIn);
}

TEST(EnclaveImageTest, MeasurementCoversExactlyTheLayout) {
  const std::string elf = ReadOrDie(ImagePath("sim_test_enclave"));
  auto l = Layout(elf);
  ASSERT_TRUE(l);
  auto base = MeasureLayout(*l);
  ASSERT_TRUE(base);
  auto again = MeasureImageFile(ImagePath("sim_test_enclave"), "");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->mr_enclave, *base);

  // A byte of code changes MRENCLAVE.
  std::string code = elf;
  code[l->entry] ^= 0x01;
  auto lc = Layout(code);
  ASSERT_TRUE(lc);
  EXPECT_NE(*MeasureLayout(*lc), *base);
  // Bytes outside every PT_LOAD segment (the section header table) do not.
  Elf64_Ehdr eh;
  std::memcpy(&eh, elf.data(), sizeof eh);
  ASSERT_GT(eh.e_shoff, 0u);
  std::string meta = elf;
  meta[meta.size() - 1] ^= 0x01;  // the last section header's last byte
  auto lm = Layout(meta);
  ASSERT_TRUE(lm);
  EXPECT_EQ(*MeasureLayout(*lm), *base);
  // The config is measured: heap size, TCS count, DEBUG.
  for (auto mutate :
       {+[](EnclaveConfig& c) { c.heap_size += kPageSize; }, +[](EnclaveConfig& c) { c.tcs_count = 2; },
        +[](EnclaveConfig& c) { c.debug = true; }}) {
    EnclaveConfig c;
    mutate(c);
    auto lx = Layout(elf, c);
    ASSERT_TRUE(lx);
    EXPECT_NE(*MeasureLayout(*lx), *base);
  }
}

TEST(EnclaveImageTest, RefusesImagesThatAreNotFreestanding) {
  EXPECT_NE(ErrorOf(ReadOrDie(ImagePath("sim_bad_libc"))).find("'libc.so.6' (DT_NEEDED)"), std::string::npos);
  EXPECT_NE(ErrorOf(ReadOrDie(ImagePath("sim_bad_undefined"))).find("undefined symbol 'host_function'"),
            std::string::npos);
  const std::string reloc = ErrorOf(ReadOrDie(ImagePath("sim_bad_reloc")));
  EXPECT_NE(reloc.find("R_X86_64_64"), std::string::npos) << reloc;
  EXPECT_NE(reloc.find("'exported_value'"), std::string::npos) << reloc;
  EXPECT_NE(ErrorOf(ReadOrDie(ImagePath("sim_test_enclave_lazy"))).find("-Wl,-z,now"), std::string::npos);
  EXPECT_NE(ErrorOf(ReadOrDie(ImagePath("sim_bad_tls"))).find("PT_TLS"), std::string::npos);
  EXPECT_NE(ErrorOf(ReadOrDie(ImagePath("sim_bad_ctor"))).find("constructors"), std::string::npos);
  EXPECT_NE(ErrorOf(ReadOrDie(ImagePath("sim_bad_execstack"))).find("executable stack"), std::string::npos);
}

TEST(EnclaveImageTest, RefusesMalformedElf) {
  const std::string elf = ReadOrDie(ImagePath("sim_test_enclave"));
  EXPECT_NE(ErrorOf("").find("not an ELF file"), std::string::npos);
  EXPECT_NE(ErrorOf(elf.substr(0, 20)).find("ELF header at 0x0 is beyond the file end"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string(100, 'x')).find("not an ELF file"), std::string::npos);
  std::string s = elf;
  s[EI_CLASS] = ELFCLASS32;
  EXPECT_NE(ErrorOf(s).find("64-bit"), std::string::npos);
  s = elf;
  uint16_t machine = EM_AARCH64;
  std::memcpy(s.data() + offsetof(Elf64_Ehdr, e_machine), &machine, 2);
  EXPECT_NE(ErrorOf(s).find("e_machine 183"), std::string::npos);
  s = elf;
  uint16_t type = ET_EXEC;
  std::memcpy(s.data() + offsetof(Elf64_Ehdr, e_type), &type, 2);
  EXPECT_NE(ErrorOf(s).find("ET_DYN"), std::string::npos);
  s = elf;
  uint64_t entry = 0;
  std::memcpy(s.data() + offsetof(Elf64_Ehdr, e_entry), &entry, 8);
  EXPECT_NE(ErrorOf(s).find("entry point 0x0"), std::string::npos);
  // Truncated in the middle of the segments.
  EXPECT_NE(ErrorOf(elf.substr(0, 0x1800)).find("beyond the file end"), std::string::npos);
}

TEST(EnclaveConfigTest, ParsesAndRejects) {
  auto c = ParseEnclaveConfig(R"({"isv_prod_id": 7, "isv_svn": "0x10", "debug": true, "heap_size": "0x2000",
                                  "tcs_count": 3, "misc_select": 1, "misc_mask": "0xfffffffe"})");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->isv_prod_id, 7);
  EXPECT_EQ(c->isv_svn, 16);
  EXPECT_TRUE(c->debug);
  EXPECT_EQ(c->heap_size, 0x2000u);
  EXPECT_EQ(c->tcs_count, 3u);
  EXPECT_EQ(c->misc_select, 1u);
  EXPECT_EQ(c->misc_mask, 0xfffffffeu);
  EXPECT_EQ(c->attributes().flags, kAttrMode64Bit | kAttrDebug);
  EXPECT_TRUE(ParseEnclaveConfig("{}"));
  auto err = [](const char* j) {
    auto r = ParseEnclaveConfig(j);
    return r ? std::string("accepted") : r.error().ToString();
  };
  EXPECT_NE(err(R"({"heap": 1})").find("unknown key 'heap'"), std::string::npos);
  EXPECT_NE(err(R"({"heap_size": 100})").find("multiple of 4096"), std::string::npos);
  EXPECT_NE(err(R"({"isv_prod_id": 70000})").find("out of range"), std::string::npos);
  EXPECT_NE(err(R"({"tcs_count": 0})").find("tcs_count"), std::string::npos);
  EXPECT_NE(err(R"({"debug": 1})").find("debug"), std::string::npos);
  EXPECT_NE(err(R"({"isv_svn": "-1"})").find("not a number"), std::string::npos);
  EXPECT_NE(err("[1]").find("JSON object"), std::string::npos);
  EXPECT_NE(err("{").find("not valid JSON"), std::string::npos);
}

// The loader, on a sim platform created in a temporary directory.
class LoaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/ic-image-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    ASSERT_TRUE(State::Init(*dir_ + "/sim", {}));
    auto st = State::Load(*dir_ + "/sim");
    ASSERT_TRUE(st);
    state_ = new std::shared_ptr<const State>(*st);
    auto key = RsaKey::Generate();
    ASSERT_TRUE(key);
    signer_ = new RsaKey(std::move(*key));
  }
  static void TearDownTestSuite() {
    (void)fs::RemoveAll(*dir_);
    delete signer_;
    delete state_;
    delete dir_;
  }

  // Signs `mrenclave` with the config's identity; returns the SIGSTRUCT path.
  static std::string Sign(const Measurement256& mrenclave, const EnclaveConfig& c, const std::string& name) {
    SigStructParams p;
    p.enclave_hash = mrenclave;
    p.attributes = c.attributes();
    p.misc_select = c.misc_select;
    p.misc_mask = c.misc_mask;
    p.isv_prod_id = c.isv_prod_id;
    p.isv_svn = c.isv_svn;
    SigStruct ss = NewSigStruct(p);
    EXPECT_TRUE(SignSigStruct(ss, *signer_));
    const std::string path = *dir_ + "/" + name;
    auto b = SigStructBytes(ss);
    EXPECT_TRUE(fs::WriteFileAtomic(path, {reinterpret_cast<const char*>(b.data()), b.size()}));
    return path;
  }
  static std::string WriteConfig(const std::string& json, const std::string& name) {
    const std::string path = *dir_ + "/" + name;
    EXPECT_TRUE(fs::WriteFileAtomic(path, json));
    return path;
  }
  static Measurement256 Mr(const std::string& config_path = "") {
    auto id = MeasureImageFile(ImagePath("sim_test_enclave"), config_path);
    EXPECT_TRUE(id) << id.error().ToString();
    return id ? id->mr_enclave : Measurement256{};
  }
  Result<std::unique_ptr<LoadedEnclave>> Load(const std::string& sig, const std::string& config = "") {
    return LoadedEnclave::Load((*state_)->keys(), {ImagePath("sim_test_enclave"), sig, config});
  }

  static std::string* dir_;
  static std::shared_ptr<const State>* state_;
  static RsaKey* signer_;
};
std::string* LoaderTest::dir_;
std::shared_ptr<const State>* LoaderTest::state_;
RsaKey* LoaderTest::signer_;

TEST_F(LoaderTest, LoadsRelocatesAndCalls) {
  auto e = Load(Sign(Mr(), {}, "good.sig"));
  ASSERT_TRUE(e) << e.error().ToString();
  LoadedEnclave& enc = **e;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(enc.base()) % enc.size(), 0u);  // BASEADDR aligned to SIZE
  EXPECT_EQ(enc.identity().mr_enclave, Mr());
  auto mrsigner = ComputeMrSigner(*signer_->ModulusLe());
  ASSERT_TRUE(mrsigner);
  EXPECT_EQ(enc.identity().mr_signer, *mrsigner);
  EXPECT_TRUE(enc.identity().attributes.flags & kAttrInit);
  unsigned n = 3;
  EXPECT_EQ(enc.Call(kEcallSumTable, &n), 6);    // through relocated function pointers
  EXPECT_EQ(enc.Call(kEcallHeap, nullptr), 16);  // the default 64 KiB heap, zero, writable
  EXPECT_EQ(enc.Call(kEcallBss, nullptr), 1);
  EXPECT_EQ(enc.Call(kEcallBss, nullptr), 2);
  EXPECT_EQ(enc.Call(999, nullptr), -ENOSYS);

  // The main ECALL in a child: writes through the write OCALL, returns argc.
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    char a0[] = "x", a1[] = "y";
    char* argv[] = {a0, a1, nullptr};
    char* envp[] = {nullptr};
    sim_main_args args{2, argv, envp};
    _exit(static_cast<int>(enc.Call(SIM_ECALL_MAIN, &args)));
  }
  close(p[1]);
  auto out = fs::ReadFd(p[0]);
  close(p[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "test enclave\n");
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

TEST_F(LoaderTest, SetsPageProtections) {
  auto e = Load(Sign(Mr(), {}, "prot.sig"));
  ASSERT_TRUE(e) << e.error().ToString();
  auto layout = Layout(ReadOrDie(ImagePath("sim_test_enclave")));
  ASSERT_TRUE(layout);
  ASSERT_LT(layout->relro_begin, layout->relro_end);
  // Each write must fault: RELRO after relocation, code, the TCS page.
  for (uint64_t off : {layout->relro_begin, layout->entry, layout->tcs_offsets[0]}) {
    pid_t pid = fork();
    if (pid == 0) {
      *reinterpret_cast<volatile uint8_t*>((*e)->base() + off) = 1;
      _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) << "offset " << off;
  }
}

TEST_F(LoaderTest, RefusesWhatDoesNotMatchTheSigStruct) {
  // SIGSTRUCT for another measurement.
  Measurement256 other = Mr();
  other[0] ^= 1;
  auto a = Load(Sign(other, {}, "other.sig"));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code(), ErrorCode::kPermissionDenied) << a.error().ToString();
  // A config that changes the layout (the SIGSTRUCT was for the defaults).
  const std::string good = Sign(Mr(), {}, "defaults.sig");
  auto b = Load(good, WriteConfig(R"({"heap_size": 8192})", "heap.json"));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), ErrorCode::kPermissionDenied);
  // DEBUG in the config, not in the SIGSTRUCT: ATTRIBUTES differ.
  auto c = Load(good, WriteConfig(R"({"debug": true})", "debug.json"));
  ASSERT_FALSE(c);
  // An ISVPRODID the SIGSTRUCT does not carry.
  auto d = Load(good, WriteConfig(R"({"isv_prod_id": 5})", "prod.json"));
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().ToString().find("ISVPRODID"), std::string::npos) << d.error().ToString();
  // A tampered SIGSTRUCT.
  std::string sig = ReadOrDie(good);
  sig[900] ^= 1;  // MISCSELECT
  const std::string tampered = WriteConfig(sig, "tampered.sig");
  EXPECT_FALSE(Load(tampered));
  // A consistent non-default config loads.
  const std::string cfg = WriteConfig(R"({"heap_size": 8192, "isv_prod_id": 5, "debug": true})", "ok.json");
  EnclaveConfig ec;
  ec.heap_size = 8192;
  ec.isv_prod_id = 5;
  ec.debug = true;
  auto ok = Load(Sign(Mr(cfg), ec, "ok.sig"), cfg);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ((*ok)->Call(kEcallHeap, nullptr), 2);
  EXPECT_EQ((*ok)->identity().isv_prod_id, 5);
}

TEST_F(LoaderTest, ReportForTheQuotingEnclave) {
  auto e = Load(Sign(Mr(), {}, "report.sig"));
  ASSERT_TRUE(e) << e.error().ToString();
  auto qe = QuotingEnclave::Create(*state_);
  ASSERT_TRUE(qe);
  auto ti = qe->GetTargetInfo();
  ASSERT_TRUE(ti);
  auto r = (*e)->CreateReport(*ti);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(qe->enclave().VerifyReport(*r));
  EXPECT_EQ(r->body.mr_enclave, Mr());
  for (int i = 0; i < 64; ++i) EXPECT_EQ(r->body.report_data[i], i + 1);  // chosen by the enclave
  auto quote = qe->GetQuote(*r);
  EXPECT_TRUE(quote) << quote.error().ToString();
}

}  // namespace
}  // namespace inclavare::sgx::sim
