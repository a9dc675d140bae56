/* test-proxy.c: unit tests for the filtered network's pure parts: allow entries, canonicalization, matching, ranges, parsers. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "proxy-parse.h"
#include "proxy-rules.h"
#include "tap.h"

static void check_entry(const char *text, int want_ok, const char *want_why)
{
	struct allow_entry e;
	char why[160] = "";
	int rc = allow_parse(text, &e, why, sizeof(why));

	ok(want_ok ? rc == 0 : rc < 0, "allow entry '%s' is %s", text, want_ok ? "valid" : "refused");
	if (want_why)
		ok(strstr(why, want_why) != NULL, "allow entry '%s': reason mentions '%s' (%s)", text, want_why, why);
}

static void test_entries(void)
{
	struct allow_entry e;
	char why[160];

	check_entry("registry.npmjs.org", 1, NULL);
	check_entry("Registry.NPMjs.org.", 1, NULL);
	check_entry("*.githubusercontent.com", 1, NULL);
	check_entry("github.com:22", 1, NULL);
	check_entry("192.0.2.7:8080", 1, NULL);
	check_entry("[2001:db8::1]:443", 1, NULL);
	check_entry("[2001:db8::1]", 1, NULL);
	check_entry("*.com", 0, "two labels");
	check_entry("*", 0, NULL);
	check_entry("*.*.example.com", 0, NULL);
	check_entry("a.*.example.com", 0, NULL);
	check_entry("https://example.com", 0, "scheme");
	check_entry("example.com/path", 0, "path");
	check_entry("user@example.com", 0, "user");
	check_entry("example .com", 0, "blank");
	check_entry("", 0, "empty");
	check_entry("example.com:0", 0, NULL);
	check_entry("example.com:65536", 0, NULL);
	check_entry("example.com:", 0, NULL);
	check_entry("example.com:http", 0, NULL);
	check_entry("2001:db8::1", 0, NULL);
	check_entry("ex_ample.com", 0, NULL);
	check_entry("a..b", 0, NULL);
	check_entry("127.1", 0, NULL);
	check_entry("*.192.0.2.7", 0, NULL);
	ok(allow_parse("Example.COM.:8443", &e, why, sizeof(why)) == 0 && e.kind == ALLOW_NAME &&
		   !strcmp(e.name, "example.com") && e.port == 8443,
	   "entry canonical: lower case, trailing dot removed, port kept");
	ok(allow_parse("*.Example.com", &e, why, sizeof(why)) == 0 && e.kind == ALLOW_WILDCARD &&
		   !strcmp(e.name, "example.com") && e.port == 0,
	   "wildcard entry keeps the domain, no port means 80 and 443");
	ok(allow_parse("[::ffff:192.0.2.7]:1", &e, why, sizeof(why)) == 0 && e.kind == ALLOW_ADDR && e.addr.family == 4 &&
		   e.port == 1,
	   "an IPv4-mapped literal is the IPv4 address; port 1 is a port");
}

static int canon(const char *s, size_t len, struct dest *d)
{
	return host_canon(s, len, d);
}

static void test_canon(void)
{
	struct dest d;
	char big[300];

	ok(canon("Allowed.TEST.", 13, &d) == 0 && d.kind == DEST_NAME && !strcmp(d.name, "allowed.test"),
	   "case and one trailing dot are canonicalized");
	ok(canon("allowed.test..", 14, &d) < 0, "two trailing dots are refused");
	ok(canon("allowed.test\0.evil.test", 23, &d) < 0, "a NUL byte is refused");
	ok(canon("allowed%2etest", 14, &d) < 0, "percent escapes are refused");
	ok(canon("user@allowed.test", 17, &d) < 0, "userinfo is refused");
	ok(canon(".allowed.test", 13, &d) < 0, "an empty label is refused");
	ok(canon("", 0, &d) < 0, "an empty name is refused");
	ok(canon("allowed.test ", 13, &d) < 0, "a blank is refused");
	ok(canon("2130706433", 10, &d) < 0, "a numeric name is refused");
	ok(canon("127.1", 5, &d) < 0, "a short-form address is refused");
	ok(canon("0127.0.0.1", 10, &d) < 0, "an octal-looking address is refused");
	ok(canon("127.0.0.1", 9, &d) == 0 && d.kind == DEST_ADDR && d.addr.family == 4, "a dotted quad is an address");
	ok(canon("[::1]", 5, &d) == 0 && d.kind == DEST_ADDR && d.addr.family == 6, "[::1] is an address");
	ok(canon("[::ffff:127.0.0.1]", 18, &d) == 0 && d.addr.family == 4 && d.addr.a[0] == 127,
	   "a mapped IPv6 literal is its IPv4 address");
	ok(canon("[fe80::1%25lo]", 14, &d) < 0, "a zone id is refused");
	memset(big, 'a', sizeof(big));
	for (int i = 60; i < 300; i += 61)
		big[i] = '.';
	ok(canon(big, 253, &d) == 0, "253 bytes are a name");
	ok(canon(big, 254, &d) < 0, "254 bytes are not");
	memset(big, 'a', 64);
	ok(canon(big, 64, &d) < 0, "a label over 63 bytes is refused");
}

static struct allow_list list_of(const char *const *entries)
{
	struct allow_list l = { 0 };
	struct allow_entry e;
	char why[160];

	for (; *entries; entries++)
		if (allow_parse(*entries, &e, why, sizeof(why)) == 0)
			allow_list_add(&l, &e);
	return l;
}

static int allowed(const struct allow_list *l, const char *auth)
{
	struct dest d;

	return authority_parse(auth, strlen(auth), 0, &d) == 0 && allow_match(l, &d);
}

static void test_match(void)
{
	const char *const entries[] = { "allowed.test", "*.wild.test", "port.test:8080", "192.0.2.7:8080",
					"[2001:db8::1]", NULL };
	struct allow_list l = list_of(entries);
	struct allow_list empty = { 0 };

	ok(allowed(&l, "allowed.test:443") && allowed(&l, "allowed.test:80"), "a name entry allows 80 and 443");
	ok(!allowed(&l, "allowed.test:8080"), "... and no other port");
	ok(allowed(&l, "ALLOWED.test.:443"), "case and trailing dot still match");
	ok(!allowed(&l, "allowed.test.evil.test:443"), "a name with the allowed one as prefix is refused");
	ok(!allowed(&l, "evilallowed.test:443"), "a name ending in the allowed one is refused");
	ok(!allowed(&l, "sub.allowed.test:443"), "a subdomain of a plain entry is refused");
	ok(allowed(&l, "a.wild.test:443") && allowed(&l, "a.b.wild.test:80"), "a wildcard allows subdomains");
	ok(!allowed(&l, "wild.test:443"), "a wildcard does not allow its apex");
	ok(!allowed(&l, "xwild.test:443"), "a wildcard needs a dot before its domain");
	ok(allowed(&l, "port.test:8080") && !allowed(&l, "port.test:443"), "a port entry allows only its port");
	ok(allowed(&l, "192.0.2.7:8080") && !allowed(&l, "192.0.2.7:80"), "an address entry with its port");
	ok(allowed(&l, "[2001:db8::1]:443") && !allowed(&l, "[2001:db8::2]:443"), "an IPv6 entry");
	ok(!allowed(&l, "[::ffff:192.0.2.8]:8080") && allowed(&l, "[::ffff:192.0.2.7]:8080"),
	   "a mapped literal matches the IPv4 entry");
	ok(!allowed(&empty, "allowed.test:443"), "an empty list allows nothing");
	allow_list_free(&l);
}

static int forbidden(const char *text)
{
	uint8_t b[16];
	struct net_addr a;

	if (inet_pton(AF_INET, text, b) == 1)
		addr_set(&a, 4, b);
	else if (inet_pton(AF_INET6, text, b) == 1)
		addr_set(&a, 6, b);
	else
		return -1;
	return addr_is_forbidden(&a);
}

static void test_ranges(void)
{
	const char *const bad[] = { "127.0.0.1", "127.255.0.9", "0.0.0.0", "0.1.2.3", "10.1.2.3", "172.16.0.1",
				    "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.255",
				    "224.0.0.1", "239.255.255.250", "255.255.255.255", "::", "::1", "fe80::1", "febf::1",
				    "fc00::1", "fdff::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1",
				    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::1", "2002:7f00:1::1",
				    "2002:c0a8:101::1", NULL };
	const char *const good[] = { "198.51.100.7", "192.0.2.1", "8.8.8.8", "172.15.255.255", "172.32.0.1",
				     "100.63.255.255", "100.128.0.1", "169.253.0.1", "223.255.255.255", "240.0.0.1",
				     "2001:db8::1", "2606:4700::1111", "fec0::1", "64:ff9b::808:808", "2002:808:808::1",
				     "::ffff:198.51.100.7", NULL };

	for (size_t i = 0; bad[i]; i++)
		ok(forbidden(bad[i]) == 1, "%s is refused", bad[i]);
	for (size_t i = 0; good[i]; i++)
		ok(forbidden(good[i]) == 0, "%s is not in a refused range", good[i]);
}

static enum parse_rc head(const char *s, struct http_req *r)
{
	return http_parse_head((const uint8_t *)s, strlen(s), r);
}

static void test_http(void)
{
	struct http_req r;
	const char *get = "GET http://Allowed.test:8080/a/b?c HTTP/1.1\r\nHost: x\r\n\r\nBODY";

	ok(head("CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n", &r) == PARSE_OK &&
		   r.is_connect && !strcmp(r.dest.name, "allowed.test") && r.dest.port == 443,
	   "CONNECT host:port");
	ok(head(get, &r) == PARSE_OK && !r.is_connect && !strcmp(r.dest.name, "allowed.test") && r.dest.port == 8080 &&
		   r.method_len == 3 && !strncmp(get + r.path_off, "/a/b?c", r.path_len) && r.path_len == 6 &&
		   r.head_len == strlen(get) - 4,
	   "absolute-form GET: host, port, path, head length");
	ok(head("GET http://allowed.test HTTP/1.0\r\n\r\n", &r) == PARSE_OK && r.dest.port == 80 && r.path_len == 0,
	   "absolute-form without a path or port");
	ok(head("GET http://[2001:db8::1]:81/ HTTP/1.1\r\n\r\n", &r) == PARSE_OK && r.dest.kind == DEST_ADDR &&
		   r.dest.port == 81,
	   "absolute-form with an IPv6 literal");
	ok(head("CONNECT allowed.test:443 HTTP/1.1\r\nHost: a\r\n", &r) == PARSE_MORE, "an incomplete head needs more");
	ok(head("CONNECT allowed.test HTTP/1.1\r\n\r\n", &r) == PARSE_BADHOST, "CONNECT without a port");
	ok(head("CONNECT user@allowed.test:443 HTTP/1.1\r\n\r\n", &r) == PARSE_BADHOST, "CONNECT with userinfo");
	ok(head("GET http://user:pw@allowed.test/ HTTP/1.1\r\n\r\n", &r) == PARSE_BADHOST, "GET with userinfo");
	ok(head("GET http://allowed%2etest/ HTTP/1.1\r\n\r\n", &r) == PARSE_BADHOST, "percent escape in the host");
	ok(head("GET /path HTTP/1.1\r\n\r\n", &r) == PARSE_BAD, "origin-form is not a proxy request");
	ok(head("GET https://allowed.test/ HTTP/1.1\r\n\r\n", &r) == PARSE_BAD, "https:// absolute-form is refused");
	ok(head("GET http://allowed.test/ HTTP/2.0\r\n\r\n", &r) == PARSE_BAD, "unknown version");
	ok(head("GET http://allowed.test/ HTTP/1.1\n\n", &r) == PARSE_BAD, "bare LF");
	ok(http_parse_head((const uint8_t *)"CONNECT a\0b:443 HTTP/1.1\r\n\r\n", 28, &r) == PARSE_BAD, "NUL in the head");
	ok(head("GET  http://allowed.test/ HTTP/1.1\r\n\r\n", &r) == PARSE_BAD, "two spaces");
	ok(head("G(T http://allowed.test/ HTTP/1.1\r\n\r\n", &r) == PARSE_BAD, "bad method");
	ok(head("GET http://allowed.test/ HTTP/1.1\r\nA: b\r\n c\r\n\r\n", &r) == PARSE_BAD, "obsolete line folding");
	ok(head("GET http://allowed.test/ HTTP/1.1\r\nno colon\r\n\r\n", &r) == PARSE_BAD, "a header without a colon");
}

static void test_origin_head(void)
{
	const char *req = "GET http://allowed.test:81/p?q HTTP/1.1\r\nHost: allowed.test\r\nProxy-Connection: keep-alive\r\n"
			  "connection: Keep-Alive\r\nKeep-Alive: 5\r\nAccept: */*\r\n\r\nBODY";
	const char *bare = "HEAD http://allowed.test HTTP/1.0\r\n\r\n";
	uint8_t out[256];
	struct http_req r;
	size_t n;

	ok(head(req, &r) == PARSE_OK, "a request with connection headers parses");
	n = http_origin_head((const uint8_t *)req, &r, out, sizeof(out));
	out[n] = 0;
	is_str((char *)out, "GET /p?q HTTP/1.1\r\nHost: allowed.test:81\r\nAccept: */*\r\nConnection: close\r\n\r\n",
	       "origin form, Host from the request line, connection headers replaced by Connection: close");
	ok(head(bare, &r) == PARSE_OK, "a request without a path parses");
	n = http_origin_head((const uint8_t *)bare, &r, out, sizeof(out));
	out[n] = 0;
	is_str((char *)out, "HEAD / HTTP/1.0\r\nHost: allowed.test:80\r\nConnection: close\r\n\r\n", "an empty path becomes /");
	ok(http_origin_head((const uint8_t *)bare, &r, out, 10) == 0, "too small an output is refused");
}

