/*
 * daemon.h: the frame of every ckube binary (FRR's libfrr): the common
 * flags, klog setup, signals (SIGTERM/SIGINT through a signalfd: an orderly
 * shutdown), the health and metrics server (/healthz, /readyz, /metrics)
 * and the exit status. The daemon itself is one run() callback on the main
 * thread, which starts its threads and then waits in daemon_wait_stop().
 *
 * Common flags: --kubeconfig, --master, --watch-bus, --bind-address,
 * --port (0: ephemeral), --port-file, --v, --help, --version.
 */
#ifndef CKUBE_DAEMON_H
#define CKUBE_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct client;
struct daemon;
struct flag;
struct httpd_route;

struct daemon_def {
	const char		*name;		/* "ckube-scheduler" */
	const char		*summary;	/* one line for --help */
	const char		*version;	/* NULL: CKUBE_VERSION */
	const char		*default_port;	/* NULL: "0" */
	/* The daemon's own flag tables (after the common ones). */
	const struct flag *const *flag_tables;
	const size_t		*flag_counts;
	size_t			 nflag_tables;
	/* Extra routes for the health server (looked up first), or NULL. */
	const struct httpd_route *routes;
	size_t			 nroutes;
	/*
	 * The daemon: runs on the main thread once flags, logging, signals
	 * and the health server are up. Returns the exit status. Usually it
	 * starts its work, daemon_set_ready(d, 1), daemon_wait_stop(d,
	 * CLOCK_NEVER), then stops its work in order.
	 */
	int			(*run)(struct daemon *d, void *arg);
	void			*arg;
};

#define CKUBE_VERSION	"v1.3.0-ckube"

/*
 * Parse flags, set up logging and signals, start the health server, call
 * def->run and return its status (main returns it). --help/--version: 0
 * without running; bad flags: 2; a health server that cannot bind: 1.
 * SIGPIPE is ignored; SIGTERM, SIGINT and SIGHUP are blocked in every
 * thread and read by daemon_wait_stop().
 */
int		 daemon_main(const struct daemon_def *def, int argc,
		    char *argv[]);

/* Values of the common flags (NULL when not given). */
const char	*daemon_kubeconfig(const struct daemon *d);
const char	*daemon_master(const struct daemon *d);
const char	*daemon_watch_bus(const struct daemon *d);
const char	*daemon_name(const struct daemon *d);

/*
 * A new client from --kubeconfig/--master (client_new_from_flags; neither
 * given: http://127.0.0.1:8080). Logs the reason on failure.
 */
int		 daemon_client_new(struct daemon *d, struct client **out)
		    CK_MUST_CHECK;

/* The health server's bound port. */
int		 daemon_port(const struct daemon *d);

/* /readyz: 200 (ready != 0) or 503. Thread-safe. */
void		 daemon_set_ready(struct daemon *d, int ready);

/*
 * Block until SIGTERM/SIGINT arrives or daemon_request_stop() is called
 * (returns 0, at once on later calls too), until ck_now_ms() reaches
 * deadline_ms (CK_ETIMEDOUT; CLOCK_NEVER waits forever), or until
 * daemon_wake() is called (CK_EAGAIN). Main thread only.
 */
int		 daemon_wait_stop(struct daemon *d, uint64_t deadline_ms)
		    CK_MUST_CHECK;
/* Make the main thread's daemon_wait_stop() return CK_EAGAIN. Thread-safe. */
void		 daemon_wake(struct daemon *d);

/*
 * Ask for an orderly stop from any thread (e.g. the lease was lost). The
 * first non-zero status asked for is kept in daemon_exit_status().
 */
void		 daemon_request_stop(struct daemon *d, int status);
bool		 daemon_stopping(struct daemon *d);
int		 daemon_exit_status(struct daemon *d);

#endif
