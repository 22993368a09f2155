/*
 * test_tapictl - the tapictl binary against tapisrv and the test handler
 * (helper_handler), whose answers are deterministic (proxytest.h): every
 * command's table and JSON output, its messages and exit codes for a TAPI
 * error, no handler, a timeout, an unreachable or lost server and usage
 * errors, and `monitor` decoding what a handler sends.
 *
 * Lines: 0 = handler answering every type (the default line: the first one
 * with a proxy), 1 = handler failing every request with
 * LINEERR_INVALPARAM, 2 = silent handler (never answers), 3 = no handler,
 * 4 = handler of CREATEAGENT and GETAGENTINFO only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proxytest.h"
#include "test_tapictl.h"

static const char config[] = "[line 0]\nname = Agents\n"
                             "[line 0 address 0]\naddress = 201\nflags = QUEUE ACDGROUP\n"
                             "[line 0 address 1]\naddress = 202\n"
                             "[line 1]\n[line 1 address 0]\naddress = 301\n"
                             "[line 2]\n[line 2 address 0]\naddress = 401\n"
                             "[line 3]\n[line 3 address 0]\naddress = 501\n"
                             "[line 4]\n[line 4 address 0]\naddress = 601\n"
                             "flags = ROUTEPOINT PREDICTIVEDIALER\n";

static struct helper *g_h[5]; /* handlers of lines 0, 1, 2, 4 */

static int group_setup(void **state)
{
    (void)state;
    char why[256];
    HLINE h;
    if (group_srv_start(config, "test_tapictl group setup"))
        return -1;
    g_h[0] = pt_spawn(0, &h, why, sizeof why, "--dev", "0", (char *)NULL);
    g_h[1] =
        pt_spawn(0, &h, why, sizeof why, "--dev", "1", "--mode", "fail:80000032", (char *)NULL);
    g_h[2] = pt_spawn(0, &h, why, sizeof why, "--dev", "2", "--mode", "silent", "--print", "none",
                      (char *)NULL);
    g_h[4] = pt_spawn(0, &h, why, sizeof why, "--dev", "4", "--types", "9,11", (char *)NULL);
    if (!g_h[0] || !g_h[1] || !g_h[2] || !g_h[4]) {
        fprintf(stderr, "test_tapictl: a handler did not start: %s\n", why);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        helper_free(g_h[i]);
    return group_srv_stop("test_tapictl group teardown");
}

/* The handler's answer structure for (type, key) as an A function gets it. */
static void *expected(DWORD type, DWORD key)
{
    static uint8_t buf[4096];
    memset(buf, 0, sizeof buf);
    assert_int_equal(pt_build(type, key, 0x00020002, 1, buf, sizeof buf), 0);
    return buf;
}

/* The JSON value of key in line i of r's stdout must be want. */
static void assert_json(const struct ctl_run *r, int i, const char *key, const char *want)
{
    char line[8192], val[4096];
    assert_true(nth_line(r->out, i, line, sizeof line) >= 0);
    if (json_get(line, key, val, sizeof val) < 0)
        fail_msg("no \"%s\" in %s", key, line);
    if (strcmp(val, want))
        fail_msg("\"%s\": got %s, want %s (in %s)", key, val, want, line);
}

static void assert_row(const struct ctl_run *r, const char *row)
{
    if (!has_row(r->out, row))
        fail_msg("no row \"%s\" in:\n%s", row, r->out);
}

/* Exit code 0, nothing on stderr. */
static void assert_ok(const struct ctl_run *r)
{
    if (r->code != 0 || r->err_len)
        fail_msg("exit %d, stderr: %s", r->code, r->err);
}

static char *guid_text(DWORD key, unsigned k, char *buf)
{
    GUID g;
    pt_guid(key, k, &g);
    snprintf(buf, 40, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned)g.Data1,
             g.Data2, g.Data3, g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4],
             g.Data4[5], g.Data4[6], g.Data4[7]);
    return buf;
}

/* ------------------------------------------------------------------- lines */

static void test_lines(void **state)
{
    (void)state;
    struct ctl_run r;
    ctl_run(&r, NULL, "lines", (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "LINE NAME API ADDRESSES PROXY");
    assert_row(&r, "0 Agents 2.2 2 all 20 request types");
    assert_row(&r, "3 Station 4 2.2 1 -");
    assert_row(&r, "4 Station 5 2.2 1 CREATEAGENT GETAGENTINFO");
    assert_row(&r, "LINE ADDRESS NAME FLAGS");
    assert_row(&r, "0 0 201 QUEUE ACDGROUP");
    assert_row(&r, "0 1 202 -");
    assert_row(&r, "4 0 601 ROUTEPOINT PREDICTIVEDIALER");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "lines", (char *)NULL);
    assert_ok(&r);
    assert_true(json_lines_ok(r.out));
    assert_int_equal(count_lines(r.out), 5); /* one object per line device */
    assert_json(&r, 0, "line", "0");
    assert_json(&r, 0, "name", "\"Agents\"");
    assert_json(&r, 0, "api_version", "\"2.2\"");
    assert_json(&r, 0, "addresses",
                "[{\"address\":0,\"name\":\"201\",\"flags\":[\"QUEUE\",\"ACDGROUP\"]},"
                "{\"address\":1,\"name\":\"202\",\"flags\":[]}]");
    char line[8192], val[4096];
    nth_line(r.out, 0, line, sizeof line);
    json_get(line, "proxy", val, sizeof val);
    assert_non_null(strstr(val, "\"SETAGENTGROUP\",\"SETAGENTSTATE\""));
    assert_non_null(strstr(val, "\"SETAGENTSTATEEX\"]"));
    assert_json(&r, 3, "proxy", "[]");
    assert_json(&r, 4, "proxy", "[\"CREATEAGENT\",\"GETAGENTINFO\"]");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "--line", "4", "lines", (char *)NULL);
    assert_ok(&r);
    assert_int_equal(count_lines(r.out), 1);
    assert_json(&r, 0, "line", "4");
    ctl_run_free(&r);
}

