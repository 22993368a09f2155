/*
 * store_backend.h - what a store backend provides to store.c.
 *
 * store.c parses the URL and hands the rest to a backend's open function;
 * every other store_* call goes through the backend's table of operations.
 * A backend's handle starts with struct acd_store, so store.c can reach the
 * table and the last error's text without knowing the backend.
 */
#ifndef TAPIX_ACD_STORE_BACKEND_H
#define TAPIX_ACD_STORE_BACKEND_H

#include "store.h"

struct store_ops {
    void (*close)(struct acd_store *s);
    int (*schema_version)(struct acd_store *s);
    int (*begin)(struct acd_store *s);
    int (*commit)(struct acd_store *s);
    void (*rollback)(struct acd_store *s);
    uint32_t (*next_handle)(struct acd_store *s);
    int (*changed)(struct acd_store *s, bool *changed);
    int (*fd)(struct acd_store *s);

    int (*agents)(struct acd_store *s, st_agent_fn fn, void *arg);
    int (*agent_get)(struct acd_store *s, const char *id, struct st_agent *out);
    int (*agent_add)(struct acd_store *s, struct st_agent *a);
    int (*agent_update)(struct acd_store *s, const struct st_agent *a);
    int (*agent_remove)(struct acd_store *s, const char *id);

    int (*groups)(struct acd_store *s, st_group_fn fn, void *arg);
    int (*group_add)(struct acd_store *s, const struct st_group *g);
    int (*group_remove)(struct acd_store *s, const st_guid *guid);

    int (*queues)(struct acd_store *s, st_queue_fn fn, void *arg);
    int (*queue_add)(struct acd_store *s, const struct st_queue *q);
    int (*queue_update)(struct acd_store *s, const struct st_queue *q);
    int (*queue_remove)(struct acd_store *s, uint32_t id);

    int (*activities)(struct acd_store *s, st_activity_fn fn, void *arg);
    int (*activity_add)(struct acd_store *s, const struct st_activity *a);
    int (*activity_remove)(struct acd_store *s, uint32_t id);

    int (*sessions)(struct acd_store *s, st_session_fn fn, void *arg);
    int (*session_add)(struct acd_store *s, struct st_session *ss);
    int (*session_update)(struct acd_store *s, const struct st_session *ss);
    int (*sessions_changed)(struct acd_store *s, uint64_t *cursor, st_session_fn fn, void *arg);

    /* A backend with a connection to lose (may be NULL: never lost). */
    bool (*lost)(struct acd_store *s);
    int (*reconnect)(struct acd_store *s);
};

struct acd_store {
    const struct store_ops *ops;
    char err[256]; /* the last error's text; never a PIN or PIN hash */
};

/* Set s->err (printf-style). */
void store_set_err(struct acd_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Checks shared by every backend; each returns ST_OK or ST_ERR with s->err
   set.  A field is valid when it is NUL-terminated within its array, UTF-8,
   and free of control characters; `what` names it in the message. */
int store_check_str(struct acd_store *s, const char *what, const char *v, size_t cap,
                    bool allow_empty);
int store_check_agent(struct acd_store *s, const struct st_agent *a);

#define STORE_BUSY_TIMEOUT_MS 5000

/* The columns both backends' statements name, in the records' order. */
#define STORE_AGENT_COLS "handle, id, name, os_user, pin_hash, state, next_state, period, activity"
#define STORE_SESSION_COLS                                                                         \
    "handle, agent, group_guid, line, address, state, next_state, start_ms, end_ms, calls, "       \
    "talk_s, call_s, wrapup_s, longest_answer_s, total_answer_s"
/* LINEAGENTSESSIONSTATE_ENDED as SQL text (checked against tapi.h in store.c). */
#define STORE_SESSION_ENDED "16"

/* ST_ERR with the message for a database whose schema version v is newer
   than latest, the newest this acdproxy knows. */
int store_err_newer(struct acd_store *s, int v, int latest);

struct sqlite_opts {
    bool readonly; /* open an existing database read-only */
    int busy_ms;   /* how long to wait for another writer's lock */
};

/* The SQLite backend. */
int store_sqlite_open(const char *path, const struct sqlite_opts *opt, struct acd_store **out,
                      char *err, size_t errlen);

/* The PostgreSQL backend: url goes to libpq as it is. */
int store_pg_open(const char *url, struct acd_store **out, char *err, size_t errlen);

#endif
