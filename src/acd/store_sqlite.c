/*
 * store_sqlite.c - the embedded store backend: one SQLite database file.
 *
 * Connection: one per store handle, used by one thread at a time
 * (SQLITE_OPEN_NOMUTEX), through walvfs.c (a commit's WAL frames are
 * written with one write).  WAL journal, synchronous=FULL (a commit that
 * returned is on disk; walvfs relies on it), foreign_keys=ON, secure_delete=ON (a replaced PIN
 * hash is overwritten, not left in free pages), busy_timeout 5 s (URL
 * option busy_timeout=MS).  store_begin, and a call of several statements
 * outside it (which makes its own transaction), take the write lock at
 * once (BEGIN IMMEDIATE), so none fails half-way because another writer
 * came first.
 *
 * The file is created here with mode 0600 before SQLite opens it (it holds
 * PIN hashes); SQLite gives the -wal and -shm files the database file's
 * mode.  An existing file keeps the mode its owner gave it.
 *
 * Schema (version 3; table schema_version holds the version, migrations
 * run in order, each database upgrade in one transaction):
 *   schema_version(id = 1, version)
 *   meta(id = 1, next_handle, chg)      the handle counter, starts at 1;
 *                                       read once per transaction and
 *                                       written back just before COMMIT;
 *                                       chg: the last write transaction
 *                                       that wrote a session (version 3)
 *   agents(handle INTEGER PRIMARY KEY, id TEXT UNIQUE, name, os_user,
 *          pin_hash, state, next_state, period, activity)
 *   groups(guid BLOB(16) PRIMARY KEY, name TEXT UNIQUE)   WITHOUT ROWID
 *   queues(id INTEGER PRIMARY KEY, name, group_guid -> groups, period)
 *   activities(id INTEGER PRIMARY KEY, name)
 *   sessions(handle INTEGER PRIMARY KEY, agent -> agents ON DELETE CASCADE,
 *            group_guid, line, address, state, next_state, start_ms,
 *            end_ms, calls, talk_s, call_s, wrapup_s, longest_answer_s,
 *            total_answer_s, chg)
 * Handles are the rowid of their table, so a session costs one b-tree
 * entry plus one in sessions_agent; SQLite stores integers in as few
 * bytes as their value needs.  A session is "active" while its state is
 * not LINEAGENTSESSIONSTATE_ENDED; the partial index sessions_active_group
 * holds only those, so checking a group for active sessions stays cheap.
 * Version 2 adds the partial UNIQUE index sessions_one_active on (agent,
 * group_guid, line, address) of the active sessions: a second active
 * session there is refused with ST_EXISTS, also when two processes on one
 * file race for it.  Version 3 adds the change numbers (chg) below.
 *
 * Changed sessions (store_sessions_changed): the first session write of a
 * transaction takes the next number from meta.chg and stamps it on every
 * session the transaction inserts or updates (index sessions_chg).  Write
 * transactions are serialised (BEGIN IMMEDIATE) and each reads meta.chg
 * after the one before it committed, so the numbers grow in commit order:
 * a reader that saw a row with number N in its snapshot saw every commit
 * numbered N or less.  The cursor is the lowest number not read yet, so a
 * transaction still open during a read (its number is above everything
 * committed) is read by the next call.  A rolled-back transaction's
 * number comes again; nobody has read it.
 *
 * Inside store_begin, a failure other than a refused record loses the
 * transaction (SQLite may roll it back by itself on a full disk or an I/O
 * error): later writes and store_commit return that failure.
 *
 * Removal rules (see store.h): a group with queues or active sessions and
 * an agent with active sessions are refused with ST_INUSE; an agent's
 * ended sessions go with it; ended sessions keep a removed group's GUID.
 *
 * store_changed uses PRAGMA data_version, which moves when another
 * connection commits anything (directory, agents' states, sessions), and
 * never for this connection's own commits.  store_fd is -1.
 *
 * Handles: the counter is read inside a BEGIN IMMEDIATE transaction, which
 * holds the database's write lock until COMMIT, and written back before
 * COMMIT; so two processes on one file never take the same handle.
 */
#include "store_backend.h"

#include "walvfs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <tapi.h>

#define SESSION_ENDED STORE_SESSION_ENDED

/* ---- schema -------------------------------------------------------------- */

static const char schema_v1[] =
    "CREATE TABLE meta ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " next_handle INTEGER NOT NULL);"
    "INSERT INTO meta (id, next_handle) VALUES (1, 1);"
    "CREATE TABLE agents ("
    " handle INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE CHECK (length(CAST(id AS BLOB)) BETWEEN 1 AND 63),"
    " name TEXT NOT NULL DEFAULT '' CHECK (length(CAST(name AS BLOB)) <= 127),"
    " os_user TEXT NOT NULL DEFAULT '' CHECK (length(CAST(os_user AS BLOB)) <= 63),"
    " pin_hash TEXT NOT NULL DEFAULT '' CHECK (length(CAST(pin_hash AS BLOB)) <= 127),"
    " state INTEGER NOT NULL DEFAULT 0,"
    " next_state INTEGER NOT NULL DEFAULT 0,"
    " period INTEGER NOT NULL DEFAULT 0,"
    " activity INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE groups ("
    " guid BLOB PRIMARY KEY CHECK (typeof(guid) = 'blob' AND length(guid) = 16),"
    " name TEXT NOT NULL UNIQUE CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 127)"
    ") WITHOUT ROWID;"
    "CREATE TABLE queues ("
    " id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 4294967295),"
    " name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 127),"
    " group_guid BLOB NOT NULL REFERENCES groups (guid),"
    " period INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX queues_group ON queues (group_guid);"
    "CREATE TABLE activities ("
    " id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 4294967295),"
    " name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 127));"
    "CREATE TABLE sessions ("
    " handle INTEGER PRIMARY KEY,"
    " agent INTEGER NOT NULL REFERENCES agents (handle) ON DELETE CASCADE,"
    " group_guid BLOB NOT NULL,"
    " line INTEGER NOT NULL, address INTEGER NOT NULL,"
    " state INTEGER NOT NULL, next_state INTEGER NOT NULL,"
    " start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,"
    " calls INTEGER NOT NULL, talk_s INTEGER NOT NULL, call_s INTEGER NOT NULL,"
    " wrapup_s INTEGER NOT NULL, longest_answer_s INTEGER NOT NULL,"
    " total_answer_s INTEGER NOT NULL);"
    "CREATE INDEX sessions_agent ON sessions (agent);"
    "CREATE INDEX sessions_active_group ON sessions (group_guid)"
    " WHERE state <> " SESSION_ENDED ";";

