/* Options shared by the sample server and client: upstream's flags
 * (-a -v -t -c -m -e -l -i -p -D -h) and long-only Inclavare extensions. */
#ifndef RATS_TLS_SAMPLE_COMMON_H_
#define RATS_TLS_SAMPLE_COMMON_H_

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rats-tls/api.h>
#include <rats-tls/log.h>

struct sample_opts {
	const char *attester, *verifier, *tls, *crypto;
	bool mutual, endorsements, debug_enclave, freshness, json;
	rats_tls_log_level_t log_level;
	const char *ip;
	int port;
	long count; /* server: connections to serve, 0 = forever */
	rats_tls_ext_conf_t ext;
};

enum {
	OPT_POLICY = 1000,
	OPT_SIM_DIR,
	OPT_ROOT_CA,
	OPT_COLLATERAL,
	OPT_AESM_SOCKET,
	OPT_FRESHNESS,
	OPT_LIFETIME,
	OPT_PLUGIN_DIR,
	OPT_COUNT,
	OPT_JSON,
	OPT_VERIFY_TIME,
	OPT_SNP_VCEK,
	OPT_SNP_ASK_ARK,
};

static int sample_parse_level(const char *s, rats_tls_log_level_t *out)
{
	static const char *const names[] = { "debug", "info", "warn", "error", "fatal", "off" };
	for (int i = 0; i < 6; i++) {
		if (!strcasecmp(s, names[i])) {
			*out = (rats_tls_log_level_t)i;
			return 0;
		}
	}
	return -1;
}

static void sample_usage(const char *prog, bool server)
{
	printf("Usage: %s [options]\n\n"
	       "  -a, --attester NAME      attester (nullattester, sgx_ecdsa, sgx_la, tdx_ecdsa; default: best)\n"
	       "  -v, --verifier NAME      verifier (nullverifier, sgx_ecdsa, ...; default: by the peer's evidence)\n"
	       "  -t, --tls NAME           TLS wrapper (openssl, nulltls)\n"
	       "  -c, --crypto NAME        crypto wrapper (openssl, nullcrypto)\n"
	       "  -m, --mutual             mutual attestation\n"
	       "%s"
	       "  -l, --log-level LEVEL    debug, info, warn, error, fatal, off\n"
	       "  -i, --ip ADDR            %s address (default 127.0.0.1)\n"
	       "  -p, --port PORT          TCP port (default 1234)\n"
	       "  -D, --debug-enclave      make evidence of a DEBUG enclave (sim platform)\n"
	       "  -h, --help               this help\n"
	       "Inclavare extensions:\n"
	       "      --policy FILE        appraisal policy (JSON) for the peer's evidence\n"
	       "      --sim-dir DIR        use and trust the SIMULATED SGX platform of DIR (tests, demos)\n"
	       "      --root-ca FILE       DCAP trust anchors replacing Intel's root\n"
	       "      --collateral PATH    DCAP collateral (dcap-qvl JSON or directory)\n"
	       "      --aesm-socket PATH   AESM socket (default /var/run/aesmd/aesm.socket)\n"
	       "      --snp-vcek FILE, --snp-ask-ark FILE   SEV-SNP certificates\n"
	       "      --freshness          challenge the peer; answer challenges\n"
	       "      --evidence-lifetime SECONDS\n"
	       "      --plugin-dir DIR     plugin directory\n"
	       "      --verify-time UNIX   verify at this time\n"
	       "      --json               print the verified peer as JSON\n"
	       "%s",
	       prog, server ? "  -e, --endorsements       put endorsements (collateral) into the certificate\n" : "",
	       server ? "listening" : "server",
	       server ? "      --count N            serve N connections, then exit (default: forever)\n" : "");
}

