/*
 * store_pg.c - the shared store backend: a PostgreSQL database, reached
 * through libpq, which several acdproxy nodes may use at once.
 *
 * Connection: one per store handle, used by one thread at a time.  The URL
 * ("postgresql://..." or "postgres://...") goes to libpq as it is, after
 * defaults it may override: connect_timeout=10, TCP keepalives, and
 * options "-c lock_timeout=5000" (a write waiting that long for another
 * writer's row lock fails with ST_BUSY, as SQLite's busy_timeout) and
 * max_parallel_workers_per_gather=0: before its first ANALYZE a table's
 * changed sessions look like a third of it to the planner, which then
 * starts a parallel worker (tens of ms) to read the one row.  The
 * client encoding is UTF8; synchronous_commit is raised to on if the
 * server has it off, so a commit that returned is on disk.
 *
 * Schema (version 2; schema_version holds the version; migrations run in
 * order, each upgrade in one transaction holding an advisory lock, so two
 * nodes starting together migrate once; PostgreSQL's DDL is transactional,
 * so a failed migration leaves nothing behind):
 *   schema_version(id = 1, version)
 *   acd_handles   SEQUENCE 1 .. 4294967295, no cycle: HAGENT and
 *                 HAGENTSESSION values.  nextval never hands out a value
 *                 twice, also to two nodes; a rolled-back transaction
 *                 leaves a gap.
 *   agents, groups, queues, activities, sessions: as in store_sqlite.c,
 *                 integers as bigint (uint32 values), GUIDs as bytea(16)
 *   sessions_active  UNIQUE (agent, group_guid, line, address) WHERE
 *                 state <> ENDED: one agent cannot hold two active
 *                 sessions for the same group and address, whichever node
 *                 creates them; the second insert gets ST_EXISTS.
 *   acd_notify()  a statement trigger on every table: pg_notify on the
 *                 channel acd_changed, delivered only when the writing
 *                 transaction commits.
 *   sessions.txid (version 2) xid8, the transaction that last inserted or
 *                 updated the session (index sessions_txid).
 * Text is compared byte-wise (COLLATE "C") for the orders store.h names.
 *
 * Statements are prepared once per connection (again after a reconnect).
 * Inside store_begin every write runs under a SAVEPOINT: PostgreSQL aborts
 * the whole transaction on an error, so a refused record (a constraint or
 * a data error, SQLSTATE classes 23 and 22) is rolled back to it and the
 * transaction goes on; any other error loses the transaction.  Outside a
 * transaction a single statement commits by itself; an operation of
 * several statements makes its own transaction.
 *
 * Removal checks lock the record first (SELECT ... FOR UPDATE), so a
 * session another node inserts meanwhile (its foreign key takes a share
 * lock on the agent) is either seen by the count or refused.
 *
 * Changed sessions (store_sessions_changed): transactions commit out of
 * order, so no counter tells what a reader has seen.  The cursor is the
 * xmin of the reading statement's snapshot: every transaction with a lower
 * id had ended when the snapshot was taken (so its rows, if committed, were
 * in it), and every transaction still open then, or begun later, has an id
 * of xmin or above; the next read asks for txid >= the cursor.  An open
 * transaction's rows are read again until it ends; a reader's own
 * transaction too.
 *
 * Errors from SQLSTATE: 23505 -> ST_EXISTS, 23503 -> ST_NOTFOUND, 53100
 * -> ST_FULL, 25006 (and a server in read-only mode) -> ST_READONLY,
 * 55P03 / 40001 / 40P01 / 57014 -> ST_BUSY, class 08, 57P01-57P03 and a
 * broken connection -> ST_CONN.  After ST_CONN every call fails with
 * ST_CONN at once (nothing waits on a dead server) until store_reconnect
 * succeeds.
 *
 * store_changed: this connection LISTENs on acd_changed; notifications
 * whose sender is another backend count.  Outside a transaction it first
 * makes a round trip, after which the server has delivered every
 * notification of transactions committed before the call.  store_fd is
 * the connection's socket (readable when a notification arrives).
 */
#include "store_backend.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <tapi.h>

#define SESSION_ENDED STORE_SESSION_ENDED

#define CHANNEL "acd_changed"
#define MIGRATE_LOCK "7234315926830133106" /* any constant: pg_advisory_xact_lock key */

/* ---- schema -------------------------------------------------------------- */

#define U32_CHECK(c) " CHECK (" c " BETWEEN 0 AND 4294967295)"
#define TEXT_CHECK(c, lo, hi) " CHECK (octet_length(" c ") BETWEEN " #lo " AND " #hi ")"

