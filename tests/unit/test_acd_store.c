/* Unit tests for acdproxy's store (src/acd/store.c, store_sqlite.c,
 * store_pg.c) and PINs (src/acd/pin.c): every store function on a
 * temporary database, errors, transactions, change detection, schema
 * versions, file modes, 100k sessions.
 *
 * The store tests run on the backend $TAPIX_TEST_STORE names: "sqlite"
 * (the default: a file in a temporary directory) or "pg" (a fresh database
 * per test on the server $TAPIX_TEST_PG).  Checks that only make sense on
 * one backend say so where they are skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <tapi.h>

#include "../../src/acd/pin.h"
#include "../../src/acd/store.h"
#include "../integration/pgtest.h"

struct fx {
    char dir[64];
    char db[512]; /* the SQLite file, or the PostgreSQL URL */
};

static bool on_pg(void)
{
    const char *k = getenv("TAPIX_TEST_STORE");
    return k && !strcmp(k, "pg");
}

/* The schema version a backend migrates to: SQLite went to 2 to add the
   one-active-session index, which PostgreSQL's first schema already has;
   both then added what store_sessions_changed reads (SQLite 3, PG 2). */
static int schema_now(void)
{
    return on_pg() ? 2 : 3;
}

/* Print why a check is left out on this backend. */
static void skipped(const char *what)
{
    print_message("[   INFO   ] %s: skipped on %s\n", what, on_pg() ? "PostgreSQL" : "SQLite");
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/acdstore.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/acd.db", f->dir);
    if (on_pg() && pgtest_create_db(f->db, sizeof f->db, "store"))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    DIR *d = opendir(f->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct acd_store *open_ok(const char *url)
{
    struct acd_store *s = NULL;
    char err[256] = "";
    int r = store_open(url, &s, err, sizeof err);
    if (r != ST_OK)
        print_message("store_open(%s): %d %s\n", url, r, err);
    assert_int_equal(r, ST_OK);
    assert_non_null(s);
    return s;
}

/* Run SQL on the database directly (outside the store). */
static void raw_sql(const char *path, const char *sql)
{
    if (on_pg()) {
        assert_int_equal(pgtest_exec(path, sql), 0);
        return;
    }
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        print_message("sql: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(db);
}

static long long raw_int(const char *path, const char *sql)
{
    if (on_pg())
        return pgtest_int(path, sql);
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* How many tables (or sequences) named name the database has. */
static long long has_table(const char *db, const char *name)
{
    char sql[256];
    if (on_pg())
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                 " WHERE n.nspname = current_schema() AND c.relname = '%s'",
                 name);
    else
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE name = '%s'", name);
    return raw_int(db, sql);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static st_guid guid_of(uint8_t seed)
{
    st_guid g;
    for (int i = 0; i < 16; i++)
        g.b[i] = (uint8_t)(seed * 17 + i);
    return g;
}

static struct st_agent agent_rec(const char *id, const char *name)
{
    struct st_agent a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "%s", id);
    snprintf(a.name, sizeof a.name, "%s", name);
    return a;
}

static struct st_session session_rec(uint32_t agent, st_guid g)
{
    struct st_session ss;
    memset(&ss, 0, sizeof ss);
    ss.agent = agent;
    ss.group = g;
    ss.line = 3;
    ss.address = 1;
    ss.state = LINEAGENTSESSIONSTATE_NOTREADY;
    ss.start_ms = 1700000000123LL;
    return ss;
}

/* ---- collecting iterations ---------------------------------------------------------- */

#define MAXREC 16

struct agents {
    struct st_agent v[MAXREC];
    int n;
};
static int on_agent(void *arg, const struct st_agent *a)
{
    struct agents *l = arg;
    if (l->n < MAXREC)
        l->v[l->n] = *a;
    l->n++;
    return 0;
}

struct groups {
    struct st_group v[MAXREC];
    int n;
};
static int on_group(void *arg, const struct st_group *g)
{
    struct groups *l = arg;
    if (l->n < MAXREC)
        l->v[l->n] = *g;
    l->n++;
    return 0;
}

struct queues {
    struct st_queue v[MAXREC];
    int n;
};
static int on_queue(void *arg, const struct st_queue *q)
{
    struct queues *l = arg;
    if (l->n < MAXREC)
        l->v[l->n] = *q;
    l->n++;
    return 0;
}

struct acts {
    struct st_activity v[MAXREC];
    int n;
};
static int on_act(void *arg, const struct st_activity *a)
{
    struct acts *l = arg;
    if (l->n < MAXREC)
        l->v[l->n] = *a;
    l->n++;
    return 0;
}

struct sessions {
    struct st_session v[MAXREC];
    int n;
};
static int on_session(void *arg, const struct st_session *s)
{
    struct sessions *l = arg;
    if (l->n < MAXREC)
        l->v[l->n] = *s;
    l->n++;
    return 0;
}

static int stop_at_two(void *arg, const struct st_agent *a)
{
    (void)a;
    return ++*(int *)arg == 2 ? 7 : 0;
}

static int stop_session(void *arg, const struct st_session *s)
{
    (void)s;
    ++*(int *)arg;
    return 9;
}

/* The sessions store_sessions_changed reports to b through *cur. */
static struct sessions changed_since(struct acd_store *b, uint64_t *cur)
{
    struct sessions l = {0};
    assert_int_equal(store_sessions_changed(b, cur, on_session, &l), ST_OK);
    return l;
}

/* ---- URLs and files --------------------------------------------------------------------- */

static void test_urls(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = NULL;
    char err[256], url[640];

    /* PostgreSQL URLs reach libpq: a server that is not there is ST_CONN */
    assert_int_equal(store_open("postgresql:///acd?host=/nonexistent", &s, err, sizeof err),
                     ST_CONN);
    assert_null(s);
    assert_non_null(strstr(err, "/nonexistent"));
    assert_int_equal(store_open("postgres:///acd?host=/nonexistent", &s, err, sizeof err), ST_CONN);
    assert_int_equal(store_open("postgresql://h/acd?nosuchoption=1", &s, err, sizeof err), ST_CONN);
    assert_non_null(strstr(err, "nosuchoption"));
    assert_int_equal(store_open("mysql://h/acd", &s, err, sizeof err), ST_ERR);
    assert_non_null(strstr(err, "mysql"));
    assert_int_equal(store_open("", &s, err, sizeof err), ST_ERR);
    assert_int_equal(store_open("sqlite:", &s, err, sizeof err), ST_ERR);
    snprintf(url, sizeof url, "sqlite:%s?mode=wx", f->db);
    assert_int_equal(store_open(url, &s, err, sizeof err), ST_ERR);
    assert_non_null(strstr(err, "mode=wx"));
    snprintf(url, sizeof url, "sqlite:%s?busy_timeout=abc", f->db);
    assert_int_equal(store_open(url, &s, err, sizeof err), ST_ERR);
    /* read-only: the file must exist */
    snprintf(url, sizeof url, "sqlite:%s?mode=ro", f->db);
    assert_int_equal(store_open(url, &s, err, sizeof err), ST_ERR);
    assert_int_equal(access(f->db, F_OK), -1);
    /* a directory that does not exist */
    snprintf(url, sizeof url, "%s/nodir/acd.db", f->dir);
    assert_int_equal(store_open(url, &s, err, sizeof err), ST_ERR);
    assert_non_null(strstr(err, "nodir"));

    if (on_pg()) {
        /* the test database's URL, and the same with a lock timeout */
        s = open_ok(f->db);
        struct st_agent a = agent_rec("u1", "");
        assert_int_equal(store_agent_add(s, &a), ST_OK);
        store_close(s);
        snprintf(url, sizeof url, "%s&options=-c%%20lock_timeout%%3D100", f->db);
        s = open_ok(url);
        assert_int_equal(store_agent_get(s, "u1", &a), ST_OK);
        store_close(s);
        return;
    }
    /* sqlite:PATH, options, and a plain PATH reach the same database */
    snprintf(url, sizeof url, "sqlite:%s?mode=rw&busy_timeout=100", f->db);
    s = open_ok(url);
    struct st_agent a = agent_rec("u1", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    store_close(s);
    s = open_ok(f->db);
    assert_int_equal(store_agent_get(s, "u1", &a), ST_OK);
    store_close(s);
    store_close(NULL);
    assert_string_equal(store_errmsg(NULL), "no store");
}

/* A password never reaches a log. */
static void test_url_redact(void **state)
{
    (void)state;
    char b[256];
    assert_string_equal(
        store_url_redact("postgresql://acd:s3cret@db.example:5432/acd", b, sizeof b),
        "postgresql://acd:***@db.example:5432/acd");
    assert_string_equal(
        store_url_redact("postgres://u@h/acd?password=s3cret&sslmode=require", b, sizeof b),
        "postgres://u@h/acd?password=***&sslmode=require");
    assert_string_equal(store_url_redact("postgresql:///acd?host=/run/pg&password=x", b, sizeof b),
                        "postgresql:///acd?host=/run/pg&password=***");
    assert_string_equal(store_url_redact("postgresql://h/a?mypassword=ok", b, sizeof b),
                        "postgresql://h/a?mypassword=ok");
    assert_string_equal(store_url_redact("/var/lib/acd.db", b, sizeof b), "/var/lib/acd.db");
    assert_string_equal(store_url_redact("password=x", b, sizeof b), "password=x");
    assert_string_equal(store_url_redact("postgresql://u:pw@h/db", b, 12), "postgresql:");
}

static void check_mode(const char *path, mode_t want)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        fail_msg("%s: %s", path, strerror(errno));
    if ((sb.st_mode & 0777) != want)
        fail_msg("%s has mode %03o, want %03o", path, sb.st_mode & 0777, want);
}

static void test_file_modes(void **state)
{
    struct fx *f = *state;
    char p[640];
    if (on_pg()) {
        skipped("file modes (the server owns its files)");
        return;
    }
    mode_t old = umask(0);
    struct acd_store *s = open_ok(f->db);
    umask(old);
    struct st_agent a = agent_rec("m1", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    check_mode(f->db, 0600);
    snprintf(p, sizeof p, "%s-wal", f->db);
    check_mode(p, 0600);
    snprintf(p, sizeof p, "%s-shm", f->db);
    check_mode(p, 0600);
    store_close(s);

    /* A umask that takes the owner's write bit still gives 0600. */
    snprintf(p, sizeof p, "%s/b.db", f->dir);
    old = umask(0277);
    s = open_ok(p);
    umask(old);
    check_mode(p, 0600);
    store_close(s);

    /* An existing file keeps the mode its owner chose. */
    assert_int_equal(chmod(f->db, 0640), 0);
    s = open_ok(f->db);
    check_mode(f->db, 0640);
    store_close(s);
}

/* ---- schema ------------------------------------------------------------------------------ */

static void test_schema_fresh(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    assert_int_equal(store_schema_version(s), schema_now());
    store_close(s);
    assert_int_equal(raw_int(f->db, "SELECT version FROM schema_version"), schema_now());
    if (on_pg()) {
        /* the handle sequence has not handed out anything yet */
        assert_int_equal(raw_int(f->db, "SELECT last_value + is_called::int FROM acd_handles"), 1);
        s = open_ok(f->db);
        assert_int_equal(store_schema_version(s), schema_now());
        store_close(s);
        return;
    }
    assert_int_equal(raw_int(f->db, "SELECT next_handle FROM meta"), 1);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* reopening an up-to-date database changes nothing */
    s = open_ok(f->db);
    assert_int_equal(store_schema_version(s), schema_now());
    store_close(s);
}

static void test_schema_empty_file(void **state)
{
    struct fx *f = *state;
    if (on_pg()) {
        skipped("an empty file (a fresh database is test_schema_fresh)");
        return;
    }
    int fd = open(f->db, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    struct acd_store *s = open_ok(f->db);
    assert_int_equal(store_schema_version(s), schema_now());
    struct st_agent a = agent_rec("e1", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    assert_int_equal(a.handle, 1);
    store_close(s);
}

/* A database at version 0 (the version table, nothing else) is migrated. */
static void test_schema_migrate_v0(void **state)
{
    struct fx *f = *state;
    raw_sql(f->db, "CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER);"
                   "INSERT INTO schema_version VALUES (1, 0);");
    struct acd_store *s = open_ok(f->db);
    assert_int_equal(store_schema_version(s), schema_now());
    store_close(s);
    assert_int_equal(raw_int(f->db, "SELECT version FROM schema_version"), schema_now());
    assert_int_equal(has_table(f->db, "sessions"), 1);
}

/* A version 1 database is migrated to 2 and on; active duplicates that two
   processes could make before the unique index are ended, the oldest kept. */
static void test_schema_migrate_v1(void **state)
{
    struct fx *f = *state;
    if (on_pg()) {
        skipped("migration to version 2 (SQLite's; PostgreSQL starts with the index)");
        return;
    }
    struct acd_store *s = open_ok(f->db);
    struct st_group g = {guid_of(1), "G"};
    assert_int_equal(store_group_add(s, &g), ST_OK);
    struct st_agent a = agent_rec("dup", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    struct st_session s1 = session_rec(a.handle, g.guid);
    assert_int_equal(store_session_add(s, &s1), ST_OK);
    store_close(s);
    /* back to version 1: without what versions 2 and 3 add */
    raw_sql(f->db, "DROP INDEX sessions_one_active; DROP INDEX sessions_chg;"
                   "ALTER TABLE sessions DROP COLUMN chg; ALTER TABLE meta DROP COLUMN chg;"
                   "UPDATE schema_version SET version = 1;"
                   "INSERT INTO sessions SELECT handle + 100, agent, group_guid, line, address,"
                   " state, next_state, start_ms, end_ms, calls, talk_s, call_s, wrapup_s,"
                   " longest_answer_s, total_answer_s FROM sessions;"
                   "UPDATE meta SET next_handle = 1000;");
    s = open_ok(f->db);
    assert_int_equal(store_schema_version(s), schema_now());
    struct sessions l = {0};
    assert_int_equal(store_sessions(s, on_session, &l), ST_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].handle, s1.handle);
    assert_int_equal(l.v[0].state, LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(l.v[1].state, LINEAGENTSESSIONSTATE_ENDED);
    assert_true(l.v[1].end_ms >= l.v[1].start_ms);
    struct st_session s3 = session_rec(a.handle, g.guid);
    assert_int_equal(store_session_add(s, &s3), ST_EXISTS);
    store_close(s);
}

/* A database from before the change stamps (SQLite 2, PostgreSQL 1) is
 * migrated: its sessions come with a cursor of 0, later writes through
 * the cursor. */
static void test_schema_migrate_changes(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    struct st_group g = {guid_of(1), "G"};
    assert_int_equal(store_group_add(s, &g), ST_OK);
    struct st_agent a = agent_rec("old", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    struct st_session s1 = session_rec(a.handle, g.guid);
    assert_int_equal(store_session_add(s, &s1), ST_OK);
    store_close(s);
    if (on_pg())
        raw_sql(f->db, "DROP INDEX sessions_txid; ALTER TABLE sessions DROP COLUMN txid;"
                       "UPDATE schema_version SET version = 1;");
    else
        raw_sql(f->db, "DROP INDEX sessions_chg; ALTER TABLE sessions DROP COLUMN chg;"
                       "ALTER TABLE meta DROP COLUMN chg; UPDATE schema_version SET version = 2;");
    s = open_ok(f->db);
    assert_int_equal(store_schema_version(s), schema_now());
    uint64_t cur = 0;
    struct sessions l = changed_since(s, &cur);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].handle, s1.handle);
    struct acd_store *w = open_ok(f->db);
    s1.state = LINEAGENTSESSIONSTATE_READY;
    assert_int_equal(store_session_update(w, &s1), ST_OK);
    l = changed_since(s, &cur);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].state, LINEAGENTSESSIONSTATE_READY);
    l = changed_since(s, &cur);
    assert_int_equal(l.n, 0);
    store_close(w);
    store_close(s);
}

/* A migration that fails leaves the database as it was. */
static void test_schema_migration_atomic(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = NULL;
    char err[256];
    raw_sql(f->db, "CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER);"
                   "INSERT INTO schema_version VALUES (1, 0);"
                   "CREATE TABLE groups (x integer);"); /* in the way of version 1 */
    assert_int_equal(store_open(f->db, &s, err, sizeof err), ST_ERR);
    assert_null(s);
    assert_non_null(strstr(err, "version 1"));
    assert_int_equal(raw_int(f->db, "SELECT version FROM schema_version"), 0);
    assert_int_equal(has_table(f->db, on_pg() ? "acd_handles" : "meta"), 0);
    assert_int_equal(has_table(f->db, "agents"), 0);
}

static void test_schema_newer_refused(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    store_close(s);
    raw_sql(f->db, "UPDATE schema_version SET version = 99");
    char err[256];
    assert_int_equal(store_open(f->db, &s, err, sizeof err), ST_ERR);
    assert_null(s);
    assert_non_null(strstr(err, "version 99"));
    assert_non_null(strstr(err, "newer"));
}

static void test_schema_foreign_refused(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = NULL;
    char err[256];
    raw_sql(f->db, "CREATE TABLE invoices (n INTEGER)");
    assert_int_equal(store_open(f->db, &s, err, sizeof err), ST_ERR);
    assert_non_null(strstr(err, "not an acdproxy database"));
    if (on_pg())
        return;
    /* and a file that is no database at all */
    char p[640];
    snprintf(p, sizeof p, "%s/text.db", f->dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("this is not an SQLite database, just some text long enough to have a header\n", fp);
    fclose(fp);
    assert_int_equal(store_open(p, &s, err, sizeof err), ST_ERR);
    assert_null(s);
    assert_non_null(strstr(err, p));
}

/* ---- agents ------------------------------------------------------------------------------ */

static void test_agents(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    struct st_agent a = agent_rec("carol", "Carol C"), b = agent_rec("alice", "Älice"), g;
    snprintf(a.os_user, sizeof a.os_user, "carol");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    assert_int_equal(store_agent_add(s, &b), ST_OK);
    assert_true(a.handle >= 1);
    assert_true(b.handle > a.handle);

    assert_int_equal(store_agent_get(s, "carol", &g), ST_OK);
    assert_int_equal(g.handle, a.handle);
    assert_string_equal(g.name, "Carol C");
    assert_string_equal(g.os_user, "carol");
    assert_string_equal(g.pin_hash, "");
    assert_int_equal(g.state, 0);
    assert_int_equal(store_agent_get(s, "nobody", &g), ST_NOTFOUND);
    assert_non_null(strstr(store_errmsg(s), "nobody"));

    /* a taken ID */
    struct st_agent dup = agent_rec("carol", "other");
    assert_int_equal(store_agent_add(s, &dup), ST_EXISTS);
    assert_non_null(strstr(store_errmsg(s), "already exists"));

    /* listed by id */
    struct agents l = {0};
    assert_int_equal(store_agents(s, on_agent, &l), ST_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].id, "alice");
    assert_string_equal(l.v[0].name, "Älice");
    assert_string_equal(l.v[1].id, "carol");
    int seen = 0;
    struct st_agent c3 = agent_rec("dave", "");
    assert_int_equal(store_agent_add(s, &c3), ST_OK);
    assert_int_equal(store_agents(s, stop_at_two, &seen), 7);
    assert_int_equal(seen, 2);

    /* update every field, by handle */
    g.handle = a.handle;
    a.state = LINEAGENTSTATEEX_READY;
    a.next_state = LINEAGENTSTATEEX_NOTREADY;
    a.period = 900;
    a.activity = 5;
    snprintf(a.name, sizeof a.name, "Carol Two");
    snprintf(a.pin_hash, sizeof a.pin_hash, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
    assert_int_equal(store_agent_update(s, &a), ST_OK);
    assert_int_equal(store_agent_get(s, "carol", &g), ST_OK);
    assert_int_equal(g.state, LINEAGENTSTATEEX_READY);
    assert_int_equal(g.next_state, LINEAGENTSTATEEX_NOTREADY);
    assert_int_equal(g.period, 900);
    assert_int_equal(g.activity, 5);
    assert_string_equal(g.name, "Carol Two");
    assert_string_equal(g.pin_hash, a.pin_hash);
    /* renaming to a taken id; an unknown handle */
    struct st_agent r = a;
    snprintf(r.id, sizeof r.id, "alice");
    assert_int_equal(store_agent_update(s, &r), ST_EXISTS);
    assert_null(strstr(store_errmsg(s), "argon2"));
    r = a;
    r.handle = 999999;
    assert_int_equal(store_agent_update(s, &r), ST_NOTFOUND);

    /* bad strings */
    struct st_agent bad = agent_rec("", "");
    assert_int_equal(store_agent_add(s, &bad), ST_ERR);
    memset(bad.id, 'x', sizeof bad.id); /* no NUL within ST_ID_MAX */
    assert_int_equal(store_agent_add(s, &bad), ST_ERR);
    bad = agent_rec("bad\xff", "");
    assert_int_equal(store_agent_add(s, &bad), ST_ERR);
    bad = agent_rec("tab\tid", "");
    assert_int_equal(store_agent_add(s, &bad), ST_ERR);
    bad = agent_rec("ok", "name\n");
    assert_int_equal(store_agent_add(s, &bad), ST_ERR);
    char id63[ST_ID_MAX];
    memset(id63, 'y', sizeof id63 - 1);
    id63[sizeof id63 - 1] = '\0';
    bad = agent_rec(id63, "");
    assert_int_equal(store_agent_add(s, &bad), ST_OK); /* 63 bytes: the longest */

    /* remove */
    assert_int_equal(store_agent_remove(s, "alice"), ST_OK);
    assert_int_equal(store_agent_get(s, "alice", &g), ST_NOTFOUND);
    assert_int_equal(store_agent_remove(s, "alice"), ST_NOTFOUND);
    store_close(s);
}

/* ---- groups, queues, activities -------------------------------------------------------------- */

static void test_groups(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    struct st_group g1 = {guid_of(1), "Sales"}, g2 = {guid_of(2), "Billing"};
    assert_int_equal(store_group_add(s, &g1), ST_OK);
    assert_int_equal(store_group_add(s, &g2), ST_OK);
    struct st_group same_name = {guid_of(3), "Sales"}, same_guid = {guid_of(1), "Other"};
    assert_int_equal(store_group_add(s, &same_name), ST_EXISTS);
    assert_int_equal(store_group_add(s, &same_guid), ST_EXISTS);
    struct st_group empty = {guid_of(4), ""};
    assert_int_equal(store_group_add(s, &empty), ST_ERR);

    struct groups l = {0};
    assert_int_equal(store_groups(s, on_group, &l), ST_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].name, "Billing"); /* by name */
    assert_memory_equal(l.v[0].guid.b, g2.guid.b, 16);
    assert_string_equal(l.v[1].name, "Sales");

    st_guid none = guid_of(9);
    assert_int_equal(store_group_remove(s, &none), ST_NOTFOUND);

    /* a queue keeps its group */
    struct st_queue q = {7, "Inbound", guid_of(1), 0};
    assert_int_equal(store_queue_add(s, &q), ST_OK);
    assert_int_equal(store_group_remove(s, &g1.guid), ST_INUSE);
    assert_non_null(strstr(store_errmsg(s), "queue"));
    assert_int_equal(store_queue_remove(s, 7), ST_OK);

    /* so does an active session; an ended one does not */
    struct st_agent a = agent_rec("ann", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    struct st_session ss = session_rec(a.handle, g1.guid);
    assert_int_equal(store_session_add(s, &ss), ST_OK);
    assert_int_equal(store_group_remove(s, &g1.guid), ST_INUSE);
    assert_non_null(strstr(store_errmsg(s), "session"));
    ss.state = LINEAGENTSESSIONSTATE_ENDED;
    ss.end_ms = ss.start_ms + 1000;
    assert_int_equal(store_session_update(s, &ss), ST_OK);
    assert_int_equal(store_group_remove(s, &g1.guid), ST_OK);
    assert_int_equal(store_group_remove(s, &g1.guid), ST_NOTFOUND);

    /* the ended session keeps the GUID as history */
    struct sessions sl = {0};
    assert_int_equal(store_sessions(s, on_session, &sl), ST_OK);
    assert_int_equal(sl.n, 1);
    assert_memory_equal(sl.v[0].group.b, g1.guid.b, 16);

    l.n = 0;
    assert_int_equal(store_groups(s, on_group, &l), ST_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].name, "Billing");
    store_close(s);
}

static void test_queues(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    struct st_group g1 = {guid_of(1), "Sales"}, g2 = {guid_of(2), "Billing"};
    assert_int_equal(store_group_add(s, &g1), ST_OK);
    assert_int_equal(store_group_add(s, &g2), ST_OK);

    struct st_queue q9 = {9, "Nine", guid_of(1), 0}, q3 = {3, "Three", guid_of(2), 60};
    struct st_queue qmax = {UINT32_MAX, "Max", guid_of(2), 0};
    assert_int_equal(store_queue_add(s, &q9), ST_OK);
    assert_int_equal(store_queue_add(s, &q3), ST_OK);
    assert_int_equal(store_queue_add(s, &qmax), ST_OK);
    struct st_queue dup = {9, "Again", guid_of(2), 0};
    assert_int_equal(store_queue_add(s, &dup), ST_EXISTS);
    struct st_queue orphan = {10, "Orphan", guid_of(7), 0};
    assert_int_equal(store_queue_add(s, &orphan), ST_NOTFOUND);
    assert_non_null(strstr(store_errmsg(s), "group"));
    struct st_queue noname = {11, "", guid_of(1), 0};
    assert_int_equal(store_queue_add(s, &noname), ST_ERR);

    struct queues l = {0};
    assert_int_equal(store_queues(s, on_queue, &l), ST_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[0].id, 3); /* by id */
    assert_string_equal(l.v[0].name, "Three");
    assert_int_equal(l.v[0].period, 60);
    assert_memory_equal(l.v[0].group.b, g2.guid.b, 16);
    assert_int_equal(l.v[1].id, 9);
    assert_int_equal(l.v[2].id, UINT32_MAX);

    /* update: name, group, period */
    q9.period = 300;
    q9.group = g2.guid;
    snprintf(q9.name, sizeof q9.name, "Nine B");
    assert_int_equal(store_queue_update(s, &q9), ST_OK);
    struct st_queue missing = {12, "x", guid_of(1), 0};
    assert_int_equal(store_queue_update(s, &missing), ST_NOTFOUND);
    q3.group = guid_of(8);
    assert_int_equal(store_queue_update(s, &q3), ST_NOTFOUND);
    l.n = 0;
    assert_int_equal(store_queues(s, on_queue, &l), ST_OK);
    assert_int_equal(l.v[1].period, 300);
    assert_string_equal(l.v[1].name, "Nine B");
    assert_memory_equal(l.v[1].group.b, g2.guid.b, 16);
    assert_memory_equal(l.v[0].group.b, g2.guid.b, 16); /* q3 unchanged */

    assert_int_equal(store_queue_remove(s, 9), ST_OK);
    assert_int_equal(store_queue_remove(s, 9), ST_NOTFOUND);
    l.n = 0;
    assert_int_equal(store_queues(s, on_queue, &l), ST_OK);
    assert_int_equal(l.n, 2);
    store_close(s);
}

static void test_activities(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    struct st_activity a5 = {5, "Lunch"}, a2 = {2, "Training"};
    assert_int_equal(store_activity_add(s, &a5), ST_OK);
    assert_int_equal(store_activity_add(s, &a2), ST_OK);
    struct st_activity dup = {5, "Break"};
    assert_int_equal(store_activity_add(s, &dup), ST_EXISTS);
    struct st_activity noname = {6, ""};
    assert_int_equal(store_activity_add(s, &noname), ST_ERR);

    struct acts l = {0};
    assert_int_equal(store_activities(s, on_act, &l), ST_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].id, 2);
    assert_string_equal(l.v[0].name, "Training");
    assert_int_equal(l.v[1].id, 5);

    /* removing an activity resets the agents that had it */
    struct st_agent ag = agent_rec("lunching", ""), other = agent_rec("training", ""), g;
    ag.activity = 5;
    other.activity = 2;
    assert_int_equal(store_agent_add(s, &ag), ST_OK);
    assert_int_equal(store_agent_add(s, &other), ST_OK);
    assert_int_equal(store_activity_remove(s, 5), ST_OK);
    assert_int_equal(store_activity_remove(s, 5), ST_NOTFOUND);
    assert_int_equal(store_agent_get(s, "lunching", &g), ST_OK);
    assert_int_equal(g.activity, 0);
    assert_int_equal(store_agent_get(s, "training", &g), ST_OK);
    assert_int_equal(g.activity, 2);
    l.n = 0;
    assert_int_equal(store_activities(s, on_act, &l), ST_OK);
    assert_int_equal(l.n, 1);
    store_close(s);
}

/* ---- sessions ----------------------------------------------------------------------------- */

/* The write system calls this process has made (/proc/self/io), or -1. */
static long long write_calls(void)
{
    FILE *fp = fopen("/proc/self/io", "r");
    if (!fp)
        return -1;
    char line[128];
    long long n = -1;
    while (fgets(line, sizeof line, fp))
        if (sscanf(line, "syscw: %lld", &n) == 1)
            break;
    fclose(fp);
    return n;
}

/* SQLite (walvfs.c): a commit's WAL frames, two writes a page as SQLite
   makes them, reach the file with one write.  A session write touches at
   least five pages (the row, its indexes, the counters). */
static void test_wal_one_write(void **state)
{
    struct fx *f = *state;
    if (on_pg()) {
        skipped("the WAL's writes");
        return;
    }
    struct acd_store *s = open_ok(f->db);
    struct st_group g = {guid_of(1), "Sales"};
    assert_int_equal(store_group_add(s, &g), ST_OK);
    struct st_agent a = agent_rec("sam", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    if (write_calls() < 0) {
        skipped("no /proc/self/io");
        store_close(s);
        return;
    }
    long long most = 0;
    for (int i = 0; i < 20; i++) {
        struct st_session ss = session_rec(a.handle, g.guid);
        ss.address = (uint32_t)i;
        long long before = write_calls();
        assert_int_equal(store_begin(s), ST_OK);
        assert_int_equal(store_session_add(s, &ss), ST_OK);
        assert_int_equal(store_commit(s), ST_OK);
        long long n = write_calls() - before;
        most = n > most ? n : most;
    }
    print_message("[   INFO   ] at most %lld write call(s) per commit\n", most);
    assert_true(most >= 1);
    assert_true(most <= 2); /* the frames; the log's header when it restarts */
    /* and what was written reads back, in this connection and another */
    struct sessions l = {0};
    assert_int_equal(store_sessions(s, on_session, &l), ST_OK);
    assert_int_equal(l.n, 20);
    store_close(s);
    s = open_ok(f->db);
    memset(&l, 0, sizeof l);
    assert_int_equal(store_sessions(s, on_session, &l), ST_OK);
    assert_int_equal(l.n, 20);
    store_close(s);
}

static void test_sessions(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    struct st_group g1 = {guid_of(1), "Sales"};
    assert_int_equal(store_group_add(s, &g1), ST_OK);
    struct st_agent a = agent_rec("sam", ""), b = agent_rec("bea", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    assert_int_equal(store_agent_add(s, &b), ST_OK);

    struct st_session s1 = session_rec(a.handle, g1.guid), s2 = session_rec(b.handle, g1.guid);
    assert_int_equal(store_session_add(s, &s1), ST_OK);
    assert_int_equal(store_session_add(s, &s2), ST_OK);
    /* one counter for agents and sessions */
    assert_true(s1.handle > b.handle);
    assert_true(s2.handle > s1.handle);
    struct st_session bad = session_rec(424242, g1.guid);
    assert_int_equal(store_session_add(s, &bad), ST_NOTFOUND);

    /* update every field */
    s1.state = LINEAGENTSESSIONSTATE_BUSYWRAPUP;
    s1.next_state = LINEAGENTSESSIONSTATE_READY;
    s1.line = 77;
    s1.address = 2;
    s1.end_ms = -5; /* stored as given */
    s1.calls = 4;
    s1.talk_s = 100;
    s1.call_s = 120;
    s1.wrapup_s = 30;
    s1.longest_answer_s = 9;
    s1.total_answer_s = 20;
    s1.start_ms = INT64_MAX;
    assert_int_equal(store_session_update(s, &s1), ST_OK);
    struct st_session m = s1;
    m.handle = 9999999;
    assert_int_equal(store_session_update(s, &m), ST_NOTFOUND);
    m = s1;
    m.agent = 31337;
    assert_int_equal(store_session_update(s, &m), ST_NOTFOUND);

    struct sessions l = {0};
    assert_int_equal(store_sessions(s, on_session, &l), ST_OK);
    assert_int_equal(l.n, 2);
    assert_memory_equal(&l.v[0], &s1, sizeof s1); /* oldest first, every field back */
    assert_memory_equal(&l.v[1], &s2, sizeof s2);

    /* an agent with an active session stays; ended, it goes with them */
    assert_int_equal(store_agent_remove(s, "sam"), ST_INUSE);
    assert_non_null(strstr(store_errmsg(s), "active session"));
    s1.state = LINEAGENTSESSIONSTATE_ENDED;
    assert_int_equal(store_session_update(s, &s1), ST_OK);
    assert_int_equal(store_agent_remove(s, "sam"), ST_OK);
    l.n = 0;
    assert_int_equal(store_sessions(s, on_session, &l), ST_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].handle, s2.handle);
    store_close(s);
}

/* One active session per agent, group, line and address: a constraint of
   the database, so two connections (two nodes) cannot both make one. */
static void test_session_unique(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db), *t = open_ok(f->db);
    struct st_group g1 = {guid_of(1), "Sales"}, g2 = {guid_of(2), "Support"};
    assert_int_equal(store_group_add(s, &g1), ST_OK);
    assert_int_equal(store_group_add(s, &g2), ST_OK);
    struct st_agent a = agent_rec("uma", ""), b = agent_rec("ben", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    assert_int_equal(store_agent_add(s, &b), ST_OK);

    struct st_session s1 = session_rec(a.handle, g1.guid);
    assert_int_equal(store_session_add(s, &s1), ST_OK);
    /* the same agent, group, line and address again: refused, from either connection */
    struct st_session dup = session_rec(a.handle, g1.guid);
    dup.state = LINEAGENTSESSIONSTATE_READY;
    assert_int_equal(store_session_add(s, &dup), ST_EXISTS);
    assert_non_null(strstr(store_errmsg(s), "active session"));
    assert_int_equal(store_session_add(t, &dup), ST_EXISTS);
    /* any one of them different: allowed */
    struct st_session o = session_rec(a.handle, g2.guid);
    assert_int_equal(store_session_add(t, &o), ST_OK);
    o = session_rec(b.handle, g1.guid);
    assert_int_equal(store_session_add(t, &o), ST_OK);
    o = session_rec(a.handle, g1.guid);
    o.address = 2;
    assert_int_equal(store_session_add(t, &o), ST_OK);
    o = session_rec(a.handle, g1.guid);
    o.line = 4;
    assert_int_equal(store_session_add(t, &o), ST_OK);
    /* an ended one does not count */
    o = session_rec(a.handle, g1.guid);
    o.state = LINEAGENTSESSIONSTATE_ENDED;
    assert_int_equal(store_session_add(t, &o), ST_OK);

    /* inside a transaction the refusal changes nothing and the rest commits */
    assert_int_equal(store_begin(t), ST_OK);
    struct st_activity act = {7, "After"};
    assert_int_equal(store_session_add(t, &dup), ST_EXISTS);
    assert_int_equal(store_activity_add(t, &act), ST_OK);
    assert_int_equal(store_commit(t), ST_OK);
    struct acts al = {0};
    assert_int_equal(store_activities(s, on_act, &al), ST_OK);
    assert_int_equal(al.n, 1);

    /* once the first ends, a new one is allowed (and then it is the one) */
    s1.state = LINEAGENTSESSIONSTATE_ENDED;
    s1.end_ms = s1.start_ms + 1000;
    assert_int_equal(store_session_update(s, &s1), ST_OK);
    assert_int_equal(store_session_add(t, &dup), ST_OK);
    struct st_session again = session_rec(a.handle, g1.guid);
    assert_int_equal(store_session_add(s, &again), ST_EXISTS);
    store_close(s);
    store_close(t);
}

/* ---- handles and transactions ------------------------------------------------------------- */

static void test_handles(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    uint32_t h1 = store_next_handle(s), h2 = store_next_handle(s);
    assert_int_equal(h1, 1);
    assert_int_equal(h2, 2);
    struct st_agent a = agent_rec("h", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    assert_int_equal(a.handle, 3);
    store_close(s);

    s = open_ok(f->db);
    uint32_t h4 = store_next_handle(s);
    assert_int_equal(h4, 4);
    /* inside a transaction: committed with it ... */
    assert_int_equal(store_begin(s), ST_OK);
    assert_int_equal(store_next_handle(s), 5);
    assert_int_equal(store_next_handle(s), 6);
    assert_int_equal(store_commit(s), ST_OK);
    store_close(s);
    s = open_ok(f->db);
    assert_int_equal(store_next_handle(s), 7);
    /* ... and gone with a rollback (nobody saw them: nothing was committed);
       a sequence skips them instead */
    assert_int_equal(store_begin(s), ST_OK);
    assert_int_equal(store_next_handle(s), 8);
    store_rollback(s);
    assert_int_equal(store_next_handle(s), on_pg() ? 9 : 8);
    store_close(s);

    /* no handles left */
    if (on_pg())
        raw_sql(f->db, "SELECT setval('acd_handles', 4294967295, false)");
    else
        raw_sql(f->db, "UPDATE meta SET next_handle = 4294967295");
    s = open_ok(f->db);
    assert_int_equal(store_next_handle(s), 4294967295u);
    assert_int_equal(store_next_handle(s), 0);
    assert_non_null(strstr(store_errmsg(s), "no handles left"));
    struct st_agent z = agent_rec("z", "");
    assert_int_equal(store_agent_add(s, &z), ST_ERR);
    assert_int_equal(store_agent_get(s, "z", &z), ST_NOTFOUND);
    store_close(s);
}

/* Two processes on one file take handles at the same time, inside their
   own transactions and outside any: none is taken twice. */
#define HANDLE_ROUNDS 300

static void take_handles(const char *db, int out)
{
    struct acd_store *s = NULL;
    char err[256];
    if (store_open(db, &s, err, sizeof err) != ST_OK)
        _exit(2);
    for (int i = 0; i < HANDLE_ROUNDS; i++) {
        uint32_t h[2] = {0, 0};
        bool txn = i % 2;
        if (txn && store_begin(s) != ST_OK)
            _exit(3);
        h[0] = store_next_handle(s);
        h[1] = store_next_handle(s);
        if (txn && store_commit(s) != ST_OK)
            _exit(4);
        if (!h[0] || !h[1] || write(out, h, sizeof h) != (ssize_t)sizeof h)
            _exit(5);
    }
    store_close(s);
    _exit(0);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

static void test_handles_two_processes(void **state)
{
    struct fx *f = *state;
    store_close(open_ok(f->db)); /* the schema, so the children only take handles */
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t kid[2];
    for (int k = 0; k < 2; k++) {
        kid[k] = fork();
        assert_true(kid[k] >= 0);
        if (kid[k] == 0) {
            close(p[0]);
            take_handles(f->db, p[1]);
        }
    }
    close(p[1]);
    enum { N = 2 * HANDLE_ROUNDS * 2 };
    static uint32_t got[N];
    size_t have = 0;
    ssize_t r;
    /* each child exits within its busy timeouts; the read ends at their EOF */
    while (have < sizeof got && (r = read(p[0], (char *)got + have, sizeof got - have)) > 0)
        have += (size_t)r;
    close(p[0]);
    for (int k = 0; k < 2; k++) {
        int st;
        assert_int_equal(waitpid(kid[k], &st, 0), kid[k]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    assert_int_equal(have, sizeof got);
    qsort(got, N, sizeof got[0], cmp_u32);
    for (int i = 1; i < N; i++)
        if (got[i] == got[i - 1])
            fail_msg("handle %u taken twice", got[i]);
    /* and none lost to a race: the counter moved by exactly what was taken */
    assert_int_equal(got[0], 1);
    assert_int_equal(got[N - 1], N);
}

static void test_transactions(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db), *t = open_ok(f->db);
    struct st_agent a = agent_rec("kept", ""), b = agent_rec("dropped", ""), g;

    assert_int_equal(store_commit(s), ST_ERR); /* nothing open */
    assert_int_equal(store_begin(s), ST_OK);
    assert_int_equal(store_begin(s), ST_ERR); /* no nesting */
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    struct st_group gr = {guid_of(1), "G"};
    assert_int_equal(store_group_add(s, &gr), ST_OK);
    struct st_session ss = session_rec(a.handle, gr.guid);
    assert_int_equal(store_session_add(s, &ss), ST_OK);
    /* a failing call inside leaves the transaction usable */
    struct st_agent dup = agent_rec("kept", "");
    assert_int_equal(store_agent_add(s, &dup), ST_EXISTS);
    assert_int_equal(store_agent_get(t, "kept", &g), ST_NOTFOUND); /* not yet visible */
    assert_int_equal(store_commit(s), ST_OK);
    assert_int_equal(store_agent_get(t, "kept", &g), ST_OK);

    assert_int_equal(store_begin(s), ST_OK);
    assert_int_equal(store_agent_add(s, &b), ST_OK);
    assert_int_equal(store_agent_remove(s, "kept"), ST_INUSE);
    ss.state = LINEAGENTSESSIONSTATE_ENDED;
    assert_int_equal(store_session_update(s, &ss), ST_OK);
    assert_int_equal(store_agent_remove(s, "kept"), ST_OK);
    store_rollback(s);
    store_rollback(s); /* harmless twice */

    /* outside a transaction each call commits by itself */
    struct st_activity act = {1, "Auto"};
    assert_int_equal(store_activity_add(s, &act), ST_OK);
    struct acts al = {0};
    assert_int_equal(store_activities(t, on_act, &al), ST_OK);
    assert_int_equal(al.n, 1);

    /* a writer waits for the other's transaction, then gives up: ST_BUSY */
    store_close(t);
    char url[640];
    struct st_activity act2 = {2, "Blocked"};
    if (on_pg()) {
        /* PostgreSQL locks rows, not the database: t waits for the key s
           took, and for the row s updated */
        snprintf(url, sizeof url, "%s&options=-c%%20lock_timeout%%3D50", f->db);
        t = open_ok(url);
        assert_int_equal(store_begin(s), ST_OK);
        assert_int_equal(store_activity_add(s, &act2), ST_OK);
        assert_int_equal(store_agent_get(s, "kept", &g), ST_OK);
        assert_int_equal(store_agent_update(s, &g), ST_OK);
        assert_int_equal(store_activity_add(t, &act2), ST_BUSY);
        assert_int_equal(store_agent_update(t, &g), ST_BUSY);
        assert_int_equal(store_begin(t), ST_OK); /* inside a transaction it is lost */
        assert_int_equal(store_agent_update(t, &g), ST_BUSY);
        assert_int_equal(store_commit(t), ST_BUSY);
        assert_true(store_next_handle(t) > 0); /* handles never wait */
        store_rollback(s);
    } else {
        snprintf(url, sizeof url, "sqlite:%s?busy_timeout=50", f->db);
        t = open_ok(url);
        assert_int_equal(store_begin(s), ST_OK);
        assert_int_equal(store_activity_add(t, &act2), ST_BUSY);
        assert_int_equal(store_begin(t), ST_BUSY);
        assert_int_equal(store_next_handle(t), 0);
        store_rollback(s);
    }
    assert_int_equal(store_activity_add(t, &act2), ST_OK);
    store_close(s);
    store_close(t);

    s = open_ok(f->db);
    assert_int_equal(store_agent_get(s, "kept", &g), ST_OK);
    assert_int_equal(store_agent_get(s, "dropped", &g), ST_NOTFOUND);
    struct sessions sl = {0};
    assert_int_equal(store_sessions(s, on_session, &sl), ST_OK);
    assert_int_equal(sl.n, 1);
    assert_int_equal(sl.v[0].state, LINEAGENTSESSIONSTATE_NOTREADY); /* update rolled back */
    store_close(s);
}

static void test_changed(void **state)
{
    struct fx *f = *state;
    struct acd_store *a = open_ok(f->db), *b = open_ok(f->db);
    bool ch = true;
    if (on_pg())
        assert_true(store_fd(a) >= 0);
    else
        assert_int_equal(store_fd(a), -1);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_false(ch);

    struct st_group g = {guid_of(1), "G"};
    assert_int_equal(store_group_add(b, &g), ST_OK); /* another connection commits */
    if (on_pg()) {
        /* the descriptor wakes a poll for it */
        struct pollfd pfd = {.fd = store_fd(a), .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 10000), 1);
    }
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_true(ch);
    assert_int_equal(store_changed(a, &ch), ST_OK); /* once per change */
    assert_false(ch);
    assert_int_equal(store_changed(b, &ch), ST_OK); /* b's own write */
    assert_false(ch);

    struct st_activity act = {1, "A"};
    assert_int_equal(store_activity_add(a, &act), ST_OK); /* a's own write */
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_false(ch);
    assert_int_equal(store_changed(b, &ch), ST_OK);
    assert_true(ch);

    /* an uncommitted or rolled-back transaction is no change */
    assert_int_equal(store_begin(b), ST_OK);
    struct st_activity act2 = {2, "B"};
    assert_int_equal(store_activity_add(b, &act2), ST_OK);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_false(ch);
    store_rollback(b);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_false(ch);

    /* sessions and agent states are changes too (another node's work) */
    struct st_agent ag = agent_rec("x", "");
    assert_int_equal(store_agent_add(a, &ag), ST_OK);
    assert_int_equal(store_changed(b, &ch), ST_OK);
    assert_true(ch);
    struct st_session ss = session_rec(ag.handle, g.guid);
    assert_int_equal(store_session_add(b, &ss), ST_OK);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_true(ch);
    ss.state = LINEAGENTSESSIONSTATE_READY;
    assert_int_equal(store_session_update(b, &ss), ST_OK);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_true(ch);
    ag.state = LINEAGENTSTATEEX_READY;
    assert_int_equal(store_agent_update(b, &ag), ST_OK);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_true(ch);
    /* committed inside a transaction: once, at the commit */
    assert_int_equal(store_begin(b), ST_OK);
    ss.state = LINEAGENTSESSIONSTATE_BUSYONCALL;
    assert_int_equal(store_session_update(b, &ss), ST_OK);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_false(ch);
    assert_int_equal(store_commit(b), ST_OK);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_true(ch);
    assert_int_equal(store_changed(a, &ch), ST_OK);
    assert_false(ch);
    assert_int_equal(store_changed(b, &ch), ST_OK);
    assert_false(ch);
    store_close(a);
    store_close(b);
}

/* ---- changed sessions -------------------------------------------------------------------- */

/* Another connection's inserts and updates come once through the cursor;
 * a cursor of 0 gives all. */
static void test_sessions_changed(void **state)
{
    struct fx *f = *state;
    struct acd_store *a = open_ok(f->db), *b = open_ok(f->db);
    struct st_group g = {guid_of(1), "G"};
    assert_int_equal(store_group_add(a, &g), ST_OK);
    struct st_agent ag = agent_rec("x", "");
    assert_int_equal(store_agent_add(a, &ag), ST_OK);
    uint64_t cur = 0;
    struct sessions l = changed_since(b, &cur); /* nothing stored yet */
    assert_int_equal(l.n, 0);

    struct st_session s1 = session_rec(ag.handle, g.guid), s2 = s1;
    s2.line = 4;
    assert_int_equal(store_session_add(a, &s1), ST_OK);
    assert_int_equal(store_session_add(a, &s2), ST_OK);
    l = changed_since(b, &cur); /* everything */
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].handle, s1.handle);
    assert_int_equal(l.v[1].handle, s2.handle);
    assert_int_equal(l.v[1].line, 4);
    assert_true(cur != 0);
    l = changed_since(b, &cur); /* once */
    assert_int_equal(l.n, 0);

    /* an update comes, with its new fields, and only that session */
    s2.state = LINEAGENTSESSIONSTATE_READY;
    s2.calls = 7;
    assert_int_equal(store_session_update(a, &s2), ST_OK);
    l = changed_since(b, &cur);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].handle, s2.handle);
    assert_int_equal(l.v[0].state, LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(l.v[0].calls, 7);
    l = changed_since(b, &cur);
    assert_int_equal(l.n, 0);

    /* several writes in one transaction come together, after the commit */
    assert_int_equal(store_begin(a), ST_OK);
    s1.state = LINEAGENTSESSIONSTATE_BUSYONCALL;
    assert_int_equal(store_session_update(a, &s1), ST_OK);
    struct st_session s3 = session_rec(ag.handle, g.guid);
    s3.line = 5;
    assert_int_equal(store_session_add(a, &s3), ST_OK);
    assert_int_equal(store_commit(a), ST_OK);
    l = changed_since(b, &cur);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].handle, s1.handle);
    assert_int_equal(l.v[0].state, LINEAGENTSESSIONSTATE_BUSYONCALL);
    assert_int_equal(l.v[1].handle, s3.handle);

    /* a rolled-back write never comes */
    assert_int_equal(store_begin(a), ST_OK);
    s3.state = LINEAGENTSESSIONSTATE_ENDED;
    assert_int_equal(store_session_update(a, &s3), ST_OK);
    store_rollback(a);
    l = changed_since(b, &cur);
    assert_int_equal(l.n, 0);

    /* cursor 0 still gives all, in handle order */
    uint64_t zero = 0;
    l = changed_since(b, &zero);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[2].handle, s3.handle);
    assert_int_equal(l.v[2].state, LINEAGENTSESSIONSTATE_NOTREADY);
    /* a callback that stops the pass leaves the cursor where it was */
    uint64_t keep = cur;
    s3.calls = 1;
    assert_int_equal(store_session_update(a, &s3), ST_OK);
    int stops = 0;
    assert_int_equal(store_sessions_changed(b, &cur, stop_session, &stops), 9);
    assert_true(cur == keep);
    l = changed_since(b, &cur);
    assert_int_equal(l.n, 1);
    store_close(a);
    store_close(b);
}

