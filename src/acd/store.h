/*
 * store.h - acdproxy's durable store, independent of the database behind it.
 *
 * acdproxy keeps its ACD model in memory and writes every change through
 * this interface; on start it loads everything back.  store_sqlite.c is the
 * embedded default; store_pg.c (PostgreSQL, shared by several acdproxy
 * nodes) implements the same functions, so nothing here may name either.
 * A backend is chosen by the URL given to store_open: "sqlite:PATH" or a
 * plain PATH, "postgresql://..." or "postgres://...".
 *
 * Durability: a change made between store_begin and store_commit is on disk
 * when store_commit returns 0.  acdproxy commits many requests in one
 * transaction (group commit) and answers them only after the commit.
 *
 * Handles (HAGENT, HAGENTSESSION) come from store_next_handle, a counter
 * kept in the store, so they are unique and never reused, also across
 * restarts and between several processes on one database.  All strings
 * are UTF-8 and NUL-terminated.
 *
 * Every backend keeps these rules:
 *  - Outside store_begin/store_commit each call is its own transaction.
 *    A failed store_commit leaves the transaction rolled back.  Inside
 *    one, a call refused for its record (ST_EXISTS, ST_NOTFOUND, ST_INUSE,
 *    a bad string) changes nothing and the transaction goes on; any other
 *    failure (disk full, I/O, lost connection) loses the transaction:
 *    later writes and store_commit return that error; store_rollback.
 *  - Strings longer than their field (ST_ID_MAX, ST_NAME_MAX incl. NUL),
 *    not UTF-8, with control characters, or an empty agent id / group,
 *    queue or activity name: ST_ERR.
 *  - Adding a queue or a session whose group / agent does not exist:
 *    ST_NOTFOUND.  Sessions name their group by GUID only (no reference),
 *    so ended sessions keep it as history after the group is removed.
 *  - store_group_remove: ST_INUSE while a queue is in the group or a
 *    session in it is not ENDED.
 *  - store_agent_remove: ST_INUSE while a session of the agent is not
 *    ENDED; otherwise the agent goes with all its (ended) sessions.
 *  - store_activity_remove resets the current activity of agents that had
 *    it to 0 (none).
 *  - store_agent_update and the other updates write every field of the
 *    record (by handle / id).  A writer that keeps records in memory must
 *    pick up store_changed before writing them back, or it may undo an
 *    admin's change (a new PIN, say): check it after store_begin.
 *  - A handle taken in a transaction that is rolled back may come again
 *    (it was never committed, so nobody can have seen it answered), or
 *    be skipped (PostgreSQL's sequence): handles have gaps.
 *  - Two sessions of one agent for the same group, line and address that
 *    are both not ENDED: the second store_session_add (or an update making
 *    it so) is refused with ST_EXISTS.  Both backends enforce this with a
 *    partial unique index, so two nodes cannot both create one.
 *  - ST_CONN: the connection to the database server is lost.  Every call
 *    then fails with ST_CONN at once until store_reconnect succeeds; an
 *    open transaction is gone (store_rollback).  A store_commit that
 *    failed with ST_CONN may or may not have committed.
 *  - Order: agents by id, groups by name, queues and activities by id,
 *    sessions by handle (oldest first).
 *  - A callback of an iteration must not start the same iteration again;
 *    other calls are allowed.
 */
#ifndef TAPIX_ACD_STORE_H
#define TAPIX_ACD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Results: 0, or one of these. */
enum {
    ST_OK = 0,
    ST_ERR = -1,      /* anything else; store_errmsg says what */
    ST_NOTFOUND = -2, /* no such record */
    ST_EXISTS = -3,   /* a unique key (agent id, group name, queue id ...) is taken */
    ST_FULL = -4,     /* the disk or the quota is full */
    ST_READONLY = -5, /* the database cannot be written */
    ST_BUSY = -6,     /* locked by another writer for too long */
    ST_CONN = -7,     /* connection to the database server lost */
    ST_INUSE = -8,    /* still referenced: a group with queues or active sessions,
                         an agent with active sessions */
};

#define ST_ID_MAX 64    /* agent IDs, OS user names: bytes incl. NUL */
#define ST_NAME_MAX 128 /* display names */
#define ST_HASH_MAX 128 /* Argon2id hash strings (crypto_pwhash_STRBYTES) */

typedef struct {
    uint8_t b[16];
} st_guid; /* a GUID in Microsoft's byte layout */

struct st_agent {
    uint32_t handle;    /* HAGENT, assigned when the agent is added */
    char id[ST_ID_MAX]; /* the agent ID apps pass to lineCreateAgent */
    char name[ST_NAME_MAX];
    char os_user[ST_ID_MAX];    /* bound OS user, "" when none */
    char pin_hash[ST_HASH_MAX]; /* Argon2id string, "" when the agent has no PIN */
    uint32_t state, next_state; /* LINEAGENTSTATEEX_ */
    uint32_t period;            /* measurement period, seconds */
    uint32_t activity;          /* current activity id (TAPI 2.0), 0 = none */
};

struct st_group {
    st_guid guid;
    char name[ST_NAME_MAX];
};

struct st_queue {
    uint32_t id;
    char name[ST_NAME_MAX];
    st_guid group;
    uint32_t period; /* measurement period, seconds */
};

struct st_activity {
    uint32_t id;
    char name[ST_NAME_MAX];
};