static void test_socks(void)
{
	const uint8_t greet[] = { 5, 2, 2, 0 };
	const uint8_t greet_auth[] = { 5, 1, 2 };
	const uint8_t dom[] = { 5, 1, 0, 3, 12, 'a', 'l', 'l', 'o', 'w', 'e', 'd', '.', 't', 'e', 's', 't', 0, 80 };
	const uint8_t nul[] = { 5, 1, 0, 3, 5, 'a', 0, '.', 'b', 'c', 1, 187 };
	const uint8_t v4[] = { 5, 1, 0, 1, 198, 51, 100, 7, 0x1f, 0x90 };
	const uint8_t v6[] = { 5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1, 0, 80 };
	const uint8_t bind[] = { 5, 2, 0, 1, 1, 2, 3, 4, 0, 80 };
	const uint8_t atyp[] = { 5, 1, 0, 9, 1, 2, 3, 4, 0, 80 };
	size_t used = 0;
	int no_auth;
	struct dest d;
	uint8_t reply;

	ok(socks_parse_greeting(greet, sizeof(greet), &used, &no_auth) == PARSE_OK && no_auth && used == 4,
	   "greeting with no-auth");
	ok(socks_parse_greeting(greet_auth, sizeof(greet_auth), &used, &no_auth) == PARSE_OK && !no_auth,
	   "greeting without no-auth");
	ok(socks_parse_greeting(greet, 3, &used, &no_auth) == PARSE_MORE, "short greeting");
	ok(socks_parse_request(dom, sizeof(dom), &used, &d, &reply) == PARSE_OK && d.kind == DEST_NAME &&
		   !strcmp(d.name, "allowed.test") && d.port == 80 && used == sizeof(dom),
	   "domain request");
	ok(socks_parse_request(dom, sizeof(dom) - 1, &used, &d, &reply) == PARSE_MORE, "short domain request");
	ok(socks_parse_request(nul, sizeof(nul), &used, &d, &reply) == PARSE_BADHOST, "NUL in a domain");
	ok(socks_parse_request(v4, sizeof(v4), &used, &d, &reply) == PARSE_OK && d.kind == DEST_ADDR &&
		   d.addr.family == 4 && d.port == 8080,
	   "IPv4 request");
	ok(socks_parse_request(v6, sizeof(v6), &used, &d, &reply) == PARSE_OK && d.addr.family == 4 && d.addr.a[0] == 127,
	   "IPv4-mapped IPv6 request is IPv4");
	ok(socks_parse_request(bind, sizeof(bind), &used, &d, &reply) == PARSE_BAD && reply == SOCKS_CMD_UNSUPPORTED,
	   "BIND is unsupported");
	ok(socks_parse_request(atyp, sizeof(atyp), &used, &d, &reply) == PARSE_BAD && reply == SOCKS_ATYP_UNSUPPORTED,
	   "unknown address type");
}

