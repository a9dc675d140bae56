/* test-wire.c: unit tests for the bounded buffer (wire.c) and drop's messages (proto.c). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "proto.h"
#include "sys.h"
#include "tap.h"
#include "wire.h"

/*
 * The tests below hand-craft messages, so they know the wire layout that
 * proto.c documents: field = tag u16, type u8, value; env_id is tag 1 (a
 * string, type 2) and comes first; argv is tag 22 (a list, type 3) and last.
 */
#define TAG_ENV_ID 1
#define TAG_ARGV 22
#define TYPE_U32 1
#define TYPE_STRING 2
#define TYPE_STRV 3
#define LENGTH_OFFSET 10

/* ---- wbuf ---- */

static void test_put_get_each_type(void)
{
	static const uint8_t want[] = { 0xab, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04,
					0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
					'x', 'y', 0, 0, 0, 2, 'h', 'i' };
	autowbuf struct wbuf *b = wbuf_new(64);
	autowbuf struct wbuf *r = NULL;
	autofree char *s = NULL;
	uint8_t u8, bytes[2];
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	ok(b && wbuf_put_u8(b, 0xab) == 0 && wbuf_put_u16(b, 0x1234) == 0 &&
		   wbuf_put_u32(b, 0x01020304) == 0 && wbuf_put_u64(b, 0x0102030405060708ull) == 0 &&
		   wbuf_put_bytes(b, "xy", 2) == 0 && wbuf_put_cstring(b, "hi") == 0,
	   "put each type");
	ok(wbuf_len(b) == sizeof(want) && memcmp(wbuf_data(b), want, sizeof(want)) == 0,
	   "integers are big-endian, strings length-prefixed");
	r = wbuf_from(wbuf_data(b), wbuf_len(b), 64);
	ok(r && wbuf_remaining(r) == sizeof(want), "wbuf_from copies for reading");
	ok(wbuf_get_u8(r, &u8) == 0 && u8 == 0xab, "get u8");
	ok(wbuf_get_u16(r, &u16) == 0 && u16 == 0x1234, "get u16");
	ok(wbuf_get_u32(r, &u32) == 0 && u32 == 0x01020304, "get u32");
	ok(wbuf_get_u64(r, &u64) == 0 && u64 == 0x0102030405060708ull, "get u64");
	ok(wbuf_get_bytes(r, bytes, 2) == 0 && memcmp(bytes, "xy", 2) == 0, "get bytes");
	ok(wbuf_get_cstring(r, &s) == 0, "get cstring");
	is_str(s, "hi", "cstring value");
	ok(wbuf_remaining(r) == 0, "everything consumed");
}

static void test_put_cap(void)
{
	autowbuf struct wbuf *b = wbuf_new(6);

	ok(wbuf_put_u32(b, 1) == 0, "put within max_size");
	errno = 0;
	ok(wbuf_put_u32(b, 2) < 0 && errno == EMSGSIZE, "put past max_size fails with EMSGSIZE");
	ok(wbuf_len(b) == 4, "failed put leaves length unchanged");
	ok(wbuf_put_u16(b, 3) == 0 && wbuf_len(b) == 6, "put up to exactly max_size");
	ok(wbuf_put_u8(b, 4) < 0 && wbuf_put_bytes(b, "x", 1) < 0, "full buffer refuses one byte");
	ok(wbuf_put_bytes(b, NULL, 0) == 0, "zero bytes always fit");
	ok(wbuf_put_bytes(b, "x", SIZE_MAX) < 0 && errno == EMSGSIZE, "huge size does not wrap");
}

static void test_cstring_put_cap(void)
{
	autowbuf struct wbuf *b = wbuf_new(WIRE_MAX_STRING + 64);
	autowbuf struct wbuf *small = wbuf_new(8);
	autofree char *big = malloc(WIRE_MAX_STRING + 2);

	memset(big, 'a', WIRE_MAX_STRING + 1);
	big[WIRE_MAX_STRING + 1] = '\0';
	ok(wbuf_put_cstring(b, big) < 0 && errno == EMSGSIZE && wbuf_len(b) == 0,
	   "cstring over WIRE_MAX_STRING refused");
	big[WIRE_MAX_STRING] = '\0';
	ok(wbuf_put_cstring(b, big) == 0 && wbuf_len(b) == 4 + WIRE_MAX_STRING,
	   "cstring of exactly WIRE_MAX_STRING accepted");
	ok(wbuf_put_cstring(small, "12345") < 0 && wbuf_len(small) == 0,
	   "cstring that does not fit writes nothing (not even its length)");
	ok(wbuf_put_cstring(small, NULL) < 0 && errno == EINVAL, "NULL cstring refused");
}

