// The plugin registry: shared objects found under the plugin directory and
// plugins registered statically (rats_tls_register_plugin).
#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include <rats-tls/log.h>

#include "ratstls/core/internal.h"

namespace inclavare::ratstls {

namespace {

struct State {
  // Held for a whole directory load: a second rats_tls_init racing the first
  // must wait for the plugins, not find the directory marked and empty.
  std::mutex load_mu;
  std::mutex mu;
  std::map<std::pair<uint32_t, std::string>, Plugin> plugins;  // GUARDED_BY(mu)
  std::vector<std::string> failures;                            // GUARDED_BY(mu)
  std::set<std::string> loaded_dirs;                            // GUARDED_BY(mu)
};

State& S() {
  static State* s = new State;  // never destroyed: plugins may outlive static destruction
  return *s;
}

bool ValidKind(uint32_t k) { return k >= RATS_TLS_PLUGIN_ATTESTER && k <= RATS_TLS_PLUGIN_CRYPTO_WRAPPER; }

Result<> Validate(const rats_tls_plugin_t* d) {
  if (d == nullptr) return InvalidArgument("no plugin descriptor");
  if (d->abi_version != RATS_TLS_PLUGIN_ABI_VERSION) {
    return InvalidArgument("plugin ABI version " + std::to_string(d->abi_version) + ", this library speaks " +
                           std::to_string(RATS_TLS_PLUGIN_ABI_VERSION));
  }
  if (!ValidKind(d->kind)) return InvalidArgument("unknown plugin kind " + std::to_string(d->kind));
  if (d->name == nullptr || d->name[0] == '\0' || strlen(d->name) >= 32) {
    return InvalidArgument("plugin name missing or longer than 31 bytes");
  }
  if (d->ops == nullptr) return InvalidArgument(std::string("plugin ") + d->name + " has no ops");
  return {};
}

}  // namespace

const char* PluginKindName(uint32_t kind) {
  switch (kind) {
    case RATS_TLS_PLUGIN_ATTESTER: return "attester";
    case RATS_TLS_PLUGIN_VERIFIER: return "verifier";
    case RATS_TLS_PLUGIN_TLS_WRAPPER: return "tls wrapper";
    case RATS_TLS_PLUGIN_CRYPTO_WRAPPER: return "crypto wrapper";
  }
  return "plugin";
}

const char* PluginKindDir(uint32_t kind) {
  switch (kind) {
    case RATS_TLS_PLUGIN_ATTESTER: return "attesters";
    case RATS_TLS_PLUGIN_VERIFIER: return "verifiers";
    case RATS_TLS_PLUGIN_TLS_WRAPPER: return "tls-wrappers";
    case RATS_TLS_PLUGIN_CRYPTO_WRAPPER: return "crypto-wrappers";
  }
  return "";
}

Registry& Registry::Get() {
  static Registry r;
  return r;
}

Result<> Registry::Register(const rats_tls_plugin_t* desc, const std::string& path) {
  IC_TRY(Validate(desc));
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  s.plugins[{desc->kind, desc->name}] = Plugin{desc, path};
  return {};
}

void Registry::LoadDir(const std::string& dir) {
  State& s = S();
  std::lock_guard<std::mutex> load_lock(s.load_mu);
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.loaded_dirs.count(dir)) return;
  }
  for (uint32_t kind = RATS_TLS_PLUGIN_ATTESTER; kind <= RATS_TLS_PLUGIN_CRYPTO_WRAPPER; ++kind) {
    std::string sub = dir + "/" + PluginKindDir(kind);
    DIR* d = opendir(sub.c_str());
    if (d == nullptr) continue;
    std::vector<std::string> files;
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 3 && n.compare(n.size() - 3, 3, ".so") == 0) files.push_back(n);
    }
    closedir(d);
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string path = sub + "/" + f;
      void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      std::string why;
      const rats_tls_plugin_t* desc = nullptr;
      if (h == nullptr) {
        const char* e = dlerror();
        why = e ? e : "dlopen failed";
      } else {
        auto entry = reinterpret_cast<rats_tls_plugin_entry_fn>(dlsym(h, RATS_TLS_PLUGIN_ENTRY));
        if (entry == nullptr) {
          why = std::string("no ") + RATS_TLS_PLUGIN_ENTRY + " symbol";
        } else {
          desc = entry();
          if (auto v = Validate(desc); !v) {
            why = v.error().message();
            desc = nullptr;
          } else if (desc->kind != kind) {
            why = std::string("a ") + PluginKindName(desc->kind) + " in the " + PluginKindDir(kind) + " directory";
            desc = nullptr;
          }
        }
      }
      std::lock_guard<std::mutex> lock(s.mu);
      if (desc == nullptr) {
        if (h) dlclose(h);
        s.failures.push_back(path + ": " + why);
        RTLS_WARN("rats-tls: skipping plugin %s: %s\n", path.c_str(), why.c_str());
        continue;
      }
      auto key = std::make_pair(kind, std::string(desc->name));
      auto it = s.plugins.find(key);
      if (it != s.plugins.end() && it->second.path.empty()) {
        dlclose(h);  // registered statically by the application: keep that one
        continue;
      }
      s.plugins[key] = Plugin{desc, path};  // the handle stays open for the process's life
      RTLS_DEBUG("rats-tls: loaded %s '%s' (priority %u) from %s\n", PluginKindName(kind), desc->name,
                 desc->priority, path.c_str());
    }
  }
  std::lock_guard<std::mutex> lock(s.mu);
  s.loaded_dirs.insert(dir);
}

std::vector<Plugin> Registry::OfKind(uint32_t kind) const {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  std::vector<Plugin> out;
  for (const auto& [k, p] : s.plugins) {
    if (k.first == kind) out.push_back(p);
  }
  std::stable_sort(out.begin(), out.end(), [](const Plugin& a, const Plugin& b) {
    if (a.priority() != b.priority()) return a.priority() > b.priority();
    return strcmp(a.name(), b.name()) < 0;
  });
  return out;
}

Result<Plugin> Registry::Find(uint32_t kind, const std::string& name) const {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.plugins.find({kind, name});
  if (it != s.plugins.end()) return it->second;
  std::string avail;
  for (const auto& [k, p] : s.plugins) {
    if (k.first == kind) avail += (avail.empty() ? "" : ", ") + k.second;
  }
  std::string msg = std::string("no ") + PluginKindName(kind) + " named '" + name + "' (available: " +
                    (avail.empty() ? "none" : avail) + ")";
  for (const auto& f : s.failures) {
    if (f.find(name) != std::string::npos) msg += "; " + f;
  }
  return NotFound(msg);
}

std::string DefaultPluginDir() {
  if (const char* e = std::getenv("RATS_TLS_PLUGIN_DIR"); e && *e) return e;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&DefaultPluginDir), &info) && info.dli_fname) {
    std::string p = info.dli_fname;
    auto slash = p.rfind('/');
    if (slash != std::string::npos) return p.substr(0, slash) + "/rats-tls";
  }
  return RATS_TLS_INSTALLED_PLUGIN_DIR;
}

}  // namespace inclavare::ratstls

extern "C" RATS_TLS_EXPORT rats_tls_err_t rats_tls_register_plugin(const rats_tls_plugin_t* plugin) {
  auto r = inclavare::ratstls::Registry::Get().Register(plugin, "");
  if (!r) {
    RTLS_ERR("rats_tls_register_plugin: %s\n", r.error().message().c_str());
    return RATS_TLS_ERR_INVALID;
  }
  return RATS_TLS_ERR_NONE;
}
