/*
 * sqlite_raw.c: the raw-SQLite peer of `make bench`: single-row commits of
 * 2.2 KB objects into the apiserver's own schema (store_sqlite_schema), each
 * a transaction of one objects row and one events row as the apiserver
 * writes them, with the apiserver's pragmas (WAL, synchronous=NORMAL).
 *
 *   ckube-sqlite-raw DB_PATH [N] [SIZE]   -> one JSON line on stdout
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "store/store_sqlite_sql.h"

static int
fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "ckube-sqlite-raw: %s: %s\n", what,
	    db != NULL ? sqlite3_errmsg(db) : "cannot open");
	return 1;
}

int
main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *obj = NULL, *ev = NULL;
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 20000;
	long size = argc > 3 ? strtol(argv[3], NULL, 10) : 2200;
	char name[64], *body;
	uint64_t t0, t;
	double secs;
	long i;
	int rc = 1;

	if (argc < 2 || n <= 0 || size <= 0 || size > 1 << 20) {
		fprintf(stderr, "usage: ckube-sqlite-raw DB_PATH [N] [SIZE]\n");
		return 2;
	}
	body = ck_malloc((size_t)size + 1);
	memset(body, 'x', (size_t)size);
	body[size] = '\0';
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, store_sqlite_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, store_sqlite_sql[ST_OBJ_INSERT], -1, &obj,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, store_sqlite_sql[ST_EV_INSERT], -1, &ev,
	    NULL) != SQLITE_OK) {
		rc = fail(db, "setup");
		goto out;
	}
	t0 = ck_now_us();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "raw-%ld", i);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			rc = fail(db, "begin");
			goto out;
		}
		sqlite3_bind_text(obj, 1, "configmaps", -1, SQLITE_STATIC);
		sqlite3_bind_text(obj, 2, "bench", -1, SQLITE_STATIC);
		sqlite3_bind_text(obj, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(obj, 4, i + 1);
		sqlite3_bind_text(obj, 5, body, (int)size, SQLITE_STATIC);
		sqlite3_bind_text(ev, 1, "configmaps", -1, SQLITE_STATIC);
		sqlite3_bind_text(ev, 2, "bench", -1, SQLITE_STATIC);
		sqlite3_bind_text(ev, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ev, 4, i + 1);
		sqlite3_bind_text(ev, 5, "ADDED", -1, SQLITE_STATIC);
		sqlite3_bind_text(ev, 6, body, (int)size, SQLITE_STATIC);
		if (sqlite3_step(obj) != SQLITE_DONE ||
		    sqlite3_step(ev) != SQLITE_DONE) {
			rc = fail(db, "insert");
			goto out;
		}
		sqlite3_reset(obj);
		sqlite3_reset(ev);
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			rc = fail(db, "commit");
			goto out;
		}
	}
	t = ck_now_us();
	secs = (double)(t - t0) / 1e6;
	printf("{\"mode\":\"sqlite-raw\",\"requests\":%ld,\"seconds\":%.3f,"
	    "\"per_s\":%.0f}\n", n, secs, (double)n / secs);
	rc = 0;
out:
	sqlite3_finalize(obj);
	sqlite3_finalize(ev);
	sqlite3_close(db);
	free(body);
	return rc;
}