static void test_get_short(void)
{
	static const uint8_t three[] = { 1, 2, 3 };
	autowbuf struct wbuf *r = wbuf_from(three, sizeof(three), 16);
	uint32_t u32 = 99;
	uint64_t u64 = 99;
	uint8_t bytes[4] = { 9, 9, 9, 9 };
	uint16_t u16;

	errno = 0;
	ok(wbuf_get_u32(r, &u32) < 0 && errno == EBADMSG, "get u32 from 3 bytes fails (EBADMSG)");
	ok(u32 == 0, "failed get clears its output");
	ok(wbuf_get_u64(r, &u64) < 0 && u64 == 0, "get u64 from 3 bytes fails");
	ok(wbuf_get_bytes(r, bytes, 4) < 0 && bytes[0] == 0, "get 4 bytes from 3 fails");
	ok(wbuf_remaining(r) == 3, "failed gets do not advance");
	ok(wbuf_get_u16(r, &u16) == 0 && u16 == 0x0102 && wbuf_remaining(r) == 1,
	   "a get that fits still works afterwards");
	ok(wbuf_poke_u32(r, 0, 1) < 0, "poke past the written length fails");
	ok(wbuf_from(three, sizeof(three), 2) == NULL && errno == EMSGSIZE,
	   "wbuf_from refuses data above max_size");
}

static void test_get_cstring_bad(void)
{
	static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'b' };
	static const uint8_t over[] = { 0, 1, 0, 1, 'a' };
	static const uint8_t short_body[] = { 0, 0, 0, 5, 'a', 'b' };
	static const uint8_t empty[] = { 0, 0, 0, 0 };
	char *s = (char *)"sentinel";
	struct wbuf *r;

	r = wbuf_from(nul, sizeof(nul), 64);
	ok(wbuf_get_cstring(r, &s) < 0 && errno == EBADMSG && !s, "cstring with interior NUL rejected");
	ok(wbuf_remaining(r) == sizeof(nul), "rejected cstring does not advance");
	wbuf_free(r);
	r = wbuf_from(over, sizeof(over), 64);
	ok(wbuf_get_cstring(r, &s) < 0 && !s, "cstring length over WIRE_MAX_STRING rejected");
	wbuf_free(r);
	r = wbuf_from(short_body, sizeof(short_body), 64);
	ok(wbuf_get_cstring(r, &s) < 0 && !s && wbuf_remaining(r) == sizeof(short_body),
	   "cstring longer than the remaining bytes rejected");
	wbuf_free(r);
	r = wbuf_from(empty, sizeof(empty), 64);
	ok(wbuf_get_cstring(r, &s) == 0 && s && s[0] == '\0', "empty cstring decodes to \"\"");
	free(s);
	wbuf_free(r);
}

/* ---- setup codec ---- */

static char *long_string(char c)
{
	char *s = malloc(WIRE_MAX_STRING + 1);

	memset(s, c, WIRE_MAX_STRING);
	s[WIRE_MAX_STRING] = '\0';
	return s;
}

/* A small but complete setup; fields point at literals, so never setup_free it. */
static void small_setup(struct drop_setup *s)
{
	static struct mount_spec mounts[] = {
		{ (char *)"/usr", (char *)"/usr", 0 },
		{ (char *)"/home/a/src", (char *)"/home/a/src", MOUNT_F_RW },
		{ (char *)"/lib32", (char *)"/lib32", MOUNT_F_OPTIONAL | MOUNT_F_RW },
	};
	static char *blocks[] = { (char *)"/home/a/.ssh", (char *)"/data/run", NULL };
	static char *hidden[] = { (char *)"/data/run", NULL };
	static char *writable[] = { (char *)"/data", (char *)"/home/u/proj", NULL };
	static char *readonly[] = { (char *)"/data/envs", NULL };
	static char *deny[] = { NULL };
	static char *envp[] = { (char *)"HOME=/home/a", (char *)"TERM=xterm", (char *)"EMPTY=", NULL };
	static char *argv[] = { (char *)"sh", (char *)"-c", (char *)"", (char *)"echo hi", NULL };

	memset(s, 0, sizeof(*s));
	s->env_id = (char *)"proj";
	s->env_dir = (char *)"/data/envs/proj";
	s->home = (char *)"/home/a";
	s->cwd = (char *)"";
	s->run_dir = (char *)"/data/run/proj-0001";
	s->uid = 1000;
	s->gid = 0xfffffffe;
	s->as_root = 1;
	s->net_mode = 2;
	s->tty_mask = 7;
	s->ws_row = 50;
	s->ws_col = 0x10000;
	s->seccomp = 1;
	s->userns = 1;
	s->verbosity = 2;
	s->mounts = mounts;
	s->n_mounts = 3;
	s->blocks = blocks;
	s->readonly = readonly;
	s->hidden = hidden;
	s->writable = writable;
	s->seccomp_allow = NULL; /* NULL list: sent as empty */
	s->seccomp_deny = deny;
	s->envp = envp;
	s->argv = argv;
}

