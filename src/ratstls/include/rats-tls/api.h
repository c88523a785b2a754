/* Rats-TLS: TLS whose certificates carry TEE evidence bound to the TLS key.
 *
 * Source-compatible with the upstream project's <rats-tls/api.h>: the same
 * functions, rats_tls_conf_t fields and flags, log levels and error codes, so
 * programs written for upstream rats-tls build against this library
 * unchanged. Inclavare extensions (appraisal policy, trust anchors,
 * collateral, freshness, evidence lifetime) live in conf.ext and are read
 * only when conf.api_version >= RATS_TLS_API_VERSION_2; a conf zeroed and
 * filled the upstream way (api_version 0 or 1) never reaches them.
 *
 *   rats_tls_conf_t conf;
 *   memset(&conf, 0, sizeof(conf));
 *   conf.api_version = RATS_TLS_API_VERSION_2;
 *   conf.log_level = RATS_TLS_LOG_LEVEL_INFO;
 *   strcpy(conf.attester_type, "sgx_ecdsa");         // "" = best available
 *   conf.flags = RATS_TLS_CONF_FLAGS_SERVER;
 *   conf.ext.policy_file = "/etc/app/policy.json";     // optional
 *   rats_tls_handle h;
 *   if (rats_tls_init(&conf, &h) != RATS_TLS_ERR_NONE) { ... rats_tls_last_error(NULL) ... }
 *   rats_tls_set_verification_callback(&h, NULL);
 *   rats_tls_negotiate(h, fd);  rats_tls_transmit(h, buf, &len);  ...
 *   rats_tls_cleanup(h);
 *
 * A handle makes its key pair and evidence once (rats_tls_init) and reuses
 * them for every connection until conf.ext.evidence_lifetime runs out; one
 * handle serves one connection at a time (rats_tls_negotiate on a handle
 * replaces its previous connection). Handles are independent: use one per
 * thread. See docs/rats-tls.md. */
#ifndef RATS_TLS_API_H_
#define RATS_TLS_API_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rats-tls/err.h>
#include <rats-tls/claim.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLS_TYPE_NAME_SIZE		32
#define ENCLAVE_ATTESTER_TYPE_NAME_SIZE 32
#define ENCLAVE_VERIFIER_TYPE_NAME_SIZE 32
#define CRYPTO_TYPE_NAME_SIZE		32
#define ENCLAVE_SGX_SPID_LENGTH		16

typedef enum {
	RATS_TLS_LOG_LEVEL_DEBUG,
	RATS_TLS_LOG_LEVEL_INFO,
	RATS_TLS_LOG_LEVEL_WARN,
	RATS_TLS_LOG_LEVEL_ERROR,
	RATS_TLS_LOG_LEVEL_FATAL,
	RATS_TLS_LOG_LEVEL_NONE,
	RATS_TLS_LOG_LEVEL_MAX,
	RATS_TLS_LOG_LEVEL_DEFAULT = RATS_TLS_LOG_LEVEL_ERROR
} rats_tls_log_level_t;

typedef struct rtls_core_context_t *rats_tls_handle;

typedef enum {
	RATS_TLS_CERT_ALGO_RSA_3072_SHA256,
	RATS_TLS_CERT_ALGO_ECC_256_SHA256,
	RATS_TLS_CERT_ALGO_MAX,
	RATS_TLS_CERT_ALGO_DEFAULT, /* ECC P-256 */
} rats_tls_cert_algo_t;

/* Inclavare extensions to the configuration (api_version >= 2). Strings are
 * copied by rats_tls_init; NULL or "" means "not set". */
