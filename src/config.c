/* config.c: the key table of SPEC 3.2, per-key validation, merging, and the resolved settings. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config-internal.h"
#include "util.h"

/* A validator returns 0 for a good value, or -1 with the reason in why (short, lower case). */
typedef int (*cfg_check_fn)(const char *value, char *why, size_t why_len);

struct cfg_key_def {
	struct cfg_key_info info;
	cfg_check_fn check;
};

/* The kernel refuses pids.max above PID_MAX_LIMIT (4M on 64-bit). */
#define PIDS_MAX 4194304

static int reason(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int reason(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_choice(const char *value, const char *const *choices, const char *expected,
			char *why, size_t why_len)
{
	for (; *choices; choices++)
		if (strcmp(value, *choices) == 0)
			return 0;
	return reason(why, why_len, "expected %s", expected);
}

/* ---- [fs] ---- */

void mount_spec_free(struct cfg_mount *m)
{
	free(m->src);
	free(m->dst);
	m->src = m->dst = NULL;
}

/* what is "" for the source ("path is not normalized") or "destination". */
static int check_path_field(const char *what, const char *path, char *why, size_t why_len)
{
	char problem[128];

	if (path_is_valid_config_path(path, problem, sizeof(problem)))
		return 0;
	return reason(why, why_len, "%s%s%s", what, *what ? " " : "", problem);
}

static int parse_mount_flag(const char *flag, bool *rw, char *why, size_t why_len)
{
	if (strcmp(flag, "rw") != 0 && strcmp(flag, "ro") != 0)
		return reason(why, why_len, "unknown flag '%s' (expected rw or ro)", flag);
	*rw = flag[1] == 'w';
	return 0;
}

/* Cut s at the next ':'; returns what follows it, or NULL when there is none. */
static char *split_colon(char *s)
{
	char *colon = s ? strchr(s, ':') : NULL;

	if (!colon)
		return NULL;
	*colon = '\0';
	return colon + 1;
}

/* SRC, SRC:DST, SRC::FLAG or SRC:DST:FLAG with FLAG rw|ro. Paths are not expanded. */
int mount_spec_parse(const char *spec, struct cfg_mount *out, char *why, size_t why_len)
{
	autofree char *copy = strdup(spec);
	char *src = copy, *dst = split_colon(src), *flag = split_colon(dst);

	*out = (struct cfg_mount){ 0 };
	if (!copy)
		return reason(why, why_len, "out of memory");
	if (flag && strchr(flag, ':'))
		return reason(why, why_len, "too many ':' fields (expected SRC[:DST][:rw|ro])");
	if (check_path_field("", src, why, why_len) < 0)
		return -1;
	if (dst && !*dst && !flag)
		return reason(why, why_len, "empty destination (write SRC alone, or SRC::rw)");
	if (dst && *dst && check_path_field("destination", dst, why, why_len) < 0)
		return -1;
	if (flag && parse_mount_flag(flag, &out->rw, why, why_len) < 0)
		return -1;
	out->src = strdup(src);
	out->dst = dst && *dst ? strdup(dst) : NULL;
	if (!out->src || (dst && *dst && !out->dst)) {
		mount_spec_free(out);
		return reason(why, why_len, "out of memory");
	}
	return 0;
}

static int check_mount(const char *value, char *why, size_t why_len)
{
	struct cfg_mount m;

	if (mount_spec_parse(value, &m, why, why_len) < 0)
		return -1;
	mount_spec_free(&m);
	return 0;
}

static int check_path(const char *value, char *why, size_t why_len)
{
	return check_path_field("", value, why, why_len);
}

/* ---- [env] ---- */

static bool is_env_name_char(char ch, bool first)
{
	if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_')
		return true;
	return !first && ch >= '0' && ch <= '9';
}

static bool env_name_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_env_name_char(s[i], i == 0))
			return false;
	return true;
}