static const char schema_v1[] =
    "CREATE SEQUENCE acd_handles AS bigint MINVALUE 1 MAXVALUE 4294967295 START 1 NO CYCLE;"
    "CREATE TABLE agents ("
    " handle bigint PRIMARY KEY" U32_CHECK(
        "handle") ","
                  " id text NOT NULL UNIQUE" TEXT_CHECK(
                      "id", 1,
                      63) ","
                          " name text NOT NULL DEFAULT ''" TEXT_CHECK(
                              "name", 0,
                              127) ","
                                   " os_user text NOT NULL DEFAULT ''" TEXT_CHECK(
                                       "os_user", 0,
                                       63) ","
                                           " pin_hash text NOT NULL DEFAULT ''" TEXT_CHECK(
                                               "pin_hash", 0,
                                               127) ","
                                                    " state bigint NOT NULL DEFAULT 0, next_state "
                                                    "bigint NOT NULL DEFAULT 0,"
                                                    " period bigint NOT NULL DEFAULT 0, activity "
                                                    "bigint NOT NULL DEFAULT 0);"
                                                    "CREATE TABLE groups ("
                                                    " guid bytea PRIMARY KEY CHECK "
                                                    "(octet_length(guid) = 16),"
                                                    " name text NOT NULL UNIQUE" TEXT_CHECK(
                                                        "name", 1,
                                                        127) ");"
                                                             "CREATE TABLE queues ("
                                                             " id bigint PRIMARY KEY" U32_CHECK(
                                                                 "id") ","
                                                                       " name text NOT "
                                                                       "NULL" TEXT_CHECK(
                                                                           "name", 1,
                                                                           127) ","
                                                                                " group_guid bytea "
                                                                                "NOT NULL "
                                                                                "REFERENCES groups "
                                                                                "(guid),"
                                                                                " period bigint "
                                                                                "NOT NULL DEFAULT "
                                                                                "0);"
                                                                                "CREATE INDEX "
                                                                                "queues_group ON "
                                                                                "queues "
                                                                                "(group_guid);"
                                                                                "CREATE TABLE "
                                                                                "activities ("
                                                                                " id bigint "
                                                                                "PRIMARY "
                                                                                "KEY" U32_CHECK(
                                                                                    "id") ","
                                                                                          " name "
                                                                                          "text "
                                                                                          "NOT "
                                                                                          "NUL"
                                                                                          "L" TEXT_CHECK(
                                                                                              "nam"
                                                                                              "e",
                                                                                              1,
                                                                                              127) ");"
                                                                                                   "CREATE TABLE sessions ("
                                                                                                   " handle bigint PRIMARY KEY" U32_CHECK(
                                                                                                       "handle") ","
                                                                                                                 " agent bigint NOT NULL REFERENCES agents (handle) ON DELETE CASCADE,"
                                                                                                                 " group_guid bytea NOT NULL,"
                                                                                                                 " line bigint NOT NULL, address bigint NOT NULL,"
                                                                                                                 " state bigint NOT NULL, next_state bigint NOT NULL,"
                                                                                                                 " start_ms bigint NOT NULL, end_ms bigint NOT NULL,"
                                                                                                                 " calls bigint NOT NULL, talk_s bigint NOT NULL, call_s bigint NOT NULL,"
                                                                                                                 " wrapup_s bigint NOT NULL, longest_answer_s bigint NOT NULL,"
                                                                                                                 " total_answer_s bigint NOT NULL);"
                                                                                                                 "CREATE INDEX sessions_agent ON sessions (agent);"
                                                                                                                 "CREATE INDEX sessions_active_group ON sessions (group_guid) WHERE state <> " SESSION_ENDED
                                                                                                                 ";"
                                                                                                                 "CREATE UNIQUE INDEX sessions_active ON sessions (agent, group_guid, line, address)"
                                                                                                                 " WHERE state <> " SESSION_ENDED
                                                                                                                 ";"
                                                                                                                 "CREATE FUNCTION acd_notify() RETURNS trigger LANGUAGE plpgsql AS"
                                                                                                                 " $$BEGIN PERFORM pg_notify('" CHANNEL
                                                                                                                 "', ''); RETURN NULL; END$$;"
                                                                                                                 "CREATE TRIGGER agents_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agents"
                                                                                                                 " FOR EACH STATEMENT EXECUTE FUNCTION acd_notify();"
                                                                                                                 "CREATE TRIGGER groups_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON groups"
                                                                                                                 " FOR EACH STATEMENT EXECUTE FUNCTION acd_notify();"
                                                                                                                 "CREATE TRIGGER queues_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON queues"
                                                                                                                 " FOR EACH STATEMENT EXECUTE FUNCTION acd_notify();"
                                                                                                                 "CREATE TRIGGER activities_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON activities"
                                                                                                                 " FOR EACH STATEMENT EXECUTE FUNCTION acd_notify();"
                                                                                                                 "CREATE TRIGGER sessions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sessions"
                                                                                                                 " FOR EACH STATEMENT EXECUTE FUNCTION acd_notify();";

/* Version 2: which transaction last wrote a session, so another node reads
   only the sessions that changed.  Existing rows get the migration's id:
   a first load reads them all anyway. */
static const char schema_v2[] =
    "ALTER TABLE sessions ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();"
    "CREATE INDEX sessions_txid ON sessions (txid);";

/* migrations[i] takes a database from version i to i + 1. */
static const char *const migrations[] = {schema_v1, schema_v2};
#define SCHEMA_LATEST ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- statements ------------------------------------------------------------ */

#define AGENT_COLS STORE_AGENT_COLS
#define SESSION_COLS STORE_SESSION_COLS

enum sid {
    S_HANDLE,
    S_AGENTS,
    S_AGENT_GET,
    S_AGENT_ADD,
    S_AGENT_UPDATE,
    S_AGENT_LOCK,
    S_AGENT_ACTIVE,
    S_AGENT_DELETE,
    S_GROUPS,
    S_GROUP_LOCK,
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

/* Statements that take a new handle have it as their first column in and
   RETURNING handle out; the record's other fields are $1...  (Their
   records are bound as for the update, handle first, and the handle
   left out: see insert_handled.) */
static const char *const sql[S_COUNT] = {
    [S_HANDLE] = "SELECT nextval('acd_handles')",
    [S_AGENTS] = "SELECT " AGENT_COLS " FROM agents ORDER BY id COLLATE \"C\"",
    [S_AGENT_GET] = "SELECT " AGENT_COLS " FROM agents WHERE id = $1",
    [S_AGENT_ADD] = "INSERT INTO agents (" AGENT_COLS ") VALUES"
                    " (nextval('acd_handles'), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING handle",
    [S_AGENT_UPDATE] = "UPDATE agents SET id = $2, name = $3, os_user = $4, pin_hash = $5,"
                       " state = $6, next_state = $7, period = $8, activity = $9"
                       " WHERE handle = $1",
    [S_AGENT_LOCK] = "SELECT handle FROM agents WHERE id = $1 FOR UPDATE",
    [S_AGENT_ACTIVE] = "SELECT count(*) FROM sessions WHERE agent = $1 AND state <> " SESSION_ENDED,
    [S_AGENT_DELETE] = "DELETE FROM agents WHERE handle = $1",
    [S_GROUPS] = "SELECT guid, name FROM groups ORDER BY name COLLATE \"C\"",
    [S_GROUP_LOCK] = "SELECT name FROM groups WHERE guid = $1 FOR UPDATE",
    [S_GROUP_ADD] = "INSERT INTO groups (guid, name) VALUES ($1, $2)",
    [S_GROUP_QUEUES] = "SELECT count(*) FROM queues WHERE group_guid = $1",
    [S_GROUP_ACTIVE] = "SELECT count(*) FROM sessions WHERE group_guid = $1"
                       " AND state <> " SESSION_ENDED,
    [S_GROUP_DELETE] = "DELETE FROM groups WHERE guid = $1",
    [S_QUEUES] = "SELECT id, name, group_guid, period FROM queues ORDER BY id",
    [S_QUEUE_ADD] = "INSERT INTO queues (id, name, group_guid, period) VALUES ($1, $2, $3, $4)",
    [S_QUEUE_UPDATE] = "UPDATE queues SET name = $2, group_guid = $3, period = $4 WHERE id = $1",
    [S_QUEUE_DELETE] = "DELETE FROM queues WHERE id = $1",
    [S_ACTIVITIES] = "SELECT id, name FROM activities ORDER BY id",
    [S_ACTIVITY_ADD] = "INSERT INTO activities (id, name) VALUES ($1, $2)",
    [S_ACTIVITY_DELETE] = "DELETE FROM activities WHERE id = $1",
    [S_ACTIVITY_CLEAR] = "UPDATE agents SET activity = 0 WHERE activity = $1",
    /* the snapshot's xmin last: row_session reads the fields before it */
    [S_SESSIONS] = "SELECT " SESSION_COLS ", pg_snapshot_xmin(pg_current_snapshot())::text"
                   " FROM sessions ORDER BY handle",
    [S_SESSIONS_SINCE] = "SELECT " SESSION_COLS ", pg_snapshot_xmin(pg_current_snapshot())::text"
                         " FROM sessions WHERE txid >= $1::text::xid8 ORDER BY handle",
    [S_SESSION_ADD] = "INSERT INTO sessions (" SESSION_COLS ") VALUES"
                      " (nextval('acd_handles'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                      " $12, $13, $14) RETURNING handle",
    [S_SESSION_UPDATE] = "UPDATE sessions SET agent = $2, group_guid = $3, line = $4,"
                         " address = $5, state = $6, next_state = $7, start_ms = $8,"
                         " end_ms = $9, calls = $10, talk_s = $11, call_s = $12,"
                         " wrapup_s = $13, longest_answer_s = $14, total_answer_s = $15,"
                         " txid = pg_current_xact_id() WHERE handle = $1",
};

