/*
 * test_tapictl_acd - tapictl against the reference ACD: tapisrv + acdproxy
 * on a store provisioned with `acdproxy admin`.  What only a real ACD can
 * show: a session's life (create, states, end, refused after the end), an
 * unknown session handle, a wrong PIN, an unknown agent, the 2.0 view of
 * the same sessions, and `tapictl monitor` showing, in order, the events
 * another tapictl causes.
 *
 * acdproxy serves every line; each test works on a line of its own (the
 * ACD refuses a second active session for the same agent, group, line and
 * address), passed with --line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acdharness.h"
#include "harness.h"
#include "test_tapictl.h"

#define PIN "1234"

static char g_db[256], g_log[256];
static struct acdp *g_acd;

static int admin(const char *in, ...)
{
    char *args[10] = {0};
    int n = 0;
    va_list ap;
    va_start(ap, in);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 9)
        args[n++] = a;
    va_end(ap);
    return acd_admin(g_db, in, NULL, 0, args[0], args[1], args[2], args[3], args[4], args[5],
                     args[6], args[7], (char *)NULL);
}

static int group_setup(void **state)
{
    (void)state;
    if (group_srv_start(NULL, "test_tapictl_acd group setup"))
        return -1;
    watchdog_arm(60, "test_tapictl_acd group setup");
    snprintf(g_db, sizeof g_db, "%s/acd.db", group_srv->dir);
    snprintf(g_log, sizeof g_log, "%s/acd.log", group_srv->dir);
    int bad =
        admin(NULL, "group", "add", "Sales", (char *)NULL) ||
        admin(NULL, "group", "add", "Support", (char *)NULL) ||
        admin(NULL, "queue", "add", "10", "Sales EU", "--group", "Sales", (char *)NULL) ||
        admin(NULL, "queue", "add", "11", "Sales US", "--group", "Sales", (char *)NULL) ||
        admin(NULL, "queue", "add", "20", "Support", "--group", "Support", (char *)NULL) ||
        admin(NULL, "activity", "add", "1", "Calls", (char *)NULL) ||
        admin(NULL, "activity", "add", "2", "Email", (char *)NULL) ||
        admin(NULL, "agent", "add", "1001", "--name", "Alice", "--user", acd_me(), (char *)NULL) ||
        admin(PIN "\n", "agent", "add", "1002", "--name", "Bob", "--pin-stdin", (char *)NULL);
    if (bad) {
        fprintf(stderr, "test_tapictl_acd: seeding the directory failed\n");
        return -1;
    }
    g_acd = acdp_start(g_db, g_log, NULL);
    alarm(0);
    return g_acd ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    int rc = g_acd ? acdp_stop(g_acd) : 0;
    acdp_free(g_acd);
    if (rc != 0)
        fprintf(stderr, "acdproxy exited with %d (log: %s)\n", rc, g_log);
    return group_srv_stop("test_tapictl_acd group teardown") || rc ? -1 : 0;
}

/* Run tapictl with args; it must succeed, with nothing on stderr. */
static void run_ok(struct ctl_run *r, const char *input, ...)
{
    char *args[32];
    int n = 0;
    va_list ap;
    va_start(ap, input);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 31)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    ctl_runv(r, input, args);
    if (r->code != 0 || r->err_len)
        fail_msg("tapictl %s %s ...: exit %d, stderr: %s", args[0], n > 1 ? args[1] : "", r->code,
                 r->err);
}

/* The handle a `create` printed (its whole stdout). */
static DWORD handle_of(const struct ctl_run *r)
{
    char *end;
    unsigned long v = strtoul(r->out, &end, 10);
    if (end == r->out || strcmp(end, "\n") || !v)
        fail_msg("not a handle: \"%s\"", r->out);
    return (DWORD)v;
}

static void assert_row(const struct ctl_run *r, const char *row)
{
    if (!has_row(r->out, row))
        fail_msg("no row \"%s\" in:\n%s", row, r->out);
}

