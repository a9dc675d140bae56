/* test-config.c: unit tests for the INI loader, SPEC 3.3's validation and config_resolve. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "cleanup.h"
#include "config.h"
#include "tap.h"
#include "util.h"

static const struct cfg_load_ctx test_ctx = { .home = "/home/u" };

/* ---- helpers ---- */

static int load_n(struct drop_config *c, const char *text, size_t len, struct drop_err *err)
{
	return config_load_string(c, "t.ini", text, len, &test_ctx, err);
}

static int load(struct drop_config *c, const char *text, struct drop_err *err)
{
	return load_n(c, text, strlen(text), err);
}

static int load_named(struct drop_config *c, const char *name, const char *text,
		      const struct cfg_load_ctx *ctx, struct drop_err *err)
{
	return config_load_string(c, name, text, strlen(text), ctx, err);
}

static void expect_error_n(const char *text, size_t len, const char *want, const char *what)
{
	struct drop_config c;
	struct drop_err err = { 0 };
	int r;

	config_init(&c);
	r = load_n(&c, text, len, &err);
	ok(r < 0, "%s: rejected", what);
	is_str(r < 0 ? err.msg : "(accepted)", want, "%s: message", what);
	ok(err.status == 0, "%s: status 0", what);
	config_free(&c);
}

static void expect_error(const char *text, const char *want, const char *what)
{
	expect_error_n(text, strlen(text), want, what);
}

/* Loads text and checks the last value of k and its line. */
static void expect_value(const char *text, enum cfg_key k, const char *want, unsigned line,
			 const char *what)
{
	struct drop_config c;
	struct drop_err err = { 0 };
	const struct cfg_entry *e;

	config_init(&c);
	if (!ok(load(&c, text, &err) == 0, "%s: accepted", what))
		tap_diag("error: %s", err.msg);
	e = config_last(&c, k);
	is_str(e ? e->value : NULL, want, "%s: value", what);
	ok(e && e->line == line && strcmp(e->file, "t.ini") == 0, "%s: origin t.ini:%u", what, line);
	config_free(&c);
}

/* "[section]\n\nkey = value\n": the value is on line 3. */
static void expect_valid(const char *section, const char *key, const char *value)
{
	char text[512];
	struct drop_config c;
	struct drop_err err = { 0 };

	snprintf(text, sizeof(text), "[%s]\n\n%s = %s\n", section, key, value);
	config_init(&c);
	if (!ok(load(&c, text, &err) == 0, "[%s] %s = %s accepted", section, key, value))
		tap_diag("error: %s", err.msg);
	config_free(&c);
}