struct pg {
    struct acd_store base; /* first: store.c sees only this */
    PGconn *conn;
    int version;
    int pid;          /* our backend's process id: its notifications are our own */
    bool lost;        /* the connection broke; everything fails until reconnect */
    bool in_txn;      /* store_begin succeeded, no commit/rollback yet */
    int txn_fail;     /* an error that lost the open transaction */
    bool changed;     /* another backend committed since store_changed last said so */
    bool sp_open;     /* a savepoint acd_w of an earlier write is still open */
    bool inline_sp;   /* the next run() sets its own savepoint (op_begin) */
    char sqlstate[6]; /* SQLSTATE of the last failed statement, "" when none */
};

#define PG(b) ((struct pg *)(b))

/* ---- parameters ------------------------------------------------------------- */

#define MAXPARAM 15

struct params {
    const char *v[MAXPARAM];
    char buf[MAXPARAM][40];
};

static void p_u32(struct params *p, int i, uint32_t v)
{
    snprintf(p->buf[i - 1], sizeof p->buf[0], "%" PRIu32, v);
    p->v[i - 1] = p->buf[i - 1];
}

static void p_i64(struct params *p, int i, int64_t v)
{
    snprintf(p->buf[i - 1], sizeof p->buf[0], "%" PRId64, v);
    p->v[i - 1] = p->buf[i - 1];
}

static void p_text(struct params *p, int i, const char *v)
{
    p->v[i - 1] = v;
}

/* bytea's hex input form: \x and two digits a byte. */
static void p_guid(struct params *p, int i, const st_guid *g)
{
    char *o = p->buf[i - 1];
    *o++ = '\\';
    *o++ = 'x';
    for (size_t k = 0; k < sizeof g->b; k++, o += 2)
        snprintf(o, 3, "%02x", g->b[k]);
    p->v[i - 1] = p->buf[i - 1];
}

/* ---- result columns ---------------------------------------------------------- */

static int64_t col_i64(const PGresult *r, int row, int i)
{
    return strtoll(PQgetvalue(r, row, i), NULL, 10);
}

static uint32_t col_u32(const PGresult *r, int row, int i)
{
    return (uint32_t)col_i64(r, row, i);
}

/* Copy a text column into dst[cap]; cut at a character boundary if the
   database holds more than fits (the schema's checks prevent that). */
static void col_text(const PGresult *r, int row, int i, char *dst, size_t cap)
{
    const char *t = PQgetvalue(r, row, i);
    size_t n = (size_t)PQgetlength(r, row, i);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, t, n);
    dst[n] = '\0';
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A bytea column in hex output form ("\x" and 32 digits). */
static void col_guid(const PGresult *r, int row, int i, st_guid *g)
{
    const char *t = PQgetvalue(r, row, i);
    memset(g->b, 0, sizeof g->b);
    if (PQgetlength(r, row, i) != 2 + 2 * (int)sizeof g->b || t[0] != '\\' || t[1] != 'x')
        return;
    for (size_t k = 0; k < sizeof g->b; k++) {
        int hi = hexval(t[2 + 2 * k]), lo = hexval(t[3 + 2 * k]);
        if (hi < 0 || lo < 0) {
            memset(g->b, 0, sizeof g->b);
            return;
        }
        g->b[k] = (uint8_t)(hi << 4 | lo);
    }
}

/* ---- errors ------------------------------------------------------------------ */

/* The first line of a libpq message, without "ERROR:  " and the newline. */
static void set_msg(struct pg *s, const char *what, const char *msg)
{
    if (!msg || !*msg)
        msg = "unknown error";
    if (!strncmp(msg, "ERROR:  ", 8))
        msg += 8;
    else if (!strncmp(msg, "FATAL:  ", 8))
        msg += 8;
    size_t n = strcspn(msg, "\n");
    store_set_err(&s->base, "%s: %.*s", what, (int)(n > 200 ? 200 : n), msg);
}

static bool state_is(const char *st, const char *want)
{
    return st && !strcmp(st, want);
}

/* A refused record: a constraint (class 23) or bad data (class 22).
   Inside store_begin it is rolled back to its savepoint and the
   transaction goes on. */
static bool refused_state(const char *st)
{
    return st && (!strncmp(st, "23", 2) || !strncmp(st, "22", 2));
}

/* Map a failed result (res may be NULL) to an ST_ code, set the message
   "what: ..." and, inside store_begin, note a lost transaction. */
static int fail_res(struct pg *s, const PGresult *res, const char *what)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int r;
    snprintf(s->sqlstate, sizeof s->sqlstate, "%s", st ? st : "");
    if (PQstatus(s->conn) == CONNECTION_BAD || (st && !strncmp(st, "08", 2)) ||
        state_is(st, "57P01") || state_is(st, "57P02") || state_is(st, "57P03")) {
        r = ST_CONN;
        s->lost = PQstatus(s->conn) == CONNECTION_BAD;
    } else if (state_is(st, "23505")) {
        r = ST_EXISTS;
    } else if (state_is(st, "23503")) {
        r = ST_NOTFOUND;
    } else if (state_is(st, "53100")) {
        r = ST_FULL;
    } else if (state_is(st, "25006")) {
        r = ST_READONLY;
    } else if (state_is(st, "55P03") || state_is(st, "40001") || state_is(st, "40P01") ||
               state_is(st, "57014")) {
        r = ST_BUSY;
    } else {
        r = ST_ERR;
    }
    if (state_is(st, "2200H"))
        store_set_err(&s->base, "%s: no handles left", what);
    else
        set_msg(s, what, res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn));
    if (s->in_txn && !s->txn_fail && !refused_state(st))
        s->txn_fail = r;
    return r;
}

static int conn_lost(struct pg *s)
{
    store_set_err(&s->base, "the connection to the database server is lost");
    return ST_CONN;
}

/* ---- running statements --------------------------------------------------------- */

/* Plain SQL (no parameters, maybe several statements).  ST_OK or an error. */
static int exec_sql(struct pg *s, const char *text, const char *what)
{
    s->sqlstate[0] = '\0';
    PGresult *res = PQexec(s->conn, text);
    ExecStatusType es = PQresultStatus(res);
    int r = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK || es == PGRES_EMPTY_QUERY
                ? ST_OK
                : fail_res(s, res, what);
    PQclear(res);
    return r;
}

/* "[RELEASE SAVEPOINT acd_w; ]SAVEPOINT acd_w; EXECUTE acd_N('v1', ...)"
   into q: a write and its savepoint in one round trip.  false when it
   does not fit (it always does: the fields are short). */
