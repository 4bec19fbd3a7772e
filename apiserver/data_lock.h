/*
 * data_lock.h: one apiserver per --data-dir. A second apiserver on the same
 * SQLite file would commit revisions the first one's watchers never see and
 * take over the ipc bus socket; etcd likewise locks its data. The lock is
 * flock(2) on <dir>/lock, so a killed apiserver releases it with its last fd.
 */
#ifndef CKUBE_APISERVER_DATA_LOCK_H
#define CKUBE_APISERVER_DATA_LOCK_H

#include <stddef.h>

/*
 * Lock dir for this process's lifetime and write our pid into <dir>/lock.
 * While another process holds it, retry for up to wait_ms (a stopping
 * apiserver may still be closing its store). The fd (>= 0, close-on-exec),
 * or -1 with err set: e.g. "in use by another apiserver (pid 42)".
 */
int	data_lock(const char *dir, unsigned wait_ms, char *err, size_t len);

#endif