/* Name characters plus fnmatch's * ? [...] ([!...] and ranges included). */
static int check_expose(const char *value, char *why, size_t why_len)
{
	bool in_bracket = false;

	if (!*value)
		return reason(why, why_len, "empty pattern");
	for (const char *p = value; *p; p++) {
		if (*p == '[')
			in_bracket = true;
		else if (*p == ']')
			in_bracket = false;
		else if (!is_env_name_char(*p, false) && !strchr("*?!-", *p))
			return reason(why, why_len, "'%c' cannot appear in a variable name pattern", *p);
	}
	if (in_bracket)
		return reason(why, why_len, "unterminated '['");
	return 0;
}

/* ${VAR} is expanded at run time; here only its shape is checked. */
static int check_expansions(const char *value, char *why, size_t why_len)
{
	for (const char *p = strstr(value, "${"); p; p = strstr(p, "${")) {
		const char *name = p + 2, *end = strchr(name, '}');

		if (!end)
			return reason(why, why_len, "unterminated '${'");
		if (!env_name_ok(name, (size_t)(end - name)))
			return reason(why, why_len, "invalid variable name in '${%.*s}'",
				      (int)(end - name), name);
		p = end + 1;
	}
	return 0;
}

static int check_env_set(const char *value, char *why, size_t why_len)
{
	const char *eq = strchr(value, '=');

	if (!eq)
		return reason(why, why_len, "expected NAME=VALUE");
	if (!env_name_ok(value, (size_t)(eq - value)))
		return reason(why, why_len, "invalid variable name '%.*s'", (int)(eq - value), value);
	return check_expansions(eq + 1, why, why_len);
}

/* ---- [net] ---- */

static int check_net_mode(const char *value, char *why, size_t why_len)
{
	static const char *const modes[] = { "off", "isolated", "filtered", "host", NULL };

	return check_choice(value, modes, "off, isolated, filtered or host", why, why_len);
}

static int check_allow(const char *value, char *why, size_t why_len)
{
	struct allow_entry e;

	return allow_parse(value, &e, why, why_len);
}

static int parse_port_field(const char *s, uint16_t *out, char *why, size_t why_len)
{
	if (parse_port(s, out) == 0)
		return 0;
	if (errno == ERANGE)
		return reason(why, why_len, "port %s is out of range (1-65535)", s);
	return reason(why, why_len, "port '%s' is not a number", s);
}

static int check_proxy_port(const char *value, char *why, size_t why_len)
{
	uint16_t port;

	return parse_port_field(value, &port, why, why_len);
}

/*
 * "A" or "A:B": host port A and sandbox port B, which defaults to A. This reads
 * both "[HOST:]SANDBOX" (publish) and "HOST[:SANDBOX]" (host) right.
 */
static int parse_port_pair(char *s, struct port_req *out, char *why, size_t why_len)
{
	char *second = split_colon(s);

	if (second && strchr(second, ':'))
		return reason(why, why_len, "too many ':' fields");
	if (parse_port_field(s, &out->host_port, why, why_len) < 0)
		return -1;
	out->sandbox_port = out->host_port;
	if (second && parse_port_field(second, &out->sandbox_port, why, why_len) < 0)
		return -1;
	return 0;
}

static bool is_ip_literal(const char *ip)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1;
}

/*
 * [HOST_IP/][HOST_PORT:]SANDBOX_PORT (publish),
 * HOST_PORT[:SANDBOX_PORT] or auto (host).
 */
int port_spec_parse(const char *spec, bool publish, struct port_req *out, char *why,
			   size_t why_len)
{
	autofree char *copy = strdup(spec);
	char *ports = copy, *slash;

	*out = (struct port_req){ 0 };
	if (!copy)
		return reason(why, why_len, "out of memory");
	if (strcmp(spec, "auto") == 0) {
		if (publish)
			return reason(why, why_len, "auto is only allowed in tcp_host and udp_host");
		out->is_auto = true;
		return 0;
	}
	/* The address ends at '/': an IPv6 literal has colons of its own. */
	slash = publish ? strchr(copy, '/') : NULL;
	if (slash) {
		*slash = '\0';
		ports = slash + 1;
		if (!is_ip_literal(copy))
			return reason(why, why_len, "invalid host address '%s'", copy);
	}
	if (parse_port_pair(ports, out, why, why_len) < 0)
		return -1;
	if (slash && !(out->host_ip = strdup(copy)))
		return reason(why, why_len, "out of memory");
	return 0;
}