static int encode(const struct drop_setup *s, uint8_t **out, size_t *len)
{
	struct drop_err err = { 0 };
	int r = proto_encode_setup(s, out, len, &err);

	if (r < 0)
		tap_diag("encode: %s", err.msg);
	return r;
}

static void test_round_trip(void)
{
	struct drop_setup in, out;
	struct drop_err err = { 0 };
	autofree uint8_t *msg = NULL;
	autofree char *long_cwd = long_string('c');
	size_t len = 0;

	small_setup(&in);
	in.cwd = long_cwd;
	ok(encode(&in, &msg, &len) == 0, "encode a fully populated setup");
	ok(len > PROTO_HEADER_SIZE && msg[LENGTH_OFFSET] == (uint8_t)(len >> 24) &&
		   msg[LENGTH_OFFSET + 3] == (uint8_t)len,
	   "header length field is the total length");
	ok(proto_decode_setup(msg, len, &out, &err) == 0, "decode it back");
	ok(setup_equal(&in, &out), "round trip gives an identical setup");
	ok(out.n_mounts == 3 && out.mounts[2].flags == (MOUNT_F_OPTIONAL | MOUNT_F_RW),
	   "n_mounts comes from the list");
	ok(strlen(out.cwd) == WIRE_MAX_STRING, "a string of the maximum length survives");
	ok(out.seccomp_allow && !out.seccomp_allow[0] && out.seccomp_deny && !out.seccomp_deny[0],
	   "empty lists decode to empty NULL-terminated arrays");
	ok(out.argv && out.argv[3] && !strcmp(out.argv[2], "") && !out.argv[4],
	   "argv keeps empty arguments and its terminator");
	setup_free(&out);
	ok(!out.env_id && !out.argv && !out.mounts && out.n_mounts == 0, "setup_free zeroes");
	setup_free(&out);
	setup_free(NULL);

	small_setup(&in);
	in.mounts = NULL;
	in.n_mounts = 0;
	msg = (free(msg), NULL);
	ok(encode(&in, &msg, &len) == 0 && proto_decode_setup(msg, len, &out, &err) == 0 &&
		   out.n_mounts == 0 && setup_equal(&in, &out),
	   "empty mount list round trips");
	setup_free(&out);
}

static void test_encode_refuses(void)
{
	static char *no_args[] = { NULL };
	struct drop_setup s;
	struct drop_err err = { 0 };
	uint8_t *msg = (uint8_t *)"x";
	size_t len = 1;

	small_setup(&s);
	s.argv = no_args;
	ok(proto_encode_setup(&s, &msg, &len, &err) < 0 && !msg && len == 0, "empty argv not encoded");
	is_str(err.msg, "setup message: argv is empty", "empty argv message");
	ok(err.status == DROP_ESETUP, "setup errors are DROP_ESETUP");
	small_setup(&s);
	s.home = NULL;
	ok(proto_encode_setup(&s, &msg, &len, &err) < 0, "NULL required string not encoded");
	is_str(err.msg, "setup message: field home is required but NULL", "NULL string message");
	small_setup(&s);
	s.mounts = (struct mount_spec[]){ { (char *)"/a", NULL, 0 } };
	s.n_mounts = 1;
	ok(proto_encode_setup(&s, &msg, &len, &err) < 0, "mount with NULL dst not encoded");
}

static void test_encode_too_large(void)
{
	enum { N = 80 };
	char *strings[N + 1];
	struct drop_setup s;
	struct drop_err err = { 0 };
	uint8_t *msg = NULL;
	size_t len = 0;

	/* 80 strings of 64 KiB: more than the 4 MiB message cap. */
	for (int i = 0; i < N; i++)
		strings[i] = long_string('e');
	strings[N] = NULL;
	small_setup(&s);
	s.envp = strings;
	ok(proto_encode_setup(&s, &msg, &len, &err) < 0 && !msg, "message over PROTO_MAX_MSG refused");
	ok(strstr(err.msg, "too large at field envp") != NULL, "says which field overflowed: %s",
	   err.msg);
	for (int i = 0; i < N; i++)
		free(strings[i]);
}

/* ---- hand-made bad messages ---- */

struct bytes {
	uint8_t *p;
	size_t len;
};

static void bytes_free(struct bytes *b)
{
	free(b->p);
}
#define autobytes __attribute__((cleanup(bytes_free)))

static struct bytes valid_message(void)
{
	struct drop_setup s;
	struct bytes m = { 0 };

	small_setup(&s);
	encode(&s, &m.p, &m.len);
	return m;
}

static struct bytes bytes_dup(const uint8_t *p, size_t len, size_t extra)
{
	struct bytes m = { malloc(len + extra), len };

