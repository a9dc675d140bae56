/* test-util.c: unit tests for the pure helpers of util.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"
#include "tap.h"
#include "util.h"

static void check_path(const char *path, const char *want_why)
{
	char why[128] = "";
	bool valid = path_is_valid_config_path(path, why, sizeof(why));

	if (!want_why) {
		ok(valid, "path '%s' is valid", path);
		return;
	}
	ok(!valid, "path '%s' is invalid", path);
	is_str(why, want_why, "path '%s': reason", path);
}

static void test_paths(void)
{
	const char *denorm = "path is not normalized";
	const char *relative = "path must be absolute or start with ~/";

	check_path("/", NULL);
	check_path("/usr/lib", NULL);
	check_path("~", NULL);
	check_path("~/.bashrc", NULL);
	check_path("/a/.hidden/b..c/...", NULL);
	check_path("/etc/../usr", denorm);
	check_path("/etc/./usr", denorm);
	check_path("/etc/..", denorm);
	check_path("/.", denorm);
	check_path("//etc", denorm);
	check_path("/etc//passwd", denorm);
	check_path("/etc/", denorm);
	check_path("~/", denorm);
	check_path("~//x", denorm);
	check_path("~/a/../b", denorm);
	check_path("etc/passwd", relative);
	check_path("./x", relative);
	check_path("~alice/x", relative);
	check_path("", "path is empty");
	ok(!path_is_valid_config_path("x", NULL, 0), "why may be NULL");
}

static void test_expand_join_under(void)
{
	autofree char *a = path_expand_home("~/x/y", "/home/u");
	autofree char *b = path_expand_home("~", "/home/u/");
	autofree char *c = path_expand_home("/abs", NULL);
	autofree char *d = path_expand_home("~/x", "/");
	autofree char *e = path_join("/a/", "/b");
	autofree char *f = path_join("/", "b");
	autofree char *g = path_join("dir", "b/c");
	char *h;

	is_str(a, "/home/u/x/y", "expand ~/x/y");
	is_str(b, "/home/u", "expand ~ drops HOME's trailing slash");
	is_str(c, "/abs", "absolute path is copied");
	is_str(d, "/x", "HOME=/ gives no doubled slash");
	errno = 0;
	h = path_expand_home("~/x", NULL);
	ok(!h && errno == EINVAL, "~ without HOME is EINVAL");
	h = path_expand_home("~/x", "relative");
	ok(!h && errno == EINVAL, "~ with a relative HOME is EINVAL");
	is_str(e, "/a/b", "join strips doubled slash");
	is_str(f, "/b", "join under /");
	is_str(g, "dir/b/c", "join relative");
	ok(path_is_under("/a/b", "/a"), "/a/b under /a");
	ok(path_is_under("/a", "/a"), "/a under /a");
	ok(path_is_under("/a/b", "/a/"), "/a/b under /a/");
	ok(!path_is_under("/ab", "/a"), "/ab not under /a");
	ok(path_is_under("/x", "/"), "/x under /");
	ok(path_is_below("/a/b", "/a") && path_is_below("/a/b", "/a/") && path_is_below("/x", "/"), "path_is_below: strictly under");
	ok(!path_is_below("/a", "/a") && !path_is_below("/a", "/a/") && !path_is_below("/", "/") && !path_is_below("/ab", "/a"),
	   "path_is_below: not the prefix itself, not a sibling");
	{
		char *trees[] = { (char *)"/d", (char *)"/p/q", NULL };

		ok(path_is_under_any("/p/q", trees, false) && !path_is_under_any("/p/q", trees, true) &&
		   path_is_under_any("/p/q/r", trees, true) && !path_is_under_any("/p", trees, false) &&
		   !path_is_under_any("/d", NULL, false), "path_is_under_any: under one of the trees, strictly when asked");
	}
	ok(!path_is_under("/", "/a"), "/ not under /a");
}

static void check_size(const char *s, uint64_t want)
{
	uint64_t v = 12345;

	ok(parse_size(s, &v) == 0 && v == want, "size '%s' = %llu (got %llu)", s,
	   (unsigned long long)want, (unsigned long long)v);
}

static void check_size_bad(const char *s, int want_errno)
{
	uint64_t v;

	errno = 0;
	ok(parse_size(s, &v) < 0 && errno == want_errno, "size '%s' rejected (errno %d)", s,
	   want_errno);
}

static void test_sizes(void)
{
	check_size("0", 0);
	check_size("1024", 1024);
	check_size("1K", 1024);
	check_size("2k", 2048);
	check_size("10M", 10 << 20);
	check_size("2G", UINT64_C(2) << 30);
	check_size("17179869183G", UINT64_C(17179869183) << 30);
	check_size_bad("99999999999999999999G", ERANGE);
	check_size_bad("99999999999999999999", ERANGE);
	check_size_bad("17179869184G", ERANGE);
	check_size_bad("", EINVAL);
	check_size_bad("-1", EINVAL);
	check_size_bad("+1", EINVAL);
	check_size_bad(" 1", EINVAL);
	check_size_bad("1 ", EINVAL);
	check_size_bad("1KB", EINVAL);
	check_size_bad("1B", EINVAL);
	check_size_bad("1T", EINVAL);
	check_size_bad("1.5G", EINVAL);
	check_size_bad("G", EINVAL);
}

static void check_duration(const char *s, uint64_t want_ms)
{
	uint64_t v = 12345;

	ok(parse_duration(s, &v) == 0 && v == want_ms, "duration '%s' = %llu ms (got %llu)", s,
	   (unsigned long long)want_ms, (unsigned long long)v);
}

static void check_duration_bad(const char *s)
{
	uint64_t v;

	ok(parse_duration(s, &v) < 0, "duration '%s' rejected", s);
}

static void test_durations(void)
{
	check_duration("0", 0);
	check_duration("0s", 0);
	check_duration_bad("30");
	check_duration("30s", 30000);
	check_duration("10m", 600000);
	check_duration("2h", 7200000);
	check_duration_bad("");
	check_duration_bad("-5");
	check_duration_bad("1d");
	check_duration_bad("1.5h");
	check_duration_bad("1ms");
	check_duration_bad("h");
	check_duration_bad("99999999999999999999");
	check_duration_bad("9999999999999999h");
}

static void test_numbers(void)
{
	uint64_t v = 0;
	uint16_t port = 0;

	ok(parse_uint("42", 1, 100, &v) == 0 && v == 42, "uint 42");
	errno = 0;
	ok(parse_uint("0", 1, 100, &v) < 0 && errno == ERANGE, "uint below min is ERANGE");
	ok(parse_uint("101", 1, 100, &v) < 0 && errno == ERANGE, "uint above max is ERANGE");
	ok(parse_uint("18446744073709551615", 0, UINT64_MAX, &v) == 0 && v == UINT64_MAX,
	   "uint max");
	ok(parse_uint("18446744073709551616", 0, UINT64_MAX, &v) < 0, "uint overflow");
	ok(parse_uint("", 0, 10, &v) < 0, "uint empty");
	ok(parse_uint("-1", 0, 10, &v) < 0, "uint negative");
	ok(parse_uint("1x", 0, 10, &v) < 0, "uint trailing junk");

	ok(parse_cpus("2", &v) == 0 && v == 2000, "cpus 2");
	ok(parse_cpus("1.5", &v) == 0 && v == 1500, "cpus 1.5");
	ok(parse_cpus("0.25", &v) == 0 && v == 250, "cpus 0.25");
	ok(parse_cpus("0.001", &v) == 0 && v == 1, "cpus 0.001");
	ok(parse_cpus("1.5.3", &v) < 0, "cpus 1.5.3 rejected");
	ok(parse_cpus("0", &v) < 0, "cpus 0 rejected");
	ok(parse_cpus("0.000", &v) < 0, "cpus 0.000 rejected");
	ok(parse_cpus("0.0001", &v) < 0, "cpus with 4 decimals rejected");
	ok(parse_cpus("-1", &v) < 0, "cpus negative rejected");
	ok(parse_cpus("", &v) < 0, "cpus empty rejected");
	ok(parse_cpus("1.", &v) < 0, "cpus '1.' rejected");
	ok(parse_cpus(".5", &v) < 0, "cpus '.5' rejected");
	ok(parse_cpus("99999999999999999999", &v) < 0, "cpus overflow rejected");
	ok(parse_cpus("18446744073709552", &v) < 0, "cpus overflow in thousandths rejected");

	ok(parse_port("1", &port) == 0 && port == 1, "port 1");
	ok(parse_port("65535", &port) == 0 && port == 65535, "port 65535");
	ok(parse_port("0", &port) < 0, "port 0 rejected");
	ok(parse_port("65536", &port) < 0, "port 65536 rejected");
	ok(parse_port("http", &port) < 0, "port name rejected");
	ok(parse_port("", &port) < 0, "port empty rejected");
	ok(parse_port("-80", &port) < 0, "port negative rejected");
}

static void test_edit_distance(void)
{
	ok(edit_distance("", "") == 0, "distance empty");
	ok(edit_distance("mount", "mount") == 0, "distance equal");
	ok(edit_distance("mout", "mount") == 1, "distance insertion");
	ok(edit_distance("netw", "net") == 1, "distance deletion");
	ok(edit_distance("kitten", "sitting") == 3, "distance kitten/sitting");
	ok(edit_distance("", "abc") == 3, "distance from empty");
	ok(edit_distance("abc", "") == 3, "distance to empty");
}

static void test_glob(void)
{
	ok(glob_match("LC_*", "LC_ALL"), "glob LC_*");
	ok(!glob_match("LC_*", "LANG"), "glob LC_* vs LANG");
	ok(glob_match("PATH", "PATH"), "glob literal");
	ok(glob_match("X?[AB]", "X1B"), "glob ? and []");
}

static void check_env_id(const char *path, const char *want)
{
	autofree char *id = env_id_from_path(path);

	is_str(id, want, "env id of '%s'", path);
}

static void test_env_ids(void)
{
	check_env_id("/home/alice/src/proj", "home-alice-src-proj");
	check_env_id("/.hidden/x", "hidden-x");
	check_env_id("/home/a/proj/", "home-a-proj");
	check_env_id("/home/a/proj-", "home-a-proj");
	check_env_id("/home/a/my proj", "home-a-my_proj");
	check_env_id("/srv/a.b_c", "srv-a.b_c");
	check_env_id("/", NULL);
	check_env_id("/base", NULL);

	ok(!env_id_is_valid("base"), "id base invalid");
	ok(!env_id_is_valid(".x"), "id .x invalid");
	ok(!env_id_is_valid("-x"), "id -x invalid");
	ok(!env_id_is_valid(""), "id empty invalid");
	ok(!env_id_is_valid("a/b"), "id with slash invalid");
	ok(!env_id_is_valid("a b"), "id with space invalid");
	ok(env_id_is_valid("a_b.c-1"), "id a_b.c-1 valid");
	ok(env_id_is_valid("basement"), "id basement valid");
	ok(env_id_is_valid("x."), "id x. valid");

	char long_id[ENV_ID_MAX + 2];

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	ok(!env_id_is_valid(long_id), "id over ENV_ID_MAX invalid");
	long_id[ENV_ID_MAX] = '\0';
	ok(env_id_is_valid(long_id), "id of ENV_ID_MAX bytes valid");
}

static void test_strv(void)
{
	struct strv s = { 0 };
	autostrv char **empty = NULL;
	autostrv char **v = NULL;
	int failures = 0;

	empty = strv_steal(&s);
	ok(empty && empty[0] == NULL, "steal of an empty strv gives an empty vector");
	for (int i = 0; i < 100; i++) {
		char buf[16];

		snprintf(buf, sizeof(buf), "s%d", i);
		failures += strv_push(&s, buf) < 0;
	}
	ok(failures == 0 && s.n == 100, "100 pushes");
	ok(s.v[100] == NULL, "vector stays NULL-terminated");
	ok(strv_push_owned(&s, strdup("owned")) == 0 && s.n == 101, "push_owned");
	ok(strv_push_owned(&s, NULL) < 0 && s.n == 101, "push_owned of NULL fails cleanly");
	v = strv_steal(&s);
	ok(v && s.v == NULL && s.n == 0 && s.cap == 0, "steal resets");
	is_str(v[0], "s0", "first element");
	is_str(v[99], "s99", "100th element");
	is_str(v[100], "owned", "owned element");
	ok(v[101] == NULL, "stolen vector NULL-terminated");
	ok(strv_push(&s, "again") == 0, "reuse after steal");
	strv_clear(&s);
	ok(s.v == NULL && s.n == 0, "clear resets");
}

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/bash\n"
				   "# not an entry\n"
				   "short:x:5\n"
				   "bad:x:10x:10::/bad:/bin/sh\n"
				   "empty::1001:1001::/home/empty:\n"
				   "ann:x:1000:1000:Ann,,,:/home/ann:/bin/zsh\n"
				   "dup:x:1000:1000::/home/dup:/bin/sh\n";

/* passwd_find works in place: each lookup gets its own copy; "name home" or "". */
static const char *passwd_lookup(unsigned long uid)
{
	static char result[256];
	char copy[sizeof(passwd_text)];
	const char *name = NULL, *home = NULL;

	memcpy(copy, passwd_text, sizeof(copy));
	result[0] = '\0';
	if (passwd_find(copy, uid, &name, &home))
		snprintf(result, sizeof(result), "%s %s", name, home);
	return result;
}

