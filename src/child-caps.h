/* child-caps.h: dropping every privilege: capability sets, bounding set, securebits, no_new_privs. */
#ifndef DROP_CHILD_CAPS_H
#define DROP_CHILD_CAPS_H

#include "log.h"

/* Empty every capability set (incl. bounding and ambient), lock securebits, set no_new_privs. */
int caps_drop_all(struct drop_err *err);

#endif
