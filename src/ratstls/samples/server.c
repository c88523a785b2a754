/* rats-tls-server: the sample attested TLS server. Accepts connections,
 * runs the attested handshake, reads one message and answers it (echo), as
 * upstream's sample server does. Flags: rats-tls-server -h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv)
{
	struct sample_opts o;
	sample_parse(argc, argv, true, &o);
	global_log_level = o.log_level;
	signal(SIGPIPE, SIG_IGN);

	rats_tls_conf_t conf;
	if (sample_conf(&o, &conf))
		return 2;
	conf.flags |= RATS_TLS_CONF_FLAGS_SERVER;
	claim_t claims[2] = {
		{ .name = "key_0", .value = (uint8_t *)"value_0", .value_size = sizeof("value_0") },
		{ .name = "key_1", .value = (uint8_t *)"value_1", .value_size = sizeof("value_1") },
	};
	conf.custom_claims = claims;
	conf.custom_claims_length = 2;

	int sockfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sockfd < 0) {
		perror("socket");
		return 1;
	}
	int one = 1;
	setsockopt(sockfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)o.port);
	if (inet_pton(AF_INET, o.ip, &a.sin_addr) != 1) {
		fprintf(stderr, "rats-tls-server: --ip %s: not an IPv4 address\n", o.ip);
		return 2;
	}
	if (bind(sockfd, (struct sockaddr *)&a, sizeof(a)) || listen(sockfd, 16)) {
		fprintf(stderr, "rats-tls-server: listen on %s:%d: %m\n", o.ip, o.port);
		return 1;
	}

	rats_tls_handle handle;
	rats_tls_err_t ret = rats_tls_init(&conf, &handle);
	if (ret != RATS_TLS_ERR_NONE) {
		fprintf(stderr, "rats-tls-server: init failed (%#x): %s\n", ret, rats_tls_last_error(NULL));
		return 1;
	}
	rats_tls_set_verification_callback(&handle, NULL);
	RTLS_INFO("listening on %s:%d\n", o.ip, o.port);
	printf("ready\n");
	fflush(stdout);

	int failures = 0;
	for (long served = 0; o.count == 0 || served < o.count; served++) {
		int conn = accept4(sockfd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			perror("accept");
			continue;
		}
		ret = rats_tls_negotiate(handle, conn);
		if (ret != RATS_TLS_ERR_NONE) {
			fprintf(stderr, "rats-tls-server: handshake failed (%#x): %s\n", ret, rats_tls_last_error(handle));
			failures++;
			close(conn);
			continue;
		}
		if (o.json && o.mutual)
			sample_print_peer(handle);
		char buf[256];
		size_t len = sizeof(buf) - 1;
		ret = rats_tls_receive(handle, buf, &len);
		if (ret != RATS_TLS_ERR_NONE) {
			fprintf(stderr, "rats-tls-server: receive failed: %s\n", rats_tls_last_error(handle));
			failures++;
			close(conn);
			continue;
		}
		buf[len] = '\0';
		RTLS_INFO("client: %s", buf);
		ret = rats_tls_transmit(handle, buf, &len);
		if (ret != RATS_TLS_ERR_NONE) {
			fprintf(stderr, "rats-tls-server: transmit failed: %s\n", rats_tls_last_error(handle));
			failures++;
		}
		close(conn);
	}
	rats_tls_cleanup(handle);
	close(sockfd);
	return failures ? 1 : 0;
}
