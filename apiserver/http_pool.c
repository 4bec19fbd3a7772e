/*
 * http_pool.c: the threads that run the long request handlers, so
 * libmicrohttpd's own threads keep moving bytes and answering short
 * requests and health checks: a slow LIST, a watch catch-up from the store
 * or a pods/log fetch no longer holds up every connection that shares its
 * MHD thread. The HTTP layer suspends the
 * connection, submits the job, and the job resumes it when done.
 */
#include "http.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ckube/alloc.h"
#include "ckube/log.h"

struct pool_job {
	void		 (*fn)(void *arg);
	void		*arg;
	struct pool_job	*next;
};

struct http_pool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct pool_job	*head, *tail;
	bool		 stopping;
	int		 nthreads;
	pthread_t	*threads;
};

static void *
pool_main(void *arg)
{
	struct http_pool *p = arg;
	struct pool_job *j;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->head == NULL)
			break;		/* stopping, and drained */
		j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct http_pool *
http_pool_new(int nthreads)
{
	struct http_pool *p = ck_calloc(1, sizeof(*p));
	int i, rc;

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->threads = ck_calloc((size_t)nthreads, sizeof(*p->threads));
	for (i = 0; i < nthreads; i++) {
		rc = pthread_create(&p->threads[i], NULL, pool_main, p);
		if (rc != 0) {
			log_warn("http: %d of %d handler threads started",
			    i, nthreads);
			break;
		}
		p->nthreads++;
	}
	if (p->nthreads == 0) {
		http_pool_free(p);
		return NULL;
	}
	return p;
}

void
http_pool_submit(struct http_pool *p, void (*fn)(void *arg), void *arg)
{
	struct pool_job *j;

	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		/* Stopping: the caller runs it (no thread takes jobs now). */
		pthread_mutex_unlock(&p->mu);
		fn(arg);
		return;
	}
	j = ck_calloc(1, sizeof(*j));
	j->fn = fn;
	j->arg = arg;
	if (p->tail != NULL)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void
http_pool_stop(struct http_pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		pthread_mutex_unlock(&p->mu);
		return;
	}
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
}

void
http_pool_free(struct http_pool *p)
{
	if (p == NULL)
		return;
	http_pool_stop(p);
	free(p->threads);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
