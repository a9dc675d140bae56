/* test-gui.c: [gui] planning: DISPLAY and D-Bus address parsing, Xauthority filtering, gui_prepare on fake sockets. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gui-plan.h"
#include "tap.h"
#include "xauth.h"

static void test_x11_display(void)
{
	static const struct {
		const char *display;
		int rc;
		unsigned number;
	} cases[] = {
		{ ":0", 0, 0 }, { ":12.1", 0, 12 }, { "unix:3", 0, 3 }, { "unix:4.0", 0, 4 },
		{ "localhost:10.0", -1, 0 }, { ":", -1, 0 }, { ":a", -1, 0 }, { ":1.", -1, 0 },
		{ ":1.x", -1, 0 }, { "", -1, 0 }, { ":99999", -1, 0 }, { "/tmp/.X11-unix/X0", -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned n = 9999;
		int rc = gui_x11_display(cases[i].display, &n);

		ok(rc == cases[i].rc && (rc < 0 || n == cases[i].number), "DISPLAY '%s' -> %d (%u)", cases[i].display,
		   cases[i].rc, cases[i].number);
	}
}

static void test_dbus_path(void)
{
	static const struct {
		const char *addr;
		const char *path;
	} cases[] = {
		{ "unix:path=/run/user/1000/bus", "/run/user/1000/bus" },
		{ "unix:path=/tmp/b,guid=0123", "/tmp/b" },
		{ "unix:guid=0123,path=/tmp/q", "/tmp/q" },
		{ "tcp:host=localhost,port=1;unix:path=/tmp/second", "/tmp/second" },
		{ "unix:abstract=/tmp/dbus-x,guid=1", NULL },
		{ "unix:path=relative", NULL },
		{ "unix:tmpdir=/tmp", NULL },
		{ "", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = gui_dbus_socket_path(cases[i].addr);
		is_str(p, cases[i].path, "D-Bus address '%s'", cases[i].addr);
		free(p);
	}
}

/* One Xauthority record: family, address, number, name, data. */
static size_t put_record(uint8_t *buf, uint16_t family, const char *addr, const char *number, const char *data)
{
	const char *fields[4] = { addr, number, "MIT-MAGIC-COOKIE-1", data };
	size_t off = 0;

	buf[off++] = (uint8_t)(family >> 8);
	buf[off++] = (uint8_t)family;
	for (int i = 0; i < 4; i++) {
		size_t len = strlen(fields[i]);
		buf[off++] = (uint8_t)(len >> 8);
		buf[off++] = (uint8_t)len;
		memcpy(buf + off, fields[i], len);
		off += len;
	}
	return off;
}

static void test_xauth_filter(void)
{
	uint8_t in[1024], want[512];
	size_t len = 0, want_len = 0, out_len = 0;
	uint8_t *out = NULL;
	int n;

	len += put_record(in + len, 256, "myhost", "0", "cookieA");
	len += put_record(in + len, 256, "otherhost", "0", "cookieB");
	len += put_record(in + len, 256, "myhost", "1", "cookieC");
	len += put_record(in + len, 65535, "", "0", "cookieD");
	len += put_record(in + len, 0, "\x7f\x00\x00\x01", "0", "cookieE");
	len += put_record(in + len, 256, "myhost", "10", "cookieF");
	want_len += put_record(want + want_len, 65535, "myhost", "0", "cookieA");
	want_len += put_record(want + want_len, 65535, "", "0", "cookieD");

	n = xauth_filter(in, len, 0, "myhost", &out, &out_len);
	ok(n == 2, "xauth: two entries kept for display 0 of myhost (got %d)", n);
	ok(out && out_len == want_len && !memcmp(out, want, want_len),
	   "xauth: the local and the wild entry of display 0, rewritten as family Wild, in file order");
	free(out);

	n = xauth_filter(in, len, 7, "myhost", &out, &out_len);
	ok(n == 0 && out_len == 0, "xauth: no entry for display 7");
	free(out);

	n = xauth_filter(in, len, 1, "elsewhere", &out, &out_len);
	ok(n == 0, "xauth: another host's local entries are not kept");
	free(out);

	errno = 0;
	n = xauth_filter(in, len - 3, 0, "myhost", &out, &out_len);
	ok(n == -1 && errno == EINVAL && out == NULL, "xauth: a truncated file is rejected");

	n = xauth_filter(in, 0, 0, "myhost", &out, &out_len);
	ok(n == 0, "xauth: an empty file holds nothing");
	free(out);
}

