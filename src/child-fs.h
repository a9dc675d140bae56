/* child-fs.h: the sandbox's root filesystem (SPEC 5): planned as data, then assembled and pivoted into. */
#ifndef DROP_CHILD_FS_H
#define DROP_CHILD_FS_H

#include "child-helper.h"
#include "log.h"
#include "proto.h"

/*
 * Build the whole root described by SPEC 5 from setup and pivot_root into it.
 * Runs in the child, in its new user, mount and pid namespaces, with
 * capabilities there. Configured mounts that cannot be made are skipped
 * with a "drop: not mounting ..." line on stderr; everything else is fatal.
 * A new sysfs belongs to the current network namespace: the helper's is
 * entered before it is made.
 */
int fs_build_root(const struct drop_setup *setup, struct child_helper *helper, struct drop_err *err);

#endif