	memcpy(m.p, p, len);
	return m;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void fix_length(struct bytes *m)
{
	put_be32(m->p + LENGTH_OFFSET, (uint32_t)m->len);
}

static void append(struct bytes *m, const void *p, size_t n)
{
	m->p = realloc(m->p, m->len + n);
	memcpy(m->p + m->len, p, n);
	m->len += n;
}

/* Decode must fail with exactly this message and leave the output zeroed. */
static void expect_reject(const struct bytes *m, const char *want, const char *what)
{
	static const struct drop_setup zero;
	struct drop_setup s;
	struct drop_err err = { 0 };
	int r;

	memset(&s, 0xa5, sizeof(s));
	r = proto_decode_setup(m->p, m->len, &s, &err);
	ok(r < 0 && memcmp(&s, &zero, sizeof(s)) == 0 && err.status == DROP_ESETUP, "%s rejected",
	   what);
	is_str(err.msg, want, "%s: message", what);
	if (r == 0)
		setup_free(&s);
}

/* The first field is env_id: tag, type, u32 length, bytes. */
static size_t first_field_size(const struct bytes *m)
{
	const uint8_t *f = m->p + PROTO_HEADER_SIZE;

	return 3 + 4 + ((size_t)f[3] << 24 | (size_t)f[4] << 16 | (size_t)f[5] << 8 | f[6]);
}

static void test_reject_header(void)
{
	autobytes struct bytes valid = valid_message();
	struct bytes m;

	m = bytes_dup(valid.p, valid.len, 0);
	m.p[0] ^= 0x01;
	expect_reject(&m, "setup message: bad magic 0x45524f50", "bad magic");
	m.p[0] ^= 0x01;
	m.p[5] = PROTO_VERSION + 1;
	{
		char want[96];

		snprintf(want, sizeof(want), "setup message: unsupported protocol version %d (expected %d)",
			 PROTO_VERSION + 1, PROTO_VERSION);
		expect_reject(&m, want, "bad version");
	}
	m.p[5] = PROTO_VERSION;
	m.p[7] = MSG_READY;
	expect_reject(&m, "setup message: not a setup message", "wrong message type");
	m.p[7] = MSG_SETUP;
	m.p[9] = PROTO_FLAG_FD;
	expect_reject(&m, "setup message: not a setup message", "fd flag on setup");
	m.p[9] = 0x80;
	expect_reject(&m, "setup message: unknown header flags 0x80", "unknown flag");
	m.p[9] = 0;
	put_be32(m.p + LENGTH_OFFSET, PROTO_HEADER_SIZE - 1);
	expect_reject(&m, "setup message: bad message length 13", "length smaller than header");
	put_be32(m.p + LENGTH_OFFSET, PROTO_MAX_MSG + 1);
	expect_reject(&m, "setup message: bad message length 4194305", "length over PROTO_MAX_MSG");
	put_be32(m.p + LENGTH_OFFSET, 0xffffffff);
	expect_reject(&m, "setup message: bad message length 4294967295", "length 0xffffffff");
	put_be32(m.p + LENGTH_OFFSET, (uint32_t)m.len + 1);
	expect_reject(&m, "setup message: truncated", "length beyond the buffer");
	bytes_free(&m);
}

static void test_reject_truncated(void)
{
	autobytes struct bytes valid = valid_message();
	int all_failed = 1, all_zeroed = 1, fixed_failed = 1;

	/* Every prefix, first as-is (header disagrees), then with the length fixed up. */
	for (size_t n = 0; n < valid.len; n++) {
		struct bytes m = bytes_dup(valid.p, n, 0);
		struct drop_setup s = { 0 };
		struct drop_err err = { 0 };

		if (proto_decode_setup(m.p, n, &s, &err) == 0) {
			all_failed = 0;
			setup_free(&s);
		}
		all_zeroed &= s.env_id == NULL && s.argv == NULL;
		if (n >= PROTO_HEADER_SIZE) {
			fix_length(&m);
			if (proto_decode_setup(m.p, n, &s, &err) == 0) {
				fixed_failed = 0;
				setup_free(&s);
			}
		}
		bytes_free(&m);
	}
	ok(all_failed && all_zeroed, "every prefix of a valid message is rejected");
	ok(fixed_failed, "every prefix with a matching length field is rejected");
}

static void test_reject_trailing(void)
{
	autobytes struct bytes valid = valid_message();
	struct bytes m = bytes_dup(valid.p, valid.len, 0);

	append(&m, "\0", 1);
	expect_reject(&m, "setup message: trailing data", "byte beyond the header's length");
	fix_length(&m);
	expect_reject(&m, "setup message: truncated field header", "garbage inside the length");
	append(&m, "\0\0", 2);
	fix_length(&m);
	expect_reject(&m, "setup message: unknown field tag 0", "three zero bytes as a field");
	bytes_free(&m);
}

static void test_reject_fields(void)
{
	static const uint8_t unknown[] = { 0x03, 0xe7, TYPE_U32, 0, 0, 0, 0 };
	autobytes struct bytes valid = valid_message();
	size_t first = first_field_size(&valid);
	struct bytes m;

	m = bytes_dup(valid.p, valid.len, 0);
	append(&m, valid.p + PROTO_HEADER_SIZE, first);
	fix_length(&m);
	expect_reject(&m, "setup message: duplicate field env_id", "duplicate tag");
	bytes_free(&m);

	m = bytes_dup(valid.p, valid.len, 0);
	append(&m, unknown, sizeof(unknown));
	fix_length(&m);
	expect_reject(&m, "setup message: unknown field tag 999", "unknown tag");
	bytes_free(&m);

	m = bytes_dup(valid.p, valid.len, 0);
	m.p[PROTO_HEADER_SIZE + 2] = TYPE_U32;
	expect_reject(&m, "setup message: field env_id has the wrong type", "wrong type");
	bytes_free(&m);

	/* Drop the first field entirely. */
	m = bytes_dup(valid.p, PROTO_HEADER_SIZE, 0);
	append(&m, valid.p + PROTO_HEADER_SIZE + first, valid.len - PROTO_HEADER_SIZE - first);
	fix_length(&m);
	expect_reject(&m, "setup message: missing field env_id", "missing required field");
	bytes_free(&m);
}

static struct bytes header_only(void)
{
	autobytes struct bytes valid = valid_message();

