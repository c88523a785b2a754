// aesmd-sim and the AESM client, end to end over a temporary unix socket: a
// sim enclave's REPORT -> GetQuoteEx -> a quote that parses and verifies
// against the sim chain.
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "aesm.pb.h"
#include "common/fs.h"
#include "enclave/aesm/client.h"
#include "enclave/sgx/quote.h"
#include "enclave/sim/ossl.h"
#include "enclave/sim/sample.h"
#include "tools/aesmd-sim/server.h"
#include "tools/aesmd-sim/service.h"

namespace inclavare::sgx::aesmd_sim {
namespace {

class AesmdSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ic-aesmd-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = new std::string(tmpl);
    ASSERT_TRUE(sim::State::Init(*root_ + "/state", {}));
    auto st = sim::State::Load(*root_ + "/state");
    ASSERT_TRUE(st) << st.error().ToString();
    state_ = new std::shared_ptr<const sim::State>(*st);
    auto key = RsaKey::Generate();
    ASSERT_TRUE(key);
    signer_ = new RsaKey(std::move(*key));
  }
  static void TearDownTestSuite() {
    (void)fs::RemoveAll(*root_);
    delete signer_;
    delete state_;
    delete root_;
  }

  void SetUp() override {
    auto service = Service::Create(*state_);
    ASSERT_TRUE(service) << service.error().ToString();
    service_ = std::move(*service);
    socket_ = *root_ + "/run/aesmd/aesm.socket";
    auto server = Server::Listen(socket_);
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = std::move(*server);
    thread_ = std::thread([this] { ASSERT_TRUE(server_->Serve(*service_)); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  sim::Enclave App(const std::string& content = "app") {
    sim::SampleEnclaveOptions o;
    o.content = content;
    auto e = sim::BuildSampleEnclave((*state_)->keys(), *signer_, o);
    EXPECT_TRUE(e);
    return std::move(*e);
  }

  static std::string* root_;
  static std::shared_ptr<const sim::State>* state_;
  static RsaKey* signer_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::string socket_;
};
std::string* AesmdSimTest::root_ = nullptr;
std::shared_ptr<const sim::State>* AesmdSimTest::state_ = nullptr;
RsaKey* AesmdSimTest::signer_ = nullptr;

TEST_F(AesmdSimTest, QuoteThroughSocketVerifiesAgainstSimChain) {
  aesm::Client client(socket_);
  auto qe = client.InitQuoteEx(std::nullopt, true);
  ASSERT_TRUE(qe) << qe.error().ToString();
  EXPECT_EQ(qe->pub_key_id.size(), 32u);
  sim::Enclave app = App();
  ReportData data{};
  std::memcpy(data.data(), "through the socket", 18);
  auto report = app.CreateReport(qe->target_info, data);
  ASSERT_TRUE(report);
  auto size = client.GetQuoteSizeEx();
  ASSERT_TRUE(size);
  auto quote = client.GetQuote(*report);
  ASSERT_TRUE(quote) << quote.error().ToString();
  EXPECT_EQ(quote->size(), *size);

  auto q = ParseQuote(*quote);
  ASSERT_TRUE(q) << q.error().ToString();
  ASSERT_NE(q->sgx_report(), nullptr);
  EXPECT_EQ(q->sgx_report()->report_data, data);
  EXPECT_EQ(q->sgx_report()->mr_enclave, app.identity().mr_enclave);
  auto att = sim::P256FromRaw(q->attestation_key);
  ASSERT_TRUE(att);
  EXPECT_TRUE(sim::EcdsaVerifyRaw(att->get(), q->signed_data, q->signature));
  auto pub_id = Sha256(q->attestation_key);
  EXPECT_EQ(std::vector<uint8_t>(pub_id->begin(), pub_id->end()), qe->pub_key_id);

  auto certs = sim::CertsFromPem(*q->PckChainPem());
  ASSERT_TRUE(certs);
  ASSERT_EQ(certs->size(), 3u);
  EXPECT_TRUE(sim::EcdsaVerifyRaw(X509_get0_pubkey((*certs)[0].get()), q->qe_report_bytes, q->qe_report_signature));
  auto root = sim::CertFromPem((*state_)->root_ca_pem());
  ASSERT_TRUE(root);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), root->get());
  STACK_OF(X509)* chain = sk_X509_new_null();
  sk_X509_push(chain, (*certs)[1].get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), (*certs)[0].get(), chain);
  EXPECT_EQ(X509_verify_cert(ctx.get()), 1) << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  sk_X509_free(chain);
}

TEST_F(AesmdSimTest, RefusesReportForAnotherTarget) {
  aesm::Client client(socket_);
  sim::Enclave app = App();
  auto report = app.CreateReport(*app.GetTargetInfo(), ReportData{});
  ASSERT_TRUE(report);
  auto quote = client.GetQuote(*report);
  ASSERT_FALSE(quote);
  EXPECT_NE(quote.error().message().find("AESM_PARAMETER_ERROR"), std::string::npos) << quote.error().ToString();
}

