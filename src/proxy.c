/* proxy.c: the filtered network's egress proxy, a process of its own: start-up, its seccomp filter, the event loop. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/securebits.h>
#include <netinet/in.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "proxy-dns.h"
#include "proxy-parse.h"
#include "proto.h"
#include "sys.h"
#include "wire.h"

#define BUF_SIZE (64 * 1024)
#define HEAD_TIMEOUT_MS 10000     /* SPEC 8: a request head arrives within 10 s */
#define CONNECT_TIMEOUT_MS 10000
#define MAX_PENDING_EVENTS 256

/* A pipe that relayed bytes pass through with splice(2), never copied into the proxy; zeroed: none. */
struct spipe {
	bool open, failed;         /* failed: none could be made, the buffer is used instead */
	bool big;                  /* enlarged to BIG_PIPE_SIZE, one of at most BIG_PIPES */
	int rd, wr;
	size_t held;               /* bytes in the pipe */
};

enum conn_state {
	C_FREE, C_SNIFF, C_HTTP_HEAD, C_SOCKS_GREET, C_SOCKS_REQ, C_RESOLVE, C_BROKER, C_CONNECT, C_RELAY, C_CLOSING
};

struct conn {
	enum conn_state st;
	uint32_t gen;              /* tells a late DNS answer for an earlier user of the slot */
	bool socks;
	bool forward;              /* tcp_host or tcp_publish: relayed as is, no request */
	bool publish;              /* tcp_publish: from the host, to the sandbox's port through the broker */
	bool asked;                /* C_BROKER: the request is with pid 1 */
	uint8_t family;            /* tcp_publish: 4, then 6 when nothing listens on 127.0.0.1 */
	int cfd, ufd;              /* client (sandbox) and upstream sockets */
	uint8_t *in;               /* client bytes not yet sent upstream */
	size_t in_len, in_off;
	uint8_t *out;              /* bytes for the client: replies, then upstream data */
	size_t out_len, out_off;
	bool c_eof, u_eof;         /* reads ended */
	struct spipe up, down;     /* splice(2) pipes: client to upstream, upstream to client */
	struct dest dest;
	struct http_req req;
	struct net_addr addrs[DNS_MAX_ADDRS];
	size_t n_addrs, next_addr;
	uint64_t deadline;         /* CLOCK_MONOTONIC ms, 0: none */
};

struct pending_event {
	uint16_t len;   /* up to 3 + 253: more than a uint8_t holds */
	uint8_t b[4 + HOST_NAME_MAX_LEN + 1];
};

/* A request with pid 1: the connection it is for, as the slot and its generation. */
struct broker_ask {
	uint16_t slot;
	uint32_t gen;
};

struct proxy {
	const struct proxy_input *in;
	int broker_fd;             /* -1: no tcp_publish, or pid 1 closed it */
	struct broker_ask asked[PROXY_BROKER_INFLIGHT]; /* a ring, in the order sent: pid 1 answers in order */
	size_t ask_head, n_asked;
	size_t n_published;        /* open tcp_publish connections */
	struct dns *dns;
	struct conn conns[PROXY_MAX_CONNS];
	size_t n_open;
	uint32_t gen;
	struct pending_event pending[MAX_PENDING_EVENTS];
	size_t n_pending;
	uint32_t lost;             /* events that found the queue full, not yet reported */
	bool parent_gone;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- events to the parent ---- */

static void event_flush(struct proxy *p)
{
	size_t sent = 0;

	while (sent < p->n_pending &&
	       send(p->in->event_fd, p->pending[sent].b, p->pending[sent].len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		sent++;
	memmove(p->pending, p->pending + sent, (p->n_pending - sent) * sizeof(p->pending[0]));
	p->n_pending -= sent;
	/* Once there is room again, the parent hears how many events were lost: never silently. */
	if (p->lost && p->n_pending < MAX_PENDING_EVENTS) {
		struct pending_event *e = &p->pending[p->n_pending++];

		e->b[0] = PROXY_EV_LOST;
		e->b[1] = (uint8_t)(p->lost >> 24);
		e->b[2] = (uint8_t)(p->lost >> 16);
		e->b[3] = (uint8_t)(p->lost >> 8);
		e->b[4] = (uint8_t)p->lost;
		e->len = 5;
		p->lost = 0;
	}
}

/* Queued first, so that events keep their order; an event that finds the queue full is lost. */
static void event_send(struct proxy *p, uint8_t type, const struct dest *d)
{
	struct pending_event *e;
	char host[INET6_ADDRSTRLEN > HOST_NAME_MAX_LEN + 1 ? INET6_ADDRSTRLEN : HOST_NAME_MAX_LEN + 1];
	size_t n;

	if (p->n_pending == MAX_PENDING_EVENTS) {
		p->lost++;
		return;
	}
	e = &p->pending[p->n_pending++];
	e->b[0] = type;
	e->len = 1;
	if (type == PROXY_EV_DENIED) {
		if (d->kind == DEST_NAME)
			snprintf(host, sizeof(host), "%s", d->name);
		else
			inet_ntop(d->addr.family == 4 ? AF_INET : AF_INET6, d->addr.a, host, sizeof(host));
		n = strlen(host);
		e->b[1] = (uint8_t)(d->port >> 8);
		e->b[2] = (uint8_t)d->port;
		memcpy(e->b + 3, host, n);
		e->len = (uint16_t)(3 + n);
	}
	event_flush(p);
}

/* ---- connections ---- */

/* Pipes enlarged now: their size counts against the user's pipe pages (fs.pipe-user-pages-soft), shared with the sandbox. */
static size_t n_big_pipes;

static void spipe_close(struct spipe *sp)
{
	n_big_pipes -= sp->big;
	if (sp->open) {
		close(sp->rd);
		close(sp->wr);
	}
}

static void conn_close(struct proxy *p, struct conn *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->ufd >= 0)
		close(c->ufd);
	spipe_close(&c->up);
	spipe_close(&c->down);
	free(c->in);
	free(c->out);
	if (c->publish)
		p->n_published--;
	memset(c, 0, sizeof(*c));
	c->st = C_FREE;
	c->cfd = c->ufd = -1;
	p->n_open--;
}

/* Queue bytes for the client and end the connection once they are out. */
static void reply_and_close(struct conn *c, const void *data, size_t len)
{
	if (len > BUF_SIZE - c->out_len)
		len = BUF_SIZE - c->out_len;
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	c->st = C_CLOSING;
	c->deadline = now_ms() + HEAD_TIMEOUT_MS;
}

static void http_reply(struct conn *c, const char *status, const char *extra, const char *body)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %s\r\n%sContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, extra, strlen(body), body);

