/*
 * pod_log.c: GET pods/<name>/log. The kubelet-sim keeps no container output
 * yet, so a pod that exists gets a clear 400 saying so (after the checks
 * Kubernetes makes first: the pod exists, the container belongs to it), and
 * kubectl prints `Error from server (BadRequest): ...`.
 */
#include "crud.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"

/* container names of list into found (any match), first into *first. */
static bool
has_container(const cJSON *list, const char *name, const char **first)
{
	const cJSON *it;
	const char *n;

	cJSON_ArrayForEach(it, list) {
		n = json_str(it, "name");
		if (n == NULL)
			continue;
		if (*first == NULL)
			*first = n;
		if (name != NULL && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

void
crud_pod_log(struct crud *c)
{
	const char *want = api_request_param(c->req, "container"), *first = NULL;
	const cJSON *spec;
	cJSON *pod = NULL;
	int64_t rv;
	bool found;

	if (c->rt->verb != API_VERB_GET) {
		crud_fail(c, CK_ENOTSUP, "the server does not allow this "
		    "method on the requested resource");
		goto err;
	}
	if (crud_load(c, c->rt->ns, c->rt->name, &pod, &rv) < 0)
		goto err;
	spec = json_obj(pod, "spec");
	found = has_container(cJSON_GetObjectItemCaseSensitive(spec,
	    "containers"), want, &first);
	found = has_container(cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers"), want, &first) || found;
	if (want != NULL && want[0] != '\0' && !found) {
		crud_fail(c, CK_EBADREQ, "container %s is not valid for pod %s",
		    want, c->rt->name);
		goto err;
	}
	if (want == NULL || want[0] == '\0')
		want = first != NULL ? first : "";
	crud_fail(c, CK_EBADREQ, "no logs for container \"%s\" in pod \"%s\": "
	    "ckube-kubelet-sim does not keep container output", want,
	    c->rt->name);
err:
	crud_reply_st(c);
	cJSON_Delete(pod);
}