/* Version 2: one agent cannot be logged into the same group at the same
   line and address twice, whichever node asks - a constraint of the
   database, not only of one process's memory.  Duplicates that two
   processes on one file could make before it are ended first, the oldest
   kept (the one a single process would have kept). */
static const char schema_v2[] =
    "UPDATE sessions SET state = " SESSION_ENDED ", next_state = 0,"
    " end_ms = max(start_ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"
    " WHERE state <> " SESSION_ENDED " AND EXISTS (SELECT 1 FROM sessions o"
    " WHERE o.agent = sessions.agent AND o.group_guid = sessions.group_guid"
    " AND o.line = sessions.line AND o.address = sessions.address"
    " AND o.state <> " SESSION_ENDED " AND o.handle < sessions.handle);"
    "CREATE UNIQUE INDEX sessions_one_active ON sessions (agent, group_guid, line, address)"
    " WHERE state <> " SESSION_ENDED ";";

/* Version 3: the change numbers that let another node read only the
   sessions that changed.  Existing sessions get 0: a first load reads
   them all anyway. */
static const char schema_v3[] = "ALTER TABLE meta ADD COLUMN chg INTEGER NOT NULL DEFAULT 0;"
                                "ALTER TABLE sessions ADD COLUMN chg INTEGER NOT NULL DEFAULT 0;"
                                "CREATE INDEX sessions_chg ON sessions (chg);";

/* migrations[i] takes a database from version i to i + 1. */
static const char *const migrations[] = {schema_v1, schema_v2, schema_v3};
#define SCHEMA_LATEST ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- statements ------------------------------------------------------------ */

#define AGENT_COLS STORE_AGENT_COLS
#define SESSION_COLS STORE_SESSION_COLS

enum sid {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_HANDLE_GET,
    S_HANDLE_SET,
    S_CHG_GET,
    S_CHG_SET,
    S_DATA_VERSION,
    S_AGENTS,
    S_AGENT_GET,
    S_AGENT_ADD,
    S_AGENT_UPDATE,
    S_AGENT_HANDLE,
    S_AGENT_ACTIVE,
    S_AGENT_DELETE,
    S_GROUPS,
    S_GROUP_NAME,
    S_GROUP_ADD,
    S_GROUP_QUEUES,
    S_GROUP_ACTIVE,
    S_GROUP_DELETE,
    S_QUEUES,
    S_QUEUE_ADD,
    S_QUEUE_UPDATE,
    S_QUEUE_DELETE,
    S_ACTIVITIES,
    S_ACTIVITY_ADD,
    S_ACTIVITY_DELETE,
    S_ACTIVITY_CLEAR,
    S_SESSIONS,
    S_SESSIONS_SINCE,
    S_SESSION_ADD,
    S_SESSION_UPDATE,
    S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_HANDLE_GET] = "SELECT next_handle FROM meta WHERE id = 1",
    [S_HANDLE_SET] = "UPDATE meta SET next_handle = ?1 WHERE id = 1",
    [S_CHG_GET] = "SELECT chg FROM meta WHERE id = 1",
    [S_CHG_SET] = "UPDATE meta SET chg = ?1 WHERE id = 1",
    [S_DATA_VERSION] = "PRAGMA data_version",
    [S_AGENTS] = "SELECT " AGENT_COLS " FROM agents ORDER BY id",
    [S_AGENT_GET] = "SELECT " AGENT_COLS " FROM agents WHERE id = ?1",
    [S_AGENT_ADD] =
        "INSERT INTO agents (" AGENT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_AGENT_UPDATE] = "UPDATE agents SET id = ?2, name = ?3, os_user = ?4, pin_hash = ?5,"
                       " state = ?6, next_state = ?7, period = ?8, activity = ?9"
                       " WHERE handle = ?1",
    [S_AGENT_HANDLE] = "SELECT handle FROM agents WHERE id = ?1",
    [S_AGENT_ACTIVE] = "SELECT count(*) FROM sessions WHERE agent = ?1 AND state <> " SESSION_ENDED,
    [S_AGENT_DELETE] = "DELETE FROM agents WHERE handle = ?1",
    [S_GROUPS] = "SELECT guid, name FROM groups ORDER BY name",
    [S_GROUP_NAME] = "SELECT name FROM groups WHERE guid = ?1",
    [S_GROUP_ADD] = "INSERT INTO groups (guid, name) VALUES (?1, ?2)",
    [S_GROUP_QUEUES] = "SELECT count(*) FROM queues WHERE group_guid = ?1",
    [S_GROUP_ACTIVE] = "SELECT count(*) FROM sessions WHERE group_guid = ?1"
                       " AND state <> " SESSION_ENDED,
    [S_GROUP_DELETE] = "DELETE FROM groups WHERE guid = ?1",
    [S_QUEUES] = "SELECT id, name, group_guid, period FROM queues ORDER BY id",
    [S_QUEUE_ADD] = "INSERT INTO queues (id, name, group_guid, period) VALUES (?1, ?2, ?3, ?4)",
    [S_QUEUE_UPDATE] = "UPDATE queues SET name = ?2, group_guid = ?3, period = ?4 WHERE id = ?1",
    [S_QUEUE_DELETE] = "DELETE FROM queues WHERE id = ?1",
    [S_ACTIVITIES] = "SELECT id, name FROM activities ORDER BY id",
    [S_ACTIVITY_ADD] = "INSERT INTO activities (id, name) VALUES (?1, ?2)",
    [S_ACTIVITY_DELETE] = "DELETE FROM activities WHERE id = ?1",
    [S_ACTIVITY_CLEAR] = "UPDATE agents SET activity = 0 WHERE activity = ?1",
    /* the change number last: row_session reads the fields before it */
    [S_SESSIONS] = "SELECT " SESSION_COLS ", chg FROM sessions ORDER BY handle",
    /* by the index: without statistics SQLite would rather scan in
       handle order than sort, which costs the pass this is to save */
    [S_SESSIONS_SINCE] = "SELECT " SESSION_COLS ", chg FROM sessions INDEXED BY sessions_chg"
                         " WHERE chg >= ?1 ORDER BY handle",
    [S_SESSION_ADD] = "INSERT INTO sessions (" SESSION_COLS ", chg) VALUES"
                      " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [S_SESSION_UPDATE] = "UPDATE sessions SET agent = ?2, group_guid = ?3, line = ?4,"
                         " address = ?5, state = ?6, next_state = ?7, start_ms = ?8,"
                         " end_ms = ?9, calls = ?10, talk_s = ?11, call_s = ?12,"
                         " wrapup_s = ?13, longest_answer_s = ?14, total_answer_s = ?15,"
                         " chg = ?16 WHERE handle = ?1",
};

