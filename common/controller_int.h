/*
 * controller_int.h: what controller.c (queue, workers, handlers, writes)
 * and controller_main.c (the daemon around them) share. Not installed.
 */
#ifndef CKUBE_CONTROLLER_INT_H
#define CKUBE_CONTROLLER_INT_H

#include <pthread.h>

#include "ckube/controller.h"

struct daemon;
struct events;
struct informer_group;
struct informer_handlers;
struct metric;
struct strmap;
struct workqueue;

#define CONTROLLER_WORKERS_MAX	64

struct controller {
	const struct controller_def	*def;
	void				*data;
	/* Real backend (controller_main). */
	struct client			*cl;
	struct informer_group		*informers;
	struct events			*events;
	struct daemon			*daemon;
	/* Fake backend (controller_new_test). */
	const struct controller_backend	*be;
	void				*be_arg;

	struct controller_slot {
		struct controller		*c;
		const struct watch_spec		*w;
	}				*slots;	/* one per watch */

	struct workqueue		*queue;
	pthread_t			 workers[CONTROLLER_WORKERS_MAX];
	int				 nworkers;

	pthread_mutex_t			 mu;
	struct strmap			*listed;	/* uids: orphans listed; under mu */
	struct strmap			*fills;	/* uid -> its fill; under mu */
	struct controller_stats		 stats;	/* under mu */
	uint64_t			 seen_adds;	/* under mu */
	uint64_t			 seen_retries;	/* under mu */
	struct metric			*m_depth;
	struct metric			*m_adds;
	struct metric			*m_retries;
	struct metric			*m_errors;
	struct metric			*m_duration;
};

/* The common part of both constructors (queue, metrics); no init call. */
struct controller *controller_alloc(const struct controller_def *def);

/* Stop the workers after the queue drained (deadline: ck_now_ms based). */
void	controller_stop_workers(struct controller *c, uint64_t deadline_ms);

/* watch_spec.owned_only's and .want's informer filters; arg: the slot. */
bool	controller_want_owned(const struct kobj *obj, void *arg);
bool	controller_want_slot(const struct kobj *obj, void *arg);
/* Free what controller_adopt.c keeps (controller_release). */
void	controller_fills_free(struct controller *c);
/* An object went: its first pass (orphans, fills) is forgotten. */
void	controller_forget_adopter(struct controller *c, const struct kobj *obj);

/* The informer handlers of def->watches[i]. */
void	controller_handlers(struct controller *c, size_t i,
	    struct informer_handlers *h);

/* Free what controller_alloc made (after workers stopped). */
void	controller_release(struct controller *c);

#endif