static void test_passwd(void)
{
	char none[] = "";
	const char *name = NULL, *home = NULL;

	is_str(passwd_lookup(1000), "ann /home/ann", "passwd: uid 1000, its name and home (the first entry wins)");
	is_str(passwd_lookup(0), "root /root", "passwd: the first line");
	is_str(passwd_lookup(1001), "empty /home/empty", "passwd: empty password and shell fields are fine");
	is_str(passwd_lookup(10), "", "passwd: a malformed uid matches nothing");
	is_str(passwd_lookup(5), "", "passwd: a short line is skipped");
	is_str(passwd_lookup(4242), "", "passwd: an unknown uid is not found");
	ok(!passwd_find(none, 0, &name, &home), "passwd: empty text");
}

static void test_env_get(void)
{
	char *env[] = { "PATHX=no", "PATH=/bin", "EMPTY=", "NOEQ", NULL };

	is_str(env_get(env, "PATH"), "/bin", "env_get: the exact name, not a longer one that starts with it");
	is_str(env_get(env, "EMPTY"), "", "env_get: an empty value");
	ok(!env_get(env, "NOEQ") && !env_get(env, "PAT"), "env_get: an entry without '=' and a prefix are not found");
	ok(!env_get(NULL, "PATH"), "env_get: a NULL vector has nothing");
	is_str(env_getn(env, "PATH}rest", 4), "/bin", "env_getn: the name is the first len bytes");
}

