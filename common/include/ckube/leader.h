/*
 * leader.h: leader election on a coordination.k8s.io/v1 Lease, as
 * client-go's leaderelection: a candidate takes the Lease when it is free or
 * its holder stopped renewing for leaseDuration (measured on the local
 * monotonic clock from when the candidate last saw the record change, so
 * clocks need not agree), renews it every retry period, and gives up
 * leading when it could not renew within the renew deadline. Writes are
 * optimistic: an update carries the resourceVersion read, so two candidates
 * never both win. Time comes from clock.h (tests use the fake clock).
 */
#ifndef CKUBE_LEADER_H
#define CKUBE_LEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct client;
struct flag;
struct leader;

#define LEADER_LEASE_DURATION_MS	15000
#define LEADER_RENEW_DEADLINE_MS	10000
#define LEADER_RETRY_PERIOD_MS		2000

struct leader_config {
	const char	*name;		/* the Lease's name (required) */
	const char	*ns;		/* its namespace; NULL: "kube-system" */
	const char	*identity;	/* NULL: "<hostname>_<pid>" */
	uint64_t	 lease_duration_ms;	/* 0: 15 s */
	uint64_t	 renew_deadline_ms;	/* 0: 10 s */
	uint64_t	 retry_period_ms;	/* 0: 2 s */
	int		 release_on_stop;	/* leader_stop empties the holder */
	/* Called on the election thread (quick; may start/stop threads). */
	void		(*on_started_leading)(void *arg);
	void		(*on_stopped_leading)(void *arg);
	void		*arg;
};

/*
 * A new candidate (strings copied; cl borrowed and shared: the candidate
 * uses it from its own thread). Returns NULL if cfg->name is missing or the
 * durations are inconsistent (lease > renew deadline > retry period, as
 * client-go requires).
 */
struct leader	*leader_new(struct client *cl, const struct leader_config *cfg);

/*
 * One attempt to acquire or renew, on the caller's thread (the election
 * thread's step; tests call it directly with the fake clock). Returns 1 if
 * this candidate holds the Lease now, 0 if another one does or the write
 * lost a race, or a negative CK_E* for a failed request.
 */
int		 leader_try(struct leader *l) CK_MUST_CHECK;

/*
 * Run the election on a thread: try every retry period until acquired, call
 * on_started_leading, renew every retry period, and when renewing failed for
 * renew_deadline call on_stopped_leading and end (the candidate never runs
 * for election again: the process is expected to exit, as Kubernetes
 * daemons do). Returns 0 or CK_EIO.
 */
int		 leader_start(struct leader *l) CK_MUST_CHECK;

/* Whether this candidate leads now. Thread-safe. */
bool		 leader_is_leader(struct leader *l);

/*
 * Whether the election thread ended because the lease was lost (true only
 * once on_stopped_leading has returned).
 */
bool		 leader_lost(struct leader *l);

/* The identity used in holderIdentity. */
const char	*leader_identity(const struct leader *l);

/*
 * Stop the election thread and wait for it. A leader calls
 * on_stopped_leading, and with release_on_stop empties holderIdentity so
 * another candidate takes over at once. Safe without start; idempotent.
 */
void		 leader_stop(struct leader *l);

/* Stop and free. NULL is fine. */
void		 leader_free(struct leader *l);

/*
 * The --leader-elect* flags of every controller, bound to a struct
 * leader_flags (flags.h table of LEADER_NFLAGS entries, filled by
 * leader_flags_table; the table and lf must outlive flags_parse).
 */
struct leader_flags {
	int		 enabled;		/* --leader-elect */
	int64_t		 lease_duration_ms;	/* --leader-elect-lease-duration */
	int64_t		 renew_deadline_ms;	/* --leader-elect-renew-deadline */
	int64_t		 retry_period_ms;	/* --leader-elect-retry-period */
	const char	*resource_name;		/* --leader-elect-resource-name */
	const char	*resource_ns;	/* --leader-elect-resource-namespace */
};
#define LEADER_NFLAGS	6
void		 leader_flags_table(struct leader_flags *lf,
		    struct flag *table);

#endif
