/* config.c: the key table of SPEC 3.2 (one row per key), parsing each value once when it is read, merging. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config-internal.h"
#include "util.h"

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

/*
 * A kind's parser: 0 with the typed value in out (owned by the caller), or -1
 * with the reason in why (short, lower case) and nothing to free.
 */
typedef int (*cfg_parse_fn)(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			    char *why, size_t why_len);

/* ---- words: yes/no and the other choices ---- */

/* "expected off, isolated or host", from the row's words. */
static int expected_words(const struct cfg_choice *ch, char *why, size_t why_len)
{
	size_t used = (size_t)snprintf(why, why_len, "expected ");

	for (size_t i = 0; ch[i].word && used < why_len; i++) {
		const char *sep = i == 0 ? "" : ch[i + 1].word ? ", " : " or ";

		used += (size_t)snprintf(why + used, why_len - used, "%s%s", sep, ch[i].word);
	}
	return -1;
}

static int parse_choice(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			char *why, size_t why_len)
{
	for (const struct cfg_choice *ch = d->choices; ch->word; ch++) {
		if (strcmp(value, ch->word) == 0) {
			out->choice = ch->value;
			return 0;
		}
	}
	return expected_words(d->choices, why, why_len);
}

/* ---- numbers ---- */

static int parse_size_value(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			    char *why, size_t why_len)
{
	(void)d;
	if (parse_size(value, &out->num) == 0)
		return 0;
	if (errno == ERANGE)
		return reason(why, why_len, "size is too large");
	return reason(why, why_len, "expected a number of bytes with an optional K, M or G suffix");
}

static int parse_duration_value(const struct cfg_key_def *d, const char *value,
				union cfg_typed *out, char *why, size_t why_len)
{
	(void)d;
	if (parse_duration(value, &out->num) == 0)
		return 0;
	if (errno == ERANGE)
		return reason(why, why_len, "duration is too long");
	if (errno == EDOM)
		return reason(why, why_len, "a duration needs a unit: add s, m or h (%ss), or write 0 for none", value);
	return reason(why, why_len, "expected a number with an s, m or h suffix, or 0 for none");
}

static int parse_count(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
		       char *why, size_t why_len)
{
	if (parse_uint(value, d->min, d->max, &out->num) == 0)
		return 0;
	return reason(why, why_len, "expected a whole number from %" PRIu64 " to %" PRIu64, d->min,
		      d->max);
}

static int parse_cpus_value(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			    char *why, size_t why_len)
{
	(void)d;
	if (parse_cpus(value, &out->num) == 0)
		return 0;
	return reason(why, why_len, "expected a positive number like 2 or 1.5 (at most 3 decimals)");
}

/* ---- [fs] ---- */

/* what is "" for the source ("path is not normalized") or "destination". */
static int check_path_field(const char *what, const char *path, char *why, size_t why_len)
{
	char problem[128];

	if (path_is_valid_config_path(path, problem, sizeof(problem)))
		return 0;
	return reason(why, why_len, "%s%s%s", what, *what ? " " : "", problem);
}

static int parse_path(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
		      char *why, size_t why_len)
{
	(void)d;
	(void)out;
	return check_path_field("", value, why, why_len);
}

static void mount_free(union cfg_typed *v)
{
	free(v->mount.src);
	free(v->mount.dst);
	v->mount.src = v->mount.dst = NULL;
}

/* One flag of a comma-separated list: ro or rw (one of them), opt; each at most once. */
static int parse_mount_flag(const char *flag, struct cfg_mount *m, unsigned *seen, char *why, size_t why_len)
{
	static const char *const names[] = { "ro", "rw", "opt" };
	unsigned i = 0;

	while (i < 3 && strcmp(flag, names[i]) != 0)
		i++;
	if (i == 3)
		return reason(why, why_len, "unknown flag '%s' (expected rw, ro or opt)", flag);
	if (*seen & (1u << i))
		return reason(why, why_len, "flag '%s' given twice", flag);
	if (i < 2 && (*seen & 3u))
		return reason(why, why_len, "flags 'ro' and 'rw' conflict (give one)");
	*seen |= 1u << i;
	if (i < 2)
		m->rw = i == 1;
	else
		m->opt = true;
	return 0;
}

