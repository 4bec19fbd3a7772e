/*
 * table.h: what the table_*.c printers share. A printer is a column list and
 * a cells function, looked up by resource name (so a registry row added
 * later gets its columns without registry edits). Columns and cell formats
 * follow Kubernetes' pkg/printers/internalversion/printers.go; the server
 * always fills the -o wide (priority 1) cells, as the real one does.
 */
#ifndef CKUBE_APISERVER_TABLE_H
#define CKUBE_APISERVER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cJSON;

struct table_col {
	const char	*name;
	const char	*type;		/* "string", "integer", "date", ... */
	const char	*format;	/* "name" on the Name column */
	int		 priority;	/* 1: only with -o wide */
};

/* One printer: cells appends one cell per column to cells. */
struct table_printer {
	const char		*resource;	/* plural; NULL ends a list */
	const struct table_col	*cols;
	size_t			 ncols;
	void			(*cells)(const struct cJSON *obj,
				    struct cJSON *cells, time_t now);
};

#define TABLE_PRINTER(res, cols, fn) { res, cols, ARRAY_SIZE(cols), fn }

/* The printers of each file, NULL-resource terminated. */
extern const struct table_printer table_core_printers[];
extern const struct table_printer table_apps_printers[];
extern const struct table_printer table_batch_printers[];
extern const struct table_printer table_misc_printers[];
extern const struct table_printer table_pod_printer;
extern const struct table_printer table_hpa_printer;	/* autoscaling.c */

/* The printer for resource (aliases such as petsets included), or NULL. */
const struct table_printer *table_printer_find(const char *resource);

/* ---- cell helpers (table.c) ---- */

void	table_add_str(struct cJSON *cells, const char *s);	/* NULL -> "" */
void	table_add_int(struct cJSON *cells, int64_t v);
void	table_add_name(struct cJSON *cells, const struct cJSON *obj);
/* HumanDuration since the RFC 3339 ts ("<unknown>" when absent). */
void	table_add_age(struct cJSON *cells, const char *ts, time_t now);
void	table_add_obj_age(struct cJSON *cells, const struct cJSON *obj,
	    time_t now);
/* Kubernetes' translateTimestampSince into buf. */
void	table_age(const char *ts, time_t now, char *buf, size_t len);
/* Integer member or def. */
int64_t	table_int(const struct cJSON *o, const char *key, int64_t def);
/*
 * metav1.FormatLabelSelector of a LabelSelector object ("k=v,k2 in (a,b)",
 * "<none>" when empty) / labels.FormatLabels of a map ("<none>" when empty)
 * into sb-like malloc'd strings (yours).
 */
char	*table_format_selector(const struct cJSON *sel);
char	*table_format_labels(const struct cJSON *map);
/* Containers and Images cells (comma-joined) of a container list. */
void	table_add_containers(struct cJSON *cells, const struct cJSON *ctrs);
/* The containers of spec.template.spec of a workload object. */
const struct cJSON *table_template_containers(const struct cJSON *spec);

/* ---- pod STATUS (table_pod.c), semantics.md 0.3 ---- */

struct pod_print {
	char	reason[128];		/* the STATUS column */
	int	ready;			/* READY numerator */
	int	total;			/* READY denominator */
	int	restarts;
	time_t	last_restart;		/* 0: none known */
	bool	completed;		/* Succeeded: row condition Completed */
	bool	failed;
};

/* Kubernetes' printPod status algorithm over a Pod object; pure. */
void	table_pod_status(const struct cJSON *pod, struct pod_print *out);

#endif
