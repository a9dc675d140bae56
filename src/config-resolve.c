/* config-resolve.c: landing a merged configuration's typed values in struct drop_settings, a loop over the key table. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config-internal.h"
#include "util.h"

/* Scalars land in a bool, an enum (unsigned int sized) or a uint64_t. */
_Static_assert(sizeof(enum net_mode) == sizeof(unsigned) && sizeof(enum dbus_mode) == sizeof(unsigned) &&
		       sizeof(enum cwd_mode) == sizeof(unsigned) && sizeof(enum git_mode) == sizeof(unsigned),
	       "enum settings are stored as unsigned int");

static void *field(struct drop_settings *s, const struct cfg_key_def *d)
{
	return (char *)s + d->at;
}

static void land_scalar(const struct drop_config *c, enum cfg_key k, struct drop_settings *s)
{
	const struct cfg_key_def *d = cfg_key_def(k);
	const struct cfg_entry *e = config_last(c, k);
	uint64_t v = d->kind == KIND_CHOICE ? (uint64_t)(e ? e->as.choice : d->dflt) : e ? e->as.num : 0;
	void *f = field(s, d);

	if (d->width == sizeof(bool))
		*(bool *)f = v != 0;
	else if (d->width == sizeof(unsigned))
		*(unsigned *)f = (unsigned)v;
	else
		*(uint64_t *)f = v;
}

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

/* ---- list kinds: each lands all of its values ---- */

struct landing {
	struct drop_config *c;
	enum cfg_key k;
	const char *home;
	struct drop_settings *s;
	struct drop_err *err;
};

static const struct cfg_values *values_of(const struct landing *l)
{
	return &l->c->key[l->k];
}

static const char *name_of(const struct landing *l)
{
	return cfg_key_info(l->k)->name;
}

static int land_mounts(const struct landing *l)
{
	const struct cfg_values *vals = values_of(l);
	struct drop_settings *s = l->s;

	if (!vals->n)
		return 0;
	s->mounts = calloc(vals->n, sizeof(*s->mounts));
	if (!s->mounts)
		return err_sys(l->err, 0, "cannot resolve mounts");
	for (size_t i = 0; i < vals->n; i++) {
		const struct cfg_entry *e = &vals->v[i];
		struct mount_req *m = &s->mounts[s->n_mounts++];

		m->rw = e->as.mount.rw;
		m->opt = e->as.mount.opt;
		m->origin = e;
		if (expand_path(e->as.mount.src, l->home, e, &m->src, l->err) < 0 ||
		    expand_path(e->as.mount.dst ? e->as.mount.dst : e->as.mount.src, l->home, e, &m->dst,
				l->err) < 0)
			return -1;
	}
	return 0;
}

/* expand: "~" expanded (paths), or the values as written (names). */
static int land_strings(const struct landing *l, bool expand)
{
	const struct cfg_values *vals = values_of(l);
	struct strv out = { 0 };
	char ***dst = field(l->s, cfg_key_def(l->k));

	for (size_t i = 0; i < vals->n; i++) {
		char *v = NULL;

		if (expand && expand_path(vals->v[i].value, l->home, &vals->v[i], &v, l->err) < 0) {
			strv_clear(&out);
			return -1;
		}
		if (!expand)
			v = strdup(vals->v[i].value);
		if (!v || strv_push_owned(&out, v) < 0) {
			strv_clear(&out);
			return err_sys(l->err, 0, "cannot copy %s", name_of(l));
		}
	}
	*dst = strv_steal(&out);
	return *dst ? 0 : err_sys(l->err, 0, "cannot copy %s", name_of(l));
}

/* The word the key table gives a network mode, for messages. */
static const char *net_mode_name(enum net_mode net)
{
	for (const struct cfg_choice *ch = cfg_key_def(CFG_NET_MODE)->choices; ch->word; ch++)
		if (ch->value == (int)net)
			return ch->word;
	return "?";
}

/* auto hands every listening port over, so it cannot share a list with explicit ports. */
static int check_auto_alone(const struct cfg_values *vals, const char *name, struct drop_err *err)
{
	bool seen_auto = false;

	for (size_t i = 0; i < vals->n; i++) {
		bool is_auto = vals->v[i].as.port.is_auto;

		if (i > 0 && (is_auto || seen_auto))
			return err_at(err, vals->v[i].file, vals->v[i].line,
				      "'auto' cannot be combined with other %s entries",
				      name);
		seen_auto = seen_auto || is_auto;
	}
	return 0;
}

/* Which entries a mode can carry: all with isolated; with filtered, explicit TCP ports (drop relays them). */
static bool port_usable(enum net_mode net, enum cfg_key k, const struct port_req *p)
{
	if (net == NET_ISOLATED)
		return true;
	return net == NET_FILTERED && (k == CFG_NET_TCP_HOST || k == CFG_NET_TCP_PUBLISH) && !p->is_auto;
}

static const char *port_needs(enum net_mode net, enum cfg_key k)
{
	if (net != NET_FILTERED)
		return "port options need --net isolated";
	if (k == CFG_NET_TCP_HOST)
		return "tcp_host = auto needs --net isolated (filtered relays only the ports it names)";
	return "UDP port options need --net isolated";
}

/*
 * Ports need the isolated mode, or filtered for what drop relays itself:
 * the file's others are dropped with a note, the command line's refused.
 */