struct sq {
    struct acd_store base; /* first: store.c sees only this */
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    int version;
    int64_t data_version;
    bool readonly;
    bool in_txn;  /* store_begin succeeded, no commit/rollback yet */
    int txn_fail; /* an error that made SQLite roll the open transaction back */
    int last_rc;  /* SQLite's code for the last failed statement, 0 = none */
    /* The handle counter while a transaction is open (see next_handle). */
    int64_t h_next;
    bool h_loaded, h_dirty;
    /* The open transaction's change number, once it wrote a session. */
    int64_t c_cur;
    bool c_taken;
};

#define SQ(b) ((struct sq *)(b))

/* ---- errors ------------------------------------------------------------------ */

/* Map SQLite's result `rc` to an ST_ code and set the message "what: ...".
   write: the operation writes (a file that cannot be opened then means the
   database cannot be written). */
static int fail_rc(struct sq *s, int rc, bool write, const char *what)
{
    int sys = sqlite3_system_errno(s->db);
    int r;
    s->last_rc = rc;
    switch (rc & 0xff) {
    case SQLITE_FULL:
        r = ST_FULL;
        break;
    case SQLITE_READONLY:
        r = ST_READONLY;
        break;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
        r = write ? ST_READONLY : ST_ERR;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        r = ST_BUSY;
        break;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            r = ST_NOTFOUND;
        else if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            r = ST_EXISTS;
        else
            r = ST_ERR;
        break;
    case SQLITE_IOERR:
        if (sys == ENOSPC || sys == EDQUOT || sys == EFBIG)
            r = ST_FULL;
        else if (sys == EROFS || sys == EACCES || sys == EPERM)
            r = ST_READONLY;
        else
            r = ST_ERR;
        break;
    default:
        r = ST_ERR;
        break;
    }
    const char *msg = sqlite3_errmsg(s->db);
    if ((rc & 0xff) == SQLITE_IOERR && sys)
        store_set_err(&s->base, "%s: %s (%s)", what, msg, strerror(sys));
    else
        store_set_err(&s->base, "%s: %s", what, msg);
    /* Inside store_begin, anything but a refused record (a taken key, a
       missing reference) loses the transaction: SQLite may have rolled it
       back already, and store_commit rolls back what is left. */
    if (s->in_txn && !s->txn_fail && (rc & 0xff) != SQLITE_CONSTRAINT)
        s->txn_fail = r;
    return r;
}

/* ---- statement helpers ------------------------------------------------------- */

static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void bind_u32(sqlite3_stmt *st, int i, uint32_t v)
{
    sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_guid(sqlite3_stmt *st, int i, const st_guid *g)
{
    sqlite3_bind_blob(st, i, g->b, sizeof g->b, SQLITE_STATIC);
}

static uint32_t col_u32(sqlite3_stmt *st, int i)
{
    return (uint32_t)sqlite3_column_int64(st, i);
}

/* Copy a text column into dst[cap]; cut at a character boundary if the
   database holds more than fits (the schema's checks prevent that). */
static void col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && (t[n] & 0xc0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

static void col_guid(sqlite3_stmt *st, int i, st_guid *g)
{
    const void *b = sqlite3_column_blob(st, i);
    if (b && sqlite3_column_bytes(st, i) == (int)sizeof g->b)
        memcpy(g->b, b, sizeof g->b);
    else
        memset(g->b, 0, sizeof g->b);
}

/* Run a statement that returns no rows.  ST_OK or an error. */
static int exec_st(struct sq *s, enum sid id, bool write, const char *what)
{
    sqlite3_stmt *st = s->st[id];
    s->last_rc = 0;
    int rc = sqlite3_step(st);
    int r = rc == SQLITE_DONE ? ST_OK : fail_rc(s, rc, write, what);
    done(st);
    return r;
}

/* Run a statement whose first row's first column is an integer; no row
   gives 0. */
static int query_int(struct sq *s, enum sid id, const char *what, int64_t *out)
{
    sqlite3_stmt *st = s->st[id];
    int rc = sqlite3_step(st);
    int r = ST_OK;
    *out = 0;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        r = fail_rc(s, rc, false, what);
    done(st);
    return r;
}

/* A write that must touch one row: ST_NOTFOUND when it touched none. */
static int exec_one(struct sq *s, enum sid id, const char *what, const char *notfound)
{
    int r = exec_st(s, id, true, what);
    if (r == ST_OK && sqlite3_changes(s->db) == 0) {
        store_set_err(&s->base, "%s", notfound);
        r = ST_NOTFOUND;
    }
    return r;
}

/* The handle counter is read once per transaction and counted here while
   the transaction is open; it is written back just before COMMIT.  From
   BEGIN IMMEDIATE on the write lock is ours, so no other connection takes
   handles meanwhile; and one UPDATE per transaction instead of one per
   handle keeps big transactions fast. */
static void handles_forget(struct sq *s)
{
    s->h_loaded = s->h_dirty = false;
    s->c_taken = false; /* the change number too: it is per transaction */
}

static int handles_save(struct sq *s)
{
    if (!s->h_dirty)
        return ST_OK;
    sqlite3_bind_int64(s->st[S_HANDLE_SET], 1, s->h_next);
    int r = exec_one(s, S_HANDLE_SET, "saving the handle counter", "the handle counter is missing");
    if (r == ST_OK)
        s->h_dirty = false;
    return r;
}

static void rollback_txn(struct sq *s)
{
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_stmt *st = s->st[S_ROLLBACK];
        sqlite3_step(st);
        done(st);
    }
    handles_forget(s);
}

/* Save the counter and COMMIT; on failure roll back (keeping the message). */
static int commit_txn(struct sq *s)
{
    int r = handles_save(s);
    if (r == ST_OK)
        r = exec_st(s, S_COMMIT, true, "commit");
    if (r != ST_OK) {
        char keep[sizeof s->base.err];
        memcpy(keep, s->base.err, sizeof keep);
        rollback_txn(s);
        memcpy(s->base.err, keep, sizeof keep);
    }
    handles_forget(s);
    return r;
}

/* Operations of several statements run in the caller's transaction, or in
   their own when there is none. */
static int op_begin(struct sq *s, bool *own)
{
    *own = false;
    if (!sqlite3_get_autocommit(s->db))
        return ST_OK;
    int r = exec_st(s, S_BEGIN, true, "begin");
    if (r == ST_OK)
        *own = true;
    return r;
}

static int op_end(struct sq *s, bool own, int r)
{
    if (!own)
        return r;
    if (r == ST_OK)
        return commit_txn(s);
    rollback_txn(s);
    return r;
}

/* Inside store_begin after a failure that lost the transaction, writes
   are refused (they would otherwise commit on their own). */
static bool txn_lost(struct sq *s, int *r)
{
    if (!s->in_txn || !s->txn_fail)
        return false;
    store_set_err(&s->base, "the transaction was lost to an earlier error; roll it back");
    *r = s->txn_fail;
    return true;
}

/* Every write starts with this: return at once when txn_lost refuses. */
#define REFUSE_IF_LOST(s)                                                                          \
    do {                                                                                           \
        int lost_r_;                                                                               \
        if (txn_lost((s), &lost_r_))                                                               \
            return lost_r_;                                                                        \
    } while (0)

/* ---- opening --------------------------------------------------------------------- */

/* fsync the directory holding path, so a new file's name is durable. */
static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

/* Create the database file with mode 0600 unless it exists. */
static int precreate(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return ST_OK;
        int e = errno;
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(e));
        return e == EROFS || e == EACCES || e == EPERM ? ST_READONLY
               : e == ENOSPC || e == EDQUOT            ? ST_FULL
                                                       : ST_ERR;
    }
    /* The umask may have taken bits away; 0600 is what we want. */
    int r = fchmod(fd, 0600) == 0 && fsync(fd) == 0 ? ST_OK : ST_ERR;
    if (r != ST_OK)
        snprintf(err, errlen, "cannot set up %s: %s", path, strerror(errno));
    close(fd);
    if (r == ST_OK)
        sync_dir(path);
    return r;
}