static int check_port_spec(const char *value, bool publish, char *why, size_t why_len)
{
	struct port_req p;

	if (port_spec_parse(value, publish, &p, why, why_len) < 0)
		return -1;
	free(p.host_ip);
	return 0;
}

static int check_publish(const char *value, char *why, size_t why_len)
{
	return check_port_spec(value, true, why, why_len);
}

static int check_host(const char *value, char *why, size_t why_len)
{
	return check_port_spec(value, false, why, why_len);
}

/* ---- [limits] ---- */

static int check_size(const char *value, char *why, size_t why_len)
{
	uint64_t v;

	if (parse_size(value, &v) == 0)
		return 0;
	if (errno == ERANGE)
		return reason(why, why_len, "size is too large");
	return reason(why, why_len, "expected a number of bytes with an optional K, M or G suffix");
}

int parse_pids(const char *s, uint64_t *out)
{
	return parse_uint(s, 1, PIDS_MAX, out);
}

static int check_pids(const char *value, char *why, size_t why_len)
{
	uint64_t v;

	if (parse_pids(value, &v) == 0)
		return 0;
	return reason(why, why_len, "expected a whole number from 1 to %d", PIDS_MAX);
}

static int check_cpus(const char *value, char *why, size_t why_len)
{
	uint64_t v;

	if (parse_cpus(value, &v) == 0)
		return 0;
	return reason(why, why_len, "expected a positive number like 2 or 1.5 (at most 3 decimals)");
}

static int check_duration(const char *value, char *why, size_t why_len)
{
	uint64_t v;

	if (parse_duration(value, &v) == 0)
		return 0;
	if (errno == ERANGE)
		return reason(why, why_len, "duration is too long");
	return reason(why, why_len, "expected seconds or a number with an s, m or h suffix");
}

/* ---- [security] and [gui] ---- */

static int check_seccomp(const char *value, char *why, size_t why_len)
{
	static const char *const modes[] = { "default", "off", NULL };

	return check_choice(value, modes, "default or off", why, why_len);
}

/* Names are resolved for the native architecture, as the filter will be. */
static int check_syscall(const char *value, char *why, size_t why_len)
{
	uint64_t nr;

	if (value[0] >= '0' && value[0] <= '9') {
		if (parse_uint(value, 0, INT32_MAX, &nr) == 0)
			return 0;
		return reason(why, why_len, "invalid system call number");
	}
	if (seccomp_syscall_resolve_name(value) != __NR_SCMP_ERROR)
		return 0;
	return reason(why, why_len, "unknown system call");
}

/* Only yes|no: one spelling keeps profiles greppable. */
static int check_yes_no(const char *value, char *why, size_t why_len)
{
	static const char *const choices[] = { "yes", "no", NULL };

	return check_choice(value, choices, "yes or no", why, why_len);
}

static int check_dbus(const char *value, char *why, size_t why_len)
{
	static const char *const modes[] = { "none", "filtered", "session", NULL };

	return check_choice(value, modes, "none, filtered or session", why, why_len);
}

/* D-Bus well-known name elements: [A-Za-z0-9_-], not starting with a digit. */
static bool is_dbus_name_char(char ch, bool first)
{
	return is_env_name_char(ch, first) || ch == '-';
}