static int land_ports(const struct landing *l)
{
	const struct cfg_values *vals = values_of(l);
	struct port_list *out = field(l->s, cfg_key_def(l->k));
	enum net_mode net = l->s->net;
	size_t kept = 0;

	for (size_t i = 0; i < vals->n; i++) {
		const struct cfg_entry *e = &vals->v[i];

		if (port_usable(net, l->k, &e->as.port)) {
			kept++;
			continue;
		}
		if (strcmp(e->file, CFG_ORIGIN_CMDLINE) == 0)
			return err_set(l->err, 0, "%s (the network mode is %s)", port_needs(net, l->k),
				       net_mode_name(net));
		if (config_add_note(l->c, e->file, e->line, "%s = %s ignored (the network mode is %s)",
				    name_of(l), e->value, net_mode_name(net)) < 0)
			return err_sys(l->err, 0, "cannot record a note");
	}
	if (!kept)
		return 0;
	if (net == NET_FILTERED && kept > FILTERED_MAX_FORWARDS)
		return err_set(l->err, 0, "at most %d %s entries with --net filtered (%zu given)", FILTERED_MAX_FORWARDS,
			       name_of(l), kept);
	if (net == NET_ISOLATED && check_auto_alone(vals, name_of(l), l->err) < 0)
		return -1;
	out->v = calloc(kept, sizeof(*out->v));
	if (!out->v)
		return err_sys(l->err, 0, "cannot resolve %s", name_of(l));
	for (size_t i = 0; i < vals->n; i++) {
		struct port_req *p = &out->v[out->n];

		if (!port_usable(net, l->k, &vals->v[i].as.port))
			continue;
		*p = vals->v[i].as.port;
		if (p->host_ip && !(p->host_ip = strdup(p->host_ip)))
			return err_sys(l->err, 0, "cannot resolve %s", name_of(l));
		out->n++;
	}
	return 0;
}

/* allow needs the filtered mode: the file's entries are dropped with a note, the command line's refused. */
static int land_allow(const struct landing *l)
{
	const struct cfg_values *vals = values_of(l);
	struct allow_list *out = field(l->s, cfg_key_def(l->k));
	enum net_mode net = l->s->net;

	for (size_t i = 0; i < vals->n; i++) {
		const struct cfg_entry *e = &vals->v[i];

		if (net != NET_FILTERED && strcmp(e->file, CFG_ORIGIN_CMDLINE) == 0)
			return err_set(l->err, 0, "--allow needs --net filtered (the network mode is %s)",
				       net_mode_name(net));
		if (net != NET_FILTERED) {
			if (config_add_note(l->c, e->file, e->line, "allow = %s ignored (the network mode is %s)",
					    e->value, net_mode_name(net)) < 0)
				return err_sys(l->err, 0, "cannot record a note");
			continue;
		}
		if (allow_list_add(out, &e->as.allow) < 0)
			return err_sys(l->err, 0, "cannot resolve allow");
	}
	return 0;
}

static int land_list(const struct landing *l)
{
	switch (cfg_key_def(l->k)->kind) {
	case KIND_ALLOW:
		return land_allow(l);
	case KIND_MOUNT:
		return land_mounts(l);
	case KIND_PATH:
		return land_strings(l, true);
	case KIND_PUBLISH:
	case KIND_HOST:
		return land_ports(l);
	default:
		return land_strings(l, false);
	}
}

/* Scalars first: the port lists depend on the network mode. */
int config_resolve(struct drop_config *c, const char *home, struct drop_settings *s,
		   struct drop_err *err)
{
	*s = (struct drop_settings){ 0 };
	for (int k = 0; k < CFG_KEY_COUNT; k++)
		if (!cfg_key_info((enum cfg_key)k)->is_list)
			land_scalar(c, (enum cfg_key)k, s);
	s->proxy.port = s->proxy_port ? (uint16_t)s->proxy_port : 3128;
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		struct landing l = { c, (enum cfg_key)k, home, s, err };

		if (!cfg_key_info(l.k)->is_list || cfg_key_def(l.k)->at == CFG_NOWHERE)
			continue;
		if (land_list(&l) < 0) {
			settings_free(s);
			return -1;
		}
	}
	/* Publishing the proxy's own port would hand the sandbox's allowlist to every host client. */
	for (size_t i = 0; s->net == NET_FILTERED && i < s->tcp_publish.n; i++)
		if (s->tcp_publish.v[i].sandbox_port == s->proxy.port) {
			err_set(err, 0, "tcp_publish %u is the filtered network's proxy ([net] proxy_port); publish another port",
				(unsigned)s->proxy.port);
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
}

static void mounts_free(struct drop_settings *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].src);
		free(s->mounts[i].dst);
	}
	free(s->mounts);
}

void settings_free(struct drop_settings *s)
{
	if (!s)
		return;
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		const struct cfg_key_def *d = cfg_key_def((enum cfg_key)k);

		if (!d->info.is_list || d->at == CFG_NOWHERE)
			continue;
		if (d->kind == KIND_MOUNT)
			mounts_free(s);
		else if (d->kind == KIND_PUBLISH || d->kind == KIND_HOST)
			port_list_free(field(s, d));
		else if (d->kind == KIND_ALLOW)
			allow_list_free(field(s, d));
		else
			strv_free(*(char ***)field(s, d));
	}
	*s = (struct drop_settings){ 0 };
}
