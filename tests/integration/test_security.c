/*
 * test_security - the three promises tapisrv makes about who is who:
 *
 *   1. Only the socket's owner and group reach the server: a process of
 *      another OS user outside the group gets EACCES from connect(2) and
 *      LINEERR_OPERATIONFAILED from lineInitializeEx; a member of the
 *      configured socket_group (primary or supplementary) gets in.
 *   2. A proxy request goes to the handler of its line and to nobody else:
 *      an app that opened the line without LINEOPENOPTION_PROXY never sees
 *      it, another app's lineProxyResponse with an exact copy of it fails,
 *      raw wire peers answering every proxy id complete nothing, and the
 *      real handler's answer still completes it.
 *   3. The requester's identity in LINEPROXYREQUEST comes from the socket's
 *      peer credentials: a raw client that forges the header (user and
 *      machine name, dwSize, API version) and its HELLO (pid, app name)
 *      still shows up as its real OS user.
 *
 * Running as another user needs root (CI runs as root); without it the
 * socket's mode and group are still checked, the cross-user part is
 * skipped with the reason, and the forged identity is checked with the
 * current user.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "proxytest.h"
#include "tapitest.h"
#include "varstruct.h"

#define FAILED ((LONG)LINEERR_OPERATIONFAILED)
#define SPOOF_ID "mallory"

/* The other user (root only): nobody, and a group nobody is not in. */
static struct {
    int ok;
    char uid[16], gid[16]; /* nobody and its primary group */
    gid_t group;           /* the socket group: unused by anybody */
    char group_s[16];
} g_other;

static int group_setup(void **state)
{
    (void)state;
    char conf[128];
    struct passwd *pw = getpwnam("nobody");
    if (geteuid() == 0 && pw) {
        gid_t g = 4711;
        while (getgrgid(g) || g == pw->pw_gid)
            g++;
        g_other.ok = 1;
        g_other.group = g;
        snprintf(g_other.uid, sizeof g_other.uid, "%u", (unsigned)pw->pw_uid);
        snprintf(g_other.gid, sizeof g_other.gid, "%u", (unsigned)pw->pw_gid);
    } else {
        g_other.group = getegid();
    }
    snprintf(g_other.group_s, sizeof g_other.group_s, "%u", (unsigned)g_other.group);
    snprintf(conf, sizeof conf, "[server]\nsocket_group = %u\n", (unsigned)g_other.group);
    if (group_srv_start(conf, "test_security group setup"))
        return -1;
    /* the socket's own mode is the only barrier: its directory is open */
    return chmod(group_srv->dir, 0755);
}

static int group_teardown(void **state)
{
    (void)state;
    return group_srv_stop("test_security group teardown");
}

/* Run helper_asuser as uid:gid with groups, one command; its one line
 * goes to out.  Returns the helper's exit code. */
static int as_user(char *out, size_t cap, const char *uid, const char *gid, const char *groups, ...)
{
    char *args[12] = {(char *)uid, (char *)gid, (char *)groups};
    int n = 3;
    va_list ap;
    va_start(ap, groups);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 11)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    struct helper *h = helper_spawnv("helper_asuser", args);
    if (!h)
        fail_msg("cannot start helper_asuser");
    if (helper_wait_line(h, out, cap, now_ms() + PT_START_MS) < 0)
        snprintf(out, cap, "(no line)");
    int rc = helper_wait(h, now_ms() + PT_WAIT_MS);
    helper_free(h);
    return rc;
}

static void expect_as(const char *want, const char *uid, const char *gid, const char *groups,
                      const char *cmd)
{
    char line[256];
    int rc = as_user(line, sizeof line, uid, gid, groups, cmd, (char *)NULL);
    if (rc != 0 || strcmp(line, want))
        fail_msg("%s as %s:%s groups %s: \"%s\" (exit %d), want \"%s\"", cmd, uid, gid, groups,
                 line, rc, want);
}

/* ------------------------------------------------------------------ 1. the socket */