static bool inline_query(struct pg *s, char *q, size_t cap, const char *name,
                         const struct params *p, int n)
{
    int k = snprintf(q, cap, "%sSAVEPOINT acd_w; EXECUTE %s",
                     s->sp_open ? "RELEASE SAVEPOINT acd_w; " : "", name);
    size_t o = (size_t)k;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(p->v[i]);
        if (o + 2 * len + 4 >= cap)
            return false;
        q[o++] = i ? ',' : '(';
        q[o++] = '\'';
        int e = 0;
        o += PQescapeStringConn(s->conn, q + o, p->v[i], len, &e);
        if (e)
            return false;
        q[o++] = '\'';
    }
    if (o + 2 >= cap)
        return false;
    if (n)
        q[o++] = ')';
    q[o] = '\0';
    return true;
}

/* Run prepared statement `id` with n parameters.  ST_OK and *out (to be
   PQclear'ed) when it succeeded, else an error and no result. */
static int run(struct pg *s, enum sid id, const struct params *p, int n, const char *what,
               PGresult **out)
{
    char name[16];
    snprintf(name, sizeof name, "acd_%d", (int)id);
    *out = NULL;
    s->sqlstate[0] = '\0';
    PGresult *res;
    char q[4096];
    if (s->inline_sp && inline_query(s, q, sizeof q, name, p, n)) {
        s->inline_sp = false;
        s->sp_open = true; /* set, or failing before it was (then the transaction is lost) */
        res = PQexec(s->conn, q);
    } else {
        if (s->inline_sp) {
            s->inline_sp = false;
            int r = exec_sql(
                s, s->sp_open ? "RELEASE SAVEPOINT acd_w; SAVEPOINT acd_w" : "SAVEPOINT acd_w",
                what);
            if (r)
                return r;
            s->sp_open = true;
        }
        res = PQexecPrepared(s->conn, name, n, p ? p->v : NULL, NULL, NULL, 0);
    }
    ExecStatusType es = PQresultStatus(res);
    if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK) {
        *out = res;
        return ST_OK;
    }
    int r = fail_res(s, res, what);
    PQclear(res);
    return r;
}

/* A statement whose result does not matter. */
static int run_st(struct pg *s, enum sid id, const struct params *p, int n, const char *what)
{
    PGresult *res;
    int r = run(s, id, p, n, what, &res);
    PQclear(res);
    return r;
}

/* A write that must touch one row: ST_NOTFOUND when it touched none. */
static int run_one(struct pg *s, enum sid id, const struct params *p, int n, const char *what,
                   const char *notfound)
{
    PGresult *res;
    int r = run(s, id, p, n, what, &res);
    if (r == ST_OK && strcmp(PQcmdTuples(res), "0") == 0) {
        store_set_err(&s->base, "%s", notfound);
        r = ST_NOTFOUND;
    }
    PQclear(res);
    return r;
}

/* A query whose first row's first column is an integer; *found says
   whether there was a row (no row gives 0). */
static int query_int(struct pg *s, enum sid id, const struct params *p, int n, const char *what,
                     int64_t *out, bool *found)
{
    PGresult *res;
    int r = run(s, id, p, n, what, &res);
    *out = 0;
    if (found)
        *found = false;
    if (r == ST_OK && PQntuples(res) > 0) {
        *out = col_i64(res, 0, 0);
        if (found)
            *found = true;
    }
    PQclear(res);
    return r;
}

/* ---- transactions of one operation ------------------------------------------------ */

/* OWN_INLINE: one statement inside store_begin, whose savepoint run()
   sets in the same round trip and leaves open (released by the next
   write's, or by COMMIT): one round trip a write while all goes well.
   OWN_SAVEPOINT: several statements inside store_begin, under a savepoint
   of their own.  OWN_TXN: several statements in a transaction of their
   own. */
enum scope { OWN_NONE, OWN_INLINE, OWN_TXN, OWN_SAVEPOINT };

/* Inside store_begin after a failure that lost the transaction, writes
   are refused with that failure. */
