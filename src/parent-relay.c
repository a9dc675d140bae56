/* parent-relay.c: the terminal and stream relay: raw mode, poll loop, window size, signal forwarding, output filter. */
#include "parent-relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "parent-termfilter.h"
#include "proto.h"
#include "sys.h"

/* A pty hands out at most 4 KiB per read; pipes give more, in a few more reads. */
#define RELAY_BUF 16384

/* cfmakeraw's input side only: c_oflag and c_cflag stay as the user had them. */
static void make_raw_input(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

void term_enter_raw(struct term_state *t, int fd)
{
	struct termios raw;

	t->fd = -1;
	t->raw = false;
	t->opost_off = false;
	if (fd < 0 || tcgetattr(fd, &t->saved) < 0)
		return;
	raw = t->saved;
	make_raw_input(&raw);
	if (tcsetattr(fd, TCSADRAIN, &raw) < 0)
		return;
	t->fd = fd;
	t->raw = true;
}

void term_output_follows(struct term_state *t, bool processed)
{
	struct termios raw;

	if (!t->raw || t->opost_off == !processed || !(t->saved.c_oflag & OPOST))
		return;
	raw = t->saved;
	make_raw_input(&raw);
	if (!processed)
		raw.c_oflag &= ~(tcflag_t)OPOST;
	if (tcsetattr(t->fd, TCSADRAIN, &raw) == 0)
		t->opost_off = !processed;
}

void term_restore(struct term_state *t)
{
	if (!t->raw)
		return;
	/* A dead terminal cannot be restored; that is not an error worth reporting. */
	tcsetattr(t->fd, TCSADRAIN, &t->saved);
	t->raw = false;
}

/* One direction of the relay: bytes read from src wait in buf until dst takes them. */
struct pipe_dir {
	int src;
	int dst;
	bool close_dst_on_eof;  /* stdin: the program must see EOF */
	bool src_ours;          /* src is drop's own non-blocking fd (pty master, pipe): drain it in a loop */
	char *buf;              /* RELAY_BUF bytes, allocated on first use */
	size_t len;
	size_t off;
	bool eof;
	uint64_t cap;           /* max_output for this stream, 0 = none */
	uint64_t written;
	bool *truncated;        /* set once bytes past cap were dropped */
	struct termfilter *filter;  /* output to the host terminal: what it must not be told (SPEC 5), NULL if none */
	uint8_t *raw;           /* with a filter: RELAY_BUF bytes as read, before the filter */
	int pty;                /* output of the sandbox's pty to a host terminal: the master, else -1 */
	struct term_state *term;    /* that host terminal when drop put it in raw mode, else NULL */
	bool host_nl;           /* without term: the host terminal turns \n into \r\n itself */
	bool cr_pending;        /* a \r ended the last chunk: it goes unless a \n follows */
};

static void dir_close_src(struct pipe_dir *d)
{
	/* The host's own stdio stays open: drop still writes its messages there. */
	if (d->src > STDERR_FILENO)
		close(d->src);
	d->src = -1;
	d->eof = true;
}

static void dir_close_dst(struct pipe_dir *d)
{
	if (d->dst >= 0 && d->close_dst_on_eof)
		close(d->dst);
	d->dst = -1;
}

/* Only streams that carry data cost memory: drop stays small while it relays. */
static bool dir_alloc(struct pipe_dir *d)
{
	if (d->buf)
		return true;
	/* One byte more: a \r held back from the chunk before (strip_cr). */
	if (!d->filter)
		return (d->buf = malloc(RELAY_BUF + 1)) != NULL;
	d->raw = malloc(RELAY_BUF);
	d->buf = malloc(TERMFILTER_OUT(RELAY_BUF) + 1);
	return d->raw && d->buf;
}

static bool onlcr(const struct termios *t)
{
	return (t->c_oflag & OPOST) && (t->c_oflag & ONLCR);
}

/* \r\n becomes \n; a \r at the end waits for the next chunk, which may start with its \n. */
static void strip_cr(struct pipe_dir *d)
{
	char *b = d->buf;
	size_t n = d->len, w = 0, i = 0;

	if (n == 0)
		return; /* all of the chunk held by the filter: a pending \r keeps waiting */
	if (d->cr_pending) {
		d->cr_pending = false;
		if (b[0] != '\n') {
			memmove(b + 1, b, n);
			b[0] = '\r';
			n++;
		}
	}
	while (i < n) {
		char *cr = memchr(b + i, '\r', n - i);
		size_t end = cr ? (size_t)(cr - b) : n;

		if (w != i)
			memmove(b + w, b + i, end - i);
		w += end - i;
		i = end;
		if (!cr)
			break;
		if (i + 1 == n)
			d->cr_pending = true;
		else if (b[i + 1] != '\n')
			b[w++] = '\r';
		i++;
	}
	d->len = w;
}

/*
 * The host terminal keeps its output processing (SPEC 5), and the sandbox's
 * pty already turned each \n into \r\n: where the host does that too, the
 * \r goes, or every line would end in \r\r\n. A program that turns its
 * pty's output processing off (a full-screen one) may mean a bare \n; while
 * it does, the raw host terminal's output processing is off too.
 */
static void host_newlines(struct pipe_dir *d)
{
	struct termios in;
	bool sandbox_nl, host_nl;

	if (tcgetattr(d->pty, &in) < 0)
		return;
	sandbox_nl = onlcr(&in);
	if (d->term)
		term_output_follows(d->term, sandbox_nl);
	host_nl = d->term ? onlcr(&d->term->saved) && !d->term->opost_off : d->host_nl;
	if (sandbox_nl && host_nl)
		strip_cr(d);
}

/* Returns what read returned. */
static ssize_t dir_read(struct pipe_dir *d)
{
	ssize_t n;

	if (!dir_alloc(d)) {
		dir_close_src(d);
		return -1;
	}
	n = read(d->src, d->filter ? d->raw : (uint8_t *)d->buf, RELAY_BUF);

	if (n > 0) {
		d->len = d->filter ? termfilter_run(d->filter, d->raw, (size_t)n, (uint8_t *)d->buf) : (size_t)n;
		d->off = 0;
		if (d->pty >= 0)
			host_newlines(d);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		dir_close_src(d); /* EOF, or EIO from a pty master whose slaves are gone */
	}
	return n;
}

/* Past max_output the program keeps running; what it writes is read and dropped. */
static bool dir_apply_cap(struct pipe_dir *d)
{
	uint64_t room;

	if (!d->cap)
		return false;
	room = d->cap - d->written;
	if (d->len - d->off <= room)
		return false;
	d->len = d->off + (size_t)room;
	*d->truncated = true;
	return d->len == d->off;
}

static void dir_write(struct pipe_dir *d)
{
	ssize_t n;

	if (dir_apply_cap(d)) {
		d->len = d->off = 0;
		return;
	}
	n = write(d->dst, d->buf + d->off, d->len - d->off);
	if (n > 0)
		d->written += (uint64_t)n;

	if (n > 0) {
		d->off += (size_t)n;
		if (d->off == d->len)
			d->len = d->off = 0;
	} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
		/* The reader went away (EPIPE): drop this stream, keep the others. */
		d->len = d->off = 0;
		dir_close_dst(d);
	}
}