	reply_and_close(c, buf, n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void socks_reply(struct conn *c, uint8_t code, bool close_after)
{
	const uint8_t r[10] = { 5, code, 0, 1, 0, 0, 0, 0, 0, 0 };

	if (close_after) {
		reply_and_close(c, r, sizeof(r));
		return;
	}
	memcpy(c->out + c->out_len, r, sizeof(r));
	c->out_len += sizeof(r);
}

static void bad_request(struct conn *c)
{
	if (c->socks)
		socks_reply(c, SOCKS_NOT_ALLOWED, true);
	else
		http_reply(c, "400 Bad Request", "",
			   "drop: bad proxy request: the host must be a well-formed name or address (no NUL, %, @ or empty label)\n");
}

/* A refusal: a name [net] allow does not name (why NULL), or one whose every address is refused. */
static void deny(struct proxy *p, struct conn *c, const char *why)
{
	char where[HOST_NAME_MAX_LEN + 16], extra[HOST_NAME_MAX_LEN + 40], body[2 * HOST_NAME_MAX_LEN + 160];

	event_send(p, PROXY_EV_DENIED, &c->dest);
	if (c->socks) {
		socks_reply(c, SOCKS_NOT_ALLOWED, true);
		return;
	}
	dest_format(&c->dest, where, sizeof(where));
	snprintf(extra, sizeof(extra), "X-Drop-Blocked: %s\r\n", where);
	if (why)
		snprintf(body, sizeof(body), "drop: %s is blocked: %s\n", where, why);
	else
		snprintf(body, sizeof(body), "drop: %s is blocked: it is not in [net] allow (add it there to reach it)\n",
			 where);
	http_reply(c, "403 Forbidden", extra, body);
}

static void unreachable(struct conn *c)
{
	char where[HOST_NAME_MAX_LEN + 16], body[HOST_NAME_MAX_LEN + 64];

	if (c->forward) {
		/* Nothing to say to the client: it is closed at once, as a refused connection would be. */
		reply_and_close(c, "", 0);
		c->deadline = now_ms();
		return;
	}
	if (c->socks) {
		socks_reply(c, SOCKS_HOST_UNREACHABLE, true);
		return;
	}
	dest_format(&c->dest, where, sizeof(where));
	snprintf(body, sizeof(body), "drop: cannot reach %s\n", where);
	http_reply(c, "502 Bad Gateway", "", body);
}

static void connected(struct proxy *p, struct conn *c)
{
	static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";

	c->st = C_RELAY;
	c->deadline = 0;
	if (c->forward)
		return;
	event_send(p, PROXY_EV_ALLOWED, NULL);
	if (c->socks) {
		socks_reply(c, SOCKS_OK, false);
	} else if (c->req.is_connect) {
		memcpy(c->out, established, sizeof(established) - 1);
		c->out_len = sizeof(established) - 1;
		c->in_off = c->req.head_len;
	} else {
		/* The head in origin form, one request per connection; then whatever followed it, as sent. */
		uint8_t head[PROXY_ORIGIN_HEAD_MAX];
		size_t n = http_origin_head(c->in, &c->req, head, sizeof(head));
		size_t rest = c->in_len - c->req.head_len;

		if (!n) { /* cannot happen with PROXY_ORIGIN_HEAD_MAX; never send the rest as a head */
			http_reply(c, "400 Bad Request", "", "drop: bad proxy request: the head is too long\n");
			return;
		}

		memmove(c->in + n, c->in + c->req.head_len, rest);
		memcpy(c->in, head, n);
		c->in_len = n + rest;
		c->in_off = 0;
	}
}

static void try_connect(struct proxy *p, struct conn *c)
{
	while (c->next_addr < c->n_addrs) {
		const struct net_addr *a = &c->addrs[c->next_addr++];
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(c->dest.port) };
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(c->dest.port) };
		int fd = socket(a->family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int rc;

		if (fd < 0)
			continue;
		memcpy(&s4.sin_addr, a->a, 4);
		memcpy(&s6.sin6_addr, a->a, 16);
		rc = a->family == 4 ? connect(fd, (struct sockaddr *)&s4, sizeof(s4)) :
				      connect(fd, (struct sockaddr *)&s6, sizeof(s6));
		c->ufd = fd;
		if (rc == 0) {
			connected(p, c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->st = C_CONNECT;
			c->deadline = now_ms() + CONNECT_TIMEOUT_MS;
			return;
		}
		close(fd);
		c->ufd = -1;
	}
	unreachable(c);
}

/* ---- tcp_publish: sockets inside from pid 1 (the broker, proto.h) ---- */

/* pid 1 closed the broker (or sent what it never sends): nothing more can be published. */
static void broker_lost(struct proxy *p)
{
	if (p->broker_fd >= 0)
		close(p->broker_fd);
	p->broker_fd = -1;
	p->n_asked = 0;
	for (size_t i = 0; i < PROXY_MAX_CONNS; i++)
		if (p->conns[i].st == C_BROKER)
			unreachable(&p->conns[i]);
}

/* Send the requests of connections waiting for a socket, as many as may be with pid 1 at once. */
static void broker_ask(struct proxy *p)
{
	for (size_t i = 0; i < PROXY_MAX_CONNS && p->broker_fd >= 0 && p->n_asked < PROXY_BROKER_INFLIGHT; i++) {
		struct conn *c = &p->conns[i];
		uint8_t req[BROKER_REQ_SIZE] = { c->family, (uint8_t)(c->dest.port >> 8), (uint8_t)c->dest.port };

		if (c->st != C_BROKER || c->asked)
			continue;
		if (send(p->broker_fd, req, sizeof(req), MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
			if (errno != EAGAIN && errno != EINTR)
				broker_lost(p);
			return;
		}
		c->asked = true;
		p->asked[(p->ask_head + p->n_asked++) % PROXY_BROKER_INFLIGHT] =
			(struct broker_ask){ .slot = (uint16_t)i, .gen = c->gen };
	}
}

/* Nothing listens on 127.0.0.1:S: ask for ::1:S once (a server on ::1 only); otherwise the client is closed. */
static void publish_failed(struct proxy *p, struct conn *c, bool refused)
{
	if (refused && c->family == 4) {
		c->family = 6;
		c->st = C_BROKER;
		c->asked = false;
		broker_ask(p);
		return;
	}
	unreachable(c);
}

static void broker_answer(struct proxy *p, struct conn *c, uint8_t status, int fd)
{
	c->asked = false;
	if (status == BROKER_OK && fd >= 0) {
		c->ufd = fd;
		c->st = C_CONNECT;
		c->deadline = now_ms() + CONNECT_TIMEOUT_MS;
		return;
	}
	if (fd >= 0)
		close(fd);
	publish_failed(p, c, status == BROKER_REFUSED);
}

/* pid 1's answers, in the order of the requests; an answer for a connection closed meanwhile is dropped. */
static void broker_read(struct proxy *p)
{
	while (p->broker_fd >= 0) {
		uint8_t status;
		int fd = -1;
		struct broker_ask a;
		struct conn *c;

		if (wire_recv_with_fd(p->broker_fd, &status, 1, &fd) < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				broker_lost(p);
			break;
		}
		if (!p->n_asked) {
			if (fd >= 0)
				close(fd);
			broker_lost(p);
			break;
		}
		a = p->asked[p->ask_head];
		p->ask_head = (p->ask_head + 1) % PROXY_BROKER_INFLIGHT;
		p->n_asked--;
		c = &p->conns[a.slot];
		if (c->st == C_BROKER && c->gen == a.gen && c->asked)
			broker_answer(p, c, status, fd);
		else if (fd >= 0)
			close(fd);
	}
	broker_ask(p);
}

/* Only addresses outside the refused ranges, or named as literals by [net] allow. */
static void use_addresses(struct proxy *p, struct conn *c, const struct net_addr *addrs, size_t n)
{
	c->n_addrs = c->next_addr = 0;
	for (size_t i = 0; i < n; i++)
		if (!addr_is_forbidden(&addrs[i]) || allow_match_addr(p->in->allow, &addrs[i], c->dest.port))
			c->addrs[c->n_addrs++] = addrs[i];
	if (!c->n_addrs) {
		deny(p, c, "it resolves only to loopback, private or other local addresses, which drop never connects to");
		return;
	}
	try_connect(p, c);
}

static void on_resolved(void *ctx, uintptr_t token, const struct net_addr *addrs, size_t n)
{
	struct proxy *p = ctx;
	struct conn *c = &p->conns[token % PROXY_MAX_CONNS];

	if (c->st != C_RESOLVE || c->gen != token / PROXY_MAX_CONNS)
		return;
	if (!n) {
		unreachable(c);
		return;
	}
	use_addresses(p, c, addrs, n);
}

static void decide(struct proxy *p, struct conn *c)
{
	if (!allow_match(p->in->allow, &c->dest)) {
		deny(p, c, NULL);
		return;
	}
	if (c->dest.kind == DEST_ADDR) {
		/* An allowed literal is named by [net] allow itself: no range applies. */
		c->addrs[0] = c->dest.addr;
		c->n_addrs = 1;
		c->next_addr = 0;
		try_connect(p, c);
		return;
	}
	c->st = C_RESOLVE;
	c->deadline = 0;
	dns_lookup(p->dns, c->dest.name, (uintptr_t)c->gen * PROXY_MAX_CONNS + (uintptr_t)(c - p->conns));
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* Parse what has arrived and act on a whole request. */
static void advance(struct proxy *p, struct conn *c)
{
	enum parse_rc rc;
	size_t used = 0;
	int no_auth;
	uint8_t code;

	if (c->st == C_SNIFF && c->in_len) {
		c->socks = c->in[0] == 5;
		c->st = c->socks ? C_SOCKS_GREET : C_HTTP_HEAD;
	}
	if (c->st == C_HTTP_HEAD) {
		rc = http_parse_head(c->in, c->in_len, &c->req);
		if (rc == PARSE_MORE && c->in_len >= PROXY_HEAD_MAX)
			http_reply(c, "400 Bad Request", "", "drop: the request's headers must fit in 16 KiB\n");
		else if (rc == PARSE_BAD || rc == PARSE_BADHOST)
			bad_request(c);
		else if (rc == PARSE_OK) {
			c->dest = c->req.dest;
			decide(p, c);
		}
		return;
	}
	if (c->st == C_SOCKS_GREET) {
		rc = socks_parse_greeting(c->in, c->in_len, &used, &no_auth);
		if (rc == PARSE_BAD || (rc == PARSE_OK && !no_auth)) {
			reply_and_close(c, "\x05\xff", 2);
			return;
		}
		if (rc == PARSE_MORE)
			return;
		consume(c, used);
		memcpy(c->out + c->out_len, "\x05\x00", 2);
		c->out_len += 2;
		c->st = C_SOCKS_REQ;
	}
	if (c->st == C_SOCKS_REQ) {
		rc = socks_parse_request(c->in, c->in_len, &used, &c->dest, &code);
		if (rc == PARSE_MORE && c->in_len >= PROXY_HEAD_MAX)
			socks_reply(c, SOCKS_FAIL, true);
		else if (rc == PARSE_BAD)
			socks_reply(c, code, true);
		else if (rc == PARSE_BADHOST)
			socks_reply(c, SOCKS_NOT_ALLOWED, true);
		else if (rc == PARSE_OK) {
			consume(c, used);
			decide(p, c);
		}
	}
}

static bool would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Write what is queued for the client; false when the connection is over. */
static bool flush_out(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->cfd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0)
			return would_block();
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return c->st != C_CLOSING;
}

/* Read once from fd into buf; false on an error. */
static bool fill(int fd, uint8_t *buf, size_t *len, size_t cap, bool *eof)
{
	ssize_t n = recv(fd, buf + *len, cap - *len, 0);

	if (n == 0)
		*eof = true;
	else if (n > 0)
		*len += (size_t)n;
	else if (!would_block())
		return false;
	return true;
}

/* Rounds of one direction per wakeup: 1 MiB at most, then the other connections get their turn. */
#define PUMP_ROUNDS 16

/*
 * One direction of a relayed connection: read while buf has room, send what
 * it holds, round after round until neither moves (or PUMP_ROUNDS), so one
 * poll wakeup moves all that is ready; false on an error.
 */
static bool pump(int src, int dst, uint8_t *buf, size_t *len, size_t *off, bool *eof)
{
	for (int round = 0; round < PUMP_ROUNDS; round++) {
		size_t had = *len, sent = *off;
		ssize_t n;

		if (*off && *len - *off < BUF_SIZE / 2) {
			/* Room at the tail again, for the rest of a partial send. */
			memmove(buf, buf + *off, *len - *off);
			*len -= *off;
			*off = 0;
		}
		if (!*eof && *len < BUF_SIZE && !fill(src, buf, len, BUF_SIZE, eof))
			return false;
		if (*off < *len) {
			n = send(dst, buf + *off, *len - *off, MSG_NOSIGNAL);
			if (n < 0 && !would_block())
				return false;
			if (n > 0)
				*off += (size_t)n;
		}
		if (*off == *len)
			*off = *len = 0;
		if (*len == had && *off == sent)
			break;
	}
	return true;
}

/* RLIMIT_NOFILE as raised at start-up: pipes are made only while they leave room for every connection's sockets. */
static rlim_t fd_limit;
#define FD_RESERVE (2 * PROXY_MAX_CONNS + FILTERED_MAX_FORWARDS + 64)

/* Enough descriptors for two pipes per connection besides its sockets, as far as the hard limit allows. */
static void raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return;
	if (r.rlim_cur < FD_RESERVE + 4 * PROXY_MAX_CONNS && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max < FD_RESERVE + 4 * PROXY_MAX_CONNS ? r.rlim_max : FD_RESERVE + 4 * PROXY_MAX_CONNS;
		setrlimit(RLIMIT_NOFILE, &r);
		getrlimit(RLIMIT_NOFILE, &r);
	}
	fd_limit = r.rlim_cur;
}

/* A download through 1 MiB pipes took 2/3 of the proxy's CPU time through 64 KiB ones (bench/proxy). */
#define BIG_PIPE_SIZE (1 << 20)
#define BIG_PIPES 16

/*
 * A pipe for one direction, unless descriptors are short: then that
 * direction stays on its buffer. big: enlarged while fewer than BIG_PIPES
 * are (16 MiB of the 64 MiB a user's pipes get by default), else as made.
 */
static void spipe_open(struct spipe *sp, bool big)
{
	int fds[2];

	sp->failed = true;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return;
	if ((rlim_t)fds[1] + 1 + FD_RESERVE > fd_limit) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	*sp = (struct spipe){ .open = true, .rd = fds[0], .wr = fds[1] };
	if (big && n_big_pipes < BIG_PIPES && fcntl(fds[1], F_SETPIPE_SZ, BIG_PIPE_SIZE) >= 0) {
		sp->big = true;
		n_big_pipes++;
	}
}

/*
 * One direction through its pipe: socket to pipe, pipe to socket, round
 * after round until neither moves (or PUMP_ROUNDS). The pipe is filled only
 * when empty: splice says EAGAIN both for a full pipe and an empty socket.
 */
static bool pump_pipe(int src, int dst, struct spipe *sp, bool *eof)
{
	for (int round = 0; round < PUMP_ROUNDS; round++) {
		bool moved = false;
		ssize_t n;

		if (!*eof && !sp->held) {
			n = splice(src, NULL, sp->wr, NULL, BIG_PIPE_SIZE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n == 0)
				*eof = true;
			else if (n > 0)
				sp->held += (size_t)n, moved = true;
			else if (!would_block())
				return false;
		}
		if (sp->held) {
			n = splice(sp->rd, NULL, dst, NULL, sp->held, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0)
				sp->held -= (size_t)n, moved = true;
			else if (n < 0 && !would_block())
				return false;
		}
		if (!moved)
			break;
	}
	return true;
}

/*
 * One direction: what the buffer holds from before the relay (a request
 * head, a reply) goes first; then, once it is empty, the bytes go through
 * the pipe, or through the buffer where no pipe could be made.
 */
static bool relay_dir(int src, int dst, uint8_t *buf, size_t *len, size_t *off, struct spipe *sp, bool *eof, bool big)
{
	if (!sp->open && !sp->failed)
		spipe_open(sp, big);
	if (!sp->open)
		return pump(src, dst, buf, len, off, eof);
	if (*len) {
		bool fake_eof = true;

		/* The buffer is only flushed: nothing more is read into it. */
		if (!pump(src, dst, buf, len, off, &fake_eof))
			return false;
		if (*len)
			return true;
	}
	return pump_pipe(src, dst, sp, eof);
}

/* Both directions, each drained until it would block; half-closes passed on once a side's bytes are out. */
static bool relay(struct conn *c)
{
	bool in_empty, out_empty;

	/* Downloads, the common bulk direction, get the big pipes. */
	if (!relay_dir(c->cfd, c->ufd, c->in, &c->in_len, &c->in_off, &c->up, &c->c_eof, false) ||
	    !relay_dir(c->ufd, c->cfd, c->out, &c->out_len, &c->out_off, &c->down, &c->u_eof, true))
		return false;
	in_empty = !c->in_len && !c->up.held;
	out_empty = !c->out_len && !c->down.held;
	if (c->c_eof && in_empty)
		shutdown(c->ufd, SHUT_WR);
	if (c->u_eof && out_empty)
		shutdown(c->cfd, SHUT_WR);
	return !(c->c_eof && c->u_eof && in_empty && out_empty);
}

static void conn_io(struct proxy *p, struct conn *c, short crev, short urev)
{
	bool alive = true;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	switch (c->st) {
	case C_SNIFF:
	case C_HTTP_HEAD:
	case C_SOCKS_GREET:
	case C_SOCKS_REQ:
		if (crev) {
			alive = fill(c->cfd, c->in, &c->in_len, PROXY_HEAD_MAX, &c->c_eof);
			if (alive)
				advance(p, c);
			/* A client that half-closed after a whole request is still answered. */
			if (c->c_eof && c->st <= C_SOCKS_REQ)
				alive = false;
		}
		break;
	case C_RESOLVE:
		alive = !(crev & (POLLHUP | POLLERR));
		break;
	case C_CONNECT:
		if (crev & (POLLHUP | POLLERR))
			alive = false;
		else if (urev) {
			if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
				soerr = errno;
			if (soerr) {
				close(c->ufd);
				c->ufd = -1;
				if (c->publish)
					publish_failed(p, c, soerr == ECONNREFUSED);
				else
					try_connect(p, c);
			} else {
				connected(p, c);
			}
		}
		break;
	case C_RELAY:
		alive = relay(c);
		break;
	default:
		break;
	}
	if (alive && c->st != C_RELAY)
		alive = flush_out(c);
	if (!alive)
		conn_close(p, c);
}

static void too_many(int fd)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 51\r\n"
				  "Connection: close\r\n\r\ndrop: too many open connections through the proxy\n";

	if (send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* nothing more to do for it */
	}
	close(fd);
}

/* A free slot for the accepted fd, with its buffers; NULL when there is none (fd still the caller's). */
static struct conn *conn_open(struct proxy *p, int fd)
{
	struct conn *c = NULL;