static int exec_sql(struct sq *s, const char *text, bool write, const char *what)
{
    int rc = sqlite3_exec(s->db, text, NULL, NULL, NULL);
    return rc == SQLITE_OK ? ST_OK : fail_rc(s, rc, write, what);
}

/* One integer from an ad-hoc query (open time only). */
static int adhoc_int(struct sq *s, const char *text, int64_t *out, bool *row)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, text, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail_rc(s, rc, false, "reading the schema");
    rc = sqlite3_step(st);
    *out = 0;
    if (row)
        *row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    int r =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : fail_rc(s, rc, false, "reading the schema");
    sqlite3_finalize(st);
    return r;
}

/* The database's schema version: 0 for an empty database. */
static int read_version(struct sq *s, int *version)
{
    int64_t n;
    bool row;
    int r = adhoc_int(s,
                      "SELECT count(*) FROM sqlite_schema"
                      " WHERE type = 'table' AND name = 'schema_version'",
                      &n, NULL);
    if (r)
        return r;
    if (n == 0) {
        r = adhoc_int(
            s, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite^_%' ESCAPE '^'", &n,
            NULL);
        if (r)
            return r;
        if (n) {
            store_set_err(&s->base,
                          "not an acdproxy database (it has tables but no schema_version)");
            return ST_ERR;
        }
        *version = 0;
        return ST_OK;
    }
    r = adhoc_int(s, "SELECT version FROM schema_version WHERE id = 1", &n, &row);
    if (r)
        return r;
    if (n < 0 || n > 1000000) {
        store_set_err(&s->base, "bad schema version %lld in the database", (long long)n);
        return ST_ERR;
    }
    *version = (int)n;
    return ST_OK;
}

static int newer_err(struct sq *s, int v)
{
    return store_err_newer(&s->base, v, SCHEMA_LATEST);
}

/* Bring the schema to SCHEMA_LATEST, in one transaction. */
static int migrate(struct sq *s)
{
    int v;
    int r = read_version(s, &v);
    if (r)
        return r;
    if (v > SCHEMA_LATEST)
        return newer_err(s, v);
    if (v == SCHEMA_LATEST) {
        s->version = v;
        return ST_OK;
    }
    if (s->readonly) {
        store_set_err(&s->base,
                      "the database is at schema version %d and needs migrating to %d,"
                      " but it is read-only",
                      v, SCHEMA_LATEST);
        return ST_READONLY;
    }
    r = exec_sql(s, "BEGIN IMMEDIATE", true, "migrating the schema");
    if (r)
        return r;
    r = read_version(s, &v); /* another process may have done it meanwhile */
    if (r == ST_OK && v > SCHEMA_LATEST)
        r = newer_err(s, v);
    if (r == ST_OK)
        r = exec_sql(s,
                     "CREATE TABLE IF NOT EXISTS schema_version ("
                     " id INTEGER PRIMARY KEY CHECK (id = 1),"
                     " version INTEGER NOT NULL);"
                     "INSERT OR IGNORE INTO schema_version (id, version) VALUES (1, 0);",
                     true, "creating the version table");
    for (; r == ST_OK && v < SCHEMA_LATEST; v++) {
        char what[64], upd[96];
        snprintf(what, sizeof what, "migrating the schema to version %d", v + 1);
        r = exec_sql(s, migrations[v], true, what);
        if (r == ST_OK) {
            snprintf(upd, sizeof upd, "UPDATE schema_version SET version = %d WHERE id = 1", v + 1);
            r = exec_sql(s, upd, true, what);
        }
    }
    if (r == ST_OK)
        r = exec_sql(s, "COMMIT", true, "committing the schema migration");
    if (r != ST_OK) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    s->version = v;
    return ST_OK;
}

static const struct store_ops sq_ops;

