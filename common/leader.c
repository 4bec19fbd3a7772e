/*
 * leader.c: leader election on a coordination.k8s.io/v1 Lease (client-go
 * leaderelection with the LeaseLock). leader_try() is one acquire-or-renew
 * step; the election thread runs it every retry period and keeps the renew
 * deadline. What the leader does is the caller's (controller.c).
 */
#include "ckube/leader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"

struct leader {
	struct client		*cl;
	struct leader_config	 cfg;
	char			*name;
	char			*ns;
	char			*identity;
	/* The election thread's (or leader_try caller's) own state. */
	char			 observed_rv[64];
	uint64_t		 observed_ms;
	/* Under mu. */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cond;
	pthread_t		 thread;
	int			 started;
	int			 stopping;
	int			 leading;
	int			 lost;
};

struct leader *
leader_new(struct client *cl, const struct leader_config *cfg)
{
	struct leader *l;
	char host[256];

	if (cfg->name == NULL || cfg->name[0] == '\0')
		return NULL;
	l = ck_calloc(1, sizeof(*l));
	l->cl = cl;
	l->cfg = *cfg;
	if (l->cfg.lease_duration_ms == 0)
		l->cfg.lease_duration_ms = LEADER_LEASE_DURATION_MS;
	if (l->cfg.renew_deadline_ms == 0)
		l->cfg.renew_deadline_ms = LEADER_RENEW_DEADLINE_MS;
	if (l->cfg.retry_period_ms == 0)
		l->cfg.retry_period_ms = LEADER_RETRY_PERIOD_MS;
	if (l->cfg.lease_duration_ms <= l->cfg.renew_deadline_ms ||
	    l->cfg.renew_deadline_ms <= l->cfg.retry_period_ms ||
	    l->cfg.lease_duration_ms < 1000) {
		free(l);
		return NULL;
	}
	l->name = ck_strdup(cfg->name);
	l->ns = ck_strdup(cfg->ns != NULL && cfg->ns[0] != '\0' ? cfg->ns :
	    "kube-system");
	if (cfg->identity != NULL && cfg->identity[0] != '\0')
		l->identity = ck_strdup(cfg->identity);
	else {
		if (gethostname(host, sizeof(host)) != 0)
			ck_strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		l->identity = ck_asprintf("%s_%ld", host, (long)getpid());
	}
	l->cfg.name = l->name;
	l->cfg.ns = l->ns;
	l->cfg.identity = l->identity;
	pthread_mutex_init(&l->mu, NULL);
	if (clock_cond_init(&l->cond) != 0)
		fatalx("leader: cond init");
	return l;
}

const char *
leader_identity(const struct leader *l)
{
	return l->identity;
}

/* Fill the spec for holder (NULL: keep the holder and acquireTime). */
static int
set_spec(struct kobj *lease, const char *holder, int64_t duration_s,
    int take_over)
{
	char now[64];
	int64_t transitions;
	int rc;

	if (rfc3339_format_micro(ck_wall_us(), now, sizeof(now)) < 0)
		return CK_EINVALID;
	rc = kobj_set_str(lease, "spec.holderIdentity", holder);
	if (rc == 0)
		rc = kobj_set_int(lease, "spec.leaseDurationSeconds",
		    duration_s);
	if (rc == 0)
		rc = kobj_set_str(lease, "spec.renewTime", now);
	if (rc == 0 && take_over) {
		rc = kobj_set_str(lease, "spec.acquireTime", now);
		transitions = kobj_get_int_or(lease, "spec.leaseTransitions",
		    -1);
		if (rc == 0)
			rc = kobj_set_int(lease, "spec.leaseTransitions",
			    transitions + 1);
	}
	return rc;
}

static void
observe(struct leader *l, const struct kobj *lease, uint64_t now)
{
	const char *rv = kobj_resource_version(lease);

	if (strcmp(rv, l->observed_rv) != 0) {
		ck_strlcpy(l->observed_rv, rv, sizeof(l->observed_rv));
		l->observed_ms = now;
	}
}