	return bytes_dup(valid.p, PROTO_HEADER_SIZE, 0);
}

static void test_reject_counts(void)
{
	static const uint8_t big_count[] = { 0, TAG_ARGV, TYPE_STRV, 0, 0, 0x03, 0xe8 };
	static const uint8_t over_cap[] = { 0, TAG_ARGV, TYPE_STRV, 0, 1, 0, 1 };
	static const uint8_t huge_count[] = { 0, TAG_ARGV, TYPE_STRV, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mounts[] = { 0, 16, 4, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct bytes m;

	m = header_only();
	append(&m, big_count, sizeof(big_count));
	append(&m, "\0\0\0\0\0\0\0\0", 8);
	fix_length(&m);
	expect_reject(&m, "setup message: malformed field argv", "list count above remaining bytes");
	bytes_free(&m);

	m = header_only();
	append(&m, over_cap, sizeof(over_cap));
	fix_length(&m);
	expect_reject(&m, "setup message: malformed field argv", "list count above PROTO_MAX_LIST");
	bytes_free(&m);

	m = header_only();
	append(&m, huge_count, sizeof(huge_count));
	fix_length(&m);
	expect_reject(&m, "setup message: malformed field argv", "list count 0xffffffff");
	bytes_free(&m);

	/* Two mounts announced, bytes for one. */
	m = header_only();
	append(&m, mounts, sizeof(mounts));
	fix_length(&m);
	expect_reject(&m, "setup message: malformed field mounts", "mount count above remaining bytes");
	bytes_free(&m);
}

static void test_reject_empty_argv(void)
{
	static char *one[] = { (char *)"x", NULL };
	static const uint8_t zero[] = { 0, 0, 0, 0 };
	struct drop_setup s;
	struct bytes m = { 0 };

	/* argv is last on the wire: "... 00 16 03 | 00000001 | 00000001 'x'". */
	small_setup(&s);
	s.argv = one;
	encode(&s, &m.p, &m.len);
	ok(m.len > 12 && m.p[m.len - 11] == TAG_ARGV && m.p[m.len - 10] == TYPE_STRV,
	   "argv is the last field");
	m.len -= 9;
	append(&m, zero, sizeof(zero));
	fix_length(&m);
	expect_reject(&m, "setup message: argv is empty", "empty argv");
	bytes_free(&m);
}

/* Mutations may decode or not; they must never crash, leak or leave state behind on failure. */
static void test_flips(void)
{
	autobytes struct bytes valid = valid_message();
	int clean = 1, accepted = 0;

	for (size_t i = 0; i < valid.len; i++) {
		for (int bit = -1; bit < 8; bit++) {
			struct drop_setup s;
			struct drop_err err = { 0 };
			uint8_t mask = bit < 0 ? 0xff : (uint8_t)(1u << bit);

			valid.p[i] ^= mask;
			if (proto_decode_setup(valid.p, valid.len, &s, &err) == 0) {
				accepted++;
				setup_free(&s);
			} else {
				clean &= s.env_id == NULL && s.mounts == NULL && s.uid == 0;
			}
			valid.p[i] ^= mask;
		}
	}
	ok(clean, "byte and bit flips over a valid message: no crash, failures leave *s zeroed");
	tap_diag("%d of %zu mutations still decoded (values inside strings)", accepted,
		 valid.len * 9);
}

/* ---- over a socketpair ---- */

static int count_open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
}

static void test_send_recv_setup(void)
{
	struct drop_setup in, out;
	struct drop_err err = { 0 };
	autofree char *big = long_string('b');
	char *many[64];
	int sv[2];
	pid_t pid;
	int status;

	small_setup(&in);
	for (int i = 0; i < 63; i++)
		many[i] = big;
	many[63] = NULL;
	in.envp = many; /* ~4 MiB: larger than the socket buffer, so reads must loop */
	pair(sv);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(proto_send_setup(sv[1], &in, &err) == 0 ? 0 : 1);
	}
	close(sv[1]);
	ok(proto_recv_setup(sv[0], &out, &err) == 0, "setup over a socketpair (4 MiB)");
	ok(setup_equal(&in, &out), "received setup equals the sent one");
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "sender succeeded");
	setup_free(&out);
	ok(proto_recv_setup(sv[0], &out, &err) < 0, "recv after the peer exited fails");
	is_str(err.msg, "connection closed", "EOF message");
	close(sv[0]);
}

