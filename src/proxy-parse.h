/* proxy-parse.h: the filtered network's pure parsers of what the sandbox sends: an HTTP request head, SOCKS5. */
#ifndef DROP_PROXY_PARSE_H
#define DROP_PROXY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "proxy-rules.h"

#define PROXY_HEAD_MAX 16384   /* a request head must fit here (SPEC 8) */

enum parse_rc {
	PARSE_MORE = 0,     /* incomplete: read more (the caller enforces PROXY_HEAD_MAX) */
	PARSE_OK = 1,
	PARSE_BAD = -1,     /* malformed: 400, or SOCKS5 general failure */
	PARSE_BADHOST = -2, /* well-framed, but the host is not a well-formed name or literal */
};

/*
 * An HTTP request head: "CONNECT host:port HTTP/1.x" or
 * "METHOD http://host[:port]/path HTTP/1.x", then headers up to an empty
 * line, CRLF line ends. For the absolute form, the request line to send is
 * METHOD SP path SP version, spans into the buffer.
 */
struct http_req {
	int is_connect;
	struct dest dest;
	size_t head_len;          /* bytes up to and including the empty line */
	size_t line_len;          /* the request line with its CRLF */
	size_t method_len;        /* method at offset 0 */
	size_t path_off, path_len;    /* origin-form target ("/" when the URL has none: path_len 0) */
	size_t version_off, version_len;
};
enum parse_rc http_parse_head(const uint8_t *buf, size_t len, struct http_req *r);

/*
 * The head to send upstream for an absolute-form request r parsed from buf:
 * the request line in origin form, "Host:" with the host and port the
 * request line named (the client's own Host header is dropped: the upstream
 * sees the host drop checked), the headers without Connection,
 * Proxy-Connection and Keep-Alive, then "Connection: close", so that a
 * client connection carries one request, to the host it named (clients
 * reuse a proxy connection for other hosts). Returns the length written to
 * out, 0 when cap is too small.
 */
size_t http_origin_head(const uint8_t *buf, const struct http_req *r, uint8_t *out, size_t cap);
/* Room enough for the origin form of any head that fits PROXY_HEAD_MAX: its own bytes, the Host line, Connection: close. */
#define PROXY_ORIGIN_HEAD_MAX (PROXY_HEAD_MAX + sizeof("Host: []:65535\r\nConnection: close\r\n") + HOST_NAME_MAX_LEN)

/* SOCKS5 greeting: VER 5, NMETHODS, METHODS. *no_auth tells whether method 0 was offered. */
enum parse_rc socks_parse_greeting(const uint8_t *buf, size_t len, size_t *used, int *no_auth);

/* SOCKS5 reply codes drop sends. */
enum socks_reply {
	SOCKS_OK = 0x00,
	SOCKS_FAIL = 0x01,
	SOCKS_NOT_ALLOWED = 0x02,
	SOCKS_HOST_UNREACHABLE = 0x04,
	SOCKS_REFUSED = 0x05,
	SOCKS_CMD_UNSUPPORTED = 0x07,
	SOCKS_ATYP_UNSUPPORTED = 0x08,
};

/*
 * SOCKS5 request: VER 5, CMD, RSV 0, ATYP (1 IPv4, 3 domain, 4 IPv6),
 * address, port. PARSE_BAD sets *reply to the code to answer with
 * (unsupported command or address type, or general failure);
 * PARSE_BADHOST is a domain that is not a well-formed name (not allowed).
 */
enum parse_rc socks_parse_request(const uint8_t *buf, size_t len, size_t *used, struct dest *d, uint8_t *reply);

#endif