static char tmpdir[] = "/tmp/test-gui.XXXXXX";

static int make_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

static const struct gui_env *find_env(const struct gui_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (!strcmp(p->env[i].name, name))
			return &p->env[i];
	return NULL;
}

static const struct mount_spec *find_mount(const struct gui_plan *p, const char *dst)
{
	for (size_t i = 0; i < p->n_mounts; i++)
		if (!strcmp(p->mounts[i].dst, dst))
			return &p->mounts[i];
	return NULL;
}

static bool has_note(const struct gui_plan *p, const char *needle)
{
	for (size_t i = 0; p->notes && p->notes[i]; i++)
		if (strstr(p->notes[i], needle))
			return true;
	return false;
}

static void test_prepare(void)
{
	char rt[400], pulse[450], wl[450], bus[450], xdg[450], dbus[500], wldisp[64], runtime[64], dst[128];
	struct drop_settings s = { .wayland = true, .audio = true, .dbus = DBUS_SESSION };
	struct gui_plan p;
	struct drop_err err = { 0 };
	const struct mount_spec *m;
	const struct gui_env *e;

	snprintf(rt, sizeof(rt), "%s/rt", tmpdir);
	snprintf(pulse, sizeof(pulse), "%s/pulse", rt);
	mkdir(rt, 0700);
	mkdir(pulse, 0700);
	snprintf(pulse, sizeof(pulse), "%s/pulse/native", rt);
	snprintf(wl, sizeof(wl), "%s/wayland-7", rt);
	snprintf(bus, sizeof(bus), "%s/bus", rt);
	snprintf(runtime, sizeof(runtime), "/run/user/%u", (unsigned)getuid());
	if (make_socket(pulse) < 0 || make_socket(wl) < 0 || make_socket(bus) < 0) {
		ok(0, "create fake sockets in %s", rt);
		return;
	}
	snprintf(xdg, sizeof(xdg), "XDG_RUNTIME_DIR=%s", rt);
	snprintf(wldisp, sizeof(wldisp), "WAYLAND_DISPLAY=wayland-7");
	snprintf(dbus, sizeof(dbus), "DBUS_SESSION_BUS_ADDRESS=unix:path=%s,guid=42", bus);
	{
		char *env[] = { xdg, wldisp, dbus, "PATH=/nonexistent", NULL };

		ok(gui_prepare(&s, tmpdir, env, &p, &err) == 0, "gui_prepare: wayland, audio, session bus (%s)", err.msg);
		snprintf(dst, sizeof(dst), "%s/wayland-7", runtime);
		m = find_mount(&p, dst);
		ok(m && !strcmp(m->src, wl) && m->flags == 0, "wayland socket bound read-only at %s", dst);
		e = find_env(&p, "WAYLAND_DISPLAY");
		is_str(e ? e->value : NULL, "wayland-7", "WAYLAND_DISPLAY is the socket's name");
		snprintf(dst, sizeof(dst), "%s/pulse/native", runtime);
		m = find_mount(&p, dst);
		ok(m && !strcmp(m->src, pulse), "PulseAudio socket bound at %s", dst);
		ok(has_note(&p, "no PipeWire socket"), "a missing PipeWire socket is a note");
		snprintf(dst, sizeof(dst), "%s/bus", runtime);
		m = find_mount(&p, dst);
		ok(m && !strcmp(m->src, bus), "dbus = session: the bus socket bound at %s", dst);
		e = find_env(&p, "DBUS_SESSION_BUS_ADDRESS");
		ok(e && e->value && !strcmp(e->value + strlen("unix:path="), dst), "DBUS_SESSION_BUS_ADDRESS names it");
		e = find_env(&p, "XDG_RUNTIME_DIR");
		is_str(e ? e->value : NULL, runtime, "XDG_RUNTIME_DIR is the sandbox's /run/user/UID");
		ok(p.proxy_argv == NULL, "no proxy for dbus = session");
		gui_plan_free(&p);

		s = (struct drop_settings){ .x11 = true, .gpu = false, .dbus = DBUS_NONE };
		env[1] = "DISPLAY=:4242";
		ok(gui_prepare(&s, tmpdir, env, &p, &err) == 0, "gui_prepare: x11 without a socket");
		ok(p.n_mounts == 0 && has_note(&p, "no X11 socket at /tmp/.X11-unix/X4242"), "missing X11 socket: a note, no mount");
		e = find_env(&p, "DBUS_SESSION_BUS_ADDRESS");
		ok(e && e->value == NULL, "dbus = none unsets DBUS_SESSION_BUS_ADDRESS");
		gui_plan_free(&p);

		s = (struct drop_settings){ .dbus = DBUS_FILTERED };
		ok(gui_prepare(&s, tmpdir, env, &p, &err) < 0 && err.status == DROP_ESETUP &&
		   strstr(err.msg, "xdg-dbus-proxy") && strstr(err.msg, "apt-get install xdg-dbus-proxy") &&
		   strstr(err.msg, "dnf install") && strstr(err.msg, "pacman -S"),
		   "dbus = filtered without xdg-dbus-proxy in PATH: an error with install commands");
		ok(p.n_mounts == 0 && p.proxy_argv == NULL && p.n_env == 0, "the failed plan is left empty");
		gui_plan_free(&p);
	}
	{
		static char *talk[] = { "org.example.A", "org.example.B.*", NULL };
		static char *own[] = { "org.example.Mine", NULL };
		char *env[] = { xdg, dbus, "PATH=/usr/bin:/bin", NULL };

		s = (struct drop_settings){ .dbus = DBUS_FILTERED, .dbus_talk = talk, .dbus_own = own };
		if (access("/usr/bin/xdg-dbus-proxy", X_OK) < 0) {
			ok(0, "xdg-dbus-proxy is installed (apt-get install xdg-dbus-proxy)");
			return;
		}
		ok(gui_prepare(&s, tmpdir, env, &p, &err) == 0, "gui_prepare: dbus = filtered");
		ok(p.proxy_argv && !strcmp(p.proxy_argv[1], dbus + strlen("DBUS_SESSION_BUS_ADDRESS=")) &&
		   !strcmp(p.proxy_argv[3], "--filter") && !strcmp(p.proxy_argv[4], "--talk=org.example.A") &&
		   !strcmp(p.proxy_argv[5], "--talk=org.example.B.*") && !strcmp(p.proxy_argv[6], "--own=org.example.Mine") &&
		   !strcmp(p.proxy_argv[7], "--fd=3") && !p.proxy_argv[8],
		   "proxy argv: address, socket, --filter, --talk and --own in order, --fd=3");
		snprintf(dst, sizeof(dst), "%s/bus", runtime);
		m = find_mount(&p, dst);
		ok(m && p.proxy_argv && !strcmp(m->src, p.proxy_argv[2]), "the proxy's socket is what gets bound at %s", dst);
		gui_plan_free(&p);
	}
}

int main(void)
{
	char cmd[100];

	test_x11_display();
	test_dbus_path();
	test_xauth_filter();
	if (!mkdtemp(tmpdir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_prepare();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
