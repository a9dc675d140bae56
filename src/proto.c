/* proto.c: drop's parent<->child messages: header framing, the table-driven SETUP codec, ERROR bodies. */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"
#include "wire.h"

/*
 * SETUP body: a sequence of fields, each "tag u16, type u8, value", in any
 * order, every field of setup_fields exactly once. Values:
 *   FT_U32     u32
 *   FT_STRING  cstring (u32 length + bytes); never NULL: the encoder refuses NULL
 *   FT_STRV    u32 count + count cstrings; NULL encodes as empty and always
 *              decodes to an empty NULL-terminated array, never NULL
 *   FT_MOUNTS  u32 count + count (src cstring, dst cstring, flags u32)
 * Tags are part of the wire format: never renumber, only append. Values are
 * not range-checked here (the child validates meaning); only their shape is.
 */
enum field_type {
	FT_U32 = 1,
	FT_STRING = 2,
	FT_STRV = 3,
	FT_MOUNTS = 4,
};

struct setup_field {
	uint16_t tag;
	uint8_t type;
	const char *name;
	size_t offset;
};

#define FIELD(tag, type, member) { tag, type, #member, offsetof(struct drop_setup, member) }

static const struct setup_field setup_fields[] = {
	FIELD(1, FT_STRING, env_id),
	FIELD(2, FT_STRING, env_dir),
	FIELD(3, FT_STRING, home),
	FIELD(4, FT_STRING, cwd),
	FIELD(5, FT_STRING, run_dir),
	FIELD(6, FT_U32, uid),
	FIELD(7, FT_U32, gid),
	FIELD(8, FT_U32, as_root),
	FIELD(9, FT_U32, net_mode),
	FIELD(10, FT_U32, tty_mask),
	FIELD(11, FT_U32, ws_row),
	FIELD(12, FT_U32, ws_col),
	FIELD(13, FT_U32, seccomp),
	FIELD(14, FT_U32, userns),
	FIELD(15, FT_U32, verbosity),
	FIELD(16, FT_MOUNTS, mounts), /* n_mounts travels as the list count */
	FIELD(17, FT_STRV, blocks),
	FIELD(18, FT_STRV, readonly),
	FIELD(19, FT_STRV, seccomp_allow),
	FIELD(20, FT_STRV, seccomp_deny),
	FIELD(21, FT_STRV, envp),
	FIELD(23, FT_U32, rlimit_as_kib),
	FIELD(24, FT_U32, rlimit_nproc),
	FIELD(25, FT_STRV, hidden),
	FIELD(26, FT_STRV, writable),
	FIELD(27, FT_U32, git_mode),
	FIELD(22, FT_STRV, argv), /* last: the unit tests truncate into it */
};

#define N_FIELDS (sizeof(setup_fields) / sizeof(setup_fields[0]))
/* The decoder tracks seen fields in one uint64_t bitmask. */
_Static_assert(N_FIELDS <= 64, "setup field table outgrew the seen-mask");

#define FIELD_PTR(s, f, T) ((T *)(void *)((char *)(s) + (f)->offset))
#define FIELD_CPTR(s, f, T) ((T const *)(const void *)((const char *)(s) + (f)->offset))