static void test_fd_passing(void)
{
	struct drop_err err = { 0 };
	enum proto_type type;
	autofree uint8_t *body = NULL;
	size_t len = 99;
	int sv[2], p[2], fd = -1;
	char got[3] = { 0 };

	pair(sv);
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	ok(proto_send(sv[1], MSG_PTY, NULL, 0, p[1], &err) == 0, "send PTY with a pipe fd");
	close(p[1]);
	ok(proto_recv(sv[0], 1u << MSG_PTY | 1u << MSG_NOPTY, &type, &body, &len, &fd, &err) == 0,
	   "receive it");
	ok(type == MSG_PTY && body == NULL && len == 0 && fd >= 0, "header-only PTY with an fd");
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "received fd has FD_CLOEXEC");
	ok(write(fd, "hi", 2) == 2 && read(p[0], got, 2) == 2 && !strcmp(got, "hi"),
	   "received fd is the pipe's write end");
	close(fd);
	close(p[0]);

	ok(proto_send(sv[1], MSG_READY, "abc", 3, -1, &err) == 0, "send READY with a body");
	ok(proto_recv(sv[0], 1u << MSG_READY, &type, &body, &len, &fd, &err) == 0 &&
		   type == MSG_READY && len == 3 && !memcmp(body, "abc", 3) && fd == -1,
	   "body arrives, no fd");
	close(sv[0]);
	close(sv[1]);
}

