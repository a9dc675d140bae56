/* test-report.c: the JSON run report: encoding, escaping, null fields, atomic write, path checks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-report.XXXXXX";

static char *json_of(const struct run_report *r)
{
	char *j = report_to_json(r);

	if (!j)
		tap_diag("report_to_json failed");
	return j;
}

/* The JSON string the encoder makes of one argv element, taken out of "argv":[...]. */
static char *encoded_arg(const char *arg)
{
	char *argv[] = { (char *)arg, NULL };
	struct run_report r = { .argv = argv };
	char *j = json_of(&r);
	char *start, *end, *out;

	if (!j)
		return NULL;
	start = strstr(j, "\"argv\":[") + strlen("\"argv\":[");
	end = strstr(start, "],\"status\"");
	out = strndup(start, (size_t)(end - start));
	free(j);
	return out;
}

static void check_arg(const char *arg, const char *want, const char *what)
{
	char *got = encoded_arg(arg);

	is_str(got, want, "escaping: %s", what);
	free(got);
}

static void test_escaping(void)
{
	check_arg("plain", "\"plain\"", "plain ASCII");
	check_arg("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash");
	check_arg("x\ny\tz\r", "\"x\\u000ay\\u0009z\\u000d\"", "newline, tab, CR as \\u00XX");
	check_arg("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"", "control characters; DEL passes");
	check_arg("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		  "valid 2, 3 and 4 byte UTF-8 passes through");
	check_arg("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"", "U+10FFFF is valid");
	check_arg("a\xff" "b", "\"a\\ufffdb\"", "a stray 0xff becomes U+FFFD");
	check_arg("\xc3\x28", "\"\\ufffd(\"", "a bad continuation byte");
	check_arg("\xc0\xaf", "\"\\ufffd\\ufffd\"", "an overlong encoding");
	check_arg("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "a UTF-16 surrogate");
	check_arg("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "beyond U+10FFFF");
	check_arg("end\xe2\x82", "\"end\\ufffd\\ufffd\"", "a sequence cut off at the end");
	check_arg("", "\"\"", "the empty string");
}

static void test_nulls(void)
{
	struct run_report r = { .status = REPORT_ERROR, .duration_ms = 3, .startup_ms = 3 };
	char *j = json_of(&r);

	is_str(j,
	       "{\"env\":null,\"argv\":[],\"status\":\"error\",\"exit_code\":null,\"signal\":null,"
	       "\"duration_ms\":3,\"startup_ms\":3,\"peak_memory_bytes\":null,\"stdout_truncated\":false,"
	       "\"stderr_truncated\":false,\"limits\":{\"memory\":null,\"pids\":null,\"cpus\":null,"
	       "\"timeout_ms\":null,\"max_output\":null,\"mechanism\":\"none\",\"unenforced\":[]},"
	       "\"error\":null}\n",
	       "every optional field is null, argv is [], mechanism defaults to none");
	free(j);
}

static void test_network(void)
{
	const struct report_denial denied[] = { { "evil.test", 443, 2 }, { "2001:db8::1", 80, 1 } };
	struct run_report r = { .status = REPORT_EXITED, .network = { .filtered = true, .allowed = 5, .denied = denied,
									   .n_denied = 2 } };
	struct run_report none = { .status = REPORT_EXITED, .network = { .filtered = true } };
	char *j = json_of(&r);

	ok(j && strstr(j, ",\"error\":null,\"network\":{\"mode\":\"filtered\",\"allowed\":5,\"denied\":["
			  "{\"host\":\"evil.test\",\"port\":443,\"count\":2},"
			  "{\"host\":\"2001:db8::1\",\"port\":80,\"count\":1}]}}\n"),
	   "filtered: the network object with allowed and each denied destination");
	free(j);
	j = json_of(&none);
	ok(j && strstr(j, "\"network\":{\"mode\":\"filtered\",\"allowed\":0,\"denied\":[]}"),
	   "filtered with nothing refused: an empty denied list");
	free(j);
}

static void test_full(void)
{
	char *argv[] = { "sh", "-c", "echo hi", NULL };
	const char *unenforced[] = { "cpus", NULL };
	struct run_report r = {
		.env = "proj", .argv = argv, .status = REPORT_EXITED, .has_exit_code = true, .exit_code = 3,
		.duration_ms = 1234, .startup_ms = 56, .has_peak_memory = true, .peak_memory_bytes = 1048576,
		.stdout_truncated = true,
		.limits = { .memory = 67108864, .pids = 20, .cpus_milli = 1500, .timeout_ms = 10000,
			    .max_output = 1024, .mechanism = "rlimit", .unenforced = unenforced },
		.error = "it said \"no\"",
	};
	char *j = json_of(&r);

	is_str(j,
	       "{\"env\":\"proj\",\"argv\":[\"sh\",\"-c\",\"echo hi\"],\"status\":\"exited\",\"exit_code\":3,"
	       "\"signal\":null,\"duration_ms\":1234,\"startup_ms\":56,\"peak_memory_bytes\":1048576,"
	       "\"stdout_truncated\":true,\"stderr_truncated\":false,\"limits\":{\"memory\":67108864,"
	       "\"pids\":20,\"cpus\":1.5,\"timeout_ms\":10000,\"max_output\":1024,\"mechanism\":\"rlimit\","
	       "\"unenforced\":[\"cpus\"]},\"error\":\"it said \\\"no\\\"\"}\n",
	       "a full report, every field set");
	free(j);

	r.limits.cpus_milli = 2000;
	j = json_of(&r);
	ok(j && strstr(j, "\"cpus\":2,"), "cpus 2000 milli is written 2");
	free(j);
	r.limits.cpus_milli = 250;
	j = json_of(&r);
	ok(j && strstr(j, "\"cpus\":0.25,"), "cpus 250 milli is written 0.25");
	free(j);
}

static void test_statuses(void)
{
	static const struct {
		enum report_status s;
		const char *name;
	} all[] = { { REPORT_EXITED, "exited" },	 { REPORT_SIGNALED, "signaled" },
		    { REPORT_TIMED_OUT, "timed_out" }, { REPORT_OOM_KILLED, "oom_killed" },
		    { REPORT_KILLED, "killed" },	 { REPORT_ERROR, "error" } };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct run_report r = { .status = all[i].s, .signal = all[i].s == REPORT_SIGNALED ? 9 : 0 };
		char want[64];
		char *j = json_of(&r);

		snprintf(want, sizeof(want), "\"status\":\"%s\",", all[i].name);
		is_str(report_status_name(all[i].s), all[i].name, "status name %s", all[i].name);
		ok(j && strstr(j, want), "the report says %s", want);
		if (all[i].s == REPORT_SIGNALED)
			ok(j && strstr(j, "\"exit_code\":null,\"signal\":9,"), "signaled: exit_code null, signal 9");
		free(j);
	}
}

/* ---- files ---- */

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write(void)
{
	char dir[256], path[300], link[300];
	char *argv[] = { "true", NULL };
	struct run_report r = { .env = "e", .argv = argv, .status = REPORT_EXITED, .has_exit_code = true };
	struct drop_err err = { 0 };
	char *want = report_to_json(&r);
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/w", tmpdir);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	ok(report_write(path, &r, &err) == 0, "report_write into a fresh directory");
	is_str(slurp(path), want, "the file holds exactly the JSON");
	ok(count_entries(dir) == 1, "no temp file is left next to it");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~022u), "a new report gets 0666 & ~umask");
	chmod(path, 0640);
	r.exit_code = 7;
	ok(report_write(path, &r, &err) == 0, "report_write over an existing report");
	ok(strstr(slurp(path), "\"exit_code\":7,") != NULL, "the report was replaced");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "an existing report keeps its mode");
	snprintf(link, sizeof(link), "%s/link.json", dir);
	ok(symlink("report.json", link) == 0 && report_write(link, &r, &err) == 0, "report_write through a symlink");
	ok(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "the symlink stays a symlink (its target is replaced)");
	ok(count_entries(dir) == 2, "still no temp files after three writes");
	free(want);
}

/* A reader racing many writes only ever sees one whole report or the other. */
static void test_atomic(void)
{
	static char big_a[200000], big_b[300000];
	char path[300];
	char *argv_a[] = { big_a, NULL }, *argv_b[] = { big_b, NULL };
	struct run_report ra = { .argv = argv_a }, rb = { .argv = argv_b };
	struct drop_err err = { 0 };
	char *ja, *jb;
	int status = 0, bad = 0;
	pid_t reader;

	memset(big_a, 'a', sizeof(big_a) - 1);
	memset(big_b, 'b', sizeof(big_b) - 1);
	ja = report_to_json(&ra);
	jb = report_to_json(&rb);
	snprintf(path, sizeof(path), "%s/race.json", tmpdir);
	report_write(path, &ra, &err);
	reader = fork();
	if (reader == 0) {
		for (int i = 0; i < 2000; i++) {
			const char *got = slurp(path);
			if (!got || (strcmp(got, ja) && strcmp(got, jb)))
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < 200; i++)
		bad |= report_write(path, i % 2 ? &ra : &rb, &err) < 0;
	waitpid(reader, &status, 0);
	ok(!bad, "200 writes succeeded");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a concurrent reader never saw a missing or partial report in 2000 reads");
	free(ja);
	free(jb);
}

static void expect_path_error(const char *path, const char *needle, const char *what)
{
	struct drop_err err = { 0 };
	int rc = report_check_path(path, &err);

	ok(rc < 0 && err.status == DROP_ESETUP && strstr(err.msg, "cannot write report") && strstr(err.msg, needle),
	   "check_path: %s", what);
	if (rc == 0 || !strstr(err.msg, needle))
		tap_diag("message: %s", err.msg);
}

/* Run check_path in a child made unprivileged (or in a user namespace); returns its result and message. */
static int check_in_child(const char *path, bool drop_root, bool readonly_mount, const char *mnt, char *msg,
			  size_t len)
{
	int fds[2], status = 0;
	pid_t pid;
	ssize_t n;

	if (pipe(fds) < 0)
		return -2;
	pid = fork();
	if (pid == 0) {
		struct drop_err err = { 0 };
		int rc;
		close(fds[0]);
		if (drop_root && getuid() == 0 && (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0))
			_exit(3);
		if (readonly_mount) {
			/* A private read-only tmpfs: a real EROFS with no privilege needed. */
			if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 ||
			    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			    mount("tmpfs", mnt, "tmpfs", MS_RDONLY, NULL) < 0)
				_exit(4);
		}
		rc = report_check_path(path, &err);
		if (write(fds[1], err.msg, strlen(err.msg)) < 0)
			_exit(5);
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_path_errors(void)
{
	char dir[256], path[300], msg[1024];
	struct drop_err err = { 0 };
	int rc;

	expect_path_error("", "empty file name", "an empty name");
	expect_path_error(tmpdir, "is a directory", "a directory");
	expect_path_error("/dev/null", "not a regular file", "a device");
	expect_path_error("/nonexistent-dir-xyz/r.json", "No such file or directory", "a missing directory");
	snprintf(path, sizeof(path), "%s/w/report.json/x", tmpdir);
	expect_path_error(path, "not a directory", "a file used as a directory");
	snprintf(path, sizeof(path), "%s/ok.json", tmpdir);
	ok(report_check_path(path, &err) == 0, "check_path: a new file in a writable directory");
	ok(count_entries(tmpdir) == 2, "check_path leaves no probe file behind");

	snprintf(dir, sizeof(dir), "%s/locked", tmpdir);
	mkdir(dir, 0755);
	if (getuid() != 0)
		chmod(dir, 0555);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	rc = check_in_child(path, true, false, NULL, msg, sizeof(msg));
	ok(rc == 1 && strstr(msg, "Permission denied") && strstr(msg, "choose a directory you can write to"),
	   "check_path: a directory without write permission");
	if (rc != 1)
		tap_diag("rc %d: %s", rc, msg);

	snprintf(dir, sizeof(dir), "%s/ro", tmpdir);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	rc = check_in_child(path, false, true, dir, msg, sizeof(msg));
	ok(rc == 1 && strstr(msg, "Read-only file system") && strstr(msg, "read-only"),
	   "check_path: a read-only file system");
	if (rc != 1)
		tap_diag("rc %d: %s", rc, msg);
	chmod(tmpdir, 0755);
}

int main(void)
{
	umask(022);
	if (!mkdtemp(tmpdir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	chmod(tmpdir, 0755);
	test_escaping();
	test_nulls();
	test_full();
	test_network();
	test_statuses();
	test_write();
	test_atomic();
	test_path_errors();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", tmpdir);
	}
	return tap_done();
}