static int setup_err(struct drop_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every SETUP encode and decode failure reads "setup message: ..." and means DROP_ESETUP. */
static int setup_err(struct drop_err *err, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(err, DROP_ESETUP, "setup message: %s", what);
}

/* ---- header ---- */

struct proto_header {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint16_t flags;
	uint32_t length;
};

/* The length is the header's last field: header_finish pokes it at PROTO_HEADER_SIZE - 4. */
_Static_assert(PROTO_HEADER_SIZE == 4 + 2 + 2 + 2 + 4, "header layout and size disagree");

/* Write a header whose length is a placeholder; header_finish pokes the real one. */
static int header_put(struct wbuf *b, enum proto_type type, uint16_t flags)
{
	if (wbuf_put_u32(b, PROTO_MAGIC) < 0 || wbuf_put_u16(b, PROTO_VERSION) < 0 ||
	    wbuf_put_u16(b, (uint16_t)type) < 0 || wbuf_put_u16(b, flags) < 0 ||
	    wbuf_put_u32(b, 0) < 0)
		return -1;
	return 0;
}

static int header_finish(struct wbuf *b)
{
	return wbuf_poke_u32(b, PROTO_HEADER_SIZE - 4, (uint32_t)wbuf_len(b));
}

/* Parse and check everything a header can say on its own; the message is not allocated yet. */
static int header_parse(const uint8_t *p, struct proto_header *h, struct drop_err *err)
{
	autowbuf struct wbuf *b = wbuf_from(p, PROTO_HEADER_SIZE, PROTO_HEADER_SIZE);

	memset(h, 0, sizeof(*h));
	if (!b)
		return err_sys(err, DROP_ESETUP, "cannot allocate header");
	/* Exactly PROTO_HEADER_SIZE bytes are there: these reads cannot fail. */
	wbuf_get_u32(b, &h->magic);
	wbuf_get_u16(b, &h->version);
	wbuf_get_u16(b, &h->type);
	wbuf_get_u16(b, &h->flags);
	wbuf_get_u32(b, &h->length);
	if (h->magic != PROTO_MAGIC)
		return err_set(err, DROP_ESETUP, "bad magic 0x%08x", (unsigned)h->magic);
	if (h->version != PROTO_VERSION)
		return err_set(err, DROP_ESETUP, "unsupported protocol version %u (expected %u)",
			       (unsigned)h->version, (unsigned)PROTO_VERSION);
	if (h->length < PROTO_HEADER_SIZE || h->length > PROTO_MAX_MSG)
		return err_set(err, DROP_ESETUP, "bad message length %u", (unsigned)h->length);
	if (h->flags & ~(uint16_t)PROTO_FLAG_FD)
		return err_set(err, DROP_ESETUP, "unknown header flags 0x%x", (unsigned)h->flags);
	return 0;
}

/* ---- per-type codecs for setup fields ---- */

static int put_u32_field(struct wbuf *b, const struct drop_setup *s, const struct setup_field *f)
{
	return wbuf_put_u32(b, *FIELD_CPTR(s, f, uint32_t));
}

static int get_u32_field(struct wbuf *b, struct drop_setup *s, const struct setup_field *f)
{
	return wbuf_get_u32(b, FIELD_PTR(s, f, uint32_t));
}

static int put_string_field(struct wbuf *b, const struct drop_setup *s, const struct setup_field *f)
{
	return wbuf_put_cstring(b, *FIELD_CPTR(s, f, char *));
}

static int get_string_field(struct wbuf *b, struct drop_setup *s, const struct setup_field *f)
{
	return wbuf_get_cstring(b, FIELD_PTR(s, f, char *));
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* A list count must fit the cap and the bytes left (each entry needs min_entry bytes). */
static int check_count(const struct wbuf *b, uint32_t count, size_t min_entry)
{
	if (count > PROTO_MAX_LIST || count > wbuf_remaining(b) / min_entry) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

static int put_strv_field(struct wbuf *b, const struct drop_setup *s, const struct setup_field *f)
{
	char *const *v = *FIELD_CPTR(s, f, char **);
	size_t n = strv_len(v);

	if (n > PROTO_MAX_LIST) {
		errno = EMSGSIZE;
		return -1;
	}
	if (wbuf_put_u32(b, (uint32_t)n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (wbuf_put_cstring(b, v[i]) < 0)
			return -1;
	return 0;
}

static int get_strv_field(struct wbuf *b, struct drop_setup *s, const struct setup_field *f)
{
	autostrv char **v = NULL;
	uint32_t count;

	if (wbuf_get_u32(b, &count) < 0 || check_count(b, count, 4) < 0)
		return -1;
	v = calloc((size_t)count + 1, sizeof(*v));
	if (!v)
		return -1;
	for (uint32_t i = 0; i < count; i++)
		if (wbuf_get_cstring(b, &v[i]) < 0)
			return -1;
	*FIELD_PTR(s, f, char **) = steal_ptr(&v);
	return 0;
}

static int put_mounts_field(struct wbuf *b, const struct drop_setup *s, const struct setup_field *f)
{
	(void)f;
	if (s->n_mounts > PROTO_MAX_LIST || (s->n_mounts && !s->mounts)) {
		errno = EMSGSIZE;
		return -1;
	}
	if (wbuf_put_u32(b, s->n_mounts) < 0)
		return -1;
	for (uint32_t i = 0; i < s->n_mounts; i++) {
		const struct mount_spec *m = &s->mounts[i];

		if (wbuf_put_cstring(b, m->src) < 0 || wbuf_put_cstring(b, m->dst) < 0 ||
		    wbuf_put_u32(b, m->flags) < 0)
			return -1;
	}
	return 0;
}

static void mounts_free(struct mount_spec *m, uint32_t n)
{
	for (uint32_t i = 0; m && i < n; i++) {
		free(m[i].src);
		free(m[i].dst);
	}
	free(m);
}

static int get_mounts_field(struct wbuf *b, struct drop_setup *s, const struct setup_field *f)
{
	struct mount_spec *m;
	uint32_t count;

	(void)f;
	/* An entry is at least two empty strings and the flags: 12 bytes. */
	if (wbuf_get_u32(b, &count) < 0 || check_count(b, count, 12) < 0)
		return -1;
	/* +1: calloc(0) may return NULL, which must not read as ENOMEM. */
	m = calloc((size_t)count + 1, sizeof(*m));
	if (!m)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		if (wbuf_get_cstring(b, &m[i].src) < 0 || wbuf_get_cstring(b, &m[i].dst) < 0 ||
		    wbuf_get_u32(b, &m[i].flags) < 0) {
			mounts_free(m, i + 1);
			return -1;
		}
	}
	s->mounts = m;
	s->n_mounts = count;
	return 0;
}

static void free_u32_field(struct drop_setup *s, const struct setup_field *f)
{
	*FIELD_PTR(s, f, uint32_t) = 0;
}

static void free_string_field(struct drop_setup *s, const struct setup_field *f)
{
	free(*FIELD_PTR(s, f, char *));
}

static void free_strv_field(struct drop_setup *s, const struct setup_field *f)
{
	strv_free(*FIELD_PTR(s, f, char **));
}

static void free_mounts_field(struct drop_setup *s, const struct setup_field *f)
{
	(void)f;
	mounts_free(s->mounts, s->n_mounts);
}

static bool str_equal(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool equal_u32_field(const struct drop_setup *a, const struct drop_setup *b,
			    const struct setup_field *f)
{
	return *FIELD_CPTR(a, f, uint32_t) == *FIELD_CPTR(b, f, uint32_t);
}

static bool equal_string_field(const struct drop_setup *a, const struct drop_setup *b,
			       const struct setup_field *f)
{
	return str_equal(*FIELD_CPTR(a, f, char *), *FIELD_CPTR(b, f, char *));
}

/* NULL and an empty list are the same list: both encode as count 0. */
static bool equal_strv_field(const struct drop_setup *a, const struct drop_setup *b,
			     const struct setup_field *f)
{
	char *const *va = *FIELD_CPTR(a, f, char **);
	char *const *vb = *FIELD_CPTR(b, f, char **);
	size_t n = strv_len(va);

	if (n != strv_len(vb))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(va[i], vb[i]) != 0)
			return false;
	return true;
}

static bool equal_mounts_field(const struct drop_setup *a, const struct drop_setup *b,
			       const struct setup_field *f)
{
	(void)f;
	if (a->n_mounts != b->n_mounts)
		return false;
	for (uint32_t i = 0; i < a->n_mounts; i++) {
		const struct mount_spec *x = &a->mounts[i], *y = &b->mounts[i];

		if (!str_equal(x->src, y->src) || !str_equal(x->dst, y->dst) || x->flags != y->flags)
			return false;
	}
	return true;
}

struct field_codec {
	int (*put)(struct wbuf *b, const struct drop_setup *s, const struct setup_field *f);
	int (*get)(struct wbuf *b, struct drop_setup *s, const struct setup_field *f);
	void (*release)(struct drop_setup *s, const struct setup_field *f);
	bool (*equal)(const struct drop_setup *a, const struct drop_setup *b,
		      const struct setup_field *f);
};

static const struct field_codec codecs[] = {
	[FT_U32] = { put_u32_field, get_u32_field, free_u32_field, equal_u32_field },
	[FT_STRING] = { put_string_field, get_string_field, free_string_field, equal_string_field },
	[FT_STRV] = { put_strv_field, get_strv_field, free_strv_field, equal_strv_field },
	[FT_MOUNTS] = { put_mounts_field, get_mounts_field, free_mounts_field, equal_mounts_field },
};

/* ---- the setup message ---- */

void setup_free(struct drop_setup *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < N_FIELDS; i++)
		codecs[setup_fields[i].type].release(s, &setup_fields[i]);
	memset(s, 0, sizeof(*s));
}

bool setup_equal(const struct drop_setup *a, const struct drop_setup *b)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (!codecs[setup_fields[i].type].equal(a, b, &setup_fields[i]))
			return false;
	return true;
}

/* What the decoder guarantees beyond shape: the child can rely on these without checking. */
static int setup_check_invariants(const struct drop_setup *s, struct drop_err *err)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct setup_field *f = &setup_fields[i];

		if (f->type == FT_STRING && !*FIELD_CPTR(s, f, char *))
			return setup_err(err, "field %s is required but NULL", f->name);
	}
	if (!s->argv || !s->argv[0])
		return setup_err(err, "argv is empty");
	return 0;
}