	for (size_t i = 0; i < PROXY_MAX_CONNS && !c; i++)
		if (p->conns[i].st == C_FREE)
			c = &p->conns[i];
	if (!c || !(c->in = malloc(BUF_SIZE)) || !(c->out = malloc(BUF_SIZE))) {
		if (c) {
			free(c->in);
			c->in = NULL;
		}
		return NULL;
	}
	c->st = C_SNIFF;
	c->gen = ++p->gen % (UINT32_MAX / PROXY_MAX_CONNS);
	c->cfd = fd;
	c->ufd = -1;
	c->deadline = now_ms() + HEAD_TIMEOUT_MS;
	p->n_open++;
	return c;
}

/*
 * A host connection to a tcp_publish port: it waits for pid 1's socket.
 * Over PROXY_MAX_PUBLISHED_CONNS, or once the broker is gone, it is closed
 * at once (nothing is said: the client sees a closed connection).
 */
static void accept_published(struct proxy *p, const struct proxy_publish *pub)
{
	for (;;) {
		int fd = accept4(pub->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c = NULL;

		if (fd < 0)
			break;
		if (p->broker_fd < 0 || p->n_published >= PROXY_MAX_PUBLISHED_CONNS || !(c = conn_open(p, fd))) {
			close(fd);
			continue;
		}
		c->forward = c->publish = true;
		c->family = 4;
		c->dest = (struct dest){ .kind = DEST_ADDR, .port = pub->sandbox_port };
		c->st = C_BROKER;
		c->deadline = now_ms() + CONNECT_TIMEOUT_MS;
		p->n_published++;
	}
	broker_ask(p);
}

/* fwd: the index of the tcp_host listener, or -1 for the proxy's own. */
static void accept_all(struct proxy *p, int listen_fd, int fwd)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0)
			return;
		c = conn_open(p, fd);
		if (!c) {
			too_many(fd);
			continue;
		}
		if (fwd >= 0) {
			/* Fixed by the configuration, not by the client: the host's 127.0.0.1:H, no rule applies. */
			static const uint8_t loopback[4] = { 127, 0, 0, 1 };

			c->forward = true;
			c->dest = (struct dest){ .kind = DEST_ADDR, .port = p->in->fwd[fwd].host_port };
			addr_set(&c->dest.addr, 4, loopback);
			c->addrs[0] = c->dest.addr;
			c->n_addrs = 1;
			c->next_addr = 0;
			try_connect(p, c);
		}
	}
}