/* A transaction open across a read is not missed: B reads while A's write
 * is uncommitted, A commits, B's next read has it.  Nor is one that began
 * before B's read and commits after a later one, nor another writer's
 * transaction after B's own rolled-back one. */
static void test_sessions_changed_open_txn(void **state)
{
    struct fx *f = *state;
    struct acd_store *a = open_ok(f->db), *b = open_ok(f->db), *c = open_ok(f->db);
    struct st_group g = {guid_of(1), "G"};
    assert_int_equal(store_group_add(a, &g), ST_OK);
    struct st_agent ag = agent_rec("x", "");
    assert_int_equal(store_agent_add(a, &ag), ST_OK);
    struct st_session s1 = session_rec(ag.handle, g.guid), s2 = s1;
    s2.line = 4;
    assert_int_equal(store_session_add(a, &s1), ST_OK);
    assert_int_equal(store_session_add(a, &s2), ST_OK);
    uint64_t cur = 0;
    struct sessions l = changed_since(b, &cur);
    assert_int_equal(l.n, 2);

    assert_int_equal(store_begin(a), ST_OK);
    s1.state = LINEAGENTSESSIONSTATE_READY;
    assert_int_equal(store_session_update(a, &s1), ST_OK);
    l = changed_since(b, &cur); /* A's write is not visible yet */
    assert_int_equal(l.n, 0);
    assert_int_equal(store_commit(a), ST_OK);
    l = changed_since(b, &cur);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].handle, s1.handle);
    assert_int_equal(l.v[0].state, LINEAGENTSESSIONSTATE_READY);

    if (on_pg()) {
        /* Commits out of order: A begins and writes, C writes and
           commits, B reads (C's), A commits: B's next read has A's. */
        assert_int_equal(store_begin(a), ST_OK);
        s1.state = LINEAGENTSESSIONSTATE_BUSYONCALL;
        assert_int_equal(store_session_update(a, &s1), ST_OK);
        s2.state = LINEAGENTSESSIONSTATE_READY;
        assert_int_equal(store_session_update(c, &s2), ST_OK);
        l = changed_since(b, &cur);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.v[0].handle, s2.handle);
        assert_int_equal(store_commit(a), ST_OK);
        l = changed_since(b, &cur);
        bool got = false;
        for (int i = 0; i < l.n && i < MAXREC; i++)
            got |= l.v[i].handle == s1.handle && l.v[i].state == LINEAGENTSESSIONSTATE_BUSYONCALL;
        assert_true(got);
    } else {
        skipped("commits out of order (SQLite has one writer at a time)");
    }

    /* B's own transaction reads its own write, then rolls back; the
       cursor did not move past it, so C's next commit is not missed */
    l = changed_since(b, &cur);
    assert_int_equal(store_begin(b), ST_OK);
    s2.state = LINEAGENTSESSIONSTATE_ENDED;
    assert_int_equal(store_session_update(b, &s2), ST_OK);
    l = changed_since(b, &cur);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].state, LINEAGENTSESSIONSTATE_ENDED);
    store_rollback(b);
    s1.calls = 3;
    assert_int_equal(store_session_update(c, &s1), ST_OK);
    l = changed_since(b, &cur);
    bool got = false;
    for (int i = 0; i < l.n && i < MAXREC; i++)
        got |= l.v[i].handle == s1.handle && l.v[i].calls == 3;
    assert_true(got);
    store_close(a);
    store_close(b);
    store_close(c);
}

