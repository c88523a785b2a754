/* rats-tls-client: the sample attested TLS client. Connects, runs the
 * attested handshake (verifying the server's evidence), sends a greeting and
 * checks that the server echoes it. Exit 0 on success. Flags: -h. */
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
	sample_parse(argc, argv, false, &o);
	global_log_level = o.log_level;
	signal(SIGPIPE, SIG_IGN);

	rats_tls_conf_t conf;
	if (sample_conf(&o, &conf))
		return 2;

	int sockfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)o.port);
	if (inet_pton(AF_INET, o.ip, &a.sin_addr) != 1) {
		fprintf(stderr, "rats-tls-client: --ip %s: not an IPv4 address\n", o.ip);
		return 2;
	}
	if (sockfd < 0 || connect(sockfd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "rats-tls-client: connect to %s:%d: %m\n", o.ip, o.port);
		return 1;
	}

	rats_tls_handle handle;
	rats_tls_err_t ret = rats_tls_init(&conf, &handle);
	if (ret != RATS_TLS_ERR_NONE) {
		fprintf(stderr, "rats-tls-client: init failed (%#x): %s\n", ret, rats_tls_last_error(NULL));
		return 1;
	}
	rats_tls_set_verification_callback(&handle, NULL);
	ret = rats_tls_negotiate(handle, sockfd);
	if (ret != RATS_TLS_ERR_NONE) {
		fprintf(stderr, "rats-tls-client: handshake failed (%#x): %s\n", ret, rats_tls_last_error(handle));
		rats_tls_cleanup(handle);
		return 1;
	}
	if (o.json)
		sample_print_peer(handle);

	const char *msg = "Hello and welcome to RATS-TLS!\n";
	size_t len = strlen(msg);
	ret = rats_tls_transmit(handle, (void *)msg, &len);
	if (ret != RATS_TLS_ERR_NONE || len != strlen(msg)) {
		fprintf(stderr, "rats-tls-client: transmit failed: %s\n", rats_tls_last_error(handle));
		rats_tls_cleanup(handle);
		return 1;
	}
	char buf[256];
	size_t got = 0;
	while (got < strlen(msg)) {
		len = sizeof(buf) - 1 - got;
		ret = rats_tls_receive(handle, buf + got, &len);
		if (ret != RATS_TLS_ERR_NONE || len == 0)
			break;
		got += len;
	}
	buf[got] = '\0';
	printf("Server: %s", buf);
	int rc = strcmp(buf, msg) ? 1 : 0;
	if (rc)
		fprintf(stderr, "rats-tls-client: the server's answer differs from the greeting\n");
	rats_tls_cleanup(handle);
	close(sockfd);
	return rc;
}
