/* The Rats-TLS plugin ABI, version 1.
 *
 * A plugin is a shared object in one of the plugin directories
 *   <plugin_dir>/attesters/libattester_<name>.so
 *   <plugin_dir>/verifiers/libverifier_<name>.so
 *   <plugin_dir>/tls-wrappers/libtls_wrapper_<name>.so
 *   <plugin_dir>/crypto-wrappers/libcrypto_wrapper_<name>.so
 * exporting one C function, RATS_TLS_PLUGIN_ENTRY:
 *   const rats_tls_plugin_t *rats_tls_plugin_entry_v1(void);
 * The same plugin code can be linked statically into an application, which
 * then registers it with rats_tls_register_plugin() before rats_tls_init().
 *
 * Rules every plugin follows:
 *  - Functions return 0 on success or a negative errno value, and on failure
 *    write a one-line reason into err (rats_tls_error_set()); the core adds
 *    the plugin's name and passes the reason to the application.
 *  - Buffers a plugin returns (rats_tls_bytes_t, char * fields) are
 *    allocated with malloc(); the core releases them with free().
 *  - A state pointer from init() is used by one thread at a time.
 *  - Nothing is read from the environment: all settings come in
 *    rats_tls_plugin_env_t, so a library user decides what is trusted.
 * The ABI version changes whenever a struct here changes; the core refuses
 * plugins of another version with a message naming both versions. */
#ifndef RATS_TLS_PLUGIN_H_
#define RATS_TLS_PLUGIN_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rats-tls/api.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RATS_TLS_PLUGIN_ABI_VERSION 1u
#define RATS_TLS_PLUGIN_ENTRY	    "rats_tls_plugin_entry_v1"

typedef enum {
	RATS_TLS_PLUGIN_ATTESTER = 1,
	RATS_TLS_PLUGIN_VERIFIER = 2,
	RATS_TLS_PLUGIN_TLS_WRAPPER = 3,
	RATS_TLS_PLUGIN_CRYPTO_WRAPPER = 4,
} rats_tls_plugin_kind_t;

/* CBOR tags of the evidence formats (Interoperable RA-TLS; the SEV-SNP tag
 * is upstream rats-tls's). */
#define RATS_TLS_TAG_INTEL_TEE_QUOTE	    60000ull /* SGX/TDX ECDSA quote */
#define RATS_TLS_TAG_INTEL_TEE_REPORT	    60001ull /* TDX report / SGX report type 2 */
#define RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT 60002ull /* EREPORT REPORT (sgx_la) */
#define RATS_TLS_TAG_SEV_SNP		    0x1a7504ull /* SEV-SNP attestation report */
/* Not a CBOR tag: evidence taken from a legacy raw-quote extension
 * (1.2.840.113741.1337.6 and its variants). */
#define RATS_TLS_TAG_LEGACY_QUOTE	    0ull

/* Hash algorithm ids of the IANA Named Information registry. */
#define RATS_TLS_HASH_SHA256 1
#define RATS_TLS_HASH_SHA384 7
#define RATS_TLS_HASH_SHA512 8

typedef struct {
	char msg[512];
} rats_tls_error_t;