/* A session's life, all through tapictl. */
static void test_session_life(void **state)
{
    (void)state;
    struct ctl_run r;
    char a[16], s[16], row[256];
    run_ok(&r, NULL, "--line", "1", "agent", "create", (char *)NULL); /* bound to me: 1001 */
    snprintf(a, sizeof a, "%u", (unsigned)handle_of(&r));
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "1", "agent", "create", "--id", "1001", (char *)NULL);
    snprintf(row, sizeof row, "%s\n", a);
    assert_string_equal(r.out, row); /* the same handle every time */
    ctl_run_free(&r);

    run_ok(&r, NULL, "--line", "1", "session", "create", "--agent", a, "--group", "Sales",
           "--address", "0", (char *)NULL);
    snprintf(s, sizeof s, "%u", (unsigned)handle_of(&r));
    ctl_run_free(&r);

    run_ok(&r, NULL, "--line", "1", "session", "info", s, (char *)NULL);
    assert_row(&r, "state notready");
    assert_row(&r, "next state -");
    ctl_run_free(&r);

    run_ok(&r, NULL, "--line", "1", "session", "state", s, "ready", "--next", "notready",
           (char *)NULL);
    snprintf(row, sizeof row, "session %s: state ready, next state notready\n", s);
    assert_string_equal(r.out, row);
    ctl_run_free(&r);

    run_ok(&r, NULL, "--line", "1", "--json", "session", "info", s, (char *)NULL);
    assert_true(json_lines_ok(r.out));
    char line[4096], val[128];
    nth_line(r.out, 0, line, sizeof line);
    json_get(line, "state", val, sizeof val);
    assert_string_equal(val, "\"ready\"");
    json_get(line, "next_state", val, sizeof val);
    assert_string_equal(val, "\"notready\"");
    ctl_run_free(&r);

    /* the agent's sessions: group by name, state from the session */
    run_ok(&r, NULL, "--line", "1", "agent", "sessions", a, (char *)NULL);
    snprintf(row, sizeof row, "%s %s Sales 0 ready", s, a);
    assert_row(&r, row);
    ctl_run_free(&r);

    /* the 2.0 view of the same session */
    run_ok(&r, NULL, "--line", "1", "address", "status", (char *)NULL);
    assert_row(&r, "groups Sales");
    assert_row(&r, "state ready");
    ctl_run_free(&r);

    run_ok(&r, NULL, "--line", "1", "session", "end", s, (char *)NULL);
    snprintf(row, sizeof row, "session %s: state ended\n", s);
    assert_string_equal(r.out, row);
    ctl_run_free(&r);

    /* ENDED is final */
    ctl_run(&r, NULL, "--line", "1", "session", "state", s, "ready", (char *)NULL);
    assert_int_equal(r.code, 3);
    /* the global option is not part of the command in messages */
    snprintf(row, sizeof row,
             "tapictl: session state %s ready: LINEERR_INVALAGENTSESSIONSTATE (0x8000005F): "
             "this session state cannot be set now (ended, or the ACD's own)\n",
             s);
    assert_string_equal(r.err, row);
    ctl_run_free(&r);

    run_ok(&r, NULL, "--line", "1", "session", "info", s, (char *)NULL);
    assert_row(&r, "state ended");
    ctl_run_free(&r);

    /* busy states belong to the ACD */
    run_ok(&r, NULL, "--line", "1", "session", "create", "--agent", a, "--group", "Support",
           "--address", "0", (char *)NULL);
    snprintf(s, sizeof s, "%u", (unsigned)handle_of(&r));
    ctl_run_free(&r);
    ctl_run(&r, NULL, "--line", "1", "session", "state", s, "busyoncall", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.err, "LINEERR_INVALAGENTSESSIONSTATE"));
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "1", "session", "end", s, (char *)NULL);
    ctl_run_free(&r);
}

