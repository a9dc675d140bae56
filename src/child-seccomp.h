/* child-seccomp.h: the seccomp policy (a readable deny table) built and loaded with libseccomp. */
#ifndef DROP_CHILD_SECCOMP_H
#define DROP_CHILD_SECCOMP_H

#include <stdio.h>

#include "log.h"
#include "proto.h"

/* Load the filter for setup's [security] settings (nothing when seccomp = off). */
int seccomp_install(const struct drop_setup *setup, struct drop_err *err);
/* Print the effective policy, one rule per line (for show-config). */
void seccomp_describe(FILE *out, int userns, char *const *allow, char *const *deny);

#endif