static void expire(struct proxy *p, uint64_t now)
{
	for (size_t i = 0; i < PROXY_MAX_CONNS; i++) {
		struct conn *c = &p->conns[i];

		if (c->st == C_FREE || !c->deadline || c->deadline > now)
			continue;
		if (c->st == C_CONNECT) {
			close(c->ufd);
			c->ufd = -1;
			try_connect(p, c);
			if (c->st == C_CLOSING)
				continue;
		}
		if (c->st != C_CONNECT && c->st != C_RELAY)
			conn_close(p, c);
	}
}

/* ---- the loop ---- */

#define MAX_POLL (3 + FILTERED_MAX_FORWARDS + PROXY_MAX_PUBLISH + ARES_SOCKS + 2 * PROXY_MAX_CONNS)
#define ARES_SOCKS 16

/* Whether a relayed direction can take more: a buffer with room, or an empty pipe after an empty buffer. */
static bool wants_input(size_t buf_len, const struct spipe *sp)
{
	if (sp->open)
		return !buf_len && !sp->held;
	return buf_len < BUF_SIZE;
}

static short client_events(const struct conn *c)
{
	short ev = c->out_off < c->out_len ? POLLOUT : 0;

	switch (c->st) {
	case C_SNIFF:
	case C_HTTP_HEAD:
	case C_SOCKS_GREET:
	case C_SOCKS_REQ:
		return (short)(ev | POLLIN);
	case C_RELAY:
		if (c->down.held)
			ev = POLLOUT;
		return (short)(ev | (!c->c_eof && wants_input(c->in_len, &c->up) ? POLLIN : 0));
	default:
		return ev;
	}
}