static void test_unknown_session(void **state)
{
    (void)state;
    struct ctl_run r;
    ctl_run(&r, NULL, "session", "info", "1234", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "tapictl: session info 1234: LINEERR_INVALPARAM (0x80000032): "
                               "a parameter is invalid\n");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "session", "end", "1234", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_true(json_lines_ok(r.out));
    char line[4096], val[128];
    nth_line(r.out, 0, line, sizeof line);
    json_get(line, "error", val, sizeof val);
    assert_string_equal(val, "\"LINEERR_INVALPARAM\"");
    json_get(line, "function", val, sizeof val);
    assert_string_equal(val, "\"lineSetAgentSessionState\"");
    ctl_run_free(&r);
}

static void test_wrong_pin(void **state)
{
    (void)state;
    struct ctl_run r;
    /* A PIN given must be right, whoever gives it. */
    ctl_run(&r, "9999\n", "agent", "create", "--id", "1002", "--pin-stdin", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_string_equal(r.err, "tapictl: agent create --id 1002 --pin-stdin: "
                               "LINEERR_INVALPASSWORD (0x80000059): wrong PIN, or no right to "
                               "act for this agent\n");
    assert_null(strstr(r.err, "9999"));
    ctl_run_free(&r);

    ctl_run(&r, "9999\n", "--json", "agent", "create", "--id", "1002", "--pin-stdin", (char *)NULL);
    assert_int_equal(r.code, 3);
    char line[4096], val[128];
    nth_line(r.out, 0, line, sizeof line);
    json_get(line, "error", val, sizeof val);
    assert_string_equal(val, "\"LINEERR_INVALPASSWORD\"");
    assert_null(strstr(r.out, "9999"));
    ctl_run_free(&r);

    /* the right one */
    run_ok(&r, PIN "\n", "agent", "create", "--id", "1002", "--pin-stdin", (char *)NULL);
    DWORD h = handle_of(&r);
    assert_null(strstr(r.out, PIN));
    ctl_run_free(&r);

    /* a wrong PIN when logging in is refused too */
    char a[16];
    snprintf(a, sizeof a, "%u", (unsigned)h);
    ctl_run(&r, "0000\n", "--line", "2", "session", "create", "--agent", a, "--group", "Support",
            "--address", "0", "--pin-stdin", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.err, "LINEERR_INVALPASSWORD (0x80000059)"));
    ctl_run_free(&r);

    /* an agent the ACD does not know */
    ctl_run(&r, NULL, "agent", "create", "--id", "4711", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_string_equal(r.err, "tapictl: agent create --id 4711: LINEERR_INVALAGENTID "
                               "(0x80000057): unknown agent (or no agent is bound to your "
                               "user)\n");
    ctl_run_free(&r);
}

static void test_directory(void **state)
{
    (void)state;
    struct ctl_run r;
    run_ok(&r, NULL, "groups", (char *)NULL);
    assert_int_equal(count_lines(r.out), 3);
    assert_non_null(strstr(r.out, "  Sales\n"));
    assert_non_null(strstr(r.out, "  Support\n"));
    ctl_run_free(&r);

    run_ok(&r, NULL, "queues", "--group", "sales", (char *)NULL); /* case does not matter */
    assert_row(&r, "QUEUE NAME");
    assert_row(&r, "10 Sales EU");
    assert_row(&r, "11 Sales US");
    assert_int_equal(count_lines(r.out), 3);
    ctl_run_free(&r);

    run_ok(&r, NULL, "queue", "period", "20", "45", (char *)NULL);
    ctl_run_free(&r);
    run_ok(&r, NULL, "queue", "info", "20", (char *)NULL);
    assert_row(&r, "measurement period 45 s");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "queue", "info", "99", (char *)NULL);
    assert_int_equal(r.code, 3);
    ctl_run_free(&r);

    run_ok(&r, NULL, "--line", "3", "address", "activity", (char *)NULL);
    assert_row(&r, "1 Calls -");
    assert_row(&r, "2 Email -");
    ctl_run_free(&r);

    run_ok(&r, NULL, "caps", (char *)NULL);
    assert_row(&r, "handler tapix acdproxy");
    assert_row(&r, "extensions 0: {7461706A-0000-4163-8470-726F78790001}");
    ctl_run_free(&r);

    run_ok(&r, NULL, "lines", (char *)NULL);
    assert_row(&r, "0 Station 1 2.2 1 all 20 request types");
    ctl_run_free(&r);
}

