/* gui-plan.h: [gui] planned in the parent: display, sound, GPU and D-Bus access as extra mounts and variables. */
#ifndef DROP_GUI_PLAN_H
#define DROP_GUI_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "log.h"
#include "proto.h"

/* One variable for the sandbox; value NULL means "unset it". */
struct gui_env {
	char *name;
	char *value;
};

/*
 * What [gui] adds to a run, computed in the parent before the child exists.
 * Every sandbox-side path is under /run/user/UID (UID: the host uid, also
 * with -r), on the sandbox's own /run tmpfs, except the X11 socket, which
 * keeps its fixed path /tmp/.X11-unix/XN. Owns everything; gui_plan_free.
 */
struct gui_plan {
	struct mount_spec *mounts;  /* to append after the [fs] mounts; sources exist (the proxy's once started) */
	size_t n_mounts;
	struct gui_env *env;        /* to apply after [env] expose and DROP_ENV, before [env] set */
	size_t n_env;
	char **notes;               /* NULL-terminated: what was left out and why, for -v */
	char **proxy_argv;          /* dbus = filtered: xdg-dbus-proxy's argv (with --fd=3); else NULL */
	char *proxy_log;            /* its stderr, for the error message if it fails */
	pid_t proxy_pid;            /* 0 until dbus_proxy_start */
	int proxy_sync_fd;          /* our end of its --fd pipe: "x" when ready; it exits when this closes */
};

/*
 * Plan s's [gui] keys. run_dir is the instance directory (the Xauthority
 * copy and the proxy's socket go there), host_env the environment drop was
 * started with. A missing socket or device is a note, not an error; a
 * missing xdg-dbus-proxy with dbus = filtered is an error (with install
 * commands). out is always initialised, also on failure.
 */
int gui_prepare(const struct drop_settings *s, const char *run_dir, char *const *host_env, struct gui_plan *out,
		struct drop_err *err);
/* dbus_proxy_stop (parent-dbus-proxy.h), then free everything. */
void gui_plan_free(struct gui_plan *plan);

/* ---- pure helpers, exposed for the unit tests ---- */

/* The display number of a local X11 display: ":N", ":N.S", "unix:N[.S]". -1 for anything else. */
int gui_x11_display(const char *display, unsigned *number);
/* The socket path of the first "unix:path=" entry of a D-Bus address, malloc'd; NULL if none. */
char *gui_dbus_socket_path(const char *address);

#endif
