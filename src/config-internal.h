/* config-internal.h: the key table's rows, which config.c (reading) shares with config-resolve.c (landing). */
#ifndef DROP_CONFIG_INTERNAL_H
#define DROP_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "log.h"

/*
 * What a key's values are. The kind decides how a value is parsed when it is
 * read (config.c) and how the values land in struct drop_settings
 * (config-resolve.c); the row only adds the kind's parameters.
 */
enum cfg_kind {
	KIND_INCLUDE,     /* a file to read next; lands nowhere */
	KIND_CHOICE,      /* one word of the row's choices (yes/no included): as.choice */
	KIND_SIZE,        /* bytes, K/M/G suffix: as.num */
	KIND_DURATION,    /* seconds or s/m/h suffix: as.num in ms */
	KIND_COUNT,       /* whole number from min to max: as.num */
	KIND_CPUS,        /* decimal, up to 3 places: as.num in thousandths */
	KIND_PATH,        /* normalized absolute or ~/ path: lands "~" expanded in a char ** */
	KIND_MOUNT,       /* SRC[:DST][:rw|ro]: as.mount; lands in mounts/n_mounts */
	KIND_PUBLISH,     /* [IP/][HOST:]SANDBOX: as.port; lands in a struct port_list */
	KIND_HOST,        /* HOST[:SANDBOX] or auto: as.port; lands in a struct port_list */
	KIND_SYSCALL,     /* a system call name or number: lands in a char ** */
	KIND_ENV_GLOB,    /* a variable name pattern; read by plan.c from the config */
	KIND_ENV_SET,     /* NAME=VALUE with ${VAR}; read by plan.c from the config */
	KIND_DBUS_NAME,   /* a D-Bus name or prefix.*: lands in a char ** */
	KIND_ALLOW,       /* a filtered-network entry (SPEC 8): as.allow; lands in a struct allow_list */
};

/* A word of a KIND_CHOICE key and the value it lands as. */
struct cfg_choice {
	const char *word;
	int value;
};

/* No place in struct drop_settings: the value is read from the config by its user. */
#define CFG_NOWHERE ((size_t)-1)

/* A row of the key table: one per (section, key). */
struct cfg_key_def {
	struct cfg_key_info info;
	enum cfg_kind kind;
	const struct cfg_choice *choices;  /* KIND_CHOICE: ends with a NULL word */
	int dflt;                          /* KIND_CHOICE: the value when the key is unset */
	uint64_t min, max;                 /* KIND_COUNT */
	size_t at;                         /* offsetof in struct drop_settings, or CFG_NOWHERE */
	size_t width;                      /* sizeof that field (a scalar's bool, enum or uint64_t) */
};

const struct cfg_key_def *cfg_key_def(enum cfg_key k);

/* "FILE:LINE: message" (no prefix for the command line) in err; returns -1. */
int err_at(struct drop_err *err, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
