/*
 * daemon.c: the frame of every binary (daemon.h): common flags, logging,
 * signals through a signalfd, the health/metrics server, and stopping on
 * request. What the daemon does is its run() callback's business.
 */
#include "ckube/daemon.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/httpd.h"
#include "ckube/log.h"

#define DAEMON_TABLES_MAX	8

struct daemon {
	const struct daemon_def	*def;
	const char		*kubeconfig;
	const char		*master;
	const char		*watch_bus;
	const char		*bind_address;
	const char		*port_file;
	int64_t			 port;
	int64_t			 verbosity;
	struct httpd		*httpd;
	int			 sigfd;
	int			 evfd;
	int			 wakefd;	/* daemon_wake() */
	pthread_mutex_t		 mu;
	int			 stopping;	/* under mu */
	int			 status;	/* under mu */
};

const char *
daemon_kubeconfig(const struct daemon *d)
{
	return d->kubeconfig;
}

const char *
daemon_master(const struct daemon *d)
{
	return d->master;
}

const char *
daemon_watch_bus(const struct daemon *d)
{
	return d->watch_bus != NULL && d->watch_bus[0] != '\0' ?
	    d->watch_bus : NULL;
}

const char *
daemon_name(const struct daemon *d)
{
	return d->def->name;
}

int
daemon_port(const struct daemon *d)
{
	return httpd_port(d->httpd);
}

void
daemon_set_ready(struct daemon *d, int ready)
{
	httpd_set_ready(d->httpd, ready);
}

int
daemon_client_new(struct daemon *d, struct client **out)
{
	struct client_options opt = { .user_agent = d->def->name };
	struct ck_status st;
	const char *master = d->master;
	int rc;

	if (d->kubeconfig == NULL && master == NULL)
		master = "http://127.0.0.1:8080";
	rc = client_new_from_flags(d->kubeconfig, master, &opt, out, &st);
	if (rc < 0)
		log_error("%s: client: %s", d->def->name, st.message);
	return rc;
}

