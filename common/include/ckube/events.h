/*
 * events.h: the Event recorder of controllers (client-go record.
 * EventRecorder with its EventCorrelator's aggregation). events_record()
 * copies what it needs into a small bounded queue and returns at once; one
 * sender thread writes core v1 Events. A repeat of the same (involved
 * object, type, reason, message) bumps count and lastTimestamp of the Event
 * already written with a merge PATCH instead of creating another one. When
 * the queue is full, the record is dropped (and counted): a reconcile never
 * waits for Events.
 */
#ifndef CKUBE_EVENTS_H
#define CKUBE_EVENTS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct client;
struct events;
struct kobj;

#define EVENTS_QUEUE_MAX	256

/*
 * A new recorder writing through cl (borrowed; it must outlive the
 * recorder) as component (source.component, copied). queue_max 0 takes
 * EVENTS_QUEUE_MAX. Records queue up until events_start().
 */
struct events	*events_new(struct client *cl, const char *component,
		    size_t queue_max);

/* Start the sender thread. Returns 0 or CK_EIO. */
int		 events_start(struct events *ev) CK_MUST_CHECK;

/*
 * Queue an Event about obj (borrowed; its kind, namespace, name, uid,
 * apiVersion and resourceVersion are copied). type is "Normal" or
 * "Warning". Never blocks; thread-safe. ev may be NULL (nothing happens).
 */
void		 events_record(struct events *ev, const struct kobj *obj,
		    const char *type, const char *reason, const char *fmt, ...)
		    CK_PRINTF(5, 6);
void		 events_recordv(struct events *ev, const struct kobj *obj,
		    const char *type, const char *reason, const char *fmt,
		    va_list ap) CK_PRINTF(5, 0);

/*
 * Wait until every queued record was sent (or failed), or ck_now_ms()
 * reaches deadline_ms. Returns 0 or CK_ETIMEDOUT. For tests and shutdown.
 */
int		 events_flush(struct events *ev, uint64_t deadline_ms)
		    CK_MUST_CHECK;

struct events_stats {
	uint64_t	created;	/* Events POSTed */
	uint64_t	patched;	/* repeats folded into an Event */
	uint64_t	dropped;	/* the queue was full */
	uint64_t	failed;		/* the API refused or was unreachable */
};
void		 events_get_stats(struct events *ev, struct events_stats *out);

/* Stop the sender after what is queued now (unsent records are dropped on
 * client_shutdown), and free. NULL is fine. */
void		 events_free(struct events *ev);

#endif