/* The fd rides on the first byte; the rest of the header comes later, in another segment. */
static void test_fd_with_split_header(void)
{
	uint8_t h[PROTO_HEADER_SIZE] = { 0x44, 0x52, 0x4f, 0x50, 0, PROTO_VERSION, 0, MSG_PTY,
					 0, PROTO_FLAG_FD, 0, 0, 0, PROTO_HEADER_SIZE + 3 };
	struct drop_err err = { 0 };
	enum proto_type type;
	autofree uint8_t *body = NULL;
	size_t len;
	int sv[2], p[2], fd = -1;

	pair(sv);
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	ok(wire_send_with_fd(sv[1], h, 1, p[0]) == 0 && sys_write_all(sv[1], h + 1, 13) == 0 &&
		   sys_write_all(sv[1], "xyz", 3) == 0,
	   "send a header in two pieces, fd on the first");
	ok(proto_recv(sv[0], 1u << MSG_PTY, &type, &body, &len, &fd, &err) == 0 && fd >= 0 &&
		   len == 3 && !memcmp(body, "xyz", 3),
	   "fd and body arrive: %s", err.msg);
	if (fd >= 0)
		close(fd);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void send_raw_header(int sock, uint16_t type, uint16_t flags, uint32_t length, int fd)
{
	uint8_t h[PROTO_HEADER_SIZE] = { 0x44, 0x52, 0x4f, 0x50, 0, PROTO_VERSION };

	h[6] = (uint8_t)(type >> 8);
	h[7] = (uint8_t)type;
	h[8] = (uint8_t)(flags >> 8);
	h[9] = (uint8_t)flags;
	put_be32(h + LENGTH_OFFSET, length);
	if (fd >= 0)
		wire_send_with_fd(sock, h, sizeof(h), fd);
	else
		sys_write_all(sock, h, sizeof(h));
}

/* Send two fds with one header: wire_send_with_fd cannot, so build the cmsg here. */
static void send_two_fds(int sock, int fd)
{
	uint8_t h[PROTO_HEADER_SIZE] = { 0x44, 0x52, 0x4f, 0x50, 0, PROTO_VERSION, 0, MSG_PTY,
					 0, PROTO_FLAG_FD, 0, 0, 0, PROTO_HEADER_SIZE };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} control = { 0 };
	struct iovec iov = { h, sizeof(h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fds[2] = { fd, fd };

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	if (sendmsg(sock, &msg, 0) != (ssize_t)sizeof(h))
		abort();
}

static int recv_fails(int sock, uint32_t mask, const char *want, const char *what)
{
	struct drop_err err = { 0 };
	enum proto_type type;
	uint8_t *body = NULL;
	size_t len;
	int fd = -1;
	int r = proto_recv(sock, mask, &type, &body, &len, &fd, &err);

	ok(r < 0 && !body && fd == -1 && err.status == DROP_ESETUP, "%s rejected", what);
	is_str(err.msg, want, "%s: message", what);
	free(body);
	if (fd >= 0)
		close(fd);
	return r;
}

static void test_recv_rejects(void)
{
	int sv[2], p[2], before;

	pair(sv);
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	before = count_open_fds();

	send_raw_header(sv[1], MSG_READY, 0, PROTO_HEADER_SIZE, -1);
	recv_fails(sv[0], 1u << MSG_GO, "protocol: unexpected message type 4", "unexpected type");
	send_raw_header(sv[1], 40, 0, PROTO_HEADER_SIZE, -1);
	recv_fails(sv[0], 0xffffffffu, "protocol: unexpected message type 40", "type >= 32");
	send_raw_header(sv[1], MSG_PTY, PROTO_FLAG_FD, PROTO_HEADER_SIZE, -1);
	recv_fails(sv[0], 1u << MSG_PTY, "protocol: message type 2 announced an fd but none came",
		   "fd flag without an fd");
	send_raw_header(sv[1], MSG_PTY, 0, PROTO_HEADER_SIZE, p[1]);
	recv_fails(sv[0], 1u << MSG_PTY, "protocol: message type 2 carried an unannounced fd",
		   "fd without the flag");
	ok(count_open_fds() == before, "the unannounced fd was closed");
	send_two_fds(sv[1], p[1]);
	recv_fails(sv[0], 1u << MSG_PTY, "cannot receive message header: Bad message",
		   "two fds with one message");
	ok(count_open_fds() == before, "both fds of the bad message were closed");
	send_raw_header(sv[1], MSG_PTY, PROTO_FLAG_FD, PROTO_HEADER_SIZE, p[1]);
	recv_fails(sv[0], 1u << MSG_GO, "protocol: unexpected message type 2",
		   "wrong type carrying an fd");
	ok(count_open_fds() == before, "the fd of a rejected message was closed");
	send_raw_header(sv[1], MSG_READY, 0, PROTO_MAX_MSG + 1, -1);
	recv_fails(sv[0], 1u << MSG_READY, "protocol: bad message length 4194305",
		   "length over PROTO_MAX_MSG");
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	send_raw_header(sv[1], MSG_READY, 0, PROTO_HEADER_SIZE + 10, -1);
	sys_write_all(sv[1], "12345", 5);
	close(sv[1]);
	recv_fails(sv[0], 1u << MSG_READY, "connection closed", "EOF inside the body");
	close(sv[0]);
	close(p[0]);
	close(p[1]);
}

static void test_error_messages(void)
{
	struct drop_err sent = { DROP_ENOENT, "" }, got = { 0 };
	enum proto_type type;
	autofree uint8_t *body = NULL;
	size_t len;
	int sv[2], fd;

	snprintf(sent.msg, sizeof(sent.msg), "%s", "cannot mount /home/a/src: Permission denied");
	pair(sv);
	ok(proto_send_error(sv[1], &sent) == 0, "send ERROR");
	ok(proto_recv(sv[0], 1u << MSG_READY | 1u << MSG_ERROR, &type, &body, &len, &fd, &got) == 0 &&
		   type == MSG_ERROR,
	   "receive ERROR");
	ok(proto_decode_error(body, len, &got) == 0 && got.status == DROP_ENOENT, "decode ERROR");
	is_str(got.msg, sent.msg, "error message round trip");

	ok(proto_decode_error(body, len - 1, &got) < 0 && got.status == DROP_ESETUP,
	   "truncated ERROR body rejected");
	is_str(got.msg, "error message: malformed", "truncated ERROR message");
	body = realloc(body, len + 1);
	body[len] = 0;
	ok(proto_decode_error(body, len + 1, &got) < 0, "ERROR body with trailing data rejected");
	is_str(got.msg, "error message: trailing data", "trailing ERROR message");
	body[2] = 1;
	ok(proto_decode_error(body, len, &got) < 0, "ERROR status above 255 rejected");
	ok(proto_decode_error(NULL, 0, &got) < 0, "empty ERROR body rejected");
	close(sv[0]);
	close(sv[1]);
}

/* pid 1's STATUS over a pipe, as the relay reads it: stops, the end, EOF, and bad bytes. */
static void test_status(void)
{
	uint8_t msg[PROTO_STATUS_SIZE], bad[PROTO_STATUS_SIZE + 1];
	struct drop_err err = { 0 };
	uint64_t rss = 1;
	int p[2], ws = 1;

	ok(pipe(p) == 0, "status: a pipe");
	ok(proto_send_status(p[1], 0x137f, 0) == 0 && proto_send_status(p[1], 9, UINT64_MAX - 1) == 0,
	   "status: send a stop and an end");
	ok(proto_recv_status(p[0], &ws, &rss, &err) == 0 && WIFSTOPPED(ws) && WSTOPSIG(ws) == SIGSTOP && rss == 0,
	   "status: the stop comes back as a stop");
	ok(proto_recv_status(p[0], &ws, &rss, &err) == 0 && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL &&
		   rss == UINT64_MAX - 1,
	   "status: the end comes back with its peak RSS, all 64 bits");
	close(p[1]);
	ok(proto_recv_status(p[0], &ws, &rss, &err) < 0 && ws == 0 && rss == 0, "status: EOF is no status");
	is_str(err.msg, "connection closed", "status: EOF message");
	close(p[0]);

	ok(proto_encode_status(256, 42, msg) == 0 && proto_decode_status(msg, sizeof(msg), &ws, &rss, &err) == 0 &&
		   ws == 256 && rss == 42,
	   "status: encode and decode agree");
	ok(proto_decode_status(msg, sizeof(msg) - 1, &ws, &rss, &err) < 0 && ws == 0 && rss == 0,
	   "status: truncated rejected, outputs zeroed");
	memcpy(bad, msg, sizeof(msg));
	bad[sizeof(msg)] = 0;
	ok(proto_decode_status(bad, sizeof(bad), &ws, &rss, &err) < 0, "status: trailing byte rejected");
	put_be32(bad + LENGTH_OFFSET, PROTO_STATUS_SIZE + 1);
	ok(proto_decode_status(bad, sizeof(bad), &ws, &rss, &err) < 0, "status: a longer body rejected");
	is_str(err.msg, "status message: 27 bytes, expected 26", "status: length message");
	memcpy(bad, msg, sizeof(msg));
	bad[7] = MSG_ERROR;
	ok(proto_decode_status(bad, sizeof(msg), &ws, &rss, &err) < 0, "status: another type rejected");
	memcpy(bad, msg, sizeof(msg));
	bad[5] = PROTO_VERSION + 1;
	ok(proto_decode_status(bad, sizeof(msg), &ws, &rss, &err) < 0, "status: another version rejected");
	memcpy(bad, msg, sizeof(msg));
	bad[9] = PROTO_FLAG_FD;
	ok(proto_decode_status(bad, sizeof(msg), &ws, &rss, &err) < 0, "status: an fd flag rejected");
}

/* The fuzz seeds are messages of this version: every one decodes (make regenerates them). */
static void test_seeds(void)
{
	const char *top = getenv("DROP_SRCDIR");
	static const char *const names[] = { "setup-minimal", "setup-full", "setup-root-no-mounts", "error-enoent",
					     "error-empty", "status-exit", "status-stop" };
	char path[4096];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		autofree char *text = NULL;
		struct drop_setup s;
		struct drop_err err = { 0 };
		uint64_t rss;
		size_t len = 0;
		int ws, r = -1;

		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/proto/%s", top ? top : ".", names[i]);
		if (read_file_at(AT_FDCWD, path, PROTO_MAX_MSG, 0, &text, &len) == 0) {
			const uint8_t *p = (const uint8_t *)text;

			if (!strncmp(names[i], "setup", 5) && (r = proto_decode_setup(p, len, &s, &err)) == 0)
				setup_free(&s);
			if (!strncmp(names[i], "error", 5))
				r = proto_decode_error(p, len, &err);
			if (!strncmp(names[i], "status", 6))
				r = proto_decode_status(p, len, &ws, &rss, &err);
		}
		ok(r == 0, "fuzz seed %s decodes with protocol version %d", names[i], PROTO_VERSION);
		if (r < 0)
			tap_diag("%s: %s", path, err.msg[0] ? err.msg : strerror(errno));
	}
}

int main(void)
{
	test_put_get_each_type();
	test_put_cap();
	test_cstring_put_cap();
	test_get_short();
	test_get_cstring_bad();
	test_round_trip();
	test_encode_refuses();
	test_encode_too_large();
	test_reject_header();
	test_reject_truncated();
	test_reject_trailing();
	test_reject_fields();
	test_reject_counts();
	test_reject_empty_argv();
	test_flips();
	test_send_recv_setup();
	test_fd_passing();
	test_fd_with_split_header();
	test_recv_rejects();
	test_error_messages();
	test_status();
	test_seeds();
	return tap_done();
}