TEST_F(AesmdSimTest, QeReportInfoLetsTheAppCheckTheQe) {
  aesm::Client client(socket_);
  auto qe = client.InitQuoteEx();
  ASSERT_TRUE(qe);
  sim::Enclave app = App();
  auto report = app.CreateReport(qe->target_info, ReportData{});
  ASSERT_TRUE(report);
  aesm::QeReportInfo info{};
  info.nonce[0] = 7;
  info.app_enclave_target_info = *app.GetTargetInfo();
  auto size = client.GetQuoteSizeEx();
  auto out = client.GetQuoteExWithQeReport(*report, *size, info);
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_TRUE(app.VerifyReport(out->qe_report_info.qe_report));
  auto h = Sha256Hasher::Create();
  ASSERT_TRUE(h->Update(info.nonce));
  ASSERT_TRUE(h->Update(out->quote));
  auto digest = h->Final();
  EXPECT_EQ(std::memcmp(out->qe_report_info.qe_report.body.report_data.data(), digest->data(), 32), 0);
}

TEST_F(AesmdSimTest, NeverTakesALiveSocket) {
  auto second = Server::Listen(socket_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kAlreadyExists);
  aesm::Client client(socket_);
  EXPECT_TRUE(client.InitQuoteEx());
}

TEST_F(AesmdSimTest, AttestationKeyIds) {
  aesm::Client client(socket_);
  auto ids = client.GetSupportedAttKeyIds();
  ASSERT_TRUE(ids) << ids.error().ToString();
  ASSERT_EQ(ids->size(), 1u);
  EXPECT_EQ((*ids)[0].algorithm_id, aesm::kAlgEcdsaP256);
  EXPECT_TRUE(client.InitQuoteEx((*ids)[0]));
  EXPECT_TRUE(client.GetQuoteSizeEx((*ids)[0]));
  aesm::AttKeyId wrong = (*ids)[0];
  wrong.mrsigner[0] ^= 1;
  EXPECT_FALSE(client.InitQuoteEx(wrong));
  wrong = (*ids)[0];
  wrong.algorithm_id = aesm::kAlgEpid;
  EXPECT_FALSE(client.GetQuoteSizeEx(wrong));
}

TEST_F(AesmdSimTest, SelectAttKeyId) {
  aesm::Client client(socket_);
  auto ids = client.GetSupportedAttKeyIds();
  ASSERT_TRUE(ids) << ids.error().ToString();
  ASSERT_EQ(ids->size(), 1u);
  // No list: the daemon picks its own (ECDSA P-256) id.
  auto any = client.SelectAttKeyId();
  ASSERT_TRUE(any) << any.error().ToString();
  EXPECT_EQ(std::memcmp(&*any, &(*ids)[0], sizeof(aesm::AttKeyId)), 0);
  EXPECT_EQ(any->algorithm_id, aesm::kAlgEcdsaP256);
  // A verifier's list holding an EPID id and ours: ours is selected.
  aesm::AttKeyId epid = (*ids)[0];
  epid.algorithm_id = aesm::kAlgEpid;
  std::vector<aesm::AttKeyId> list = {epid, (*ids)[0]};
  auto picked = client.SelectAttKeyId(list);
  ASSERT_TRUE(picked) << picked.error().ToString();
  EXPECT_EQ(std::memcmp(&*picked, &(*ids)[0], sizeof(aesm::AttKeyId)), 0);
  EXPECT_TRUE(client.InitQuoteEx(*picked));
  // A list without any id the sim QE has: refused.
  aesm::AttKeyId other_qe = (*ids)[0];
  other_qe.mrsigner[5] ^= 0x80;
  std::vector<aesm::AttKeyId> none = {epid, other_qe};
  auto refused = client.SelectAttKeyId(none);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("AESM_PARAMETER_ERROR"), std::string::npos) << refused.error().ToString();

  // The wire: field 19 both ways; a list whose header count disagrees with
  // its length is a parameter error.
  ::aesm::message::Request req;
  std::string bad(sizeof(aesm::AttKeyIdListHeader) + sizeof(aesm::AttKeyId), '\0');
  bad[4] = 2;  // num_att_ids = 2, one entry present
  std::memcpy(bad.data() + sizeof(aesm::AttKeyIdListHeader), &(*ids)[0], sizeof(aesm::AttKeyId));
  req.mutable_selectattkeyidreq()->set_att_key_id_list(bad);
  auto raw = client.Transact(req.SerializeAsString());
  ASSERT_TRUE(raw);
  ::aesm::message::Response res;
  ASSERT_TRUE(res.ParseFromString(*raw));
  ASSERT_TRUE(res.has_selectattkeyidres());
  EXPECT_EQ(res.selectattkeyidres().errorcode(), static_cast<uint32_t>(aesm::AesmError::kParameter));
  bad[4] = 1;
  req.mutable_selectattkeyidreq()->set_att_key_id_list(bad);
  raw = client.Transact(req.SerializeAsString());
  ASSERT_TRUE(raw);
  ASSERT_TRUE(res.ParseFromString(*raw));
  EXPECT_EQ(res.selectattkeyidres().errorcode(), 0u);
  EXPECT_EQ(res.selectattkeyidres().selected_att_key_id().size(), sizeof(aesm::AttKeyId));
}

