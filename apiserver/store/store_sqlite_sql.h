/*
 * store_sqlite_sql.h: private to store_sqlite.c: the names of its prepared
 * statements and the SQL text behind them (store_sqlite_sql.c).
 */
#ifndef CKUBE_APISERVER_STORE_SQLITE_SQL_H
#define CKUBE_APISERVER_STORE_SQLITE_SQL_H

/* The value of meta.schema_version this build reads and writes. */
#define STORE_SCHEMA_VERSION	1

/*
 * Every statement any connection runs. Each connection prepares one lazily,
 * on first use, and keeps it for its lifetime. Parameters: ?1 ?2 ?3 are the
 * object key (resource, namespace, name) wherever a key is used.
 */
enum stmt_id {
	ST_BEGIN,
	ST_BEGIN_IMMEDIATE,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_SEQ,
	ST_META_GET,
	ST_META_SET,
	ST_OBJ_GET,
	ST_OBJ_INSERT,
	ST_OBJ_UPDATE,
	ST_OBJ_DELETE,
	ST_EV_INSERT,
	ST_EV_DELETE_RANGE,
	ST_EV_SINCE_ALL,
	ST_EV_SINCE_RES,
	ST_LIST_ALL,
	ST_LIST_ALL_AFTER,
	ST_LIST_NS,
	ST_LIST_NS_AFTER,
	ST_COUNT_ALL,
	ST_COUNT_NS,
	ST_MAX
};

/* The SQL of each statement, indexed by enum stmt_id. */
extern const char *const store_sqlite_sql[ST_MAX];

/*
 * The schema: meta (schema_version, compacted_rv), objects keyed by
 * (resource, namespace, name), and events whose AUTOINCREMENT key is the
 * global revision. Idempotent; run in one transaction at every open.
 */
extern const char store_sqlite_schema[];

#endif