/* ------------------------------------------------------------------- agents */

static void test_agent_create(void **state)
{
    (void)state;
    struct ctl_run r;
    char want[32];
    /* People get the handle alone, so that H=$(tapictl agent create) works. */
    ctl_run(&r, NULL, "agent", "create", "--id", "1001", (char *)NULL);
    assert_ok(&r);
    snprintf(want, sizeof want, "%u\n", (unsigned)pt_agent_handle("1001"));
    assert_string_equal(r.out, want);
    ctl_run_free(&r);

    /* --pin-stdin: the PIN is read from stdin and appears nowhere. */
    ctl_run(&r, "s3cr3t-PIN\n", "--json", "agent", "create", "--id", "agent-7", "--pin-stdin",
            (char *)NULL);
    assert_ok(&r);
    snprintf(want, sizeof want, "%u", (unsigned)pt_agent_handle("agent-7"));
    assert_json(&r, 0, "agent", want);
    assert_json(&r, 0, "id", "\"agent-7\"");
    assert_null(strstr(r.out, "s3cr3t"));
    ctl_run_free(&r);

    /* no --id: the agent bound to the user (the handler answers 0x1000) */
    ctl_run(&r, NULL, "agent", "create", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "4096\n");
    ctl_run_free(&r);

    /* --pin-stdin with nothing on stdin is a usage error */
    ctl_run(&r, "", "agent", "create", "--pin-stdin", (char *)NULL);
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "no PIN on standard input"));
    ctl_run_free(&r);
}

static void test_agent_info(void **state)
{
    (void)state;
    struct ctl_run r;
    LINEAGENTINFO *ai = expected(LINEPROXYREQUEST_GETAGENTINFO, 5);
    char row[128];
    ctl_run(&r, NULL, "agent", "info", "5", (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "agent 5");
    assert_row(&r, "state ready");
    assert_row(&r, "next state notready");
    snprintf(row, sizeof row, "measurement period %u s", (unsigned)ai->dwMeasurementPeriod);
    assert_row(&r, row);
    assert_row(&r, "calls per hour 5.1234");
    snprintf(row, sizeof row, "ACD calls %u", (unsigned)ai->dwNumberOfACDCalls);
    assert_row(&r, row);
    snprintf(row, sizeof row, "ACD wrap-up time %u s", (unsigned)ai->dwTotalACDWrapUpTime);
    assert_row(&r, row);
    assert_int_equal(count_lines(r.out), 11);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "agent", "info", "5", "--json", (char *)NULL); /* globals anywhere */
    assert_ok(&r);
    assert_true(json_lines_ok(r.out));
    assert_int_equal(count_lines(r.out), 1);
    assert_json(&r, 0, "agent", "5");
    assert_json(&r, 0, "state", "\"ready\"");
    assert_json(&r, 0, "next_state", "\"notready\"");
    assert_json(&r, 0, "overall_call_rate", "5.1234");
    snprintf(row, sizeof row, "%u", (unsigned)ai->dwNumberOfOutgoingCalls);
    assert_json(&r, 0, "outgoing_calls", row);
    snprintf(row, sizeof row, "%u", (unsigned)ai->dwTotalACDTalkTime);
    assert_json(&r, 0, "acd_talk_time", row);
    ctl_run_free(&r);
}

static void test_agent_state_period(void **state)
{
    (void)state;
    struct ctl_run r;
    ctl_run(&r, NULL, "agent", "state", "5", "Ready", "--next", "notready", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "agent 5: state ready, next state notready\n");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "agent", "state", "5", "released", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "{\"agent\":5,\"state\":\"released\",\"next_state\":null}\n");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "agent", "period", "5", "900", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "agent 5: measurement period 900 s\n");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "--json", "agent", "period", "0x5", "900", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "{\"agent\":5,\"measurement_period\":900}\n");
    ctl_run_free(&r);

    /* The handler refuses period 0 with LINEERR_INVALPARAM: exit 3. */
    ctl_run(&r, NULL, "agent", "period", "5", "0", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "tapictl: agent period 5 0: LINEERR_INVALPARAM (0x80000032): "
                               "a parameter is invalid\n");
    ctl_run_free(&r);
}