/*
 * Read and write at once (a poll for POLLOUT in between would double the
 * syscalls per chunk); a source of our own is drained a few chunks at a
 * time, then the loop polls again so that no direction starves the others.
 */
#define PUMP_CHUNKS 16

static void dir_pump(struct pipe_dir *d)
{
	for (int i = 0; i < PUMP_CHUNKS; i++) {
		if (dir_read(d) > 0 && d->len == 0)
			continue; /* all of it held by the filter (a sequence split across reads) */
		if (d->len == 0 || d->dst < 0)
			return;
		dir_write(d);
		if (d->len > 0 || !d->src_ours || d->eof)
			return; /* the destination is full, or a host fd that could block the next read */
	}
}

static void forward_winsize(int from, int master)
{
	struct winsize ws;

	if (from >= 0 && master >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/*
 * Stop drop itself. SIGTSTP is blocked (it waits in the signalfd): raised and
 * unblocked, it acts at once with its default action, which the kernel
 * discards in an orphaned process group (nobody there could continue drop),
 * so drop then simply goes on. SIGSTOP always stops.
 */
static void stop_self(int sig)
{
	sigset_t tstp;

	if (sig == SIGSTOP) {
		kill(getpid(), SIGSTOP);
		return;
	}
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	kill(getpid(), SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &tstp, NULL);
	sigprocmask(SIG_BLOCK, &tstp, NULL);
}

/*
 * Stop like a shell job: the host terminal is restored first, so the user's
 * shell gets its prompt back; once continued (fg), the terminal goes back to
 * relay mode and a stopped program is continued. Returns whether the SIGCONT
 * that woke drop waits in the signalfd (it was answered here already).
 */
static bool job_stop(const struct relay_fds *fds, int sig, bool program_stopped)
{
	int fd = fds->term ? fds->term->fd : -1;
	sigset_t pending;

	if (fds->term)
		term_restore(fds->term);
	stop_self(sig);
	if (fd >= 0)
		term_enter_raw(fds->term, fd);
	if (fds->master >= 0)
		forward_winsize(fds->tty_in >= 0 ? fds->tty_in : fds->tty_out, fds->master);
	if (program_stopped)
		sys_pidfd_send_signal(fds->pidfd, SIGCONT);
	return sigpending(&pending) == 0 && sigismember(&pending, SIGCONT);
}

static void handle_signal(const struct relay_fds *fds, bool *skip_cont)
{
	struct signalfd_siginfo si;

	while (read(fds->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGWINCH:
			forward_winsize(fds->tty_in >= 0 ? fds->tty_in : fds->tty_out, fds->master);
			break;
		case SIGTSTP:
			/* On a pty, stopped from outside (kill -TSTP drop): like ssh, drop alone stops. */
			if (fds->master >= 0)
				*skip_cont = job_stop(fds, SIGSTOP, false);
			else
				sys_pidfd_send_signal(fds->pidfd, SIGTSTP);
			break;
		case SIGCONT:
			if (*skip_cont)
				*skip_cont = false;
			else if (fds->master < 0)
				sys_pidfd_send_signal(fds->pidfd, SIGCONT);
			break;
		case SIGCHLD:
			break;
		default:
			sys_pidfd_send_signal(fds->pidfd, (int)si.ssi_signo);
		}
	}
}

struct relay {
	struct pipe_dir dirs[4];  /* to pty or stdin pipe, from pty, from stdout, from stderr */
	size_t n;
	size_t first_output;      /* dirs from here on are output; input does not keep the relay alive */
	bool skip_cont;           /* the SIGCONT that ended drop's own stop was answered already */
};

static struct pipe_dir *relay_add(struct relay *r, int src, int dst, bool close_dst)
{
	struct pipe_dir *d;

	if (src < 0 || dst < 0) {
		if (src >= 0)
			close(src);
		if (close_dst && dst >= 0)
			close(dst);
		return NULL;
	}
	d = &r->dirs[r->n++];
	*d = (struct pipe_dir){ .src = src, .dst = dst, .close_dst_on_eof = close_dst, .pty = -1 };
	return d;
}

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Only drop's own fds become non-blocking: flags of a host fd are shared with other processes. */
static void mark_ours(struct pipe_dir *d)
{
	if (!d)
		return;
	set_nonblocking(d->src);
	d->src_ours = true;
}

static void cap_stream(struct pipe_dir *d, uint64_t cap, bool *truncated)
{
	if (!d)
		return;
	d->cap = cap;
	d->truncated = truncated;
}

/* The pty's output goes to a host terminal: the one drop made raw, or another one it leaves alone. */
static void watch_newlines(struct pipe_dir *d, const struct relay_fds *fds)
{
	struct stat a, b;
	struct termios host;

	d->pty = fds->master;
	if (fds->term && fds->term->raw && fstat(fds->term->fd, &a) == 0 && fstat(d->dst, &b) == 0 &&
	    a.st_rdev == b.st_rdev) {
		d->term = fds->term;
		return;
	}
	d->host_nl = tcgetattr(d->dst, &host) == 0 && onlcr(&host);
}

/* Build the poll set: read only when the buffer is empty (backpressure), write when it is not. */
static nfds_t relay_pollset(struct relay *r, const struct relay_fds *fds, struct pollfd *pfd, bool child_done,
			    nfds_t *sig_idx, nfds_t *status_idx)
{
	nfds_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		struct pipe_dir *d = &r->dirs[i];
		if (d->len > 0 && d->dst >= 0)
			pfd[n++] = (struct pollfd){ .fd = d->dst, .events = POLLOUT };
		else if (!d->eof && d->src >= 0)
			pfd[n++] = (struct pollfd){ .fd = d->src, .events = POLLIN };
	}
	*sig_idx = n;
	pfd[n++] = (struct pollfd){ .fd = fds->sigfd, .events = POLLIN };
	*status_idx = n;
	if (!child_done) {
		pfd[n++] = (struct pollfd){ .fd = fds->status_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = fds->pidfd, .events = POLLIN };
	}
	return n;
}

static void relay_step(struct relay *r, const struct pollfd *pfd, nfds_t n)
{
	for (nfds_t k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		for (size_t i = 0; i < r->n; i++) {
			struct pipe_dir *d = &r->dirs[i];
			if (pfd[k].events == POLLOUT && pfd[k].fd == d->dst && d->len > 0) {
				dir_write(d);
			} else if (pfd[k].events == POLLIN && pfd[k].fd == d->src && d->len == 0) {
				dir_pump(d);
			} else {
				continue;
			}
			if (d->eof && d->len == 0)
				dir_close_dst(d);
		}
	}
}

/* Output streams still open; input (index 0) does not keep the relay alive. */
static bool outputs_open(const struct relay *r, size_t first_output)
{
	for (size_t i = first_output; i < r->n; i++)
		if (!r->dirs[i].eof || r->dirs[i].len > 0)
			return true;
	return false;
}

/* What the program wrote before it stopped reaches the host before drop stops. */
static void flush_outputs(struct relay *r, size_t first_output)
{
	for (size_t i = first_output; i < r->n; i++) {
		struct pipe_dir *d = &r->dirs[i];
		if (d->len > 0 && d->dst >= 0)
			dir_write(d);
		if (d->len == 0 && d->src_ours && !d->eof)
			dir_pump(d);
	}
}

/* A record from pid 1: the program stopped (drop stops too) or ended. True at the end. */
static bool on_record(struct relay *r, size_t first_output, const struct relay_fds *fds, struct relay_result *res)
{
	struct drop_err err;
	int ws;
	uint64_t rss;

	if (proto_recv_status(fds->status_fd, &ws, &rss, &err) < 0)
		return true; /* pid 1 died without reporting: the pidfd tells */
	if (WIFSTOPPED(ws)) {
		flush_outputs(r, first_output);
		r->skip_cont = job_stop(fds, WSTOPSIG(ws) == SIGSTOP ? SIGSTOP : SIGTSTP, true);
		return false;
	}
	res->wait_status = ws;
	res->maxrss_kib = rss;
	res->reported = true;
	return true;
}

static int exit_code_of(int wait_status)
{
	return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

/* Without a report, pid 1's own end: killed (e.g. by the timeout's SIGKILL) or exited. */
static int wait_status(int pidfd)
{
	siginfo_t si = { 0 };

	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
		return DROP_ESETUP;
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status;
}

/* [limits] timeout: SIGTERM first, then SIGKILL after 2 s (SPEC 6). */
static int arm_timer(int tfd, uint64_t ms)
{
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 } };

	return timerfd_settime(tfd, 0, &its, NULL);
}

