/* seccomp-policy.h: the seccomp policy (a readable deny table), compiled to BPF and loaded by the child. */
#ifndef DROP_SECCOMP_POLICY_H
#define DROP_SECCOMP_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "proto.h"

/*
 * The compiled filters, kept from the compiler to the program's process:
 * for each filter a u32 instruction count, then per instruction code u16,
 * jt u8, jf u8, k u32, all big-endian. Empty when seccomp = off.
 */
struct seccomp_blob {
	uint8_t *data;  /* owned */
	size_t len;
};

/* Compile setup's policy (drop run: in the child's helper thread, while the root is assembled). */
int seccomp_compile(const struct drop_setup *setup, struct seccomp_blob *out, struct drop_err *err);
void seccomp_blob_free(struct seccomp_blob *b);
/* In the program's process: check every length against the buffer and install each filter (no_new_privs must be set). */
int seccomp_load_blob(const uint8_t *data, size_t len, struct drop_err *err);
/* Print the effective policy, one rule per line (for show-config). */
void seccomp_describe(FILE *out, int userns, char *const *allow, char *const *deny);

#endif
