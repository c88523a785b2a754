/* Source compatibility with upstream rats-tls: this program uses the API the
 * way upstream's sample server and client do (memset conf, api_version left
 * 0, strcpy of the plugin names, claim_t designated initializers, the
 * RTLS_* log macros and global_log_level, the flags and error codes), and
 * runs a nullattester/nullverifier round trip over a socketpair with it.
 * Exit 0 when everything worked. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rats-tls/api.h>
#include <rats-tls/claim.h>
#include <rats-tls/log.h>

static int server_fd, client_fd;
static rats_tls_err_t server_ret = RATS_TLS_ERR_UNKNOWN;

static int user_callback(void *args)
{
	rtls_evidence_t *ev = (rtls_evidence_t *)args;
	RTLS_INFO("evidence type %d, %zu custom claims\n", ev->type, ev->custom_claims_length);
	return 1;
}

static void *server_main(void *arg)
{
	(void)arg;
	rats_tls_conf_t conf;
	memset(&conf, 0, sizeof(conf));
	conf.log_level = RATS_TLS_LOG_LEVEL_ERROR;
	strcpy(conf.attester_type, "nullattester");
	strcpy(conf.verifier_type, "nullverifier");
	strcpy(conf.tls_type, "openssl");
	strcpy(conf.crypto_type, "openssl");
	claim_t custom_claims[2] = {
		{ .name = "key_0", .value = (uint8_t *)"value_0", .value_size = sizeof("value_0") },
		{ .name = "key_1", .value = (uint8_t *)"value_1", .value_size = sizeof("value_1") },
	};
	conf.custom_claims = (claim_t *)custom_claims;
	conf.custom_claims_length = 2;
	conf.cert_algo = RATS_TLS_CERT_ALGO_DEFAULT;
	conf.flags |= RATS_TLS_CONF_FLAGS_SERVER;

	rats_tls_handle handle;
	rats_tls_err_t ret = rats_tls_init(&conf, &handle);
	if (ret != RATS_TLS_ERR_NONE) {
		RTLS_ERR("Failed to initialize rats tls %#x\n", ret);
		shutdown(server_fd, SHUT_RDWR); /* the client must not wait for us */
		server_ret = ret;
		return NULL;
	}
	ret = rats_tls_set_verification_callback(&handle, NULL);
	if (ret == RATS_TLS_ERR_NONE)
		ret = rats_tls_negotiate(handle, server_fd);
	if (ret == RATS_TLS_ERR_NONE) {
		char buf[256];
		size_t len = sizeof(buf);
		ret = rats_tls_receive(handle, buf, &len);
		if (ret == RATS_TLS_ERR_NONE)
			ret = rats_tls_transmit(handle, buf, &len);
	}
	if (ret != RATS_TLS_ERR_NONE)
		RTLS_ERR("server failed %#x\n", ret);
	shutdown(server_fd, SHUT_RDWR);
	rats_tls_cleanup(handle);
	server_ret = ret;
	return NULL;
}

int main(void)
{
	global_log_level = RATS_TLS_LOG_LEVEL_ERROR;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	server_fd = sv[0];
	client_fd = sv[1];
	pthread_t t;
	pthread_create(&t, NULL, server_main, NULL);

	rats_tls_conf_t conf;
	memset(&conf, 0, sizeof(conf));
	conf.log_level = RATS_TLS_LOG_LEVEL_ERROR;
	strcpy(conf.attester_type, "");
	strcpy(conf.verifier_type, "nullverifier");
	strcpy(conf.tls_type, "");
	strcpy(conf.crypto_type, "");
	conf.cert_algo = RATS_TLS_CERT_ALGO_DEFAULT;

	rats_tls_handle handle;
	rats_tls_err_t ret = rats_tls_init(&conf, &handle);
	if (ret != RATS_TLS_ERR_NONE) {
		RTLS_ERR("Failed to initialize rats tls %#x\n", ret);
		return 1;
	}
	ret = rats_tls_set_verification_callback(&handle, user_callback);
	if (ret == RATS_TLS_ERR_NONE)
		ret = rats_tls_negotiate(handle, client_fd);
	const char *msg = "Hello and welcome to RATS-TLS!\n";
	char buf[256];
	size_t len = strlen(msg);
	if (ret == RATS_TLS_ERR_NONE)
		ret = rats_tls_transmit(handle, (void *)msg, &len);
	if (ret == RATS_TLS_ERR_NONE) {
		len = sizeof(buf) - 1;
		ret = rats_tls_receive(handle, buf, &len);
	}
	rats_tls_cleanup(handle);
	pthread_join(t, NULL);
	if (ret != RATS_TLS_ERR_NONE || server_ret != RATS_TLS_ERR_NONE) {
		fprintf(stderr, "round trip failed: client %#x server %#x\n", ret, server_ret);
		return 1;
	}
	buf[len] = '\0';
	if (strcmp(buf, msg)) {
		fprintf(stderr, "echo mismatch\n");
		return 1;
	}
	printf("upstream-style round trip: ok\n");
	return 0;
}
