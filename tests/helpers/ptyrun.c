/* ptyrun.c: test helper: runs a command on a fresh pty as its controlling terminal and drives it with a script. */
/*
 * usage: ptyrun [-r ROWS] [-c COLS] [-n FDS] [-O FILE] [-T SECONDS] [-f FILE | -a ACTION]... -- COMMAND [ARG...]
 *
 * The command runs in a new session whose controlling terminal is the slave
 * of a new pty; fds 0, 1 and 2 are that slave except those listed in -n
 * (e.g. -n 1, -n 01), which are inherited from ptyrun as they are. ptyrun
 * keeps no other fd open in the command (the master is close-on-exec), so a
 * test can check what else reaches it. The window size starts at ROWS x COLS
 * (default 24 x 80).
 *
 * Actions run in order (-a one action, -f a file of actions, one a line,
 * '#' comments). While an action waits, ptyrun keeps reading the master and
 * appends everything to the transcript.
 *
 *   send STRING          write STRING to the master (escapes: \xHH \r \n \t \e \\)
 *   expect REGEX [MS]    wait up to MS (default 5000) until the transcript after
 *                        the end of the previous match matches REGEX (POSIX ERE,
 *                        ^ and $ at \n; the escapes of send work; lines on a pty
 *                        end in \r\n)
 *   winsize ROWS COLS    TIOCSWINSZ on the master: the kernel sends SIGWINCH
 *                        to the terminal's foreground process group
 *   sleep MS             wait MS, reading output
 *   wait MS              wait up to MS for the command to exit, read what is left,
 *                        print "ptyrun: status N" on stderr (128+N for signal N)
 *   status N             the status found by wait must be N
 *   termios-save         remember the terminal's settings (also done before the
 *                        command starts)
 *   termios-check        the terminal's settings equal the remembered ones
 *   kill SIG             send SIG (name without SIG, or number) to the command
 *   run SHELL-COMMAND    run /bin/sh -c SHELL-COMMAND (PTYRUN_PID is the
 *                        command's pid); it must exit 0
 *   no-input             nothing is waiting to be read on the terminal's input side
 *   hangup               close the master: the terminal hangs up (later actions
 *                        that need the terminal fail)
 *
 * At the end the transcript (raw bytes) goes to stdout or to -O FILE, also on
 * failure; a command still running is killed. Exit status: 0 when every action
 * succeeded, 1 when one failed (a one-line reason on stderr), 2 on usage errors.
 * -T (default 120) bounds the whole run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

struct run {
	int master;
	char slave_name[128];
	pid_t pid;
	bool reaped;
	int status;              /* exit status, 128+N for signal N */
	struct buf out;          /* everything read from the master */
	size_t cursor;           /* end of the last expect match */
	bool master_eof;
	struct termios saved;
	long long deadline_all;  /* -T */
	const char *out_file;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The command's pid, for the SIGALRM handler only. */
static volatile pid_t alarm_victim;

static void on_alarm(int sig)
{
	static const char msg[] = "ptyrun: FAILED: overall time limit (-T) reached\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	if (alarm_victim > 0)
		kill(alarm_victim, SIGKILL);
	_exit(1);
}

static void die_usage(const char *msg)
{
	fprintf(stderr, "ptyrun: %s\nusage: ptyrun [-r ROWS] [-c COLS] [-n FDS] [-O FILE] [-T SECONDS] "
		"[-f FILE | -a ACTION]... -- COMMAND [ARG...]\n", msg);
	exit(2);
}

static void buf_append(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (!b->data) {
			perror("ptyrun: realloc");
			exit(2);
		}
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Read what the master has until nothing arrives for timeout_ms (0: only what is there now). */
static void pump(struct run *r, int timeout_ms)
{
	char tmp[65536];

	while (!r->master_eof) {
		struct pollfd pfd = { .fd = r->master, .events = POLLIN };
		int n = poll(&pfd, 1, timeout_ms);
		ssize_t got;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		got = read(r->master, tmp, sizeof(tmp));
		if (got > 0) {
			/* regexec stops at NUL: keep the transcript searchable. */
			for (ssize_t i = 0; i < got; i++)
				if (tmp[i] == '\0')
					tmp[i] = '?';
			buf_append(&r->out, tmp, (size_t)got);
			timeout_ms = 0;
			continue;
		}
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		r->master_eof = true; /* EIO: no process has the slave open any more */
	}
}

static void write_transcript(struct run *r)
{
	FILE *f = stdout;

	if (r->out_file && !(f = fopen(r->out_file, "w"))) {
		fprintf(stderr, "ptyrun: cannot write %s: %s\n", r->out_file, strerror(errno));
		return;
	}
	if (r->out.len)
		fwrite(r->out.data, 1, r->out.len, f);
	fflush(f);
	if (f != stdout)
		fclose(f);
}

static void finish(struct run *r, int code)
{
	if (!r->reaped) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->reaped = true;
	}
	pump(r, 0);
	write_transcript(r);
	exit(code);
}

