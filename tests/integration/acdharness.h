/*
 * acdharness.h - acdproxy for the integration tests: start it on a store
 * in a temp dir and wait for its READY line (--ready-fd), stop or kill it,
 * run `acdproxy admin`, start tapisrv on a socket path of our choosing (so
 * that a restarted tapisrv is found where acdproxy looks), and the
 * request/reply plumbing the acd tests share.
 *
 * Like harness.h, nothing here asserts; every wait has a deadline.
 */
#ifndef TAPIX_IT_ACDHARNESS_H
#define TAPIX_IT_ACDHARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include <tapi.h>

struct acdp {
    pid_t pid;          /* 0 once reaped */
    int status;         /* waitpid status once reaped */
    char db[256];       /* the store (a path) */
    char log[256];      /* its stderr */
    char *const *extra; /* the extra arguments it was started with */
};

/*
 * The store for a test's acdproxy: a fresh, empty one called `name`,
 * written as a --db argument into url.  By default a SQLite file DIR/NAME.db;
 * the suites run again on other backends chosen by $TAPIX_TEST_STORE
 * ("sqlite", the default; "pg": a fresh database on the server
 * $TAPIX_TEST_PG, see pgtest.h).  Nodes that share a store pass the same url.
 * Returns 0, or -1 (url too small, or the backend is unavailable).
 */
int acdt_store(char *url, size_t cap, const char *dir, const char *name);

/* The same store opened read-only: "sqlite:PATH?mode=ro", or on PostgreSQL
   the URL with default_transaction_read_only on (as a hot standby is).
   0 or -1 (url too small). */
int acdt_store_readonly(char *url, size_t cap, const char *store);

/* The backend the suite runs on: "sqlite" unless $TAPIX_TEST_STORE says otherwise. */
const char *acdt_store_kind(void);

/*
 * Start $TAPIX_BUILD/acdproxy --db DB --ready-fd N --log-level debug
 * [extra args...] with stderr appended to LOG, TAPI_SERVER as in the
 * environment, and wait up to 10 s for "READY\n".  Returns NULL (and
 * prints why) on failure.  extra is NULL-terminated (may be NULL).
 */
struct acdp *acdp_start(const char *db, const char *log, char *const extra[]);
/* Start again on the same db and log.  0 or -1. */
int acdp_restart(struct acdp *p);
/* SIGTERM and wait (10 s): the exit code, 128+sig, or -1 on timeout. */
int acdp_stop(struct acdp *p);
/* SIGKILL and reap.  0 or -1. */
int acdp_kill(struct acdp *p);
/* Kill if running, free. */
void acdp_free(struct acdp *p);

/*
 * Run `acdproxy admin --db DB args...` (NULL-terminated), feeding
 * stdin_text (may be NULL) on its standard input; its stdout goes to out
 * (NUL-terminated, may be NULL).  Returns its exit code, -1 on failure.
 */
int acd_admin(const char *db, const char *stdin_text, char *out, size_t outcap, ...);

/* A tapisrv on exactly this socket path (dir must exist), READY awaited.
 * Returns its pid, -1 on failure. */
pid_t tapisrv_start_at(const char *sock, const char *conf);
/* SIGTERM + reap (10 s), SIGKILL after that.  Exit code or -1. */
int tapisrv_stop_pid(pid_t pid);

/* ---- requests: wait for the LINE_REPLY of a request id --------------------------- */

#define ACD_REPLY_MS 10000

/* Messages other than the awaited LINE_REPLY are kept here for the tests. */
#define ACD_MSG_MAX 512
struct acd_msgs {
    LINEMESSAGE v[ACD_MSG_MAX];
    int n;
};

/*
 * id < 0: returns id (a synchronous error).  Else waits (ACD_REPLY_MS, times
 * harness_time_scale())
 * for LINE_REPLY(id) on app and returns its result; other messages are
 * appended to keep (may be NULL).  1 on timeout.
 */
LONG acd_reply(HLINEAPP app, LONG id, struct acd_msgs *keep);

/* Wait (until ms from now) for a message msg with param1 p1 (any when
 * p1 == ~0) among keep and new ones from app; removes and returns it in
 * *out.  0 found, -1 timeout. */
int acd_wait_msg(HLINEAPP app, struct acd_msgs *keep, DWORD msg, DWORD_PTR p1, int ms,
                 LINEMESSAGE *out);

/* The GUID of the group called name, from lineGetGroupList on line (its
 * LINE_REPLY awaited as acd_reply does, other messages into keep, may be
 * NULL).  0, or -1 when the call fails or there is no such group. */
int acd_find_group(HLINEAPP app, HLINE line, const char *name, GUID *out, struct acd_msgs *keep);

/* The handles lineGetAgentSessionList gives for agent ag on line: up to
 * cap of them into out, their number into *n.  The call's result. */
LONG acd_session_list(HLINEAPP app, HLINE line, HAGENT ag, HAGENTSESSION *out, DWORD cap, DWORD *n,
                      struct acd_msgs *keep);

/* The current OS user's name (static). */
const char *acd_me(void);

#endif