/* Mode 0660 and the group: what keeps everybody else out. */
static void assert_socket_mode(const struct srv *s, gid_t group)
{
    struct stat st;
    assert_int_equal(stat(s->sock, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0660);
    assert_int_equal(st.st_gid, group);
}

static void outsider_cannot_connect(void **state)
{
    (void)state;
    char init_failed[32];
    snprintf(init_failed, sizeof init_failed, "INIT 0x%08x", (unsigned)FAILED);
    assert_socket_mode(group_srv, g_other.group);

    /* No socket_group: the server's own group, here ours. */
    struct srv *plain = srv_start(NULL);
    assert_non_null(plain);
    assert_int_equal(chmod(plain->dir, 0755), 0);
    assert_socket_mode(plain, getegid());
    if (!g_other.ok) {
        srv_free(plain);
        srv_use(group_srv);
        print_message("not root (or no user nobody): cannot run a client as another user; "
                      "only the socket's mode and group were checked\n");
        skip();
    }
    /* nobody outside the server's group is refused by the kernel */
    expect_as("CONNECT EACCES", g_other.uid, g_other.gid, "-", "connect");
    expect_as(init_failed, g_other.uid, g_other.gid, "-", "init");
    srv_free(plain);

    srv_use(group_srv);
    expect_as("CONNECT EACCES", g_other.uid, g_other.gid, "-", "connect");
    expect_as(init_failed, g_other.uid, g_other.gid, "-", "init");
    /* a member of socket_group gets in, as a supplementary or primary group */
    expect_as("CONNECT 0", g_other.uid, g_other.gid, g_other.group_s, "connect");
    expect_as("INIT 0x00000000", g_other.uid, g_other.gid, g_other.group_s, "init");
    expect_as("CONNECT 0", g_other.uid, g_other.group_s, "-", "connect");
    expect_as("INIT 0x00000000", g_other.uid, g_other.group_s, "-", "init");
    /* and the refusals cost the server nothing */
    HLINEAPP a;
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(lineShutdown(a), 0);
}

/* ------------------------------------------------------------------ 2. the handler's requests */

static void expect_line(struct helper *h, const char *want)
{
    char line[256];
    if (pt_expect(h, want, line, sizeof line, PT_WAIT_MS) || strcmp(line, want))
        fail_msg("helper: expected \"%s\", got \"%s\"", want, line);
}

/* Every message queued for app before a round trip, none of them a
 * LINE_PROXYREQUEST; LINE_REPLY fails too unless allowed. */
static void assert_no_request_seen(HLINEAPP app, int allow_reply)
{
    DWORD v;
    LINEEXTENSIONID ext;
    LINEMESSAGE m;
    assert_int_equal(lineNegotiateAPIVersion(app, 0, API_LO, API_HI, &v, &ext), 0);
    while (lineGetMessage(app, &m, 0) == 0)
        if (m.dwMessageID == LINE_PROXYREQUEST || (!allow_reply && m.dwMessageID == LINE_REPLY))
            fail_msg("message %u (param1 0x%lx) reached an app that is not its handler",
                     (unsigned)m.dwMessageID, (unsigned long)m.dwParam1);
}

/* A raw peer (handler of CREATEAGENT on line dev) answering proxy ids
 * 1..2000 in the name of hLine `as` ("self": its own). */
static void raw_thief(const char *dev, const char *as)
{
    char why[256], line[256];
    HLINE x;
    struct helper *t = pt_spawn(1, &x, why, sizeof why, "--dev", dev, "--types", "9",
                                "--steal-from", as, (char *)NULL);
    if (!t)
        fail_msg("raw peer: %s", why);
    if (pt_expect(t, "STOLEN", line, sizeof line, PT_WAIT_MS))
        fail_msg("raw peer: \"%s\"", line);
    helper_free(t);
}

static void only_the_handler_sees_and_answers(void **state)
{
    (void)state;
    char why[256], line[4096], hs[16];
    HLINE hh, la, lm, lt;
    HLINEAPP a, m, t;
    struct helper *h = pt_spawn(0, &hh, why, sizeof why, "--dev", "6", "--types", "9", "--mode",
                                "silent", "--print", "dump", (char *)NULL);
    if (!h)
        fail_msg("handler: %s", why);
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(app_init_event(&m, NULL, NULL), 0);
    assert_int_equal(app_init_event(&t, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 6, &la, 1), 0);
    /* the same line, every right but the proxy option */
    assert_int_equal(lineOpenA(m, 6, &lm, API_HI, 0, 2,
                               LINECALLPRIVILEGE_OWNER | LINECALLPRIVILEGE_MONITOR,
                               LINEMEDIAMODE_INTERACTIVEVOICE, NULL),
                     0);
    static const DWORD create_agent = LINEPROXYREQUEST_CREATEAGENT;
    assert_int_equal(open_proxy(t, 7, API_HI, 0, LINECALLPRIVILEGE_NONE, &create_agent, 1, &lt), 0);

    HAGENT ha = 0xAAAAAAAAu;
    LONG id = lineCreateAgentA(la, "victim", NULL, &ha);
    assert_true(id > 0);
    if (pt_expect(h, "REQ 9 ", line, sizeof line, PT_WAIT_MS))
        fail_msg("handler: \"%s\"", line);
    uint8_t *req = NULL;
    long len = pt_unhex(line + 6, &req);
    assert_true(len > 28);

    /* The exact request, answered correctly, by another app: refused by its
       library, on its proxy line and on a line without the proxy option. */
    uint8_t *copy = malloc((size_t)len);
    assert_non_null(copy);
    memcpy(copy, req, (size_t)len);
    assert_int_equal(pt_answer(copy, (uint32_t)len), 0);
    assert_int_equal(lineProxyResponse(lt, (LPLINEPROXYREQUEST)copy, 0),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineProxyResponse(lm, (LPLINEPROXYREQUEST)copy, 0),
                     (LONG)LINEERR_INVALPOINTER);
    /* Raw peers answering every proxy id, as the handler and as themselves:
       the server ignores them. */
    snprintf(hs, sizeof hs, "%u", (unsigned)hh);
    raw_thief("3", hs);
    raw_thief("4", "self");

    assert_no_request_seen(a, 0);
    assert_int_equal(ha, 0xAAAAAAAAu);
    assert_no_request_seen(m, 0);
    assert_no_request_seen(t, 0);

    /* the handler still holds it and its answer completes it */
    assert_int_equal(helper_send(h, "answer"), 0);
    expect_line(h, "RESP 9 0x00000000");
    expect_line(h, "ANSWERED 1");
    LINEMESSAGE msg;
    do
        assert_int_equal(pt_next_msg(a, &msg, PT_WAIT_MS), 0);
    while (msg.dwMessageID != LINE_REPLY);
    assert_int_equal((LONG)msg.dwParam1, id);
    assert_int_equal(msg.dwParam2, 0);
    assert_int_equal(ha, pt_agent_handle("victim"));
    assert_no_request_seen(m, 0);

    free(copy);
    free(req);
    assert_int_equal(lineShutdown(t), 0);
    assert_int_equal(lineShutdown(m), 0);
    assert_int_equal(lineShutdown(a), 0);
    helper_free(h);
}

/* ------------------------------------------------------------------ 3. the identity */

static void identity_is_not_spoofable(void **state)
{
    (void)state;
    char why[256], line[4096], want[64];
    HLINE hh;
    struct helper *h = pt_spawn(0, &hh, why, sizeof why, "--dev", "5", "--types", "9", "--print",
                                "dump", (char *)NULL);
    if (!h)
        fail_msg("handler: %s", why);
    const char *user = pt_user_name();
    if (g_other.ok)
        user = "nobody";
    else
        print_message("not root: the forging client runs as %s, not as another user\n", user);

    int rc = as_user(line, sizeof line, g_other.ok ? g_other.uid : "-", g_other.gid,
                     g_other.ok ? g_other.group_s : "-", "spoof", "5", SPOOF_ID, (char *)NULL);
    snprintf(want, sizeof want, "REPLY 0x00000000 0x%08x", (unsigned)pt_agent_handle(SPOOF_ID));
    if (rc != 0 || strcmp(line, want))
        fail_msg("forging client: \"%s\" (exit %d), want \"%s\"", line, rc, want);

    if (pt_expect(h, "REQ 9 ", line, sizeof line, PT_WAIT_MS))
        fail_msg("handler: \"%s\"", line);
    uint8_t *req = NULL;
    long len = pt_unhex(line + 6, &req);
    assert_true(len > 48);
    char *u = pt_str16(req, (uint32_t)len, vs_get_u32(req, 12), vs_get_u32(req, 16));
    char *mach = pt_str16(req, (uint32_t)len, vs_get_u32(req, 4), vs_get_u32(req, 8));
    char *agent = pt_str16(req, (uint32_t)len, vs_get_u32(req, 32), vs_get_u32(req, 36));
    assert_non_null(u);
    assert_non_null(mach);
    assert_non_null(agent);
    /* what the client claimed arrived only as what it is: the agent ID */
    assert_string_equal(agent, SPOOF_ID);
    assert_string_equal(u, user);
    assert_string_equal(mach, pt_host_name());
    assert_int_equal(vs_get_u32(req, 0), (uint32_t)len);
    assert_int_equal(vs_get_u32(req, 20), API_HI);
    expect_line(h, "RESP 9 0x00000000");
    free(u);
    free(mach);
    free(agent);
    free(req);
    helper_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(outsider_cannot_connect, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(only_the_handler_sees_and_answers, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(identity_is_not_spoofable, wd_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("security", tests, group_setup, group_teardown);
}