static __attribute__((format(printf, 2, 3))) void fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	fputs("ptyrun: FAILED: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	finish(r, 1);
}

/* Escapes of send and expect. In a regex (keep_unknown) other backslash pairs stay as they are. */
static char *unescape(const char *s, bool keep_unknown, size_t *len_out)
{
	char *o = malloc(strlen(s) + 1);
	size_t n = 0;

	if (!o)
		exit(2);
	for (const char *p = s; *p; p++) {
		if (*p != '\\' || !p[1]) {
			o[n++] = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'r': o[n++] = '\r'; break;
		case 'n': o[n++] = '\n'; break;
		case 't': o[n++] = '\t'; break;
		case 'e': o[n++] = '\033'; break;
		case 'x': {
			char hex[3] = { 0 };
			if (p[1] && p[2]) {
				hex[0] = p[1];
				hex[1] = p[2];
				o[n++] = (char)strtol(hex, NULL, 16);
				p += 2;
			}
			break;
		}
		default:
			if (keep_unknown)
				o[n++] = '\\';
			o[n++] = *p;
		}
	}
	o[n] = '\0';
	*len_out = n;
	return o;
}

static void reap_with_deadline(struct run *r, long long deadline)
{
	while (!r->reaped) {
		int st;
		pid_t p = waitpid(r->pid, &st, WNOHANG);

		if (p == r->pid) {
			r->reaped = true;
			r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
		if (now_ms() >= deadline)
			return;
		pump(r, 10);
	}
	/* Output written before exit: read until EIO (every slave closed), a little longer at most. */
	deadline = now_ms() + 2000;
	while (!r->master_eof && now_ms() < deadline)
		pump(r, 50);
}

static int signal_number(const char *name)
{
	static const struct { const char *n; int s; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
		{ "TERM", SIGTERM }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "STOP", SIGSTOP },
		{ "CONT", SIGCONT }, { "TSTP", SIGTSTP }, { "WINCH", SIGWINCH }, { "PIPE", SIGPIPE },
		{ "ALRM", SIGALRM },
	};

	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(name, sigs[i].n))
			return sigs[i].s;
	return atoi(name);
}

static void describe_termios_diff(const struct termios *a, const struct termios *b)
{
	if (a->c_iflag != b->c_iflag)
		fprintf(stderr, "ptyrun: c_iflag %#o, was %#o\n", b->c_iflag, a->c_iflag);
	if (a->c_oflag != b->c_oflag)
		fprintf(stderr, "ptyrun: c_oflag %#o, was %#o\n", b->c_oflag, a->c_oflag);
	if (a->c_cflag != b->c_cflag)
		fprintf(stderr, "ptyrun: c_cflag %#o, was %#o\n", b->c_cflag, a->c_cflag);
	if (a->c_lflag != b->c_lflag)
		fprintf(stderr, "ptyrun: c_lflag %#o, was %#o\n", b->c_lflag, a->c_lflag);
	for (int i = 0; i < NCCS; i++)
		if (a->c_cc[i] != b->c_cc[i])
			fprintf(stderr, "ptyrun: c_cc[%d] %d, was %d\n", i, b->c_cc[i], a->c_cc[i]);
}

static bool termios_equal(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
	       a->c_lflag == b->c_lflag && !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) &&
	       cfgetispeed(a) == cfgetispeed(b) && cfgetospeed(a) == cfgetospeed(b);
}

/* tcgetattr on a pty master reads the slave's settings, even after the slave is closed. */
static void get_termios(struct run *r, struct termios *t)
{
	if (tcgetattr(r->master, t) < 0)
		fail(r, "tcgetattr: %s", strerror(errno));
}

