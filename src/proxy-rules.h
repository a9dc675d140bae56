/* proxy-rules.h: the filtered network's pure policy: allow entries, host canonicalization, matching, address ranges, hosts files. */
#ifndef DROP_PROXY_RULES_H
#define DROP_PROXY_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_NAME_MAX_LEN 253

/* An address: IPv4 in a[0..3] (family 4) or IPv6 (family 6). An IPv4-mapped IPv6 address is stored as IPv4. */
struct net_addr {
	int family;       /* 4 or 6 */
	uint8_t a[16];
};

enum dest_kind { DEST_NAME, DEST_ADDR };

/* A destination the sandbox asked for, canonical: a lower-case name without trailing dot, or an address. */
struct dest {
	enum dest_kind kind;
	char name[HOST_NAME_MAX_LEN + 1];  /* DEST_NAME */
	struct net_addr addr;              /* DEST_ADDR */
	uint16_t port;
};

enum allow_kind { ALLOW_NAME, ALLOW_WILDCARD, ALLOW_ADDR };

/* One [net] allow entry: HOST, *.DOMAIN or an address literal, with a port or 0 for "80 and 443". */
struct allow_entry {
	enum allow_kind kind;
	char name[HOST_NAME_MAX_LEN + 1];  /* ALLOW_NAME: the host; ALLOW_WILDCARD: DOMAIN, without "*." */
	struct net_addr addr;              /* ALLOW_ADDR */
	uint16_t port;
};

/* The parsed allow list (owned array). Empty reaches nothing. */
struct allow_list {
	struct allow_entry *v;
	size_t n;
};

/* Parse one entry ("registry.npmjs.org", "*.example.com:8443", "[2001:db8::1]:443"); -1 with why filled. */
int allow_parse(const char *text, struct allow_entry *out, char *why, size_t why_len);
/* Append a parsed entry; -1 on ENOMEM. */
int allow_list_add(struct allow_list *l, const struct allow_entry *e);
void allow_list_free(struct allow_list *l);

/*
 * Canonicalize a requested host of len bytes (not NUL-terminated; a NUL is a
 * byte like any other and refused): "[v6]" or a dotted-quad IPv4 become an
 * address, anything else must be a DNS name of [A-Za-z0-9.-] with no empty
 * label, at most 253 bytes after one trailing dot is removed, and whose last
 * label is not all digits (127.1, 2130706433: the forms some resolvers read
 * as addresses). Fills d (not its port); -1 when the host is not well formed.
 */
int host_canon(const char *host, size_t len, struct dest *d);
/* Split "HOST:PORT" (HOST may be "[v6]"); port required unless default_port is non-zero. */
int authority_parse(const char *s, size_t len, uint16_t default_port, struct dest *d);

/* Is the destination (name or literal, with its port) named by an entry? */
bool allow_match(const struct allow_list *l, const struct dest *d);
/* Is this address, with this port, named as a literal by an entry? */
bool allow_match_addr(const struct allow_list *l, const struct net_addr *a, uint16_t port);

/*
 * The ranges a resolved address must not be in (SPEC 8): loopback,
 * unspecified (0.0.0.0/8, ::), link-local, RFC 1918, RFC 4193, 100.64/10,
 * multicast, broadcast. IPv6 forms that carry an IPv4 address to an IPv4
 * network (IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are
 * judged by that IPv4 address; the local-use NAT64 prefix 64:ff9b:1::/48 is
 * refused whole.
 */
bool addr_is_forbidden(const struct net_addr *a);
/* Fill a from a 4- or 16-byte address; an IPv4-mapped IPv6 address becomes IPv4. */
void addr_set(struct net_addr *a, int family, const void *bytes);
/* "HOST:PORT" for messages: name, dotted quad or [v6]. */
void dest_format(const struct dest *d, char *out, size_t len);

/* The filtered network's settings, as the configuration resolves them. */
struct proxy_settings {
	struct allow_list allow;
	uint16_t port;                     /* inside the sandbox, on 127.0.0.1 */
};

/* /etc/hosts in memory: c-ares 1.18 would reopen the file at every lookup, after the proxy's seccomp filter forbids it. */
struct hosts_entry {
	char name[HOST_NAME_MAX_LEN + 1];  /* canonical */
	struct net_addr addr;
};
struct hosts_table {
	struct hosts_entry *v;
	size_t n;
};
/*
 * Parse hosts-file text: "ADDRESS NAME [ALIAS...]" lines, '#' comments.
 * Lines with an unparsable address, and names that host_canon refuses, are
 * skipped (as glibc does). -1 only on ENOMEM.
 */
int hosts_parse(const char *text, size_t len, struct hosts_table *t);
/* Up to max addresses of name (canonical), in file order; returns how many. */
size_t hosts_lookup(const struct hosts_table *t, const char *name, struct net_addr *out, size_t max);
void hosts_free(struct hosts_table *t);

#endif
