/* proxy-rules.c: the filtered network's pure policy: allow entries, host canonicalization, matching, address ranges, hosts files. */
#include "proxy-rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool all_digits(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

void addr_set(struct net_addr *a, int family, const void *bytes)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const uint8_t *b = bytes;

	memset(a, 0, sizeof(*a));
	if (family == 6 && !memcmp(b, mapped, sizeof(mapped))) {
		a->family = 4;
		memcpy(a->a, b + 12, 4);
		return;
	}
	a->family = family;
	memcpy(a->a, b, family == 4 ? 4 : 16);
}

/* A NUL-terminated copy of at most cap-1 bytes, refusing embedded NULs and longer input. */
static int copy_token(char *out, size_t cap, const char *s, size_t len)
{
	if (len >= cap || memchr(s, '\0', len))
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* An address literal of family 4 or 6; glibc's inet_pton takes exactly four decimal parts for IPv4, no leading zeros. */
static int parse_addr(int family, const char *s, size_t len, struct net_addr *a)
{
	char buf[64];
	uint8_t bytes[16];

	if (copy_token(buf, sizeof(buf), s, len) < 0 || inet_pton(family == 4 ? AF_INET : AF_INET6, buf, bytes) != 1)
		return -1;
	addr_set(a, family, bytes);
	return 0;
}

static int check_labels(const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start || i - start > 63)
			return -1;
		start = i + 1;
	}
	return 0;
}

int host_canon(const char *host, size_t len, struct dest *d)
{
	size_t last;

	memset(d->name, 0, sizeof(d->name));
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		d->kind = DEST_ADDR;
		return parse_addr(6, host + 1, len - 2, &d->addr);
	}
	for (size_t i = 0; i < len; i++)
		if (!is_name_byte((unsigned char)host[i]))
			return -1;
	if (len && host[len - 1] == '.')
		len--;
	if (!len || len > HOST_NAME_MAX_LEN || check_labels(host, len) < 0)
		return -1;
	last = len;
	while (last > 0 && host[last - 1] != '.')
		last--;
	if (all_digits(host + last, len - last)) {
		/* Only a strict dotted quad is an address; other numeric names are refused. */
		d->kind = DEST_ADDR;
		return parse_addr(4, host, len, &d->addr);
	}
	d->kind = DEST_NAME;
	for (size_t i = 0; i < len; i++)
		d->name[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] - 'A' + 'a' : host[i]);
	d->name[len] = '\0';
	return 0;
}

static int parse_port_span(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (!len || len > 5 || !all_digits(s, len))
		return -1;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int authority_parse(const char *s, size_t len, uint16_t default_port, struct dest *d)
{
	size_t host_len = len;
	const char *colon;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			return -1;
		host_len = (size_t)(close - s) + 1;
		if (host_len < len && s[host_len] != ':')
			return -1;
	} else {
		colon = memchr(s, ':', len);
		if (colon) {
			host_len = (size_t)(colon - s);
			if (memchr(colon + 1, ':', len - host_len - 1))
				return -1;
		}
	}
	if (host_len == len) {
		if (!default_port)
			return -1;
		d->port = default_port;
	} else if (parse_port_span(s + host_len + 1, len - host_len - 1, &d->port) < 0) {
		return -1;
	}
	return host_canon(s, host_len, d);
}

static int why_set(char *why, size_t why_len, const char *msg)
{
	snprintf(why, why_len, "%s", msg);
	return -1;
}

int allow_parse(const char *text, struct allow_entry *out, char *why, size_t why_len)
{
	const char *bad = "expected HOST, *.DOMAIN or an IP address, optionally with :PORT";
	size_t len = strlen(text);
	bool wildcard = false;
	struct dest d;

	memset(out, 0, sizeof(*out));
	if (!len)
		return why_set(why, why_len, "empty entry");
	if (strstr(text, "://"))
		return why_set(why, why_len, "a host, not a URL (no scheme)");
	if (strchr(text, '/'))
		return why_set(why, why_len, "a host, not a URL (no path)");
	if (strchr(text, '@'))
		return why_set(why, why_len, "no user name (user@)");
	if (strpbrk(text, " \t"))
		return why_set(why, why_len, "blanks are not allowed");
	if (!strncmp(text, "*.", 2)) {
		wildcard = true;
		text += 2;
		len -= 2;
	}
	if (strchr(text, '*'))
		return why_set(why, why_len, "'*' only as the first label (*.example.com)");
	if (authority_parse(text, len, 1, &d) < 0)
		return why_set(why, why_len, bad);
	/* "HOST:1" and "HOST" parse alike with default 1: look for the port itself. */
	out->port = 0;
	if (len && (text[len - 1] != ']' || text[0] != '[') && memchr(text, ':', len))
		out->port = d.port;
	if (d.kind == DEST_ADDR) {
		if (wildcard)
			return why_set(why, why_len, "'*.' needs a domain name, not an address");
		out->kind = ALLOW_ADDR;
		out->addr = d.addr;
		return 0;
	}
	if (wildcard && !strchr(d.name, '.'))
		return why_set(why, why_len, "'*.' needs at least two labels after it (*.example.com)");
	out->kind = wildcard ? ALLOW_WILDCARD : ALLOW_NAME;
	memcpy(out->name, d.name, sizeof(out->name));
	return 0;
}