static void test_agent_sessions(void **state)
{
    (void)state;
    struct ctl_run r;
    char g0[40], g1[40], row[256];
    ctl_run(&r, NULL, "agent", "sessions", "5", (char *)NULL);
    assert_ok(&r);
    /* Group names come from lineGetGroupList (key 0), states from
       lineGetAgentSessionInfo; the handler's session groups have key 5, so
       the GUID stands in for the name. */
    assert_row(&r, "SESSION AGENT GROUP ADDRESS STATE");
    snprintf(row, sizeof row, "%u 5 %s 0 ready", 0x2000u + 5, guid_text(5, 0, g0));
    assert_row(&r, row);
    snprintf(row, sizeof row, "%u 5 %s 1 ready", 0x2000u + 6, guid_text(5, 1, g1));
    assert_row(&r, row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "agent", "sessions", "5", (char *)NULL);
    assert_ok(&r);
    assert_true(json_lines_ok(r.out));
    assert_int_equal(count_lines(r.out), 2);
    snprintf(row, sizeof row, "\"%s\"", g1);
    assert_json(&r, 1, "session", "8198");
    assert_json(&r, 1, "group", row);
    assert_json(&r, 1, "address", "1");
    assert_json(&r, 1, "state", "\"ready\"");
    ctl_run_free(&r);
}

/* ----------------------------------------------------------------- sessions */

