/* fuzz-proxy.c: libFuzzer target for the filtered network's parsers: HTTP request heads and their origin-form rewrite, SOCKS5, hosts text, allow entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy-parse.h"
#include "proxy-rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever a parser accepts must be canonical: a name that host_canon would take back unchanged. */
static void check_dest(const struct dest *d)
{
	struct dest again;

	if (d->kind != DEST_NAME)
		return;
	if (host_canon(d->name, strlen(d->name), &again) < 0 || strcmp(again.name, d->name))
		abort();
}

static void fuzz_http(const uint8_t *data, size_t size)
{
	struct http_req r;

	if (http_parse_head(data, size, &r) != PARSE_OK)
		return;
	if (r.head_len > size || r.line_len > r.head_len || r.version_off + r.version_len > r.line_len ||
	    (!r.is_connect && r.path_off + r.path_len > r.line_len))
		abort();
	check_dest(&r.dest);
	if (!r.is_connect) {
		static uint8_t out[PROXY_ORIGIN_HEAD_MAX];
		size_t n = http_origin_head(data, &r, out, sizeof(out));

		/* The origin-form head always fits in PROXY_ORIGIN_HEAD_MAX (the proxy relies on it). */
		if (r.head_len <= PROXY_HEAD_MAX && (n == 0 || n > r.head_len + PROXY_ORIGIN_HEAD_MAX - PROXY_HEAD_MAX))
			abort();
	}
}

static void fuzz_socks(const uint8_t *data, size_t size)
{
	size_t used = 0;
	int no_auth;
	struct dest d;
	uint8_t reply;

	if (socks_parse_greeting(data, size, &used, &no_auth) == PARSE_OK) {
		if (used > size)
			abort();
		data += used;
		size -= used;
	}
	if (socks_parse_request(data, size, &used, &d, &reply) == PARSE_OK) {
		if (used > size)
			abort();
		check_dest(&d);
	}
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	struct hosts_table t = { 0 };
	struct allow_entry e;
	char why[160];
	char *text = malloc(size + 1);

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	hosts_parse(text, size, &t);
	for (size_t i = 0; i < t.n; i++) {
		struct net_addr out[2];
		if (!hosts_lookup(&t, t.v[i].name, out, 2))
			abort();
	}
	hosts_free(&t);
	if (allow_parse(text, &e, why, sizeof(why)) == 0 && e.kind != ALLOW_ADDR) {
		struct dest d = { .kind = DEST_NAME };
		memcpy(d.name, e.name, sizeof(d.name));
		check_dest(&d);
	}
	free(text);
}

/* The first byte picks the parser, so that one corpus covers them all. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_http(data + 1, size - 1);
		break;
	case 1:
		fuzz_socks(data + 1, size - 1);
		break;
	default:
		fuzz_text(data + 1, size - 1);
		break;
	}
	return 0;
}