/* printf into err->msg (truncating); returns -errnum for `return` chaining. */
int rats_tls_error_set(rats_tls_error_t *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

typedef struct {
	uint8_t *data; /* malloc()ed */
	size_t size;
} rats_tls_bytes_t;

/* Settings for every plugin (a copy of the handle's configuration). */
typedef struct {
	uint32_t size; /* sizeof(rats_tls_plugin_env_t) */
	rats_tls_log_level_t log_level;
	rats_tls_cert_algo_t cert_algo;
	bool debug_enclave;
	const char *sim_dir;	      /* NULL: the sim platform is not trusted/used */
	const char *aesm_socket;      /* never NULL */
	const char *root_ca_file;     /* NULL: the built-in Intel root */
	const char *collateral;	      /* NULL: none configured */
	const char *snp_vcek_file;
	const char *snp_ask_ark_file;
	const char *policy_json;      /* the policy's text; NULL: default policy */
	const char *plugin_dir;	      /* where the plugin was found (support files) */
	int64_t verify_time;	      /* 0: now */
} rats_tls_plugin_env_t;

/* ---- attesters ---------------------------------------------------------- */

typedef struct {
	/* 0 when this attester can work here; else a negative errno and why
	 * (e.g. -ENODEV "no TDX guest interface (/sys/kernel/config/tsm/report)").
	 * Cheap; used when choosing by priority. */
	int (*probe)(const rats_tls_plugin_env_t *env, rats_tls_error_t *err);
	int (*init)(const rats_tls_plugin_env_t *env, void **state, rats_tls_error_t *err);
	/* Evidence whose report data (SGX/TDX REPORTDATA, SNP REPORT_DATA) is
	 * exactly report_data. *tag: the CBOR tag of its format. nullattester
	 * returns an empty buffer: no evidence. */
	int (*collect_evidence)(void *state, const uint8_t report_data[64], uint64_t *tag,
				rats_tls_bytes_t *evidence, rats_tls_error_t *err);
	/* Optional (NULL): endorsements for the evidence (the CBOR array of the
	 * endorsement extension, untagged) for RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS. */
	int (*collect_endorsements)(void *state, uint64_t tag, const uint8_t *evidence, size_t evidence_size,
				    rats_tls_bytes_t *endorsements, rats_tls_error_t *err);
	void (*cleanup)(void *state);
} rats_tls_attester_ops_t;

/* ---- verifiers ---------------------------------------------------------- */

/* What a verifier reports after every check passed. */
typedef struct {
	char evidence_type[32];	 /* "sgx_ecdsa", "tdx_ecdsa", "sgx_la", "sev_snp", "nullverifier" */
	uint8_t report_data[64]; /* from the verified evidence */
	bool debug;		 /* a debug enclave / TD / SNP guest */
	char tcb_status[48];	 /* "UpToDate", ...; "" when the TEE has none */
	int64_t valid_until;	 /* Unix time until which this result may be cached (collateral
				    nextUpdate); 0: do not cache */
	char *claims_json;	 /* malloc()ed JSON of every verified claim, or NULL */
	/* SGX enclave */
	uint8_t mr_enclave[32], mr_signer[32];
	uint16_t isv_prod_id, isv_svn;
	uint8_t attributes[16];
	/* TDX */
	uint8_t mr_seam[48], mr_signer_seam[48], tee_tcb_svn[16], mr_td[48], rtmr[4][48];
	/* SEV-SNP */
	uint8_t measurement[48];
} rats_tls_verified_evidence_t;

typedef struct {
	int (*init)(const rats_tls_plugin_env_t *env, void **state, rats_tls_error_t *err);
	/* Verifies evidence of format tag (signatures, chains, collateral: from
	 * endorsements when given, else the configured source), then applies
	 * env->policy_json. Does NOT check the report data: the core compares
	 * out->report_data with the key binding. */
	int (*verify_evidence)(void *state, uint64_t tag, const uint8_t *evidence, size_t evidence_size,
			       const uint8_t *endorsements, size_t endorsements_size,
			       rats_tls_verified_evidence_t *out, rats_tls_error_t *err);
	void (*cleanup)(void *state);
} rats_tls_verifier_ops_t;

/* ---- crypto wrappers ---------------------------------------------------- */

typedef struct {
	const char *oid; /* dotted, e.g. "2.23.133.5.4.9" */
	bool critical;
	const uint8_t *value; /* the extension's OCTET STRING contents */
	size_t value_size;
} rats_tls_cert_extension_t;

typedef struct {
	const uint8_t *key_der; /* the private key (PKCS#8 DER) from gen_key */
	size_t key_size;
	const char *subject_cn;	  /* e.g. "Inclavare Rats-TLS" */
	const char *subject_org;
	int64_t not_before, not_after; /* Unix seconds */
	const rats_tls_cert_extension_t *extensions;
	size_t extensions_count;
} rats_tls_cert_request_t;

typedef struct {
	int (*init)(const rats_tls_plugin_env_t *env, void **state, rats_tls_error_t *err);
	/* A fresh key pair: the private key as PKCS#8 DER and the public key as
	 * DER SubjectPublicKeyInfo. nullcrypto: both empty. */
	int (*gen_key)(void *state, rats_tls_cert_algo_t algo, rats_tls_bytes_t *key_der,
		       rats_tls_bytes_t *spki_der, rats_tls_error_t *err);
	/* *out_size: in, the room in out; out, the digest size. */
	int (*hash)(void *state, int hash_alg, const uint8_t *data, size_t size, uint8_t *out,
		    size_t *out_size, rats_tls_error_t *err);
	/* A self-signed X.509 v3 certificate (DER) for the key. */
	int (*gen_cert)(void *state, const rats_tls_cert_request_t *req, rats_tls_bytes_t *cert_der,
			rats_tls_error_t *err);
	void (*cleanup)(void *state);
} rats_tls_crypto_ops_t;

/* ---- TLS wrappers ------------------------------------------------------- */

/* The core's side of a handshake, called by the TLS wrapper. */
typedef struct {
	void *core;
	/* Verifies the peer's leaf certificate (DER): evidence, key binding,
	 * policy, freshness, user callback. 0 accepts. challenge: the nonce this
	 * side sent in the handshake (NULL when none). */
	int (*verify_peer)(void *core, const uint8_t *cert_der, size_t cert_size, const uint8_t *challenge,
			   size_t challenge_size, rats_tls_error_t *err);
	/* The certificate to present when the peer sent a challenge: evidence
	 * made for it (same key). */
	int (*cert_for_challenge)(void *core, const uint8_t *challenge, size_t challenge_size,
				  rats_tls_bytes_t *cert_der, rats_tls_error_t *err);
} rats_tls_core_callbacks_t;

typedef struct {
	bool server;
	bool mutual;	      /* the server requests and verifies a client certificate */
	bool verify_peer;     /* this side verifies the peer (client: always; server: mutual) */
	bool freshness;	      /* send challenges (ClientHello / CertificateRequest extension) */
	const uint8_t *cert_der; /* this side's certificate; may be empty (nullcrypto) */
	size_t cert_size;
	const uint8_t *key_der;	 /* PKCS#8 */
	size_t key_size;
	rats_tls_core_callbacks_t callbacks;
} rats_tls_tls_config_t;

/* The TLS extension carrying a freshness challenge (private-use range of
 * the TLS ExtensionType registry, RFC 8446 section 11). */
#define RATS_TLS_CHALLENGE_EXTENSION 0xff5a
#define RATS_TLS_CHALLENGE_SIZE	     32

typedef struct {
	/* A context for many connections (e.g. an SSL_CTX). config's buffers
	 * stay valid until cleanup or the next set_certificate. */
	int (*init)(const rats_tls_plugin_env_t *env, const rats_tls_tls_config_t *config, void **state,
		    rats_tls_error_t *err);
	/* Replaces the certificate and key (evidence renewal). */
	int (*set_certificate)(void *state, const uint8_t *cert_der, size_t cert_size, const uint8_t *key_der,
			       size_t key_size, rats_tls_error_t *err);
	/* Runs the handshake on fd (blocking). challenge: this side's nonce
	 * (freshness), NULL otherwise. Returns a session. */
	int (*negotiate)(void *state, int fd, const uint8_t *challenge, size_t challenge_size, void **session,
			 rats_tls_error_t *err);
	/* *size: in, bytes to send / room; out, bytes sent / received (0 at EOF). */
	int (*transmit)(void *session, const void *buf, size_t *size, rats_tls_error_t *err);
	int (*receive)(void *session, void *buf, size_t *size, rats_tls_error_t *err);
	/* Ends the session (close_notify when possible); does not close fd. */
	void (*close_session)(void *session);
	void (*cleanup)(void *state);
} rats_tls_tls_ops_t;

/* ---- the descriptor ----------------------------------------------------- */

typedef struct {
	uint32_t abi_version; /* RATS_TLS_PLUGIN_ABI_VERSION */
	uint32_t kind;	      /* rats_tls_plugin_kind_t */
	const char *name;     /* "sgx_ecdsa", "openssl", ... */
	/* The evidence format an attester produces or a verifier handles
	 * ("sgx_ecdsa", "tdx_ecdsa", "sgx_la", "sev_snp"; "nullverifier" accepts
	 * any); equals name for wrappers. */
	const char *type;
	uint8_t priority; /* higher wins when the application names none */
	const void *ops;  /* rats_tls_{attester,verifier,crypto,tls}_ops_t by kind */
} rats_tls_plugin_t;

typedef const rats_tls_plugin_t *(*rats_tls_plugin_entry_fn)(void);

/* Registers a statically linked plugin (before rats_tls_init). A plugin of
 * the same kind and name replaces a loaded one. */
rats_tls_err_t rats_tls_register_plugin(const rats_tls_plugin_t *plugin);

#ifdef __cplusplus
}
#endif

#endif /* RATS_TLS_PLUGIN_H_ */