static void sq_close(struct acd_store *b)
{
    struct sq *s = SQ(b);
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

static int open_fail(struct sq *s, int r, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", s->base.err);
    sq_close(&s->base);
    return r;
}

int store_sqlite_open(const char *path, const struct sqlite_opts *opt, struct acd_store **out,
                      char *err, size_t errlen)
{
    bool readonly = opt->readonly;
    *out = NULL;
    int r = ST_OK;
    if (readonly) {
        struct stat sb;
        if (stat(path, &sb) < 0) {
            snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
            return ST_ERR;
        }
    } else if ((r = precreate(path, err, errlen)) != ST_OK) {
        return r;
    }

    struct sq *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return ST_ERR;
    }
    s->base.ops = &sq_ops;
    int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    /* walvfs: a commit's WAL frames leave in one write; safe because
       this connection always syncs at commit (synchronous=FULL below). */
    int rc = sqlite3_open_v2(path, &s->db, flags, walvfs_name());
    if (rc != SQLITE_OK) {
        if (s->db)
            store_set_err(&s->base, "cannot open %s: %s", path, sqlite3_errmsg(s->db));
        else
            store_set_err(&s->base, "cannot open %s: out of memory", path);
        return open_fail(s, ST_ERR, err, errlen);
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, opt->busy_ms);
    /* A file we may not write opens read-only even without asking. */
    s->readonly = readonly || sqlite3_db_readonly(s->db, "main") == 1;

    r = exec_sql(s,
                 "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;"
                 " PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;",
                 false, path);
    if (r == ST_OK && !s->readonly) {
        int64_t dummy;
        /* Reading first tells "not a database" apart from journal trouble. */
        r = adhoc_int(s, "SELECT count(*) FROM sqlite_schema", &dummy, NULL);
        sqlite3_stmt *st = NULL;
        if (r == ST_OK) {
            rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
            if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const char *mode = (const char *)sqlite3_column_text(st, 0);
                if (!mode || strcmp(mode, "wal") != 0) {
                    store_set_err(&s->base, "%s: cannot switch to WAL journal (mode is %s)", path,
                                  mode ? mode : "unknown");
                    r = ST_ERR;
                }
            } else {
                r = fail_rc(s, rc, true, "setting the WAL journal");
            }
            sqlite3_finalize(st);
        }
    }
    if (r == ST_OK)
        r = migrate(s);
    if (r != ST_OK) {
        char buf[sizeof s->base.err];
        snprintf(buf, sizeof buf, "%s", s->base.err);
        if (!strstr(buf, path))
            store_set_err(&s->base, "%s: %s", path, buf);
        return open_fail(s, r, err, errlen);
    }
    for (int i = 0; i < S_COUNT; i++) {
        rc = sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
        if (rc != SQLITE_OK) {
            store_set_err(&s->base, "%s: preparing statement %d: %s", path, i,
                          sqlite3_errmsg(s->db));
            return open_fail(s, ST_ERR, err, errlen);
        }
    }
    int64_t dv;
    if ((r = query_int(s, S_DATA_VERSION, "reading data_version", &dv)) != ST_OK)
        return open_fail(s, r, err, errlen);
    s->data_version = dv;
    s->base.err[0] = '\0';
    *out = &s->base;
    return ST_OK;
}

/* ---- transactions ------------------------------------------------------------ */

static int sq_schema_version(struct acd_store *b)
{
    return SQ(b)->version;
}

static int sq_begin(struct acd_store *b)
{
    struct sq *s = SQ(b);
    if (!sqlite3_get_autocommit(s->db)) {
        store_set_err(b, "begin: a transaction is already open");
        return ST_ERR;
    }
    if (s->readonly) {
        store_set_err(b, "begin: the database is read-only");
        return ST_READONLY;
    }
    handles_forget(s); /* the counter is read anew under this transaction's lock */
    int r = exec_st(s, S_BEGIN, true, "begin");
    if (r == ST_OK) {
        s->in_txn = true;
        s->txn_fail = 0;
    }
    return r;
}

static void sq_rollback(struct acd_store *b)
{
    struct sq *s = SQ(b);
    rollback_txn(s);
    s->in_txn = false;
    s->txn_fail = 0;
}

static int sq_commit(struct acd_store *b)
{
    struct sq *s = SQ(b);
    int r;
    if (!s->in_txn || s->txn_fail || sqlite3_get_autocommit(s->db)) {
        r = s->in_txn && s->txn_fail ? s->txn_fail : ST_ERR;
        if (!s->in_txn)
            store_set_err(b, "commit: no transaction is open");
        else if (!s->txn_fail)
            store_set_err(b, "commit: the transaction was rolled back");
        /* else the message of the failure that lost the transaction stays */
        char keep[sizeof b->err];
        memcpy(keep, b->err, sizeof keep);
        rollback_txn(s);
        memcpy(b->err, keep, sizeof keep);
    } else {
        r = commit_txn(s);
    }
    s->in_txn = false;
    s->txn_fail = 0;
    return r;
}

/* Take the next handle into *out.  ST_OK or an error. */
static int next_handle(struct sq *s, uint32_t *out)
{
    int r;
    bool own;
    *out = 0;
    if (txn_lost(s, &r))
        return r;
    if ((r = op_begin(s, &own)) != ST_OK)
        return r;
    if (!s->h_loaded) {
        r = query_int(s, S_HANDLE_GET, "reading the handle counter", &s->h_next);
        s->h_loaded = r == ST_OK;
    }
    if (r == ST_OK && (s->h_next < 1 || s->h_next > UINT32_MAX)) {
        store_set_err(&s->base, "next handle: no handles left");
        r = ST_ERR;
    }
    uint32_t h = 0;
    if (r == ST_OK) {
        h = (uint32_t)s->h_next++;
        s->h_dirty = true;
    }
    r = op_end(s, own, r);
    if (r == ST_OK)
        *out = h;
    return r;
}

/* The open transaction's change number into *out, taken from meta at its
   first session write (the caller has a transaction open: op_begin).
   Written at once: one UPDATE per transaction, undone by a rollback. */
static int change_number(struct sq *s, int64_t *out)
{
    int r = ST_OK;
    if (!s->c_taken) {
        int64_t v;
        r = query_int(s, S_CHG_GET, "reading the change counter", &v);
        if (r == ST_OK) {
            sqlite3_bind_int64(s->st[S_CHG_SET], 1, v + 1);
            r = exec_one(s, S_CHG_SET, "saving the change counter",
                         "the change counter is missing");
        }
        if (r == ST_OK) {
            s->c_cur = v + 1;
            s->c_taken = true;
        }
    }
    *out = s->c_cur;
    return r;
}

