/* config-internal.h: what config.c (validation) shares with config-resolve.c (settings). */
#ifndef DROP_CONFIG_INTERNAL_H
#define DROP_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "log.h"

/* A parsed [fs] mount spec; dst is NULL when the spec names no destination. */
struct cfg_mount {
	char *src;
	char *dst;
	bool rw;
};

int mount_spec_parse(const char *spec, struct cfg_mount *out, char *why, size_t why_len);
void mount_spec_free(struct cfg_mount *m);
int port_spec_parse(const char *spec, bool publish, struct port_req *out, char *why, size_t why_len);
int parse_pids(const char *s, uint64_t *out);
/* "FILE:LINE: message" (no prefix for the command line) in err; returns -1. */
int err_at(struct drop_err *err, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