static int put_field(struct wbuf *b, const struct drop_setup *s, const struct setup_field *f)
{
	if (wbuf_put_u16(b, f->tag) < 0 || wbuf_put_u8(b, f->type) < 0)
		return -1;
	return codecs[f->type].put(b, s, f);
}

static int encode_fail(struct drop_err *err, const char *name)
{
	if (errno == EMSGSIZE)
		return setup_err(err, "too large at field %s (limits: 4 MiB message, "
				 "64 KiB string, 65536 list entries)", name);
	if (errno == EINVAL)
		return setup_err(err, "field %s holds a NULL string", name);
	return setup_err(err, "out of memory encoding field %s", name);
}

int proto_encode_setup(const struct drop_setup *s, uint8_t **out, size_t *len, struct drop_err *err)
{
	autowbuf struct wbuf *b = NULL;
	uint8_t *copy;

	*out = NULL;
	*len = 0;
	if (setup_check_invariants(s, err) < 0)
		return -1;
	b = wbuf_new(PROTO_MAX_MSG);
	if (!b || header_put(b, MSG_SETUP, 0) < 0)
		return setup_err(err, "cannot start message");
	for (size_t i = 0; i < N_FIELDS; i++) {
		if (put_field(b, s, &setup_fields[i]) < 0)
			return encode_fail(err, setup_fields[i].name);
	}
	header_finish(b);
	copy = malloc(wbuf_len(b));
	if (!copy)
		return setup_err(err, "cannot copy message");
	memcpy(copy, wbuf_data(b), wbuf_len(b));
	*out = copy;
	*len = wbuf_len(b);
	return 0;
}