static void test_session_create(void **state)
{
    (void)state;
    struct ctl_run r;
    char g[40], gq[44];
    guid_text(0, 1, g); /* lineGetGroupList's second group: "Support €" */
    snprintf(gq, sizeof gq, "\"%s\"", g);

    /* by name: resolved with lineGetGroupList */
    ctl_run(&r, NULL, "session", "create", "--agent", "5", "--group", pt_group_names[1],
            "--address", "1", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "8197\n"); /* 0x2000 + hAgent */
    ctl_run_free(&r);

    /* by GUID, JSON, with a PIN from stdin */
    ctl_run(&r, "1234\n", "--json", "session", "create", "--agent", "7", "--group", g, "--address",
            "0", "--pin-stdin", (char *)NULL);
    assert_ok(&r);
    assert_json(&r, 0, "session", "8199");
    assert_json(&r, 0, "agent", "7");
    assert_json(&r, 0, "group", gq);
    assert_json(&r, 0, "address", "0");
    assert_null(strstr(r.out, "1234"));
    ctl_run_free(&r);

    /* a name no group has: exit 3, INVALAGENTGROUP, nothing requested */
    ctl_run(&r, NULL, "session", "create", "--agent", "5", "--group", "Nobody", "--address", "0",
            (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_string_equal(r.err, "tapictl: session create --agent 5 --group Nobody --address 0: "
                               "no group named 'Nobody' (see: tapictl groups)\n");
    ctl_run_free(&r);
}

static void test_session_info(void **state)
{
    (void)state;
    struct ctl_run r;
    LINEAGENTSESSIONINFO *si = expected(LINEPROXYREQUEST_GETAGENTSESSIONINFO, 8197);
    char row[128];
    ctl_run(&r, NULL, "session", "info", "8197", (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "session 8197");
    assert_row(&r, "state ready");
    assert_row(&r, "next state notready");
    /* DATE 45000.25 + 8197 = 53197.25: 2045-08-23 06:00 UTC */
    assert_row(&r, "started 2045-08-23T06:00:00Z");
    snprintf(row, sizeof row, "duration %u s", (unsigned)si->dwSessionDuration);
    assert_row(&r, row);
    snprintf(row, sizeof row, "calls %u", (unsigned)si->dwNumberOfCalls);
    assert_row(&r, row);
    assert_row(&r, "ACD calls per hour 8197.0005");
    snprintf(row, sizeof row, "average time to answer %u s", (unsigned)si->dwAverageTimeToAnswer);
    assert_row(&r, row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "session", "info", "8197", (char *)NULL);
    assert_ok(&r);
    assert_true(json_lines_ok(r.out));
    assert_json(&r, 0, "start_time", "\"2045-08-23T06:00:00Z\"");
    assert_json(&r, 0, "acd_call_rate", "8197.0005");
    snprintf(row, sizeof row, "%u", (unsigned)si->dwTotalWrapUpTime);
    assert_json(&r, 0, "wrapup_time", row);
    ctl_run_free(&r);
}

static void test_session_state_end(void **state)
{
    (void)state;
    struct ctl_run r;
    ctl_run(&r, NULL, "session", "state", "8197", "READY", "--next", "ended", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "session 8197: state ready, next state ended\n");
    ctl_run_free(&r);

    /* keep: change only the next state (state 0) */
    ctl_run(&r, NULL, "--json", "session", "state", "8197", "keep", "--next", "notready",
            (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "{\"session\":8197,\"state\":null,\"next_state\":\"notready\"}\n");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "session", "state", "8197", "keep", "--next", "notready", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "session 8197: next state notready\n");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "session", "end", "8197", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "session 8197: state ended\n");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "--json", "session", "end", "8197", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "{\"session\":8197,\"state\":\"ended\",\"next_state\":null}\n");
    ctl_run_free(&r);
}

/* ------------------------------------------------------------ groups, queues */

static void test_groups(void **state)
{
    (void)state;
    struct ctl_run r;
    char g[40], row[256];
    ctl_run(&r, NULL, "groups", (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "GROUP NAME");
    for (unsigned k = 0; k < 3; k++) {
        snprintf(row, sizeof row, "%s %s", guid_text(0, k, g), pt_group_names[k]);
        assert_row(&r, row);
    }
    assert_int_equal(count_lines(r.out), 4);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "groups", (char *)NULL);
    assert_ok(&r);
    assert_true(json_lines_ok(r.out));
    assert_int_equal(count_lines(r.out), 3);
    snprintf(row, sizeof row, "\"%s\"", guid_text(0, 2, g));
    assert_json(&r, 2, "group", row);
    snprintf(row, sizeof row, "\"%s\"", pt_group_names[2]);
    assert_json(&r, 2, "name", row);
    ctl_run_free(&r);
}

static void test_queues(void **state)
{
    (void)state;
    struct ctl_run r;
    char g[40], row[256];
    /* The handler's queue IDs: (Data1 of the group GUID & 0xFFFF) * 10 + 1.. */
    GUID gu;
    pt_guid(0, 1, &gu);
    unsigned first = (gu.Data1 & 0xFFFF) * 10 + 1;
    ctl_run(&r, NULL, "queues", "--group", pt_group_names[1], (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "QUEUE NAME");
    for (unsigned k = 0; k < 3; k++) {
        snprintf(row, sizeof row, "%u %s", first + k, pt_queue_names[k]);
        assert_row(&r, row);
    }
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "queues", "--group", guid_text(0, 1, g), (char *)NULL);
    assert_ok(&r);
    assert_int_equal(count_lines(r.out), 3);
    snprintf(row, sizeof row, "%u", first);
    assert_json(&r, 0, "queue", row);
    snprintf(row, sizeof row, "\"%s\"", g);
    assert_json(&r, 0, "group", row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "queues", (char *)NULL);
    assert_int_equal(r.code, 2);
    ctl_run_free(&r);
}

static void test_queue_info_period(void **state)
{
    (void)state;
    struct ctl_run r;
    LINEQUEUEINFO *qi = expected(LINEPROXYREQUEST_GETQUEUEINFO, 11);
    char row[128];
    ctl_run(&r, NULL, "queue", "info", "11", (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "queue 11");
    assert_row(&r, "measurement period 30 s");
    snprintf(row, sizeof row, "calls queued %u", (unsigned)qi->dwTotalCallsQueued);
    assert_row(&r, row);
    snprintf(row, sizeof row, "final disposition %u", (unsigned)qi->dwFinalDisposition);
    assert_row(&r, row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "queue", "info", "11", (char *)NULL);
    assert_ok(&r);
    snprintf(row, sizeof row, "%u", (unsigned)qi->dwAverageWaitTime);
    assert_json(&r, 0, "average_wait", row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "queue", "period", "11", "60", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "queue 11: measurement period 60 s\n");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "--json", "queue", "period", "11", "60", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "{\"queue\":11,\"measurement_period\":60}\n");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "queue", "period", "11", "0", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_json(&r, 0, "error", "\"LINEERR_INVALPARAM\"");
    assert_json(&r, 0, "function", "\"lineSetQueueMeasurementPeriod\"");
    ctl_run_free(&r);
}

/* ------------------------------------------------------------ TAPI 2.0 calls */

static void test_address_status(void **state)
{
    (void)state;
    struct ctl_run r;
    char row[256], g[40];
    ctl_run(&r, NULL, "address", "status", "--address", "1", (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "address 1");
    snprintf(row, sizeof row, "groups %s, %s", pt_group_names[0], pt_group_names[1]);
    assert_row(&r, row);
    assert_row(&r, "state ready");
    assert_row(&r, "next state notready");
    snprintf(row, sizeof row, "activity 101 (%s)", pt_activity);
    assert_row(&r, row);
    assert_row(&r, "valid states loggedoff notready ready busyacd");
    assert_row(&r, "valid next states notready ready");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "address", "status", (char *)NULL);
    assert_ok(&r);
    assert_true(json_lines_ok(r.out));
    assert_json(&r, 0, "activity", "100");
    snprintf(row, sizeof row, "[{\"group\":\"%s\",\"name\":\"%s\"},", guid_text(0, 0, g),
             pt_group_names[0]);
    char line[4096], val[4096];
    nth_line(r.out, 0, line, sizeof line);
    json_get(line, "groups", val, sizeof val);
    assert_memory_equal(val, row, strlen(row));
    assert_json(&r, 0, "valid_next_states", "[\"notready\",\"ready\"]");
    ctl_run_free(&r);
}

static void test_address_state(void **state)
{
    (void)state;
    struct ctl_run r;
    ctl_run(&r, NULL, "address", "state", "loggedoff", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "address 0: state loggedoff\n");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "--json", "address", "state", "ready", "--next", "notready", "--address", "1",
            (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "{\"address\":1,\"state\":\"ready\",\"next_state\":\"notready\"}\n");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "address", "state", "asleep", (char *)NULL);
    assert_int_equal(r.code, 2);
    ctl_run_free(&r);
}

