/* wire.h: generic bounded buffer with big-endian typed put/get and fd passing (proto.c frames messages). */
#ifndef DROP_WIRE_H
#define DROP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* Opaque; defined in wire.c. Writers fail instead of growing past max_size. */
struct wbuf;

struct wbuf *wbuf_new(size_t max_size);
/* Wrap a copy of existing bytes for reading. */
struct wbuf *wbuf_from(const void *data, size_t len, size_t max_size);
void wbuf_free(struct wbuf *b);
static inline void cleanup_wbufp(struct wbuf **b) { wbuf_free(*b); }
#define autowbuf __attribute__((cleanup(cleanup_wbufp)))

const uint8_t *wbuf_data(const struct wbuf *b);
size_t wbuf_len(const struct wbuf *b);        /* bytes written */
size_t wbuf_remaining(const struct wbuf *b);  /* bytes not yet read */

/* All return 0 or -1 (errno EMSGSIZE when full, EBADMSG on short/bad input). */
int wbuf_put_u8(struct wbuf *b, uint8_t v);
int wbuf_put_u16(struct wbuf *b, uint16_t v);
int wbuf_put_u32(struct wbuf *b, uint32_t v);
int wbuf_put_u64(struct wbuf *b, uint64_t v);
int wbuf_put_bytes(struct wbuf *b, const void *p, size_t n);
/* u32 length then bytes; no interior NUL allowed; len <= WIRE_MAX_STRING. */
int wbuf_put_cstring(struct wbuf *b, const char *s);
/* Overwrite a u32 at an absolute offset (length placeholders). */
int wbuf_poke_u32(struct wbuf *b, size_t offset, uint32_t v);

/* Getters clear their outputs first and advance only on success. */
int wbuf_get_u8(struct wbuf *b, uint8_t *v);
int wbuf_get_u16(struct wbuf *b, uint16_t *v);
int wbuf_get_u32(struct wbuf *b, uint32_t *v);
int wbuf_get_u64(struct wbuf *b, uint64_t *v);
int wbuf_get_bytes(struct wbuf *b, void *p, size_t n);
/* Returns a malloc'd NUL-terminated copy in *s; rejects interior NUL and over-cap length. */
int wbuf_get_cstring(struct wbuf *b, char **s);

#define WIRE_MAX_STRING (64u * 1024)

/* Send n bytes with one fd attached (SCM_RIGHTS) in a single sendmsg. */
int wire_send_with_fd(int sock, const void *p, size_t n, int fd);
/*
 * Receive exactly n bytes; if an fd came with them it is stored in *fd
 * (MSG_CMSG_CLOEXEC), else *fd = -1. Extra fds are closed; MSG_CTRUNC is an error.
 */
int wire_recv_with_fd(int sock, void *p, size_t n, int *fd);

#endif
