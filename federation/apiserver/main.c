/*
 * main.c: ckube-federation-apiserver, the apiserver library serving the
 * federation's resources (semantics.md section 8(a)): Clusters, DNS
 * records, and the federated kinds; its own store; everything else 404.
 */
#include "apiserver.h"

static const struct apiserver_profile federation_profile = {
	.name = "ckube-federation-apiserver",
	.summary = "the ckube federation API server: Clusters, DNS records "
	    "and federated services, namespaces, secrets, configmaps, "
	    "events, replica sets and deployments over SQLite",
	.federation = true,
};

int
main(int argc, char *argv[])
{
	return apiserver_main(&federation_profile, argc, argv);
}