/* FLAGS is a comma-separated list of rw|ro and opt. */
static int parse_mount_flags(char *flags, struct cfg_mount *m, char *why, size_t why_len)
{
	unsigned seen = 0;

	for (;;) {
		char *comma = strchr(flags, ',');

		if (comma)
			*comma = '\0';
		if (parse_mount_flag(flags, m, &seen, why, why_len) < 0)
			return -1;
		if (!comma)
			return 0;
		flags = comma + 1;
	}
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

/* SRC, SRC:DST, SRC::FLAGS or SRC:DST:FLAGS with FLAGS rw|ro and opt, comma-separated. Paths are not expanded. */
static int parse_mount(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
		       char *why, size_t why_len)
{
	autofree char *copy = strdup(value);
	char *src = copy, *dst = split_colon(src), *flag = split_colon(dst);
	struct cfg_mount *m = &out->mount;

	(void)d;
	*m = (struct cfg_mount){ 0 };
	if (!copy)
		return reason(why, why_len, "out of memory");
	if (flag && strchr(flag, ':'))
		return reason(why, why_len, "too many ':' fields (expected SRC[:DST][:FLAGS])");
	if (check_path_field("", src, why, why_len) < 0)
		return -1;
	if (dst && !*dst && !flag)
		return reason(why, why_len, "empty destination (write SRC alone, or SRC::rw)");
	if (dst && *dst && check_path_field("destination", dst, why, why_len) < 0)
		return -1;
	if (flag && parse_mount_flags(flag, m, why, why_len) < 0)
		return -1;
	m->src = strdup(src);
	m->dst = dst && *dst ? strdup(dst) : NULL;
	if (!m->src || (dst && *dst && !m->dst)) {
		mount_free(out);
		return reason(why, why_len, "out of memory");
	}
	return 0;
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
static int parse_env_glob(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			  char *why, size_t why_len)
{
	bool in_bracket = false;

	(void)d;
	(void)out;
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

static int parse_env_set(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			 char *why, size_t why_len)
{
	const char *eq = strchr(value, '=');

	(void)d;
	(void)out;
	if (!eq)
		return reason(why, why_len, "expected NAME=VALUE");
	if (!env_name_ok(value, (size_t)(eq - value)))
		return reason(why, why_len, "invalid variable name '%.*s'", (int)(eq - value), value);
	return check_expansions(eq + 1, why, why_len);
}

/* ---- [net] ---- */

static int parse_port_field(const char *s, uint16_t *out, char *why, size_t why_len)
{
	if (parse_port(s, out) == 0)
		return 0;
	if (errno == ERANGE)
		return reason(why, why_len, "port %s is out of range (1-65535)", s);
	return reason(why, why_len, "port '%s' is not a number", s);
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

static void port_free(union cfg_typed *v)
{
	free(v->port.host_ip);
	v->port.host_ip = NULL;
}

/*
 * [HOST_IP/][HOST_PORT:]SANDBOX_PORT (publish),
 * HOST_PORT[:SANDBOX_PORT] or auto (host).
 */
static int parse_port_spec(const char *spec, bool publish, struct port_req *out, char *why,
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

static int parse_publish(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			 char *why, size_t why_len)
{
	(void)d;
	return parse_port_spec(value, true, &out->port, why, why_len);
}

static int parse_host(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
		      char *why, size_t why_len)
{
	(void)d;
	return parse_port_spec(value, false, &out->port, why, why_len);
}

/* ---- [security] and [gui] ---- */

/* Names are resolved for the native architecture, as the filter will be. */
static int parse_syscall(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			 char *why, size_t why_len)
{
	(void)d;
	if (value[0] >= '0' && value[0] <= '9') {
		if (parse_uint(value, 0, INT32_MAX, &out->num) == 0)
			return 0;
		return reason(why, why_len, "invalid system call number");
	}
	if (seccomp_syscall_resolve_name(value) != __NR_SCMP_ERROR)
		return 0;
	return reason(why, why_len, "unknown system call");
}

/* D-Bus well-known name elements: [A-Za-z0-9_-], not starting with a digit. */
static bool is_dbus_name_char(char ch, bool first)
{
	return is_env_name_char(ch, first) || ch == '-';
}

/* A well-known bus name (two elements or more), or a prefix of one followed by ".*". */
static int parse_allow(const struct cfg_key_def *d, const char *value, union cfg_typed *out, char *why,
		       size_t why_len)
{
	(void)d;
	return allow_parse(value, &out->allow, why, why_len);
}

static int parse_dbus_name(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			   char *why, size_t why_len)
{
	size_t len = strlen(value), elements = 1;
	bool wildcard = len > 2 && strcmp(value + len - 2, ".*") == 0;

	(void)d;
	(void)out;
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

static int parse_include(const struct cfg_key_def *d, const char *value, union cfg_typed *out,
			 char *why, size_t why_len)
{
	(void)d;
	(void)out;
	if (*value)
		return 0;
	return reason(why, why_len, "empty path");
}

/* ---- the kinds and the key table ---- */

static const struct {
	cfg_parse_fn parse;
	void (*free)(union cfg_typed *v);  /* NULL: nothing owned */
} kinds[] = {
	[KIND_INCLUDE] = { parse_include, NULL },
	[KIND_CHOICE] = { parse_choice, NULL },
	[KIND_SIZE] = { parse_size_value, NULL },
	[KIND_DURATION] = { parse_duration_value, NULL },
	[KIND_COUNT] = { parse_count, NULL },
	[KIND_CPUS] = { parse_cpus_value, NULL },
	[KIND_PATH] = { parse_path, NULL },
	[KIND_MOUNT] = { parse_mount, mount_free },
	[KIND_PUBLISH] = { parse_publish, port_free },
	[KIND_HOST] = { parse_host, port_free },
	[KIND_SYSCALL] = { parse_syscall, NULL },
	[KIND_ENV_GLOB] = { parse_env_glob, NULL },
	[KIND_ENV_SET] = { parse_env_set, NULL },
	[KIND_DBUS_NAME] = { parse_dbus_name, NULL },
	[KIND_ALLOW] = { parse_allow, NULL },
};

/* Only yes|no: one spelling keeps profiles greppable. */
static const struct cfg_choice yes_no[] = { { "yes", 1 }, { "no", 0 }, { NULL, 0 } };
static const struct cfg_choice net_modes[] = {
	{ "off", NET_OFF }, { "isolated", NET_ISOLATED }, { "filtered", NET_FILTERED }, { "host", NET_HOST },
	{ NULL, 0 },
};
static const struct cfg_choice seccomp_modes[] = { { "default", 1 }, { "off", 0 }, { NULL, 0 } };
static const struct cfg_choice git_modes[] = {
	{ "ro", GIT_RO }, { "safe", GIT_SAFE }, { "rw", GIT_RW }, { NULL, 0 },
};
static const struct cfg_choice terminal_modes[] = { { "filtered", 0 }, { "raw", 1 }, { NULL, 0 } };
static const struct cfg_choice cwd_modes[] = {
	{ "no", CWD_NO }, { "ro", CWD_RO }, { "rw", CWD_RW }, { NULL, 0 },
};
static const struct cfg_choice dbus_modes[] = {
	{ "none", DBUS_NONE }, { "filtered", DBUS_FILTERED }, { "session", DBUS_SESSION }, { NULL, 0 },
};

/* Where a row's values land: a field of struct drop_settings, or nowhere. */
#define LANDS(field) \
	.at = offsetof(struct drop_settings, field), .width = sizeof(((struct drop_settings *)0)->field)
#define NOWHERE .at = CFG_NOWHERE

/*
 * The one table of keys: { section, key, list?, drop run's flag or NULL }, the
 * kind with its parameters (choices and default, or range), and where the
 * values land. Its order is show-config's and drop --help's.
 */
static const struct cfg_key_def key_table[CFG_KEY_COUNT] = {
	[CFG_DROP_INCLUDE] = { { "drop", "include", true, NULL }, KIND_INCLUDE, NOWHERE },
	[CFG_DROP_CWD] = { { "drop", "cwd", false, NULL }, KIND_CHOICE, cwd_modes, CWD_NO, LANDS(cwd) },
	[CFG_FS_MOUNT] = { { "fs", "mount", true, &(const struct cfg_flag){
				     'm', "mount", "SPEC", "add a mount (SRC[:DST][:rw,opt])" } },
			   KIND_MOUNT, LANDS(mounts) },
	[CFG_FS_BLOCK] = { { "fs", "block", true, &(const struct cfg_flag){
				     'b', "block", "PATH", "add a blocked path" } },
			   KIND_PATH, LANDS(blocks) },
	[CFG_FS_GIT] = { { "fs", "git", false, NULL }, KIND_CHOICE, git_modes, GIT_RO, LANDS(git) },
	[CFG_ENV_EXPOSE] = { { "env", "expose", true, NULL }, KIND_ENV_GLOB, NOWHERE },
	[CFG_ENV_SET] = { { "env", "set", true, NULL }, KIND_ENV_SET, NOWHERE },
	[CFG_NET_MODE] = { { "net", "mode", false, &(const struct cfg_flag){
				     'n', "net", "MODE", "off, isolated, filtered or host" } },
			   KIND_CHOICE, net_modes, NET_ISOLATED, LANDS(net) },
	[CFG_NET_ALLOW] = { { "net", "allow", true, &(const struct cfg_flag){
				      'a', "allow", "ENTRY", "with filtered: a host the sandbox may reach" } },
			    KIND_ALLOW, LANDS(proxy.allow) },
	[CFG_NET_PROXY_PORT] = { { "net", "proxy_port", false, NULL }, KIND_COUNT, .min = 1, .max = 65535,
				 LANDS(proxy_port) },
	[CFG_NET_TCP_PUBLISH] = { { "net", "tcp_publish", true, &(const struct cfg_flag){
					    't', "tcp-publish", "SPEC", "publish a sandbox TCP port on the host" } },
				  KIND_PUBLISH, LANDS(tcp_publish) },
	[CFG_NET_UDP_PUBLISH] = { { "net", "udp_publish", true, &(const struct cfg_flag){
					    'u', "udp-publish", "SPEC", "publish a sandbox UDP port on the host" } },
				  KIND_PUBLISH, LANDS(udp_publish) },
	[CFG_NET_TCP_HOST] = { { "net", "tcp_host", true, &(const struct cfg_flag){
					 'T', "tcp-host", "SPEC", "make a host loopback TCP port reachable inside" } },
			       KIND_HOST, LANDS(tcp_host) },
	[CFG_NET_UDP_HOST] = { { "net", "udp_host", true, &(const struct cfg_flag){
					 'U', "udp-host", "SPEC", "make a host loopback UDP port reachable inside" } },
			       KIND_HOST, LANDS(udp_host) },
	[CFG_LIMITS_MEMORY] = { { "limits", "memory", false, &(const struct cfg_flag){
					  0, "memory", "SIZE", "memory limit, like 512M or 2G" } },
				KIND_SIZE, LANDS(memory) },
	[CFG_LIMITS_PIDS] = { { "limits", "pids", false, &(const struct cfg_flag){
					0, "pids", "N", "most processes and threads" } },
			      KIND_COUNT, .min = 1, .max = PIDS_MAX, LANDS(pids) },
	[CFG_LIMITS_CPUS] = { { "limits", "cpus", false, &(const struct cfg_flag){
					0, "cpus", "N", "CPU time in CPUs, like 1.5" } },
			      KIND_CPUS, LANDS(cpus_milli) },
	[CFG_LIMITS_TIMEOUT] = { { "limits", "timeout", false, &(const struct cfg_flag){
					   0, "timeout", "DURATION", "end the sandbox after DURATION, like 10m" } },
				 KIND_DURATION, LANDS(timeout_ms) },
	[CFG_LIMITS_MAX_OUTPUT] = { { "limits", "max_output", false, &(const struct cfg_flag){
					      0, "max-output", "SIZE", "cap each relayed output stream at SIZE" } },
				    KIND_SIZE, LANDS(max_output) },
	[CFG_SECURITY_SECCOMP] = { { "security", "seccomp", false, NULL }, KIND_CHOICE, seccomp_modes, 1,
				   LANDS(seccomp) },
	[CFG_SECURITY_SECCOMP_ALLOW] = { { "security", "seccomp_allow", true, NULL }, KIND_SYSCALL,
					 LANDS(seccomp_allow) },
	[CFG_SECURITY_SECCOMP_DENY] = { { "security", "seccomp_deny", true, NULL }, KIND_SYSCALL,
					LANDS(seccomp_deny) },
	[CFG_SECURITY_USERNS] = { { "security", "userns", false, NULL }, KIND_CHOICE, yes_no, 0,
				  LANDS(userns) },
	[CFG_SECURITY_TERMINAL] = { { "security", "terminal", false, NULL }, KIND_CHOICE, terminal_modes, 0,
				    LANDS(terminal_raw) },
	[CFG_GUI_X11] = { { "gui", "x11", false, NULL }, KIND_CHOICE, yes_no, 0, LANDS(x11) },
	[CFG_GUI_WAYLAND] = { { "gui", "wayland", false, NULL }, KIND_CHOICE, yes_no, 0, LANDS(wayland) },
	[CFG_GUI_AUDIO] = { { "gui", "audio", false, NULL }, KIND_CHOICE, yes_no, 0, LANDS(audio) },
	[CFG_GUI_GPU] = { { "gui", "gpu", false, NULL }, KIND_CHOICE, yes_no, 0, LANDS(gpu) },
	[CFG_GUI_DBUS] = { { "gui", "dbus", false, NULL }, KIND_CHOICE, dbus_modes, DBUS_NONE,
			   LANDS(dbus) },
	[CFG_GUI_DBUS_TALK] = { { "gui", "dbus_talk", true, NULL }, KIND_DBUS_NAME, LANDS(dbus_talk) },
	[CFG_GUI_DBUS_OWN] = { { "gui", "dbus_own", true, NULL }, KIND_DBUS_NAME, LANDS(dbus_own) },
};

const struct cfg_key_def *cfg_key_def(enum cfg_key k)
{
	if ((unsigned)k >= CFG_KEY_COUNT)
		return NULL;
	return &key_table[k];
}

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

/* free_typed: the kind's, or NULL (notes, and kinds that own nothing). */
static void values_free(struct cfg_values *vals, void (*free_typed)(union cfg_typed *v))
{
	for (size_t i = 0; i < vals->n; i++) {
		free(vals->v[i].value);
		free(vals->v[i].file);
		if (free_typed)
			free_typed(&vals->v[i].as);
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
		values_free(&c->key[k], kinds[key_table[k].kind].free);
	values_free(&c->notes, NULL);
	strv_clear(&c->files);
}

/* Takes value and file in every case; e's typed value is copied, and on failure left to the caller. */
static int values_append_owned(struct cfg_values *vals, char *value, char *file,
			       const struct cfg_entry *e)
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
	v[vals->n] = *e;
	v[vals->n].value = value;
	v[vals->n].file = file;
	vals->n++;
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

/* The value is parsed here, once: what is stored is valid, and typed. */
int config_add(struct drop_config *c, enum cfg_key k, const char *value, const char *file,
	       unsigned line, struct drop_err *err)
{
	const struct cfg_key_def *d = cfg_key_def(k);
	struct cfg_entry e = { .line = line };
	char why[512];

	if (!d)
		return err_set(err, 0, "internal error: bad config key %d", (int)k);
	if (!file)
		file = CFG_ORIGIN_CMDLINE;
	if (kinds[d->kind].parse(d, value, &e.as, why, sizeof(why)) < 0)
		return err_at(err, file, line, "invalid %s '%s': %s", d->info.name, value, why);
	if (values_append_owned(&c->key[k], strdup(value), strdup(file), &e) < 0) {
		if (kinds[d->kind].free)
			kinds[d->kind].free(&e.as);
		return err_sys(err, 0, "cannot store configuration value");
	}
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
	return values_append_owned(&c->notes, text, strdup(file), &(struct cfg_entry){ .line = line });
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