static const struct setup_field *field_by_tag(uint16_t tag)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (setup_fields[i].tag == tag)
			return &setup_fields[i];
	return NULL;
}

/* Read one "tag, type, value" into s, refusing unknown, repeated and mistyped tags. */
static int get_field(struct wbuf *b, struct drop_setup *s, uint64_t *seen, struct drop_err *err)
{
	const struct setup_field *f;
	uint16_t tag;
	uint8_t type;
	uint64_t bit;

	if (wbuf_get_u16(b, &tag) < 0 || wbuf_get_u8(b, &type) < 0)
		return setup_err(err, "truncated field header");
	f = field_by_tag(tag);
	if (!f)
		return setup_err(err, "unknown field tag %u", (unsigned)tag);
	bit = UINT64_C(1) << (f - setup_fields);
	if (*seen & bit)
		return setup_err(err, "duplicate field %s", f->name);
	if (type != f->type)
		return setup_err(err, "field %s has the wrong type", f->name);
	*seen |= bit;
	if (codecs[f->type].get(b, s, f) < 0) {
		if (errno == ENOMEM)
			return setup_err(err, "out of memory decoding field %s", f->name);
		return setup_err(err, "malformed field %s", f->name);
	}
	return 0;
}

static int setup_decode_body(struct wbuf *b, struct drop_setup *s, struct drop_err *err)
{
	uint64_t seen = 0;

	while (wbuf_remaining(b) > 0)
		if (get_field(b, s, &seen, err) < 0)
			return -1;
	for (size_t i = 0; i < N_FIELDS; i++)
		if (!(seen & (UINT64_C(1) << i)))
			return setup_err(err, "missing field %s", setup_fields[i].name);
	return setup_check_invariants(s, err);
}

/* Decode a SETUP body into *s, which is touched only on success. */
static int setup_decode_into(const uint8_t *body, size_t len, struct drop_setup *s,
			     struct drop_err *err)
{
	autowbuf struct wbuf *b = wbuf_from(body, len, PROTO_MAX_MSG);
	struct drop_setup fresh = { 0 };

	if (!b)
		return setup_err(err, "cannot copy message");
	if (setup_decode_body(b, &fresh, err) < 0) {
		setup_free(&fresh);
		return -1;
	}
	*s = fresh;
	return 0;
}

