/* gui-plan.c: [gui] planned in the parent: display, sound, GPU and D-Bus access as extra mounts and variables. */
#include "gui-plan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "parent-dbus-proxy.h"
#include "sys.h"
#include "util.h"
#include "xauth.h"

#define XAUTH_MAX (1024 * 1024)

struct gui_ctx {
	const struct drop_settings *s;
	const char *run_dir;
	char *const *host_env;
	struct gui_plan *out;
	char runtime[64];     /* the sandbox's /run/user/UID */
	char *host_runtime;   /* the host's $XDG_RUNTIME_DIR, else /run/user/UID */
};

static bool is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* ---- building the plan ---- */

static int add_mount(struct gui_plan *p, const char *src, const char *dst, uint32_t flags)
{
	struct mount_spec *v = realloc(p->mounts, (p->n_mounts + 1) * sizeof(*v));

	if (!v)
		return -1;
	p->mounts = v;
	v[p->n_mounts] = (struct mount_spec){ .src = strdup(src), .dst = strdup(dst), .flags = flags };
	p->n_mounts++;
	return v[p->n_mounts - 1].src && v[p->n_mounts - 1].dst ? 0 : -1;
}

/* Later settings of a name replace earlier ones, so the list holds each name once. */
static int add_env(struct gui_plan *p, const char *name, const char *value)
{
	struct gui_env *v;

	for (size_t i = 0; i < p->n_env; i++) {
		if (strcmp(p->env[i].name, name))
			continue;
		free(p->env[i].value);
		p->env[i].value = value ? strdup(value) : NULL;
		return value && !p->env[i].value ? -1 : 0;
	}
	if (!(v = realloc(p->env, (p->n_env + 1) * sizeof(*v))))
		return -1;
	p->env = v;
	v[p->n_env] = (struct gui_env){ .name = strdup(name), .value = value ? strdup(value) : NULL };
	p->n_env++;
	return v[p->n_env - 1].name && (!value || v[p->n_env - 1].value) ? 0 : -1;
}

__attribute__((format(printf, 2, 3))) static int add_note(struct gui_plan *p, const char *fmt, ...)
{
	size_t n = 0;
	char **v;
	char *text = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	while (p->notes && p->notes[n])
		n++;
	if (!(v = realloc(p->notes, (n + 2) * sizeof(*v)))) {
		free(text);
		return -1;
	}
	v[n] = text;
	v[n + 1] = NULL;
	p->notes = v;
	return 0;
}

/* A host socket bound read-only under the sandbox's runtime dir: connect() needs no write access to the mount. */
static int share_socket(struct gui_ctx *g, const char *src, const char *name)
{
	autofree char *dst = path_join(g->runtime, name);

	return dst ? add_mount(g->out, src, dst, 0) : -1;
}

static int plan_wayland(struct gui_ctx *g)
{
	const char *display = env_get(g->host_env, "WAYLAND_DISPLAY");
	const char *name = display && *display ? display : "wayland-0";
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	autofree char *src = name[0] == '/' ? strdup(name) : path_join(g->host_runtime, name);

	if (!src)
		return -1;
	if (!is_socket(src) || !*base)
		return add_note(g->out, "wayland = yes, but there is no Wayland socket at %s: not shared", src);
	if (share_socket(g, src, base) < 0 || add_env(g->out, "WAYLAND_DISPLAY", base) < 0)
		return -1;
	return 0;
}

static char *host_xauthority(const struct gui_ctx *g)
{
	const char *xa = env_get(g->host_env, "XAUTHORITY");
	const char *home = env_get(g->host_env, "HOME");

	if (xa && *xa)
		return strdup(xa);
	return path_join(home ? home : "/", ".Xauthority");
}

