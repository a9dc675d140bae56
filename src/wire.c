/* wire.c: the bounded big-endian buffer and one-fd passing over a unix socket. */
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys.h"

struct wbuf {
	uint8_t *data;
	size_t len;       /* bytes written */
	size_t off;       /* read position, <= len */
	size_t cap;       /* bytes allocated, <= max_size */
	size_t max_size;  /* hard limit: writers fail rather than grow past it */
};

/* Fixed byte order on the wire: never memcpy an integer, shift it. */
static void poke_be(uint8_t *p, uint64_t v, size_t width)
{
	for (size_t i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static uint64_t peek_be(const uint8_t *p, size_t width)
{
	uint64_t v = 0;

	for (size_t i = 0; i < width; i++)
		v = (v << 8) | p[i];
	return v;
}

struct wbuf *wbuf_new(size_t max_size)
{
	struct wbuf *b = calloc(1, sizeof(*b));

	if (b)
		b->max_size = max_size;
	return b;
}

struct wbuf *wbuf_from(const void *data, size_t len, size_t max_size)
{
	struct wbuf *b;

	if (len > max_size) {
		errno = EMSGSIZE;
		return NULL;
	}
	b = wbuf_new(max_size);
	if (!b)
		return NULL;
	/* +1 so an empty buffer still has a non-NULL allocation to hold. */
	b->data = malloc(len + 1);
	if (!b->data) {
		free(b);
		return NULL;
	}
	if (len)
		memcpy(b->data, data, len);
	b->len = len;
	b->cap = len + 1;
	return b;
}

void wbuf_free(struct wbuf *b)
{
	int saved = errno;

	if (b) {
		free(b->data);
		free(b);
	}
	errno = saved;
}

const uint8_t *wbuf_data(const struct wbuf *b)
{
	return b->data;
}

size_t wbuf_len(const struct wbuf *b)
{
	return b->len;
}

size_t wbuf_remaining(const struct wbuf *b)
{
	return b->len - b->off;
}

/* Make room for n more bytes; len <= max_size always holds, so the subtraction cannot wrap. */
static int wbuf_reserve(struct wbuf *b, size_t n)
{
	size_t need, cap;
	uint8_t *p;

	if (n > b->max_size - b->len) {
		errno = EMSGSIZE;
		return -1;
	}
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > b->max_size / 2 ? b->max_size : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

static int wbuf_put_be(struct wbuf *b, uint64_t v, size_t width)
{
	if (wbuf_reserve(b, width) < 0)
		return -1;
	poke_be(b->data + b->len, v, width);
	b->len += width;
	return 0;
}

int wbuf_put_u8(struct wbuf *b, uint8_t v)
{
	return wbuf_put_be(b, v, 1);
}

int wbuf_put_u16(struct wbuf *b, uint16_t v)
{
	return wbuf_put_be(b, v, 2);
}

int wbuf_put_u32(struct wbuf *b, uint32_t v)
{
	return wbuf_put_be(b, v, 4);
}

int wbuf_put_u64(struct wbuf *b, uint64_t v)
{
	return wbuf_put_be(b, v, 8);
}

int wbuf_put_bytes(struct wbuf *b, const void *p, size_t n)
{
	if (wbuf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int wbuf_put_cstring(struct wbuf *b, const char *s)
{
	size_t n;

	if (!s) {
		errno = EINVAL;
		return -1;
	}
	n = strnlen(s, WIRE_MAX_STRING + 1);
	if (n > WIRE_MAX_STRING) {
		errno = EMSGSIZE;
		return -1;
	}
	/* Reserve prefix and bytes together so a full buffer never keeps half a string. */
	if (wbuf_reserve(b, 4 + n) < 0)
		return -1;
	wbuf_put_u32(b, (uint32_t)n);
	wbuf_put_bytes(b, s, n);
	return 0;
}

int wbuf_poke_u32(struct wbuf *b, size_t offset, uint32_t v)
{
	if (offset > b->len || b->len - offset < 4) {
		errno = EINVAL;
		return -1;
	}
	poke_be(b->data + offset, v, 4);
	return 0;
}

static int wbuf_need(const struct wbuf *b, size_t n)
{
	if (n > wbuf_remaining(b)) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

static int wbuf_get_be(struct wbuf *b, uint64_t *v, size_t width)
{
	*v = 0;
	if (wbuf_need(b, width) < 0)
		return -1;
	*v = peek_be(b->data + b->off, width);
	b->off += width;
	return 0;
}

int wbuf_get_u8(struct wbuf *b, uint8_t *v)
{
	uint64_t x;
	int r = wbuf_get_be(b, &x, 1);

	*v = (uint8_t)x;
	return r;
}

int wbuf_get_u16(struct wbuf *b, uint16_t *v)
{
	uint64_t x;
	int r = wbuf_get_be(b, &x, 2);

	*v = (uint16_t)x;
	return r;
}

int wbuf_get_u32(struct wbuf *b, uint32_t *v)
{
	uint64_t x;
	int r = wbuf_get_be(b, &x, 4);

	*v = (uint32_t)x;
	return r;
}

int wbuf_get_u64(struct wbuf *b, uint64_t *v)
{
	return wbuf_get_be(b, v, 8);
}

int wbuf_get_bytes(struct wbuf *b, void *p, size_t n)
{
	if (n)
		memset(p, 0, n);
	if (wbuf_need(b, n) < 0)
		return -1;
	if (n)
		memcpy(p, b->data + b->off, n);
	b->off += n;
	return 0;
}

int wbuf_get_cstring(struct wbuf *b, char **s)
{
	const uint8_t *p;
	size_t n;
	char *copy;

	*s = NULL;
	/* Peek the prefix: nothing advances until the whole string is known good. */
	if (wbuf_need(b, 4) < 0)
		return -1;
	n = (size_t)peek_be(b->data + b->off, 4);
	if (n > WIRE_MAX_STRING || wbuf_need(b, 4 + n) < 0) {
		errno = EBADMSG;
		return -1;
	}
	p = b->data + b->off + 4;
	if (memchr(p, '\0', n)) {
		errno = EBADMSG;
		return -1;
	}
	copy = malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, p, n);
	copy[n] = '\0';
	b->off += 4 + n;
	*s = copy;
	return 0;
}

int wire_send_with_fd(int sock, const void *p, size_t n, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t r;

	/* The fd must ride on at least one data byte, or the receiver never sees it. */
	if (n == 0 || fd < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	/* The fd went with the first byte; a short send only leaves plain bytes. */
	return sys_write_all(sock, (const uint8_t *)p + r, n - (size_t)r);
}

static void close_quietly(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

/* Room for a few fds so a misbehaving peer's extras arrive here and get closed, not truncated. */
#define RECV_MAX_FDS 8

/* What the control messages of one message brought: the first fd, and whether anything else came. */
struct fd_catch {
	int fd;
	bool bad;
};

/* Keep the first fd; close every other one at once so none can leak, however many rounds it takes. */
static void catch_fds(struct msghdr *msg, struct fd_catch *c)
{
	if (msg->msg_flags & MSG_CTRUNC)
		c->bad = true;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(msg); h; h = CMSG_NXTHDR(msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS ||
		    h->cmsg_len < CMSG_LEN(0)) {
			c->bad = true;
			continue;
		}
		for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (c->fd < 0) {
				c->fd = fd;
			} else {
				close_quietly(fd);
				c->bad = true;
			}
		}
	}
}

static ssize_t recv_some(int sock, uint8_t *p, size_t n, struct fd_catch *c)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(RECV_MAX_FDS * sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = p, .iov_len = n };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t r;

	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	catch_fds(&msg, c);
	if (r == 0) {
		errno = EPIPE;
		return -1;
	}
	return r;
}

int wire_recv_with_fd(int sock, void *p, size_t n, int *fd)
{
	struct fd_catch c = { .fd = -1, .bad = false };
	size_t got = 0;

	*fd = -1;
	while (got < n) {
		ssize_t r = recv_some(sock, (uint8_t *)p + got, n - got, &c);

		if (r < 0)
			goto fail;
		got += (size_t)r;
	}
	/* Exactly one fd travels per message, and only SCM_RIGHTS: anything else means a confused peer. */
	if (c.bad) {
		errno = EBADMSG;
		goto fail;
	}
	*fd = c.fd;
	return 0;
fail:
	if (c.fd >= 0)
		close_quietly(c.fd);
	return -1;
}
