// The C API (include/rats-tls/api.h).
#include <rats-tls/api.h>
#include <rats-tls/log.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "ratstls/core/core.h"

using inclavare::ratstls::CreateContext;
using inclavare::ratstls::Negotiate;

namespace {

thread_local std::string g_init_error;

rats_tls_err_t InitErrorCode(const inclavare::Error& e) {
  switch (e.code()) {
    case inclavare::ErrorCode::kInvalidArgument: return RATS_TLS_ERR_INVALID;
    case inclavare::ErrorCode::kNotFound: return RATS_TLS_ERR_NOT_REGISTERED;
    default: return RATS_TLS_ERR_INIT;
  }
}

rats_tls_err_t Fail(rtls_core_context_t* c, rats_tls_err_t code, const std::string& msg) {
  if (c) c->last_error = msg;
  RTLS_ERR("%s\n", msg.c_str());
  return code;
}

}  // namespace

extern "C" {

RATS_TLS_EXPORT rats_tls_err_t rats_tls_init(const rats_tls_conf_t* conf, rats_tls_handle* handle) {
  g_init_error.clear();
  if (conf == nullptr || handle == nullptr) {
    g_init_error = "rats_tls_init: conf and handle must not be NULL";
    RTLS_ERR("%s\n", g_init_error.c_str());
    return RATS_TLS_ERR_INVALID;
  }
  *handle = nullptr;
  try {
    auto c = CreateContext(*conf);
    if (!c) {
      g_init_error = "rats_tls_init: " + c.error().ToString();
      RTLS_ERR("%s\n", g_init_error.c_str());
      return InitErrorCode(c.error());
    }
    *handle = c->release();
    return RATS_TLS_ERR_NONE;
  } catch (const std::bad_alloc&) {
    g_init_error = "rats_tls_init: out of memory";
    return RATS_TLS_ERR_NO_MEM;
  } catch (const std::exception& e) {
    g_init_error = std::string("rats_tls_init: ") + e.what();
    return RATS_TLS_ERR_UNKNOWN;
  }
}

RATS_TLS_EXPORT rats_tls_err_t rats_tls_set_verification_callback(rats_tls_handle* handle,
                                                                   rats_tls_callback_t user_callback) {
  if (handle == nullptr || *handle == nullptr) return RATS_TLS_ERR_INVALID;
  if (user_callback == nullptr) {
    user_callback = [](void* arg) -> int {
      auto* ev = static_cast<rtls_evidence_t*>(arg);
      if (ev->type == SGX_ECDSA || ev->type == SGX_LA) {
        char mre[65], mrs[65];
        for (int i = 0; i < 32; ++i) {
          snprintf(mre + 2 * i, 3, "%02x", ev->sgx.mr_enclave[i]);
          snprintf(mrs + 2 * i, 3, "%02x", ev->sgx.mr_signer[i]);
        }
        RTLS_INFO("peer SGX enclave: MRENCLAVE %s MRSIGNER %s ISVPRODID %u ISVSVN %u\n", mre, mrs,
                  ev->sgx.product_id, ev->sgx.security_version);
      } else if (ev->type == TDX_ECDSA) {
        char mrtd[97];
        for (int i = 0; i < 48; ++i) snprintf(mrtd + 2 * i, 3, "%02x", ev->tdx.mrtd[i]);
        RTLS_INFO("peer TDX guest: MRTD %s\n", mrtd);
      } else if (ev->type == NO_EVIDENCE) {
        RTLS_INFO("peer presented no evidence (accepted by nullverifier)\n");
      }
      for (size_t i = 0; i < ev->custom_claims_length; ++i) {
        RTLS_INFO("peer claim '%s' (%zu bytes)\n", ev->custom_claims[i].name, ev->custom_claims[i].value_size);
      }
      return 1;
    };
  }
  (*handle)->user_callback = user_callback;
  return RATS_TLS_ERR_NONE;
}

RATS_TLS_EXPORT rats_tls_err_t rats_tls_negotiate(rats_tls_handle handle, int fd) {
  if (handle == nullptr) return RATS_TLS_ERR_INVALID;
  try {
    auto r = Negotiate(*handle, fd);
    if (!r) {
      rats_tls_err_t code = r.error().code() == inclavare::ErrorCode::kPermissionDenied
                                ? static_cast<rats_tls_err_t>(TLS_WRAPPER_ERR_INVALID)
                                : static_cast<rats_tls_err_t>(RATS_TLS_ERR_INVALID);
      return Fail(handle, code, "rats_tls_negotiate: " + r.error().ToString());
    }
    handle->last_error.clear();
    return RATS_TLS_ERR_NONE;
  } catch (const std::exception& e) {
    return Fail(handle, RATS_TLS_ERR_UNKNOWN, std::string("rats_tls_negotiate: ") + e.what());
  }
}

RATS_TLS_EXPORT rats_tls_err_t rats_tls_transmit(rats_tls_handle handle, void* buf, size_t* buf_size) {
  if (handle == nullptr || buf_size == nullptr || (buf == nullptr && *buf_size)) return RATS_TLS_ERR_INVALID;
  if (handle->session == nullptr) return Fail(handle, RATS_TLS_ERR_INVALID, "rats_tls_transmit: no connection");
  rats_tls_error_t e{};
  if (int rc = handle->tls.ops->transmit(handle->session, buf, buf_size, &e); rc != 0) {
    return Fail(handle, static_cast<rats_tls_err_t>(TLS_WRAPPER_ERR_TRANSMIT), std::string("rats_tls_transmit: ") + e.msg);
  }
  return RATS_TLS_ERR_NONE;
}

RATS_TLS_EXPORT rats_tls_err_t rats_tls_receive(rats_tls_handle handle, void* buf, size_t* buf_size) {
  if (handle == nullptr || buf_size == nullptr || (buf == nullptr && *buf_size)) return RATS_TLS_ERR_INVALID;
  if (handle->session == nullptr) return Fail(handle, RATS_TLS_ERR_INVALID, "rats_tls_receive: no connection");
  rats_tls_error_t e{};
  if (int rc = handle->tls.ops->receive(handle->session, buf, buf_size, &e); rc != 0) {
    return Fail(handle, static_cast<rats_tls_err_t>(TLS_WRAPPER_ERR_RECEIVE), std::string("rats_tls_receive: ") + e.msg);
  }
  return RATS_TLS_ERR_NONE;
}

RATS_TLS_EXPORT rats_tls_err_t rats_tls_cleanup(rats_tls_handle handle) {
  if (handle == nullptr) return RATS_TLS_ERR_INVALID;
  delete handle;
  return RATS_TLS_ERR_NONE;
}

RATS_TLS_EXPORT const char* rats_tls_last_error(rats_tls_handle handle) {
  return handle ? handle->last_error.c_str() : g_init_error.c_str();
}

RATS_TLS_EXPORT rats_tls_err_t rats_tls_get_peer_evidence_json(rats_tls_handle handle, char* buf, size_t* buf_size) {
  if (handle == nullptr || buf_size == nullptr || !handle->peer) return RATS_TLS_ERR_INVALID;
  std::string j = inclavare::ratstls::PeerToJson(*handle->peer);
  size_t need = j.size() + 1;
  if (buf == nullptr || *buf_size < need) {
    *buf_size = need;
    return RATS_TLS_ERR_INVALID;
  }
  memcpy(buf, j.c_str(), need);
  *buf_size = need;
  return RATS_TLS_ERR_NONE;
}

RATS_TLS_EXPORT rats_tls_err_t rats_tls_get_certificate(rats_tls_handle handle, uint8_t* buf, size_t* buf_size) {
  if (handle == nullptr || buf_size == nullptr || handle->cert_der.empty()) return RATS_TLS_ERR_INVALID;
  size_t need = handle->cert_der.size();
  if (buf == nullptr || *buf_size < need) {
    *buf_size = need;
    return RATS_TLS_ERR_INVALID;
  }
  memcpy(buf, handle->cert_der.data(), need);
  *buf_size = need;
  return RATS_TLS_ERR_NONE;
}

}  // extern "C"