/* ---- read-only, full disk ---------------------------------------------------------------- */

static void check_readonly_writes(struct acd_store *s)
{
    struct st_agent a = agent_rec("new", "");
    assert_int_equal(store_agent_add(s, &a), ST_READONLY);
    assert_int_equal(store_begin(s), ST_READONLY);
    assert_int_equal(store_next_handle(s), 0);
    struct st_group g = {guid_of(5), "New"};
    assert_int_equal(store_group_add(s, &g), ST_READONLY);
    assert_int_equal(store_agent_remove(s, "ro"), ST_READONLY);
    struct st_activity act = {3, "x"};
    assert_int_equal(store_activity_add(s, &act), ST_READONLY);
    /* reading still works */
    struct st_agent got;
    assert_int_equal(store_agent_get(s, "ro", &got), ST_OK);
}

static void test_readonly(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    struct st_agent a = agent_rec("ro", "");
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    store_close(s);

    char url[640];
    if (on_pg()) {
        /* a server (or session) in read-only mode: hot standby, or
           default_transaction_read_only as here */
        snprintf(url, sizeof url, "%s&options=-c%%20default_transaction_read_only%%3Don", f->db);
        s = open_ok(url);
        check_readonly_writes(s);
        store_close(s);
        skipped("a read-only file via chmod");
        return;
    }
    snprintf(url, sizeof url, "sqlite:%s?mode=ro", f->db);
    s = open_ok(url);
    check_readonly_writes(s);
    store_close(s);

    /* A file its owner may not write: only meaningful when not root (root
       writes through mode 0400); mode=ro above covered the same path. */
    if (geteuid() == 0) {
        print_message("[   INFO   ] read-only file via chmod 0400 skipped: running as root\n");
        return;
    }
    assert_int_equal(chmod(f->db, 0400), 0);
    s = open_ok(f->db);
    check_readonly_writes(s);
    store_close(s);
    assert_int_equal(chmod(f->db, 0600), 0);
}

