/* proxy-parse.c: the filtered network's pure parsers of what the sandbox sends: an HTTP request head, SOCKS5. */
#include "proxy-parse.h"

#include <string.h>

static const uint8_t *find_crlf(const uint8_t *p, const uint8_t *end)
{
	for (; p + 1 < end; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	return NULL;
}

/* The head ends at the first CRLF CRLF; a bare LF or a NUL anywhere in it is malformed. */
static enum parse_rc find_head(const uint8_t *buf, size_t len, size_t *head_len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\0' || (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r')))
			return PARSE_BAD;
		if (buf[i] == '\n' && i >= 3 && buf[i - 2] == '\n') {
			*head_len = i + 1;
			return PARSE_OK;
		}
	}
	return PARSE_MORE;
}

static int is_tchar(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int is_version(const uint8_t *p, size_t len)
{
	return len == 8 && !memcmp(p, "HTTP/1.", 7) && (p[7] == '0' || p[7] == '1');
}

static int ieq_prefix(const uint8_t *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	if (len < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] - 'A' + 'a') : p[i];
		if (c != (uint8_t)prefix[i])
			return 0;
	}
	return 1;
}

/* "http://AUTHORITY[/path...]": no userinfo, no percent escapes in the authority. */
static enum parse_rc parse_absolute(const uint8_t *target, size_t len, struct http_req *r, size_t target_off)
{
	const uint8_t *auth = target + 7;
	size_t auth_len = 0;

	if (!ieq_prefix(target, len, "http://"))
		return PARSE_BAD;
	while (7 + auth_len < len && auth[auth_len] != '/' && auth[auth_len] != '?' && auth[auth_len] != '#')
		auth_len++;
	if (7 + auth_len < len && auth[auth_len] == '#')
		return PARSE_BAD;
	r->path_off = target_off + 7 + auth_len;
	r->path_len = len - 7 - auth_len;
	if (!auth_len || authority_parse((const char *)auth, auth_len, 80, &r->dest) < 0)
		return PARSE_BADHOST;
	return PARSE_OK;
}

/* Header lines: "name: value", no obsolete line folding (a proxy must not pass it on). */
static int check_header_lines(const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		const uint8_t *eol = find_crlf(p, end + 2);

		if (!eol || *p == ' ' || *p == '\t' || !memchr(p, ':', (size_t)(eol - p)))
			return -1;
		p = eol + 2;
	}
	return 0;
}

enum parse_rc http_parse_head(const uint8_t *buf, size_t len, struct http_req *r)
{
	const uint8_t *end, *sp1, *sp2;
	enum parse_rc rc;
	size_t head_len;

	memset(r, 0, sizeof(*r));
	rc = find_head(buf, len, &head_len);
	if (rc != PARSE_OK)
		return rc;
	end = find_crlf(buf, buf + head_len);
	sp1 = memchr(buf, ' ', (size_t)(end - buf));
	if (!sp1 || sp1 == buf)
		return PARSE_BAD;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || !is_version(sp2 + 1, (size_t)(end - sp2 - 1)))
		return PARSE_BAD;
	for (const uint8_t *p = buf; p < sp1; p++)
		if (!is_tchar(*p))
			return PARSE_BAD;
	for (const uint8_t *p = sp1 + 1; p < sp2; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return PARSE_BAD;
	if (check_header_lines(end + 2, buf + head_len - 2) < 0)
		return PARSE_BAD;
	r->head_len = head_len;
	r->line_len = (size_t)(end - buf) + 2;
	r->method_len = (size_t)(sp1 - buf);
	r->version_off = (size_t)(sp2 + 1 - buf);
	r->version_len = 8;
	if (r->method_len == 7 && !memcmp(buf, "CONNECT", 7)) {
		r->is_connect = 1;
		if (memchr(sp1 + 1, '@', (size_t)(sp2 - sp1 - 1)) ||
		    authority_parse((const char *)sp1 + 1, (size_t)(sp2 - sp1 - 1), 0, &r->dest) < 0)
			return PARSE_BADHOST;
		return PARSE_OK;
	}
	return parse_absolute(sp1 + 1, (size_t)(sp2 - sp1 - 1), r, (size_t)(sp1 + 1 - buf));
}