/* Returns 0, or exits on a usage error. */
static void sample_parse(int argc, char **argv, bool server, struct sample_opts *o)
{
	static const struct option long_options[] = {
		{ "attester", required_argument, NULL, 'a' },
		{ "verifier", required_argument, NULL, 'v' },
		{ "tls", required_argument, NULL, 't' },
		{ "crypto", required_argument, NULL, 'c' },
		{ "mutual", no_argument, NULL, 'm' },
		{ "endorsements", no_argument, NULL, 'e' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "ip", required_argument, NULL, 'i' },
		{ "port", required_argument, NULL, 'p' },
		{ "debug-enclave", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "sim-dir", required_argument, NULL, OPT_SIM_DIR },
		{ "root-ca", required_argument, NULL, OPT_ROOT_CA },
		{ "collateral", required_argument, NULL, OPT_COLLATERAL },
		{ "aesm-socket", required_argument, NULL, OPT_AESM_SOCKET },
		{ "freshness", no_argument, NULL, OPT_FRESHNESS },
		{ "evidence-lifetime", required_argument, NULL, OPT_LIFETIME },
		{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verify-time", required_argument, NULL, OPT_VERIFY_TIME },
		{ "snp-vcek", required_argument, NULL, OPT_SNP_VCEK },
		{ "snp-ask-ark", required_argument, NULL, OPT_SNP_ASK_ARK },
		{ 0, 0, 0, 0 }
	};
	memset(o, 0, sizeof(*o));
	o->attester = o->verifier = o->tls = o->crypto = "";
	o->log_level = RATS_TLS_LOG_LEVEL_INFO;
	o->ip = "127.0.0.1";
	o->port = 1234;
	const char *shortopts = server ? "a:v:t:c:mel:i:p:Dh" : "a:v:t:c:ml:i:p:Dh";
	int opt;
	char *end;
	while ((opt = getopt_long(argc, argv, shortopts, long_options, NULL)) != -1) {
		switch (opt) {
		case 'a': o->attester = optarg; break;
		case 'v': o->verifier = optarg; break;
		case 't': o->tls = optarg; break;
		case 'c': o->crypto = optarg; break;
		case 'm': o->mutual = true; break;
		case 'e': o->endorsements = true; break;
		case 'l':
			if (sample_parse_level(optarg, &o->log_level)) {
				fprintf(stderr, "%s: --log-level %s: use debug, info, warn, error, fatal or off\n", argv[0], optarg);
				exit(2);
			}
			break;
		case 'i': o->ip = optarg; break;
		case 'p':
			o->port = (int)strtol(optarg, &end, 10);
			if (*end || o->port <= 0 || o->port > 65535) {
				fprintf(stderr, "%s: --port %s: not a TCP port\n", argv[0], optarg);
				exit(2);
			}
			break;
		case 'D': o->debug_enclave = true; break;
		case OPT_POLICY: o->ext.policy_file = optarg; break;
		case OPT_SIM_DIR: o->ext.sim_dir = optarg; break;
		case OPT_ROOT_CA: o->ext.root_ca_file = optarg; break;
		case OPT_COLLATERAL: o->ext.collateral = optarg; break;
		case OPT_AESM_SOCKET: o->ext.aesm_socket = optarg; break;
		case OPT_SNP_VCEK: o->ext.snp_vcek_file = optarg; break;
		case OPT_SNP_ASK_ARK: o->ext.snp_ask_ark_file = optarg; break;
		case OPT_FRESHNESS: o->ext.freshness = true; break;
		case OPT_PLUGIN_DIR: o->ext.plugin_dir = optarg; break;
		case OPT_JSON: o->json = true; break;
		case OPT_LIFETIME:
			o->ext.evidence_lifetime = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !o->ext.evidence_lifetime) {
				fprintf(stderr, "%s: --evidence-lifetime %s: seconds > 0\n", argv[0], optarg);
				exit(2);
			}
			break;
		case OPT_VERIFY_TIME:
			o->ext.verify_time = strtoll(optarg, &end, 10);
			if (*end) {
				fprintf(stderr, "%s: --verify-time %s: Unix seconds\n", argv[0], optarg);
				exit(2);
			}
			break;
		case OPT_COUNT:
			o->count = strtol(optarg, &end, 10);
			if (*end || o->count < 0) {
				fprintf(stderr, "%s: --count %s: a number >= 0\n", argv[0], optarg);
				exit(2);
			}
			break;
		case 'h': sample_usage(argv[0], server); exit(0);
		default: sample_usage(argv[0], server); exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		exit(2);
	}
	o->ext.debug_enclave = o->debug_enclave;
}

static int sample_copy_name(char *dst, size_t cap, const char *src, const char *what)
{
	if (strlen(src) >= cap) {
		fprintf(stderr, "%s name '%s' is too long\n", what, src);
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

static int sample_conf(const struct sample_opts *o, rats_tls_conf_t *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->api_version = RATS_TLS_API_VERSION_2;
	conf->log_level = o->log_level;
	if (sample_copy_name(conf->attester_type, sizeof(conf->attester_type), o->attester, "attester") ||
	    sample_copy_name(conf->verifier_type, sizeof(conf->verifier_type), o->verifier, "verifier") ||
	    sample_copy_name(conf->tls_type, sizeof(conf->tls_type), o->tls, "tls") ||
	    sample_copy_name(conf->crypto_type, sizeof(conf->crypto_type), o->crypto, "crypto"))
		return -1;
	conf->cert_algo = RATS_TLS_CERT_ALGO_DEFAULT;
	if (o->mutual)
		conf->flags |= RATS_TLS_CONF_FLAGS_MUTUAL;
	if (o->endorsements)
		conf->flags |= RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS;
	conf->ext = o->ext;
	return 0;
}

static void sample_print_peer(rats_tls_handle h)
{
	char buf[16384];
	size_t len = sizeof(buf);
	if (rats_tls_get_peer_evidence_json(h, buf, &len) == RATS_TLS_ERR_NONE)
		printf("peer: %s\n", buf);
}

#endif
