/* child-helper.c: the child's second thread, while the root is assembled: the --net off/filtered network namespace (and the proxy's listener), setsid, the seccomp filter. */
#include "child-helper.h"

#include <errno.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"

void helper_init(struct child_helper *h)
{
	memset(h, 0, sizeof(*h));
	h->ns_fd = -1;
	h->listen_fd = -1;
	for (size_t i = 0; i < FILTERED_MAX_FORWARDS; i++)
		h->fwd_fds[i] = -1;
}

static int netns_failed(struct child_helper *h, const char *step)
{
	h->ns_errno = errno;
	h->ns_step = step;
	return -1;
}

static int listen_on(unsigned port, int *fd)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0 || setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(*fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(*fd, 512) < 0)
		return -1;
	return 0;
}

/*
 * The filtered network's proxy listens here, in the sandbox's namespace,
 * and runs outside it: the sockets go out to the parent (SCM_RIGHTS). The
 * proxy's port, then each tcp_host sandbox port, which the proxy relays to
 * the host's loopback.
 */
static int make_listeners(struct child_helper *h)
{
	if (listen_on(h->proxy_port, &h->listen_fd) < 0)
		return netns_failed(h, "cannot listen on 127.0.0.1 for the filtered network's proxy");
	for (size_t i = 0; h->forwards && i < h->forwards->n && i < FILTERED_MAX_FORWARDS; i++) {
		unsigned port = h->forwards->v[i].sandbox_port;

		h->n_fwd++;
		if (listen_on(port, &h->fwd_fds[i]) < 0) {
			snprintf(h->step_buf, sizeof(h->step_buf), "cannot listen on 127.0.0.1:%u inside for tcp_host%s",
				 port, port == h->proxy_port ? " (it is [net] proxy_port)" : "");
			return netns_failed(h, h->step_buf);
		}
	}
	return 0;
}

static void close_listeners(struct child_helper *h)
{
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	h->listen_fd = -1;
	for (size_t i = 0; i < h->n_fwd; i++) {
		if (h->fwd_fds[i] >= 0)
			close(h->fwd_fds[i]);
		h->fwd_fds[i] = -1;
	}
	h->n_fwd = 0;
}

/*
 * Only this thread moves into the new namespace. A socket made there brings
 * lo up (it starts down) and names the namespace for the main thread
 * (SIOCGSKNS), without going through /proc.
 */
static int make_netns(struct child_helper *h)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	autoclose int sock = -1;

	if (unshare(CLONE_NEWNET) < 0)
		return netns_failed(h, "cannot create the network namespace");
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return netns_failed(h, "cannot configure the loopback interface");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return netns_failed(h, "cannot bring the loopback interface up");
	h->ns_fd = ioctl(sock, SIOCGSKNS);
	if (h->ns_fd < 0)
		return netns_failed(h, "cannot open the network namespace");
	if (h->proxy_port && make_listeners(h) < 0) {
		close_listeners(h);
		close(h->ns_fd);
		h->ns_fd = -1;
		return -1;
	}
	return 0;
}

static void *helper_main(void *arg)
{
	struct child_helper *h = arg;

	if (h->make_netns) {
		make_netns(h);
		sem_post(&h->netns_ready);
	}
	/* Out of the host terminal's session, so that only the parent decides
	 * what reaches the sandbox (the program gets a process group in this session).
	 * setsid acts on the whole process, and it is slow where the scheduler
	 * makes an autogroup per session. */
	if (setsid() < 0)
		h->setsid_errno = errno;
	while (sem_wait(&h->setup_ready) < 0)
		;
	if (h->setup)
		h->seccomp_rc = seccomp_compile(h->setup, &h->filters, &h->seccomp_err);
	return NULL;
}

int helper_begin(struct child_helper *h, bool make_netns, unsigned proxy_port, const struct port_list *forwards,
		 struct drop_err *err)
{
	pthread_attr_t attr;
	int rc;

	h->make_netns = make_netns;
	h->proxy_port = proxy_port;
	h->forwards = forwards;
	if (sem_init(&h->netns_ready, 0, 0) < 0 || sem_init(&h->setup_ready, 0, 0) < 0 ||
	    pthread_attr_init(&attr) != 0)
		return err_sys(err, DROP_ESETUP, "cannot prepare the sandbox's helper thread");
	/* libseccomp's compiler recurses over the rule tree, but not deeply. */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	rc = pthread_create(&h->thread, &attr, helper_main, h);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		errno = rc;
		return err_sys(err, DROP_ESETUP, "cannot start the sandbox's helper thread");
	}
	h->running = true;
	return 0;
}

void helper_give_setup(struct child_helper *h, const struct drop_setup *setup)
{
	h->setup = setup;
	sem_post(&h->setup_ready);
}

int helper_enter_netns(struct child_helper *h, struct drop_err *err)
{
	int rc;

	if (!h->make_netns || h->netns_entered)
		return 0;
	while (sem_wait(&h->netns_ready) < 0)
		if (errno != EINTR)
			return err_sys(err, DROP_ESETUP, "cannot wait for the network namespace");
	h->netns_entered = true;
	if (h->ns_fd < 0 && h->ns_errno == ENOSPC)
		return err_set(err, DROP_ESETUP, "%s: the limit user.max_net_namespaces is reached; raise it with sysctl",
			       h->ns_step);
	if (h->ns_fd < 0) {
		errno = h->ns_errno;
		return err_sys(err, DROP_ESETUP, "%s", h->ns_step);
	}
	rc = setns(h->ns_fd, CLONE_NEWNET);
	close(h->ns_fd);
	h->ns_fd = -1;
	if (rc < 0)
		return err_sys(err, DROP_ESETUP, "cannot join the network namespace");
	return 0;
}

int helper_finish(struct child_helper *h, struct drop_err *err)
{
	if (helper_enter_netns(h, err) < 0)
		return -1;
	if (!h->running)
		return 0;
	pthread_join(h->thread, NULL);
	h->running = false;
	if (h->setsid_errno) {
		errno = h->setsid_errno;
		return err_sys(err, DROP_ESETUP, "cannot leave the terminal's session");
	}
	if (h->seccomp_rc < 0) {
		*err = h->seccomp_err;
		return -1;
	}
	return 0;
}