static bool txn_lost(struct pg *s, int *r)
{
    if (s->lost) {
        *r = conn_lost(s);
        return true;
    }
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

/* Start a write: under a savepoint inside store_begin; in a transaction
   of its own when it has several statements (multi) and none is open. */
static int op_begin(struct pg *s, bool multi, enum scope *sc)
{
    *sc = OWN_NONE;
    if (s->in_txn && !multi) {
        s->inline_sp = true;
        *sc = OWN_INLINE;
        return ST_OK;
    }
    if (s->in_txn) {
        int r = exec_sql(s, "SAVEPOINT acd_w", "savepoint");
        if (r == ST_OK)
            *sc = OWN_SAVEPOINT;
        return r;
    }
    if (!multi)
        return ST_OK;
    int r = exec_sql(s, "BEGIN", "begin");
    if (r == ST_OK)
        *sc = OWN_TXN;
    return r;
}

/* Finish a write begun with op_begin; r is its result so far. */
static int op_end(struct pg *s, enum scope sc, int r)
{
    char keep[sizeof s->base.err];
    switch (sc) {
    case OWN_NONE:
        return r;
    case OWN_INLINE:
        s->inline_sp = false;
        if (r == ST_OK || s->txn_fail || s->lost || !s->sp_open)
            return r;
        /* refused: undo what the statement may have done */
        memcpy(keep, s->base.err, sizeof keep);
        if (exec_sql(s, "ROLLBACK TO SAVEPOINT acd_w", "savepoint") == ST_OK)
            memcpy(s->base.err, keep, sizeof keep);
        return r;
    case OWN_SAVEPOINT:
        if (s->txn_fail || s->lost)
            return r; /* the transaction is gone; store_rollback ends it */
        memcpy(keep, s->base.err, sizeof keep);
        if (exec_sql(s,
                     r == ST_OK ? "RELEASE SAVEPOINT acd_w"
                                : "ROLLBACK TO SAVEPOINT acd_w; RELEASE SAVEPOINT acd_w",
                     "savepoint") != ST_OK)
            return r == ST_OK ? s->txn_fail : r;
        if (r != ST_OK)
            memcpy(s->base.err, keep, sizeof keep);
        return r;
    case OWN_TXN:
        if (r == ST_OK)
            return exec_sql(s, "COMMIT", "commit");
        memcpy(keep, s->base.err, sizeof keep);
        if (!s->lost)
            exec_sql(s, "ROLLBACK", "rollback");
        memcpy(s->base.err, keep, sizeof keep);
        return r;
    }
    return r;
}

/* ---- opening --------------------------------------------------------------------- */

/* One integer from an ad-hoc query (schema work only); no row gives 0. */
static int adhoc_int(struct pg *s, const char *text, const char *what, int64_t *out)
{
    PGresult *res = PQexec(s->conn, text);
    int r = ST_OK;
    *out = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        r = fail_res(s, res, what);
    else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        *out = col_i64(res, 0, 0);
    PQclear(res);
    return r;
}

/* The database's schema version: 0 for a database without our tables. */
static int read_version(struct pg *s, int *version)
{
    int64_t n;
    int r = adhoc_int(s, "SELECT (to_regclass('schema_version') IS NOT NULL)::int",
                      "reading the schema", &n);
    if (r)
        return r;
    if (n == 0) {
        r = adhoc_int(s,
                      "SELECT count(*) FROM pg_class c JOIN pg_namespace n"
                      " ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
                      " AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')",
                      "reading the schema", &n);
        if (r)
            return r;
        if (n) {
            store_set_err(&s->base,
                          "not an acdproxy database (its schema has tables but no schema_version)");
            return ST_ERR;
        }
        *version = 0;
        return ST_OK;
    }
    r = adhoc_int(s, "SELECT version FROM schema_version WHERE id = 1", "reading the schema", &n);
    if (r)
        return r;
    if (n < 0 || n > 1000000) {
        store_set_err(&s->base, "bad schema version %lld in the database", (long long)n);
        return ST_ERR;
    }
    *version = (int)n;
    return ST_OK;
}

static int newer_err(struct pg *s, int v)
{
    return store_err_newer(&s->base, v, SCHEMA_LATEST);
}

static bool server_readonly(struct pg *s)
{
    const char *ro = PQparameterStatus(s->conn, "default_transaction_read_only");
    const char *sb = PQparameterStatus(s->conn, "in_hot_standby");
    return (ro && !strcmp(ro, "on")) || (sb && !strcmp(sb, "on"));
}

/* Bring the schema to SCHEMA_LATEST, in one transaction holding an
   advisory lock (another node may be migrating at the same moment). */
static int migrate(struct pg *s)
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
    if (server_readonly(s)) {
        store_set_err(&s->base,
                      "the database is at schema version %d and needs migrating to %d,"
                      " but it is read-only",
                      v, SCHEMA_LATEST);
        return ST_READONLY;
    }
    r = exec_sql(s, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")",
                 "migrating the schema");
    if (r == ST_OK)
        r = read_version(s, &v); /* another node may have done it meanwhile */
    if (r == ST_OK && v > SCHEMA_LATEST)
        r = newer_err(s, v);
    if (r == ST_OK)
        r = exec_sql(s,
                     "CREATE TABLE IF NOT EXISTS schema_version ("
                     " id integer PRIMARY KEY CHECK (id = 1),"
                     " version integer NOT NULL);"
                     "INSERT INTO schema_version (id, version) VALUES (1, 0)"
                     " ON CONFLICT (id) DO NOTHING;",
                     "creating the version table");
    for (; r == ST_OK && v < SCHEMA_LATEST; v++) {
        char what[64], upd[96];
        snprintf(what, sizeof what, "migrating the schema to version %d", v + 1);
        r = exec_sql(s, migrations[v], what);
        if (r == ST_OK) {
            snprintf(upd, sizeof upd, "UPDATE schema_version SET version = %d WHERE id = 1", v + 1);
            r = exec_sql(s, upd, what);
        }
    }
    if (r == ST_OK)
        r = exec_sql(s, "COMMIT", "committing the schema migration");
    if (r != ST_OK) {
        char keep[sizeof s->base.err];
        memcpy(keep, s->base.err, sizeof keep);
        if (PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
            PQclear(PQexec(s->conn, "ROLLBACK"));
        memcpy(s->base.err, keep, sizeof keep);
        return r;
    }
    s->version = v;
    return ST_OK;
}

/* Everything a fresh connection needs: settings, schema, LISTEN, the
   prepared statements. */
static int setup_conn(struct pg *s)
{
    if (PQstatus(s->conn) != CONNECTION_OK) {
        set_msg(s, "cannot connect", PQerrorMessage(s->conn));
        return ST_CONN;
    }
    s->pid = PQbackendPID(s->conn);
    s->lost = false;
    s->in_txn = false;
    s->txn_fail = 0;
    int64_t off;
    int r = adhoc_int(s, "SELECT (current_setting('synchronous_commit') = 'off')::int",
                      "reading synchronous_commit", &off);
    if (r == ST_OK && off)
        r = exec_sql(s, "SET synchronous_commit = on", "setting synchronous_commit");
    if (r == ST_OK)
        r = migrate(s);
    if (r == ST_OK)
        r = exec_sql(s, "LISTEN " CHANNEL, "listening for changes");
    for (int i = 0; r == ST_OK && i < S_COUNT; i++) {
        char name[16];
        snprintf(name, sizeof name, "acd_%d", i);
        PGresult *res = PQprepare(s->conn, name, sql[i], 0, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            r = fail_res(s, res, "preparing a statement");
        PQclear(res);
    }
    return r;
}

static const struct store_ops pg_ops;

/* The server's notices ("relation already exists, skipping") are no
   news to anybody. */
static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static void pg_close(struct acd_store *b)
{
    struct pg *s = PG(b);
    PQfinish(s->conn);
    free(s);
}

int store_pg_open(const char *url, struct acd_store **out, char *err, size_t errlen)
{
    *out = NULL;
    struct pg *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return ST_ERR;
    }
    s->base.ops = &pg_ops;
    s->sqlstate[0] = '\0';
    /* Our defaults first: the URL, expanded at "dbname", overrides them. */
    char lock[64];
    snprintf(lock, sizeof lock, "-c lock_timeout=%d -c max_parallel_workers_per_gather=0",
             STORE_BUSY_TIMEOUT_MS);
    const char *const keys[] = {"connect_timeout",  "keepalives_idle",  "keepalives_interval",
                                "keepalives_count", "application_name", "options",
                                "dbname",           "client_encoding",  NULL};
    const char *const vals[] = {"10", "10", "5", "3", "acdproxy", lock, url, "UTF8", NULL};
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->conn) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return ST_ERR;
    }
    PQsetNoticeProcessor(s->conn, quiet, NULL);
    int r = setup_conn(s);
    if (r != ST_OK) {
        snprintf(err, errlen, "%s", s->base.err);
        pg_close(&s->base);
        return r;
    }
    s->base.err[0] = '\0';
    *out = &s->base;
    return ST_OK;
}

/* ---- connection ---------------------------------------------------------------------- */

static bool pg_lost(struct acd_store *b)
{
    return PG(b)->lost;
}

static int pg_reconnect(struct acd_store *b)
{
    struct pg *s = PG(b);
    if (!s->lost)
        return ST_OK;
    PQreset(s->conn);
    int r = setup_conn(s);
    if (r != ST_OK) {
        s->lost = true;
        return r == ST_CONN ? r : ST_CONN;
    }
    s->changed = true; /* whatever happened meanwhile went unnoticed */
    return ST_OK;
}

/* ---- transactions ------------------------------------------------------------------ */

static int pg_schema_version(struct acd_store *b)
{
    return PG(b)->version;
}

static int pg_begin(struct acd_store *b)
{
    struct pg *s = PG(b);
    if (s->lost)
        return conn_lost(s);
    if (s->in_txn) {
        store_set_err(b, "begin: a transaction is already open");
        return ST_ERR;
    }
    if (server_readonly(s)) {
        store_set_err(b, "begin: the database is read-only");
        return ST_READONLY;
    }
    int r = exec_sql(s, "BEGIN", "begin");
    if (r == ST_OK) {
        s->in_txn = true;
        s->txn_fail = 0;
        s->sp_open = false;
    }
    return r;
}