/* A well-known bus name (two elements or more), or a prefix of one followed by ".*". */
static int check_dbus_name(const char *value, char *why, size_t why_len)
{
	size_t len = strlen(value), elements = 1;
	bool wildcard = len > 2 && strcmp(value + len - 2, ".*") == 0;

	if (wildcard)
		len -= 2;
	if (len > 255)
		return reason(why, why_len, "name is too long");
	for (size_t i = 0; i < len; i++) {
		bool first = i == 0 || value[i - 1] == '.';

		if (value[i] == '.' && !first && i + 1 < len)
			elements++;
		else if (!is_dbus_name_char(value[i], first))
			return reason(why, why_len, "not a D-Bus name");
	}
	if (len == 0 || (elements < 2 && !wildcard))
		return reason(why, why_len, "not a D-Bus name (like org.example.App or org.example.*)");
	return 0;
}

static int check_include(const char *value, char *why, size_t why_len)
{
	if (*value)
		return 0;
	return reason(why, why_len, "empty path");
}

static const struct cfg_key_def key_table[CFG_KEY_COUNT] = {
	[CFG_DROP_INCLUDE] = { { "drop", "include", true }, check_include },
	[CFG_FS_MOUNT] = { { "fs", "mount", true }, check_mount },
	[CFG_FS_BLOCK] = { { "fs", "block", true }, check_path },
	[CFG_ENV_EXPOSE] = { { "env", "expose", true }, check_expose },
	[CFG_ENV_SET] = { { "env", "set", true }, check_env_set },
	[CFG_NET_MODE] = { { "net", "mode", false }, check_net_mode },
	[CFG_NET_ALLOW] = { { "net", "allow", true }, check_allow },
	[CFG_NET_PROXY_PORT] = { { "net", "proxy_port", false }, check_proxy_port },
	[CFG_NET_TCP_PUBLISH] = { { "net", "tcp_publish", true }, check_publish },
	[CFG_NET_UDP_PUBLISH] = { { "net", "udp_publish", true }, check_publish },
	[CFG_NET_TCP_HOST] = { { "net", "tcp_host", true }, check_host },
	[CFG_NET_UDP_HOST] = { { "net", "udp_host", true }, check_host },
	[CFG_LIMITS_MEMORY] = { { "limits", "memory", false }, check_size },
	[CFG_LIMITS_PIDS] = { { "limits", "pids", false }, check_pids },
	[CFG_LIMITS_CPUS] = { { "limits", "cpus", false }, check_cpus },
	[CFG_LIMITS_TIMEOUT] = { { "limits", "timeout", false }, check_duration },
	[CFG_LIMITS_MAX_OUTPUT] = { { "limits", "max_output", false }, check_size },
	[CFG_SECURITY_SECCOMP] = { { "security", "seccomp", false }, check_seccomp },
	[CFG_SECURITY_SECCOMP_ALLOW] = { { "security", "seccomp_allow", true }, check_syscall },
	[CFG_SECURITY_SECCOMP_DENY] = { { "security", "seccomp_deny", true }, check_syscall },
	[CFG_SECURITY_USERNS] = { { "security", "userns", false }, check_yes_no },
	[CFG_GUI_X11] = { { "gui", "x11", false }, check_yes_no },
	[CFG_GUI_WAYLAND] = { { "gui", "wayland", false }, check_yes_no },
	[CFG_GUI_AUDIO] = { { "gui", "audio", false }, check_yes_no },
	[CFG_GUI_GPU] = { { "gui", "gpu", false }, check_yes_no },
	[CFG_GUI_DBUS] = { { "gui", "dbus", false }, check_dbus },
	[CFG_GUI_DBUS_TALK] = { { "gui", "dbus_talk", true }, check_dbus_name },
	[CFG_GUI_DBUS_OWN] = { { "gui", "dbus_own", true }, check_dbus_name },
};

const struct cfg_key_info *cfg_key_info(enum cfg_key k)
{
	if ((unsigned)k >= CFG_KEY_COUNT)
		return NULL;
	return &key_table[k].info;
}

/* ---- lookup with "did you mean" ---- */

struct suggestion {
	const char *word;
	const char *best;
	size_t dist;
};