static void test_hosts(void)
{
	const char *text = "# comment\n127.0.0.1 localhost\n198.51.100.7 Allowed.test alias.test # c\n"
			   "10.0.0.1 private.test\nfe80::1%lo zone.test\nbogus bad.test\n::1 localhost ip6-localhost\n"
			   "198.51.100.8\tallowed.test";
	struct hosts_table t = { 0 };
	struct net_addr out[4];

	ok(hosts_parse(text, strlen(text), &t) == 0, "hosts text parses");
	ok(hosts_lookup(&t, "allowed.test", out, 4) == 2 && out[0].a[3] == 7 && out[1].a[3] == 8,
	   "every address of a name, in file order");
	ok(hosts_lookup(&t, "alias.test", out, 4) == 1, "aliases");
	ok(hosts_lookup(&t, "localhost", out, 4) == 2, "IPv4 and IPv6");
	ok(hosts_lookup(&t, "zone.test", out, 4) == 0 && hosts_lookup(&t, "bad.test", out, 4) == 0,
	   "lines with a bad address are skipped");
	ok(hosts_lookup(&t, "c", out, 4) == 0, "comments are not names");
	hosts_free(&t);
}

int main(void)
{
	test_entries();
	test_canon();
	test_match();
	test_ranges();
	test_http();
	test_origin_head();
	test_socks();
	test_hosts();
	return tap_done();
}