/* A file size limit (RLIMIT_FSIZE) stands in for a full disk: writes fail
   with ST_FULL, the transaction is rolled back, the database stays good. */
static void test_full(void **state)
{
    struct fx *f = *state;
    if (on_pg()) {
        /* A full disk of a shared server cannot be made safely here; the
           mapping of disk_full (53100) to ST_FULL is in store_pg.c. */
        skipped("disk full (RLIMIT_FSIZE applies to our process, not the server)");
        return;
    }
    struct acd_store *s = open_ok(f->db);
    struct st_group g = {guid_of(1), "G"};
    struct st_agent a = agent_rec("full", "");
    assert_int_equal(store_group_add(s, &g), ST_OK);
    assert_int_equal(store_agent_add(s, &a), ST_OK);

    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 256 * 1024;
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    int r = store_begin(s);
    assert_int_equal(r, ST_OK);
    char why[256] = "";
    int i;
    for (i = 0; i < 200000 && r == ST_OK; i++) {
        struct st_session ss = session_rec(a.handle, g.guid);
        ss.address = (uint32_t)i; /* one active session per address */
        r = store_session_add(s, &ss);
    }
    if (r == ST_OK) {
        r = store_commit(s);
    } else {
        snprintf(why, sizeof why, "%s", store_errmsg(s));
        /* the transaction is lost: later writes and the commit say so */
        struct st_activity act = {9, "after"};
        assert_int_equal(store_activity_add(s, &act), r);
        assert_int_equal(store_next_handle(s), 0);
        assert_int_equal(store_commit(s), r);
    }
    store_rollback(s);

    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, oldsig);
    print_message("[   INFO   ] disk full after %d sessions: %s\n", i, why);
    assert_int_equal(r, ST_FULL);

    /* nothing of the transaction stayed, and the store still works */
    struct sessions l = {0};
    assert_int_equal(store_sessions(s, on_session, &l), ST_OK);
    assert_int_equal(l.n, 0);
    struct st_session ss = session_rec(a.handle, g.guid);
    assert_int_equal(store_session_add(s, &ss), ST_OK);
    store_close(s);
    s = open_ok(f->db);
    l.n = 0;
    assert_int_equal(store_sessions(s, on_session, &l), ST_OK);
    assert_int_equal(l.n, 1);
    store_close(s);
}

