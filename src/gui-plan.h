/* gui.h: [gui] seen from the parent: display, sound, GPU and D-Bus access as extra mounts and variables, and xdg-dbus-proxy. */
#ifndef DROP_GUI_H
#define DROP_GUI_H

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
	pid_t proxy_pid;            /* 0 until gui_start */
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
/* Start xdg-dbus-proxy if the plan needs it and wait (5 s at most) until its socket accepts connections. */
int gui_start(struct gui_plan *plan, struct drop_err *err);
/* Kill and reap the proxy; safe to call twice and on a plan that never started. */
void gui_stop(struct gui_plan *plan);
/* gui_stop, then free everything. */
void gui_plan_free(struct gui_plan *plan);

/* ---- pure helpers, exposed for the unit tests ---- */

/* The display number of a local X11 display: ":N", ":N.S", "unix:N[.S]". -1 for anything else. */
int gui_x11_display(const char *display, unsigned *number);
/*
 * From an Xauthority file's bytes, keep the entries for display number
 * `display` that belong to this machine (family Local with address
 * `hostname`, or family Wild), rewritten as family Wild so that they match
 * whatever the sandbox's host name is. Returns the number kept (*out
 * malloc'd, possibly empty), or -1: errno EINVAL for a malformed file,
 * ENOMEM.
 */
int gui_xauth_filter(const uint8_t *in, size_t len, unsigned display, const char *hostname, uint8_t **out,
		     size_t *out_len);
/* The socket path of the first "unix:path=" entry of a D-Bus address, malloc'd; NULL if none. */
char *gui_dbus_socket_path(const char *address);

#endif