static void suggest_consider(struct suggestion *s, const char *candidate)
{
	size_t len = strlen(s->word);
	size_t d = edit_distance(s->word, candidate);

	/* A typed prefix ("tcp_pub") is as good as a one-letter typo. */
	if (len >= 3 && strncmp(candidate, s->word, len) == 0 && d > 1)
		d = 1;
	if (d < s->dist) {
		s->best = candidate;
		s->dist = d;
	}
}

static const char *suggest_result(const struct suggestion *s)
{
	/* One typo per three letters, and at least one: beyond that a guess misleads. */
	size_t limit = strlen(s->word) / 3;

	if (limit < 1)
		limit = 1;
	return s->dist <= limit ? s->best : NULL;
}

static bool section_is_known(const char *section)
{
	for (size_t k = 0; k < CFG_KEY_COUNT; k++)
		if (strcmp(key_table[k].info.section, section) == 0)
			return true;
	return false;
}

/* "drop, fs, ..." (section NULL: the sections) or the keys of one section, from the table. */
static void list_names(char *buf, size_t len, const char *section)
{
	const char *prev = NULL;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < CFG_KEY_COUNT && used < len; k++) {
		const struct cfg_key_info *info = &key_table[k].info;
		const char *name = section ? info->name : info->section;

		/* The table keeps each section's keys together, so one look back finds repeats. */
		if ((section && strcmp(info->section, section) != 0) || (prev && !strcmp(prev, name)))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
		prev = name;
	}
}

int cfg_section_check(const char *section, struct drop_err *err)
{
	struct suggestion s = { section, NULL, SIZE_MAX };
	const char *best;
	char names[256];

	if (section_is_known(section))
		return 0;
	for (size_t k = 0; k < CFG_KEY_COUNT; k++)
		suggest_consider(&s, key_table[k].info.section);
	best = suggest_result(&s);
	if (best)
		return err_set(err, 0, "unknown section [%s], did you mean [%s]?", section, best);
	list_names(names, sizeof(names), NULL);
	return err_set(err, 0, "unknown section [%s] (sections: %s)", section, names);
}

static const char *section_of_key_named(const char *name)
{
	for (size_t k = 0; k < CFG_KEY_COUNT; k++)
		if (strcmp(key_table[k].info.name, name) == 0)
			return key_table[k].info.section;
	return NULL;
}

static int unknown_key(const char *section, const char *name, struct drop_err *err)
{
	struct suggestion s = { name, NULL, SIZE_MAX };
	const char *best, *elsewhere = section_of_key_named(name);
	char names[256];

	if (elsewhere)
		return err_set(err, 0, "unknown key '%s' in [%s], it belongs in [%s]", name, section,
			       elsewhere);
	for (size_t k = 0; k < CFG_KEY_COUNT; k++)
		if (strcmp(key_table[k].info.section, section) == 0)
			suggest_consider(&s, key_table[k].info.name);
	best = suggest_result(&s);
	if (best)
		return err_set(err, 0, "unknown key '%s' in [%s], did you mean '%s'?", name, section,
			       best);
	list_names(names, sizeof(names), section);
	return err_set(err, 0, "unknown key '%s' in [%s] (keys: %s)", name, section, names);
}

int cfg_key_find(const char *section, const char *name, enum cfg_key *out, struct drop_err *err)
{
	if (cfg_section_check(section, err) < 0)
		return -1;
	for (size_t k = 0; k < CFG_KEY_COUNT; k++) {
		if (strcmp(key_table[k].info.section, section) == 0 &&
		    strcmp(key_table[k].info.name, name) == 0) {
			*out = (enum cfg_key)k;
			return 0;
		}
	}
	return unknown_key(section, name, err);
}

/* ---- the config model ---- */

void config_init(struct drop_config *c)
{
	*c = (struct drop_config){ 0 };
}

static void values_free(struct cfg_values *vals)
{
	for (size_t i = 0; i < vals->n; i++) {
		free(vals->v[i].value);
		free(vals->v[i].file);
	}
	free(vals->v);
	vals->v = NULL;
	vals->n = 0;
}