static void do_expect(struct run *r, char *arg)
{
	long timeout = 5000;
	char *last = strrchr(arg, ' ');
	char *end = NULL;
	regex_t re;
	regmatch_t m;
	size_t len;
	char *pattern;
	long long deadline;
	int rc;

	if (last) {
		long t = strtol(last + 1, &end, 10);
		if (end && *end == '\0' && end != last + 1) {
			timeout = t;
			*last = '\0';
		}
	}
	pattern = unescape(arg, true, &len);
	rc = regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &re, msg, sizeof(msg));
		fprintf(stderr, "ptyrun: bad regex '%s': %s\n", arg, msg);
		exit(2);
	}
	deadline = now_ms() + timeout;
	for (;;) {
		pump(r, 0);
		if (r->out.len >= r->cursor &&
		    regexec(&re, r->out.data ? r->out.data + r->cursor : "", 1, &m, r->cursor ? REG_NOTBOL : 0) == 0) {
			r->cursor += (size_t)m.rm_eo;
			break;
		}
		if (now_ms() >= deadline || r->master_eof) {
			regfree(&re);
			fail(r, "expect '%s': no match within %ld ms%s", arg, timeout,
			     r->master_eof ? " (the terminal closed)" : "");
		}
		pump(r, 20);
	}
	regfree(&re);
	free(pattern);
}

