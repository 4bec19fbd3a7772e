/*
 * Simulated container logs of ckube-kubelet-sim: per container a small
 * ring of timestamped lines for the running instance and the previous one
 * (kubectl logs --previous), kept sorted by time; lines dated in the future
 * (an `echo` after a `sleep`) become visible when their time comes.
 */
#ifndef KUBELET_SIM_CTR_LOG_H
#define KUBELET_SIM_CTR_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct strbuf;

/* Lines kept per instance; older ones are dropped. */
#define CTR_LOG_MAX	500

struct log_entry {
	int64_t	ts_ms;		/* wall clock, ms since the epoch */
	char	*text;		/* one line, without newline; NULL: "started" */
};

struct log_inst {
	struct log_entry *e;
	uint32_t n, cap;
	/*
	 * The instance's restart count, for its "started" line: that line is
	 * every container's and is made when read, not kept (ctr_log_render).
	 */
	int	restarts;
};

struct ctr_log {
	struct log_inst cur, prev;
	bool	has_prev;
	unsigned gen;		/* bumped by each rotation */
};

/* Add a line at ts_ms (kept in time order). */
void	ctr_log_add(struct log_inst *li, int64_t ts_ms, const char *fmt, ...)
	    CK_PRINTF(3, 4);
/* The "started" line of instance restarts at ts_ms (text made when read). */
void	ctr_log_add_started(struct log_inst *li, int64_t ts_ms, int restarts);
/* Drop the lines after ts_ms (the instance was killed before them). */
void	ctr_log_cut(struct log_inst *li, int64_t ts_ms);
/* A new instance starts: the current lines become the previous ones. */
void	ctr_log_rotate(struct ctr_log *l);
void	ctr_log_free(struct ctr_log *l);

/*
 * Append the lines visible at now_ms (ts <= now) from index from on to sb,
 * at most the last tail of them (tail < 0: all), each prefixed with its
 * RFC 3339 timestamp when timestamps; the "started" line is written by
 * started (NULL: skipped). Returns how many lines are visible (the next
 * from for a follower).
 */
struct log_started {
	/* Append the line (no newline) of the instance with restarts to sb. */
	void		(*fn)(const void *arg, int restarts, struct strbuf *sb);
	const void	*arg;
};

size_t	ctr_log_render(const struct log_inst *li,
	    const struct log_started *started, int64_t now_ms, size_t from,
	    long tail, bool timestamps, struct strbuf *sb);

#endif
