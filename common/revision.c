/*
 * revision.c: ControllerRevision helpers shared by the controllers that
 * keep a history of their pod template (revision.h).
 */
#include "ckube/revision.h"

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/kobj.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

void
revision_hash(const cJSON *tmpl, int64_t collisions, struct strbuf *out)
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	char *text = cJSON_PrintUnformatted(tmpl);
	struct strbuf in = STRBUF_INIT;
	uint64_t h;
	int i;

	strbuf_addf(&in, "%s#%lld", text != NULL ? text : "",
	    (long long)collisions);
	cJSON_free(text);
	h = strmap_hash(strbuf_str(&in));
	strbuf_fini(&in);
	for (i = 0; i < 10; i++) {
		strbuf_addc(out, alpha[h % (sizeof(alpha) - 1)]);
		h /= sizeof(alpha) - 1;
	}
}

struct kobj **
revision_list(struct cache *revs, const char *owner_uid, size_t *n)
{
	struct kobj **list;
	size_t i, j;

	*n = 0;
	if (revs == NULL)
		return NULL;
	list = cache_list_by_index(revs, CACHE_INDEX_CONTROLLER_UID,
	    owner_uid, n);
	for (i = 1; i < *n; i++)	/* few: insertion sort */
		for (j = i; j > 0 && kobj_get_int_or(list[j - 1], "revision",
		    0) > kobj_get_int_or(list[j], "revision", 0); j--) {
			struct kobj *t = list[j];

			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	return list;
}
