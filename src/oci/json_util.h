// Strict, path-aware JSON field readers for the OCI spec model.
//
// nlohmann's get<T>() throws and its messages do not say *which* field was
// wrong. These helpers return Result<> with the JSON path in the message:
//   "linux.resources.memory.limit: expected an integer, got string"
//
// A struct type T is readable when a function
//   Result<> FromJson(const nlohmann::json& j, const std::string& path, T* out);
// is visible by ADL (declare it in the namespace of T).
//
//   Result<> FromJson(const nlohmann::json& j, const std::string& path, Root* out) {
//     IC_TRY(json::ExpectObject(j, path));
//     IC_TRY(json::Required(j, path, "path", &out->path));
//     IC_TRY(json::Optional(j, path, "readonly", &out->readonly));
//     return {};
//   }
//
// Unknown keys are ignored (forward compatibility, as the runtime spec asks);
// JSON null is treated like an absent key for optional fields, since Go
// encoders (containerd, podman) emit null for empty slices and maps.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace inclavare::oci::json {

using Json = nlohmann::json;

inline std::string ChildPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}
inline std::string IndexPath(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

inline Error TypeError(const std::string& path, const char* expected, const Json& got) {
  return InvalidArgument((path.empty() ? std::string("config") : path) + ": expected " + expected +
                         ", got " + got.type_name());
}

inline Result<> ExpectObject(const Json& j, const std::string& path) {
  if (!j.is_object()) return TypeError(path, "an object", j);
  return {};
}

// Scalars ----------------------------------------------------------------

inline Result<> Convert(const Json& j, const std::string& path, bool* out) {
  if (!j.is_boolean()) return TypeError(path, "a boolean", j);
  *out = j.get<bool>();
  return {};
}

inline Result<> Convert(const Json& j, const std::string& path, std::string* out) {
  if (!j.is_string()) return TypeError(path, "a string", j);
  *out = j.get_ref<const std::string&>();
  return {};
}

inline Result<> Convert(const Json& j, const std::string& path, double* out) {
  if (!j.is_number()) return TypeError(path, "a number", j);
  *out = j.get<double>();
  return {};
}

template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
Result<> Convert(const Json& j, const std::string& path, T* out) {
  if (j.is_number_unsigned()) {
    uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      return InvalidArgument(path + ": value " + std::to_string(v) + " out of range");
    *out = static_cast<T>(v);
    return {};
  }
  if (j.is_number_integer()) {
    int64_t v = j.get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (v < 0) return InvalidArgument(path + ": value " + std::to_string(v) + " must not be negative");
      if (static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max()))
        return InvalidArgument(path + ": value " + std::to_string(v) + " out of range");
    } else {
      if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          v > static_cast<int64_t>(std::numeric_limits<T>::max()))
        return InvalidArgument(path + ": value " + std::to_string(v) + " out of range");
    }
    *out = static_cast<T>(v);
    return {};
  }
  return TypeError(path, "an integer", j);
}

// Containers ---------------------------------------------------------------

template <class T>
Result<> Convert(const Json& j, const std::string& path, std::vector<T>* out);
template <class T>
Result<> Convert(const Json& j, const std::string& path, std::map<std::string, T>* out);
template <class T>
Result<> Convert(const Json& j, const std::string& path, std::optional<T>* out);

// Structs: dispatch to FromJson found by ADL.
template <class T>
  requires requires(const Json& j, const std::string& p, T* o) {
    { FromJson(j, p, o) } -> std::same_as<Result<>>;
  }
Result<> Convert(const Json& j, const std::string& path, T* out) {
  return FromJson(j, path, out);
}

template <class T>
Result<> Convert(const Json& j, const std::string& path, std::vector<T>* out) {
  out->clear();
  if (j.is_null()) return {};
  if (!j.is_array()) return TypeError(path, "an array", j);
  out->resize(j.size());
  for (size_t i = 0; i < j.size(); ++i) IC_TRY(Convert(j[i], IndexPath(path, i), &(*out)[i]));
  return {};
}

template <class T>
Result<> Convert(const Json& j, const std::string& path, std::map<std::string, T>* out) {
  out->clear();
  if (j.is_null()) return {};
  if (!j.is_object()) return TypeError(path, "an object", j);
  for (auto it = j.begin(); it != j.end(); ++it) {
    T value{};
    IC_TRY(Convert(it.value(), ChildPath(path, it.key()), &value));
    out->emplace(it.key(), std::move(value));
  }
  return {};
}

template <class T>
Result<> Convert(const Json& j, const std::string& path, std::optional<T>* out) {
  if (j.is_null()) {
    out->reset();
    return {};
  }
  T value{};
  IC_TRY(Convert(j, path, &value));
  *out = std::move(value);
  return {};
}

// Object fields --------------------------------------------------------------

// Reads obj[key] into *out; a missing key is an error.
template <class T>
Result<> Required(const Json& obj, const std::string& path, const char* key, T* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null())
    return InvalidArgument(ChildPath(path, key) + ": required field is missing");
  return Convert(*it, ChildPath(path, key), out);
}

// Reads obj[key] into *out when present and not null; otherwise leaves *out.
template <class T>
Result<> Optional(const Json& obj, const std::string& path, const char* key, T* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  return Convert(*it, ChildPath(path, key), out);
}

}  // namespace inclavare::oci::json