TEST_F(AesmdSimTest, LegacyMessages) {
  aesm::Client client(socket_);
  auto ti = client.InitQuote();
  ASSERT_TRUE(ti) << ti.error().ToString();
  auto ex = client.InitQuoteEx();
  EXPECT_EQ(std::memcmp(&*ti, &ex->target_info, sizeof(TargetInfo)), 0);

  ::aesm::message::Request req;
  req.mutable_getquotereq()->set_report(std::string(sizeof(Report), '\0'));
  auto raw = client.Transact(req.SerializeAsString());
  ASSERT_TRUE(raw);
  ::aesm::message::Response res;
  ASSERT_TRUE(res.ParseFromString(*raw));
  ASSERT_TRUE(res.has_getquoteres());
  EXPECT_NE(res.getquoteres().errorcode(), 0u);  // EPID: not supported

  ::aesm::message::Request tok;
  tok.mutable_getlictokenreq()->set_mr_enclave(std::string(32, '\1'));
  tok.mutable_getlictokenreq()->set_mr_signer(std::string(32, '\2'));
  tok.mutable_getlictokenreq()->set_se_attributes(std::string(16, '\0'));
  raw = client.Transact(tok.SerializeAsString());
  ASSERT_TRUE(raw);
  ASSERT_TRUE(res.ParseFromString(*raw));
  EXPECT_EQ(res.getlictokenres().errorcode(), 0u);
  EXPECT_EQ(res.getlictokenres().token().size(), sizeof(EinitToken));
}

TEST_F(AesmdSimTest, MalformedInputGetsErrorsNotCrashes) {
  aesm::Client client(socket_);
  auto raw = client.Transact("\xff\xff\xff garbage");
  ASSERT_TRUE(raw);
  ::aesm::message::Response res;
  ASSERT_TRUE(res.ParseFromString(*raw));
  EXPECT_TRUE(res.has_unsupportedrequestresponse());

  ::aesm::message::Request req;
  req.mutable_getquoteexreq()->set_report("short");
  req.mutable_getquoteexreq()->set_buf_size(100000);
  raw = client.Transact(req.SerializeAsString());
  ASSERT_TRUE(raw);
  ASSERT_TRUE(res.ParseFromString(*raw));
  EXPECT_EQ(res.getquoteexres().errorcode(), static_cast<uint32_t>(aesm::AesmError::kParameter));

  // An oversized frame: the daemon drops the connection, then keeps serving.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_.c_str(), socket_.size() + 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const uint8_t huge[4] = {0xff, 0xff, 0xff, 0x7f};
  ASSERT_EQ(::write(fd, huge, 4), 4);
  char c;
  EXPECT_EQ(::read(fd, &c, 1), 0);
  ::close(fd);
  EXPECT_TRUE(client.InitQuoteEx());
}

#ifdef IC_AESMD_SIM_BIN
// The real binary: starts on a temp socket with a temp state, serves a
// quote, exits 0 on SIGTERM and removes its socket.
TEST_F(AesmdSimTest, BinaryServesAndStopsOnSigterm) {
  const std::string sock = *root_ + "/bin/aesm.socket";
  const std::string dir = *root_ + "/state";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(IC_AESMD_SIM_BIN, "aesmd-sim", "--socket", sock.c_str(), "--dir", dir.c_str(), nullptr);
    ::_exit(127);
  }
  aesm::Client client(sock);
  Result<aesm::QeTarget> qe = NotFound("not started");
  // Wait for the daemon to listen (bounded: fails after ~10 s, no timing
  // assertion otherwise).
  for (int i = 0; i < 200 && !qe; ++i) {
    qe = client.InitQuoteEx();
    if (!qe) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(qe) << qe.error().ToString();
  sim::Enclave app = App();
  auto report = app.CreateReport(qe->target_info, ReportData{});
  ASSERT_TRUE(report);
  auto quote = client.GetQuote(*report);
  ASSERT_TRUE(quote) << quote.error().ToString();
  EXPECT_TRUE(ParseQuote(*quote));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(fs::Exists(sock));
}
#endif

TEST(AesmClientTest, NoDaemonIsUnavailable) {
  aesm::Client client("/nonexistent/aesm.socket");
  auto r = client.InitQuoteEx();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

TEST(AesmWireTest, FrameRoundTrip) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ASSERT_TRUE(aesm::SendFrame(sv[0], "hello"));
  auto got = aesm::RecvFrame(sv[1], 16);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "hello");
  ASSERT_TRUE(aesm::SendFrame(sv[0], std::string(17, 'x')));
  EXPECT_FALSE(aesm::RecvFrame(sv[1], 16));
  ::close(sv[0]);
  ::close(sv[1]);
}

}  // namespace
}  // namespace inclavare::sgx::aesmd_sim