/* Only this display's cookie reaches the sandbox, in a per-run copy. */
static int share_xauth(struct gui_ctx *g, unsigned display)
{
	autofree char *src = host_xauthority(g);
	autofree char *copy = path_join(g->run_dir, "Xauthority");
	autofree char *dst = path_join(g->runtime, "Xauthority");
	autofree char *in = NULL;
	autofree uint8_t *kept = NULL;
	char host[256] = "";
	size_t kept_len = 0;
	size_t len = 0;
	int n;

	if (!src || !copy || !dst)
		return -1;
	gethostname(host, sizeof(host) - 1);
	if (read_file_at(AT_FDCWD, src, XAUTH_MAX, READ_TRUNCATE, &in, &len) < 0) {
		int saved = errno;
		return add_env(g->out, "XAUTHORITY", NULL) < 0 ||
		       add_note(g->out, "x11 = yes: cannot read %s (%s), no X11 cookie shared", src, strerror(saved)) < 0 ? -1 : 0;
	}
	n = xauth_filter((const uint8_t *)in, len, display, host, &kept, &kept_len);
	if (n < 0 && errno == ENOMEM)
		return -1;
	if (n <= 0)
		return add_env(g->out, "XAUTHORITY", NULL) < 0 ||
		       add_note(g->out, "x11 = yes: %s %s, no X11 cookie shared", src,
				n < 0 ? "is not a valid Xauthority file" : "holds no cookie for this display") < 0 ? -1 : 0;
	if (write_file_at(AT_FDCWD, copy, (const char *)kept, kept_len, 0600) < 0)
		return -1;
	return add_mount(g->out, copy, dst, 0) < 0 || add_env(g->out, "XAUTHORITY", dst) < 0 ? -1 : 0;
}

static int plan_x11(struct gui_ctx *g)
{
	const char *display = env_get(g->host_env, "DISPLAY");
	char socket[64];
	unsigned n;

	if (!display || !*display)
		return add_note(g->out, "x11 = yes, but DISPLAY is not set: no X11 display shared");
	if (gui_x11_display(display, &n) < 0)
		return add_note(g->out, "x11 = yes, but DISPLAY=%s is not a local display (:N): not shared", display);
	snprintf(socket, sizeof(socket), "/tmp/.X11-unix/X%u", n);
	if (!is_socket(socket))
		return add_note(g->out, "x11 = yes, but there is no X11 socket at %s: not shared", socket);
	if (add_mount(g->out, socket, socket, 0) < 0 || add_env(g->out, "DISPLAY", display) < 0)
		return -1;
	return share_xauth(g, n);
}

/* PULSE_SERVER=unix:PATH on the host names another socket than the default. */
static char *host_pulse_socket(const struct gui_ctx *g)
{
	const char *server = env_get(g->host_env, "PULSE_SERVER");

	if (server && !strncmp(server, "unix:/", 6))
		return strdup(server + 5);
	return path_join(g->host_runtime, "pulse/native");
}

static int plan_audio(struct gui_ctx *g)
{
	autofree char *pulse = host_pulse_socket(g);
	autofree char *pipewire = path_join(g->host_runtime, "pipewire-0");
	autofree char *pulse_dst = path_join(g->runtime, "pulse/native");
	autofree char *server = NULL;

	if (!pulse || !pipewire || !pulse_dst || asprintf(&server, "unix:%s", pulse_dst) < 0)
		return -1;
	if (!is_socket(pulse)) {
		if (add_note(g->out, "audio = yes, but there is no PulseAudio socket at %s: not shared", pulse) < 0)
			return -1;
	} else if (share_socket(g, pulse, "pulse/native") < 0 || add_env(g->out, "PULSE_SERVER", server) < 0) {
		return -1;
	}
	if (!is_socket(pipewire))
		return add_note(g->out, "audio = yes, but there is no PipeWire socket at %s: not shared", pipewire);
	return share_socket(g, pipewire, "pipewire-0");
}

static int is_nvidia_entry(const struct dirent *d)
{
	return !strncmp(d->d_name, "nvidia", 6);
}