static uint32_t sq_next_handle(struct acd_store *b)
{
    uint32_t h;
    return next_handle(SQ(b), &h) == ST_OK ? h : 0;
}

static int sq_changed(struct acd_store *b, bool *changed)
{
    struct sq *s = SQ(b);
    int64_t v;
    *changed = false;
    int r = query_int(s, S_DATA_VERSION, "reading data_version", &v);
    if (r)
        return r;
    *changed = v != s->data_version;
    s->data_version = v;
    return ST_OK;
}

static int sq_fd(struct acd_store *b)
{
    (void)b;
    return -1;
}

/* ---- iteration ------------------------------------------------------------------ */

/* Step through statement `id`, turning each row into a record with `row`
   and handing it to the callback `call`. */
#define ITERATE(s, id, type, row, fn, arg, what)                                                   \
    do {                                                                                           \
        sqlite3_stmt *st_ = (s)->st[id];                                                           \
        int rc_, r_ = 0;                                                                           \
        type rec_;                                                                                 \
        while ((rc_ = sqlite3_step(st_)) == SQLITE_ROW) {                                          \
            row(st_, &rec_);                                                                       \
            if ((r_ = (fn)((arg), &rec_)) != 0)                                                    \
                break;                                                                             \
        }                                                                                          \
        if (r_ == 0 && rc_ != SQLITE_DONE)                                                         \
            r_ = fail_rc((s), rc_, false, (what));                                                 \
        done(st_);                                                                                 \
        return r_;                                                                                 \
    } while (0)

static void row_agent(sqlite3_stmt *st, struct st_agent *a)
{
    a->handle = col_u32(st, 0);
    col_text(st, 1, a->id, sizeof a->id);
    col_text(st, 2, a->name, sizeof a->name);
    col_text(st, 3, a->os_user, sizeof a->os_user);
    col_text(st, 4, a->pin_hash, sizeof a->pin_hash);
    a->state = col_u32(st, 5);
    a->next_state = col_u32(st, 6);
    a->period = col_u32(st, 7);
    a->activity = col_u32(st, 8);
}

static void row_group(sqlite3_stmt *st, struct st_group *g)
{
    col_guid(st, 0, &g->guid);
    col_text(st, 1, g->name, sizeof g->name);
}

static void row_queue(sqlite3_stmt *st, struct st_queue *q)
{
    q->id = col_u32(st, 0);
    col_text(st, 1, q->name, sizeof q->name);
    col_guid(st, 2, &q->group);
    q->period = col_u32(st, 3);
}

static void row_activity(sqlite3_stmt *st, struct st_activity *a)
{
    a->id = col_u32(st, 0);
    col_text(st, 1, a->name, sizeof a->name);
}

static void row_session(sqlite3_stmt *st, struct st_session *ss)
{
    ss->handle = col_u32(st, 0);
    ss->agent = col_u32(st, 1);
    col_guid(st, 2, &ss->group);
    ss->line = col_u32(st, 3);
    ss->address = col_u32(st, 4);
    ss->state = col_u32(st, 5);
    ss->next_state = col_u32(st, 6);
    ss->start_ms = sqlite3_column_int64(st, 7);
    ss->end_ms = sqlite3_column_int64(st, 8);
    ss->calls = col_u32(st, 9);
    ss->talk_s = col_u32(st, 10);
    ss->call_s = col_u32(st, 11);
    ss->wrapup_s = col_u32(st, 12);
    ss->longest_answer_s = col_u32(st, 13);
    ss->total_answer_s = col_u32(st, 14);
}

static int sq_agents(struct acd_store *b, st_agent_fn fn, void *arg)
{
    ITERATE(SQ(b), S_AGENTS, struct st_agent, row_agent, fn, arg, "listing agents");
}

static int sq_groups(struct acd_store *b, st_group_fn fn, void *arg)
{
    ITERATE(SQ(b), S_GROUPS, struct st_group, row_group, fn, arg, "listing groups");
}

static int sq_queues(struct acd_store *b, st_queue_fn fn, void *arg)
{
    ITERATE(SQ(b), S_QUEUES, struct st_queue, row_queue, fn, arg, "listing queues");
}

static int sq_activities(struct acd_store *b, st_activity_fn fn, void *arg)
{
    ITERATE(SQ(b), S_ACTIVITIES, struct st_activity, row_activity, fn, arg, "listing activities");
}

static int sq_sessions(struct acd_store *b, st_session_fn fn, void *arg)
{
    ITERATE(SQ(b), S_SESSIONS, struct st_session, row_session, fn, arg, "listing sessions");
}

/* ---- agents ------------------------------------------------------------------------ */

static int sq_agent_get(struct acd_store *b, const char *id, struct st_agent *out)
{
    struct sq *s = SQ(b);
    sqlite3_stmt *st = s->st[S_AGENT_GET];
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    int r = ST_OK;
    if (rc == SQLITE_ROW) {
        row_agent(st, out);
    } else if (rc == SQLITE_DONE) {
        store_set_err(b, "no agent '%s'", id);
        r = ST_NOTFOUND;
    } else {
        r = fail_rc(s, rc, false, "reading an agent");
    }
    done(st);
    return r;
}

/* bind_agent and bind_session take a void pointer to serve insert_handled. */
static void bind_agent(sqlite3_stmt *st, const void *rec)
{
    const struct st_agent *a = rec;
    bind_u32(st, 1, a->handle);
    bind_text(st, 2, a->id);
    bind_text(st, 3, a->name);
    bind_text(st, 4, a->os_user);
    bind_text(st, 5, a->pin_hash);
    bind_u32(st, 6, a->state);
    bind_u32(st, 7, a->next_state);
    bind_u32(st, 8, a->period);
    bind_u32(st, 9, a->activity);
}

/* Insert a record under a new handle: statement `id` has the handle as
   parameter 1, so the record is bound as it is and the handle bound over
   it.  Taking the handle and inserting share one transaction, so a
   refused insert takes no handle.  The handle is in *h on ST_OK. */