static void do_run(struct run *r, const char *cmd)
{
	char pidbuf[32];
	pid_t p;
	int st;

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)r->pid);
	setenv("PTYRUN_PID", pidbuf, 1);
	p = fork();
	if (p < 0)
		fail(r, "fork: %s", strerror(errno));
	if (p == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* Keep draining the terminal so the command cannot block on output meanwhile. */
	while (waitpid(p, &st, WNOHANG) == 0)
		pump(r, 10);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail(r, "run '%s': exit status %d", cmd, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void do_no_input(struct run *r)
{
	int fd = open(r->slave_name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int pending = 0;

	if (fd < 0)
		fail(r, "open %s: %s", r->slave_name, strerror(errno));
	if (ioctl(fd, FIONREAD, &pending) < 0)
		fail(r, "FIONREAD: %s", strerror(errno));
	close(fd);
	if (pending)
		fail(r, "%d byte(s) wait on the terminal's input side", pending);
}

static void run_action(struct run *r, char *line)
{
	char *arg;
	size_t n;

	while (*line == ' ' || *line == '\t')
		line++;
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (!*line || *line == '#')
		return;
	if (now_ms() > r->deadline_all)
		fail(r, "overall time limit (-T) reached before '%s'", line);
	arg = strchr(line, ' ');
	if (arg)
		*arg++ = '\0';
	else
		arg = line + n;

	if (!strcmp(line, "send")) {
		size_t len, off = 0;
		char *s = unescape(arg, false, &len);
		while (off < len) {
			ssize_t w = write(r->master, s + off, len - off);
			if (w < 0 && errno != EINTR && errno != EAGAIN)
				fail(r, "send: %s", strerror(errno));
			if (w > 0)
				off += (size_t)w;
			pump(r, 0);
		}
		free(s);
	} else if (!strcmp(line, "expect")) {
		do_expect(r, arg);
	} else if (!strcmp(line, "winsize")) {
		struct winsize ws = { 0 };
		if (sscanf(arg, "%hu %hu", &ws.ws_row, &ws.ws_col) != 2)
			die_usage("winsize ROWS COLS");
		if (ioctl(r->master, TIOCSWINSZ, &ws) < 0)
			fail(r, "TIOCSWINSZ: %s", strerror(errno));
	} else if (!strcmp(line, "sleep")) {
		long long end = now_ms() + atol(arg);
		while (now_ms() < end)
			pump(r, (int)(end - now_ms()));
	} else if (!strcmp(line, "wait")) {
		long long start = now_ms();
		reap_with_deadline(r, start + atol(arg));
		if (!r->reaped)
			fail(r, "wait: the command did not exit within %s ms", arg);
		fprintf(stderr, "ptyrun: status %d\n", r->status);
	} else if (!strcmp(line, "status")) {
		if (!r->reaped)
			fail(r, "status: no wait before");
		if (r->status != atoi(arg))
			fail(r, "status: expected %s, got %d", arg, r->status);
	} else if (!strcmp(line, "termios-save")) {
		get_termios(r, &r->saved);
	} else if (!strcmp(line, "termios-check")) {
		struct termios now;
		get_termios(r, &now);
		if (!termios_equal(&r->saved, &now)) {
			describe_termios_diff(&r->saved, &now);
			fail(r, "termios-check: the terminal's settings changed");
		}
	} else if (!strcmp(line, "kill")) {
		if (kill(r->pid, signal_number(arg)) < 0)
			fail(r, "kill %s: %s", arg, strerror(errno));
	} else if (!strcmp(line, "run")) {
		do_run(r, arg);
	} else if (!strcmp(line, "no-input")) {
		do_no_input(r);
	} else if (!strcmp(line, "hangup")) {
		close(r->master);
		r->master = -1;
		r->master_eof = true;
	} else {
		fprintf(stderr, "ptyrun: unknown action '%s'\n", line);
		exit(2);
	}
}

struct action_src {
	bool is_file;
	char *text;
};

static void run_file(struct run *r, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f) {
		fprintf(stderr, "ptyrun: cannot open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (getline(&line, &cap, f) > 0)
		run_action(r, line);
	free(line);
	fclose(f);
}

__attribute__((noreturn)) static void exec_child(int slave, const char *not_tty, char **argv)
{
	setsid();
	if (ioctl(slave, TIOCSCTTY, 0) < 0) {
		perror("ptyrun: TIOCSCTTY");
		_exit(126);
	}
	for (int fd = 0; fd < 3; fd++) {
		if (strchr(not_tty, '0' + fd))
			continue;
		if (dup2(slave, fd) < 0)
			_exit(126);
	}
	if (slave > 2)
		close(slave);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	fprintf(stderr, "ptyrun: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int main(int argc, char **argv)
{
	struct run r = { .master = -1 };
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct action_src *acts = calloc((size_t)argc, sizeof(*acts));
	size_t nacts = 0;
	const char *not_tty = "";
	long total = 120;
	int slave;
	int opt;

	if (!acts)
		return 2;
	while ((opt = getopt(argc, argv, "+r:c:n:O:T:f:a:")) != -1) {
		switch (opt) {
		case 'r': ws.ws_row = (unsigned short)atoi(optarg); break;
		case 'c': ws.ws_col = (unsigned short)atoi(optarg); break;
		case 'n': not_tty = optarg; break;
		case 'O': r.out_file = optarg; break;
		case 'T': total = atol(optarg); break;
		case 'f': acts[nacts++] = (struct action_src){ true, optarg }; break;
		case 'a': acts[nacts++] = (struct action_src){ false, optarg }; break;
		default: die_usage("bad option");
		}
	}
	if (optind >= argc)
		die_usage("no command");
	signal(SIGPIPE, SIG_IGN);
	if (openpty(&r.master, &slave, r.slave_name, NULL, &ws) < 0) {
		perror("ptyrun: openpty");
		return 2;
	}
	fcntl(r.master, F_SETFD, FD_CLOEXEC);
	fcntl(r.master, F_SETFL, O_NONBLOCK);
	/* The settings before the command ran: what termios-check compares against. */
	tcgetattr(r.master, &r.saved);
	r.deadline_all = now_ms() + total * 1000;
	/* Last resort against an action that hangs (a blocked write): the command goes too. */
	signal(SIGALRM, on_alarm);
	alarm((unsigned)total + 5);
	fflush(NULL);
	r.pid = fork();
	if (r.pid < 0) {
		perror("ptyrun: fork");
		return 2;
	}
	if (r.pid == 0) {
		close(r.master);
		exec_child(slave, not_tty, argv + optind);
	}
	alarm_victim = r.pid;
	/* Only the command holds the slave: its last close reads as EIO on the master. */
	close(slave);
	for (size_t i = 0; i < nacts; i++) {
		if (acts[i].is_file) {
			run_file(&r, acts[i].text);
		} else {
			char *copy = strdup(acts[i].text);
			run_action(&r, copy);
			free(copy);
		}
	}
	if (!r.reaped)
		fprintf(stderr, "ptyrun: the command was still running at the end of the script: killed\n");
	finish(&r, 0);
}