struct out_buf {
	uint8_t *p;
	size_t n, cap;
	int full;
};

static void put(struct out_buf *o, const void *data, size_t len)
{
	if (o->full || len > o->cap - o->n) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->n, data, len);
	o->n += len;
}

static int is_header(const uint8_t *p, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && p[n] == ':' && ieq_prefix(p, n, name);
}

size_t http_origin_head(const uint8_t *buf, const struct http_req *r, uint8_t *out, size_t cap)
{
	struct out_buf o = { .p = out, .cap = cap };
	const uint8_t *p = buf + r->line_len, *end = buf + r->head_len - 2;
	char host[HOST_NAME_MAX_LEN + 16];

	put(&o, buf, r->method_len);
	put(&o, " ", 1);
	put(&o, r->path_len ? buf + r->path_off : (const uint8_t *)"/", r->path_len ? r->path_len : 1);
	put(&o, " ", 1);
	put(&o, buf + r->version_off, r->version_len);
	put(&o, "\r\n", 2);
	/* The host the request line named and drop checked, not one the client wrote beside it. */
	dest_format(&r->dest, host, sizeof(host));
	put(&o, "Host: ", 6);
	put(&o, host, strlen(host));
	put(&o, "\r\n", 2);
	while (p < end) {
		const uint8_t *eol = find_crlf(p, end + 2);
		size_t len = (size_t)(eol - p);

		if (!is_header(p, len, "connection") && !is_header(p, len, "proxy-connection") &&
		    !is_header(p, len, "keep-alive") && !is_header(p, len, "host"))
			put(&o, p, len + 2);
		p = eol + 2;
	}
	put(&o, "Connection: close\r\n\r\n", 21);
	return o.full ? 0 : o.n;
}

enum parse_rc socks_parse_greeting(const uint8_t *buf, size_t len, size_t *used, int *no_auth)
{
	*no_auth = 0;
	if (len < 2)
		return len && buf[0] != 5 ? PARSE_BAD : PARSE_MORE;
	if (buf[0] != 5 || buf[1] == 0)
		return PARSE_BAD;
	if (len < 2u + buf[1])
		return PARSE_MORE;
	for (size_t i = 0; i < buf[1]; i++)
		if (buf[2 + i] == 0)
			*no_auth = 1;
	*used = 2u + buf[1];
	return PARSE_OK;
}

static enum parse_rc socks_bad(uint8_t *reply, uint8_t code)
{
	*reply = code;
	return PARSE_BAD;
}

enum parse_rc socks_parse_request(const uint8_t *buf, size_t len, size_t *used, struct dest *d, uint8_t *reply)
{
	size_t need;

	*reply = SOCKS_FAIL;
	memset(d, 0, sizeof(*d));
	if (len >= 1 && buf[0] != 5)
		return PARSE_BAD;
	if (len >= 3 && buf[2] != 0)
		return PARSE_BAD;
	if (len < 5)
		return PARSE_MORE;
	switch (buf[3]) {
	case 1:
		need = 4 + 4 + 2;
		break;
	case 3:
		if (buf[4] == 0)
			return PARSE_BADHOST;
		need = 4 + 1 + buf[4] + 2u;
		break;
	case 4:
		need = 4 + 16 + 2;
		break;
	default:
		return socks_bad(reply, SOCKS_ATYP_UNSUPPORTED);
	}
	if (len < need)
		return PARSE_MORE;
	*used = need;
	if (buf[1] != 1)
		return socks_bad(reply, SOCKS_CMD_UNSUPPORTED);
	d->port = (uint16_t)(buf[need - 2] << 8 | buf[need - 1]);
	if (d->port == 0)
		return PARSE_BADHOST;
	if (buf[3] == 3) {
		/* A name that is in fact an address literal is an address, as in HTTP. */
		if (host_canon((const char *)buf + 5, buf[4], d) < 0)
			return PARSE_BADHOST;
		return PARSE_OK;
	}
	d->kind = DEST_ADDR;
	addr_set(&d->addr, buf[3] == 1 ? 4 : 6, buf + 4);
	return PARSE_OK;
}
