// Internals of librats_tls shared by the core's files.
#pragma once

#include <rats-tls/api.h>
#include <rats-tls/plugin.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

#define RATS_TLS_EXPORT __attribute__((visibility("default")))

namespace inclavare::ratstls {

std::optional<rats_tls_log_level_t> ParseLogLevel(const char* s);
std::optional<rats_tls_log_level_t> EnvLogLevel();

// A loaded or statically registered plugin.
struct Plugin {
  const rats_tls_plugin_t* desc = nullptr;
  std::string path;  // the shared object; "" when registered statically
  const char* name() const { return desc->name; }
  const char* type() const { return desc->type ? desc->type : desc->name; }
  uint8_t priority() const { return desc->priority; }
};

const char* PluginKindName(uint32_t kind);     // "attester", ...
const char* PluginKindDir(uint32_t kind);      // "attesters", ...

// The process-wide plugin registry. Loading a directory happens once; a
// shared object that fails to load is remembered with its reason, so that
// asking for it by name explains why it is missing.
class Registry {
 public:
  static Registry& Get();
  // Loads every plugin under dir/<kind dir>/ not loaded yet.
  void LoadDir(const std::string& dir);
  Result<> Register(const rats_tls_plugin_t* desc, const std::string& path);
  // Plugins of a kind, highest priority first (ties: by name).
  std::vector<Plugin> OfKind(uint32_t kind) const;
  // By name; NotFound lists the available names and load failures.
  Result<Plugin> Find(uint32_t kind, const std::string& name) const;
};

// The directory of librats_tls.so's own plugins: $RATS_TLS_PLUGIN_DIR, else
// <dir of librats_tls.so>/rats-tls.
std::string DefaultPluginDir();

}  // namespace inclavare::ratstls