static void test_agent(void **state)
{
    (void)state;
    struct ctl_run r;
    char a[16];
    run_ok(&r, NULL, "agent", "create", (char *)NULL);
    snprintf(a, sizeof a, "%u", (unsigned)handle_of(&r));
    ctl_run_free(&r);
    run_ok(&r, NULL, "agent", "state", a, "ready", (char *)NULL);
    ctl_run_free(&r);
    run_ok(&r, NULL, "agent", "period", a, "300", (char *)NULL);
    ctl_run_free(&r);
    run_ok(&r, NULL, "agent", "info", a, (char *)NULL);
    assert_row(&r, "state ready");
    assert_row(&r, "measurement period 300 s");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "agent", "state", a, "busyacd", (char *)NULL); /* the ACD's own */
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.err, "LINEERR_INVALAGENTSTATE (0x8000005A)"));
    ctl_run_free(&r);
    run_ok(&r, NULL, "agent", "state", a, "notready", (char *)NULL);
    ctl_run_free(&r);
}

/* TAPI 2.0: log in and out by groups at an address, state, activity. */
static void test_address(void **state)
{
    (void)state;
    struct ctl_run r;
    run_ok(&r, NULL, "--line", "4", "address", "groups", "Sales", "Support", (char *)NULL);
    assert_string_equal(r.out, "address 0: logged into Sales, Support\n");
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "4", "address", "groups", (char *)NULL);
    assert_non_null(strstr(r.out, "  Sales    yes\n"));
    assert_non_null(strstr(r.out, "  Support  yes\n"));
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "4", "address", "state", "ready", (char *)NULL);
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "4", "address", "activity", "2", (char *)NULL);
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "4", "--json", "address", "status", (char *)NULL);
    char line[4096], val[256];
    nth_line(r.out, 0, line, sizeof line);
    json_get(line, "state", val, sizeof val);
    assert_string_equal(val, "\"ready\"");
    json_get(line, "activity", val, sizeof val);
    assert_string_equal(val, "2");
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "4", "address", "activity", (char *)NULL);
    assert_row(&r, "2 Email yes");
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "4", "address", "state", "loggedoff", (char *)NULL);
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "4", "address", "status", (char *)NULL);
    assert_row(&r, "groups -");
    assert_row(&r, "state loggedoff");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "--line", "4", "address", "groups", "Nobody", (char *)NULL);
    assert_int_equal(r.code, 3);
    ctl_run_free(&r);
}

/* The next monitor line about session s (other lines are skipped, up to a
   limit), which must contain every string given. */
static void expect_session_event(struct helper *m, const char *s, ...)
{
    char line[4096], tag[32];
    snprintf(tag, sizeof tag, "session=%s ", s);
    for (int skipped = 0; skipped < 20; skipped++) {
        if (helper_wait_line(m, line, sizeof line, now_ms() + 10000) < 0)
            fail_msg("monitor: no more lines");
        strcat(line, " ");
        if (!strstr(line, "LINE_AGENTSESSIONSTATUS") || !strstr(line, tag))
            continue;
        va_list ap;
        va_start(ap, s);
        const char *want;
        while ((want = va_arg(ap, const char *)) != NULL)
            if (!strstr(line, want))
                fail_msg("monitor: \"%s\" not in: %s", want, line);
        va_end(ap);
        return;
    }
    fail_msg("monitor: nothing about session %s", s);
}

