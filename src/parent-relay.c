/* parent-relay.c: the terminal and stream relay: raw mode, poll loop, window size, signal forwarding. */
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
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

/* A pty hands out at most 4 KiB per read; pipes give more, in a few more reads. */
#define RELAY_BUF 16384

void term_enter_raw(struct term_state *t, int fd)
{
	struct termios raw;

	t->fd = -1;
	t->raw = false;
	if (fd < 0 || tcgetattr(fd, &t->saved) < 0)
		return;
	raw = t->saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSADRAIN, &raw) < 0)
		return;
	t->fd = fd;
	t->raw = true;
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

static void dir_read(struct pipe_dir *d)
{
	ssize_t n;

	/* Only streams that carry data cost memory: drop stays small while it relays. */
	if (!d->buf && !(d->buf = malloc(RELAY_BUF))) {
		dir_close_src(d);
		return;
	}
	n = read(d->src, d->buf, RELAY_BUF);

	if (n > 0) {
		d->len = (size_t)n;
		d->off = 0;
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		dir_close_src(d); /* EOF, or EIO from a pty master whose slaves are gone */
	}
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
		dir_read(d);
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

/* Stopped from outside (kill -TSTP drop): give the terminal back while stopped, like ssh. */
static void suspend_self(const struct relay_fds *fds)
{
	int fd = fds->term ? fds->term->fd : -1;

	if (fd < 0)
		return;
	term_restore(fds->term);
	kill(getpid(), SIGSTOP);
	/* Running again: SIGCONT is pending in the signalfd, the raw mode comes back now. */
	term_enter_raw(fds->term, fd);
	forward_winsize(fds->tty_in >= 0 ? fds->tty_in : fds->tty_out, fds->master);
}

static void handle_signal(const struct relay_fds *fds)
{
	struct signalfd_siginfo si;

	while (read(fds->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGWINCH:
			forward_winsize(fds->tty_in >= 0 ? fds->tty_in : fds->tty_out, fds->master);
			break;
		case SIGTSTP:
			if (fds->master >= 0)
				suspend_self(fds);
			else
				sys_pidfd_send_signal(fds->pidfd, SIGTSTP);
			break;
		case SIGCONT:
			if (fds->master < 0)
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
	*d = (struct pipe_dir){ .src = src, .dst = dst, .close_dst_on_eof = close_dst };
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

/* pid 1's own report: u32 wait status, u64 peak RSS; anything else means it died without reporting. */
static void read_reported_status(int fd, struct relay_result *res)
{
	uint8_t buf[12];
	uint64_t rss = 0;

	if (read(fd, buf, sizeof(buf)) != sizeof(buf))
		return;
	res->wait_status = (int)((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3]);
	for (int i = 0; i < 8; i++)
		rss = rss << 8 | buf[4 + i];
	res->maxrss_kib = rss;
	res->reported = true;
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

int relay_run(struct relay_fds *fds, struct relay_result *res, struct drop_err *err)
{
	struct relay r = { .n = 0 };
	struct pipe_dir *out;
	struct pollfd pfd[11];
	int tfd = -1;
	int code;
	bool child_done = false;
	bool hup_sent = false;
	size_t first_output;

	relay_add(&r, fds->tty_in >= 0 && fds->master >= 0 ? fds->tty_in : -1, fds->master >= 0 ? fds->master : -1, false);
	relay_add(&r, fds->stdin_pipe >= 0 ? STDIN_FILENO : -1, fds->stdin_pipe, true);
	first_output = r.n;
	mark_ours(relay_add(&r, fds->master >= 0 ? dup(fds->master) : -1, fds->tty_out, false));
	out = relay_add(&r, fds->stdout_pipe, STDOUT_FILENO, false);
	mark_ours(out);
	cap_stream(out, fds->max_output, &res->truncated[0]);
	out = relay_add(&r, fds->stderr_pipe, STDERR_FILENO, false);
	mark_ours(out);
	cap_stream(out, fds->max_output, &res->truncated[1]);
	if (fds->timeout_ms) {
		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (tfd < 0 || arm_timer(tfd, fds->timeout_ms) < 0)
			return err_sys(err, DROP_ESETUP, "cannot start the timeout");
	}
	if (fds->master >= 0)
		forward_winsize(fds->tty_in >= 0 ? fds->tty_in : fds->tty_out, fds->master);
	/* Until pid 1 is gone and every output stream has hit EOF: the last bytes always arrive. */
	while (!child_done || outputs_open(&r, first_output)) {
		nfds_t sig_idx, status_idx;
		nfds_t n = relay_pollset(&r, fds, pfd, child_done, &sig_idx, &status_idx);
		nfds_t timer_idx = n;
		bool was_done = child_done;

		nfds_t event_idx;

		if (tfd >= 0 && !child_done)
			pfd[n++] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		event_idx = n;
		if (fds->event_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = fds->event_fd, .events = POLLIN };
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(err, DROP_ESETUP, "poll");
		}
		if (!was_done && pfd[status_idx].revents) {
			read_reported_status(fds->status_fd, res);
			child_done = true;
		}
		if (!was_done && pfd[status_idx + 1].revents)
			child_done = true;
		if (timer_idx < event_idx && pfd[timer_idx].revents)
			on_timeout(fds, tfd, res);
		if (event_idx < n && pfd[event_idx].revents && !fds->on_event(fds->event_ctx))
			fds->event_fd = -1;
		if (pfd[sig_idx].revents & POLLIN)
			handle_signal(fds);
		relay_step(&r, pfd, sig_idx);
		if (fds->tty_in >= 0 && r.n > 0 && r.dirs[0].src < 0 && !hup_sent) {
			/* The host terminal hung up: the sandbox's session hangs up too. */
			sys_pidfd_send_signal(fds->pidfd, SIGHUP);
			hup_sent = true;
		}
	}
	for (size_t i = 0; i < r.n; i++) {
		dir_close_src(&r.dirs[i]);
		dir_close_dst(&r.dirs[i]);
		free(r.dirs[i].buf);
	}
	if (fds->master >= 0)
		close(fds->master);
	if (tfd >= 0)
		close(tfd);
	code = res->reported ? exit_code_of(res->wait_status) : wait_status(fds->pidfd);
	return res->timed_out ? DROP_TIMEOUT : code;
}
