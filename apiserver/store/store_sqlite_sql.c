/*
 * store_sqlite_sql.c: the SQL text of the SQLite store, kept apart from the
 * code that runs it (store_sqlite.c): the schema and every prepared statement.
 */
#include "store_sqlite_sql.h"

const char *const store_sqlite_sql[ST_MAX] = {
	[ST_BEGIN] = "BEGIN",
	[ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* One write of a group commit: undone alone if it fails. */
	[ST_SAVEPOINT] = "SAVEPOINT w",
	[ST_RELEASE] = "RELEASE w",
	[ST_ROLLBACK_TO] = "ROLLBACK TO w",
	[ST_SEQ] = "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[ST_OBJ_GET] = "SELECT rv, body FROM objects "
	    "WHERE resource = ?1 AND namespace = ?2 AND name = ?3",
	[ST_OBJ_INSERT] = "INSERT INTO objects(resource, namespace, name, rv, "
	    "body) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_OBJ_UPDATE] = "UPDATE objects SET rv = ?4, body = ?5 "
	    "WHERE resource = ?1 AND namespace = ?2 AND name = ?3 AND rv = ?6",
	[ST_OBJ_DELETE] = "DELETE FROM objects "
	    "WHERE resource = ?1 AND namespace = ?2 AND name = ?3 AND rv = ?4",
	[ST_EV_INSERT] = "INSERT INTO events(resource, namespace, name, rv, "
	    "type, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_EV_DELETE_RANGE] = "DELETE FROM events WHERE rv > ?1 AND rv <= ?2",
	[ST_EV_SINCE_ALL] = "SELECT rv, type, resource, namespace, name, body "
	    "FROM events WHERE rv > ?1 ORDER BY rv LIMIT ?2",
	[ST_EV_SINCE_RES] = "SELECT rv, type, resource, namespace, name, body "
	    "FROM events WHERE resource = ?3 AND rv > ?1 ORDER BY rv LIMIT ?2",
	[ST_LIST_ALL] = "SELECT namespace, name, rv, body FROM objects "
	    "WHERE resource = ?1 ORDER BY namespace, name LIMIT ?2",
	[ST_LIST_ALL_AFTER] = "SELECT namespace, name, rv, body FROM objects "
	    "WHERE resource = ?1 AND (namespace, name) > (?3, ?4) "
	    "ORDER BY namespace, name LIMIT ?2",
	[ST_LIST_NS] = "SELECT namespace, name, rv, body FROM objects "
	    "WHERE resource = ?1 AND namespace = ?3 ORDER BY name LIMIT ?2",
	[ST_LIST_NS_AFTER] = "SELECT namespace, name, rv, body FROM objects "
	    "WHERE resource = ?1 AND namespace = ?3 AND name > ?4 "
	    "ORDER BY name LIMIT ?2",
	[ST_COUNT_ALL] = "SELECT count(*) FROM objects WHERE resource = ?1",
	[ST_COUNT_NS] = "SELECT count(*) FROM objects "
	    "WHERE resource = ?1 AND namespace = ?2",
};

const char store_sqlite_schema[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS objects ("
	"  resource TEXT NOT NULL,"
	"  namespace TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  rv INTEGER NOT NULL,"
	"  body TEXT NOT NULL,"
	"  PRIMARY KEY (resource, namespace, name)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS events ("
	"  rv INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  type TEXT NOT NULL,"
	"  resource TEXT NOT NULL,"
	"  namespace TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  body TEXT NOT NULL"
	");"
	"CREATE INDEX IF NOT EXISTS events_resource_rv ON events(resource, rv);"
	/* STORE_SCHEMA_VERSION */
	"INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', 1);"
	"INSERT OR IGNORE INTO meta(key, value) VALUES ('compacted_rv', 0);";