/* ---- several writers, lost connections ------------------------------------------------- */

/* One agent, one group, one address: two active sessions cannot both be
   committed, whichever connection (node) adds the second. */
static void test_one_active_session(void **state)
{
    struct fx *f = *state;
    if (!on_pg()) {
        /* test_session_unique covers the index on SQLite; two write
           transactions cannot be open at once there (BEGIN IMMEDIATE) */
        skipped("two concurrent writers racing for one active session");
        return;
    }
    struct acd_store *a = open_ok(f->db), *b = open_ok(f->db);
    struct st_group g = {guid_of(1), "G"};
    struct st_agent ag = agent_rec("twice", "");
    assert_int_equal(store_group_add(a, &g), ST_OK);
    assert_int_equal(store_agent_add(a, &ag), ST_OK);
    struct st_session s1 = session_rec(ag.handle, g.guid), s2 = s1;
    assert_int_equal(store_session_add(a, &s1), ST_OK);
    assert_int_equal(store_session_add(b, &s2), ST_EXISTS);
    assert_non_null(strstr(store_errmsg(b), "active session"));
    /* refused inside a transaction, which goes on */
    assert_int_equal(store_begin(b), ST_OK);
    assert_int_equal(store_session_add(b, &s2), ST_EXISTS);
    struct st_session other = s2;
    other.address = 2; /* another address is another session */
    assert_int_equal(store_session_add(b, &other), ST_OK);
    assert_int_equal(store_commit(b), ST_OK);
    /* two transactions at once: the second waits for the first, then is refused */
    assert_int_equal(store_begin(a), ST_OK);
    assert_int_equal(store_begin(b), ST_OK);
    struct st_session s3 = session_rec(ag.handle, g.guid), s4 = s3;
    s3.line = s4.line = 9;
    assert_int_equal(store_session_add(a, &s3), ST_OK);
    assert_int_equal(store_commit(a), ST_OK);
    assert_int_equal(store_session_add(b, &s4), ST_EXISTS);
    assert_int_equal(store_commit(b), ST_OK);
    /* ended, the address is free again */
    s1.state = LINEAGENTSESSIONSTATE_ENDED;
    assert_int_equal(store_session_update(a, &s1), ST_OK);
    assert_int_equal(store_session_add(b, &s2), ST_OK);
    /* and an update cannot make a second active one either */
    s1.state = LINEAGENTSESSIONSTATE_READY;
    assert_int_equal(store_session_update(a, &s1), ST_EXISTS);
    struct sessions l = {0};
    assert_int_equal(store_sessions(a, on_session, &l), ST_OK);
    assert_int_equal(l.n, 4);
    store_close(a);
    store_close(b);
}