void config_free(struct drop_config *c)
{
	if (!c)
		return;
	for (size_t k = 0; k < CFG_KEY_COUNT; k++)
		values_free(&c->key[k]);
	values_free(&c->notes);
}

/* Takes value and file in every case. */
static int values_append_owned(struct cfg_values *vals, char *value, char *file, unsigned line)
{
	struct cfg_entry *v = NULL;

	if (value && file)
		v = reallocarray(vals->v, vals->n + 1, sizeof(*v));
	if (!v) {
		free(value);
		free(file);
		errno = ENOMEM;
		return -1;
	}
	v[vals->n++] = (struct cfg_entry){ .value = value, .file = file, .line = line };
	vals->v = v;
	return 0;
}

/*
 * "FILE:LINE: ", "FILE: " without a line;
 * nothing for the command line: flags speak for themselves.
 */
static void format_origin(char *buf, size_t len, const char *file, unsigned line)
{
	if (!file || strcmp(file, CFG_ORIGIN_CMDLINE) == 0)
		buf[0] = '\0';
	else if (line == 0)
		snprintf(buf, len, "%s: ", file);
	else
		snprintf(buf, len, "%s:%u: ", file, line);
}

int err_at(struct drop_err *err, const char *file, unsigned line, const char *fmt, ...)
{
	char origin[512], msg[sizeof(err->msg)];
	va_list ap;

	format_origin(origin, sizeof(origin), file, line);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(err, 0, "%s%s", origin, msg);
}

int config_add(struct drop_config *c, enum cfg_key k, const char *value, const char *file,
	       unsigned line, struct drop_err *err)
{
	char why[512];

	if ((unsigned)k >= CFG_KEY_COUNT)
		return err_set(err, 0, "internal error: bad config key %d", (int)k);
	if (!file)
		file = CFG_ORIGIN_CMDLINE;
	if (key_table[k].check(value, why, sizeof(why)) < 0)
		return err_at(err, file, line, "invalid %s '%s': %s", key_table[k].info.name, value,
			      why);
	if (values_append_owned(&c->key[k], strdup(value), strdup(file), line) < 0)
		return err_sys(err, 0, "cannot store configuration value");
	return 0;
}

int config_add_note(struct drop_config *c, const char *file, unsigned line, const char *fmt, ...)
{
	char origin[512], msg[1024];
	char *text = NULL;
	va_list ap;

	if (!file)
		file = CFG_ORIGIN_CMDLINE;
	format_origin(origin, sizeof(origin), file, line);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&text, "%s%s", origin, msg) < 0)
		return -1;
	return values_append_owned(&c->notes, text, strdup(file), line);
}

static int values_reserve(struct cfg_values *vals, size_t extra)
{
	struct cfg_entry *v;

	if (!extra)
		return 0;
	v = reallocarray(vals->v, vals->n + extra, sizeof(*v));
	if (!v)
		return -1;
	vals->v = v;
	return 0;
}

static void values_move(struct cfg_values *dst, struct cfg_values *src)
{
	if (src->n)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	free(src->v);
	src->v = NULL;
	src->n = 0;
}

int config_merge(struct drop_config *dst, struct drop_config *src)
{
	/* Reserve everything first so a failure leaves both configs intact. */
	for (size_t k = 0; k < CFG_KEY_COUNT; k++)
		if (values_reserve(&dst->key[k], src->key[k].n) < 0)
			return -1;
	if (values_reserve(&dst->notes, src->notes.n) < 0)
		return -1;
	for (size_t k = 0; k < CFG_KEY_COUNT; k++)
		values_move(&dst->key[k], &src->key[k]);
	values_move(&dst->notes, &src->notes);
	return 0;
}

const struct cfg_entry *config_last(const struct drop_config *c, enum cfg_key k)
{
	if ((unsigned)k >= CFG_KEY_COUNT || c->key[k].n == 0)
		return NULL;
	return &c->key[k].v[c->key[k].n - 1];
}

