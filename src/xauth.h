/* xauth.h: the Xauthority file format: keep one display's cookies for this machine (pure, no I/O). */
#ifndef DROP_XAUTH_H
#define DROP_XAUTH_H

#include <stddef.h>
#include <stdint.h>

/*
 * From an Xauthority file's bytes, keep the entries for display number
 * `display` that belong to this machine (family Local with address
 * `hostname`, or family Wild), rewritten as family Wild so that they match
 * whatever the sandbox's host name is. Returns the number kept (*out
 * malloc'd, possibly empty), or -1: errno EINVAL for a malformed file,
 * ENOMEM.
 */
int xauth_filter(const uint8_t *in, size_t len, unsigned display, const char *hostname, uint8_t **out,
		 size_t *out_len);

#endif