/* The backend of store s, killed by the server's administrator. */
static void kill_backend(const char *db)
{
    raw_sql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'acdproxy' AND datname = current_database()");
}

/* A lost connection: ST_CONN at once for everything, nothing committed is
   lost, store_reconnect brings the store back. */
static void test_conn_lost(void **state)
{
    struct fx *f = *state;
    struct acd_store *s = open_ok(f->db);
    if (!on_pg()) {
        assert_false(store_lost(s));
        assert_int_equal(store_reconnect(s), ST_OK);
        store_close(s);
        skipped("a lost connection (SQLite has none)");
        return;
    }
    struct st_agent a = agent_rec("before", ""), b = agent_rec("during", ""), g;
    assert_int_equal(store_agent_add(s, &a), ST_OK);
    assert_false(store_lost(s));
    assert_int_equal(store_reconnect(s), ST_OK); /* nothing to do */

    /* between transactions */
    kill_backend(f->db);
    assert_int_equal(store_agent_get(s, "before", &g), ST_CONN);
    assert_true(store_lost(s));
    assert_int_equal(store_fd(s), -1);
    assert_int_equal(store_agent_add(s, &b), ST_CONN);
    assert_int_equal(store_begin(s), ST_CONN);
    assert_int_equal(store_next_handle(s), 0);
    bool ch;
    assert_int_equal(store_changed(s, &ch), ST_CONN);
    assert_int_equal(store_reconnect(s), ST_OK);
    assert_false(store_lost(s));
    assert_true(store_fd(s) >= 0);
    assert_int_equal(store_changed(s, &ch), ST_OK);
    assert_true(ch); /* what happened meanwhile is unknown */
    assert_int_equal(store_agent_get(s, "before", &g), ST_OK);

    /* inside one: the transaction is gone */
    assert_int_equal(store_begin(s), ST_OK);
    assert_int_equal(store_agent_add(s, &b), ST_OK);
    kill_backend(f->db);
    struct st_activity act = {1, "x"};
    assert_int_equal(store_activity_add(s, &act), ST_CONN);
    assert_int_equal(store_activity_add(s, &act), ST_CONN);
    assert_int_equal(store_commit(s), ST_CONN);
    store_rollback(s);
    assert_int_equal(store_reconnect(s), ST_OK);
    assert_int_equal(store_agent_get(s, "during", &g), ST_NOTFOUND);
    assert_int_equal(store_agent_get(s, "before", &g), ST_OK);
    assert_int_equal(store_begin(s), ST_OK);
    assert_int_equal(store_agent_add(s, &b), ST_OK);
    assert_int_equal(store_commit(s), ST_OK);
    store_close(s);
    s = open_ok(f->db);
    assert_int_equal(store_agent_get(s, "during", &g), ST_OK);
    store_close(s);
}