void
daemon_request_stop(struct daemon *d, int status)
{
	uint64_t one = 1;

	pthread_mutex_lock(&d->mu);
	d->stopping = 1;
	if (d->status == 0)
		d->status = status;
	pthread_mutex_unlock(&d->mu);
	if (write(d->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("daemon: eventfd: %s", strerror(errno));
}

bool
daemon_stopping(struct daemon *d)
{
	bool s;

	pthread_mutex_lock(&d->mu);
	s = d->stopping != 0;
	pthread_mutex_unlock(&d->mu);
	return s;
}

int
daemon_exit_status(struct daemon *d)
{
	int s;

	pthread_mutex_lock(&d->mu);
	s = d->status;
	pthread_mutex_unlock(&d->mu);
	return s;
}

void
daemon_wake(struct daemon *d)
{
	uint64_t one = 1;

	if (write(d->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("daemon: eventfd: %s", strerror(errno));
}

int
daemon_wait_stop(struct daemon *d, uint64_t deadline_ms)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[3];
	uint64_t junk;
	uint64_t now;
	int timeout;
	bool expired;

	while (!daemon_stopping(d)) {
		/* A passed deadline still reads a pending signal (timeout 0). */
		now = ck_now_ms();
		expired = deadline_ms != CLOCK_NEVER && now >= deadline_ms;
		timeout = expired ? 0 : deadline_ms == CLOCK_NEVER ? -1 :
		    deadline_ms - now > 60000 ? 60000 :
		    (int)(deadline_ms - now);
		pfd[0] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->evfd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = d->wakefd, .events = POLLIN };
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
			fatal("%s: poll", d->def->name);
		if (pfd[0].revents & POLLIN &&
		    read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			log_info("%s: %s received, shutting down",
			    d->def->name, strsignal((int)si.ssi_signo));
			daemon_request_stop(d, 0);
		}
		if (pfd[2].revents & POLLIN &&
		    read(d->wakefd, &junk, sizeof(junk)) == (ssize_t)sizeof(junk) &&
		    !daemon_stopping(d))
			return CK_EAGAIN;
		if (expired && !daemon_stopping(d))
			return CK_ETIMEDOUT;
	}
	return 0;
}

static int
setup_signals(struct daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Before any thread starts, so every thread inherits the mask. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return CK_EIO;
	d->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	d->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return d->sigfd < 0 || d->evfd < 0 || d->wakefd < 0 ? CK_EIO : 0;
}

int
daemon_main(const struct daemon_def *def, int argc, char *argv[])
{
	struct daemon d = { .def = def, .sigfd = -1, .evfd = -1, .wakefd = -1 };
	const struct flag common[] = {
		{ "kubeconfig", FLAG_STRING, &d.kubeconfig, NULL, "Generic",
		  "path to a kubeconfig file (server, token, TLS)" },
		{ "master", FLAG_STRING, &d.master, NULL, "Generic",
		  "the apiserver's URL (overrides the kubeconfig's server)" },
		{ "watch-bus", FLAG_STRING, &d.watch_bus, NULL, "Generic",
		  "nanomsg URL of the apiserver's watch bus (none: HTTP "
		  "watches only)" },
		{ "bind-address", FLAG_STRING, &d.bind_address, "127.0.0.1",
		  "Serving", "address of the health and metrics server" },
		{ "port", FLAG_INT, &d.port,
		  def->default_port != NULL ? def->default_port : "0",
		  "Serving", "port of the health and metrics server (0: an "
		  "ephemeral port; see --port-file)" },
		{ "port-file", FLAG_STRING, &d.port_file, NULL, "Serving",
		  "write the bound port to this file" },
		{ "v", FLAG_INT, &d.verbosity, "0", "Logging",
		  "log verbosity (2: one line per reconcile, 4: decisions, "
		  "6: requests)" },
	};
	const struct flag *tables[DAEMON_TABLES_MAX];
	size_t counts[DAEMON_TABLES_MAX], n = 0, i;
	struct flags_prog prog = { def->name, def->summary,
	    def->version != NULL ? def->version : CKUBE_VERSION };
	struct httpd_config hc = { 0 };
	int rc;

	tables[n] = common;
	counts[n++] = ARRAY_SIZE(common);
	for (i = 0; i < def->nflag_tables && n < DAEMON_TABLES_MAX; i++) {
		tables[n] = def->flag_tables[i];
		counts[n++] = def->flag_counts[i];
	}
	rc = flags_parse(&prog, tables, counts, n, argc, argv);
	if (rc == FLAGS_EXIT_OK)
		return 0;
	if (rc < 0)
		return 2;
	if (d.port < 0 || d.port > 65535) {
		fprintf(stderr, "%s: --port %lld is out of range\n", def->name,
		    (long long)d.port);
		return 2;
	}
	log_init(def->name, (int)d.verbosity);
	pthread_mutex_init(&d.mu, NULL);
	if (setup_signals(&d) < 0)
		fatal("%s: signals", def->name);
	hc.bind_address = d.bind_address;
	hc.port = (int)d.port;
	hc.port_file = d.port_file;
	hc.routes = def->routes;
	hc.nroutes = def->nroutes;
	if (httpd_start(&hc, &d.httpd) < 0) {
		rc = 1;
		goto out;
	}
	log_info("%s %s: serving health and metrics on %s:%d", def->name,
	    prog.version, d.bind_address, httpd_port(d.httpd));
	rc = def->run(&d, def->arg);
	if (rc == 0)
		rc = daemon_exit_status(&d);
	log_info("%s: exiting with status %d", def->name, rc);
out:
	httpd_stop(d.httpd);
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.evfd >= 0)
		close(d.evfd);
	if (d.wakefd >= 0)
		close(d.wakefd);
	pthread_mutex_destroy(&d.mu);
	return rc;
}