int allow_list_add(struct allow_list *l, const struct allow_entry *e)
{
	struct allow_entry *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	l->v[l->n++] = *e;
	return 0;
}

void allow_list_free(struct allow_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static bool addr_eq(const struct net_addr *a, const struct net_addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, a->family == 4 ? 4 : 16);
}

static bool port_ok(const struct allow_entry *e, uint16_t port)
{
	return e->port ? e->port == port : port == 80 || port == 443;
}

static bool name_ok(const struct allow_entry *e, const char *name)
{
	size_t n = strlen(name), dl = strlen(e->name);

	if (e->kind == ALLOW_NAME)
		return !strcmp(e->name, name);
	return n > dl + 1 && name[n - dl - 1] == '.' && !strcmp(name + n - dl, e->name);
}

bool allow_match(const struct allow_list *l, const struct dest *d)
{
	if (d->kind == DEST_ADDR)
		return allow_match_addr(l, &d->addr, d->port);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind != ALLOW_ADDR && port_ok(&l->v[i], d->port) && name_ok(&l->v[i], d->name))
			return true;
	return false;
}

bool allow_match_addr(const struct allow_list *l, const struct net_addr *a, uint16_t port)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == ALLOW_ADDR && port_ok(&l->v[i], port) && addr_eq(&l->v[i].addr, a))
			return true;
	return false;
}

static bool v4_forbidden(const uint8_t *b)
{
	return b[0] == 0 ||                                      /* unspecified, "this network" */
	       b[0] == 127 ||                                    /* loopback */
	       b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) || /* RFC 1918 */
	       (b[0] == 169 && b[1] == 254) ||                   /* link-local */
	       (b[0] == 100 && (b[1] & 0xc0) == 64) ||           /* shared, 100.64/10 */
	       (b[0] >= 224 && b[0] <= 239) ||                   /* multicast */
	       (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255); /* broadcast */
}

bool addr_is_forbidden(const struct net_addr *a)
{
	static const uint8_t zero[12];
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	const uint8_t *b = a->a;

	if (a->family == 4)
		return v4_forbidden(b);
	if (!memcmp(b, zero, 12)) {
		/* ::, ::1, or IPv4-compatible ::a.b.c.d */
		if (!b[12] && !b[13] && !b[14] && b[15] <= 1)
			return true;
		return v4_forbidden(b + 12);
	}
	if (!memcmp(b, nat64, 12))
		return v4_forbidden(b + 12);
	if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1)
		return true;                                      /* local-use NAT64, 64:ff9b:1::/48 */
	if (b[0] == 0x20 && b[1] == 0x02)
		return v4_forbidden(b + 2);                       /* 6to4 */
	return (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||         /* link-local */
	       (b[0] & 0xfe) == 0xfc ||                           /* RFC 4193 */
	       b[0] == 0xff;                                      /* multicast */
}

void dest_format(const struct dest *d, char *out, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	if (d->kind == DEST_NAME) {
		snprintf(out, len, "%s:%u", d->name, d->port);
		return;
	}
	inet_ntop(d->addr.family == 4 ? AF_INET : AF_INET6, d->addr.a, text, sizeof(text));
	snprintf(out, len, d->addr.family == 4 ? "%s:%u" : "[%s]:%u", text, d->port);
}

static int hosts_add(struct hosts_table *t, const char *name, const struct net_addr *a)
{
	struct hosts_entry *v = realloc(t->v, (t->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	t->v = v;
	memcpy(t->v[t->n].name, name, sizeof(t->v[t->n].name));
	t->v[t->n++].addr = *a;
	return 0;
}

static int hosts_line(struct hosts_table *t, const char *line, size_t len)
{
	const char *end = line + len, *p = line;
	struct net_addr addr;
	bool have_addr = false;

	while (p < end) {
		const char *tok;
		struct dest d;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		tok = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (tok == p)
			break;
		if (!have_addr) {
			if (parse_addr(4, tok, (size_t)(p - tok), &addr) < 0 && parse_addr(6, tok, (size_t)(p - tok), &addr) < 0)
				return 0;
			have_addr = true;
		} else if (host_canon(tok, (size_t)(p - tok), &d) == 0 && d.kind == DEST_NAME &&
			   hosts_add(t, d.name, &addr) < 0) {
			return -1;
		}
	}
	return 0;
}

int hosts_parse(const char *text, size_t len, struct hosts_table *t)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		const char *hash;
		size_t line_len;

		if (i < len && text[i] != '\n')
			continue;
		line_len = i - start;
		hash = memchr(text + start, '#', line_len);
		if (hash)
			line_len = (size_t)(hash - (text + start));
		if (hosts_line(t, text + start, line_len) < 0)
			return -1;
		start = i + 1;
	}
	return 0;
}

size_t hosts_lookup(const struct hosts_table *t, const char *name, struct net_addr *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n && n < max; i++)
		if (!strcmp(t->v[i].name, name))
			out[n++] = t->v[i].addr;
	return n;
}

void hosts_free(struct hosts_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