/* ---- volume ------------------------------------------------------------------------------- */

struct check_stream {
    uint32_t n, last;
    bool ok;
};

static int on_stream(void *arg, const struct st_session *ss)
{
    struct check_stream *c = arg;
    if (ss->handle <= c->last || ss->line != c->n % 100 || ss->calls != c->n ||
        ss->start_ms != 1700000000000LL + c->n)
        c->ok = false;
    c->last = ss->handle;
    c->n++;
    return 0;
}

static void test_many_sessions(void **state)
{
    struct fx *f = *state;
    const char *env = getenv("TAPIX_STORE_SESSIONS");
    /* PostgreSQL pays a round trip and a subtransaction a write: fewer */
    uint32_t n = env ? (uint32_t)strtoul(env, NULL, 10) : on_pg() ? 20000 : 100000;
    struct acd_store *s = open_ok(f->db);
    struct st_group g = {guid_of(1), "G"};
    assert_int_equal(store_group_add(s, &g), ST_OK);
    uint32_t agents[10];
    for (int i = 0; i < 10; i++) {
        char id[16];
        snprintf(id, sizeof id, "a%d", i);
        struct st_agent a = agent_rec(id, "");
        assert_int_equal(store_agent_add(s, &a), ST_OK);
        agents[i] = a.handle;
    }

    double t0 = now_s();
    struct st_session mid = {0}; /* the one another node changes below */
    assert_int_equal(store_begin(s), ST_OK);
    for (uint32_t i = 0; i < n; i++) {
        struct st_session ss = session_rec(agents[i % 10], g.guid);
        ss.line = i % 100;
        ss.calls = i;
        ss.start_ms = 1700000000000LL + i;
        ss.state = LINEAGENTSESSIONSTATE_ENDED;
        if (store_session_add(s, &ss) != ST_OK)
            fail_msg("session %u: %s", i, store_errmsg(s));
        if (i == n / 2)
            mid = ss;
    }
    assert_int_equal(store_commit(s), ST_OK);
    double t1 = now_s();
    store_close(s);

    double t2 = now_s();
    s = open_ok(f->db);
    struct check_stream c = {0, 0, true};
    assert_int_equal(store_sessions(s, on_stream, &c), ST_OK);
    double t3 = now_s();
    assert_int_equal(c.n, n);
    assert_true(c.ok);
    double mb;
    if (on_pg()) {
        mb = (double)raw_int(f->db, "SELECT pg_database_size(current_database())") / 1e6;
    } else {
        struct stat sb;
        stat(f->db, &sb);
        mb = (double)sb.st_size / 1e6;
    }
    print_message("[   INFO   ] %u sessions: written in one transaction in %.3f s, "
                  "opened and streamed back in %.3f s (database %.1f MB)\n",
                  n, t1 - t0, t3 - t2, mb);

    /* What a sync costs after another node changed one session: the full
       pass reads every session, the cursor the changed one. */
    uint64_t cur = 0;
    c = (struct check_stream){.n = 0, .last = 0, .ok = true};
    assert_int_equal(store_sessions_changed(s, &cur, on_stream, &c), ST_OK);
    assert_int_equal(c.n, n);
    assert_true(c.ok);
    struct acd_store *w = open_ok(f->db);
    mid.talk_s = 42;
    assert_int_equal(store_session_update(w, &mid), ST_OK);
    struct sessions l = {0};
    double t4 = now_s();
    assert_int_equal(store_sessions(s, on_session, &l), ST_OK);
    double t5 = now_s();
    assert_int_equal(l.n, n);
    /* a few rounds: the first read of a fresh table also pays for
       planning against it (PostgreSQL probes the new index) */
    double first = 0, best = 0;
    for (int round = 0; round < 3; round++) {
        if (round) {
            mid.talk_s++;
            assert_int_equal(store_session_update(w, &mid), ST_OK);
        }
        l = (struct sessions){.n = 0};
        double t6 = now_s();
        assert_int_equal(store_sessions_changed(s, &cur, on_session, &l), ST_OK);
        double ms = (now_s() - t6) * 1e3;
        first = round ? first : ms;
        best = round && ms > best ? best : ms;
        assert_true(l.n >= 1 && l.n < MAXREC); /* once; again if a transaction was open */
        assert_int_equal(l.v[0].handle, mid.handle);
        assert_int_equal(l.v[0].talk_s, mid.talk_s);
    }
    print_message("[   INFO   ] %u sessions, one changed by another connection: reading all"
                  " %.1f ms, reading the changed %.2f ms (first of 3) / %.2f ms (best)\n",
                  n, (t5 - t4) * 1e3, first, best);
    store_close(w);
    store_close(s);
}