/* Device nodes keep their device semantics: these mounts alone are bound without nodev. */
static int plan_gpu(struct gui_ctx *g)
{
	struct dirent **names = NULL;
	int n;
	int rc = 0;

	if (!is_dir("/dev/dri") && add_note(g->out, "gpu = yes, but there is no /dev/dri: not shared") < 0)
		return -1;
	if (is_dir("/dev/dri") && add_mount(g->out, "/dev/dri", "/dev/dri", MOUNT_F_DEV) < 0)
		return -1;
	n = scandir("/dev", &names, is_nvidia_entry, alphasort);
	for (int i = 0; i < n; i++) {
		autofree char *path = path_join("/dev", names[i]->d_name);

		if (rc == 0 && (!path || add_mount(g->out, path, path, MOUNT_F_DEV) < 0))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

char *gui_dbus_socket_path(const char *address)
{
	const char *p = address;

	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *key = memmem(p, len, "path=", 5);

		if (!strncmp(p, "unix:", 5) && key && (key[-1] == ':' || key[-1] == ',')) {
			size_t plen = strcspn(key + 5, ",;");
			return key[5] == '/' ? strndup(key + 5, plen) : NULL;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* The host's session bus address: $DBUS_SESSION_BUS_ADDRESS, else the usual $XDG_RUNTIME_DIR/bus. */
static char *host_bus_address(const struct gui_ctx *g)
{
	const char *addr = env_get(g->host_env, "DBUS_SESSION_BUS_ADDRESS");
	autofree char *fallback = path_join(g->host_runtime, "bus");
	char *out = NULL;

	if (addr && *addr)
		return strdup(addr);
	if (!fallback || !is_socket(fallback) || asprintf(&out, "unix:path=%s", fallback) < 0)
		return NULL;
	return out;
}

static int set_bus(struct gui_ctx *g, const char *src)
{
	autofree char *dst = path_join(g->runtime, "bus");
	autofree char *addr = NULL;

	if (!dst || asprintf(&addr, "unix:path=%s", dst) < 0)
		return -1;
	if (add_mount(g->out, src, dst, 0) < 0 || add_env(g->out, "DBUS_SESSION_BUS_ADDRESS", addr) < 0)
		return -1;
	return 0;
}

static int plan_session_bus(struct gui_ctx *g, const char *addr)
{
	autofree char *path = gui_dbus_socket_path(addr);

	if (!path || !is_socket(path))
		return add_note(g->out, "dbus = session, but the session bus %s is not a socket drop can share", addr);
	return set_bus(g, path);
}


static int push_rules(struct strv *argv, const char *opt, char *const *names)
{
	for (size_t i = 0; names && names[i]; i++) {
		char *arg = NULL;
		if (asprintf(&arg, "%s=%s", opt, names[i]) < 0 || strv_push_owned(argv, arg) < 0)
			return -1;
	}
	return 0;
}

static int plan_proxy(struct gui_ctx *g, const char *addr, struct drop_err *err)
{
	autofree char *proxy = sys_find_in_path(env_get(g->host_env, "PATH"), "xdg-dbus-proxy");
	autofree char *sock = path_join(g->run_dir, "dbus-proxy");
	struct strv argv = { 0 };
	char fd_arg[32];

	if (!proxy)
		return err_set(err, DROP_ESETUP,
			       "xdg-dbus-proxy, needed for [gui] dbus = filtered, not found in PATH; install it with "
			       "'apt-get install xdg-dbus-proxy' (Debian/Ubuntu), 'dnf install xdg-dbus-proxy' (Fedora) or "
			       "'pacman -S xdg-dbus-proxy' (Arch), or set dbus = none");
	snprintf(fd_arg, sizeof(fd_arg), "--fd=%d", PROXY_SYNC_FD);
	if (!sock || !(g->out->proxy_log = path_join(g->run_dir, "dbus-proxy.log")) || strv_push(&argv, proxy) < 0 ||
	    strv_push(&argv, addr) < 0 || strv_push(&argv, sock) < 0 || strv_push(&argv, "--filter") < 0 ||
	    push_rules(&argv, "--talk", g->s->dbus_talk) < 0 || push_rules(&argv, "--own", g->s->dbus_own) < 0 ||
	    strv_push(&argv, fd_arg) < 0 || !(g->out->proxy_argv = strv_steal(&argv))) {
		strv_clear(&argv);
		return err_sys(err, DROP_ESETUP, "out of memory");
	}
	if (set_bus(g, sock) < 0)
		return err_sys(err, DROP_ESETUP, "out of memory");
	return 0;
}

/* none: no bus at all, even when [env] exposes the host's address (an abstract socket is reachable with net = host). */
static int plan_dbus(struct gui_ctx *g, struct drop_err *err)
{
	autofree char *addr = NULL;

	if (add_env(g->out, "DBUS_SESSION_BUS_ADDRESS", NULL) < 0)
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (g->s->dbus == DBUS_NONE)
		return 0;
	if (!(addr = host_bus_address(g))) {
		if (add_note(g->out, "dbus = %s, but there is no session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
			     g->s->dbus == DBUS_SESSION ? "session" : "filtered") < 0)
			return err_sys(err, DROP_ESETUP, "out of memory");
		return 0;
	}
	if (g->s->dbus == DBUS_FILTERED)
		return plan_proxy(g, addr, err);
	if (plan_session_bus(g, addr) < 0)
		return err_sys(err, DROP_ESETUP, "out of memory");
	return 0;
}

static int plan_features(struct gui_ctx *g, struct drop_err *err)
{
	const struct drop_settings *s = g->s;

	if ((s->wayland && plan_wayland(g) < 0) || (s->x11 && plan_x11(g) < 0) || (s->audio && plan_audio(g) < 0) ||
	    (s->gpu && plan_gpu(g) < 0))
		return err_sys(err, DROP_ESETUP, "cannot prepare [gui] access");
	if (plan_dbus(g, err) < 0)
		return -1;
	/* Clients find the sockets there; the directory is the sandbox's own /run/user/UID. */
	if ((s->wayland || s->x11 || s->audio || s->gpu || s->dbus != DBUS_NONE) &&
	    add_env(g->out, "XDG_RUNTIME_DIR", g->runtime) < 0)
		return err_sys(err, DROP_ESETUP, "out of memory");
	return 0;
}

int gui_prepare(const struct drop_settings *s, const char *run_dir, char *const *host_env, struct gui_plan *out,
		struct drop_err *err)
{
	const char *xdg = env_get(host_env, "XDG_RUNTIME_DIR");
	struct gui_ctx g = { .s = s, .run_dir = run_dir, .host_env = host_env, .out = out };
	int rc;

	memset(out, 0, sizeof(*out));
	out->proxy_sync_fd = -1;
	snprintf(g.runtime, sizeof(g.runtime), "/run/user/%u", (unsigned)getuid());
	g.host_runtime = xdg && xdg[0] == '/' ? strdup(xdg) : strdup(g.runtime);
	if (!g.host_runtime)
		return err_sys(err, DROP_ESETUP, "out of memory");
	rc = plan_features(&g, err);
	free(g.host_runtime);
	if (rc < 0)
		gui_plan_free(out);
	return rc;
}

void gui_plan_free(struct gui_plan *p)
{
	dbus_proxy_stop(p);
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].src);
		free(p->mounts[i].dst);
	}
	for (size_t i = 0; i < p->n_env; i++) {
		free(p->env[i].name);
		free(p->env[i].value);
	}
	for (size_t i = 0; p->notes && p->notes[i]; i++)
		free(p->notes[i]);
	for (size_t i = 0; p->proxy_argv && p->proxy_argv[i]; i++)
		free(p->proxy_argv[i]);
	free(p->mounts);
	free(p->env);
	free(p->notes);
	free(p->proxy_argv);
	free(p->proxy_log);
	memset(p, 0, sizeof(*p));
	p->proxy_sync_fd = -1;
}

/* ---- pure helpers ---- */

int gui_x11_display(const char *display, unsigned *number)
{
	const char *p = display;
	uint64_t n;
	char digits[16];
	size_t len;

	if (!strncmp(p, "unix:", 5))
		p += 5;
	else if (*p == ':')
		p++;
	else
		return -1;
	len = strspn(p, "0123456789");
	if (len == 0 || len >= sizeof(digits) || (p[len] != '\0' && p[len] != '.'))
		return -1;
	if (p[len] == '.' && (p[len + 1] == '\0' || strspn(p + len + 1, "0123456789") != strlen(p + len + 1)))
		return -1;
	memcpy(digits, p, len);
	digits[len] = '\0';
	if (parse_uint(digits, 0, 65535, &n) < 0)
		return -1;
	*number = (unsigned)n;
	return 0;
}