static void test_address_groups(void **state)
{
    (void)state;
    struct ctl_run r;
    char row[256], g[40];
    /* the list, with "logged in" from lineGetAgentStatus (groups 0 and 1) */
    ctl_run(&r, NULL, "address", "groups", (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "GROUP NAME LOGGED IN");
    snprintf(row, sizeof row, "%s %s yes", guid_text(0, 0, g), pt_group_names[0]);
    assert_row(&r, row);
    snprintf(row, sizeof row, "%s %s -", guid_text(0, 2, g), pt_group_names[2]);
    assert_row(&r, row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "address", "groups", (char *)NULL);
    assert_ok(&r);
    assert_true(json_lines_ok(r.out));
    assert_int_equal(count_lines(r.out), 3);
    snprintf(row, sizeof row, "{\"group\":\"%s\",\"name\":\"%s\",\"logged_in\":true}\n",
             guid_text(0, 1, g), pt_group_names[1]);
    assert_non_null(strstr(r.out, row));
    snprintf(row, sizeof row, "{\"group\":\"%s\",\"name\":\"%s\",\"logged_in\":false}\n",
             guid_text(0, 2, g), pt_group_names[2]);
    assert_non_null(strstr(r.out, row));
    ctl_run_free(&r);

    /* setting: names resolved with lineGetAgentGroupList */
    ctl_run(&r, NULL, "address", "groups", pt_group_names[2], guid_text(0, 0, g), (char *)NULL);
    assert_ok(&r);
    snprintf(row, sizeof row, "address 0: logged into %s, %s\n", pt_group_names[2],
             pt_group_names[0]);
    assert_string_equal(r.out, row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "address", "groups", pt_group_names[1], (char *)NULL);
    assert_ok(&r);
    snprintf(row, sizeof row, "[\"%s\"]", guid_text(0, 1, g));
    assert_json(&r, 0, "groups", row);
    ctl_run_free(&r);
}

static void test_address_activity(void **state)
{
    (void)state;
    struct ctl_run r;
    char row[256];
    ctl_run(&r, NULL, "address", "activity", (char *)NULL);
    assert_ok(&r);
    assert_row(&r, "ACTIVITY NAME CURRENT");
    snprintf(row, sizeof row, "2 %s -", pt_activity_names[1]);
    assert_row(&r, row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "address", "activity", (char *)NULL);
    assert_ok(&r);
    assert_int_equal(count_lines(r.out), 3);
    assert_json(&r, 2, "activity", "3");
    assert_json(&r, 2, "current", "false");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "address", "activity", "2", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "address 0: activity 2\n");
    ctl_run_free(&r);
    ctl_run(&r, NULL, "--json", "address", "activity", "3", "--address", "1", (char *)NULL);
    assert_ok(&r);
    assert_string_equal(r.out, "{\"address\":1,\"activity\":3}\n");
    ctl_run_free(&r);
}

static void test_caps(void **state)
{
    (void)state;
    struct ctl_run r;
    char row[256], g[40];
    ctl_run(&r, NULL, "caps", (char *)NULL);
    assert_ok(&r);
    snprintf(row, sizeof row, "handler %s", pt_handler_info);
    assert_row(&r, row);
    assert_row(&r, "caps version 2.2");
    assert_row(&r, "max groups 4");
    assert_row(&r, "states loggedoff notready ready busyacd");
    assert_row(&r, "extensions 0: {E0000000-0001-E000-0200-00E0030000E0}, "
                   "1: {E0000004-0005-E000-0600-00E0070000E0}");
    snprintf(row, sizeof row, "proxy GUID %s", guid_text(0, 9, g));
    assert_row(&r, row);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "caps", "--address", "1", (char *)NULL);
    assert_ok(&r);
    assert_json(&r, 0, "max_groups", "5");
    assert_json(&r, 0, "features",
                "[\"SETAGENTGROUP\",\"SETAGENTSTATE\",\"SETAGENTACTIVITY\","
                "\"AGENTSPECIFIC\",\"GETAGENTACTIVITYLIST\",\"GETAGENTGROUP\"]");
    ctl_run_free(&r);
}

/* ------------------------------------------------------------------- errors */

static void test_tapi_error(void **state)
{
    (void)state;
    struct ctl_run r;
    /* line 1's handler fails every request with LINEERR_INVALPARAM */
    ctl_run(&r, NULL, "--line", "1", "session", "info", "1234", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "tapictl: session info 1234: LINEERR_INVALPARAM (0x80000032): "
                               "a parameter is invalid\n");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "--line", "1", "session", "info", "1234", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_true(json_lines_ok(r.out));
    assert_int_equal(count_lines(r.out), 1);
    assert_json(&r, 0, "error", "\"LINEERR_INVALPARAM\"");
    assert_json(&r, 0, "code", "2147483698");
    assert_json(&r, 0, "hex", "\"0x80000032\"");
    assert_json(&r, 0, "message", "\"a parameter is invalid\"");
    assert_json(&r, 0, "function", "\"lineGetAgentSessionInfo\"");
    assert_json(&r, 0, "command", "\"session info 1234\"");
    assert_non_null(strstr(r.err, "LINEERR_INVALPARAM (0x80000032)"));
    ctl_run_free(&r);
}

