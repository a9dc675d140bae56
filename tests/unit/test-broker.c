/* test-broker.c: pid 1's publish broker (proto.h) against real loopback sockets: what it connects, and what closes it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child-init.h"
#include "config.h"
#include "proto.h"
#include "tap.h"
#include "wire.h"

/* A listener on 127.0.0.1 at a port the kernel picks; its port in *port. */
static int listener(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

/* A port nothing listens on: one the kernel gave a listener that is closed again. */
static uint16_t free_port(void)
{
	uint16_t port;

	close(listener(&port));
	return port;
}

static void ask(int fd, uint8_t family, uint16_t port)
{
	uint8_t req[BROKER_REQ_SIZE] = { family, (uint8_t)(port >> 8), (uint8_t)port };

	if (send(fd, req, sizeof(req), 0) != (ssize_t)sizeof(req))
		abort();
}

/* The broker's answer: its status byte, and the socket that came with it (or -1); -1 when none came. */
static int answer(int fd, int *sock)
{
	uint8_t status;

	if (wire_recv_with_fd(fd, &status, 1, sock) < 0)
		return -1;
	return status;
}

/* Whether the connect of sock completed: false on an error or after 2 s. */
static bool connected(int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLOUT };
	int e = 0;
	socklen_t len = sizeof(e);

	return poll(&pfd, 1, 2000) == 1 && getsockopt(sock, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0;
}

/* A connection is waiting on the listener (accepted and closed here). */
static bool accepted(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int c;

	if (poll(&pfd, 1, 200) != 1)
		return false;
	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return false;
	close(c);
	return true;
}

/* A fresh broker pair: pair[0] is the proxy's end, b->fd pid 1's. */
static void broker_pair(int pair[2], struct init_broker *b)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0)
		abort();
	b->fd = pair[1];
}

/* A request not answered: the broker says it must close, and nothing was connected anywhere. */
static void check_refused(struct init_broker *b, const void *req, size_t len, int lfd, const char *what)
{
	int pair[2], sock = -1;

	broker_pair(pair, b);
	if (send(pair[0], req, len, 0) != (ssize_t)len)
		abort();
	ok(!init_broker_serve(b), "%s: the broker closes", what);
	ok(answer(pair[0], &sock) < 0 && sock < 0, "%s: no socket comes back", what);
	ok(lfd < 0 || !accepted(lfd), "%s: nothing was connected", what);
	close(pair[0]);
	close(pair[1]);
}

int main(void)
{
	uint16_t pub_port, other_port, dead_port;
	int pub_fd = listener(&pub_port);
	int other_fd = listener(&other_port);
	struct port_req reqs[2];
	struct port_list publish = { .v = reqs, .n = 2 };
	struct init_broker b = { .fd = -1, .publish = &publish };
	int pair[2], sock = -1;
	uint8_t req[BROKER_REQ_SIZE];

	dead_port = free_port();
	reqs[0] = (struct port_req){ .host_port = 1, .sandbox_port = pub_port };
	reqs[1] = (struct port_req){ .host_port = 2, .sandbox_port = dead_port };

	/* A published port: a socket connected to 127.0.0.1 at it comes back. */
	broker_pair(pair, &b);
	ask(pair[0], 4, pub_port);
	ok(init_broker_serve(&b), "a published port: the broker stays open");
	ok(answer(pair[0], &sock) == BROKER_OK && sock >= 0, "... and answers OK with a socket");
	ok(sock >= 0 && connected(sock), "... connected");
	ok(accepted(pub_fd), "... to the published port's server");
	if (sock >= 0)
		close(sock);

	/* Two requests in one go: two answers, in order. */
	ask(pair[0], 4, pub_port);
	ask(pair[0], 4, dead_port);
	ok(init_broker_serve(&b), "two requests at once: the broker stays open");
	ok(answer(pair[0], &sock) == BROKER_OK && sock >= 0, "... the first answered with a socket");
	if (sock >= 0)
		close(sock);
	accepted(pub_fd);
	{
		int st = answer(pair[0], &sock);
		int e = 0;
		socklen_t len = sizeof(e);
		bool refused = st == BROKER_REFUSED ||
			       (st == BROKER_OK && sock >= 0 && !connected(sock) &&
				getsockopt(sock, SOL_SOCKET, SO_ERROR, &e, &len) == 0);

		ok(refused, "... the second, a published port nobody listens on: refused (%d)", st);
		if (sock >= 0)
			close(sock);
	}
	/* The proxy hangs up: the broker closes. */
	close(pair[0]);
	ok(!init_broker_serve(&b), "the proxy's end closed: the broker closes");
	close(pair[1]);

	/* The control: the other port is served, to anyone who connects directly. */
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(other_port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		ok(c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 && accepted(other_fd),
		   "a port not published has a server (control)");
		if (c >= 0)
			close(c);
	}
	req[0] = 4;
	req[1] = (uint8_t)(other_port >> 8);
	req[2] = (uint8_t)other_port;
	check_refused(&b, req, sizeof(req), other_fd, "a port not published");
	req[0] = 6;
	check_refused(&b, req, sizeof(req), other_fd, "a port not published, IPv6");
	req[0] = 5;
	req[1] = (uint8_t)(pub_port >> 8);
	req[2] = (uint8_t)pub_port;
	check_refused(&b, req, sizeof(req), pub_fd, "family 5");
	req[0] = 4;
	check_refused(&b, req, 2, pub_fd, "a request of 2 bytes");
	{
		uint8_t longer[BROKER_REQ_SIZE + 1] = { 4, (uint8_t)(pub_port >> 8), (uint8_t)pub_port, 0 };

		check_refused(&b, longer, sizeof(longer), pub_fd, "a request of 4 bytes");
	}
	close(pub_fd);
	close(other_fd);
	return tap_done();
}