static void on_timeout(const struct relay_fds *fds, int tfd, struct relay_result *res)
{
	uint64_t ticks;

	if (read(tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;
	if (!res->timed_out) {
		res->timed_out = true;
		sys_pidfd_send_signal(fds->pidfd, SIGTERM);
		arm_timer(tfd, 2000);
	} else {
		sys_pidfd_send_signal(fds->pidfd, SIGKILL);
	}
}

void relay_init(struct relay_fds *fds)
{
	*fds = (struct relay_fds){ .master = -1, .tty_out = -1, .tty_in = -1, .stdin_pipe = -1, .stdout_pipe = -1,
				   .stderr_pipe = -1, .pidfd = -1, .status_fd = -1, .sigfd = -1, .end_pidfd = -1,
				   .event_fd = -1 };
}

void relay_free(struct relay_fds *fds)
{
	if (!fds)
		return;
	int *owned[] = { &fds->master, &fds->stdin_pipe, &fds->stdout_pipe, &fds->stderr_pipe };

	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		if (*owned[i] >= 0)
			close(*owned[i]);
		*owned[i] = -1;
	}
}

/* The directions, each owning what relay_fds gave it (stolen from fds), and the pty output's filter. */
static int relay_setup(struct relay *r, struct relay_fds *fds, struct relay_result *res, struct drop_err *err)
{
	int stdin_pipe = steal_fd(&fds->stdin_pipe);
	struct pipe_dir *out;

	relay_add(r, fds->tty_in >= 0 && fds->master >= 0 ? fds->tty_in : -1, fds->master, false);
	relay_add(r, stdin_pipe >= 0 ? STDIN_FILENO : -1, stdin_pipe, true);
	r->first_output = r->n;
	out = relay_add(r, fds->master >= 0 ? fcntl(fds->master, F_DUPFD_CLOEXEC, 0) : -1, fds->tty_out, false);
	mark_ours(out);
	if (out)
		watch_newlines(out, fds);
	if (out && fds->filter_terminal) {
		out->filter = malloc(sizeof(*out->filter));
		if (!out->filter)
			return err_sys(err, DROP_ESETUP, "out of memory");
		termfilter_init(out->filter);
	}
	out = relay_add(r, steal_fd(&fds->stdout_pipe), STDOUT_FILENO, false);
	mark_ours(out);
	cap_stream(out, fds->max_output, &res->truncated[0]);
	out = relay_add(r, steal_fd(&fds->stderr_pipe), STDERR_FILENO, false);
	mark_ours(out);
	cap_stream(out, fds->max_output, &res->truncated[1]);
	return 0;
}

static void relay_close(struct relay *r)
{
	for (size_t i = 0; i < r->n; i++) {
		dir_close_src(&r->dirs[i]);
		dir_close_dst(&r->dirs[i]);
		free(r->dirs[i].buf);
		free(r->dirs[i].raw);
		free(r->dirs[i].filter);
	}
	r->n = 0;
}

/* Until pid 1 is gone and every output stream has hit EOF: the last bytes always arrive. */
static int relay_loop(struct relay *r, const struct relay_fds *fds, int tfd, struct relay_result *res,
		      struct drop_err *err)
{
	struct pollfd pfd[11];
	bool child_done = false;
	bool hup_sent = false;
	int event_fd = fds->event_fd; /* -1 once the proxy hung up */

	while (!child_done || outputs_open(r, r->first_output)) {
		nfds_t sig_idx, status_idx;
		nfds_t n = relay_pollset(r, fds, pfd, child_done, &sig_idx, &status_idx);
		nfds_t timer_idx = n;
		bool was_done = child_done;
		nfds_t event_idx;

		if (tfd >= 0 && !child_done)
			pfd[n++] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		event_idx = n;
		if (event_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = event_fd, .events = POLLIN };
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(err, DROP_ESETUP, "poll");
		}
		if (!was_done && pfd[status_idx].revents && on_record(r, r->first_output, fds, res))
			child_done = true;
		if (!was_done && pfd[status_idx + 1].revents)
			child_done = true;
		/* Nothing needs the network now: pasta's slow exit overlaps the rest. */
		if (child_done && !was_done && fds->end_pidfd >= 0)
			sys_pidfd_send_signal(fds->end_pidfd, SIGKILL);
		if (timer_idx < event_idx && pfd[timer_idx].revents)
			on_timeout(fds, tfd, res);
		if (event_idx < n && pfd[event_idx].revents && !fds->on_event(fds->event_ctx))
			event_fd = -1;
		if (pfd[sig_idx].revents & POLLIN)
			handle_signal(fds, &r->skip_cont);
		relay_step(r, pfd, sig_idx);
		if (fds->tty_in >= 0 && r->n > 0 && r->dirs[0].src < 0 && !hup_sent) {
			/* The host terminal hung up: the sandbox's session hangs up too. */
			sys_pidfd_send_signal(fds->pidfd, SIGHUP);
			hup_sent = true;
		}
	}
	/* A late answer to a query cannot reach the user's shell: unread input goes (SPEC 5). */
	if (fds->term && fds->term->raw)
		tcflush(fds->term->fd, TCIFLUSH);
	return 0;
}

int relay_run(struct relay_fds *fds, struct relay_result *res, struct drop_err *err)
{
	struct relay r = { .n = 0 };
	autoclose int tfd = -1;
	int rc = relay_setup(&r, fds, res, err);

	if (rc == 0 && fds->timeout_ms) {
		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (tfd < 0 || arm_timer(tfd, fds->timeout_ms) < 0)
			rc = err_sys(err, DROP_ESETUP, "cannot start the timeout");
	}
	if (rc == 0 && fds->master >= 0)
		forward_winsize(fds->tty_in >= 0 ? fds->tty_in : fds->tty_out, fds->master);
	if (rc == 0)
		rc = relay_loop(&r, fds, tfd, res, err);
	relay_close(&r);
	relay_free(fds);
	if (rc < 0)
		return -1;
	rc = res->reported ? exit_code_of(res->wait_status) : wait_status(fds->pidfd);
	return res->timed_out ? DROP_TIMEOUT : rc;
}