/* The small-file reader's contract: size cap, truncation on request, FIFOs, symlinks, NULs. */
static void test_read_file(void)
{
	char dir[] = "/tmp/drop-test-util-XXXXXX";
	char big[5000];
	autofree char *text = NULL;
	size_t len = 0;
	int dfd;

	if (!mkdtemp(dir) || (dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ok(0, "read_file_at: a scratch directory");
		return;
	}
	memset(big, 'x', sizeof(big));
	write_file_at(dfd, "big", big, sizeof(big), 0600);
	write_file_at(dfd, "nul", "a\0b", 3, 0600);
	mkfifoat(dfd, "fifo", 0600);
	symlinkat("big", dfd, "link");

	ok(read_file_at(dfd, "big", sizeof(big), 0, &text, &len) == 0 && len == sizeof(big) && text[len] == '\0',
	   "read_file_at: a file of exactly cap bytes is read whole");
	free(text);
	errno = 0;
	ok(read_file_at(dfd, "big", sizeof(big) - 1, 0, &text, &len) < 0 && errno == EFBIG && !text,
	   "read_file_at: one byte over cap is EFBIG, not a silent cut");
	ok(read_file_at(dfd, "big", 100, READ_TRUNCATE, &text, &len) == 0 && len == 100 && strlen(text) == 100,
	   "read_file_at: READ_TRUNCATE keeps the first cap bytes");
	free(text);
	ok(read_file_at(dfd, "nul", 10, 0, &text, &len) == 0 && len == 3 && text[2] == 'b',
	   "read_file_at: NUL bytes inside are kept, len counts them");
	free(text);
	errno = 0;
	ok(read_file_at(dfd, "fifo", 10, READ_REGULAR, &text, &len) < 0 && errno == EINVAL,
	   "read_file_at: READ_REGULAR refuses a FIFO without hanging on it");
	errno = 0;
	ok(read_file_at(dfd, "link", sizeof(big), READ_NOFOLLOW, &text, &len) < 0 && errno == ELOOP,
	   "read_file_at: READ_NOFOLLOW refuses a symlink");
	ok(read_file_at(dfd, "link", sizeof(big), 0, &text, &len) == 0 && len == sizeof(big),
	   "read_file_at: control: without it the symlink is followed");
	free(text);
	text = NULL;
	ok(read_file_at(AT_FDCWD, "/proc/self/maps", 1 << 20, 0, &text, &len) == 0 && len > 0 && strlen(text) == len,
	   "read_file_at: a /proc file (no size) is read to its end");
	for (const char *n = "big\0nul\0fifo\0link\0"; *n; n += strlen(n) + 1)
		unlinkat(dfd, n, 0);
	close(dfd);
	rmdir(dir);
}

int main(void)
{
	test_paths();
	test_expand_join_under();
	test_sizes();
	test_durations();
	test_numbers();
	test_edit_distance();
	test_glob();
	test_env_ids();
	test_strv();
	test_passwd();
	test_env_get();
	test_read_file();
	return tap_done();
}