static short upstream_events(const struct conn *c)
{
	if (c->st == C_CONNECT)
		return POLLOUT;
	if (c->st != C_RELAY)
		return 0;
	return (short)((c->in_off < c->in_len || c->up.held ? POLLOUT : 0) |
		       (!c->u_eof && wants_input(c->out_len, &c->down) ? POLLIN : 0));
}

static int next_timeout(struct proxy *p, uint64_t now)
{
	uint64_t soonest = UINT64_MAX;

	for (size_t i = 0; i < PROXY_MAX_CONNS; i++)
		if (p->conns[i].st != C_FREE && p->conns[i].deadline && p->conns[i].deadline < soonest)
			soonest = p->conns[i].deadline;
	if (!p->dns)
		return soonest == UINT64_MAX ? -1 : soonest <= now ? 0 : (int)(soonest - now);
	if (soonest == UINT64_MAX)
		return dns_timeout_ms(p->dns, -1);
	return dns_timeout_ms(p->dns, soonest <= now ? 0 : (int)(soonest - now));
}

static void loop_once(struct proxy *p)
{
	static struct pollfd pfd[MAX_POLL];
	static int owner[MAX_POLL];      /* conn index * 2 (+1 for upstream), or -1 */
	nfds_t n = 0, n_dns, first_pub, first_dns;
	int timeout;

	pfd[n] = (struct pollfd){ .fd = p->in->event_fd, .events = p->n_pending ? POLLOUT : 0 };
	owner[n++] = -1;
	pfd[n] = (struct pollfd){ .fd = p->in->listen_fd, .events = POLLIN };
	owner[n++] = -1;
	for (size_t i = 0; i < p->in->n_fwd; i++) {
		pfd[n] = (struct pollfd){ .fd = p->in->fwd[i].listen_fd, .events = POLLIN };
		owner[n++] = -1;
	}
	pfd[n] = (struct pollfd){ .fd = p->broker_fd, .events = POLLIN };
	owner[n++] = -1;
	first_pub = n;
	for (size_t i = 0; p->in->pub && i < p->in->pub->n; i++) {
		pfd[n] = (struct pollfd){ .fd = p->in->pub->v[i].listen_fd, .events = POLLIN };
		owner[n++] = -1;
	}
	first_dns = n;
	n_dns = p->dns ? dns_pollfds(p->dns, pfd + n, ARES_SOCKS) : 0;
	for (nfds_t i = 0; i < n_dns; i++)
		owner[n + i] = -1;
	n += n_dns;
	for (size_t i = 0; i < PROXY_MAX_CONNS; i++) {
		const struct conn *c = &p->conns[i];

		if (c->st == C_FREE)
			continue;
		pfd[n] = (struct pollfd){ .fd = c->cfd, .events = client_events(c) };
		owner[n++] = (int)i * 2;
		if (c->ufd >= 0) {
			pfd[n] = (struct pollfd){ .fd = c->ufd, .events = upstream_events(c) };
			owner[n++] = (int)i * 2 + 1;
		}
	}
	timeout = next_timeout(p, now_ms());
	if (poll(pfd, n, timeout) < 0)
		return;
	if (pfd[0].revents & (POLLHUP | POLLERR)) {
		p->parent_gone = true;
		return;
	}
	if (pfd[0].revents & POLLOUT)
		event_flush(p);
	if (pfd[1].revents)
		accept_all(p, p->in->listen_fd, -1);
	for (size_t i = 0; i < p->in->n_fwd; i++)
		if (pfd[2 + i].revents)
			accept_all(p, p->in->fwd[i].listen_fd, (int)i);
	if (pfd[first_pub - 1].revents)
		broker_read(p);
	for (nfds_t i = first_pub; i < first_dns; i++)
		if (pfd[i].revents)
			accept_published(p, &p->in->pub->v[i - first_pub]);
	if (p->dns)
		dns_process(p->dns, pfd + first_dns, n_dns);
	for (nfds_t i = first_dns + n_dns; i < n; i++) {
		struct conn *c = &p->conns[owner[i] / 2];
		short crev = 0, urev = 0;

		if (owner[i] % 2)
			continue;
		crev = pfd[i].revents;
		if (i + 1 < n && owner[i + 1] == owner[i] + 1)
			urev = pfd[i + 1].revents;
		if ((crev || urev) && c->st != C_FREE)
			conn_io(p, c, crev, urev);
	}
	expire(p, now_ms());
}