static void expect_invalid(const char *section, const char *key, const char *value,
			   const char *why)
{
	char text[512], want[1024], what[600];

	snprintf(text, sizeof(text), "[%s]\n\n%s = %s\n", section, key, value);
	snprintf(want, sizeof(want), "t.ini:3: invalid %s '%s': %s", key, value, why);
	snprintf(what, sizeof(what), "[%s] %s = %s", section, key, value);
	expect_error(text, want, what);
}

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	autofree char *path = path_join(dir, name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *format, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, format);
	if (vasprintf(&s, format, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* ---- the key table ---- */

static void test_key_table(void)
{
	int bad = 0;
	struct drop_err err;
	enum cfg_key k;

	for (int i = 0; i < CFG_KEY_COUNT; i++) {
		const struct cfg_key_info *info = cfg_key_info((enum cfg_key)i);

		if (!info || !info->section || !info->name ||
		    cfg_key_find(info->section, info->name, &k, &err) < 0 || (int)k != i)
			bad++;
	}
	ok(bad == 0, "every key is in the table and found by name");
	ok(cfg_key_info(CFG_KEY_COUNT) == NULL, "no info past the table");
	ok(cfg_key_info(CFG_FS_MOUNT)->is_list && !cfg_key_info(CFG_NET_MODE)->is_list,
	   "list and scalar flags");
	ok(cfg_section_check("security", &err) == 0, "section security known");
}

/* Flags come from the table: a letter or long name used twice would shadow a key. */
static void test_key_flags(void)
{
	int dup = 0, incomplete = 0, flags = 0;

	for (int i = 0; i < CFG_KEY_COUNT; i++) {
		const struct cfg_flag *f = cfg_key_info((enum cfg_key)i)->flag;

		if (!f)
			continue;
		flags++;
		if (!f->name || !f->metavar || !f->help || (f->letter && strchr("ecprqvh", f->letter)))
			incomplete++;
		for (int j = 0; j < i; j++) {
			const struct cfg_flag *g = cfg_key_info((enum cfg_key)j)->flag;

			if (g && ((f->letter && f->letter == g->letter) || strcmp(f->name, g->name) == 0))
				dup++;
		}
	}
	ok(flags == 13, "thirteen keys have a drop run flag");
	ok(incomplete == 0, "each flag has a name, metavar and help, and no letter of drop run's own");
	ok(dup == 0, "no flag letter or name twice");
	ok(cfg_key_info(CFG_FS_MOUNT)->flag->letter == 'm' &&
	   strcmp(cfg_key_info(CFG_LIMITS_MAX_OUTPUT)->flag->name, "max-output") == 0 &&
	   !cfg_key_info(CFG_LIMITS_MAX_OUTPUT)->flag->letter && !cfg_key_info(CFG_GUI_X11)->flag,
	   "-m is mount, --max-output has no letter, x11 has no flag");
}

/* Values are parsed once, when read: the stored entry holds the typed value next to the text. */
static void test_typed_values(void)
{
	struct drop_config c;
	struct drop_err err = { 0 };
	const struct cfg_entry *e;

	config_init(&c);
	ok(load(&c, "[fs]\nmount = ~/a:/b:rw\n[net]\nmode = off\ntcp_publish = ::1/80:8080\n"
		    "udp_host = auto\n[limits]\nmemory = 1K\npids = 7\ncpus = 0.25\ntimeout = 2m\n"
		    "[gui]\nx11 = yes\ndbus = session\n[security]\nseccomp = off\n", &err) == 0,
	   "typed values: loaded");
	e = config_last(&c, CFG_FS_MOUNT);
	ok(e && strcmp(e->as.mount.src, "~/a") == 0 && strcmp(e->as.mount.dst, "/b") == 0 &&
	   e->as.mount.rw && !e->as.mount.opt, "mount: src, dst and rw kept unexpanded");
	config_free(&c);
	config_init(&c);
	ok(load(&c, "[fs]\nmount = ~/.cache/pip::opt,rw\n", &err) == 0 &&
	   (e = config_last(&c, CFG_FS_MOUNT)) && e->as.mount.rw && e->as.mount.opt && !e->as.mount.dst,
	   "mount: opt,rw sets both");
	config_free(&c);
	config_init(&c);
	ok(load(&c, "[fs]\nmount = ~/a:/b:rw\n[net]\nmode = off\ntcp_publish = ::1/80:8080\n"
		    "udp_host = auto\n[limits]\nmemory = 1K\npids = 7\ncpus = 0.25\ntimeout = 2m\n"
		    "[gui]\nx11 = yes\ndbus = session\n[security]\nseccomp = off\n", &err) == 0,
	   "typed values: reloaded");
	e = config_last(&c, CFG_NET_TCP_PUBLISH);
	ok(e && strcmp(e->as.port.host_ip, "::1") == 0 && e->as.port.host_port == 80 &&
	   e->as.port.sandbox_port == 8080, "publish: address and ports");
	e = config_last(&c, CFG_NET_UDP_HOST);
	ok(e && e->as.port.is_auto, "host: auto");
	ok(config_last(&c, CFG_NET_MODE)->as.choice == NET_OFF, "mode: the enum value");
	ok(config_last(&c, CFG_LIMITS_MEMORY)->as.num == 1024 && config_last(&c, CFG_LIMITS_PIDS)->as.num == 7 &&
	   config_last(&c, CFG_LIMITS_CPUS)->as.num == 250 &&
	   config_last(&c, CFG_LIMITS_TIMEOUT)->as.num == 120000, "numbers: bytes, count, thousandths, ms");
	ok(config_last(&c, CFG_GUI_X11)->as.choice == 1 && config_last(&c, CFG_GUI_DBUS)->as.choice == DBUS_SESSION &&
	   config_last(&c, CFG_SECURITY_SECCOMP)->as.choice == 0, "yes/no and words: their values");
	is_str(config_last(&c, CFG_NET_TCP_PUBLISH)->value, "::1/80:8080", "the text is kept for show-config");
	config_free(&c);
}

/* ---- SPEC 3.2 syntax and the inih traps ---- */

static void test_syntax(void)
{
	expect_value("[net]\nmode = off\n", CFG_NET_MODE, "off", 2, "plain key = value");
	expect_value("[net]\nmode=off\n", CFG_NET_MODE, "off", 2, "a=b without spaces");
	expect_value("\xEF\xBB\xBF[net]\nmode = off\n", CFG_NET_MODE, "off", 2, "BOM ignored");
	expect_value("[net]\r\nmode = off\r\n", CFG_NET_MODE, "off", 2, "CRLF line ends");
	expect_value("[net]\nmode = off", CFG_NET_MODE, "off", 2, "no newline at the end");
	expect_value("[net]\nmode = off ; the default is isolated\n", CFG_NET_MODE, "off", 2,
		     "inline ' ;' comment stripped");
	expect_value("[net]\nmode = off\t; tab before ;\n", CFG_NET_MODE, "off", 2,
		     "inline tab-';' comment stripped");
	expect_value("[env]\nset = A=x#y\n", CFG_ENV_SET, "A=x#y", 2, "'#' kept in value");
	expect_value("[env]\nset = A=x #y\n", CFG_ENV_SET, "A=x #y", 2, "' #' kept in value");
	expect_value("[env]\nset = A=x;y\n", CFG_ENV_SET, "A=x;y", 2, "';' without space kept");
	expect_value("[env]\nset = A=\"q\"\n", CFG_ENV_SET, "A=\"q\"", 2, "quotes kept literally");
	expect_value("[env]\nset = A=b=c\n", CFG_ENV_SET, "A=b=c", 2, "only the first '=' splits");
	expect_value("# c\n; c\n   ; indented comment\n\t# tab comment\n\n"
		     "[net] ; trailing\n  \nmode = off\n",
		     CFG_NET_MODE, "off", 8, "comments, blank lines, header comment");
	expect_value("[fs]\n[net]\nmode = host\n[fs]\n", CFG_NET_MODE, "host", 3,
		     "empty and repeated sections");

	expect_error("[fs]\nmount = /a\n  /b\n",
		     "t.ini:3: indented line (continuation lines are not supported; "
		     "remove the leading whitespace)",
		     "indented continuation line");
	expect_error("[net]\n\tmode = off\n",
		     "t.ini:2: indented line (continuation lines are not supported; "
		     "remove the leading whitespace)",
		     "indented key");
	expect_error("[net]\nmode: off\n",
		     "t.ini:2: expected 'key = value' (only '=' separates key and value)", "key: value");
	expect_error("[net]\nmode\n", "t.ini:2: expected 'key = value', '[section]' or a comment",
		     "bare key");
	expect_error("[net]\nmode:x = off\n",
		     "t.ini:2: invalid key name 'mode:x' (expected 'key = value')", "':' in a key name");
	expect_error("[net]\nmode ;x = off\n",
		     "t.ini:2: invalid key name 'mode ;x' (expected 'key = value')",
		     "comment before '='");
	expect_error("[net]\n= off\n", "t.ini:2: missing key name before '='", "missing key name");
	expect_error("[net\nmode = off\n",
		     "t.ini:1: unterminated section header (expected [section])", "[unterminated");
	expect_error("[net] junk\n", "t.ini:1: unexpected text after ']'", "text after a header");
	expect_error("# first\nmode = off\n[net]\n", "t.ini:2: key 'mode' before the first [section]",
		     "key before the first section");
	expect_error("[net]\nmode = off\n\n[netw]\nmode = off\n",
		     "t.ini:4: unknown section [netw], did you mean [net]?", "unknown section");
	expect_error("[zzzzzzz]\n",
		     "t.ini:1: unknown section [zzzzzzz] (sections: drop, fs, env, net, limits, security, gui)",
		     "unknown section without a suggestion");
	expect_error("[]\n", "t.ini:1: unknown section [] (sections: drop, fs, env, net, limits, "
		     "security, gui)", "empty section name");
	expect_error("[securty]\n", "t.ini:1: unknown section [securty], did you mean [security]?",
		     "unknown section, one letter missing");
	expect_error("[fs]\nmount = /a\nmout = /x\n",
		     "t.ini:3: unknown key 'mout' in [fs], did you mean 'mount'?", "unknown key");
	expect_error("[net]\ntcp_pub = 80\n",
		     "t.ini:2: unknown key 'tcp_pub' in [net], did you mean 'tcp_publish'?",
		     "unknown key, prefix");
	expect_error("[fs]\nmode = off\n", "t.ini:2: unknown key 'mode' in [fs], it belongs in [net]",
		     "key in the wrong section");
	expect_error("[gui]\nfrobnicate = yes\n",
		     "t.ini:2: unknown key 'frobnicate' in [gui] "
		     "(keys: x11, wayland, audio, gpu, dbus, dbus_talk, dbus_own)",
		     "unknown key without a suggestion");
	expect_error_n("[net]\nmode = of\0f\n", 17, "t.ini:2: NUL byte in line", "NUL byte");
	expect_error_n("[net]\n\0\n", 8, "t.ini:2: NUL byte in line", "NUL byte alone");
}

static void test_long_lines(void)
{
	/* "expose = " is 9 bytes; inih's 200-byte buffer holds 198 plus "\n" and NUL. */
	autofree char *fits_val = repeat('A', 198 - 9);
	autofree char *long_val = repeat('A', 199 - 9);
	autofree char *fits = fmt("[env]\nexpose = %s\n", fits_val);
	autofree char *too_long = fmt("[env]\nexpose = %s\n", long_val);
	autofree char *pad = repeat('x', 300 - 1 - 11);
	/* If it were cut at 199 bytes, "mode = host" would be parsed as a line of its own. */
	autofree char *split_bait = fmt("[net]\n;%smode = host\n", pad);
	autofree char *last_line = fmt("[env]\nexpose = %s", long_val);
	struct drop_config c;
	struct drop_err err = { 0 };

	expect_value(fits, CFG_ENV_EXPOSE, fits_val, 2, "198-byte line");
	expect_error(too_long, "t.ini:2: line too long (199 bytes, at most 198)", "199-byte line");
	expect_error(last_line, "t.ini:2: line too long (199 bytes, at most 198)",
		     "199-byte last line without newline");
	ok(strlen(split_bait) == 6 + 300 + 1, "300-byte line built");
	config_init(&c);
	ok(load(&c, split_bait, &err) < 0, "300-byte line rejected");
	is_str(err.msg, "t.ini:2: line too long (300 bytes, at most 198)", "300-byte line message");
	ok(config_last(&c, CFG_NET_MODE) == NULL, "300-byte line: nothing parsed from its tail");
	config_free(&c);
}

/* ---- SPEC 3.3 validation, per key ---- */

static void test_validate_fs(void)
{
	expect_valid("fs", "mount", "/a");
	expect_valid("fs", "mount", "~");
	expect_valid("fs", "mount", "~/.local/bin:~/.local-host/bin");
	expect_valid("fs", "mount", "~/notes.txt::rw");
	expect_valid("fs", "mount", "~/data:~/host-data:rw");
	expect_valid("fs", "mount", "/a:/b:ro");
	expect_invalid("fs", "mount", "/etc/../usr", "path is not normalized");
	expect_invalid("fs", "mount", "/etc/./usr", "path is not normalized");
	expect_invalid("fs", "mount", "/etc//usr", "path is not normalized");
	expect_invalid("fs", "mount", "/etc/", "path is not normalized");
	expect_invalid("fs", "mount", "etc", "path must be absolute or start with ~/");
	expect_invalid("fs", "mount", "~root/x", "path must be absolute or start with ~/");
	expect_invalid("fs", "mount", "/a:b", "destination path must be absolute or start with ~/");
	expect_invalid("fs", "mount", "/a:/b/..:rw", "destination path is not normalized");
	expect_invalid("fs", "mount", "/a:/b:rw:x", "too many ':' fields (expected SRC[:DST][:FLAGS])");
	expect_invalid("fs", "mount", "/a:/b:rx", "unknown flag 'rx' (expected rw, ro or opt)");
	expect_invalid("fs", "mount", "/a::", "unknown flag '' (expected rw, ro or opt)");
	expect_valid("fs", "mount", "~/.gitconfig::opt");
	expect_valid("fs", "mount", "~/.cache/pip::rw,opt");
	expect_valid("fs", "mount", "/a:/b:opt,ro");
	expect_invalid("fs", "mount", "/a::ro,rw", "flags 'ro' and 'rw' conflict (give one)");
	expect_invalid("fs", "mount", "/a::opt,opt", "flag 'opt' given twice");
	expect_invalid("fs", "mount", "/a::rw,rw", "flag 'rw' given twice");
	expect_invalid("fs", "mount", "/a::rw,", "unknown flag '' (expected rw, ro or opt)");
	expect_invalid("fs", "mount", "/a::rw,optional", "unknown flag 'optional' (expected rw, ro or opt)");
	expect_invalid("fs", "mount", "/a:", "empty destination (write SRC alone, or SRC::rw)");
	expect_invalid("fs", "mount", ":/b", "path is empty");
	expect_valid("fs", "block", "~/.ssh");
	expect_invalid("fs", "block", "~/.ssh/", "path is not normalized");
	expect_invalid("fs", "block", ".ssh", "path must be absolute or start with ~/");
	expect_valid("fs", "git", "safe");
	expect_invalid("fs", "git", "yes", "expected ro, safe or rw");
	expect_valid("drop", "cwd", "rw");
	expect_valid("drop", "cwd", "no");
	expect_invalid("drop", "cwd", "yes", "expected no, ro or rw");
}

static void test_validate_env(void)
{
	expect_valid("env", "expose", "PATH");
	expect_valid("env", "expose", "LC_*");
	expect_valid("env", "expose", "XDG_[A-Z]?*");
	expect_invalid("env", "expose", "PATH=x", "'=' cannot appear in a variable name pattern");
	expect_invalid("env", "expose", "X[AB", "unterminated '['");
	expect_error("[env]\nexpose =\n", "t.ini:2: invalid expose '': empty pattern", "empty expose");
	expect_valid("env", "set", "debian_chroot=drop");
	expect_valid("env", "set", "EMPTY=");
	expect_valid("env", "set", "PATH=${PATH}:${HOME}/.local-host/bin");
	expect_valid("env", "set", "COST=$5");
	expect_invalid("env", "set", "NOVALUE", "expected NAME=VALUE");
	expect_invalid("env", "set", "1A=b", "invalid variable name '1A'");
	expect_invalid("env", "set", "=b", "invalid variable name ''");
	expect_invalid("env", "set", "A-B=c", "invalid variable name 'A-B'");
	expect_invalid("env", "set", "A=${PATH", "unterminated '${'");
	expect_invalid("env", "set", "A=${P}${Q", "unterminated '${'");
	expect_invalid("env", "set", "A=${P-Q}", "invalid variable name in '${P-Q}'");
	expect_invalid("env", "set", "A=${}", "invalid variable name in '${}'");
}

static void test_validate_net(void)
{
	expect_valid("net", "mode", "off");
	expect_valid("net", "mode", "isolated");
	expect_valid("net", "mode", "host");
	expect_valid("net", "mode", "filtered");
	expect_invalid("net", "mode", "bridge", "expected off, isolated, filtered or host");
	expect_valid("net", "allow", "registry.npmjs.org");
	expect_valid("net", "allow", "*.githubusercontent.com");
	expect_valid("net", "allow", "github.com:22");
	expect_valid("net", "allow", "[2001:db8::1]:443");
	expect_invalid("net", "allow", "*.com", "'*.' needs at least two labels after it (*.example.com)");
	expect_invalid("net", "allow", "https://example.com", "a host, not a URL (no scheme)");
	expect_invalid("net", "allow", "user@example.com", "no user name (user@)");
	expect_valid("net", "proxy_port", "3128");
	expect_invalid("net", "proxy_port", "0", "expected a whole number from 1 to 65535");
	expect_valid("net", "tcp_publish", "8080");
	expect_valid("net", "tcp_publish", "8080:80");
	expect_valid("net", "tcp_publish", "127.0.0.1/8080:80");
	expect_valid("net", "udp_publish", "::1/5353");
	expect_valid("net", "udp_publish", "fe80::1/5353:53");
	expect_invalid("net", "tcp_publish", "0", "port 0 is out of range (1-65535)");
	expect_invalid("net", "tcp_publish", "65536", "port 65536 is out of range (1-65535)");
	expect_invalid("net", "tcp_publish", "http", "port 'http' is not a number");
	expect_invalid("net", "tcp_publish", "-1", "port '-1' is not a number");
	expect_invalid("net", "tcp_publish", "80:", "port '' is not a number");
	expect_invalid("net", "tcp_publish", "1:2:3", "too many ':' fields");
	expect_invalid("net", "tcp_publish", "auto", "auto is only allowed in tcp_host and udp_host");
	expect_invalid("net", "udp_publish", "auto", "auto is only allowed in tcp_host and udp_host");
	expect_invalid("net", "tcp_publish", "1.2.3/80", "invalid host address '1.2.3'");
	expect_invalid("net", "tcp_publish", "localhost/80", "invalid host address 'localhost'");
	expect_invalid("net", "tcp_publish", "::1:80", "too many ':' fields");
	expect_valid("net", "tcp_host", "5432");
	expect_valid("net", "tcp_host", "5432:15432");
	expect_valid("net", "udp_host", "auto");
	expect_invalid("net", "tcp_host", "0", "port 0 is out of range (1-65535)");
	expect_invalid("net", "udp_host", "99999", "port 99999 is out of range (1-65535)");
	expect_invalid("net", "tcp_host", "127.0.0.1/80", "port '127.0.0.1/80' is not a number");
	expect_invalid("net", "tcp_host", "1:2:3", "too many ':' fields");
	expect_invalid("net", "tcp_host", "Auto", "port 'Auto' is not a number");
}

static void test_validate_limits(void)
{
	const char *size_why = "expected a number of bytes with an optional K, M or G suffix";
	const char *dur_why = "expected a number with an s, m or h suffix, or 0 for none";
	const char *cpus_why = "expected a positive number like 2 or 1.5 (at most 3 decimals)";

	expect_valid("limits", "memory", "2G");
	expect_valid("limits", "memory", "0");
	expect_invalid("limits", "memory", "2GB", size_why);
	expect_invalid("limits", "memory", "-1", size_why);
	expect_invalid("limits", "memory", "99999999999999999999G", "size is too large");
	expect_valid("limits", "max_output", "10M");
	expect_invalid("limits", "max_output", "10 M", size_why);
	expect_valid("limits", "pids", "512");
	expect_invalid("limits", "pids", "0", "expected a whole number from 1 to 4194304");
	expect_invalid("limits", "pids", "4194305", "expected a whole number from 1 to 4194304");
	expect_invalid("limits", "pids", "many", "expected a whole number from 1 to 4194304");
	expect_valid("limits", "cpus", "1.5");
	expect_valid("limits", "cpus", "2");
	expect_invalid("limits", "cpus", "0", cpus_why);
	expect_invalid("limits", "cpus", "1.5.3", cpus_why);
	expect_invalid("limits", "cpus", "-2", cpus_why);
	expect_valid("limits", "timeout", "10m");
	expect_valid("limits", "timeout", "0");
	expect_invalid("limits", "timeout", "90", "a duration needs a unit: add s, m or h (90s), or write 0 for none");
	expect_invalid("limits", "timeout", "1d", dur_why);
	expect_invalid("limits", "timeout", "99999999999999999h", "duration is too long");
}

static void test_validate_security_gui(void)
{
	expect_valid("security", "seccomp", "default");
	expect_valid("security", "seccomp", "off");
	expect_invalid("security", "seccomp", "strict", "expected default or off");
	expect_valid("security", "seccomp_allow", "ptrace");
	expect_valid("security", "seccomp_deny", "personality");
	expect_valid("security", "seccomp_deny", "400");
	expect_valid("security", "seccomp_deny", "0");
	expect_invalid("security", "seccomp_deny", "notasyscall", "unknown system call");
	expect_invalid("security", "seccomp_allow", "-1", "unknown system call");
	expect_invalid("security", "seccomp_allow", "12x", "invalid system call number");
	expect_invalid("security", "seccomp_allow", "99999999999", "invalid system call number");
	expect_valid("security", "userns", "yes");
	expect_valid("security", "userns", "no");
	expect_valid("security", "terminal", "filtered");
	expect_valid("security", "terminal", "raw");
	expect_invalid("security", "terminal", "off", "expected filtered or raw");
	expect_invalid("security", "userns", "true", "expected yes or no");
	expect_valid("gui", "x11", "yes");
	expect_invalid("gui", "wayland", "1", "expected yes or no");
	expect_invalid("gui", "audio", "Yes", "expected yes or no");
	expect_valid("gui", "gpu", "no");
	expect_valid("gui", "dbus", "filtered");
	expect_valid("gui", "dbus", "none");
	expect_valid("gui", "dbus", "session");
	expect_invalid("gui", "dbus", "full", "expected none, filtered or session");
	expect_valid("gui", "dbus_talk", "org.freedesktop.Notifications");
	expect_valid("gui", "dbus_own", "org.mozilla.firefox.*");
	expect_valid("gui", "dbus_own", "org.mpris.MediaPlayer2.firefox-1_2");
	expect_valid("gui", "dbus_talk", "org.*");
	expect_invalid("gui", "dbus_talk", "org",
		       "not a D-Bus name (like org.example.App or org.example.*)");
	expect_invalid("gui", "dbus_talk", "org..x", "not a D-Bus name");
	expect_invalid("gui", "dbus_talk", "org.1x", "not a D-Bus name");
	expect_invalid("gui", "dbus_talk", "org.x.", "not a D-Bus name");
	expect_invalid("gui", "dbus_talk", "*", "not a D-Bus name");
	expect_invalid("gui", "dbus_own", "org.x*", "not a D-Bus name");
	expect_error("[drop]\ninclude =\n", "t.ini:2: invalid include '': empty path", "empty include");
}

/* ---- merging, notes, command line ---- */

static void test_merge_and_notes(void)
{
	struct drop_config c;
	struct drop_err err = { 0 };
	const struct cfg_entry *e;

	config_init(&c);
	ok(load(&c, "[net]\nmode = off\nmode = host\n[fs]\nmount = /a\nmount = /b\n", &err) == 0,
	   "repeated keys accepted");
	e = config_last(&c, CFG_NET_MODE);
	ok(e && strcmp(e->value, "host") == 0 && e->line == 3, "scalar: last wins");
	ok(c.notes.n == 1, "one note for the repeated scalar");
	is_str(c.notes.n ? c.notes.v[0].value : NULL, "t.ini:3: 'mode' set again, this value wins",
	       "note text");
	ok(c.key[CFG_FS_MOUNT].n == 2 && strcmp(c.key[CFG_FS_MOUNT].v[0].value, "/a") == 0 &&
	   strcmp(c.key[CFG_FS_MOUNT].v[1].value, "/b") == 0, "list: file order");

	ok(load_named(&c, "second.ini", "[net]\nmode = isolated\n[fs]\nmount = /c\n", &test_ctx,
		      &err) == 0, "second file loads");
	e = config_last(&c, CFG_NET_MODE);
	ok(e && strcmp(e->value, "isolated") == 0 && strcmp(e->file, "second.ini") == 0 &&
	   e->line == 2, "second file's scalar wins");
	ok(c.notes.n == 1, "no note for a scalar set once per file");
	ok(c.key[CFG_FS_MOUNT].n == 3 && strcmp(c.key[CFG_FS_MOUNT].v[2].value, "/c") == 0 &&
	   strcmp(c.key[CFG_FS_MOUNT].v[2].file, "second.ini") == 0, "second file's list appends");

	ok(load(&c, "[fs]\nmount = /d\nmount = bad\n", &err) < 0, "bad third file rejected");
	ok(c.key[CFG_FS_MOUNT].n == 3, "a failed load leaves the config untouched");

	ok(config_add(&c, CFG_FS_MOUNT, "/e::rw", CFG_ORIGIN_CMDLINE, 0, &err) == 0,
	   "command line value added");
	e = config_last(&c, CFG_FS_MOUNT);
	ok(e && strcmp(e->file, CFG_ORIGIN_CMDLINE) == 0 && e->line == 0, "command line origin");
	ok(config_add(&c, CFG_FS_MOUNT, "rel", CFG_ORIGIN_CMDLINE, 0, &err) < 0,
	   "bad command line value rejected");
	is_str(err.msg, "invalid mount 'rel': path must be absolute or start with ~/",
	       "command line error has no FILE:LINE");
	ok(config_add(&c, CFG_NET_MODE, "x", "p.ini", 7, &err) < 0, "config_add checks too");
	is_str(err.msg, "p.ini:7: invalid mode 'x': expected off, isolated, filtered or host",
	       "config_add error with origin");
	config_free(&c);

	config_init(&c);
	ok(load(&c, "", &err) == 0 && load(&c, "\n\n", &err) == 0, "empty texts load");
	config_free(&c);
	config_free(NULL);
}

/* ---- includes ---- */

static void test_includes_basic(const char *dir)
{
	autofree char *a = path_join(dir, "a.ini");
	autofree char *b = path_join(dir, "b.ini");
	autofree char *abs_text = fmt("[drop]\ninclude = %s/b.ini\n", dir);
	autofree char *virtual_name = path_join(dir, "virtual.ini");
	autofree char *inc = path_join(dir, "inc");
	struct cfg_load_ctx home_ctx = { .home = dir };
	struct drop_config c;
	struct drop_err err = { 0 };
	const struct cfg_values *m;

	write_file(dir, "b.ini", "[fs]\nmount = /b\n[net]\nmode = host\n");
	write_file(dir, "a.ini", "[fs]\nmount = /a1\n[drop]\ninclude = b.ini\n[fs]\nmount = /a2\n");
	config_init(&c);
	if (!ok(config_load_file(&c, a, &test_ctx, &err) == 0, "relative include"))
		tap_diag("error: %s", err.msg);
	m = &c.key[CFG_FS_MOUNT];
	ok(m->n == 3 && strcmp(m->v[0].value, "/a1") == 0 && strcmp(m->v[1].value, "/b") == 0 &&
	   strcmp(m->v[2].value, "/a2") == 0, "include processed where it appears");
	ok(m->n == 3 && strcmp(m->v[1].file, b) == 0 && m->v[1].line == 2,
	   "included value's origin is the included file");
	ok(c.key[CFG_DROP_INCLUDE].n == 1 && strcmp(c.key[CFG_DROP_INCLUDE].v[0].value, "b.ini") == 0 &&
	   c.key[CFG_DROP_INCLUDE].v[0].line == 4, "include value stored with its origin");
	config_free(&c);

	config_init(&c);
	ok(load_named(&c, "abs.ini", abs_text, &test_ctx, &err) == 0,
	   "absolute include");
	ok(config_last(&c, CFG_NET_MODE) && strcmp(config_last(&c, CFG_NET_MODE)->file, b) == 0,
	   "absolute include loaded");
	config_free(&c);

	config_init(&c);
	ok(load_named(&c, virtual_name, "[drop]\ninclude = b.ini\n", &test_ctx, &err) == 0,
	   "string source includes relative to dir_of(name)");
	ok(config_last(&c, CFG_FS_MOUNT) != NULL, "string source's include loaded");
	config_free(&c);

	ok(mkdir(inc, 0700) == 0, "mkdir inc");
	write_file(dir, "inc/h.ini", "[gui]\nx11 = yes\n");
	config_init(&c);
	ok(load_named(&c, "h.ini", "[drop]\ninclude = ~/inc/h.ini\n", &home_ctx, &err) == 0,
	   "~/ include uses ctx->home");
	ok(config_last(&c, CFG_GUI_X11) != NULL, "~/ include loaded");
	ok(load_named(&c, "h.ini", "[drop]\ninclude = ~/inc/h.ini\n", NULL, &err) < 0,
	   "~/ include without home rejected");
	is_str(err.msg, "h.ini:2: cannot expand include '~/inc/h.ini': HOME is not an absolute path",
	       "~/ include without home message");
	config_free(&c);
}

static void test_includes_errors(const char *dir)
{
	autofree char *a = path_join(dir, "ca.ini");
	autofree char *b = path_join(dir, "cb.ini");
	autofree char *self = path_join(dir, "self.ini");
	autofree char *bad = path_join(dir, "bad.ini");
	autofree char *want = NULL;
	struct drop_config c;
	struct drop_err err = { 0 };

	config_init(&c);
	write_file(dir, "ca.ini", "[drop]\ninclude = cb.ini\n");
	write_file(dir, "cb.ini", "[net]\nmode = off\n[drop]\ninclude = ./ca.ini\n");
	ok(config_load_file(&c, a, &test_ctx, &err) < 0, "include cycle rejected");
	want = fmt("%s:4: include cycle: %s -> %s -> %s/./ca.ini", b, a, b, dir);
	is_str(err.msg, want, "include cycle message");
	free(steal_ptr(&want));
	ok(c.key[CFG_NET_MODE].n == 0, "failed include leaves the config untouched");

	write_file(dir, "self.ini", "[drop]\ninclude = self.ini\n");
	ok(config_load_file(&c, self, &test_ctx, &err) < 0, "self include rejected");
	want = fmt("%s:2: include cycle: %s -> %s", self, self, self);
	is_str(err.msg, want, "self include message");
	free(steal_ptr(&want));

	ok(load(&c, "[drop]\n\ninclude = nope.ini\n", &err) < 0, "missing include rejected");
	is_str(err.msg, "t.ini:3: cannot open include 'nope.ini': No such file or directory",
	       "missing include message");

	write_file(dir, "bad.ini", "[net]\n\nmode = bridge\n");
	write_file(dir, "inc-bad.ini", "[drop]\ninclude = bad.ini\n");
	want = path_join(dir, "inc-bad.ini");
	ok(config_load_file(&c, want, &test_ctx, &err) < 0, "error inside an include");
	free(steal_ptr(&want));
	want = fmt("%s:3: invalid mode 'bridge': expected off, isolated, filtered or host", bad);
	is_str(err.msg, want, "error inside an include names that file and line");
	free(steal_ptr(&want));

	want = fmt("[drop]\ninclude = %s\n", dir);
	ok(load(&c, want, &err) < 0, "directory include rejected");
	free(steal_ptr(&want));
	want = fmt("t.ini:2: cannot open include '%s': not a regular file", dir);
	is_str(err.msg, want, "directory include message");
	free(steal_ptr(&want));
	config_free(&c);
}

static void test_include_depth(const char *dir)
{
	autofree char *top = path_join(dir, "d0.ini");
	autofree char *second = path_join(dir, "d1.ini");
	autofree char *want = fmt("%s/d16.ini:2: include depth over 16", dir);
	struct drop_config c;
	struct drop_err err = { 0 };

	for (int i = 0; i <= 17; i++) {
		char name[32], text[64];

		snprintf(name, sizeof(name), "d%d.ini", i);
		if (i < 17)
			snprintf(text, sizeof(text), "[drop]\ninclude = d%d.ini\n", i + 1);
		else
			snprintf(text, sizeof(text), "[net]\nmode = off\n");
		write_file(dir, name, text);
	}
	config_init(&c);
	if (!ok(config_load_file(&c, second, &test_ctx, &err) == 0, "include depth 16 accepted"))
		tap_diag("error: %s", err.msg);
	ok(config_last(&c, CFG_NET_MODE) != NULL, "depth 16: innermost file loaded");
	config_free(&c);
	config_init(&c);
	ok(config_load_file(&c, top, &test_ctx, &err) < 0, "include depth 17 rejected");
	is_str(err.msg, want, "include depth message");
	config_free(&c);
}

static void test_load_file_errors(const char *dir)
{
	autofree char *missing = path_join(dir, "none.ini");
	autofree char *fifo = path_join(dir, "fifo.ini");
	autofree char *want = fmt("%s: No such file or directory", missing);
	autofree char *want_fifo = fmt("%s: not a regular file", fifo);
	autofree char *want_dir = fmt("%s: not a regular file", dir);
	struct drop_config c;
	struct drop_err err = { 0 };

	config_init(&c);
	errno = 0;
	ok(config_load_file(&c, missing, &test_ctx, &err) < 0 && errno == ENOENT,
	   "missing file rejected, errno ENOENT");
	is_str(err.msg, want, "missing file message");
	ok(config_load_file(&c, dir, &test_ctx, &err) < 0, "directory rejected");
	is_str(err.msg, want_dir, "directory message");
	if (mkfifo(fifo, 0600) == 0) {
		ok(config_load_file(&c, fifo, &test_ctx, &err) < 0, "FIFO rejected without blocking");
		is_str(err.msg, want_fifo, "FIFO message");
	}
	config_free(&c);
}

/* SPEC 4: a bare NAME.ini no file has is the built-in; a built-in includes built-ins. */
static void test_includes_builtin(const char *dir)
{
	struct drop_config c;
	struct drop_err err = { 0 };
	autofree char *name = path_join(dir, "user.ini");
	autofree char *local = path_join(dir, "audio.ini");
	const struct cfg_entry *e;
	size_t len = 0;
	const char *firefox = builtin_profile("firefox.ini", &len);

	config_init(&c);
	ok(load_named(&c, name, "[drop]\ninclude = gui-common.ini\n", &test_ctx, &err) == 0,
	   "include of a built-in fragment no file has: loaded (%s)", err.msg);
	e = config_last(&c, CFG_GUI_X11);
	ok(e && strcmp(e->file, "built-in:gui-common.ini") == 0, "... its values have the built-in origin");
	config_free(&c);
	config_init(&c);
	write_file(dir, "audio.ini", "[gui]\naudio = no\n");
	ok(load_named(&c, name, "[drop]\ninclude = audio.ini\n", &test_ctx, &err) == 0 &&
	   (e = config_last(&c, CFG_GUI_AUDIO)) && strcmp(e->file, local) == 0,
	   "a file of the fragment's name beside the includer wins over the built-in");
	config_free(&c);
	config_init(&c);
	ok(load_named(&c, name, "[drop]\ninclude = nosuch.ini\n", &test_ctx, &err) < 0,
	   "include of a name neither a file nor a built-in fails");
	config_free(&c);
	config_init(&c);
	ok(firefox && config_load_string(&c, "built-in:firefox.ini", firefox, len, &test_ctx, &err) == 0 &&
	   (e = config_last(&c, CFG_GUI_AUDIO)) && strcmp(e->file, "built-in:audio.ini") == 0,
	   "a built-in's include finds the built-in, not the file beside the cwd (%s)", err.msg);
	config_free(&c);
	ok(profile_is_fragment("gui-common", "# gui-common: fragment included", 31), "fragment: first line rule");
	ok(!profile_is_fragment("firefox", "# firefox: the Firefox web browser", 34), "fragment: a program is not");
	ok(!profile_is_fragment("audio", "# audi: fragment", 16), "fragment: the name must match");
}

static void test_includes(void)
{
	char dir[] = "/tmp/drop-test-config.XXXXXX";

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	test_includes_basic(dir);
	test_includes_errors(dir);
	test_include_depth(dir);
	test_load_file_errors(dir);
	test_includes_builtin(dir);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- config_resolve ---- */

static int resolve_text(const char *text, const char *home, struct drop_config *c,
			struct drop_settings *s, struct drop_err *err)
{
	config_init(c);
	if (load(c, text, err) < 0) {
		tap_diag("load error: %s", err->msg);
		return -2;
	}
	return config_resolve(c, home, s, err);
}

static void test_resolve_defaults(void)
{
	struct drop_config c;
	struct drop_settings s;
	struct drop_err err = { 0 };

	ok(resolve_text("", "/home/u", &c, &s, &err) == 0, "empty config resolves");
	ok(s.net == NET_ISOLATED && s.seccomp && !s.userns && !s.x11 && !s.wayland && !s.audio &&
	   !s.gpu && s.dbus == DBUS_NONE, "defaults: isolated, seccomp on, userns and gui off");
	ok(s.git == GIT_RO, "defaults: git ro");
	ok(s.cwd == CWD_NO, "defaults: cwd no");
	ok(s.memory == 0 && s.pids == 0 && s.cpus_milli == 0 && s.timeout_ms == 0 &&
	   s.max_output == 0, "defaults: no limits");
	ok(s.n_mounts == 0 && s.blocks && !s.blocks[0] && s.seccomp_allow && !s.seccomp_allow[0] &&
	   s.dbus_talk && !s.dbus_talk[0] && s.tcp_publish.n == 0, "defaults: empty lists");
	settings_free(&s);
	settings_free(&s);
	config_free(&c);

	ok(resolve_text("[limits]\nmemory = 2G\npids = 512\ncpus = 1.5\ntimeout = 10m\nmax_output = 10M\n"
			"[security]\nseccomp = off\nuserns = yes\nseccomp_deny = personality\n"
			"[gui]\nx11 = yes\nwayland = yes\naudio = yes\ngpu = yes\ndbus = filtered\n"
			"dbus_talk = org.a.B\ndbus_own = org.c.*\n[fs]\ngit = rw\n[drop]\ncwd = ro\n",
			"/home/u", &c, &s, &err) == 0, "full config resolves");
	ok(s.memory == UINT64_C(2) << 30 && s.pids == 512 && s.cpus_milli == 1500 &&
	   s.timeout_ms == 600000 && s.max_output == 10 << 20, "limits parsed");
	ok(!s.seccomp && s.userns && s.x11 && s.wayland && s.audio && s.gpu && s.dbus == DBUS_FILTERED,
	   "switches parsed");
	ok(s.git == GIT_RW, "git = rw lands");
	ok(s.cwd == CWD_RO, "cwd = ro lands");
	is_str(s.seccomp_deny[0], "personality", "seccomp_deny copied");
	ok(s.seccomp_deny[1] == NULL, "seccomp_deny terminated");
	is_str(s.dbus_talk[0], "org.a.B", "dbus_talk copied");
	is_str(s.dbus_own[0], "org.c.*", "dbus_own copied");
	settings_free(&s);
	config_free(&c);
}

static void test_resolve_mounts(void)
{
	struct drop_config c;
	struct drop_settings s;
	struct drop_err err = { 0 };

	ok(resolve_text("[fs]\nmount = ~/a\nmount = ~/b:/in/b:rw\nmount = /c::rw\nmount = /d:/e:ro\n"
			"mount = ~\nblock = ~/.ssh\nblock = /etc/shadow\n",
			"/home/u", &c, &s, &err) == 0, "mounts resolve");
	ok(s.n_mounts == 5, "five mounts");
	if (s.n_mounts == 5) {
		is_str(s.mounts[0].src, "/home/u/a", "SRC: src expanded");
		is_str(s.mounts[0].dst, "/home/u/a", "SRC: dst defaults to src");
		ok(!s.mounts[0].rw, "SRC: read-only");
		ok(s.mounts[0].origin && s.mounts[0].origin->line == 2, "mount origin borrowed");
		is_str(s.mounts[1].src, "/home/u/b", "SRC:DST:rw src");
		is_str(s.mounts[1].dst, "/in/b", "SRC:DST:rw dst");
		ok(s.mounts[1].rw, "SRC:DST:rw is rw");
		is_str(s.mounts[2].dst, "/c", "SRC::rw dst defaults to src");
		ok(s.mounts[2].rw, "SRC::rw is rw");
		is_str(s.mounts[3].dst, "/e", "SRC:DST:ro dst");
		ok(!s.mounts[3].rw, "SRC:DST:ro is read-only");
		is_str(s.mounts[4].src, "/home/u", "~ expands to home");
	}
	is_str(s.blocks[0], "/home/u/.ssh", "block expanded");
	is_str(s.blocks[1], "/etc/shadow", "absolute block kept");
	ok(s.blocks[2] == NULL, "blocks terminated");
	settings_free(&s);
	config_free(&c);

	ok(resolve_text("[fs]\nmount = /x\nmount = ~/a\n", NULL, &c, &s, &err) < 0,
	   "~ without home rejected at resolve");
	is_str(err.msg, "t.ini:3: cannot expand '~/a': HOME is not set to an absolute path",
	       "~ without home message");
	config_free(&c);
}

static void test_resolve_ports(void)
{
	struct drop_config c;
	struct drop_settings s;
	struct drop_err err = { 0 };

	ok(resolve_text("[net]\ntcp_publish = 127.0.0.1/8080:80\ntcp_publish = 8081\n"
			"udp_publish = ::1/5353\ntcp_host = 5432:15432\nudp_host = auto\n",
			"/home/u", &c, &s, &err) == 0, "ports resolve");
	ok(s.tcp_publish.n == 2 && s.udp_publish.n == 1 && s.tcp_host.n == 1 && s.udp_host.n == 1,
	   "port list sizes");
	if (s.tcp_publish.n == 2 && s.udp_publish.n == 1 && s.tcp_host.n == 1 && s.udp_host.n == 1) {
		is_str(s.tcp_publish.v[0].host_ip, "127.0.0.1", "publish host ip");
		ok(s.tcp_publish.v[0].host_port == 8080 && s.tcp_publish.v[0].sandbox_port == 80,
		   "publish HOST:SANDBOX");
		ok(!s.tcp_publish.v[1].host_ip && s.tcp_publish.v[1].host_port == 8081 &&
		   s.tcp_publish.v[1].sandbox_port == 8081, "publish default ip, host port = sandbox port");
		is_str(s.udp_publish.v[0].host_ip, "::1", "IPv6 host ip");
		ok(s.udp_publish.v[0].sandbox_port == 5353, "IPv6 publish port");
		ok(s.tcp_host.v[0].host_port == 5432 && s.tcp_host.v[0].sandbox_port == 15432 &&
		   !s.tcp_host.v[0].is_auto, "host HOST:SANDBOX");
		ok(s.udp_host.v[0].is_auto, "host auto");
	}
	settings_free(&s);
	config_free(&c);

	ok(resolve_text("[net]\nmode = off\ntcp_publish = 8080\nudp_host = 53\n", "/home/u", &c, &s,
			&err) == 0, "file ports with mode off are dropped");
	ok(s.net == NET_OFF && s.tcp_publish.n == 0 && s.udp_host.n == 0, "no ports kept");
	ok(c.notes.n == 2, "one note per dropped port");
	is_str(c.notes.n ? c.notes.v[0].value : NULL,
	       "t.ini:3: tcp_publish = 8080 ignored (the network mode is off)", "dropped port note");
	settings_free(&s);

	ok(config_add(&c, CFG_NET_TCP_PUBLISH, "9000", CFG_ORIGIN_CMDLINE, 0, &err) == 0,
	   "command line port added");
	ok(config_resolve(&c, "/home/u", &s, &err) < 0, "command line port with mode off rejected");
	is_str(err.msg, "port options need --net isolated (the network mode is off)",
	       "command line port message");
	config_free(&c);

	ok(resolve_text("[net]\ntcp_host = 80\n", "/home/u", &c, &s, &err) == 0, "file port, isolated");
	settings_free(&s);
	ok(config_add(&c, CFG_NET_MODE, "host", CFG_ORIGIN_CMDLINE, 0, &err) == 0 &&
	   config_resolve(&c, "/home/u", &s, &err) == 0, "--net host drops file ports");
	ok(s.net == NET_HOST && s.tcp_host.n == 0, "mode host, no ports");
	settings_free(&s);
	config_free(&c);

	ok(resolve_text("[net]\nmode = filtered\ntcp_host = auto\ntcp_host = 5432:15432\nudp_host = 53\n"
			"tcp_publish = 8080\n", "/home/u", &c, &s, &err) == 0,
	   "file ports with mode filtered: not an error");
	ok(s.tcp_host.n == 1 && s.tcp_host.v[0].host_port == 5432 && s.tcp_host.v[0].sandbox_port == 15432,
	   "filtered keeps explicit tcp_host entries");
	ok(s.tcp_publish.n == 1 && s.tcp_publish.v[0].host_port == 8080, "... and tcp_publish entries");
	ok(s.udp_host.n == 0 && c.notes.n == 2, "auto and UDP dropped, one note each");
	settings_free(&s);
	ok(config_add(&c, CFG_NET_UDP_HOST, "53", CFG_ORIGIN_CMDLINE, 0, &err) == 0 &&
	   config_resolve(&c, "/home/u", &s, &err) < 0, "command line UDP port with filtered rejected");
	is_str(err.msg, "UDP port options need --net isolated (the network mode is filtered)", "... saying so");
	config_free(&c);
	ok(resolve_text("[net]\nmode = filtered\n", "/home/u", &c, &s, &err) == 0, "filtered, no ports");
	settings_free(&s);
	ok(config_add(&c, CFG_NET_TCP_PUBLISH, "9000:80", CFG_ORIGIN_CMDLINE, 0, &err) == 0 &&
	   config_resolve(&c, "/home/u", &s, &err) == 0 && s.tcp_publish.n == 1 && s.tcp_publish.v[0].sandbox_port == 80,
	   "command line -t with filtered accepted");
	settings_free(&s);
	ok(config_add(&c, CFG_NET_TCP_HOST, "auto", CFG_ORIGIN_CMDLINE, 0, &err) == 0 &&
	   config_resolve(&c, "/home/u", &s, &err) < 0, "command line -T auto with filtered rejected");
	config_free(&c);
}

static void test_resolve_auto(void)
{
	struct drop_config c;
	struct drop_settings s;
	struct drop_err err = { 0 };

	ok(resolve_text("[net]\ntcp_host = auto\ntcp_host = 5432\n", "/home/u", &c, &s, &err) < 0,
	   "auto then a port rejected");
	is_str(err.msg, "t.ini:3: 'auto' cannot be combined with other tcp_host entries",
	       "auto mixing reported at the second entry");
	config_free(&c);
	ok(resolve_text("[net]\nudp_host = 53\n\nudp_host = auto\n", "/home/u", &c, &s, &err) < 0,
	   "a port then auto rejected");
	is_str(err.msg, "t.ini:4: 'auto' cannot be combined with other udp_host entries",
	       "auto mixing reported at the auto entry");
	config_free(&c);
	ok(resolve_text("[net]\ntcp_host = 53\n", "/home/u", &c, &s, &err) == 0, "one port");
	settings_free(&s);
	ok(config_add(&c, CFG_NET_TCP_HOST, "auto", CFG_ORIGIN_CMDLINE, 0, &err) == 0 &&
	   config_resolve(&c, "/home/u", &s, &err) < 0, "file port + command line auto rejected");
	is_str(err.msg, "'auto' cannot be combined with other tcp_host entries",
	       "auto mixing across origins");
	config_free(&c);
	ok(resolve_text("[net]\ntcp_host = auto\nudp_host = 53\n", "/home/u", &c, &s, &err) == 0,
	   "auto in one list, a port in the other");
	settings_free(&s);
	config_free(&c);
}

int main(void)
{
	test_key_table();
	test_key_flags();
	test_typed_values();
	test_syntax();
	test_long_lines();
	test_validate_fs();
	test_validate_env();
	test_validate_net();
	test_validate_limits();
	test_validate_security_gui();
	test_merge_and_notes();
	test_includes();
	test_resolve_defaults();
	test_resolve_mounts();
	test_resolve_ports();
	test_resolve_auto();
	return tap_done();
}