static void rollback_txn(struct pg *s)
{
    if (!s->lost && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        char keep[sizeof s->base.err];
        memcpy(keep, s->base.err, sizeof keep);
        exec_sql(s, "ROLLBACK", "rollback");
        memcpy(s->base.err, keep, sizeof keep);
    }
    s->in_txn = false;
    s->txn_fail = 0;
    s->sp_open = s->inline_sp = false;
}

static void pg_rollback(struct acd_store *b)
{
    rollback_txn(PG(b));
}

static int pg_commit(struct acd_store *b)
{
    struct pg *s = PG(b);
    int r;
    if (!s->in_txn) {
        store_set_err(b, "commit: no transaction is open");
        return ST_ERR;
    }
    if (s->lost) {
        r = conn_lost(s);
    } else if (s->txn_fail) {
        r = s->txn_fail; /* its message stays */
    } else {
        PGresult *res = PQexec(s->conn, "COMMIT");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            r = fail_res(s, res, "commit");
        } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
            /* the server rolled it back (an error we did not see) */
            store_set_err(b, "commit: the transaction was rolled back");
            r = ST_ERR;
        } else {
            r = ST_OK;
        }
        PQclear(res);
    }
    rollback_txn(s); /* after a failure; nothing is open after a commit */
    return r;
}

static uint32_t pg_next_handle(struct acd_store *b)
{
    struct pg *s = PG(b);
    int r;
    if (txn_lost(s, &r))
        return 0;
    enum scope sc;
    int64_t h = 0;
    r = op_begin(s, false, &sc);
    if (r == ST_OK)
        r = query_int(s, S_HANDLE, NULL, 0, "next handle", &h, NULL);
    r = op_end(s, sc, r);
    return r == ST_OK ? (uint32_t)h : 0;
}

static int pg_changed(struct acd_store *b, bool *changed)
{
    struct pg *s = PG(b);
    *changed = false;
    if (s->lost)
        return conn_lost(s);
    int r = ST_OK;
    if (!s->in_txn) {
        /* A round trip: the server sends the notifications of everything
           committed before it, ahead of its answer. */
        r = exec_sql(s, "", "checking for changes");
    } else if (!PQconsumeInput(s->conn)) {
        r = fail_res(s, NULL, "checking for changes");
    }
    if (r)
        return r;
    PGnotify *n;
    while ((n = PQnotifies(s->conn)) != NULL) {
        if (n->be_pid != s->pid)
            s->changed = true;
        PQfreemem(n);
    }
    *changed = s->changed;
    s->changed = false;
    return ST_OK;
}

static int pg_fd(struct acd_store *b)
{
    struct pg *s = PG(b);
    return s->lost ? -1 : PQsocket(s->conn);
}

/* ---- iteration ------------------------------------------------------------------ */

/* Run statement `id`, turning each row into a record with `row` and
   handing it to the callback.  The whole result is fetched first, so the
   callback may use the store. */
#define ITERATE(s, id, type, row, fn, arg, what)                                                   \
    do {                                                                                           \
        PGresult *res_;                                                                            \
        if ((s)->lost)                                                                             \
            return conn_lost(s);                                                                   \
        int r_ = run((s), (id), NULL, 0, (what), &res_);                                           \
        if (r_)                                                                                    \
            return r_;                                                                             \
        int n_ = PQntuples(res_);                                                                  \
        for (int i_ = 0; i_ < n_ && r_ == 0; i_++) {                                               \
            type rec_;                                                                             \
            row(res_, i_, &rec_);                                                                  \
            r_ = (fn)((arg), &rec_);                                                               \
        }                                                                                          \
        PQclear(res_);                                                                             \
        return r_;                                                                                 \
    } while (0)

static void row_agent(const PGresult *r, int i, struct st_agent *a)
{
    a->handle = col_u32(r, i, 0);
    col_text(r, i, 1, a->id, sizeof a->id);
    col_text(r, i, 2, a->name, sizeof a->name);
    col_text(r, i, 3, a->os_user, sizeof a->os_user);
    col_text(r, i, 4, a->pin_hash, sizeof a->pin_hash);
    a->state = col_u32(r, i, 5);
    a->next_state = col_u32(r, i, 6);
    a->period = col_u32(r, i, 7);
    a->activity = col_u32(r, i, 8);
}

static void row_group(const PGresult *r, int i, struct st_group *g)
{
    col_guid(r, i, 0, &g->guid);
    col_text(r, i, 1, g->name, sizeof g->name);
}

static void row_queue(const PGresult *r, int i, struct st_queue *q)
{
    q->id = col_u32(r, i, 0);
    col_text(r, i, 1, q->name, sizeof q->name);
    col_guid(r, i, 2, &q->group);
    q->period = col_u32(r, i, 3);
}

static void row_activity(const PGresult *r, int i, struct st_activity *a)
{
    a->id = col_u32(r, i, 0);
    col_text(r, i, 1, a->name, sizeof a->name);
}

static void row_session(const PGresult *r, int i, struct st_session *ss)
{
    ss->handle = col_u32(r, i, 0);
    ss->agent = col_u32(r, i, 1);
    col_guid(r, i, 2, &ss->group);
    ss->line = col_u32(r, i, 3);
    ss->address = col_u32(r, i, 4);
    ss->state = col_u32(r, i, 5);
    ss->next_state = col_u32(r, i, 6);
    ss->start_ms = col_i64(r, i, 7);
    ss->end_ms = col_i64(r, i, 8);
    ss->calls = col_u32(r, i, 9);
    ss->talk_s = col_u32(r, i, 10);
    ss->call_s = col_u32(r, i, 11);
    ss->wrapup_s = col_u32(r, i, 12);
    ss->longest_answer_s = col_u32(r, i, 13);
    ss->total_answer_s = col_u32(r, i, 14);
}

static int pg_agents(struct acd_store *b, st_agent_fn fn, void *arg)
{
    ITERATE(PG(b), S_AGENTS, struct st_agent, row_agent, fn, arg, "listing agents");
}

static int pg_groups(struct acd_store *b, st_group_fn fn, void *arg)
{
    ITERATE(PG(b), S_GROUPS, struct st_group, row_group, fn, arg, "listing groups");
}

static int pg_queues(struct acd_store *b, st_queue_fn fn, void *arg)
{
    ITERATE(PG(b), S_QUEUES, struct st_queue, row_queue, fn, arg, "listing queues");
}

static int pg_activities(struct acd_store *b, st_activity_fn fn, void *arg)
{
    ITERATE(PG(b), S_ACTIVITIES, struct st_activity, row_activity, fn, arg, "listing activities");
}

static int pg_sessions(struct acd_store *b, st_session_fn fn, void *arg)
{
    ITERATE(PG(b), S_SESSIONS, struct st_session, row_session, fn, arg, "listing sessions");
}

