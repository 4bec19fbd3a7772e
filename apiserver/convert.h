/*
 * convert.h: the 1.3 names served over the one stored version. A registry
 * row such as apps/v1alpha1 petsets shares its store key (qualified) with
 * the stored row (apps/v1 statefulsets); requests through it are converted
 * to the stored kind on the way in and back on the way out (replies, lists,
 * tables with objects, watch events), so both names see the same objects.
 */
#ifndef CKUBE_APISERVER_CONVERT_H
#define CKUBE_APISERVER_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct api_resource;
struct api_response;

/* The stored row r is served over, or NULL when r is itself stored. */
const struct api_resource *convert_stored_row(const struct api_resource *r);
/* obj (r's kind and version) becomes the stored kind and version. */
void	convert_in(const struct api_resource *r, struct cJSON *obj);
/* A stored object becomes r's kind and version (no-op when r is stored). */
void	convert_out(const struct api_resource *r, struct cJSON *obj);
/* Rewrite a JSON reply (object, List, Table with objects) for r. */
void	convert_response(const struct api_resource *r,
	    struct api_response *resp);
/*
 * A stored object's text converted for r into a malloc'd string (*len set),
 * or NULL when r needs no conversion (or body does not parse).
 */
char	*convert_out_text(const struct api_resource *r, const char *body,
	    size_t blen, size_t *len);

/*
 * autoscaling.c: autoscaling/v1 HorizontalPodAutoscaler fields to the
 * stored v2 (in) and back (out).
 */
void	convert_hpa_in(struct cJSON *obj);
void	convert_hpa_out(struct cJSON *obj);

#endif