int proto_decode_setup(const uint8_t *buf, size_t len, struct drop_setup *s, struct drop_err *err)
{
	struct proto_header h;

	memset(s, 0, sizeof(*s));
	if (len < PROTO_HEADER_SIZE)
		return setup_err(err, "truncated header");
	if (header_parse(buf, &h, err) < 0)
		return err_prefix(err, "setup message");
	if (h.type != MSG_SETUP || h.flags != 0)
		return setup_err(err, "not a setup message");
	if (len < h.length)
		return setup_err(err, "truncated");
	if (len > h.length)
		return setup_err(err, "trailing data");
	return setup_decode_into(buf + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE, s, err);
}

int proto_send_setup(int sock, const struct drop_setup *s, struct drop_err *err)
{
	autofree uint8_t *msg = NULL;
	size_t len;

	if (proto_encode_setup(s, &msg, &len, err) < 0)
		return -1;
	if (sys_write_all(sock, msg, len) < 0)
		return err_sys(err, DROP_ESETUP, "cannot send setup message");
	return 0;
}

int proto_recv_setup(int sock, struct drop_setup *s, struct drop_err *err)
{
	autofree uint8_t *body = NULL;
	autoclose int fd = -1;
	enum proto_type type;
	size_t len;

	memset(s, 0, sizeof(*s));
	if (proto_recv(sock, 1u << MSG_SETUP, &type, &body, &len, &fd, err) < 0)
		return -1;
	if (fd >= 0)
		return setup_err(err, "an fd came with it");
	return setup_decode_into(body, len, s, err);
}

/* ---- framing over the socket ---- */

int proto_send(int sock, enum proto_type type, const void *body, size_t body_len, int fd,
	       struct drop_err *err)
{
	autowbuf struct wbuf *b = wbuf_new(PROTO_MAX_MSG);
	int r;

	if (!b || header_put(b, type, fd >= 0 ? PROTO_FLAG_FD : 0) < 0)
		return err_sys(err, DROP_ESETUP, "cannot build message");
	if (body_len && wbuf_put_bytes(b, body, body_len) < 0)
		return err_sys(err, DROP_ESETUP, "message body of %zu bytes", body_len);
	header_finish(b);
	/* The fd rides on the header's bytes, in the same sendmsg (SPEC 1, STYLE 3.3). */
	if (fd >= 0)
		r = wire_send_with_fd(sock, wbuf_data(b), wbuf_len(b), fd);
	else
		r = sys_write_all(sock, wbuf_data(b), wbuf_len(b));
	if (r < 0)
		return err_sys(err, DROP_ESETUP, "cannot send message");
	return 0;
}

static int recv_error(struct drop_err *err, const char *what)
{
	if (errno == EPIPE)
		return err_set(err, DROP_ESETUP, "connection closed");
	return err_sys(err, DROP_ESETUP, "%s", what);
}

/* The header says what may follow: check type, fd and flag agree before reading the body. */
static int header_accept(const struct proto_header *h, uint32_t expected_mask, int fd,
			 struct drop_err *err)
{
	if (h->type >= 32 || !(expected_mask & (1u << h->type)))
		return err_set(err, DROP_ESETUP, "unexpected message type %u", (unsigned)h->type);
	if ((h->flags & PROTO_FLAG_FD) && fd < 0)
		return err_set(err, DROP_ESETUP, "message type %u announced an fd but none came",
			       (unsigned)h->type);
	if (!(h->flags & PROTO_FLAG_FD) && fd >= 0)
		return err_set(err, DROP_ESETUP, "message type %u carried an unannounced fd",
			       (unsigned)h->type);
	return 0;
}

int proto_recv(int sock, uint32_t expected_mask, enum proto_type *type, uint8_t **body,
	       size_t *body_len, int *fd, struct drop_err *err)
{
	uint8_t raw[PROTO_HEADER_SIZE];
	autoclose int got_fd = -1;
	autofree uint8_t *data = NULL;
	struct proto_header h;
	size_t len;

	*type = 0;
	*body = NULL;
	*body_len = 0;
	*fd = -1;
	if (wire_recv_with_fd(sock, raw, sizeof(raw), &got_fd) < 0)
		return recv_error(err, "cannot receive message header");
	if (header_parse(raw, &h, err) < 0 || header_accept(&h, expected_mask, got_fd, err) < 0)
		return err_prefix(err, "protocol");
	len = h.length - PROTO_HEADER_SIZE;
	if (len) {
		data = malloc(len);
		if (!data)
			return err_sys(err, DROP_ESETUP, "message body of %zu bytes", len);
		if (sys_read_all(sock, data, len) < 0)
			return recv_error(err, "cannot receive message body");
	}
	*type = (enum proto_type)h.type;
	*body = steal_ptr(&data);
	*body_len = len;
	*fd = steal_fd(&got_fd);
	return 0;
}