static int
create_lease(struct leader *l, uint64_t now)
{
	struct kobj *lease, *out = NULL;
	struct ck_status st;
	int rc;

	lease = kobj_new("coordination.k8s.io/v1", "Lease");
	rc = kobj_set_str(lease, "metadata.name", l->name);
	if (rc == 0)
		rc = kobj_set_str(lease, "metadata.namespace", l->ns);
	kobj_touch(lease);
	if (rc == 0)
		rc = set_spec(lease, l->identity,
		    (int64_t)(l->cfg.lease_duration_ms / 1000), 1);
	if (rc < 0)
		goto out;
	rc = client_create_kobj(l->cl, lease, &out, &st);
	if (rc == CK_EEXIST) {
		rc = 0;		/* another candidate was quicker */
		goto out;
	}
	if (rc < 0) {
		log_warn("leader %s/%s: create: %s", l->ns, l->name,
		    st.message);
		goto out;
	}
	log_info("leader %s/%s: %s acquired the new lease", l->ns, l->name,
	    l->identity);
	observe(l, out, now);
	rc = 1;
out:
	kobj_unref(out);
	kobj_unref(lease);
	return rc;
}

int
leader_try(struct leader *l)
{
	struct kobj *cur = NULL, *next = NULL, *out = NULL;
	struct ck_status st;
	const char *holder;
	uint64_t now = ck_now_ms(), duration_ms;
	int rc, mine;

	rc = client_get_kobj(l->cl, &CLIENT_GVR_LEASES, l->ns, l->name, &cur,
	    &st);
	if (rc == CK_ENOTFOUND)
		return create_lease(l, now);
	if (rc < 0) {
		log_warn("leader %s/%s: get: %s", l->ns, l->name, st.message);
		return rc;
	}
	observe(l, cur, now);
	holder = kobj_get_str(cur, "spec.holderIdentity");
	if (holder == NULL)
		holder = "";
	mine = strcmp(holder, l->identity) == 0;
	duration_ms = (uint64_t)kobj_get_int_or(cur,
	    "spec.leaseDurationSeconds", 0) * 1000;
	if (duration_ms == 0)
		duration_ms = l->cfg.lease_duration_ms;
	if (!mine && holder[0] != '\0' && now < l->observed_ms + duration_ms) {
		rc = 0;		/* held, and renewed recently enough */
		goto out;
	}
	next = kobj_copy(cur);
	rc = set_spec(next, l->identity,
	    (int64_t)(l->cfg.lease_duration_ms / 1000), !mine);
	if (rc < 0)
		goto out;
	/* The copy keeps metadata.resourceVersion: a conditional update. */
	rc = client_update_kobj(l->cl, next, &out, &st);
	if (rc == CK_ECONFLICT) {
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		log_warn("leader %s/%s: update: %s", l->ns, l->name,
		    st.message);
		goto out;
	}
	if (!mine)
		log_info("leader %s/%s: %s acquired the lease", l->ns,
		    l->name, l->identity);
	observe(l, out, now);
	rc = 1;
out:
	kobj_unref(out);
	kobj_unref(next);
	kobj_unref(cur);
	return rc;
}

/* Empty holderIdentity if we hold the lease, so a successor need not wait. */
static void
release(struct leader *l)
{
	struct kobj *cur = NULL, *next = NULL;
	struct ck_status st;
	const char *holder;

	if (client_get_kobj(l->cl, &CLIENT_GVR_LEASES, l->ns, l->name, &cur,
	    &st) < 0)
		return;
	holder = kobj_get_str(cur, "spec.holderIdentity");
	if (holder == NULL || strcmp(holder, l->identity) != 0)
		goto out;
	next = kobj_copy(cur);
	if (set_spec(next, "", 1, 0) == 0 &&
	    client_update_kobj(l->cl, next, NULL, &st) < 0)
		log_warn("leader %s/%s: release: %s", l->ns, l->name,
		    st.message);
out:
	kobj_unref(next);
	kobj_unref(cur);
}

