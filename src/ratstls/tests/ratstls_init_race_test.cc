// rats_tls_init from several threads at once, in a process where no plugin
// is loaded yet: every call must see every plugin (regression: the second
// caller found the plugin directory marked loaded but still empty).
#include <rats-tls/api.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

TEST(RatsTlsInit, ConcurrentFirstInitsAllFindThePlugins) {
  constexpr int kThreads = 8;
  std::atomic<int> ready{0};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      rats_tls_conf_t c;
      memset(&c, 0, sizeof c);
      c.api_version = RATS_TLS_API_VERSION_2;
      c.log_level = RATS_TLS_LOG_LEVEL_NONE;
      c.cert_algo = RATS_TLS_CERT_ALGO_DEFAULT;
      c.flags = RATS_TLS_CONF_FLAGS_SERVER;
      strcpy(c.attester_type, "nullattester");
      strcpy(c.crypto_type, "openssl");
      strcpy(c.tls_type, "openssl");
      c.ext.plugin_dir = RATSTLS_PLUGIN_DIR;
      ready.fetch_add(1);
      while (ready.load() < kThreads) {
      }
      rats_tls_handle h;
      if (rats_tls_init(&c, &h) == RATS_TLS_ERR_NONE) {
        rats_tls_cleanup(h);
      } else {
        errors[i] = rats_tls_last_error(nullptr);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(errors[i], "") << "thread " << i;
}

}  // namespace