/* ---- agents ------------------------------------------------------------------------ */

static int pg_agent_get(struct acd_store *b, const char *id, struct st_agent *out)
{
    struct pg *s = PG(b);
    if (s->lost)
        return conn_lost(s);
    struct params p;
    p_text(&p, 1, id);
    PGresult *res;
    int r = run(s, S_AGENT_GET, &p, 1, "reading an agent", &res);
    if (r == ST_OK && PQntuples(res) == 0) {
        store_set_err(b, "no agent '%s'", id);
        r = ST_NOTFOUND;
    } else if (r == ST_OK) {
        row_agent(res, 0, out);
    }
    PQclear(res);
    return r;
}

static void bind_agent(struct params *p, const struct st_agent *a)
{
    p_u32(p, 1, a->handle);
    p_text(p, 2, a->id);
    p_text(p, 3, a->name);
    p_text(p, 4, a->os_user);
    p_text(p, 5, a->pin_hash);
    p_u32(p, 6, a->state);
    p_u32(p, 7, a->next_state);
    p_u32(p, 8, a->period);
    p_u32(p, 9, a->activity);
}

/* Insert a record under a new handle (statement `id` takes it from the
   sequence and returns it): *h on ST_OK. */
static int insert_handled(struct pg *s, enum sid id, const struct params *p, int n,
                          const char *what, uint32_t *h)
{
    enum scope sc;
    int64_t v = 0;
    struct params rest; /* the record without its handle */
    memcpy(rest.v, p->v + 1, (size_t)(n - 1) * sizeof rest.v[0]);
    int r = op_begin(s, false, &sc);
    if (r == ST_OK)
        r = query_int(s, id, &rest, n - 1, what, &v, NULL);
    r = op_end(s, sc, r);
    *h = (uint32_t)v;
    return r;
}

static int pg_agent_add(struct acd_store *b, struct st_agent *a)
{
    REFUSE_IF_LOST(PG(b));
    if (store_check_agent(b, a))
        return ST_ERR;
    struct params p;
    bind_agent(&p, a);
    uint32_t h;
    int r = insert_handled(PG(b), S_AGENT_ADD, &p, 9, "adding an agent", &h);
    if (r == ST_OK)
        a->handle = h;
    else if (r == ST_EXISTS)
        store_set_err(b, "agent '%s' already exists", a->id);
    return r;
}

static int pg_agent_update(struct acd_store *b, const struct st_agent *a)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    if (store_check_agent(b, a))
        return ST_ERR;
    struct params p;
    bind_agent(&p, a);
    char nf[96];
    snprintf(nf, sizeof nf, "no agent with handle %u", a->handle);
    enum scope sc;
    int r = op_begin(s, false, &sc);
    if (r == ST_OK)
        r = run_one(s, S_AGENT_UPDATE, &p, 9, "updating an agent", nf);
    r = op_end(s, sc, r);
    if (r == ST_EXISTS)
        store_set_err(b, "agent '%s' already exists", a->id);
    return r;
}

static int pg_agent_remove(struct acd_store *b, const char *id)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    enum scope sc;
    int64_t handle = 0, active;
    bool found;
    struct params p;
    int r = op_begin(s, true, &sc);
    if (r == ST_OK) {
        p_text(&p, 1, id);
        r = query_int(s, S_AGENT_LOCK, &p, 1, "removing an agent", &handle, &found);
        if (r == ST_OK && !found) {
            store_set_err(b, "no agent '%s'", id);
            r = ST_NOTFOUND;
        }
    }
    if (r == ST_OK) {
        p_i64(&p, 1, handle);
        r = query_int(s, S_AGENT_ACTIVE, &p, 1, "removing an agent", &active, NULL);
        if (r == ST_OK && active) {
            store_set_err(b, "agent '%s' has %lld active session(s); end them first", id,
                          (long long)active);
            r = ST_INUSE;
        }
    }
    if (r == ST_OK)
        r = run_st(s, S_AGENT_DELETE, &p, 1, "removing an agent");
    return op_end(s, sc, r);
}

/* ---- groups ------------------------------------------------------------------------ */

static int pg_group_add(struct acd_store *b, const struct st_group *g)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    if (store_check_str(b, "group name", g->name, sizeof g->name, false))
        return ST_ERR;
    struct params p;
    p_guid(&p, 1, &g->guid);
    p_text(&p, 2, g->name);
    enum scope sc;
    int r = op_begin(s, false, &sc);
    if (r == ST_OK)
        r = run_st(s, S_GROUP_ADD, &p, 2, "adding a group");
    r = op_end(s, sc, r);
    if (r == ST_EXISTS)
        store_set_err(b, "a group named '%s' or with that GUID already exists", g->name);
    return r;
}

static int pg_group_remove(struct acd_store *b, const st_guid *guid)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    enum scope sc;
    int64_t n;
    char name[ST_NAME_MAX] = "";
    struct params p;
    p_guid(&p, 1, guid);
    int r = op_begin(s, true, &sc);
    if (r == ST_OK) {
        PGresult *res;
        r = run(s, S_GROUP_LOCK, &p, 1, "removing a group", &res);
        if (r == ST_OK && PQntuples(res) == 0) {
            store_set_err(b, "no such group");
            r = ST_NOTFOUND;
        } else if (r == ST_OK) {
            col_text(res, 0, 0, name, sizeof name);
        }
        PQclear(res);
    }
    if (r == ST_OK) {
        r = query_int(s, S_GROUP_QUEUES, &p, 1, "removing a group", &n, NULL);
        if (r == ST_OK && n) {
            store_set_err(b, "group '%s' still has %lld queue(s); remove them first", name,
                          (long long)n);
            r = ST_INUSE;
        }
    }
    if (r == ST_OK) {
        r = query_int(s, S_GROUP_ACTIVE, &p, 1, "removing a group", &n, NULL);
        if (r == ST_OK && n) {
            store_set_err(b, "group '%s' has %lld active agent session(s)", name, (long long)n);
            r = ST_INUSE;
        }
    }
    if (r == ST_OK)
        r = run_st(s, S_GROUP_DELETE, &p, 1, "removing a group");
    return op_end(s, sc, r);
}

/* ---- queues ------------------------------------------------------------------------ */

static int write_queue(struct pg *s, enum sid id, const struct st_queue *q)
{
    REFUSE_IF_LOST(s);
    if (store_check_str(&s->base, "queue name", q->name, sizeof q->name, false))
        return ST_ERR;
    struct params p;
    p_u32(&p, 1, q->id);
    p_text(&p, 2, q->name);
    p_guid(&p, 3, &q->group);
    p_u32(&p, 4, q->period);
    const char *what = id == S_QUEUE_ADD ? "adding a queue" : "updating a queue";
    char nf[64];
    snprintf(nf, sizeof nf, "no queue %u", q->id);
    enum scope sc;
    int r = op_begin(s, false, &sc);
    if (r == ST_OK)
        r = id == S_QUEUE_ADD ? run_st(s, id, &p, 4, what) : run_one(s, id, &p, 4, what, nf);
    bool fk = state_is(s->sqlstate, "23503");
    r = op_end(s, sc, r);
    if (r == ST_EXISTS)
        store_set_err(&s->base, "queue %u already exists", q->id);
    else if (r == ST_NOTFOUND && fk)
        store_set_err(&s->base, "queue %u: no such group", q->id);
    return r;
}