/* `tapictl monitor` shows, in order, what another tapictl causes. */
static void test_monitor(void **state)
{
    (void)state;
    struct ctl_run r;
    char line[4096], a[16], s[16];
    char *args[] = {"monitor", "--line", "5", NULL};
    struct helper *m = ctl_spawnv(args);
    assert_non_null(m);
    assert_true(helper_wait_line(m, line, sizeof line, now_ms() + 10000) > 0);
    assert_non_null(strstr(line, "ready"));

    run_ok(&r, NULL, "--line", "5", "agent", "create", (char *)NULL);
    snprintf(a, sizeof a, "%u", (unsigned)handle_of(&r));
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "5", "session", "create", "--agent", a, "--group", "Sales",
           "--address", "0", (char *)NULL);
    snprintf(s, sizeof s, "%u", (unsigned)handle_of(&r));
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "5", "session", "state", s, "ready", (char *)NULL);
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "5", "session", "state", s, "keep", "--next", "notready",
           (char *)NULL);
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "5", "session", "end", s, (char *)NULL);
    ctl_run_free(&r);

    expect_session_event(m, s, "line 5  LINE_AGENTSESSIONSTATUS", "status=NEWSESSION,STATE",
                         "state=notready", (char *)NULL);
    expect_session_event(m, s, "status=STATE ", "state=ready", (char *)NULL);
    expect_session_event(m, s, "status=UPDATEINFO", (char *)NULL);
    expect_session_event(m, s, "status=STATE ", "state=ended", (char *)NULL);

    /* agent-wide events reach every line: LINE_AGENTSTATUSEX */
    run_ok(&r, NULL, "agent", "period", a, "600", (char *)NULL);
    ctl_run_free(&r);
    char tag[32];
    snprintf(tag, sizeof tag, "agent=%s ", a);
    int seen = 0;
    for (int i = 0; i < 20 && !seen; i++) {
        if (helper_wait_line(m, line, sizeof line, now_ms() + 10000) < 0)
            break;
        strcat(line, " ");
        seen = strstr(line, "line 5  LINE_AGENTSTATUSEX") && strstr(line, tag) &&
               strstr(line, "status=UPDATEINFO");
    }
    assert_true(seen);

    helper_kill(m, SIGINT);
    assert_int_equal(helper_wait(m, now_ms() + 10000), 0);
    helper_free(m);
}

/* Lists longer than the first buffer: the dwNeededSize retry. */
static void test_long_list(void **state)
{
    (void)state;
    struct ctl_run r;
    char name[160], row[200];
    /* 12 groups with 120-byte names: several KB of UTF-16 for the handler */
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof name, "Group %02d %.*s", i, 111,
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        assert_int_equal(admin(NULL, "group", "add", name, (char *)NULL), 0);
    }
    run_ok(&r, NULL, "groups", (char *)NULL);
    assert_int_equal(count_lines(r.out), 1 + 2 + 12);
    snprintf(row, sizeof row, "  %s\n", name); /* the last one, whole */
    assert_non_null(strstr(r.out, row));
    ctl_run_free(&r);
    run_ok(&r, NULL, "--json", "groups", (char *)NULL);
    assert_true(json_lines_ok(r.out));
    assert_int_equal(count_lines(r.out), 2 + 12);
    ctl_run_free(&r);
    run_ok(&r, NULL, "--line", "6", "address", "groups", (char *)NULL); /* the 2.0 list */
    assert_int_equal(count_lines(r.out), 1 + 2 + 12);
    ctl_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_session_life, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_session, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_pin, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_directory, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_agent, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_address, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_monitor, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_long_list, wd_setup, wd_teardown), /* last */
    };
    return cmocka_run_group_tests_name("tapictl_acd", tests, group_setup, group_teardown);
}
