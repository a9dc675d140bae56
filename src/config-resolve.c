/* config-resolve.c: turning a merged configuration into the typed settings drop run uses. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config-internal.h"
#include "util.h"

static int expand_path(const char *path, const char *home, const struct cfg_entry *e, char **out,
		       struct drop_err *err)
{
	*out = path_expand_home(path, home);
	if (*out)
		return 0;
	if (errno == EINVAL)
		return err_at(err, e->file, e->line,
			      "cannot expand '%s': HOME is not set to an absolute path", path);
	return err_sys(err, 0, "cannot expand '%s'", path);
}

static int resolve_one_mount(const struct cfg_entry *e, const char *home, struct mount_req *m,
			     struct drop_err *err)
{
	struct cfg_mount spec;
	char why[512];
	int r;

	if (mount_spec_parse(e->value, &spec, why, sizeof(why)) < 0)
		return err_at(err, e->file, e->line, "invalid mount '%s': %s", e->value, why);
	m->rw = spec.rw;
	m->origin = e;
	r = expand_path(spec.src, home, e, &m->src, err);
	if (r == 0)
		r = expand_path(spec.dst ? spec.dst : spec.src, home, e, &m->dst, err);
	mount_spec_free(&spec);
	return r;
}

static int resolve_mounts(const struct drop_config *c, const char *home, struct drop_settings *s,
			  struct drop_err *err)
{
	const struct cfg_values *vals = &c->key[CFG_FS_MOUNT];

	if (!vals->n)
		return 0;
	s->mounts = calloc(vals->n, sizeof(*s->mounts));
	if (!s->mounts)
		return err_sys(err, 0, "cannot resolve mounts");
	for (size_t i = 0; i < vals->n; i++) {
		s->n_mounts++;
		if (resolve_one_mount(&vals->v[i], home, &s->mounts[i], err) < 0)
			return -1;
	}
	return 0;
}

static int resolve_blocks(const struct drop_config *c, const char *home, struct drop_settings *s,
			  struct drop_err *err)
{
	const struct cfg_values *vals = &c->key[CFG_FS_BLOCK];
	struct strv out = { 0 };

	for (size_t i = 0; i < vals->n; i++) {
		char *path;

		if (expand_path(vals->v[i].value, home, &vals->v[i], &path, err) < 0) {
			strv_clear(&out);
			return -1;
		}
		if (strv_push_owned(&out, path) < 0) {
			strv_clear(&out);
			return err_sys(err, 0, "cannot resolve blocked paths");
		}
	}
	s->blocks = strv_steal(&out);
	return s->blocks ? 0 : err_sys(err, 0, "cannot resolve blocked paths");
}

static int copy_list(const struct drop_config *c, enum cfg_key k, char ***out, struct drop_err *err)
{
	const struct cfg_values *vals = &c->key[k];
	struct strv list = { 0 };

	for (size_t i = 0; i < vals->n; i++) {
		if (strv_push(&list, vals->v[i].value) < 0) {
			strv_clear(&list);
			return err_sys(err, 0, "cannot copy %s", cfg_key_info(k)->name);
		}
	}
	*out = strv_steal(&list);
	return *out ? 0 : err_sys(err, 0, "cannot copy %s", cfg_key_info(k)->name);
}

static const char *const net_mode_names[] = {
	[NET_ISOLATED] = "isolated",
	[NET_OFF] = "off",
	[NET_HOST] = "host",
	[NET_FILTERED] = "filtered",
};

static enum net_mode net_mode_from(const struct cfg_entry *e)
{
	if (!e)
		return NET_ISOLATED;
	for (size_t i = 0; i < sizeof(net_mode_names) / sizeof(net_mode_names[0]); i++)
		if (strcmp(e->value, net_mode_names[i]) == 0)
			return (enum net_mode)i;
	return NET_ISOLATED;
}

/* auto hands every listening port over, so it cannot share a list with explicit ports. */
static int check_auto_alone(const struct cfg_values *vals, const char *name, struct drop_err *err)
{
	bool seen_auto = false;

	for (size_t i = 0; i < vals->n; i++) {
		bool is_auto = strcmp(vals->v[i].value, "auto") == 0;

		if (i > 0 && (is_auto || seen_auto))
			return err_at(err, vals->v[i].file, vals->v[i].line,
				      "'auto' cannot be combined with other %s entries",
				      name);
		seen_auto = seen_auto || is_auto;
	}
	return 0;
}