static void test_no_handler(void **state)
{
    (void)state;
    struct ctl_run r;
    ctl_run(&r, NULL, "--line", "3", "agent", "info", "1", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_string_equal(r.err, "tapictl: agent info 1: LINEERR_OPERATIONUNAVAIL (0x80000049): "
                               "no proxy handler serves this request on the line (is acdproxy "
                               "running?)\n");
    ctl_run_free(&r);
    /* line 4 serves two types only */
    ctl_run(&r, NULL, "--line", "4", "agent", "info", "3", (char *)NULL);
    assert_ok(&r);
    ctl_run_free(&r);
    ctl_run(&r, NULL, "--line", "4", "groups", (char *)NULL);
    assert_int_equal(r.code, 3);
    ctl_run_free(&r);
    /* a line that does not exist */
    ctl_run(&r, NULL, "--line", "9", "groups", (char *)NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.err, "LINEERR_BADDEVICEID"));
    ctl_run_free(&r);
}

static void test_timeout(void **state)
{
    (void)state;
    struct ctl_run r;
    /* line 2's handler never answers */
    int64_t t0 = now_ms();
    ctl_run(&r, NULL, "--line", "2", "--timeout", "0.3", "agent", "info", "1", (char *)NULL);
    int64_t took = now_ms() - t0;
    assert_int_equal(r.code, 5);
    assert_true(took >= 300 && took < 5000);
    assert_string_equal(r.err, "tapictl: agent info 1: no LINE_REPLY to lineGetAgentInfo "
                               "(request 1) within 0.3 s\n");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "--line", "2", "--timeout=0.2", "groups", (char *)NULL);
    assert_int_equal(r.code, 5);
    assert_json(&r, 0, "error", "\"timeout\"");
    ctl_run_free(&r);
}

static void test_unreachable(void **state)
{
    (void)state;
    struct ctl_run r;
    ctl_run(&r, NULL, "--server", "/nonexistent/tapisrv.sock", "lines", (char *)NULL);
    assert_int_equal(r.code, 4);
    assert_string_equal(r.err, "tapictl: lines: cannot reach tapisrv at "
                               "/nonexistent/tapisrv.sock (is it running? see --server)\n");
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--json", "--server=/nonexistent/x.sock", "agent", "info", "3", (char *)NULL);
    assert_int_equal(r.code, 4);
    assert_json(&r, 0, "error", "\"unreachable\"");
    assert_json(&r, 0, "command", "\"agent info 3\"");
    ctl_run_free(&r);

    /* TAPI_SERVER, as every TAPI program reads it */
    const char *saved = getenv("TAPI_SERVER");
    char keep[256];
    snprintf(keep, sizeof keep, "%s", saved ? saved : "");
    setenv("TAPI_SERVER", "/nonexistent/y.sock", 1);
    ctl_run(&r, NULL, "groups", (char *)NULL);
    setenv("TAPI_SERVER", keep, 1);
    assert_int_equal(r.code, 4);
    assert_non_null(strstr(r.err, "/nonexistent/y.sock"));
    ctl_run_free(&r);
}

/* The server dies while tapictl waits for a LINE_REPLY: exit 4. */
static void test_server_lost(void **state)
{
    (void)state;
    struct srv *s = srv_start(NULL);
    assert_non_null(s);
    HLINE h;
    char why[256], line[256];
    struct helper *hd = pt_spawn(0, &h, why, sizeof why, "--mode", "silent", (char *)NULL);
    assert_non_null(hd);
    char *args[] = {"--timeout", "30", "agent", "info", "3", NULL};
    int err_fd;
    struct helper *ctl = ctl_spawnv_err(args, &err_fd);
    assert_non_null(ctl);
    assert_int_equal(pt_expect(hd, "GOT", line, sizeof line, PT_WAIT_MS), 0); /* it asked */
    assert_int_equal(srv_kill(s), 0);
    assert_int_equal(helper_wait(ctl, now_ms() + PT_WAIT_MS), 4);
    char *err = ctl_read_all(err_fd, PT_WAIT_MS);
    assert_string_equal(err, "tapictl: agent info 3: lost the connection to tapisrv (during "
                             "lineGetAgentInfo)\n");
    free(err);
    helper_free(ctl);
    helper_free(hd);
    srv_free(s);
    srv_use(group_srv);
}

