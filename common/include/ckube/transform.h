/*
 * transform.h: trim an object before it enters an informer's cache
 * (client-go's SetTransform). Caches are most of a daemon's memory and each
 * daemon keeps its own, so each keeps only what it reads.
 *
 * Always dropped: metadata.managedFields (no daemon reads them; a PUT
 * without them keeps the stored ones). Dropped unless
 * TRANSFORM_KEEP_ANNOTATIONS: the annotation
 * kubectl.kubernetes.io/last-applied-configuration (a copy of the whole
 * applied object; a PUT without it would delete it, so a daemon that PUTs
 * whole copies of its cached objects keeps it).
 *
 * Kept paths: dotted ("spec.nodeName", "status"); a segment ending in "[]"
 * is an array whose elements keep only the rest of the path
 * ("spec.containers[].ports": each container keeps its ports; elements
 * that are not objects stay whole). Paths that share a prefix merge
 * ("spec.containers[].name" and "spec.containers[].ports"). Metadata is
 * kept whole unless a path names something inside it ("metadata.labels"):
 * then it keeps those paths and its identity (name, namespace, uid,
 * resourceVersion: caches key and order objects by them).
 */
#ifndef CKUBE_TRANSFORM_H
#define CKUBE_TRANSFORM_H

struct cJSON;

#define TRANSFORM_METADATA_ONLY		0x1	/* apiVersion, kind, metadata */
#define TRANSFORM_KEEP_ANNOTATIONS	0x2	/* keep last-applied-configuration */

#define TRANSFORM_LAST_APPLIED	"kubectl.kubernetes.io/last-applied-configuration"

/*
 * Trim root (a JSON object, edited in place; NULL is ignored) to
 * apiVersion, kind, metadata and, unless TRANSFORM_METADATA_ONLY, either
 * everything (keep == NULL) or the paths of keep (NULL-terminated); with
 * TRANSFORM_METADATA_ONLY, keep's paths inside metadata still trim it.
 * Then drop what the header says. A path longer than 127 bytes a segment keeps
 * nothing.
 */
void	transform_object(struct cJSON *root, const char *const *keep,
	    unsigned int flags);

/*
 * What transform_object(root, keep, flags) would leave of root, as a new
 * object (the caller's, cJSON_Delete); root is not changed. Only the kept
 * members are duplicated. NULL when root is not an object.
 */
struct cJSON	*transform_copy(const struct cJSON *root,
		    const char *const *keep, unsigned int flags);

#endif