static int insert_handled(struct sq *s, enum sid id, const char *what,
                          void (*bind)(sqlite3_stmt *, const void *), const void *rec, uint32_t *h)
{
    bool own;
    int r = op_begin(s, &own);
    if (r)
        return r;
    r = next_handle(s, h);
    if (r == ST_OK) {
        bind(s->st[id], rec);
        bind_u32(s->st[id], 1, *h);
        r = exec_st(s, id, true, what);
    }
    return op_end(s, own, r);
}

static int sq_agent_add(struct acd_store *b, struct st_agent *a)
{
    REFUSE_IF_LOST(SQ(b));
    if (store_check_agent(b, a))
        return ST_ERR;
    uint32_t h;
    int r = insert_handled(SQ(b), S_AGENT_ADD, "adding an agent", bind_agent, a, &h);
    if (r == ST_OK)
        a->handle = h;
    else if (r == ST_EXISTS)
        store_set_err(b, "agent '%s' already exists", a->id);
    return r;
}

static int sq_agent_update(struct acd_store *b, const struct st_agent *a)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    if (store_check_agent(b, a))
        return ST_ERR;
    bind_agent(s->st[S_AGENT_UPDATE], a);
    char nf[96];
    snprintf(nf, sizeof nf, "no agent with handle %u", a->handle);
    int r = exec_one(s, S_AGENT_UPDATE, "updating an agent", nf);
    if (r == ST_EXISTS)
        store_set_err(b, "agent '%s' already exists", a->id);
    return r;
}

static int sq_agent_remove(struct acd_store *b, const char *id)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    bool own;
    int64_t handle, active;
    int r = op_begin(s, &own);
    if (r)
        return r;
    bind_text(s->st[S_AGENT_HANDLE], 1, id);
    r = query_int(s, S_AGENT_HANDLE, "removing an agent", &handle);
    if (r == ST_OK && handle == 0) {
        store_set_err(b, "no agent '%s'", id);
        r = ST_NOTFOUND;
    }
    if (r == ST_OK) {
        sqlite3_bind_int64(s->st[S_AGENT_ACTIVE], 1, handle);
        r = query_int(s, S_AGENT_ACTIVE, "removing an agent", &active);
        if (r == ST_OK && active) {
            store_set_err(b, "agent '%s' has %lld active session(s); end them first", id,
                          (long long)active);
            r = ST_INUSE;
        }
    }
    if (r == ST_OK) {
        sqlite3_bind_int64(s->st[S_AGENT_DELETE], 1, handle);
        r = exec_st(s, S_AGENT_DELETE, true, "removing an agent");
    }
    return op_end(s, own, r);
}

/* ---- groups ------------------------------------------------------------------------ */

static int sq_group_add(struct acd_store *b, const struct st_group *g)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    if (store_check_str(b, "group name", g->name, sizeof g->name, false))
        return ST_ERR;
    sqlite3_stmt *st = s->st[S_GROUP_ADD];
    bind_guid(st, 1, &g->guid);
    bind_text(st, 2, g->name);
    int r = exec_st(s, S_GROUP_ADD, true, "adding a group");
    if (r == ST_EXISTS)
        store_set_err(b, "a group named '%s' or with that GUID already exists", g->name);
    return r;
}

static int sq_group_remove(struct acd_store *b, const st_guid *guid)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    bool own;
    int64_t n;
    char name[ST_NAME_MAX] = "";
    int r = op_begin(s, &own);
    if (r)
        return r;
    sqlite3_stmt *st = s->st[S_GROUP_NAME];
    bind_guid(st, 1, guid);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        col_text(st, 0, name, sizeof name);
    else if (rc == SQLITE_DONE) {
        store_set_err(b, "no such group");
        r = ST_NOTFOUND;
    } else
        r = fail_rc(s, rc, false, "removing a group");
    done(st);
    if (r == ST_OK) {
        bind_guid(s->st[S_GROUP_QUEUES], 1, guid);
        r = query_int(s, S_GROUP_QUEUES, "removing a group", &n);
        if (r == ST_OK && n) {
            store_set_err(b, "group '%s' still has %lld queue(s); remove them first", name,
                          (long long)n);
            r = ST_INUSE;
        }
    }
    if (r == ST_OK) {
        bind_guid(s->st[S_GROUP_ACTIVE], 1, guid);
        r = query_int(s, S_GROUP_ACTIVE, "removing a group", &n);
        if (r == ST_OK && n) {
            store_set_err(b, "group '%s' has %lld active agent session(s)", name, (long long)n);
            r = ST_INUSE;
        }
    }
    if (r == ST_OK) {
        bind_guid(s->st[S_GROUP_DELETE], 1, guid);
        r = exec_st(s, S_GROUP_DELETE, true, "removing a group");
    }
    return op_end(s, own, r);
}

/* ---- queues ------------------------------------------------------------------------ */

static int write_queue(struct sq *s, enum sid id, const struct st_queue *q)
{
    if (store_check_str(&s->base, "queue name", q->name, sizeof q->name, false))
        return ST_ERR;
    sqlite3_stmt *st = s->st[id];
    bind_u32(st, 1, q->id);
    bind_text(st, 2, q->name);
    bind_guid(st, 3, &q->group);
    bind_u32(st, 4, q->period);
    const char *what = id == S_QUEUE_ADD ? "adding a queue" : "updating a queue";
    char nf[64];
    snprintf(nf, sizeof nf, "no queue %u", q->id);
    int r = id == S_QUEUE_ADD ? exec_st(s, id, true, what) : exec_one(s, id, what, nf);
    if (r == ST_EXISTS)
        store_set_err(&s->base, "queue %u already exists", q->id);
    else if (r == ST_NOTFOUND && s->last_rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        store_set_err(&s->base, "queue %u: no such group", q->id);
    return r;
}

static int sq_queue_add(struct acd_store *b, const struct st_queue *q)
{
    REFUSE_IF_LOST(SQ(b));
    return write_queue(SQ(b), S_QUEUE_ADD, q);
}

static int sq_queue_update(struct acd_store *b, const struct st_queue *q)
{
    REFUSE_IF_LOST(SQ(b));
    return write_queue(SQ(b), S_QUEUE_UPDATE, q);
}

static int sq_queue_remove(struct acd_store *b, uint32_t id)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    char nf[64];
    snprintf(nf, sizeof nf, "no queue %u", id);
    bind_u32(s->st[S_QUEUE_DELETE], 1, id);
    return exec_one(s, S_QUEUE_DELETE, "removing a queue", nf);
}