static int resolve_ports(struct drop_config *c, enum cfg_key k, enum net_mode net,
			 struct port_list *out, struct drop_err *err)
{
	const struct cfg_values *vals = &c->key[k];
	const char *name = cfg_key_info(k)->name;
	bool publish = k == CFG_NET_TCP_PUBLISH || k == CFG_NET_UDP_PUBLISH;

	for (size_t i = 0; net != NET_ISOLATED && i < vals->n; i++) {
		const struct cfg_entry *e = &vals->v[i];

		if (strcmp(e->file, CFG_ORIGIN_CMDLINE) == 0)
			return err_set(err, 0, "port options need --net isolated (the network mode is %s)",
				       net_mode_names[net]);
		if (config_add_note(c, e->file, e->line, "%s = %s ignored (the network mode is %s)",
				    name, e->value, net_mode_names[net]) < 0)
			return err_sys(err, 0, "cannot record a note");
	}
	if (net != NET_ISOLATED || !vals->n)
		return 0;
	if (check_auto_alone(vals, name, err) < 0)
		return -1;
	out->v = calloc(vals->n, sizeof(*out->v));
	if (!out->v)
		return err_sys(err, 0, "cannot resolve %s", name);
	for (size_t i = 0; i < vals->n; i++) {
		char why[512];

		if (port_spec_parse(vals->v[i].value, publish, &out->v[i], why, sizeof(why)) < 0)
			return err_at(err, vals->v[i].file, vals->v[i].line, "invalid %s '%s': %s", name,
				      vals->v[i].value, why);
		out->n++;
	}
	return 0;
}

/* [net] allow and proxy_port: only with filtered; allow on the command line with another mode is an error. */
static int resolve_proxy(struct drop_config *c, struct drop_settings *s, struct drop_err *err)
{
	const struct cfg_values *vals = &c->key[CFG_NET_ALLOW];
	const struct cfg_entry *port = config_last(c, CFG_NET_PROXY_PORT);

	for (size_t i = 0; i < vals->n; i++) {
		const struct cfg_entry *e = &vals->v[i];
		struct allow_entry entry;
		char why[256];

		if (s->net != NET_FILTERED && strcmp(e->file, CFG_ORIGIN_CMDLINE) == 0)
			return err_set(err, 0, "--allow needs --net filtered (the network mode is %s)", net_mode_names[s->net]);
		if (s->net != NET_FILTERED) {
			if (config_add_note(c, e->file, e->line, "allow = %s ignored (the network mode is %s)", e->value,
					    net_mode_names[s->net]) < 0)
				return err_sys(err, 0, "cannot record a note");
			continue;
		}
		if (allow_parse(e->value, &entry, why, sizeof(why)) < 0)
			return err_at(err, e->file, e->line, "invalid allow '%s': %s", e->value, why);
		if (allow_list_add(&s->proxy.allow, &entry) < 0)
			return err_sys(err, 0, "cannot resolve allow");
	}
	s->proxy.port = 3128;
	if (port && parse_port(port->value, &s->proxy.port) < 0)
		return err_at(err, port->file, port->line, "invalid proxy_port '%s'", port->value);
	return 0;
}

static int resolve_net(struct drop_config *c, struct drop_settings *s, struct drop_err *err)
{
	s->net = net_mode_from(config_last(c, CFG_NET_MODE));
	if (resolve_proxy(c, s, err) < 0 ||
	    resolve_ports(c, CFG_NET_TCP_PUBLISH, s->net, &s->tcp_publish, err) < 0 ||
	    resolve_ports(c, CFG_NET_UDP_PUBLISH, s->net, &s->udp_publish, err) < 0 ||
	    resolve_ports(c, CFG_NET_TCP_HOST, s->net, &s->tcp_host, err) < 0 ||
	    resolve_ports(c, CFG_NET_UDP_HOST, s->net, &s->udp_host, err) < 0)
		return -1;
	return 0;
}