typedef struct {
	/* Appraisal policy for the peer's evidence: a JSON file in the format of
	 * docs/attestation.md ("mr_enclave", "mr_signer", "allow_debug",
	 * "accepted_statuses", ...). Without one: debug enclaves and TDs are
	 * refused, every TCB status except Revoked is accepted. */
	const char *policy_file;
	/* Trust anchors (PEM or DER) for DCAP quotes, replacing the built-in
	 * Intel SGX Root CA. */
	const char *root_ca_file;
	/* Collateral for DCAP quotes whose certificate carries no endorsements: a
	 * dcap-qvl collateral JSON file, a directory holding tcb_info.json,
	 * qe_identity.json, pck_platform_ca.crl.{der,pem} and optionally
	 * root_ca.crl.{der,pem}, tcb_signing_chain.pem, or the base URL
	 * ("https://..." / "http://...") of an Intel PCS or PCCS (API v4), from
	 * which the collateral for each quote's FMSPC is fetched and cached until
	 * its nextUpdate. */
	const char *collateral;
	/* The SIMULATED SGX platform's state directory (sgx-tools sim init):
	 * attesters make sim evidence with it, and verifiers trust its root and
	 * collateral. Never set this in production: sim evidence proves nothing
	 * about hardware. Only this setting makes sim quotes verify. */
	const char *sim_dir;
	/* AESM socket for sgx_ecdsa quotes; default /var/run/aesmd/aesm.socket. */
	const char *aesm_socket;
	/* SEV-SNP: the VCEK (PEM/DER) and the ASK+ARK chain (PEM). */
	const char *snp_vcek_file;
	const char *snp_ask_ark_file;
	/* Directory of the plugin shared objects (attesters/, verifiers/,
	 * tls-wrappers/, crypto-wrappers/); default: $RATS_TLS_PLUGIN_DIR, else
	 * the directory installed with the library. */
	const char *plugin_dir;
	/* Seconds the handle's key and evidence are reused; 0: 3600. */
	unsigned int evidence_lifetime;
	/* Freshness: send a random challenge to the peer and require its
	 * evidence to carry it as the "nonce" claim, so that a recorded
	 * certificate cannot be replayed; as attester, answer the peer's
	 * challenge with evidence made for it (one quote per such handshake). */
	bool freshness;
	/* Let the sgx attesters make evidence of a DEBUG enclave (sim platform). */
	bool debug_enclave;
	/* Verify at this Unix time instead of now (tests of expired collateral). */
	int64_t verify_time;
} rats_tls_ext_conf_t;

typedef struct {
	unsigned int api_version;
	unsigned long flags;
	rats_tls_log_level_t log_level;
	char tls_type[TLS_TYPE_NAME_SIZE];
	char attester_type[ENCLAVE_ATTESTER_TYPE_NAME_SIZE];
	char verifier_type[ENCLAVE_VERIFIER_TYPE_NAME_SIZE];
	char crypto_type[CRYPTO_TYPE_NAME_SIZE];
	rats_tls_cert_algo_t cert_algo;
	claim_t *custom_claims;
	size_t custom_claims_length;

	/* SGX EPID quote parameters (EPID is not supported: valid must be false). */
	struct {
		bool valid;
		uint8_t spid[ENCLAVE_SGX_SPID_LENGTH];
		bool linkable;
	} quote_sgx_epid;

	/* SGX ECDSA quote parameters (accepted, unused). */
	struct {
		bool valid;
		uint8_t cert_type;
	} quote_sgx_ecdsa;

	/* Read only when api_version >= RATS_TLS_API_VERSION_2. */
	rats_tls_ext_conf_t ext;
} rats_tls_conf_t;

typedef struct rtls_sgx_evidence {
	uint8_t *mr_enclave;
	uint8_t *mr_signer;
	uint32_t product_id;
	uint32_t security_version;
	uint8_t *attributes;
	size_t collateral_size;
	char *collateral;
} rtls_sgx_evidence_t;

typedef struct rtls_tdx_evidence {
	uint8_t *mrseam;
	uint8_t *mrseamsigner;
	uint8_t *tcb_svns;
	uint8_t *cpu_svn;
	uint8_t *mrtd;
	/* the first of the four 48-byte RTMRs */
	uint8_t *rtmr;
	uint8_t *tdel_info;
	uint32_t tdel_info_sz;
	uint8_t *tdel_data;
	uint32_t tdel_data_sz;
} rtls_tdx_evidence_t;

typedef struct rtls_csv_evidence {
	uint8_t *vm_id;
	uint32_t vm_id_sz;
	uint8_t *vm_version;
	uint32_t vm_version_sz;
	uint8_t *measure;
	uint32_t measure_sz;
	uint8_t *policy;
	uint32_t policy_sz;
} rtls_csv_evidence_t;

typedef struct ehd {
	void *public_key;
	int user_data_size;
	char *user_data;
	int unhashed_size;
	char *unhashed;
} ehd_t;

/* SEV_SNP and NO_EVIDENCE are Inclavare additions after upstream's values. */
typedef enum { SGX_ECDSA = 1, TDX_ECDSA, CSV, SGX_LA, SEV_SNP, NO_EVIDENCE } enclave_evidence_type_t;