static void test_usage(void **state)
{
    (void)state;
    struct ctl_run r;
    /* None of these needs a server: they fail before connecting. */
    static const char *const cases[][6] = {
        {NULL},
        {"frob"},
        {"agent"},
        {"agent", "fly"},
        {"agent", "info"},
        {"agent", "info", "x"},
        {"agent", "info", "1", "2"},
        {"agent", "state", "1", "flying"},
        {"agent", "state", "1", "ready", "--next"},
        {"agent", "create", "--pin", "1234"},
        {"session", "create", "--agent", "1", "--group", "g"},
        {"session", "state", "1", "ended", "--next", "x"},
        {"queue", "period", "1", "-5"},
        {"--timeout", "0", "groups"},
        {"--line", "x", "groups"},
        {"address", "activity", "x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *args[10] = {"--server", "/nonexistent/z.sock"};
        int n = 2;
        for (int k = 0; k < 6 && cases[i][k]; k++)
            args[n++] = (char *)cases[i][k];
        args[n] = NULL;
        ctl_runv(&r, NULL, args);
        if (r.code != 2 || strncmp(r.err, i ? "tapictl: " : "Usage:", i ? 9 : 6))
            fail_msg("case %zu (%s ...): exit %d, stderr %s", i, cases[i][0] ? cases[i][0] : "",
                     r.code, r.err);
        ctl_run_free(&r);
    }
    /* the message names the command and says what is wrong */
    ctl_run(&r, NULL, "agent", "info", (char *)NULL);
    assert_int_equal(r.code, 2);
    assert_string_equal(r.err, "tapictl: agent info: wrong arguments; usage: tapictl agent info "
                               "H\nTry 'tapictl help agent info'.\n");
    ctl_run_free(&r);
    /* and with --json, an error object too */
    ctl_run(&r, NULL, "--json", "agent", "state", "1", "flying", (char *)NULL);
    assert_int_equal(r.code, 2);
    assert_json(&r, 0, "error", "\"usage\"");
    ctl_run_free(&r);
}

static void test_help_version(void **state)
{
    (void)state;
    struct ctl_run r;
    ctl_run(&r, NULL, "--help", (char *)NULL);
    assert_ok(&r);
    static const char *const cmds[] = {
        "lines",          "agent create",   "agent info",       "agent state",   "agent period",
        "agent sessions", "session create", "session info",     "session state", "session end",
        "groups",         "queues",         "queue info",       "queue period",  "address status",
        "address state",  "address groups", "address activity", "caps",          "monitor"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "tapictl %s", cmds[i]);
        assert_non_null(strstr(r.out, want));
    }
    assert_non_null(strstr(r.out, "Exit status"));
    ctl_run_free(&r);

    ctl_run(&r, NULL, "help", "session", (char *)NULL);
    assert_ok(&r);
    assert_non_null(strstr(r.out, "tapictl session create --agent H --group GROUP --address A"));
    assert_non_null(strstr(r.out, "tapictl session end H"));
    ctl_run_free(&r);

    ctl_run(&r, NULL, "agent", "state", "--help", (char *)NULL);
    assert_ok(&r);
    assert_non_null(strstr(r.out, "tapictl agent state H STATE [--next STATE]"));
    assert_null(strstr(r.out, "agent info"));
    ctl_run_free(&r);

    ctl_run(&r, NULL, "help", "nothing", (char *)NULL);
    assert_int_equal(r.code, 2);
    ctl_run_free(&r);

    ctl_run(&r, NULL, "--version", (char *)NULL);
    assert_ok(&r);
    assert_memory_equal(r.out, "tapictl ", 8);
    ctl_run_free(&r);
}

/* ------------------------------------------------------------------ monitor */

/* The next line of the monitor, which must contain every string given. */
static void expect_event(struct helper *m, ...)
{
    char line[4096];
    int len = helper_wait_line(m, line, sizeof line, now_ms() + PT_WAIT_MS);
    if (len < 0)
        fail_msg("monitor: no line (%d)", len);
    va_list ap;
    va_start(ap, m);
    const char *want;
    while ((want = va_arg(ap, const char *)) != NULL)
        if (!strstr(line, want))
            fail_msg("monitor: \"%s\" not in: %s", want, line);
    va_end(ap);
}

static void test_monitor(void **state)
{
    (void)state;
    char line[256];
    char *args[] = {"monitor", NULL};
    struct helper *m = ctl_spawnv(args);
    assert_non_null(m);
    expect_event(m, "Z  ready", "lines=0,1,2,3,4", (char *)NULL);
    /* what a proxy handler sends with lineProxyMessage, in order */
    helper_send(g_h[0], "msg %u 8197 %u %u", LINE_AGENTSESSIONSTATUS,
                LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE,
                LINEAGENTSESSIONSTATE_NOTREADY);
    helper_send(g_h[0], "msg %u 5 %u %u", LINE_AGENTSTATUSEX, LINEAGENTSTATUSEX_STATE,
                LINEAGENTSTATEEX_READY);
    helper_send(g_h[0], "msg %u 11 %u 0", LINE_QUEUESTATUS, LINEQUEUESTATUS_UPDATEINFO);
    helper_send(g_h[0], "msg %u 0 %u 0", LINE_GROUPSTATUS, LINEGROUPSTATUS_NEWGROUP);
    helper_send(g_h[0], "msg %u 1 %u %u", LINE_AGENTSTATUS,
                LINEAGENTSTATUS_STATE | LINEAGENTSTATUS_GROUP, LINEAGENTSTATE_READY);
    helper_send(g_h[0], "msg %u 0 7 8", LINE_AGENTSPECIFIC);
    for (int i = 0; i < 6; i++)
        assert_int_equal(pt_expect(g_h[0], "MSG 0x00000000", line, sizeof line, PT_WAIT_MS), 0);
    expect_event(m, "line 0  LINE_AGENTSESSIONSTATUS", "session=8197", "status=NEWSESSION,STATE",
                 "state=notready", (char *)NULL);
    expect_event(m, "line 0  LINE_AGENTSTATUSEX", "agent=5", "status=STATE", "state=ready",
                 (char *)NULL);
    expect_event(m, "LINE_QUEUESTATUS", "queue=11", "status=UPDATEINFO", (char *)NULL);
    expect_event(m, "LINE_GROUPSTATUS", "status=NEWGROUP", (char *)NULL);
    expect_event(m, "LINE_AGENTSTATUS ", "address=1", "status=GROUP,STATE", "state=ready",
                 (char *)NULL);
    expect_event(m, "LINE_AGENTSPECIFIC", "extension=0", "param2=0x7", "param3=0x8", (char *)NULL);
    /* a handler's line closing: LINE_PROXYSTATUS(CLOSE, type) per type */
    HLINE h;
    char why[64];
    struct helper *extra =
        pt_spawn(0, &h, why, sizeof why, "--dev", "3", "--types", "19", (char *)NULL);
    assert_non_null(extra);
    expect_event(m, "line 3  LINE_PROXYSTATUS", "status=OPEN", "request=GETGROUPLIST",
                 (char *)NULL);
    helper_send(extra, "close");
    expect_event(m, "line 3  LINE_PROXYSTATUS", "status=CLOSE", "request=GETGROUPLIST",
                 (char *)NULL);
    helper_free(extra);
    /* SIGTERM (and SIGINT) end it normally */
    helper_kill(m, SIGTERM);
    assert_int_equal(helper_wait(m, now_ms() + PT_WAIT_MS), 0);
    helper_free(m);
}