/* ---- ERROR ---- */

int proto_send_error(int sock, const struct drop_err *e)
{
	autowbuf struct wbuf *b = wbuf_new(PROTO_MAX_MSG);
	struct drop_err ignored;

	if (!b || wbuf_put_u32(b, (uint32_t)e->status) < 0 || wbuf_put_cstring(b, e->msg) < 0)
		return -1;
	return proto_send(sock, MSG_ERROR, wbuf_data(b), wbuf_len(b), -1, &ignored);
}

int proto_decode_error(const uint8_t *body, size_t len, struct drop_err *out)
{
	autowbuf struct wbuf *b = wbuf_from(body, len, PROTO_MAX_MSG);
	autofree char *msg = NULL;
	uint32_t status;

	memset(out, 0, sizeof(*out));
	if (!b)
		return err_sys(out, DROP_ESETUP, "error message");
	if (wbuf_get_u32(b, &status) < 0 || wbuf_get_cstring(b, &msg) < 0)
		return err_set(out, DROP_ESETUP, "error message: malformed");
	/* Exit statuses are 0..255 and a drop_err message is what the sender had. */
	if (status > 255 || strlen(msg) >= sizeof(out->msg))
		return err_set(out, DROP_ESETUP, "error message: out of range");
	if (wbuf_remaining(b) > 0)
		return err_set(out, DROP_ESETUP, "error message: trailing data");
	out->status = (int)status;
	memcpy(out->msg, msg, strlen(msg) + 1);
	return 0;
}

/* ---- STATUS ---- */

int proto_encode_status(int wait_status, uint64_t maxrss_kib, uint8_t out[PROTO_STATUS_SIZE])
{
	autowbuf struct wbuf *b = wbuf_new(PROTO_STATUS_SIZE);

	if (!b || header_put(b, MSG_STATUS, 0) < 0 || wbuf_put_u32(b, (uint32_t)wait_status) < 0 ||
	    wbuf_put_u64(b, maxrss_kib) < 0 || header_finish(b) < 0)
		return -1;
	memcpy(out, wbuf_data(b), PROTO_STATUS_SIZE);
	return 0;
}

int proto_decode_status(const uint8_t *buf, size_t len, int *wait_status, uint64_t *maxrss_kib,
			struct drop_err *err)
{
	autowbuf struct wbuf *b = NULL;
	struct proto_header h;
	uint32_t ws;

	*wait_status = 0;
	*maxrss_kib = 0;
	if (len < PROTO_HEADER_SIZE)
		return err_set(err, DROP_ESETUP, "status message: truncated header");
	if (header_parse(buf, &h, err) < 0)
		return err_prefix(err, "status message");
	if (h.type != MSG_STATUS || h.flags != 0)
		return err_set(err, DROP_ESETUP, "status message: not a status message");
	if (h.length != PROTO_STATUS_SIZE || len != PROTO_STATUS_SIZE)
		return err_set(err, DROP_ESETUP, "status message: %zu bytes, expected %u", len,
			       (unsigned)PROTO_STATUS_SIZE);
	b = wbuf_from(buf + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE, len);
	if (!b)
		return err_sys(err, DROP_ESETUP, "status message");
	/* The length is checked: these reads cannot fail. */
	wbuf_get_u32(b, &ws);
	wbuf_get_u64(b, maxrss_kib);
	*wait_status = (int)ws;
	return 0;
}

int proto_send_status(int fd, int wait_status, uint64_t maxrss_kib)
{
	uint8_t msg[PROTO_STATUS_SIZE];

	if (proto_encode_status(wait_status, maxrss_kib, msg) < 0)
		return -1;
	return sys_write_all(fd, msg, sizeof(msg));
}

int proto_recv_status(int fd, int *wait_status, uint64_t *maxrss_kib, struct drop_err *err)
{
	uint8_t msg[PROTO_STATUS_SIZE];

	*wait_status = 0;
	*maxrss_kib = 0;
	if (sys_read_all(fd, msg, sizeof(msg)) < 0)
		return recv_error(err, "cannot receive the program's status");
	return proto_decode_status(msg, sizeof(msg), wait_status, maxrss_kib, err);
}