/* What the verification callback receives: the peer's evidence after every
 * check passed (key binding, signatures, collateral, policy). Pointers stay
 * valid during the callback only. */
typedef struct rtls_evidence {
	enclave_evidence_type_t type;
	claim_t *custom_claims;
	size_t custom_claims_length;
	ehd_t ehd;
	int quote_size;
	char *quote;
	union {
		rtls_sgx_evidence_t sgx;
		rtls_tdx_evidence_t tdx;
		rtls_csv_evidence_t csv;
	};
} rtls_evidence_t;

#define RATS_TLS_API_VERSION_1	     1
#define RATS_TLS_API_VERSION_2	     2 /* adds conf.ext */
#define RATS_TLS_API_VERSION_MAX     RATS_TLS_API_VERSION_2
#define RATS_TLS_API_VERSION_DEFAULT RATS_TLS_API_VERSION_1

#define RATS_TLS_CONF_FLAGS_GLOBAL_MASK_SHIFT  0
#define RATS_TLS_CONF_FLAGS_PRIVATE_MASK_SHIFT 32
#define RATS_TLS_CONF_FLAGS_GLOBAL_MASK	       ((1UL << RATS_TLS_CONF_FLAGS_PRIVATE_MASK_SHIFT) - 1)
#define RATS_TLS_CONF_FLAGS_PRIVATE_MASK       (~RATS_TLS_CONF_FLAGS_GLOBAL_MASK)

#define RATS_TLS_CONF_FLAGS_MUTUAL		 (1UL << 0)
#define RATS_TLS_CONF_FLAGS_SERVER		 (RATS_TLS_CONF_FLAGS_MUTUAL << 1)
#define RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS (RATS_TLS_CONF_FLAGS_SERVER << 1)
/* Internal flags */
#define RATS_TLS_CONF_FLAGS_ATTESTER_ENFORCED (1UL << RATS_TLS_CONF_FLAGS_PRIVATE_MASK_SHIFT)
#define RATS_TLS_CONF_FLAGS_VERIFIER_ENFORCED (RATS_TLS_CONF_FLAGS_ATTESTER_ENFORCED << 1)

/* Called with a rtls_evidence_t *; return nonzero to accept the peer, 0 to
 * refuse it (the handshake then fails). */
typedef int (*rats_tls_callback_t)(void *);

rats_tls_err_t rats_tls_init(const rats_tls_conf_t *conf, rats_tls_handle *handle);
/* NULL installs the default callback, which logs the peer's identity at INFO
 * level and accepts (the evidence and the policy were already checked). */
rats_tls_err_t rats_tls_set_verification_callback(rats_tls_handle *handle, rats_tls_callback_t user_callback);
rats_tls_err_t rats_tls_negotiate(rats_tls_handle handle, int fd);
rats_tls_err_t rats_tls_receive(rats_tls_handle handle, void *buf, size_t *buf_size);
rats_tls_err_t rats_tls_transmit(rats_tls_handle handle, void *buf, size_t *buf_size);
rats_tls_err_t rats_tls_cleanup(rats_tls_handle handle);

/* Inclavare extensions. */

/* The reason for the last failure on this handle (or, with NULL, the last
 * failure of rats_tls_init in this thread): a NUL-terminated string owned by
 * the library, "" when there was none. */
const char *rats_tls_last_error(rats_tls_handle handle);

/* The verified peer of the current connection as JSON ({"evidence_type":
 * "sgx_ecdsa", "tcb_status": ..., "claims": {...}, "custom_claims": {...}}),
 * copied into buf (NUL-terminated). *buf_size: in, the size of buf; out, the
 * size needed including the NUL. RATS_TLS_ERR_INVALID when no peer was
 * verified or buf is too small (then *buf_size says how much is needed). */
rats_tls_err_t rats_tls_get_peer_evidence_json(rats_tls_handle handle, char *buf, size_t *buf_size);

/* The DER certificate this handle presents (its key and evidence), for
 * tools and tests. Same size convention as above. */
rats_tls_err_t rats_tls_get_certificate(rats_tls_handle handle, uint8_t *buf, size_t *buf_size);

#ifdef __cplusplus
}
#endif

#endif /* RATS_TLS_API_H_ */
