/* child-caps.c: dropping every privilege: capability sets, bounding set, securebits, no_new_privs. */
#include "child-caps.h"

#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

/* Locked so that neither uid 0 inside (-r) nor a setuid binary can bring capabilities back. */
#define LOCKED_SECUREBITS                                                                  \
	(SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED | \
	 SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |               \
	 SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

int caps_drop_all(struct drop_err *err)
{
	cap_t empty;
	int rc;

	if (prctl(PR_SET_SECUREBITS, LOCKED_SECUREBITS, 0, 0, 0) < 0)
		return err_sys(err, DROP_ESETUP, "cannot lock securebits");
	for (unsigned long cap = 0; cap < (unsigned long)cap_max_bits(); cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return err_sys(err, DROP_ESETUP, "cannot drop capability %lu from the bounding set", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return err_sys(err, DROP_ESETUP, "cannot clear ambient capabilities");
	empty = cap_init();
	if (!empty)
		return err_sys(err, DROP_ESETUP, "cannot allocate capability state");
	rc = cap_set_proc(empty);
	cap_free(empty);
	if (rc < 0)
		return err_sys(err, DROP_ESETUP, "cannot drop capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(err, DROP_ESETUP, "cannot set no_new_privs");
	return 0;
}