static int pg_queue_add(struct acd_store *b, const struct st_queue *q)
{
    return write_queue(PG(b), S_QUEUE_ADD, q);
}

static int pg_queue_update(struct acd_store *b, const struct st_queue *q)
{
    return write_queue(PG(b), S_QUEUE_UPDATE, q);
}

static int pg_queue_remove(struct acd_store *b, uint32_t id)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    char nf[64];
    snprintf(nf, sizeof nf, "no queue %u", id);
    struct params p;
    p_u32(&p, 1, id);
    enum scope sc;
    int r = op_begin(s, false, &sc);
    if (r == ST_OK)
        r = run_one(s, S_QUEUE_DELETE, &p, 1, "removing a queue", nf);
    return op_end(s, sc, r);
}

/* ---- activities -------------------------------------------------------------------- */

static int pg_activity_add(struct acd_store *b, const struct st_activity *a)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    if (store_check_str(b, "activity name", a->name, sizeof a->name, false))
        return ST_ERR;
    struct params p;
    p_u32(&p, 1, a->id);
    p_text(&p, 2, a->name);
    enum scope sc;
    int r = op_begin(s, false, &sc);
    if (r == ST_OK)
        r = run_st(s, S_ACTIVITY_ADD, &p, 2, "adding an activity");
    r = op_end(s, sc, r);
    if (r == ST_EXISTS)
        store_set_err(b, "activity %u already exists", a->id);
    return r;
}

static int pg_activity_remove(struct acd_store *b, uint32_t id)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    char nf[64];
    snprintf(nf, sizeof nf, "no activity %u", id);
    struct params p;
    p_u32(&p, 1, id);
    enum scope sc;
    int r = op_begin(s, true, &sc);
    if (r == ST_OK)
        r = run_one(s, S_ACTIVITY_DELETE, &p, 1, "removing an activity", nf);
    if (r == ST_OK)
        r = run_st(s, S_ACTIVITY_CLEAR, &p, 1, "removing an activity");
    return op_end(s, sc, r);
}

/* ---- sessions ---------------------------------------------------------------------- */

static void bind_session(struct params *p, const struct st_session *ss)
{
    p_u32(p, 1, ss->handle);
    p_u32(p, 2, ss->agent);
    p_guid(p, 3, &ss->group);
    p_u32(p, 4, ss->line);
    p_u32(p, 5, ss->address);
    p_u32(p, 6, ss->state);
    p_u32(p, 7, ss->next_state);
    p_i64(p, 8, ss->start_ms);
    p_i64(p, 9, ss->end_ms);
    p_u32(p, 10, ss->calls);
    p_u32(p, 11, ss->talk_s);
    p_u32(p, 12, ss->call_s);
    p_u32(p, 13, ss->wrapup_s);
    p_u32(p, 14, ss->longest_answer_s);
    p_u32(p, 15, ss->total_answer_s);
}

static int pg_session_add(struct acd_store *b, struct st_session *ss)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    struct params p;
    bind_session(&p, ss);
    uint32_t h;
    int r = insert_handled(s, S_SESSION_ADD, &p, 15, "adding a session", &h);
    if (r == ST_OK)
        ss->handle = h;
    else if (r == ST_NOTFOUND)
        store_set_err(b, "adding a session: no agent with handle %u", ss->agent);
    else if (r == ST_EXISTS)
        store_set_err(b,
                      "adding a session: agent %u already has an active session in that group"
                      " on line %u address %u",
                      ss->agent, ss->line, ss->address);
    return r;
}

static int pg_session_update(struct acd_store *b, const struct st_session *ss)
{
    struct pg *s = PG(b);
    REFUSE_IF_LOST(s);
    struct params p;
    bind_session(&p, ss);
    char nf[64];
    snprintf(nf, sizeof nf, "no session with handle %u", ss->handle);
    enum scope sc;
    int r = op_begin(s, false, &sc);
    if (r == ST_OK)
        r = run_one(s, S_SESSION_UPDATE, &p, 15, "updating a session", nf);
    bool fk = state_is(s->sqlstate, "23503");
    r = op_end(s, sc, r);
    if (r == ST_NOTFOUND && fk)
        store_set_err(b, "updating a session: no agent with handle %u", ss->agent);
    else if (r == ST_EXISTS)
        store_set_err(b,
                      "updating a session: agent %u already has an active session in that"
                      " group on that address",
                      ss->agent);
    return r;
}

/* Rows of transactions at or above *cursor (every row for 0), then the
   cursor to the reading snapshot's xmin.  No row leaves the cursor: what
   it has not covered is still there to read. */
static int pg_sessions_changed(struct acd_store *b, uint64_t *cursor, st_session_fn fn, void *arg)
{
    struct pg *s = PG(b);
    if (s->lost)
        return conn_lost(s);
    struct params p;
    PGresult *res;
    int r;
    if (*cursor) {
        snprintf(p.buf[0], sizeof p.buf[0], "%" PRIu64, *cursor);
        p.v[0] = p.buf[0];
        r = run(s, S_SESSIONS_SINCE, &p, 1, "listing changed sessions", &res);
    } else {
        r = run(s, S_SESSIONS, NULL, 0, "listing changed sessions", &res);
    }
    if (r)
        return r;
    int n = PQntuples(res);
    uint64_t xmin = n ? strtoull(PQgetvalue(res, 0, 15), NULL, 10) : 0;
    for (int i = 0; i < n && r == 0; i++) {
        struct st_session rec;
        row_session(res, i, &rec);
        r = fn(arg, &rec);
    }
    PQclear(res);
    if (r == 0 && xmin)
        *cursor = xmin;
    return r;
}

static const struct store_ops pg_ops = {
    .close = pg_close,
    .schema_version = pg_schema_version,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .next_handle = pg_next_handle,
    .changed = pg_changed,
    .fd = pg_fd,
    .lost = pg_lost,
    .reconnect = pg_reconnect,
    .agents = pg_agents,
    .agent_get = pg_agent_get,
    .agent_add = pg_agent_add,
    .agent_update = pg_agent_update,
    .agent_remove = pg_agent_remove,
    .groups = pg_groups,
    .group_add = pg_group_add,
    .group_remove = pg_group_remove,
    .queues = pg_queues,
    .queue_add = pg_queue_add,
    .queue_update = pg_queue_update,
    .queue_remove = pg_queue_remove,
    .activities = pg_activities,
    .activity_add = pg_activity_add,
    .activity_remove = pg_activity_remove,
    .sessions = pg_sessions,
    .session_add = pg_session_add,
    .session_update = pg_session_update,
    .sessions_changed = pg_sessions_changed,
};
