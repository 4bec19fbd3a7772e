/*
 * testapi.h: a real ckube-apiserver for C tests: a temp folder, the binary
 * ($BIN/ckube-apiserver, default bin/) on an ephemeral loopback port with
 * its watch bus on ipc://<dir>/bus, stopped with SIGTERM then SIGKILL.
 */
#ifndef CKUBE_TESTAPI_H
#define CKUBE_TESTAPI_H

struct client;

struct testapi {
	int	pid;
	char	dir[256];
	char	url[64];	/* http://127.0.0.1:PORT */
	char	bus[300];	/* ipc://DIR/bus */
};

/*
 * Start an apiserver with extra flags (NULL-terminated list, may be NULL).
 * Returns 0, or -1 if the binary is missing (skip the test) or did not come
 * up within 20 s (its log is printed).
 */
int	testapi_start(struct testapi *t, const char *const *extra);

/* A new client for t (aborts the test if it cannot be made). */
struct client *testapi_client(const struct testapi *t);

/* Stop the server and remove its folder. */
void	testapi_stop(struct testapi *t);

#endif