static void test_monitor_json(void **state)
{
    (void)state;
    char line[4096], val[256];
    char *args[] = {"--json", "monitor", "--line", "0", NULL};
    struct helper *m = ctl_spawnv(args);
    assert_non_null(m);
    assert_true(helper_wait_line(m, line, sizeof line, now_ms() + PT_WAIT_MS) > 0);
    assert_true(json_is_object(line));
    assert_int_equal(json_get(line, "event", val, sizeof val) > 0, 1);
    assert_string_equal(val, "\"ready\"");
    json_get(line, "lines", val, sizeof val);
    assert_string_equal(val, "[0]");
    helper_send(g_h[0], "msg %u 8197 %u %u", LINE_AGENTSESSIONSTATUS, LINEAGENTSESSIONSTATUS_STATE,
                LINEAGENTSESSIONSTATE_BUSYWRAPUP);
    assert_true(helper_wait_line(m, line, sizeof line, now_ms() + PT_WAIT_MS) > 0);
    assert_int_equal(pt_expect(g_h[0], "MSG", val, sizeof val, PT_WAIT_MS), 0);
    assert_true(json_is_object(line));
    /* {"time":"2026-...Z","line":0,"event":"LINE_AGENTSESSIONSTATUS",...} */
    json_get(line, "time", val, sizeof val);
    assert_int_equal(strlen(val), 26); /* "YYYY-MM-DDTHH:MM:SS.mmmZ" in quotes */
    assert_int_equal(val[20], '.');
    assert_int_equal(val[24], 'Z');
    assert_non_null(strstr(line, "\"line\":0,\"event\":\"LINE_AGENTSESSIONSTATUS\","
                                 "\"session\":8197,\"status\":[\"STATE\"],"
                                 "\"state\":\"busywrapup\"}"));
    helper_kill(m, SIGINT);
    assert_int_equal(helper_wait(m, now_ms() + PT_WAIT_MS), 0);
    helper_free(m);
}

/* The server goes away: LINE_CLOSE, then exit 4. */
static void test_monitor_server_gone(void **state)
{
    (void)state;
    struct srv *s = srv_start(NULL);
    assert_non_null(s);
    char line[4096];
    char *args[] = {"monitor", "--line", "2", NULL};
    int err_fd;
    struct helper *m = ctl_spawnv_err(args, &err_fd);
    assert_non_null(m);
    assert_true(helper_wait_line(m, line, sizeof line, now_ms() + PT_WAIT_MS) > 0);
    assert_non_null(strstr(line, "ready"));
    assert_int_equal(srv_stop(s), 0);
    assert_true(helper_wait_line(m, line, sizeof line, now_ms() + PT_WAIT_MS) > 0);
    assert_non_null(strstr(line, "  line 2  LINE_CLOSE"));
    assert_int_equal(helper_wait(m, now_ms() + PT_WAIT_MS), 4);
    char *err = ctl_read_all(err_fd, PT_WAIT_MS);
    assert_string_equal(err, "tapictl: monitor: tapisrv closed the line (it stopped or went "
                             "away)\n");
    free(err);
    helper_free(m);
    srv_free(s);
    srv_use(group_srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_agent_create, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_agent_info, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_agent_state_period, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_agent_sessions, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_session_create, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_session_info, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_session_state_end, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_groups, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_queues, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_queue_info_period, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_address_status, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_address_state, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_address_groups, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_address_activity, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_caps, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_tapi_error, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_no_handler, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_timeout, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_unreachable, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_server_lost, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_usage, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_help_version, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_monitor, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_monitor_json, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(test_monitor_server_gone, wd_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("tapictl", tests, group_setup, group_teardown);
}