/* ---- PINs ---------------------------------------------------------------------------------- */

static void test_pin_hash(void **state)
{
    (void)state;
    char h[PIN_HASH_MAX], h2[PIN_HASH_MAX];
    assert_int_equal(pin_init(), 0);
    assert_int_equal(pin_make_hash("4711", h), 0);
    assert_string_not_equal(h, "4711");
    assert_null(strstr(h, "4711"));
    assert_memory_equal(h, "$argon2id$", 10);
    assert_true(strlen(h) < ST_HASH_MAX);
    assert_true(pin_verify(h, "4711"));
    assert_false(pin_verify(h, "4712"));
    assert_false(pin_verify(h, ""));
    assert_false(pin_verify("", "4711"));
    assert_false(pin_verify("$argon2id$garbage", "4711"));
    /* salted: the same PIN hashes differently */
    assert_int_equal(pin_make_hash("4711", h2), 0);
    assert_string_not_equal(h, h2);
    assert_true(pin_verify(h2, "4711"));
    /* any printable UTF-8, spaces included */
    assert_int_equal(pin_make_hash("pässwörd 1", h), 0);
    assert_true(pin_verify(h, "pässwörd 1"));
    assert_false(pin_verify(h, "passwort 1"));
    /* refused PINs */
    assert_int_equal(pin_make_hash("", h), -1);
    assert_int_equal(pin_make_hash("12\n34", h), -1);
}

static void test_pin_rules(void **state)
{
    (void)state;
    char p65[66];
    memset(p65, '7', 65);
    p65[65] = '\0';
    assert_null(pin_check("1", 1));
    assert_null(pin_check(p65, 64));
    assert_non_null(pin_check(p65, 65));
    assert_non_null(pin_check("", 0));
    assert_non_null(pin_check("a\tb", 3));
    assert_non_null(pin_check("a\x7f", 2));
    assert_non_null(pin_check("a\xc2\x85", 3)); /* U+0085, a C1 control */
    assert_non_null(pin_check("\xff\xfe", 2));
    assert_null(pin_check("\xe2\x82\xac 5", 5)); /* "€ 5" */
    /* the messages never quote the PIN */
    assert_null(strstr(pin_check("secret\t", 7), "secret"));
}

/* pin_read from a pipe holding `data`. */
static int read_from(const char *data, char *buf, size_t cap, char *err, size_t errlen, int *rest)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], data, strlen(data)), (ssize_t)strlen(data));
    close(fds[1]);
    int n = pin_read(fds[0], "never shown: ", buf, cap, err, errlen);
    char c;
    *rest = (int)read(fds[0], &c, 1); /* 1 when something was left unread */
    close(fds[0]);
    return n;
}

static void test_pin_read(void **state)
{
    (void)state;
    char buf[PIN_MAX_LEN + 1], err[128];
    int rest;
    assert_int_equal(read_from("1234\n", buf, sizeof buf, err, sizeof err, &rest), 4);
    assert_string_equal(buf, "1234");
    assert_int_equal(rest, 0);
    assert_int_equal(read_from("1234\r\n", buf, sizeof buf, err, sizeof err, &rest), 4);
    assert_string_equal(buf, "1234");
    assert_int_equal(read_from("56", buf, sizeof buf, err, sizeof err, &rest), 2);
    assert_string_equal(buf, "56");
    /* only one newline is trimmed, and the line after stays unread */
    assert_int_equal(read_from("77\nsecond\n", buf, sizeof buf, err, sizeof err, &rest), 2);
    assert_string_equal(buf, "77");
    assert_int_equal(rest, 1);
    assert_int_equal(read_from(" a b \n", buf, sizeof buf, err, sizeof err, &rest), 5);
    assert_string_equal(buf, " a b ");

    assert_int_equal(read_from("", buf, sizeof buf, err, sizeof err, &rest), -1);
    assert_non_null(strstr(err, "no PIN"));
    assert_int_equal(read_from("\n", buf, sizeof buf, err, sizeof err, &rest), -1);
    assert_non_null(strstr(err, "empty"));
    assert_int_equal(read_from("12\t34\n", buf, sizeof buf, err, sizeof err, &rest), -1);
    assert_non_null(strstr(err, "control"));
    assert_string_equal(buf, "");
    char big[200];
    memset(big, '9', 65);
    strcpy(big + 65, "\n");
    assert_int_equal(read_from(big, buf, sizeof buf, err, sizeof err, &rest), -1);
    assert_non_null(strstr(err, "too long"));
    big[64] = '\n';
    big[65] = '\0';
    assert_int_equal(read_from(big, buf, sizeof buf, err, sizeof err, &rest), 64);
    memset(big, '8', 150);
    strcpy(big + 150, "\n");
    assert_int_equal(read_from(big, buf, sizeof buf, err, sizeof err, &rest), -1);
    assert_null(strstr(err, "888"));
    assert_int_equal(rest, 0); /* the long line was read to its end */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_urls, setup, teardown),
        cmocka_unit_test(test_url_redact),
        cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_fresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_migrate_v0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_migrate_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_migrate_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_migration_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_newer_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_foreign_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queues, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handles_two_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions_changed_open_txn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_active_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_one_write, setup, teardown),
        cmocka_unit_test(test_pin_hash),
        cmocka_unit_test(test_pin_rules),
        cmocka_unit_test(test_pin_read),
    };
    return cmocka_run_group_tests_name("acd_store", tests, NULL, NULL);
}