typedef int (*number_parser)(const char *s, uint64_t *out);

static int resolve_number(const struct drop_config *c, enum cfg_key k, number_parser parse,
			  uint64_t *out, struct drop_err *err)
{
	const struct cfg_entry *e = config_last(c, k);

	if (e && parse(e->value, out) < 0)
		return err_at(err, e->file, e->line, "invalid %s '%s'", cfg_key_info(k)->name, e->value);
	return 0;
}

static int resolve_limits(const struct drop_config *c, struct drop_settings *s,
			  struct drop_err *err)
{
	if (resolve_number(c, CFG_LIMITS_MEMORY, parse_size, &s->memory, err) < 0 ||
	    resolve_number(c, CFG_LIMITS_PIDS, parse_pids, &s->pids, err) < 0 ||
	    resolve_number(c, CFG_LIMITS_CPUS, parse_cpus, &s->cpus_milli, err) < 0 ||
	    resolve_number(c, CFG_LIMITS_TIMEOUT, parse_duration, &s->timeout_ms, err) < 0 ||
	    resolve_number(c, CFG_LIMITS_MAX_OUTPUT, parse_size, &s->max_output, err) < 0)
		return -1;
	return 0;
}

/* True if the last value of k is value; dflt when k is unset. */
static bool last_is(const struct drop_config *c, enum cfg_key k, const char *value, bool dflt)
{
	const struct cfg_entry *e = config_last(c, k);

	return e ? strcmp(e->value, value) == 0 : dflt;
}

static enum dbus_mode dbus_mode_from(const struct cfg_entry *e)
{
	if (e && strcmp(e->value, "filtered") == 0)
		return DBUS_FILTERED;
	if (e && strcmp(e->value, "session") == 0)
		return DBUS_SESSION;
	return DBUS_NONE;
}

static int resolve_security_and_gui(const struct drop_config *c, struct drop_settings *s,
				    struct drop_err *err)
{
	s->seccomp = !last_is(c, CFG_SECURITY_SECCOMP, "off", false);
	s->userns = last_is(c, CFG_SECURITY_USERNS, "yes", false);
	s->x11 = last_is(c, CFG_GUI_X11, "yes", false);
	s->wayland = last_is(c, CFG_GUI_WAYLAND, "yes", false);
	s->audio = last_is(c, CFG_GUI_AUDIO, "yes", false);
	s->gpu = last_is(c, CFG_GUI_GPU, "yes", false);
	s->dbus = dbus_mode_from(config_last(c, CFG_GUI_DBUS));
	if (copy_list(c, CFG_SECURITY_SECCOMP_ALLOW, &s->seccomp_allow, err) < 0 ||
	    copy_list(c, CFG_SECURITY_SECCOMP_DENY, &s->seccomp_deny, err) < 0 ||
	    copy_list(c, CFG_GUI_DBUS_TALK, &s->dbus_talk, err) < 0 ||
	    copy_list(c, CFG_GUI_DBUS_OWN, &s->dbus_own, err) < 0)
		return -1;
	return 0;
}

int config_resolve(struct drop_config *c, const char *home, struct drop_settings *s,
		   struct drop_err *err)
{
	*s = (struct drop_settings){ 0 };
	if (resolve_mounts(c, home, s, err) < 0 || resolve_blocks(c, home, s, err) < 0 ||
	    resolve_net(c, s, err) < 0 || resolve_limits(c, s, err) < 0 ||
	    resolve_security_and_gui(c, s, err) < 0) {
		settings_free(s);
		return -1;
	}
	return 0;
}

static void port_list_free(struct port_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].host_ip);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void settings_free(struct drop_settings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].src);
		free(s->mounts[i].dst);
	}
	free(s->mounts);
	strv_free(s->blocks);
	port_list_free(&s->tcp_publish);
	port_list_free(&s->udp_publish);
	port_list_free(&s->tcp_host);
	port_list_free(&s->udp_host);
	allow_list_free(&s->proxy.allow);
	strv_free(s->seccomp_allow);
	strv_free(s->seccomp_deny);
	strv_free(s->dbus_talk);
	strv_free(s->dbus_own);
	*s = (struct drop_settings){ 0 };
}