/* ---- start-up ---- */

static int drop_privileges(void)
{
	cap_t empty = cap_init();
	int rc;

	if (geteuid() == 0) {
		prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
						 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
		      0, 0, 0);
		for (unsigned long cap = 0; cap < (unsigned long)cap_max_bits(); cap++)
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (!empty)
		return -1;
	rc = cap_set_proc(empty);
	cap_free(empty);
	if (rc < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return 0;
}

static int allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/*
 * What the proxy does after start-up, and nothing else: sockets of the two
 * Internet families, their I/O, poll, memory that is never executable,
 * clocks, futexes (libc), and exiting. No open, no exec, no ptrace, no
 * fork: anything else fails with EPERM. Other ABIs are killed.
 */
static int load_filter(void)
{
	static const char *const calls[] = {
		"read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "close", "poll", "ppoll",
		"accept4", "connect", "getsockopt", "setsockopt", "getsockname", "getpeername", "shutdown", "fcntl", "fstat",
		"brk", "munmap", "mremap", "madvise", "clock_gettime", "clock_getres", "gettimeofday", "time", "getrandom",
		"exit", "exit_group", "rt_sigreturn", "rt_sigprocmask", "getpid", "getppid", "gettid", "futex",
		"restart_syscall", "sched_yield", "pipe2", "splice", NULL
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc = ctx ? 0 : -1;

	for (size_t i = 0; calls[i] && rc == 0; i++)
		rc = allow(ctx, calls[i]);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_INET, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_INET6, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, FIONREAD, 0));
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

/* Standard streams on /dev/null: the proxy holds neither the terminal nor drop's output. */
static void detach(const struct proxy_input *in)
{
	int keep[3 + FILTERED_MAX_FORWARDS + PROXY_MAX_PUBLISH] = { in->listen_fd, in->event_fd, -1 };
	size_t n_keep = 3;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (size_t i = 0; i < in->n_fwd; i++)
		keep[n_keep++] = in->fwd[i].listen_fd;
	if (in->pub) {
		keep[2] = in->pub->broker_fd;
		for (size_t i = 0; i < in->pub->n; i++)
			keep[n_keep++] = in->pub->v[i].listen_fd;
	}

	for (int fd = 0; fd < 3; fd++)
		if (null >= 0)
			dup2(null, fd);
	if (null > 2)
		close(null);
	sys_close_fds_except(keep, n_keep);
	setsid();
	prctl(PR_SET_NAME, "drop-proxy");
	prctl(PR_SET_DUMPABLE, 0);
}

void proxy_main(const struct proxy_input *in, pid_t parent)
{
	static struct proxy p;
	struct drop_err err = { 0 };

	sys_tie_to_parent(parent);
	signal(SIGPIPE, SIG_IGN);
	detach(in);
	p.in = in;
	for (size_t i = 0; i < PROXY_MAX_CONNS; i++)
		p.conns[i].cfd = p.conns[i].ufd = -1;
	/* A relay for tcp_publish alone (pasta's runs) proxies nothing: no listener, no resolver. */
	if (in->listen_fd >= 0 && (!(p.dns = dns_open(in->hosts_path, on_resolved, &p, &err)) ||
				   fcntl(in->listen_fd, F_SETFL, O_NONBLOCK) < 0))
		_exit(DROP_ESETUP);
	for (size_t i = 0; i < in->n_fwd; i++)
		if (fcntl(in->fwd[i].listen_fd, F_SETFL, O_NONBLOCK) < 0)
			_exit(DROP_ESETUP);
	raise_fd_limit();
	p.broker_fd = in->pub ? in->pub->broker_fd : -1;
	for (size_t i = 0; in->pub && i < in->pub->n; i++)
		if (fcntl(in->pub->v[i].listen_fd, F_SETFL, O_NONBLOCK) < 0)
			_exit(DROP_ESETUP);
	if (drop_privileges() < 0 || load_filter() < 0)
		_exit(DROP_ESETUP);
	while (!p.parent_gone)
		loop_once(&p);
	_exit(0);
}
