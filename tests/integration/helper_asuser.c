/*
 * helper_asuser - a TAPI client running as another OS user, for the
 * security tests: who may reach the server, and what the server tells a
 * handler about who asked.
 *
 *   helper_asuser UID GID GROUPS CMD [ARGS]
 *
 * Becomes UID/GID with exactly the supplementary GROUPS ("-" for none, else
 * a comma list of gids) before anything else; UID "-" keeps the current
 * identity (a test not running as root).  Then one command, one line:
 *   connect        a bare connect(2) to the server's socket:
 *                  "CONNECT 0" or "CONNECT <errno name>"
 *   init           lineInitializeExA: "INIT 0x<rc>"; on success lineShutdown
 *   spoof DEV ID   speaking the wire protocol itself (rawwire.h): HELLO
 *                  claiming pid 1 and the app name ID, OPEN DEV (MONITOR,
 *                  2.2), then REQUEST CREATEAGENT for agent ID ID whose
 *                  LINEPROXYREQUEST header claims ID as the client's user
 *                  and machine name (offsets pointing at the agent ID
 *                  string) and a made-up dwSize and API version; prints
 *                  "REPLY 0x<result> 0x<hAgent>" from its LINE_REPLY
 * Setup failures print "FAIL what" and exit 2; usage errors exit 64.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rawwire.h"
#include "tapitest.h"
#include "varstruct.h"

#define NGROUPS 16
#define SPOOF_REQID 77u

static int usage(void)
{
    fprintf(stderr, "usage: helper_asuser UID|- GID GROUPS|- connect | init | spoof DEV ID\n");
    return 64;
}

/* Become uid/gid with the groups in list; 0 or -1. */
static int become(const char *uid_s, const char *gid_s, const char *list)
{
    gid_t groups[NGROUPS];
    size_t n = 0;
    if (!strcmp(uid_s, "-"))
        return 0;
    for (const char *p = list; strcmp(list, "-") && *p;) {
        char *end;
        if (n == NGROUPS)
            return -1;
        groups[n++] = (gid_t)strtoul(p, &end, 0);
        p = *end == ',' ? end + 1 : end;
        if (end == p && *end)
            return -1;
    }
    uid_t uid = (uid_t)strtoul(uid_s, NULL, 0);
    gid_t gid = (gid_t)strtoul(gid_s, NULL, 0);
    if (setgroups(n, groups) || setgid(gid) || setuid(uid))
        return -1;
    /* no way back: a test that thinks it runs as another user must */
    return getuid() == uid && geteuid() == uid && setuid(0) < 0 ? 0 : -1;
}

static int cmd_connect(void)
{
    struct rawconn c;
    int e = rw_connect(&c) ? errno : 0;
    rw_close(&c);
    printf("CONNECT %s\n", e ? strerrorname_np(e) : "0");
    return 0;
}

static int cmd_init(void)
{
    HLINEAPP app;
    LONG rc = app_init_event(&app, NULL, NULL);
    printf("INIT 0x%08x\n", (unsigned)rc);
    return rc == 0 && lineShutdown(app) ? 1 : 0;
}

/* CREATEAGENT for agent id, with a forged header.  The body layout:
 * header (28), the union (hAgent, ID size/offset, PIN size/offset), the ID
 * in UTF-16 right after. */
static int cmd_spoof(uint32_t dev, const char *id)
{
    struct rawconn c;
    struct w_result res;
    if (rw_connect(&c)) {
        printf("FAIL connect\n");
        return 2;
    }
    struct w_hello hello = {.magic = WIRE_MAGIC,
                            .proto = WIRE_PROTO,
                            .api_version = API_HI,
                            .pid = 1,
                            .name = {(const uint8_t *)id, (uint32_t)strlen(id) + 1}};
    struct w_open op = {
        .device = dev, .api_version = API_HI, .privileges = LINECALLPRIVILEGE_MONITOR};
    if (rw_call(&c, W_HELLO, &hello, &res) || res.result) {
        printf("FAIL hello\n");
        return 2;
    }
    if (rw_call(&c, W_OPEN, &op, &res) || res.result) {
        printf("FAIL open\n");
        return 2;
    }
    uint32_t hline = res.a;

    uint8_t body[512] = {0};
    const uint32_t at = 48, units = (uint32_t)strlen(id) + 1;
    if (at + 2 * units > sizeof body) {
        printf("FAIL id too long\n");
        return 2;
    }
    for (uint32_t i = 0; i < units; i++) /* ASCII ids: one unit each */
        vs_put_u16(body, at + 2 * i, (uint8_t)id[i]);
    uint32_t len = at + 2 * units;
    vs_put_u32(body, 0, 0xFFFFu);     /* dwSize */
    vs_put_u32(body, 4, 2 * units);   /* dwClientMachineNameSize */
    vs_put_u32(body, 8, at);          /* dwClientMachineNameOffset */
    vs_put_u32(body, 12, 2 * units);  /* dwClientUserNameSize */
    vs_put_u32(body, 16, at);         /* dwClientUserNameOffset */
    vs_put_u32(body, 20, 0x00030001); /* dwClientAppAPIVersion */
    vs_put_u32(body, 24, LINEPROXYREQUEST_CREATEAGENT);
    vs_put_u32(body, 32, 2 * units); /* dwAgentIDSize */
    vs_put_u32(body, 36, at);        /* dwAgentIDOffset */
    struct w_request rq = {.hline = hline,
                           .device = dev,
                           .app_version = API_HI,
                           .reqid = SPOOF_REQID,
                           .type = LINEPROXYREQUEST_CREATEAGENT,
                           .body = {body, len}};
    if (rw_send(&c, W_REQUEST, 0, &rq)) {
        printf("FAIL request\n");
        return 2;
    }
    for (;;) {
        unsigned t;
        uint32_t s;
        union wire_msg m;
        if (rw_read(&c, &t, &s, &m)) {
            printf("FAIL connection lost\n");
            return 2;
        }
        if (t != W_EVENT || m.event.msg != LINE_REPLY || m.event.p1 != SPOOF_REQID)
            continue;
        uint32_t h = m.event.data.len == 4 ? vs_get_u32(m.event.data.p, 0) : 0;
        printf("REPLY 0x%08x 0x%08x\n", (unsigned)m.event.p2, (unsigned)h);
        break;
    }
    rw_close(&c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return usage();
    if (become(argv[1], argv[2], argv[3])) {
        printf("FAIL become %s:%s\n", argv[1], argv[2]);
        return 2;
    }
    int rc;
    if (!strcmp(argv[4], "connect") && argc == 5)
        rc = cmd_connect();
    else if (!strcmp(argv[4], "init") && argc == 5)
        rc = cmd_init();
    else if (!strcmp(argv[4], "spoof") && argc == 7)
        rc = cmd_spoof((uint32_t)strtoul(argv[5], NULL, 0), argv[6]);
    else
        return usage();
    fflush(stdout);
    return rc;
}