/* ---- activities -------------------------------------------------------------------- */

static int sq_activity_add(struct acd_store *b, const struct st_activity *a)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    if (store_check_str(b, "activity name", a->name, sizeof a->name, false))
        return ST_ERR;
    sqlite3_stmt *st = s->st[S_ACTIVITY_ADD];
    bind_u32(st, 1, a->id);
    bind_text(st, 2, a->name);
    int r = exec_st(s, S_ACTIVITY_ADD, true, "adding an activity");
    if (r == ST_EXISTS)
        store_set_err(b, "activity %u already exists", a->id);
    return r;
}

static int sq_activity_remove(struct acd_store *b, uint32_t id)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    bool own;
    char nf[64];
    snprintf(nf, sizeof nf, "no activity %u", id);
    int r = op_begin(s, &own);
    if (r)
        return r;
    bind_u32(s->st[S_ACTIVITY_DELETE], 1, id);
    r = exec_one(s, S_ACTIVITY_DELETE, "removing an activity", nf);
    if (r == ST_OK) {
        bind_u32(s->st[S_ACTIVITY_CLEAR], 1, id);
        r = exec_st(s, S_ACTIVITY_CLEAR, true, "removing an activity");
    }
    return op_end(s, own, r);
}

/* ---- sessions ---------------------------------------------------------------------- */

static void bind_session(sqlite3_stmt *st, const void *rec)
{
    const struct st_session *ss = rec;
    bind_u32(st, 1, ss->handle);
    bind_u32(st, 2, ss->agent);
    bind_guid(st, 3, &ss->group);
    bind_u32(st, 4, ss->line);
    bind_u32(st, 5, ss->address);
    bind_u32(st, 6, ss->state);
    bind_u32(st, 7, ss->next_state);
    sqlite3_bind_int64(st, 8, ss->start_ms);
    sqlite3_bind_int64(st, 9, ss->end_ms);
    bind_u32(st, 10, ss->calls);
    bind_u32(st, 11, ss->talk_s);
    bind_u32(st, 12, ss->call_s);
    bind_u32(st, 13, ss->wrapup_s);
    bind_u32(st, 14, ss->longest_answer_s);
    bind_u32(st, 15, ss->total_answer_s);
}

/* Start a session write by statement id: its transaction (op_begin) and
   the transaction's change number bound as parameter 16.  The caller ends
   it with op_end(s, *own, r) whatever this returned. */
static int session_write_begin(struct sq *s, enum sid id, bool *own)
{
    int64_t chg;
    int r = op_begin(s, own);
    if (r == ST_OK && (r = change_number(s, &chg)) == ST_OK)
        sqlite3_bind_int64(s->st[id], 16, chg);
    return r;
}

static int sq_session_add(struct acd_store *b, struct st_session *ss)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    uint32_t h;
    bool own;
    int r = session_write_begin(s, S_SESSION_ADD, &own);
    if (r == ST_OK)
        r = insert_handled(s, S_SESSION_ADD, "adding a session", bind_session, ss, &h);
    r = op_end(s, own, r);
    if (r == ST_OK)
        ss->handle = h;
    else if (r == ST_NOTFOUND)
        store_set_err(b, "adding a session: no agent with handle %u", ss->agent);
    else if (r == ST_EXISTS)
        store_set_err(b,
                      "adding a session: agent %u already has an active session in that group"
                      " at line %u address %u",
                      ss->agent, ss->line, ss->address);
    return r;
}

static int sq_session_update(struct acd_store *b, const struct st_session *ss)
{
    REFUSE_IF_LOST(SQ(b));
    struct sq *s = SQ(b);
    char nf[64];
    snprintf(nf, sizeof nf, "no session with handle %u", ss->handle);
    bool own;
    int r = session_write_begin(s, S_SESSION_UPDATE, &own);
    if (r == ST_OK) {
        bind_session(s->st[S_SESSION_UPDATE], ss);
        r = exec_one(s, S_SESSION_UPDATE, "updating a session", nf);
    }
    bool fk = s->last_rc == SQLITE_CONSTRAINT_FOREIGNKEY;
    r = op_end(s, own, r);
    if (r == ST_NOTFOUND && fk)
        store_set_err(b, "updating a session: no agent with handle %u", ss->agent);
    return r;
}

/* Rows numbered *cursor or above (all of them for 0), then the cursor
   past the highest number read.  Not past this connection's own open
   transaction's number: it may still roll back, and the number come
   again for another transaction. */
static int sq_sessions_changed(struct acd_store *b, uint64_t *cursor, st_session_fn fn, void *arg)
{
    struct sq *s = SQ(b);
    enum sid id = *cursor ? S_SESSIONS_SINCE : S_SESSIONS;
    sqlite3_stmt *st = s->st[id];
    if (*cursor)
        sqlite3_bind_int64(st, 1, *cursor > INT64_MAX ? INT64_MAX : (int64_t)*cursor);
    int rc, r = 0;
    int64_t top = -1;
    struct st_session rec;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row_session(st, &rec);
        int64_t chg = sqlite3_column_int64(st, 15);
        if (chg > top)
            top = chg;
        if ((r = fn(arg, &rec)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = fail_rc(s, rc, false, "listing changed sessions");
    done(st);
    if (r == 0 && top >= 0) {
        if (s->c_taken && top >= s->c_cur)
            top = s->c_cur - 1;
        if ((uint64_t)top + 1 > *cursor)
            *cursor = (uint64_t)top + 1;
    }
    return r;
}

static const struct store_ops sq_ops = {
    .close = sq_close,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .next_handle = sq_next_handle,
    .changed = sq_changed,
    .fd = sq_fd,
    .agents = sq_agents,
    .agent_get = sq_agent_get,
    .agent_add = sq_agent_add,
    .agent_update = sq_agent_update,
    .agent_remove = sq_agent_remove,
    .groups = sq_groups,
    .group_add = sq_group_add,
    .group_remove = sq_group_remove,
    .queues = sq_queues,
    .queue_add = sq_queue_add,
    .queue_update = sq_queue_update,
    .queue_remove = sq_queue_remove,
    .activities = sq_activities,
    .activity_add = sq_activity_add,
    .activity_remove = sq_activity_remove,
    .sessions = sq_sessions,
    .session_add = sq_session_add,
    .session_update = sq_session_update,
    .sessions_changed = sq_sessions_changed,
};
