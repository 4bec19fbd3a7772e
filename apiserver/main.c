/*
 * main.c: ckube-apiserver, the cluster profile of the apiserver library
 * (serve.c holds the wiring the federation apiserver shares).
 */
#include "apiserver.h"

int
main(int argc, char *argv[])
{
	return apiserver_main(&apiserver_profile_cluster, argc, argv);
}