struct st_session {
    uint32_t handle; /* HAGENTSESSION */
    uint32_t agent;  /* HAGENT */
    st_guid group;
    uint32_t line;              /* permanent line id of the requesting line */
    uint32_t address;           /* working address id on that line */
    uint32_t state, next_state; /* LINEAGENTSESSIONSTATE_ */
    int64_t start_ms, end_ms;   /* Unix time in milliseconds; end 0 while not ended */
    uint32_t calls, talk_s, call_s, wrapup_s, longest_answer_s, total_answer_s;
};

struct acd_store;

/* Open (creating and migrating the schema as needed).  Returns ST_OK and
   *out, or an error with a reason in err.  "sqlite:PATH?mode=ro" opens an
   existing SQLite database read-only (writes then give ST_READONLY);
   "?busy_timeout=MS" sets how long a write waits for another writer
   (default 5000; options are joined with '&'). */
int store_open(const char *url, struct acd_store **out, char *err, size_t errlen);
void store_close(struct acd_store *s);
/* The last error's text (never contains a PIN). */
const char *store_errmsg(const struct acd_store *s);
/* The schema version the database is at. */
int store_schema_version(struct acd_store *s);

int store_begin(struct acd_store *s);
int store_commit(struct acd_store *s);
void store_rollback(struct acd_store *s);

/* A fresh handle, persisted with the current transaction.  0 on error. */
uint32_t store_next_handle(struct acd_store *s);

/*
 * Did another connection (another process, another node) commit a change
 * to anything in the store - the directory (agents, groups, queues,
 * activities), agent states or sessions - since the last call?  Our own
 * writes do not count; rolled-back ones neither.  Every change committed
 * by another connection before the call is reported (by this call or an
 * earlier one); a true may also come when nothing visible changed, so a
 * reload finding nothing new is normal.  store_fd gives a descriptor that
 * polls readable when a change may have come (-1 when the backend has
 * none, or while the connection is lost: call the function on a timer).
 */
int store_changed(struct acd_store *s, bool *changed);
int store_fd(struct acd_store *s);

/* Is the connection to the database server lost (see ST_CONN)?  Always
   false for SQLite. */
bool store_lost(struct acd_store *s);
/* Connect again after a loss: one attempt (it may block up to the
   backend's connect timeout).  ST_OK when connected (at once when nothing
   was lost), ST_CONN when not yet.  Changes made meanwhile went
   unnoticed: reload everything afterwards. */
int store_reconnect(struct acd_store *s);

/* url with any password replaced by "***", for logs.  Returns out. */
const char *store_url_redact(const char *url, char *out, size_t cap);

/* Iterate: the callback returns 0 to go on, nonzero to stop (that value
   is then returned). */
typedef int (*st_agent_fn)(void *arg, const struct st_agent *a);
typedef int (*st_group_fn)(void *arg, const struct st_group *g);
typedef int (*st_queue_fn)(void *arg, const struct st_queue *q);
typedef int (*st_activity_fn)(void *arg, const struct st_activity *a);
typedef int (*st_session_fn)(void *arg, const struct st_session *s);

int store_agents(struct acd_store *s, st_agent_fn fn, void *arg);
int store_agent_get(struct acd_store *s, const char *id, struct st_agent *out);
int store_agent_add(struct acd_store *s, struct st_agent *a);          /* assigns a->handle */
int store_agent_update(struct acd_store *s, const struct st_agent *a); /* by handle */
int store_agent_remove(struct acd_store *s, const char *id);

int store_groups(struct acd_store *s, st_group_fn fn, void *arg);
int store_group_add(struct acd_store *s, const struct st_group *g);
int store_group_remove(struct acd_store *s, const st_guid *guid);

int store_queues(struct acd_store *s, st_queue_fn fn, void *arg);
int store_queue_add(struct acd_store *s, const struct st_queue *q);
int store_queue_update(struct acd_store *s, const struct st_queue *q);
int store_queue_remove(struct acd_store *s, uint32_t id);

int store_activities(struct acd_store *s, st_activity_fn fn, void *arg);
int store_activity_add(struct acd_store *s, const struct st_activity *a);
int store_activity_remove(struct acd_store *s, uint32_t id);

int store_sessions(struct acd_store *s, st_session_fn fn, void *arg);
/* Assigns ss->handle.  ST_EXISTS when ss is not ENDED and the agent already
 * has a session that is not ENDED in the same group at the same line and
 * address: a unique constraint of the database, so it holds between nodes. */
int store_session_add(struct acd_store *s, struct st_session *ss);
int store_session_update(struct acd_store *s, const struct st_session *ss);

/*
 * The sessions added or updated by commits *cursor has not covered yet, in
 * handle order; then *cursor moves past them (on ST_OK only: a failed or
 * stopped pass leaves it, and the next call reads those rows again).
 * *cursor = 0 has covered nothing: every stored session comes (the first
 * load).  The value is the backend's own, meaningful only to this store.
 * A session written by a transaction still open during a call (this
 * connection's own included) comes in a later call, never lost between
 * the two; a session may come more than once, so the caller must treat
 * a record equal to what it holds as no change.  Removed sessions (their
 * agent was removed) are not reported: look at every session
 * (store_sessions, or a cursor of 0) after an agent left the directory.
 * The cost is that of the rows reported, not of the rows stored.
 */
int store_sessions_changed(struct acd_store *s, uint64_t *cursor, st_session_fn fn, void *arg);

#endif
