/*
 * load.c: the snapshot ckube-netpol reasons about: every namespace, pod and
 * NetworkPolicy (networking.k8s.io/v1, where extensions/v1beta1 policies
 * are stored too), listed through --kubeconfig or --master.
 */
#include "netpol_cli.h"

#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/kubeconfig.h"

static const struct client_gvr gvr_netpols = { "networking.k8s.io", "v1",
	"networkpolicies" };

static int
list(struct client *cl, const struct client_gvr *gvr,
    struct client_kobjs *out)
{
	struct ck_status st;

	ck_status_clear(&st);
	if (client_list_all_kobj(cl, gvr, NULL, NULL, 0, out, &st) == 0)
		return 0;
	fprintf(stderr, "ckube-netpol: cannot list %s: %s\n", gvr->resource,
	    st.message);
	return CLI_EXIT_ERROR;
}

static void
fill(struct netpol_set *set, const struct client_kobjs *nss,
    const struct client_kobjs *pods, const struct client_kobjs *pols)
{
	struct ck_status st;
	size_t i;

	for (i = 0; i < nss->n; i++) {
		ck_status_clear(&st);
		if (netpol_set_add_namespace(set, nss->items[i], &st) < 0)
			fprintf(stderr, "ckube-netpol: warning: namespace %s: "
			    "annotation %s ignored: %s\n",
			    kobj_name(nss->items[i]), NETPOL_ANN_ISOLATION,
			    st.message);
	}
	for (i = 0; i < pods->n; i++)
		netpol_set_add_pod(set, pods->items[i]);
	for (i = 0; i < pols->n; i++) {
		ck_status_clear(&st);
		if (netpol_set_add_policy(set, pols->items[i], &st) < 0)
			fprintf(stderr, "ckube-netpol: warning: networkpolicy "
			    "%s ignored: %s\n", kobj_key(pols->items[i]),
			    st.message);
	}
}

int
cli_load(const struct cli_opts *o, struct netpol_set **out, char **ctx_ns)
{
	struct client_options copt = { .max_attempts = 2 };
	struct client_kobjs nss = { 0 }, pods = { 0 }, pols = { 0 };
	struct kubeconfig *kc = NULL;
	struct client *cl = NULL;
	struct ck_status st;
	const char *path = o->kubeconfig;
	int rc = CLI_EXIT_ERROR;

	*out = NULL;
	*ctx_ns = NULL;
	if ((path == NULL || path[0] == '\0') && (o->master == NULL ||
	    o->master[0] == '\0'))
		path = getenv("KUBECONFIG");
	if ((path == NULL || path[0] == '\0') && (o->master == NULL ||
	    o->master[0] == '\0')) {
		fprintf(stderr, "ckube-netpol: no cluster: give --kubeconfig "
		    "(or KUBECONFIG) or --master\n");
		return CLI_EXIT_ERROR;
	}
	ck_status_clear(&st);
	if (kubeconfig_load(path, o->master, &kc, &st) < 0 ||
	    client_new(kc, &copt, &cl, &st) < 0) {
		fprintf(stderr, "ckube-netpol: %s\n", st.message);
		goto out;
	}
	if (list(cl, &CLIENT_GVR_NAMESPACES, &nss) != 0 ||
	    list(cl, &CLIENT_GVR_PODS, &pods) != 0 ||
	    list(cl, &gvr_netpols, &pols) != 0)
		goto out;
	*out = netpol_set_new(strcmp(o->mode, "pure-1.3") == 0 ?
	    NETPOL_MODE_PURE_13 : NETPOL_MODE_DEFAULT);
	fill(*out, &nss, &pods, &pols);
	*ctx_ns = ck_strdup(kc->namespace != NULL ? kc->namespace :
	    "default");
	rc = 0;
out:
	client_kobjs_fini(&pols);
	client_kobjs_fini(&pods);
	client_kobjs_fini(&nss);
	client_free(cl);
	kubeconfig_free(kc);
	return rc;
}