static void *
leader_main(void *arg)
{
	struct leader *l = arg;
	uint64_t last_renew_ms = 0, now;
	int rc, was_leading = 0, holds = 0;

	pthread_mutex_lock(&l->mu);
	while (!l->stopping) {
		pthread_mutex_unlock(&l->mu);
		rc = leader_try(l);
		now = ck_now_ms();
		pthread_mutex_lock(&l->mu);
		if (l->stopping) {
			/* won while stopping: hand it back, or a peer waits a lease */
			holds = rc == 1;
			break;
		}
		if (!l->leading && rc == 1) {
			was_leading = 1;
			last_renew_ms = now;
			pthread_mutex_unlock(&l->mu);
			if (l->cfg.on_started_leading != NULL)
				l->cfg.on_started_leading(l->cfg.arg);
			pthread_mutex_lock(&l->mu);
			l->leading = 1;	/* after the callback: it has run */
		} else if (l->leading && rc == 1) {
			last_renew_ms = now;
		} else if (l->leading &&
		    now >= last_renew_ms + l->cfg.renew_deadline_ms) {
			log_error("leader %s/%s: %s lost the lease (not renewed "
			    "for %llu ms)", l->ns, l->name, l->identity,
			    (unsigned long long)(now - last_renew_ms));
			l->leading = 0;
			pthread_mutex_unlock(&l->mu);
			if (l->cfg.on_stopped_leading != NULL)
				l->cfg.on_stopped_leading(l->cfg.arg);
			pthread_mutex_lock(&l->mu);
			l->lost = 1;	/* after the callback: it has run */
			pthread_mutex_unlock(&l->mu);
			return NULL;
		}
		(void)clock_cond_timedwait(&l->cond, &l->mu,
		    now + l->cfg.retry_period_ms);
	}
	l->leading = 0;
	pthread_mutex_unlock(&l->mu);
	if ((was_leading || holds) && l->cfg.release_on_stop)
		release(l);
	if (was_leading && l->cfg.on_stopped_leading != NULL)
		l->cfg.on_stopped_leading(l->cfg.arg);
	return NULL;
}

int
leader_start(struct leader *l)
{
	if (pthread_create(&l->thread, NULL, leader_main, l) != 0) {
		log_error("leader: cannot start a thread");
		return CK_EIO;
	}
	l->started = 1;
	return 0;
}

bool
leader_is_leader(struct leader *l)
{
	bool leading;

	pthread_mutex_lock(&l->mu);
	leading = l->leading != 0;
	pthread_mutex_unlock(&l->mu);
	return leading;
}

bool
leader_lost(struct leader *l)
{
	bool lost;

	pthread_mutex_lock(&l->mu);
	lost = l->lost != 0;
	pthread_mutex_unlock(&l->mu);
	return lost;
}

void
leader_stop(struct leader *l)
{
	pthread_mutex_lock(&l->mu);
	l->stopping = 1;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mu);
	if (l->started) {
		pthread_join(l->thread, NULL);
		l->started = 0;
	}
}

void
leader_free(struct leader *l)
{
	if (l == NULL)
		return;
	leader_stop(l);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->mu);
	free(l->name);
	free(l->ns);
	free(l->identity);
	free(l);
}

void
leader_flags_table(struct leader_flags *lf, struct flag *table)
{
	static const char group[] = "Leader election";

	table[0] = (struct flag){ "leader-elect", FLAG_BOOL, &lf->enabled,
	    "false", group, "run only while holding the Lease (for several "
	    "replicas)" };
	table[1] = (struct flag){ "leader-elect-lease-duration",
	    FLAG_DURATION, &lf->lease_duration_ms, "15s", group,
	    "how long a candidate waits after the last renewal it saw before "
	    "taking over" };
	table[2] = (struct flag){ "leader-elect-renew-deadline",
	    FLAG_DURATION, &lf->renew_deadline_ms, "10s", group,
	    "how long the leader retries renewing before it stops leading" };
	table[3] = (struct flag){ "leader-elect-retry-period", FLAG_DURATION,
	    &lf->retry_period_ms, "2s", group,
	    "the wait between attempts to acquire or renew" };
	table[4] = (struct flag){ "leader-elect-resource-name", FLAG_STRING,
	    &lf->resource_name, NULL, group,
	    "the Lease's name (default: the program's name)" };
	table[5] = (struct flag){ "leader-elect-resource-namespace",
	    FLAG_STRING, &lf->resource_ns, "kube-system", group,
	    "the Lease's namespace" };
}
